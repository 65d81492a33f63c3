"""A PL request from a school with no school leader: program staff endorse it, the educator is told so when
submitting, the message goes to staff, and staff see every such request on their queue and home page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases.advance import fire
from app.core import clock
from app.extensions import db
from app.models import OutboxMessage, PLRequest, PLRequestState
from app.pl import requests as svc
from workflows import TransitionRefused

S = PLRequestState


@pytest.fixture
def lw(world):
    return world.learning


def good_form(lw, **kw) -> dict:
    start = clock.today() + timedelta(days=40)
    return {"opportunity": "", "title": "Lab safety for new science teachers", "provider_name": "MIT Edgerton",
            "description": "", "url": "", "cost": "300.00", "starts_on": start.isoformat(),
            "ends_on": start.isoformat(), "hours": "6", "pdps": "6", "rationale": "Our labs need it.",
            "need": str(lw.topics[1].id), **kw}


def text(resp) -> str:
    return resp.get_data(as_text=True)


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_submitting_from_a_school_without_a_leader_asks_program_staff_and_says_so(login_as, world, lw):
    browser = login_as(world.outsider)  # Boston Latin Academy has no school leader
    resp = browser.post("/pl/requests/new", {**good_form(lw), "submit": "1"})
    assert resp.status_code == 302
    page = text(browser.get(resp.headers["Location"]))
    assert ("Your request is submitted. We asked program staff (Boston Latin Academy has no school leader in the "
            "app) to endorse it.") in page
    assert "Waiting for program staff (Boston Latin Academy has no school leader)" in page
    r = db.session.scalar(select(PLRequest).where(PLRequest.requester_id == world.outsider.id))
    # The message goes to whoever endorses: program staff, not a school leader of another school.
    (message,) = outbox()
    assert message.to_user_id == world.staff.id
    assert message.subject.startswith("PL request waiting for your endorsement")
    assert "Boston Latin Academy has no school leader, so program staff endorse its requests." in message.body
    home = text(login_as(world.outsider).get("/"))
    assert "Waiting for program staff&#39;s endorsement (your school has no school leader in the app)." in home

    # Staff: the count on their home page and their queue, the filter that lists them, the buttons.
    staff = login_as(world.staff)
    home = text(staff.get("/"))
    assert "<strong>1</strong> request waits for program staff's endorsement" in home.replace("&#39;", "'")
    queue = text(staff.get("/pl/queue"))
    assert "<strong>1</strong> request waits for your endorsement" in queue
    assert 'href="/pl/queue?endorser=staff"' in queue
    only = text(staff.get("/pl/queue?endorser=staff"))
    assert f'/pl/requests/{r.id}"' in only and "(1 in all)" in only
    assert f'/pl/requests/{lw.pl_requests[S.SUBMITTED].id}"' not in only  # Mather's leader endorses that one
    csv_text = staff.get("/pl/queue.csv?endorser=staff").get_data(as_text=True)
    assert "Lab safety for new science teachers" in csv_text and csv_text.count("\n") == 2
    case = text(staff.get(f"/pl/requests/{r.id}"))
    for label in ("Endorse", "Return to educator", "Deny"):
        assert f">{label}</button>" in case
    resp = staff.post(f"/pl/requests/{r.id}/actions/endorse", {}, token_from=f"/pl/requests/{r.id}")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(PLRequest, r.id).state is S.ENDORSED
    assert "No request waits for your endorsement." in text(staff.get("/pl/queue"))


def test_a_school_with_a_leader_names_them_and_staff_may_not_endorse(login_as, world, lw):
    browser = login_as(world.lead)
    resp = browser.post("/pl/requests/new", {**good_form(lw), "submit": "1"})
    assert resp.status_code == 302
    page = text(browser.get(resp.headers["Location"]))
    assert "We asked your school leader, Sofia Principal, to endorse it." in page
    assert [m.to_user_id for m in outbox()] == [world.school_leader.id]
    r = lw.pl_requests[S.SUBMITTED]
    resp = login_as(world.staff).post(f"/pl/requests/{r.id}/actions/endorse", {},
                                      token_from=f"/pl/requests/{r.id}")
    assert resp.status_code == 403
    assert ">Endorse</button>" not in text(login_as(world.staff).get(f"/pl/requests/{r.id}"))


def test_who_endorses_follows_the_school_as_it_is_now(world, lw, factory):
    r = svc.create_draft(world.outsider, svc.DraftData(**{
        "title": "Lab safety", "provider_name": "MIT", "cost": 0, "starts_on": clock.today() + timedelta(days=9),
        "ends_on": clock.today() + timedelta(days=9), "rationale": "Labs.", "need_term_id": lw.topics[1].id}))
    fire(r, "submit", world.outsider)
    db.session.commit()
    assert svc.waiting_for_staff_count() == 1
    assert svc.home_panel(world.staff)["staff_to_endorse"] == 1
    # A school leader joins the school: the request is theirs now, and no longer staff's.
    leader = factory.user("school_leader", name="Lara Latin", school=world.other_school)
    db.session.commit()
    db.session.expire_all()
    r = db.session.get(PLRequest, r.id)
    assert svc.waiting_for_staff_count() == 0 and svc.endorsed_by(r) == "your school leader, Lara Latin,"
    with pytest.raises(TransitionRefused, match="Only the school leader of Boston Latin Academy"):
        fire(r, "endorse", world.staff)
    db.session.rollback()
    r = db.session.get(PLRequest, r.id)
    fire(r, "endorse", leader)  # free: approved in the same step
    db.session.commit()
    assert db.session.get(PLRequest, r.id).state is S.APPROVED


def test_staff_deny_or_return_a_request_from_a_school_without_a_leader(world, lw):
    r = svc.create_draft(world.outsider, svc.DraftData(**{
        "title": "Lab safety", "provider_name": "MIT", "cost": 100, "starts_on": clock.today() + timedelta(days=9),
        "ends_on": clock.today() + timedelta(days=9), "rationale": "Labs.", "need_term_id": lw.topics[1].id}))
    fire(r, "submit", world.outsider)
    with pytest.raises(TransitionRefused, match="only program staff"):
        fire(r, "deny", world.school_leader, reason="Not ours.")
    fire(r, "return", world.staff, comment="Add the agenda.")
    assert r.state is S.DRAFT
    fire(r, "submit", world.outsider)
    fire(r, "deny", world.staff, reason="Not in this year's priorities.")
    assert r.state is S.DENIED
    assert outbox()[-1].to_user_id == world.outsider.id
