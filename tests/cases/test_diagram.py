"""The workflow diagram: well-formed SVG drawn from the declaration, the current stage lit (not
by colour alone), named for screen readers, escaped, legible, and laid out once per workflow."""
from __future__ import annotations

import enum
import hashlib
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import render_template

from app.cases import diagram
from workflows.engine import T as Tr
from workflows.engine import Who, Workflow
from workflows.proposal import PROPOSAL, ProposalState

S = ProposalState
NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def _texts(el: ET.Element) -> list[str]:
    return [t.text or "" for t in el.iter("{http://www.w3.org/2000/svg}text")]


def _state_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-state"): g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-state")}


@pytest.mark.parametrize("state", list(S))
def test_svg_is_well_formed_has_every_state_and_lights_exactly_the_current_one(state):
    root = _parse(diagram.render_svg(PROPOSAL, state))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    groups = _state_groups(root)
    assert set(groups) == {s.value for s in S}
    all_text = _texts(root)
    for s in S:
        assert PROPOSAL.label(s) in all_text
    lit = [name for name, g in groups.items() if g.get("data-current") == "true"]
    assert lit == [state.value]
    # Not colour alone: the lit stage says so in words, and only it does.
    assert diagram.CURRENT_MARKER in _texts(groups[state.value])
    assert all_text.count(diagram.CURRENT_MARKER) == 1
    # Every transition out of every state is drawn and labelled.
    paths = [p for p in root.iter("{http://www.w3.org/2000/svg}path") if p.get("data-trigger")]
    assert sorted(p.get("data-trigger") for p in paths) == sorted(t for _, _, t in PROPOSAL.edges())


@pytest.mark.parametrize("state", list(S))
def test_accessible_name_says_the_current_stage_and_next_steps(state):
    root = _parse(diagram.render_svg(PROPOSAL, state))
    ids = root.get("aria-labelledby").split()
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    title = by_id[ids[0]]
    assert title.tag == "{http://www.w3.org/2000/svg}title"
    assert f"Current stage: {PROPOSAL.label(state)}." in title.text
    steps = PROPOSAL.from_state(state)
    if steps:
        assert "Next possible steps:" in title.text
        for t in steps:
            assert t.label.lower() in title.text
            assert PROPOSAL.label(t.dest) in title.text
    else:
        assert "final stage" in title.text
    assert by_id[ids[1]].tag == "{http://www.w3.org/2000/svg}desc"


def test_no_current_stage_lights_nothing():
    root = _parse(diagram.render_svg(PROPOSAL, None))
    assert not [g for g in _state_groups(root).values() if g.get("data-current")]
    assert diagram.CURRENT_MARKER not in _texts(root)


def test_layout_is_computed_once_per_workflow():
    first = diagram.layout_for(PROPOSAL)
    diagram.render_svg(PROPOSAL, S.DRAFT)
    diagram.render_svg(PROPOSAL, S.PUBLISHED)
    assert diagram.layout_for(PROPOSAL) is first
    # And the lit stage does not move anything: only the lit box and edge styles differ.
    a = _parse(diagram.render_svg(PROPOSAL, S.DRAFT))
    b = _parse(diagram.render_svg(PROPOSAL, S.PUBLISHED))
    rect = "{http://www.w3.org/2000/svg}rect"
    pos = lambda root: {name: (g.find(rect).get("x"), g.find(rect).get("y"))  # noqa: E731
                        for name, g in _state_groups(root).items()}
    assert pos(a) == pos(b)


def test_layout_has_no_overlapping_states():
    boxes = list(diagram.layout_for(PROPOSAL).nodes.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = abs(a.x - b.x) >= (a.w + b.w) / 2 or abs(a.y - b.y) >= (a.h + b.h) / 2
            assert apart, (a, b)


class Odd(enum.StrEnum):
    START = "start"
    END = "end"


def test_labels_are_escaped():
    nobody = Who("<b>staff</b> & co", frozenset({"staff"}), lambda case, actor, ctx: None)
    wf = Workflow("escape-test", Odd, Odd.START, [Tr("go_<now>", Odd.START, Odd.END, nobody, label='Go "<now>"')],
                  {Odd.START: "<script>alert(1)</script>", Odd.END: "Tom & Jerry's \"end\""})
    svg = str(diagram.render_svg(wf, Odd.START))
    assert "<script>" not in svg
    root = _parse(svg)  # well-formed despite the markup in the labels
    assert "<script>alert(1)</script>" in _texts(root)
    assert "Tom & Jerry's \"end\"" in _texts(root)
    assert "go <now>" in _texts(root)
    assert "Go \"<now>\"".lower() in root.find("svg:title", NS).text


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("fg,bg", [
    (diagram.INK, diagram.NODE_FILL),
    (diagram.LIT_TEXT, diagram.LIT_FILL),
    (diagram.EDGE_TEXT, "#ffffff"),
    (diagram.NEXT_EDGE, "#ffffff"),
])
def test_text_contrast_is_at_least_4_5(fg, bg):
    assert _contrast(fg, bg) >= 4.5
    svg = str(diagram.render_svg(PROPOSAL, S.IN_REVIEW))
    assert f'fill="{fg}"' in svg


def test_same_picture_in_every_process():
    """The layout must not depend on hash seeds or memory addresses (docs/ is compared to it)."""
    code = ("from app.cases.diagram import render_svg; from workflows.proposal import PROPOSAL; "
            "import sys; sys.stdout.write(str(render_svg(PROPOSAL)))")
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        digests.add(hashlib.sha256(out).hexdigest())
    digests.add(hashlib.sha256(str(diagram.render_svg(PROPOSAL)).encode()).hexdigest())
    assert len(digests) == 1


def test_diagram_partial(app_ctx, world):
    with app_ctx.test_request_context("/"):
        html = render_template("proposals/_diagram.html", proposal=world.in_review, current_user=world.lead)
    assert "Where this proposal is</h2>" in html
    assert "Current stage: <strong>In review</strong>" in html
    assert "<svg" in html and 'role="img"' in html
    assert "Next possible steps:" in html
    for label in ("Approve: to Approved", "Decline: to Declined", "Request revisions: to Revisions requested",
                  "Withdraw proposal: to Withdrawn"):
        assert label in html
    with app_ctx.test_request_context("/"):
        final = render_template("proposals/_diagram.html", proposal=world.proposals[S.DECLINED],
                                current_user=world.lead)
    assert "none; this is a final stage" in final
