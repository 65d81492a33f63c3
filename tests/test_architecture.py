"""The layout's rules, checked: one place per trigger, state groups declared once, thin views, areas.

These read the declarations in ``workflows/`` and the source of ``app/`` and ``templates/``; a failure
names the file and line that broke a rule, and the message says where the thing belongs instead.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import workflows.pl_request as pl_flow
import workflows.proposal as proposal_flow
from workflows import Workflow

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
AREAS = ("people", "proposals", "review", "grants", "sharing", "needs", "catalog", "pl", "reports", "home", "api",
         "cases", "core")
WORKFLOWS: list[Workflow] = [proposal_flow.PROPOSAL, pl_flow.PL_REQUEST]
MAX_VIEW_LINES = 25


def _app_sources() -> list[Path]:
    """Every module of the app that serves requests (the demo's seeding scripts name triggers to fire them)."""
    return [p for p in APP.rglob("*.py") if "demo" not in p.relative_to(APP).parts]


def _templates() -> list[Path]:
    return list((ROOT / "templates").rglob("*.html")) + list((ROOT / "templates").rglob("*.txt"))


def _hits(paths, pattern: re.Pattern) -> list[str]:
    out = []
    for path in paths:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                out.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    return out


# -- one place per trigger ----------------------------------------------------------------------
TRIGGER_COMPARE = re.compile(r"""\btrigger\s*(==|!=)\s*["']|\btrigger\s+(not\s+)?in\s*[(\[{]\s*["']|"""
                             r"""for\s+trigger\s+in\s*[(\[]\s*["']""")


def test_no_code_or_template_decides_what_a_trigger_does_by_its_name():
    hits = _hits(_app_sources() + _templates(), TRIGGER_COMPARE)
    assert not hits, ("What a transition does belongs in its T row in workflows/ (guards, joint, page, locks, "
                      "after, notify and its words):\n" + "\n".join(hits))


def test_no_registry_is_loaded_by_name():
    hits = _hits(_app_sources(), re.compile(r"\bimportlib\b|__import__\("))
    assert not hits, "import what you use; nothing is registered by module name:\n" + "\n".join(hits)


@pytest.mark.parametrize("wf", WORKFLOWS, ids=lambda wf: wf.name)
def test_every_effect_of_a_transition_is_declared_in_its_row(wf: Workflow):
    for t in wf.transitions:
        for step in t.after:
            assert callable(step) and step.__module__.startswith("workflows."), (
                f"{wf.name}.{t.trigger}: after-step {step!r} must be a function declared in workflows/")
        for name in t.locks:
            assert name.isidentifier(), f"{wf.name}.{t.trigger}: locks name attributes of the case: {name!r}"
        assert set(t.notify) <= set(wf.audiences), f"{wf.name}.{t.trigger}: undeclared audience in {t.notify}"
        assert set(t.next_steps) <= set(t.notify), f"{wf.name}.{t.trigger}: next step for an audience it never tells"
        assert set(t.audience_subjects) <= set(t.notify), f"{wf.name}.{t.trigger}: subject for an audience it never tells"
        if t.notify:
            assert t.subject != t.label and not t.verb.startswith("took the action"), (
                f"{wf.name}.{t.trigger} tells {t.notify}: give it its own subject and verb")
            assert set(t.notify) <= set(t.next_steps), f"{wf.name}.{t.trigger}: a next step for each audience told"
        if t.joint:
            assert "co_chair" in t.who.roles, f"{wf.name}.{t.trigger}: a joint decision is the co-chairs'"
            assert t.trigger in wf.decision_outcomes, f"{wf.name}.{t.trigger}: a joint trigger is a decision outcome"
        assert not (t.page and t.fields), f"{wf.name}.{t.trigger}: a transition with its own page asks there"


def test_the_free_pl_request_is_approved_by_its_endorse_row_and_the_pool_is_read_under_a_lock():
    assert pl_flow.approve_if_free in pl_flow.PL_REQUEST.transition("endorse").after
    assert pl_flow.PL_REQUEST.transition("approve").locks == ("budget",)
    assert proposal_flow.PROPOSAL.transition("approve").locks == ("cycle",)
    assert proposal_flow.copy_report_due_dates in proposal_flow.PROPOSAL.transition("activate").after


# -- state groups --------------------------------------------------------------------------------
STATE_STRING = re.compile(r"""\.(value)\s*(==|!=)\s*["']|\.value\s+(not\s+)?in\s*[(\[{]\s*["']|"""
                          r"""\b(state|status|outcome)\s*(==|!=)\s*["']""")
HAND_GROUP = re.compile(r"\b(S|\w+State)\.[A-Z_]+\s*,\s*(S|\w+State)\.[A-Z_]+")


def test_no_state_is_compared_to_a_string():
    hits = _hits(_app_sources() + _templates(), STATE_STRING)
    assert not hits, ("compare with the enum (templates: proposal_states.APPROVED, pl_states.OPEN, "
                      "RegistrationStatus.WAITLISTED) or a declared group, never a string:\n" + "\n".join(hits))


def test_state_groups_are_spelled_out_only_beside_the_states():
    hits = _hits(_app_sources(), HAND_GROUP)
    assert not hits, ("declare the group beside the states in workflows/<workflow>.py (GROUPS) and use it:\n"
                      + "\n".join(hits))


@pytest.mark.parametrize("wf", WORKFLOWS, ids=lambda wf: wf.name)
def test_templates_can_name_every_state_and_group(wf: Workflow):
    for state in wf.states:
        assert getattr(wf.names, state.name) is state
    for name, group in wf.groups.items():
        assert getattr(wf.names, name) == group


# -- thin views ------------------------------------------------------------------------------------
def _view_modules() -> list[Path]:
    return [p for p in _app_sources() if p.name == "views.py" or p.parent.name == "views"]


def test_views_never_commit_or_roll_back_by_hand():
    hits = _hits(_view_modules(), re.compile(r"db\.session\.(commit|rollback)\("))
    assert not hits, "hand the operation to app.web.run, which commits or rolls back once:\n" + "\n".join(hits)


def test_no_view_function_is_longer_than_25_lines():
    long = []
    for path in _view_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if node.end_lineno - first + 1 > MAX_VIEW_LINES + len(node.decorator_list):
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} "
                                f"({node.end_lineno - node.lineno + 1} lines)")
    assert not long, "move the rule into the area's operations or app.web:\n" + "\n".join(long)


