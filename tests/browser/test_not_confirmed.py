"""Two keys both ways, in Chromium: the BPS co-chair sends back the BTU co-chair's recorded decision ("not
confirmed"); a missing comment is refused with the form kept; with a comment the decision waits for no one,
a new one can be recorded, the recorder reads the comment in their notifications and the committee sees it
on the timeline. Every page on the way is checked with axe."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Decision, DecisionOutcome, ProposalState

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

COMMENT = "The reviews on both sides rate the plan highly; let us talk before declining it."


@pytest.fixture
def cast(factory):
    lead = factory.user("educator", name="Lena Lead", email="lena@example.org")
    team = factory.team(lead, factory.user("educator", name="Max Member", email="max@example.org"),
                        name="Mather Readers")
    proposal = factory.proposal(team, factory.cycle(), state=ProposalState.IN_REVIEW,
                                title="Reading circles for newcomers")
    carla = factory.user("co_chair", name="Carla Chair", email="carla@example.org", side="BTU")
    colin = factory.user("co_chair", name="Colin Chair", email="colin@example.org", side="BPS")
    decision = factory.decision(proposal, carla, outcome=DecisionOutcome.DECLINE, feedback="Not this round.")
    db.session.commit()
    return {"proposal": proposal, "carla": carla, "colin": colin, "decision_id": decision.id}


def test_the_other_side_sends_a_decision_back_with_a_comment(cast, visitor):
    p = cast["proposal"]
    colin = visitor(cast["colin"])
    colin.goto(f"/committee/proposals/{p.id}/decide")
    panel = colin.page.locator("#decision-panel")
    assert panel.get_by_role("button", name="Confirm: Decline").count() == 1

    # No comment: refused, the form comes back with the problem summarised and linked to the field.
    colin.click(panel.get_by_role("button", name="Not confirmed: send it back"))
    summary = colin.page.locator("#error-summary")
    assert "Write a comment for the co-chair who recorded it" in summary.inner_text()
    assert summary.get_by_role("link").get_attribute("href") == "#comment"
    assert db.session.get(Decision, cast["decision_id"]).is_pending

    field = colin.page.get_by_label("Why you do not confirm it")
    field.fill(COMMENT)
    colin.click(colin.page.get_by_role("button", name="Not confirmed: send it back"))
    assert "Decision not confirmed: it is sent back" in colin.page.locator(".flash-messages").inner_text()
    notice = colin.page.locator("#sent-back")
    assert "The last decision recorded was not confirmed." in notice.inner_text() and COMMENT in notice.inner_text()
    assert colin.page.get_by_role("heading", name="Record a decision (BPS side)").count() == 1
    db.session.expire_all()
    d = db.session.scalars(select(Decision).where(Decision.id == cast["decision_id"])).one()
    assert not d.is_pending and d.not_confirmed_comment == COMMENT

    # The co-chair who recorded it reads why, and the committee's timeline holds it.
    carla = visitor(cast["carla"])
    carla.goto("/notifications")
    assert "Decision not confirmed (decline)" in carla.page.locator("main").inner_text()
    carla.goto(f"/proposals/{p.id}")
    timeline = carla.page.locator("ol.timeline").inner_text()
    assert "Recorded decision not confirmed" in timeline and COMMENT in timeline
    assert carla.page.locator("#sent-back").count() == 1
