"""`flask --app app workflows`: the transitions table from the declaration, the diagram as SVG, and
the README's copies in docs/ kept equal to what the command makes now."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.cli import markdown_table
from workflows.pl_request import PL_REQUEST
from workflows.proposal import PROPOSAL

WORKFLOWS = [("proposal", PROPOSAL), ("pl_request", PL_REQUEST)]

DOCS = Path(__file__).resolve().parents[1] / "docs"
REGENERATE = "flask --app app workflows --svg docs --markdown docs"


@pytest.mark.parametrize(("name", "wf"), WORKFLOWS, ids=[n for n, _ in WORKFLOWS])
def test_prints_every_transition(app, name, wf):
    result = app.test_cli_runner().invoke(args=["workflows"])
    assert result.exit_code == 0, result.output
    assert f"{name} workflow" in result.output
    section = result.output.split(f"\n{name} workflow\n", 1)[1].split(" workflow\n", 1)[0]
    lines = section.splitlines()
    for t in wf.transitions:
        row = next((line for line in lines if line.startswith(f"| {t.trigger} ")), None)
        assert row is not None, f"no row for {t.trigger}"
        assert t.dest.value in row
        assert t.who.name in row
        for s in t.sources:
            assert s.value in row
        for g in t.guards:
            assert g.description in row


@pytest.mark.parametrize(("name", "wf"), WORKFLOWS, ids=[n for n, _ in WORKFLOWS])
def test_writes_svg_and_markdown(app, tmp_path, name, wf):
    result = app.test_cli_runner().invoke(
        args=["workflows", "--svg", str(tmp_path / "svg"), "--markdown", str(tmp_path / "md")])
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "svg" / f"{name}-workflow.svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert all(" " not in i for i in ids), ids
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for state in wf.states:
        assert wf.label(state) in texts
    md = (tmp_path / "md" / f"{name}-workflow.md").read_text(encoding="utf-8")
    assert md == markdown_table(wf.table()) + "\n"


def test_docs_match_the_declaration(app, tmp_path):
    """The README embeds docs/<workflow>-workflow.svg and the table in docs/<workflow>-workflow.md.
    If this fails, the declaration changed: run `flask --app app workflows --svg docs --markdown docs`."""
    result = app.test_cli_runner().invoke(args=["workflows", "--svg", str(tmp_path), "--markdown", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in [f"{wf}-workflow.{ext}" for wf, _ in WORKFLOWS for ext in ("svg", "md")]:
        committed = (DOCS / name).read_text(encoding="utf-8")
        assert committed == (tmp_path / name).read_text(encoding="utf-8"), f"docs/{name} is stale: run {REGENERATE}"


def test_readme_shows_each_workflows_table_and_diagram():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    for name, wf in WORKFLOWS:
        assert f"(docs/{name}-workflow.svg)" in readme
        assert markdown_table(wf.table()) in readme, f"README's {name} table is stale: run {REGENERATE}"
