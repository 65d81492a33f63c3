"""PL requests through the services: drafts, submitting, endorsing (a free one is approved in the same
transaction), returning, denying, cancelling, completion, the timeline, notifications to the right
people and the home page's panel."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.cases.advance import fire
from app.core import clock
from app.extensions import db
from app.models import AuditEvent, Notification, OutboxMessage, PLRequest, PLRequestState
from app.pl import requests as svc
from workflows import TransitionRefused
from workflows.pl_request import PL_REQUEST, approve_if_free
from workflows.proposal import PROPOSAL

S = PLRequestState


def outbox_to(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == user.id)
                                   .order_by(OutboxMessage.id)))


def all_outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def events(r: PLRequest) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "pl_request",
                                                            AuditEvent.case_id == r.id).order_by(AuditEvent.id)))


@pytest.fixture
def lw(world):
    return world.learning


def data(lw, **kw) -> svc.DraftData:
    start = clock.today() + timedelta(days=40)
    base = dict(opportunity_id=None, title="Orton-Gillingham course", provider_name="IMSE", cost=Decimal("450.00"),
                starts_on=start, ends_on=start + timedelta(days=2), hours=Decimal("12"), pdps=12,
                rationale="Decoding gaps in grade 2.", need_term_id=lw.topics[1].id)
    base.update(kw)
    return svc.DraftData(**base)


# -- drafting and submitting ---------------------------------------------------------------------
def test_a_draft_may_be_incomplete_and_takes_the_requesters_school_and_budget_year(world, lw):
    r = svc.create_draft(world.lead, svc.DraftData(title="Something"))
    db.session.commit()
    assert r.state is S.DRAFT and r.school_id == world.lead.school_id and r.budget_year == ""
    svc.save_draft(r, world.lead, data(lw, starts_on=clock.today().replace(month=8, day=15)))
    db.session.commit()
    assert r.budget_year == f"{clock.today().year}-{(clock.today().year + 1) % 100:02d}"
    assert [e.trigger for e in events(r)] == ["create", "edit"]
    assert "Cost" in events(r)[1].data["fields"]


def test_only_the_requester_edits_and_only_a_draft(world, lw):
    with pytest.raises(svc.PLRequestError, match="Only the educator"):
        svc.save_draft(lw.pl_requests[S.DRAFT], world.member, data(lw))
    with pytest.raises(svc.PLRequestError, match="submitted can no longer be edited"):
        svc.save_draft(lw.pl_requests[S.SUBMITTED], world.lead, data(lw))


def test_submit_refused_with_every_guard_message_and_nothing_changes(world, lw):
    r = svc.create_draft(world.lead, svc.DraftData())
    db.session.commit()
    with pytest.raises(TransitionRefused) as err:
        fire(r, "submit", world.lead)
    db.session.rollback()
    assert err.value.messages == [
        "Choose the opportunity from the catalog, or describe it: its title and its provider.",
        "Give the cost (enter 0 if it is free).",
        "Give the dates: when it starts and when it ends.",
        "Explain why: write the rationale and choose the need it addresses.",
    ]
    assert db.session.get(PLRequest, r.id).state is S.DRAFT
    assert all_outbox() == []


def test_submit_tells_the_school_leader_only(world, lw):
    r = svc.create_draft(world.lead, data(lw))
    fire(r, "submit", world.lead)
    db.session.commit()
    assert r.state is S.SUBMITTED and r.submitted_at is not None
    [msg] = all_outbox()
    assert msg.to_user_id == world.school_leader.id and msg.case_type == "pl_request" and msg.case_id == r.id
    assert msg.subject == "PL request waiting for your endorsement: Orton-Gillingham course"
    assert "Lena Lead submitted the PL request “Orton-Gillingham course” (Lena Lead, Mather Elementary)" in msg.body
    assert "endorse it, return it to the educator with a comment, or deny it" in msg.body
    assert f"/pl/requests/{r.id}" in msg.body
    note = db.session.scalar(select(Notification).where(Notification.user_id == world.school_leader.id))
    assert note.link == f"/pl/requests/{r.id}"


# -- endorsing ----------------------------------------------------------------------------------
def test_endorsing_a_paid_request_tells_the_requester_and_the_co_chairs_not_the_actor(world, lw):
    r = lw.pl_requests[S.SUBMITTED]
    fire(r, "endorse", world.school_leader)
    db.session.commit()
    assert r.state is S.ENDORSED
    told = {m.to_user_id for m in all_outbox()}
    assert told == {world.lead.id, world.co_chair_btu.id, world.co_chair_bps.id}
    [chair_msg] = outbox_to(world.co_chair_bps)
    assert chair_msg.subject.startswith("PL request waiting for the committee's decision")
    assert "records a decision" in chair_msg.body


def test_a_free_request_is_approved_on_endorsement_in_the_same_transaction(world, lw, factory):
    r = factory.pl_request(world.lead, S.SUBMITTED, cost="0.00", need=lw.topics[1])
    db.session.commit()
    fire(r, "endorse", world.school_leader)
    db.session.commit()
    r = db.session.get(PLRequest, r.id)
    assert r.state is S.APPROVED and r.decided_at is not None
    trail = [(e.trigger, e.from_state, e.to_state, e.actor_id) for e in events(r)]
    assert trail == [("endorse", "submitted", "endorsed", world.school_leader.id),
                     ("approve", "endorsed", "approved", None)]
    timeline = svc.timeline(r, world.lead)
    assert [(t.label, t.actor_name) for t in timeline] == [("Endorse", "Sofia Principal"), ("Approve", "The system")]
    assert timeline[1].comment == "Approved automatically: it costs nothing."
    # No co-chair is asked about a free request; the requester hears both steps.
    assert {m.to_user_id for m in all_outbox()} == {world.lead.id}
    subjects = [m.subject.split(":")[0] for m in outbox_to(world.lead)]
    assert subjects == ["PL request endorsed", "PL request approved"]
    assert "approved automatically" in outbox_to(world.lead)[1].body


def test_a_paid_request_stays_endorsed_and_after_steps_are_kept_per_kind_of_case(world, lw):
    fire(lw.pl_requests[S.SUBMITTED], "endorse", world.school_leader)
    assert lw.pl_requests[S.SUBMITTED].state is S.ENDORSED
    # The automatic approval is declared on the PL request's endorse row only, never on a proposal's.
    assert approve_if_free in PL_REQUEST.transition("endorse").after
    assert all(approve_if_free not in t.after for t in PROPOSAL.transitions)
    assert "endorse" not in PROPOSAL.by_trigger


def test_the_school_leader_of_another_school_cannot_endorse(world, lw, factory):
    other = factory.user("school_leader", school=world.other_school)
    with pytest.raises(TransitionRefused) as err:
        fire(lw.pl_requests[S.SUBMITTED], "endorse", other)
    assert err.value.messages == ["Only the school leader of Mather Elementary can do this."]


# -- returning, denying, cancelling ---------------------------------------------------------------
def test_return_needs_a_comment_and_tells_the_requester(world, lw):
    r = lw.pl_requests[S.ENDORSED]
    with pytest.raises(TransitionRefused) as err:
        fire(r, "return", world.co_chair_btu, comment=" ")
    assert err.value.messages == ["Write a comment telling the educator what to change."]
    db.session.rollback()
    fire(r, "return", world.co_chair_btu, comment="Add the syllabus, please.")
    db.session.commit()
    assert r.state is S.DRAFT
    [msg] = all_outbox()
    assert msg.to_user_id == world.lead.id and msg.subject.startswith("PL request returned to you")
    assert "Comment:\nAdd the syllabus, please." in msg.body
    assert svc.timeline(r, world.lead)[-1].comment == "Add the syllabus, please."


def test_the_school_leader_denies_with_a_reason_while_submitted(world, lw):
    r = lw.pl_requests[S.SUBMITTED]
    with pytest.raises(TransitionRefused) as err:
        fire(r, "deny", world.school_leader, reason="")
    assert err.value.messages == ["Give a reason."]
    db.session.rollback()
    fire(r, "deny", world.school_leader, reason="Not PDP-eligible.")
    db.session.commit()
    assert r.state is S.DENIED and r.decided_at is not None
    [msg] = all_outbox()
    assert msg.to_user_id == world.lead.id and "Reason given:\nNot PDP-eligible." in msg.body


def test_deny_and_approve_of_an_endorsed_request_are_never_fired_directly(world, lw):
    r = lw.pl_requests[S.ENDORSED]
    for trigger in ("deny", "approve"):
        with pytest.raises(TransitionRefused) as err:
            fire(r, trigger, world.co_chair_bps, reason="x")
        assert "jointly" in err.value.messages[0]
    with pytest.raises(TransitionRefused, match="completion page"):
        fire(lw.pl_requests[S.APPROVED], "complete", world.lead)


def test_cancel_tells_the_school_leaders(world, lw):
    fire(lw.pl_requests[S.APPROVED], "cancel", world.lead)
    db.session.commit()
    assert lw.pl_requests[S.APPROVED].state is S.CANCELLED
    assert [m.to_user_id for m in all_outbox()] == [world.school_leader.id]


def test_inactive_people_are_not_told(world, lw):
    world.school_leader.active = False
    r = svc.create_draft(world.lead, data(lw))
    fire(r, "submit", world.lead)
    assert all_outbox() == []


# -- completion ---------------------------------------------------------------------------------
def test_completion_records_what_was_written_and_fires_complete(world, lw):
    r = lw.pl_requests[S.APPROVED]
    svc.complete(r, world.lead, attended=True, reflection=" Daily phonics groups. ", hours=Decimal("11.5"), pdps=11)
    db.session.commit()
    r = db.session.get(PLRequest, r.id)
    assert r.state is S.COMPLETED
    assert (r.attended, r.reflection, r.hours_completed, r.pdps_earned) == (True, "Daily phonics groups.",
                                                                           Decimal("11.50"), 11)
    assert r.completed_at is not None
    assert events(r)[-1].trigger == "complete"


def test_completion_refused_lists_every_missing_part_and_changes_nothing(world, lw):
    r = lw.pl_requests[S.APPROVED]
    with pytest.raises(TransitionRefused) as err:
        svc.complete(r, world.lead, attended=False, reflection="", hours=None, pdps=None)
    db.session.rollback()
    assert err.value.messages == ["Confirm that you attended.",
                                  "Write a reflection on what you learned and how you will use it.",
                                  "Record the hours you attended and the PDPs earned (0 if none)."]
    r = db.session.get(PLRequest, r.id)
    assert r.state is S.APPROVED and r.reflection == "" and r.completed_at is None


def test_only_the_requester_completes_and_only_when_approved(world, lw):
    with pytest.raises(TransitionRefused, match="Only the educator who made this request, Lena Lead"):
        svc.complete(lw.pl_requests[S.APPROVED], world.member, attended=True, reflection="x", hours=Decimal(1),
                     pdps=0)
    with pytest.raises(TransitionRefused, match="not possible while this PL request is Endorsed"):
        svc.complete(lw.pl_requests[S.ENDORSED], world.lead, attended=True, reflection="x", hours=Decimal(1), pdps=0)


# -- the home page's panel ------------------------------------------------------------------------
def test_home_panel_for_each_role(world, lw):
    mine = svc.home_panel(world.lead, clock.today())
    assert mine["educator"] and not mine["school_leader"]
    assert [i["request"].state for i in mine["open"]] == sorted(
        [S.DRAFT, S.SUBMITTED, S.ENDORSED, S.APPROVED], key=lambda s: lw.pl_requests[s].id)
    assert {i["next"] for i in mine["open"]} >= {"Finish and submit it.",
                                                 "Waiting for your school leader's endorsement."}
    assert svc.home_panel(world.school_leader)["to_endorse"] == 1
    chair = svc.home_panel(world.co_chair_bps)
    assert (chair["to_decide"], chair["to_confirm"]) == (1, 0)
    assert svc.home_panel(world.staff) is None
    assert svc.home_panel(world.outsider)["open"] == []


def test_home_panel_template_renders(app_ctx, world, lw):
    from flask import render_template

    with app_ctx.test_request_context("/"):
        html = render_template("pl/_home.html", panel=svc.home_panel(world.school_leader))
        assert "1</strong> request waits" in html and 'href="/pl/queue"' in html
        assert render_template("pl/_home.html", panel=None).strip() == ""


def test_every_recorded_act_on_a_pl_request_has_words_on_the_timeline():
    import re
    from pathlib import Path

    app_dir = Path(__file__).resolve().parents[2] / "app" / "pl"
    recorded = set()
    for name in ("requests.py", "decisions.py"):
        recorded |= set(re.findall(r'record_event\(\s*[\w.]+,\s*"([a-z_]+)"', (app_dir / name).read_text()))
    assert recorded == {"create", "edit", "record_decision", "withdraw_decision", "not_confirm_decision"}
    assert recorded <= set(svc.EVENT_LABELS)


def test_every_notifying_pl_transition_has_words_for_its_message():
    from workflows.pl_request import AUDIENCES, TRANSITIONS

    for t in TRANSITIONS:
        assert set(t.notify) <= set(AUDIENCES), t.trigger
        if t.notify:
            # Its own subject and verb, not the engine's stand-ins made from the button's label.
            assert t.subject != t.label and not t.verb.startswith("took the action"), t.trigger
