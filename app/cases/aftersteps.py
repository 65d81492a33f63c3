"""Steps that follow a transition inside the same transaction (dates, slugs), per trigger and kind of case.

Each area registers its own with ``@after("activate")`` in its service module, listed in
``MODULES``; ``run`` is called by the operations that fire transitions, right after ``advance``.
Two workflows share trigger names ("approve"), so a step names the kind of case it follows:
``@after("endorse", case_type="pl_request")``; the default is a proposal. A step never runs for
another kind of case.
Nothing here may have an irreversible side effect: mail and PDFs happen after commit.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Step = Callable[[Any, Any], None]
_STEPS: dict[tuple[str, str], list[Step]] = {}
MODULES: list[str] = []  # service modules that register steps
MODULES.append("app.grants.agreement")  # grant agreement: activation sets report due dates
MODULES.append("app.sharing.summaries")  # learning summary: publish sets the slug and date
MODULES.append("app.pl.requests")  # PL requests: a free request is approved on endorsement
_loaded = False


def after(trigger: str, case_type: str = "proposal") -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        _STEPS.setdefault((case_type, trigger), []).append(fn)
        return fn

    return register


def run(case: Any, trigger: str, actor: Any) -> None:
    from app.cases.advance import case_type

    global _loaded
    if not _loaded:
        for name in MODULES:
            importlib.import_module(name)
        _loaded = True
    for step in _STEPS.get((case_type(case), trigger), []):
        step(case, actor)
