"""The progress update and the final report (services), the agreement and the activation step."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.cases.advance import fire
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.grants import agreement as G
from app.grants import reports as R
from app.models import (
    FINAL_REPORT_SECTIONS,
    PROGRESS_SECTIONS,
    AuditEvent,
    LearningSummary,
    Proposal,
    ProposalState,
)
from workflows import TransitionRefused
from workflows.proposal import PROPOSAL

S = ProposalState
FULL_PROGRESS = {"progress_so_far": "Eight circles held.", "early_evidence": "Fluency up.",
                 "challenges": "Snow days.", "next_steps": "Family night."}
FULL_FINAL = {"what_we_tried": "Reading circles.", "what_happened": "Students read more.",
              "what_we_learned": "Choice matters.", "what_we_would_change": "Start in September."}


def events(p: Proposal, trigger: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == p.id, AuditEvent.case_type == "proposal", AuditEvent.trigger == trigger)))


def problems(fn, *a, **kw):
    with pytest.raises(R.ReportError) as exc:
        fn(*a, **kw)
    db.session.rollback()
    return exc.value.problems


# -- agreement and activation ------------------------------------------------------------------
def test_the_lead_accepts_once_and_only_when_approved(world):
    p = world.proposals[S.APPROVED]
    with pytest.raises(G.GrantError, match="Only the team lead, Lena Lead, accepts"):
        G.accept_agreement(p, world.member)
    db.session.rollback()
    G.accept_agreement(p, world.lead)
    db.session.commit()
    assert p.agreement_accepted_at is not None and p.agreement_accepted_by_id == world.lead.id
    [ev] = events(p, "accept_agreement")
    assert ev.actor_id == world.lead.id and ev.data["award"] == "10000.00"
    with pytest.raises(G.GrantError, match="already accepted on .* by Lena Lead"):
        G.accept_agreement(p, world.lead)
    db.session.rollback()
    with pytest.raises(G.GrantError, match="this proposal is in review"):
        G.accept_agreement(world.in_review, world.lead)


def test_activation_copies_the_cycles_report_dates(world):
    p = world.proposals[S.APPROVED]
    with pytest.raises(TransitionRefused) as exc:
        fire(p, "activate", world.staff)
    assert exc.value.messages == ["The team lead has not accepted the grant agreement yet."]
    db.session.rollback()
    G.accept_agreement(p, world.lead)
    fire(p, "activate", world.staff)
    db.session.commit()
    p = db.session.get(Proposal, p.id)
    assert p.state is S.ACTIVE and p.activated_at is not None
    assert p.progress_report_due == world.cycle.progress_report_due
    assert p.final_report_due == world.cycle.final_report_due
    assert p.activated_at >= p.agreement_accepted_at


def test_activation_needs_the_cycles_report_dates(world):
    p = world.proposals[S.APPROVED]
    world.cycle.final_report_due = None
    G.accept_agreement(p, world.lead)
    db.session.commit()
    with pytest.raises(TransitionRefused) as exc:
        fire(p, "activate", world.staff)
    assert exc.value.messages == [
        "Set the 2026-27 Teacher Leadership Fund cycle's progress report and final report due dates first: "
        "activation gives the team those dates."]
    db.session.rollback()
    assert db.session.get(Proposal, p.id).state is S.APPROVED and db.session.get(Proposal, p.id).activated_at is None


# -- progress update -------------------------------------------------------------------------
def test_progress_draft_then_the_lead_submits(world):
    p = world.proposals[S.ACTIVE]
    R.save_progress(p, world.member, {"progress_so_far": "  Eight circles.  "})
    db.session.commit()
    assert p.progress_report.progress_so_far == "Eight circles." and p.progress_report.submitted_at is None
    assert events(p, "edit_progress")[0].data["fields"] == ["What we have done so far"]
    # A member may not submit; the lead must fill every section.
    [(field, msg)] = problems(R.save_progress, p, world.member, FULL_PROGRESS, submit=True)
    assert field is None and msg.startswith("Only the team lead, Lena Lead, submits the progress update.")
    found = problems(R.save_progress, p, world.lead, {"progress_so_far": "Eight circles."}, submit=True)
    assert found == [(attr, f"Write “{label}” before submitting.") for attr, label in PROGRESS_SECTIONS.items()
                     if attr != "progress_so_far"]
    R.save_progress(p, world.lead, FULL_PROGRESS, submit=True)
    db.session.commit()
    report = db.session.get(Proposal, p.id).progress_report
    assert report.submitted_at is not None and report.submitted_by_id == world.lead.id
    assert report.challenges == "Snow days."
    assert len(events(p, "submit_progress")) == 1
    [(_, msg)] = problems(R.save_progress, p, world.lead, FULL_PROGRESS)
    assert "can no longer be changed" in msg


def test_progress_only_while_active_and_within_length(world):
    [(_, msg)] = problems(R.save_progress, world.proposals[S.APPROVED], world.lead, FULL_PROGRESS)
    assert msg == "The progress update can be changed while the grant is active; this one is approved."
    [(field, msg)] = problems(R.save_progress, world.proposals[S.ACTIVE], world.lead,
                              {**FULL_PROGRESS, "challenges": "x" * (R.SECTION_MAX + 1)})
    assert field == "challenges" and "10,000 characters or fewer" in msg


def test_due_text_says_overdue_in_words(app_ctx):
    today = clock.today()
    assert R.due_text(today - timedelta(days=3)).endswith("overdue by 3 days")
    assert R.due_text(today - timedelta(days=1)).endswith("overdue by 1 day")
    assert R.due_text(today).endswith("due today")
    assert R.due_text(today + timedelta(days=10)).endswith("10 days from now")
    assert R.due_text(today - timedelta(days=3), done=True).endswith("submitted")
    assert R.due_text(None) == "No due date set yet"


def test_progress_overdue_only_while_active_and_not_submitted(world):
    p = world.proposals[S.ACTIVE]
    p.progress_report_due = clock.today() - timedelta(days=2)
    db.session.commit()
    assert R.progress_overdue(p)
    R.save_progress(p, world.lead, FULL_PROGRESS, submit=True)
    db.session.commit()
    assert not R.progress_overdue(p)


# -- final report ----------------------------------------------------------------------------
def test_final_report_saved_and_audited(world):
    p = world.proposals[S.ACTIVE]
    R.save_final_report(p, world.member, {"what_we_tried": "Reading circles."})
    db.session.commit()
    assert p.final_report.what_we_tried == "Reading circles."
    assert p.final_report_missing() == ["What happened for students", "What we learned", "What we would change"]
    [ev] = events(p, "edit_final_report")
    assert ev.actor_id == world.member.id and ev.data["fields"] == ["What we tried"]
    [(_, msg)] = problems(R.save_final_report, world.proposals[S.COMPLETED], world.lead, FULL_FINAL)
    assert msg == "The final report can be changed while the grant is active; this one is completed."


def test_submit_accept_and_return_through_the_workflow(world, factory):
    p = world.proposals[S.ACTIVE]
    with pytest.raises(TransitionRefused) as exc:
        fire(p, "submit_final_report", world.lead)
    assert exc.value.messages == ["Finish the final report first: the final report.",
                                  "Draft the learning summary first."]
    db.session.rollback()
    R.save_final_report(p, world.lead, FULL_FINAL)
    db.session.add(LearningSummary(proposal_id=p.id, title="Reading circles", body="What we learned."))
    db.session.commit()
    fire(p, "submit_final_report", world.lead)
    db.session.commit()
    assert db.session.get(Proposal, p.id).state is S.FINAL_REPORT_SUBMITTED
    with pytest.raises(TransitionRefused, match="Write a comment"):
        fire(p, "return_report", world.staff, comment=" ")
    db.session.rollback()
    fire(p, "return_report", world.staff, comment="Add the spring reading levels.")
    db.session.commit()
    note = R.returned_since_last_submit(db.session.get(Proposal, p.id))
    assert note.comment == "Add the spring reading levels." and note.by == "Stan Staff"
    fire(p, "submit_final_report", world.lead)
    fire(p, "accept_report", world.staff)
    db.session.commit()
    assert db.session.get(Proposal, p.id).state is S.COMPLETED
    assert R.returned_since_last_submit(db.session.get(Proposal, p.id)) is None


def test_spending_over_the_award_blocks_the_final_report(world):
    from app.models import Expenditure

    p = world.proposals[S.ACTIVE]
    R.save_final_report(p, world.lead, FULL_FINAL)
    db.session.add(LearningSummary(proposal_id=p.id, title="T", body="B"))
    # Written straight to the table (the ledger refuses it): e.g. an award lowered after spending.
    db.session.add(Expenditure(proposal_id=p.id, budget_line_id=p.budget_lines[0].id, spent_on=clock.today(),
                               payee="X", amount=Decimal("10000.01"), recorded_by_id=world.lead.id))
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(TransitionRefused) as exc:
        fire(db.session.get(Proposal, p.id), "submit_final_report", world.lead)
    assert exc.value.messages == ["Spending of $10,000.01 is more than the award of $10,000.00."]


def test_staff_actions_on_a_submitted_report_come_from_the_workflow(world):
    p = world.proposals[S.FINAL_REPORT_SUBMITTED]
    actions = R.staff_actions(p, world.staff)
    from_submitted = {t.trigger for t in PROPOSAL.from_state(S.FINAL_REPORT_SUBMITTED)}
    assert {a.action.trigger for a in actions} == from_submitted
    # what closes the report comes first; what sends it back to the team (with a comment) after
    assert [a.sends_back for a in actions] == sorted(a.sends_back for a in actions)
    for a in actions:
        assert a.sends_back == (a.action.transition.dest is S.ACTIVE)
        assert a.sends_back == (a.action.trigger in R.SENDS_BACK)
    assert R.staff_actions(p, world.lead) == []
    assert R.staff_actions(world.proposals[S.COMPLETED], world.staff) == []


def test_sections_of_a_report_fill_its_form(world):
    p = world.proposals[S.ACTIVE]
    assert R.sections_of(p.final_report, FINAL_REPORT_SECTIONS) == {}
    report = R.save_final_report(p, world.lead, FULL_FINAL)
    assert R.sections_of(report, FINAL_REPORT_SECTIONS) == FULL_FINAL


def test_refusals_are_form_errors_with_their_fields(world):
    [(field, msg)] = problems(R.save_final_report, world.proposals[S.ACTIVE], world.lead,
                              {**FULL_FINAL, "what_happened": "x" * (R.SECTION_MAX + 1)})
    with pytest.raises(FormError) as exc:
        R.save_final_report(world.proposals[S.ACTIVE], world.lead, {"what_happened": "x" * (R.SECTION_MAX + 1)})
    assert exc.value.fields == {field: msg} and exc.value.messages == [msg] and str(exc.value) == msg
    with pytest.raises(FormError, match="Only the team lead"):
        G.accept_agreement(world.proposals[S.APPROVED], world.member)
