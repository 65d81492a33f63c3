"""Registration for free in-district PL: capacity, the waitlist and its order, promotion with a notice to
the promoted person only, re-registering after cancelling, every refusal, attendance, and the last-seat race."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.catalog import registrations as R
from app.core import clock
from app.extensions import db
from app.models import AuditEvent, Notification, Opportunity, OutboxMessage, ProviderKind, Registration, User
from app.models import RegistrationStatus as RS
from tests.sqlcount import statements as sql_statements


def people(factory, n):
    return [factory.user("educator", name=f"Teacher {i}") for i in range(n)]


def outbox_to(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == user.id)))


def notes_of(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def refusal(fn, *args) -> str:
    with pytest.raises(R.RegistrationError) as exc:
        fn(*args)
    return str(exc.value)


def test_register_takes_seats_until_full_then_waitlists_in_order(factory):
    opp = factory.opportunity(capacity=2)
    a, b, c, d = people(factory, 4)
    assert R.register(opp, a).status is RS.REGISTERED
    assert R.register(opp, b).status is RS.REGISTERED
    rc, rd = R.register(opp, c), R.register(opp, d)
    assert (rc.status, rd.status) == (RS.WAITLISTED, RS.WAITLISTED)
    assert rc.registered_at is None and rc.queued_at is not None
    assert (R.waitlist_place(rc), R.waitlist_place(rd)) == (1, 2)
    assert R.seats_taken(opp) == 2 and R.seats_left(opp) == 0 and R.waitlist_length(opp) == 2
    assert [r.user for r in R.waitlist(opp)] == [c, d]
    assert R.counts_for([opp.id]) == {opp.id: (2, 2)}


def test_same_queued_time_breaks_ties_by_id(factory):
    opp = factory.opportunity(capacity=1)
    a, b, c = people(factory, 3)
    R.register(opp, a)
    rb, rc = R.register(opp, b), R.register(opp, c)
    rc.queued_at = rb.queued_at
    db.session.flush()
    assert (R.waitlist_place(rb), R.waitlist_place(rc)) == (1, 2)
    assert R.waitlist_places([rb, rc]) == {rb.id: 1, rc.id: 2}


def test_no_limit_never_waitlists(factory):
    opp = factory.opportunity(capacity=None)
    for u in people(factory, 5):
        assert R.register(opp, u).status is RS.REGISTERED
    assert R.seats_left(opp) is None


def test_cancel_promotes_the_first_waitlisted_and_tells_only_them(factory):
    opp = factory.opportunity(capacity=1, title="Read-alouds that reflect our students")
    a, b, c = people(factory, 3)
    R.register(opp, a)
    rb, rc = R.register(opp, b), R.register(opp, c)
    reg, promoted = R.cancel(opp, a)
    assert reg.status is RS.CANCELLED and reg.cancelled_at is not None
    assert promoted == [rb]
    assert rb.status is RS.REGISTERED and rb.promoted_at is not None and rb.registered_at is not None
    assert rc.status is RS.WAITLISTED and R.waitlist_place(rc) == 1
    [mail] = outbox_to(b)
    assert mail.subject == "You have a seat: Read-alouds that reflect our students"
    assert "you are now registered" in mail.body and "/my/registrations" in mail.body
    [note] = notes_of(b)
    assert note.link == "/my/registrations" and note.subject == mail.subject
    assert outbox_to(a) == [] and outbox_to(c) == [] and notes_of(a) == [] and notes_of(c) == []
    # registrations are not workflow cases: nothing in the audit log
    assert db.session.scalar(select(AuditEvent).limit(1)) is None


def test_leaving_the_waitlist_promotes_nobody(factory):
    opp = factory.opportunity(capacity=1)
    a, b, c = people(factory, 3)
    R.register(opp, a)
    R.register(opp, b)
    rc = R.register(opp, c)
    reg, promoted = R.cancel(opp, b)
    assert promoted == [] and reg.status is RS.CANCELLED
    assert R.waitlist_place(rc) == 1 and outbox_to(c) == []


def test_registering_again_after_cancelling_reuses_the_row_and_goes_to_the_back(factory):
    opp = factory.opportunity(capacity=1)
    a, b, c = people(factory, 3)
    first = R.register(opp, a)
    R.register(opp, b)
    R.cancel(opp, a)  # b takes the seat
    R.register(opp, c)  # c waits
    again = R.register(opp, a)
    assert again.id == first.id and again.status is RS.WAITLISTED and again.cancelled_at is None
    assert R.waitlist_place(again) == 2
    assert db.session.scalar(select(db.func.count(Registration.id)).where(Registration.user_id == a.id)) == 1


def test_fill_open_seats_promotes_as_many_as_fit(factory):
    opp = factory.opportunity(capacity=1)
    a, b, c, d = people(factory, 4)
    for u in (a, b, c, d):
        R.register(opp, u)
    opp.capacity = 3
    db.session.flush()
    promoted = R.fill_open_seats(opp)
    assert [r.user for r in promoted] == [b, c]
    assert [r.user for r in R.waitlist(opp)] == [d]
    assert len(outbox_to(b)) == 1 and len(outbox_to(c)) == 1 and outbox_to(d) == []
    assert R.fill_open_seats(opp) == []  # nothing left to fill
    opp.capacity = None
    db.session.flush()
    assert [r.user for r in R.fill_open_seats(opp)] == [d]


def test_nobody_is_promoted_once_it_started(factory):
    opp = factory.opportunity(capacity=1)
    a, b = people(factory, 2)
    R.register(opp, a)
    R.register(opp, b)
    opp.capacity = 2
    for s in opp.sessions:
        s.starts_at, s.ends_at = clock.now() - timedelta(hours=1), clock.now() + timedelta(hours=1)
    db.session.flush()
    assert R.fill_open_seats(opp) == []


def test_refusals_say_why(factory):
    a = factory.user("educator")
    paid = factory.opportunity("Paid course", provider_kind=ProviderKind.OUTSIDE, cost="450.00")
    outside_free = factory.opportunity("Free webinar", provider_kind=ProviderKind.OUTSIDE)
    hidden = factory.opportunity("Draft workshop", published=False)
    past = factory.opportunity("Last week", starts_in_days=-7)
    opp = factory.opportunity("Open workshop", capacity=1)

    assert refusal(R.register, paid, a) == ("“Paid course” does not take direct registration: it is outside or "
                                            "paid PL. Request it instead with a PL request.")
    assert "Request it instead" in refusal(R.register, outside_free, a)
    assert refusal(R.register, hidden, a) == ("“Draft workshop” is not published in the catalog, so it does not "
                                              "take registrations.")
    assert refusal(R.register, past, a) == "“Last week” has already started, so registration is closed."
    R.register(opp, a)
    assert refusal(R.register, opp, a) == "You are already registered for “Open workshop”."
    b = factory.user("educator")
    R.register(opp, b)
    assert refusal(R.register, opp, b) == "You are already on the waitlist for “Open workshop” (place 1 in line)."
    c = factory.user("educator")
    assert refusal(R.cancel, opp, c) == "You are not registered or on the waitlist for “Open workshop”."
    R.cancel(opp, b)
    assert refusal(R.cancel, opp, b) == "You are not registered or on the waitlist for “Open workshop”."


def test_cannot_cancel_a_seat_once_started(factory):
    opp = factory.opportunity("Started", capacity=3)
    a = factory.user("educator")
    R.register(opp, a)
    opp.sessions[0].starts_at = clock.now() - timedelta(minutes=5)
    db.session.flush()
    assert refusal(R.cancel, opp, a).startswith("“Started” has already started, so the registration can no longer")


def test_attendance_after_start_for_registered_people_only(factory):
    opp = factory.opportunity("Workshop", capacity=2)
    a, b, c = people(factory, 3)
    ra, rb = R.register(opp, a), R.register(opp, b)
    rc = R.register(opp, c)  # waitlisted
    staff = factory.user("staff")
    assert "has not started yet" in refusal(R.record_attendance, opp, [ra.id], staff)
    opp.sessions[0].starts_at = clock.now() - timedelta(hours=1)
    db.session.flush()
    msg = refusal(R.record_attendance, opp, [ra.id, rc.id], staff)
    assert msg == f"Attendance can only be recorded for people registered for “Workshop” (not for registration {rc.id})."
    assert ra.attended is None  # nothing half-saved
    assert R.record_attendance(opp, [ra.id], staff) == 1
    assert (ra.attended, rb.attended, rc.attended) == (True, False, None)
    assert ra.attendance_recorded_at is not None and rb.attendance_recorded_at is not None


def test_roster_and_mine(factory):
    opp = factory.opportunity(capacity=1)
    later = factory.opportunity(capacity=5, starts_in_days=30)
    a, b = people(factory, 2)
    R.register(opp, a)
    R.register(opp, b)
    R.register(later, b)
    roster = R.roster(opp)
    assert [r.user for r in roster.registered] == [a] and [r.user for r in roster.waitlisted] == [b]
    assert roster.seats_left == 0 and not roster.started
    assert [r.opportunity for r in R.mine(b)] == [opp, later]


def test_register_locks_the_opportunity_row_before_counting(factory):
    opp = factory.opportunity(capacity=2)
    a = factory.user("educator")
    with sql_statements() as statements:
        R.register(opp, a)
    counts = [i for i, s in enumerate(statements) if "count(" in s.lower() and "pl_registration" in s]
    if db.engine.dialect.name == "postgresql":
        locks = [i for i, s in enumerate(statements) if "FROM pl_opportunity" in s and "FOR UPDATE" in s]
    else:  # SQLite serialises writers; the re-read still comes first
        locks = [i for i, s in enumerate(statements) if "FROM pl_opportunity" in s]
    assert counts and locks and locks[0] < min(counts)


@pytest.mark.commits
def test_two_people_cannot_take_the_last_seat(app, factory):
    """A holds the lock having taken the last seat; B waits for it, then finds the seat gone and is waitlisted."""
    opp = factory.opportunity(capacity=2)
    holder, a, b = people(factory, 3)
    R.register(opp, holder)
    db.session.commit()
    opp_id, a_id, b_id = opp.id, a.id, b.id
    a_registered, a_commit = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def run(name, user_id, before_commit=None):
        with app.app_context():
            try:
                reg = R.register(db.session.get(Opportunity, opp_id), db.session.get(User, user_id))
                if before_commit:
                    before_commit()
                db.session.commit()
                results[name] = reg.status
            except Exception as exc:  # noqa: BLE001 - reported in the assertion below
                db.session.rollback()
                results[name] = exc
            finally:
                db.session.remove()

    def a_waits():
        a_registered.set()
        a_commit.wait(10)

    ta = threading.Thread(target=run, args=("A", a_id, a_waits))
    tb = threading.Thread(target=run, args=("B", b_id))
    db.session.remove()
    ta.start()
    assert a_registered.wait(10)
    tb.start()
    tb.join(1.0)
    assert tb.is_alive(), "B should wait for A's lock on the opportunity row"
    a_commit.set()
    ta.join(10)
    tb.join(10)
    assert results == {"A": RS.REGISTERED, "B": RS.WAITLISTED}
    opp = db.session.get(Opportunity, opp_id)
    assert R.seats_taken(opp) == 2 and R.waitlist_length(opp) == 1


@pytest.mark.commits
def test_a_free_for_all_on_the_last_seat_has_exactly_one_winner(app, factory):
    """Several people press Register at the same moment for the one seat left: exactly one gets it."""
    opp = factory.opportunity(capacity=1)
    racers = people(factory, 4)
    db.session.commit()
    opp_id, ids = opp.id, [u.id for u in racers]
    start = threading.Barrier(len(ids))
    results: dict[int, object] = {}

    def run(user_id):
        with app.app_context():
            try:
                start.wait(10)
                reg = R.register(db.session.get(Opportunity, opp_id), db.session.get(User, user_id))
                db.session.commit()
                results[user_id] = reg.status
            except Exception as exc:  # noqa: BLE001
                db.session.rollback()
                results[user_id] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    db.session.remove()
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results.values()) == sorted([RS.REGISTERED] + [RS.WAITLISTED] * 3), results
