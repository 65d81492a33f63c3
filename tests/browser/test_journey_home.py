"""Each role's home page leads them to each of their actions, in Chromium at 1280x800: from the home
section that counts it, to the case, where the action is on the first screen (above the fold), and on to
where it is done. Every page on the way is checked with axe (``tests/browser/conftest.py``)."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import PLRequestState, ProposalState

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

S = ProposalState
FOLD = 800


@pytest.fixture
def cast(factory):
    """The standard world, plus: an unsubmitted review for Una, a decision the BTU side recorded that waits
    for the BPS side, and a PL request from the school leader's school waiting for endorsement."""
    w = factory.world()
    w.extra_review = factory.proposal(w.team, w.cycle, state=S.IN_REVIEW, title="Mather reading buddies")
    factory.assign(w.extra_review, w.reviewer_unassigned, w.staff)
    w.pending = factory.proposal(w.team, w.cycle, state=S.IN_REVIEW, title="Mather family nights")
    for r in (w.reviewer_btu, w.reviewer_bps):
        factory.review(factory.assign(w.pending, r, w.staff))
    factory.decision(w.pending, w.co_chair_btu)
    w.pl = factory.pl_request(w.member, state=PLRequestState.SUBMITTED)
    db.session.commit()
    return w


def open_home(visitor, user):
    v = visitor(user)
    v.page.set_viewport_size({"width": 1280, "height": FOLD})
    v.goto("/")
    return v


def follow(v, section: str, case_title: str, task: str, total: int | None = None):
    """From the home section ``section``, open the case ``case_title``; the task ``task`` is in the case
    page's action panel, above the fold of a 1280x800 window. Returns the task's box."""
    v.goto("/")
    card = v.page.locator("main").locator(f'section[aria-labelledby="{section}"]')
    if total is not None:
        assert re.search(rf"\({total}\)", card.locator("h2").inner_text()), card.locator("h2").inner_text()
    v.click(card.get_by_role("link", name=case_title))
    item = v.page.locator(f'#actions [data-task="{task}"]')
    assert item.count() == 1, f"no {task} in the action panel of {v.page.url}"
    assert item.get_attribute("data-waiting") == "yes"
    box = item.bounding_box()
    assert box is not None and box["y"] + 40 <= FOLD, f"{task} is below the first screen: {box}"
    return item


def test_team_lead_is_led_to_submit_accept_the_agreement_and_report(cast, visitor):
    v = open_home(visitor, cast.lead)
    summary = v.page.locator("#home-summary").inner_text()
    assert re.search(r"\d+ items need your attention", summary)
    follow(v, "to_finish", "Mather draft proposal", "submit")
    follow(v, "to_finish", "Mather revisions_requested proposal", "resubmit")
    item = follow(v, "agreement", "Mather approved proposal", "accept_agreement", total=1)
    v.click(item.get_by_role("link", name="Read and accept the grant agreement"))
    assert v.page.url.endswith(f"/proposals/{cast.proposals[S.APPROVED].id}/agreement")
    item = follow(v, "grants", "Mather active proposal", "progress_update", total=1)
    v.click(item.get_by_role("link", name="Write the progress update"))
    assert "/progress" in v.page.url
    follow(v, "grants", "Mather active proposal", "final_report")


def test_reviewer_is_led_to_score(cast, visitor):
    v = open_home(visitor, cast.reviewer_unassigned)
    item = follow(v, "reviews_due", "Mather reading buddies", "review", total=1)
    v.click(item.get_by_role("link", name="Score this proposal"))
    assert f"/review/proposals/{cast.extra_review.id}" in v.page.url


def test_btu_co_chair_is_led_to_record_a_decision(cast, visitor):
    v = open_home(visitor, cast.co_chair_btu)
    item = follow(v, "ready", "Mather in_review proposal", "record_decision", total=1)
    v.click(item.get_by_role("link", name="Record a decision"))
    assert f"/committee/proposals/{cast.in_review.id}/decide" in v.page.url
    # the decision the BTU side recorded waits on the BPS side, not on her: listed for information only
    v.goto("/")
    mine = v.page.locator('section[aria-labelledby="mine_waiting"]')
    assert "Mather family nights" in mine.inner_text() and "wait on others" in mine.inner_text()


def test_bps_co_chair_is_led_to_confirm(cast, visitor):
    v = open_home(visitor, cast.co_chair_bps)
    item = follow(v, "to_confirm", "Mather family nights", "confirm_decision", total=1)
    assert "Confirm the decision: Approve" in item.inner_text()
    v.click(item.get_by_role("link", name=re.compile("Confirm the decision")))
    confirm = v.page.locator("#decision-panel").get_by_role("button", name=re.compile("Confirm: Approve"))
    assert confirm.is_visible()


def test_staff_are_led_to_screen_activate_and_review_final_reports(cast, visitor):
    v = open_home(visitor, cast.staff)
    follow(v, "screen", "Mather submitted proposal", "begin_review", total=1)
    follow(v, "final_reports", "Mather final_report_submitted proposal", "accept_report", total=1)
    # the approved grant waits on its team (the agreement), so it is not counted for staff
    v.goto("/")
    assert "(0)" in v.page.locator('section[aria-labelledby="activate"] h2').inner_text()


def test_school_leader_is_led_to_endorse(cast, visitor):
    v = open_home(visitor, cast.school_leader)
    assert "1 item needs your attention" in v.page.locator("#home-summary").inner_text()
    item = follow(v, "pl_waiting", cast.pl.display_title, "endorse", total=1)
    assert item.get_by_role("button", name="Endorse").is_visible()
