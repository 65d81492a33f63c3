"""`flask --app app workflows`: the transitions table from the declaration, the diagram as SVG, and
the README's copies in docs/ kept equal to what the command makes now."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from app.cli import markdown_table
from workflows.proposal import PROPOSAL

DOCS = Path(__file__).resolve().parents[1] / "docs"
REGENERATE = "flask --app app workflows --svg docs --markdown docs"


def test_prints_every_transition(app):
    result = app.test_cli_runner().invoke(args=["workflows"])
    assert result.exit_code == 0, result.output
    assert "proposal workflow" in result.output
    lines = result.output.splitlines()
    for t in PROPOSAL.transitions:
        row = next((line for line in lines if line.startswith(f"| {t.trigger} ")), None)
        assert row is not None, f"no row for {t.trigger}"
        assert t.dest.value in row
        assert t.who.name in row
        for s in t.sources:
            assert s.value in row
        for g in t.guards:
            assert g.description in row


def test_writes_svg_and_markdown(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["workflows", "--svg", str(tmp_path / "svg"), "--markdown", str(tmp_path / "md")])
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "svg" / "proposal-workflow.svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for state in PROPOSAL.states:
        assert PROPOSAL.label(state) in texts
    md = (tmp_path / "md" / "proposal-workflow.md").read_text(encoding="utf-8")
    assert md == markdown_table(PROPOSAL.table()) + "\n"


def test_docs_match_the_declaration(app, tmp_path):
    """The README embeds docs/proposal-workflow.svg and the table in docs/proposal-workflow.md.
    If this fails, the declaration changed: run `flask --app app workflows --svg docs --markdown docs`."""
    result = app.test_cli_runner().invoke(args=["workflows", "--svg", str(tmp_path), "--markdown", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("proposal-workflow.svg", "proposal-workflow.md"):
        committed = (DOCS / name).read_text(encoding="utf-8")
        assert committed == (tmp_path / name).read_text(encoding="utf-8"), f"docs/{name} is stale: run {REGENERATE}"