# -- areas -----------------------------------------------------------------------------------------
def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
    return out


def _area(path: Path) -> str:
    rel = path.relative_to(APP).parts
    return rel[0] if len(rel) > 1 else ""


def test_an_area_never_imports_another_areas_views():
    bad = []
    for path in _app_sources():
        for line, name in _imports(path):
            m = re.match(r"app\.(\w+)\.views\b", name)
            if m and m.group(1) != _area(path) and path.name != "__init__.py":
                bad.append(f"{path.relative_to(APP)}:{line} imports {name}")
    assert not bad, "share through the other area's operations (or app.web), not its views:\n" + "\n".join(bad)


def test_nothing_imports_home_or_demo():
    """home/ reads every area and demo/ plays the areas' operations; neither is a dependency of anything.
    The app factory registers blueprints and the CLI's demo commands import the demo inside themselves; the
    mail worker (app/worker.py), a process's entry point like the CLI, queues home's daily reminders and digests."""
    bad = []
    for path in _app_sources():
        area = _area(path)
        for line, name in _imports(path):
            if re.match(r"app\.(home|demo)\b", name) and area not in ("home", "demo"):
                if path == APP / "__init__.py" and name.startswith("app.home.views"):
                    continue
                if path == APP / "cli.py" or (path == APP / "worker.py" and name in ("app.home", "app.home.reminders",
                                                                                      "app.home.digest")):
                    continue
                bad.append(f"{path.relative_to(APP)}:{line} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_cli_imports_the_demo_only_inside_its_commands():
    tree = ast.parse((APP / "cli.py").read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert not [n for n in top if "demo" in (getattr(n, "module", "") or "")]


@pytest.mark.parametrize("area", AREAS)
def test_every_area_is_a_package_with_a_docstring(area: str):
    init = APP / area / "__init__.py"
    assert init.is_file(), f"app/{area}/ is an area package"
    assert ast.get_docstring(ast.parse(init.read_text())), f"app/{area}/__init__.py says what the area holds"


@pytest.mark.parametrize("area", [a for a in AREAS if a not in ("cases", "core")])
def test_every_area_has_its_templates_and_forms_beside_it(area: str):
    assert (ROOT / "templates" / area).is_dir(), f"templates/{area}/ holds the area's pages"
    if area not in ("home", "reports"):  # pages that only read: no forms
        assert (ROOT / "forms" / f"{area}.py").is_file(), f"forms/{area}.py holds the area's forms"
