"""Two keys both ways: the other side's co-chair may send a recorded joint decision back ("not confirmed",
with a required comment), on a proposal and on a PL request. It is audited, on the committee's timeline,
told to the co-chair who recorded it; the decision waits for no one and a new one can be recorded."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.home import dashboard
from app.models import AuditEvent, Decision, OutboxMessage, PLDecision, PLRequestState, ProposalState
from app.pl import decisions as pl_decisions
from app.proposals import drafting
from app.review import decisions
from app.review.decisions import DecisionError
from tests.access.review import _pending_decision
from workflows import TransitionRefused

S = ProposalState
PL = PLRequestState


def refused(fn, *args, **kw):
    with pytest.raises((DecisionError, pl_decisions.DecisionError, TransitionRefused)) as exc:
        fn(*args, **kw)
    db.session.rollback()
    return exc.value


def events(case_type, case_id, trigger):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == case_type,
                                                       AuditEvent.case_id == case_id,
                                                       AuditEvent.trigger == trigger)).all()


def mail_to(user):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == user.id)
                              .order_by(OutboxMessage.id)).all()


def test_the_other_side_sends_a_proposal_decision_back_and_a_new_one_can_be_recorded(world):
    p = world.in_review
    d = decisions.propose(p, world.co_chair_btu, "decline", feedback="Not this round.")
    db.session.commit()

    decisions.not_confirm(d, world.co_chair_bps, "The scores on both sides support funding it.")
    db.session.commit()
    d = db.session.get(Decision, d.id)
    assert not d.is_pending and d.not_confirmed_by_id == world.co_chair_bps.id
    assert d.not_confirmed_comment == "The scores on both sides support funding it."
    assert db.session.get(type(p), p.id).state is S.IN_REVIEW and p.pending_decision is None
    (event,) = events("proposal", p.id, "not_confirm_decision")
    assert event.actor_id == world.co_chair_bps.id and event.data["decision_id"] == d.id
    assert event.from_state == event.to_state == "in_review"
    assert "not confirmed by Colin Chair (BPS): The scores on both sides support funding it." in event.comment

    # The co-chair who recorded it is told, with the comment; nobody else is.
    [told] = [m for m in mail_to(world.co_chair_btu) if m.subject.startswith("Decision not confirmed")]
    assert told.subject == f"Decision not confirmed (decline): {p.display_title}"
    assert "Colin Chair (BPS co-chair) did not confirm the decision you recorded" in told.body
    assert "The scores on both sides support funding it." in told.body
    assert not [m for m in mail_to(world.lead) if "not confirmed" in m.subject.lower()]

    # It can no longer be confirmed; a new decision can be recorded, by either side.
    assert "already sent back (not confirmed) by Colin Chair" in str(refused(decisions.confirm, d, world.co_chair_bps))
    again = decisions.propose(db.session.get(type(p), p.id), world.co_chair_bps, "decline", feedback="Still no.")
    assert again.is_pending

    # On the timeline of the committee (staff and co-chairs), not of the team.
    labels = [e.label for e in drafting.timeline(p, world.staff)]
    assert "Recorded decision not confirmed" in labels
    assert "Recorded decision not confirmed" not in [e.label for e in drafting.timeline(p, world.lead)]


def test_a_comment_is_required_and_only_the_people_who_could_confirm_may_send_back(world, factory):
    p = world.in_review
    d = decisions.propose(p, world.co_chair_btu, "decline", feedback="Not this round.")
    db.session.commit()
    exc = refused(decisions.not_confirm, d, world.co_chair_bps, "   ")
    assert exc.messages == ["Write a comment for the co-chair who recorded it: why the decision is not confirmed."]
    assert exc.fields == {"comment": exc.messages[0]} and not exc.forbidden
    # The side that recorded it, staff, someone with no side: refused as people (403 on a page).
    for actor in (world.co_chair_btu, factory.user("co_chair", name="Bea Btu", side="BTU"), world.staff):
        d = db.session.get(Decision, d.id)
        assert refused(decisions.not_confirm, d, actor, "No.").forbidden
    # A co-chair of the other side who declared a conflict cannot confirm, nor send back.
    factory.conflict(p, world.co_chair_bps)
    db.session.commit()
    d = db.session.get(Decision, d.id)
    exc = refused(decisions.not_confirm, d, world.co_chair_bps, "No.")
    assert exc.forbidden and "declared a conflict of interest" in exc.messages[0]
    d = db.session.get(Decision, d.id)
    assert d.is_pending and not events("proposal", p.id, "not_confirm_decision")


def test_sending_back_twice_or_after_a_withdrawal_is_refused(world):
    p = world.in_review
    d = decisions.propose(p, world.co_chair_btu, "decline", feedback="No.")
    decisions.not_confirm(d, world.co_chair_bps, "Talk first.")
    db.session.commit()
    d = db.session.get(Decision, d.id)
    assert "already sent back" in refused(decisions.not_confirm, d, world.co_chair_bps, "Again.").messages[0]
    d2 = decisions.propose(db.session.get(type(p), p.id), world.co_chair_btu, "decline", feedback="No.")
    decisions.withdraw(d2, world.co_chair_btu)
    db.session.commit()
    d2 = db.session.get(Decision, d2.id)
    assert refused(decisions.not_confirm, d2, world.co_chair_bps, "Hm.").messages == [
        "This decision was withdrawn, so there is nothing to confirm."]


def test_home_pages_stop_counting_a_decision_once_it_is_sent_back(world):
    today = clock.today()
    d = decisions.propose(world.in_review, world.co_chair_btu, "decline", feedback="No.")
    db.session.commit()
    assert dashboard._pending_decisions(world.co_chair_bps, today, 0, 10, mine=False)[0] == 1
    assert dashboard._pending_decisions(world.co_chair_btu, today, 0, 10, mine=True)[0] == 1
    decisions.not_confirm(d, world.co_chair_bps, "No: talk first.")
    db.session.commit()
    assert dashboard._pending_decisions(world.co_chair_bps, today, 0, 10, mine=False)[0] == 0
    assert dashboard._pending_decisions(world.co_chair_btu, today, 0, 10, mine=True)[0] == 0


def test_a_pl_request_decision_sent_back_waits_for_a_new_one(world):
    r = world.learning.pl_requests[PL.ENDORSED]
    d = pl_decisions.propose(r, world.co_chair_btu, "approve", feedback="A good fit.")
    db.session.commit()
    assert refused(pl_decisions.not_confirm, d, world.co_chair_btu, "No.").forbidden
    d = db.session.get(PLDecision, d.id)
    pl_decisions.not_confirm(d, world.co_chair_bps, "The budget is better spent on the cohort course.")
    db.session.commit()
    d = db.session.get(PLDecision, d.id)
    assert not d.is_pending and d.not_confirmed_comment.startswith("The budget")
    assert db.session.get(type(r), r.id).state is PL.ENDORSED
    (event,) = events("pl_request", r.id, "not_confirm_decision")
    assert "not confirmed by Colin Chair (BPS)" in event.comment
    [told] = [m for m in mail_to(world.co_chair_btu) if m.subject.startswith("Decision not confirmed")]
    assert "on the PL request" in told.body and "The budget is better spent" in told.body
    panel = pl_decisions.panel(db.session.get(type(r), r.id), world.co_chair_bps)
    assert panel["pending"] is None and panel["can_record"]
    assert refused(pl_decisions.confirm, d, world.co_chair_bps).messages[0].startswith("This decision was already")
    assert pl_decisions.propose(db.session.get(type(r), r.id), world.co_chair_bps, "deny",
                                feedback="Not this year.").is_pending


def test_the_decide_page_sends_back_with_a_comment_and_keeps_what_was_typed(login_as, world):
    decision_id = _pending_decision(world)
    client = login_as(world.co_chair_bps)
    page = client.get(f"/committee/proposals/{world.in_review.id}/decide").get_data(as_text=True)
    assert "Not confirmed: send it back" in page and f"/committee/decisions/{decision_id}/not-confirmed" in page
    refused_page = client.post(f"/committee/decisions/{decision_id}/not-confirmed", data={"comment": ""})
    assert refused_page.status_code == 422
    assert "Write a comment for the co-chair who recorded it" in refused_page.get_data(as_text=True)
    done = client.post(f"/committee/decisions/{decision_id}/not-confirmed", data={"comment": "Talk first."},
                       follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Decision not confirmed: it is sent back" in text
    assert "The last decision recorded was not confirmed." in text and "Talk first." in text
    assert "Record a decision (BPS side)" in text


def test_the_pl_request_page_sends_back_with_a_comment(login_as, world):
    from tests.access.pl_requests import _pending as pending_pl_decision

    decision_id = pending_pl_decision(world)
    request_id = world.learning.pl_requests[PL.ENDORSED].id
    client = login_as(world.co_chair_bps)
    page = client.get(f"/pl/requests/{request_id}").get_data(as_text=True)
    assert "Not confirmed: send it back" in page and f"/pl/decisions/{decision_id}/not-confirmed" in page
    # The side that recorded it sees no such form.
    assert "Not confirmed: send it back" not in login_as(world.co_chair_btu).get(
        f"/pl/requests/{request_id}").get_data(as_text=True)
    client = login_as(world.co_chair_bps)
    refused_page = client.post(f"/pl/decisions/{decision_id}/not-confirmed", data={"comment": "x" * 5001})
    text = refused_page.get_data(as_text=True)
    assert refused_page.status_code == 422 and 'id="error-summary"' in text
    assert "Keep the comment to 5,000 characters." in text and "x" * 5001 in text  # what was typed is kept
    done = client.post(f"/pl/decisions/{decision_id}/not-confirmed", data={"comment": "Not from this budget."},
                       follow_redirects=True).get_data(as_text=True)
    assert "The last decision recorded was not confirmed." in done and "Not from this budget." in done
    assert "Record decision" in done
