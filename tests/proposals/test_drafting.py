"""Proposal services without the views: drafts, saving, firing, the case page's data, uploads."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest

from app.cases.advance import actions_for, fire
from app.core import clock, uploads
from app.core.errors import FormError
from app.extensions import db
from app.models import BudgetCategory, GrantType, ProposalState
from app.proposals import attachments, drafting
from workflows import TransitionRefused

S = ProposalState
PDF = b"%PDF-1.4\n%%EOF\n"


def test_create_draft_records_create(world):
    p = drafting.create_draft(world.team, world.cycle, world.member)
    assert p.state is S.DRAFT and p.created_by_id == world.member.id
    assert [e.label for e in drafting.timeline(p)] == ["Draft created"]


def test_create_draft_refuses_outsiders_and_closed_cycles(world, factory):
    with pytest.raises(drafting.ProposalError, match="a team you belong to"):
        drafting.create_draft(world.team, world.cycle, world.outsider)
    closed = factory.cycle(opens_on=clock.today() - timedelta(days=30), closes_on=clock.today() - timedelta(days=1),
                           revision_deadline=clock.today())
    with pytest.raises(drafting.ProposalError, match="not accepting proposals today"):
        drafting.create_draft(world.team, closed, world.lead)
    assert closed not in drafting.open_cycles() and world.cycle in drafting.open_cycles()


def test_save_draft_names_what_changed(world):
    p = world.draft
    event = drafting.save_draft(
        p, world.member, grant_type=GrantType.ACTION, title=p.title, sections={a: getattr(p, a) for a in
                                                                              drafting.TEXT_SECTIONS},
        amount_requested=Decimal("9000.00"),
        lines=[drafting.LineData(BudgetCategory.BOOKS, "Bilingual books", Decimal("9000.00"))])
    assert event.trigger == "edit" and event.data["fields"] == ["Amount requested", "Budget lines"]
    assert p.budget_total == Decimal("9000.00")


def test_save_draft_refused_once_submitted(world):
    p = world.proposals[S.SUBMITTED]
    with pytest.raises(drafting.ProposalError, match="can no longer be edited"):
        drafting.save_draft(p, world.lead, grant_type=None, title="x", sections={}, amount_requested=None, lines=[])


def test_fire_submit_sets_submitted_at_and_withdraw_keeps_the_reason(world):
    event = fire(world.draft, "submit", world.lead)
    assert (event.from_state, event.to_state) == ("draft", "submitted")
    assert world.draft.submitted_at is not None
    p = world.proposals[S.IN_REVIEW]
    fire(p, "withdraw", world.lead, reason="  Moving on. ")
    assert p.state is S.WITHDRAWN and p.withdraw_reason == "Moving on."


def test_fire_refuses_joint_decisions(world):
    with pytest.raises(TransitionRefused, match="decision page"):
        fire(world.in_review, "approve", world.co_chair_bps)
    assert world.in_review.state is S.IN_REVIEW


def test_actions_leave_out_joint_ones_and_typed_fields(world):
    lead_actions = {a.trigger: a for a in actions_for(world.draft, world.lead)}
    assert set(lead_actions) == {"submit", "withdraw"}
    assert lead_actions["withdraw"].blockers == []  # the reason is typed when withdrawing
    assert actions_for(world.in_review, world.co_chair_btu) == []  # approve etc. are joint
    staff = {a.trigger for a in actions_for(world.proposals[S.SUBMITTED], world.staff)}
    assert staff == {"return_for_revision", "begin_review"}
    assert actions_for(world.draft, world.member) == []


def test_timeline_is_oldest_first_with_labels(world):
    fire(world.draft, "submit", world.lead)
    fire(world.draft, "withdraw", world.lead, reason="Too busy")
    entries = drafting.timeline(world.draft)
    assert [(e.label, e.from_label, e.to_label) for e in entries] == [
        ("Submit proposal", "Draft", "Submitted"), ("Withdraw proposal", "Submitted", "Withdrawn")]
    assert entries[-1].comment == "Too busy" and entries[-1].actor_name == "Lena Lead"


def test_proposals_of_lists_my_teams_only(world):
    mine = drafting.proposals_of(world.member)
    assert {p.team_id for p in mine} == {world.team.id} and len(mine) == len(ProposalState)
    assert drafting.proposals_of(world.outsider) == []


@pytest.mark.parametrize("raw,exts,expected", [
    ("plan.pdf", ("pdf",), "plan.pdf"),
    ("../../secret plan.PDF", ("pdf",), "secret_plan.pdf"),
    ("résumé.exe", ("pdf",), "resume.pdf"),
    ("", ("png",), "attachment.png"),
    ("photo.jpg", ("jpg", "jpeg"), "photo.jpg"),
])
def test_clean_name(raw, exts, expected):
    assert uploads.clean_name(raw, exts) == expected


def test_add_attachment_checks_content_size_and_duplicates(world):
    att = attachments.add_attachment(world.draft, "plan.pdf", io.BytesIO(PDF), world.member, max_bytes=1024)
    assert att.content_type == "application/pdf" and len(att.sha256) == 64
    with pytest.raises(uploads.UploadError, match="already attached"):
        attachments.add_attachment(world.draft, "plan.pdf", io.BytesIO(PDF), world.member, max_bytes=1024)
    with pytest.raises(uploads.UploadError, match="larger than the 1 KB limit"):
        attachments.add_attachment(world.draft, "big.pdf", io.BytesIO(PDF + b"0" * 2048), world.member, max_bytes=1024)
    with pytest.raises(uploads.UploadError, match="not an accepted type"):
        attachments.add_attachment(world.draft, "x.pdf", io.BytesIO(b"<html>hi</html>"), world.member, max_bytes=1024)
    db.session.flush()
    assert [a.filename for a in world.draft.attachments] == ["plan.pdf"]


def test_refusals_are_form_errors_that_name_their_field(world):
    with pytest.raises(drafting.ProposalError) as refused:
        drafting.start_draft(world.lead, 999_999, 999_998)
    assert isinstance(refused.value, FormError)
    assert refused.value.problems == [("team", "Choose one of your teams."), ("cycle", "Choose a cycle that is open now.")]
    with pytest.raises(attachments.AttachmentError) as bad_file:
        attachments.add_attachment(world.draft, "x.pdf", io.BytesIO(b"<html>hi</html>"), world.member, max_bytes=1024)
    assert isinstance(bad_file.value, FormError) and isinstance(bad_file.value, uploads.UploadError)
    assert list(bad_file.value.fields) == ["file"] and "not an accepted type" in str(bad_file.value)


def test_start_draft_by_ids(world):
    p = drafting.start_draft(world.member, world.team.id, world.cycle.id)
    assert (p.team_id, p.cycle_id, p.state) == (world.team.id, world.cycle.id, S.DRAFT)


def test_save_draft_refuses_a_form_opened_before_a_teammate_saved(world):
    p = world.draft
    opened = str(p.version)
    drafting.save_draft(p, world.lead, grant_type=p.grant_type, title="The lead's title", amount_requested=p.amount_requested,
                   sections={a: getattr(p, a) for a in drafting.TEXT_SECTIONS}, lines=[], version=opened)
    db.session.flush()
    with pytest.raises(drafting.DraftChanged, match="Someone on your team saved this draft after you opened it."):
        drafting.save_draft(p, world.member, grant_type=None, title="Mine", sections={}, amount_requested=None, lines=[],
                       version=opened)
    assert p.title == "The lead's title"
