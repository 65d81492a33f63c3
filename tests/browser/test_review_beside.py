"""A reviewer scores with the proposal beside the rubric: side by side on a wide screen, stacked on a
phone (no sideways scroll at 320 CSS px); each page checked with axe."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import ProposalState

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections


def test_the_proposal_sits_beside_the_rubric_and_stacks_on_a_phone(factory, visitor):
    staff = factory.user("staff", name="Stan Staff", email="stan@example.org")
    lead = factory.user("educator", name="Lena Lead", email="lena@example.org")
    member = factory.user("educator", name="Marta Member", email="marta@example.org")
    reviewer = factory.user("reviewer", name="Rita Btu", email="rita@example.org", side="BTU")
    team = factory.team(lead, member, name="Mather Readers")
    cycle = factory.cycle("2026-27 Teacher Leadership Fund")
    p = factory.proposal(team, cycle, state=ProposalState.IN_REVIEW, title="Newcomer reading circles")
    p.plan = "Weekly reading circles with bilingual texts, " * 40  # a long section
    factory.assign(p, reviewer, staff)
    db.session.commit()

    v = visitor(reviewer)
    page = v.page
    page.set_viewport_size({"width": 1280, "height": 900})
    v.goto(f"/review/proposals/{p.id}")
    beside = page.locator("#the-proposal")
    form = page.locator("main form[method=post]").last
    assert "Weekly reading circles" in beside.inner_text() and "Marta Member" in beside.inner_text()
    left, right = beside.bounding_box(), form.bounding_box()
    assert left["x"] + left["width"] <= right["x"], "the proposal is to the left of the rubric"
    assert abs(left["y"] - page.locator("#rubric-title").bounding_box()["y"]) < 5, "they start level"
    # the proposal scrolls in its own box, so the rubric stays in view while the reviewer reads
    assert page.evaluate("document.querySelector('#the-proposal').scrollHeight") > left["height"]

    page.set_viewport_size({"width": 320, "height": 640})
    v.check_a11y()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "no sideways scroll at 320 px"
    left, right = beside.bounding_box(), form.bounding_box()
    assert left["y"] + left["height"] <= right["y"], "stacked: the proposal, then the rubric"
