"""The co-chairs' joint decision on PL requests that cost money, against a PL budget that can never be
over-committed (including two confirmations at once on PostgreSQL)."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, OutboxMessage, PLBudget, PLDecision, PLRequest, PLRequestState
from app.pl import budgets
from app.pl import decisions as D
from tests.sqlcount import statements as sql_statements
from workflows import TransitionRefused

S = PLRequestState


@pytest.fixture
def lw(world):
    return world.learning


def refused(fn, *args, **kw) -> list[str]:
    with pytest.raises((D.DecisionError, TransitionRefused)) as exc:
        fn(*args, **kw)
    db.session.rollback()
    return exc.value.messages


def trail(r: PLRequest) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "pl_request",
                                                            AuditEvent.case_id == r.id).order_by(AuditEvent.id)))


# -- the two keys -------------------------------------------------------------------------------
def test_one_side_records_the_same_side_cannot_confirm_the_other_side_fires_it(world, lw):
    r = lw.pl_requests[S.ENDORSED]
    d = D.propose(r, world.co_chair_btu, "approve", feedback="A good fit for the literacy plan.")
    db.session.commit()
    assert r.state is S.ENDORSED
    # The other side's co-chairs are asked to confirm.
    [ask] = db.session.scalars(select(OutboxMessage)).all()
    assert ask.to_user_id == world.co_chair_bps.id and ask.subject.startswith("Waiting for your confirmation (approve)")

    assert refused(D.confirm, d, world.co_chair_btu) == [
        "Carla Chair of the BTU side recorded this decision, so a co-chair of the BPS side must confirm it."]
    assert db.session.get(PLRequest, r.id).state is S.ENDORSED

    d = db.session.get(PLDecision, d.id)
    D.confirm(d, world.co_chair_bps)
    db.session.commit()
    r = db.session.get(PLRequest, r.id)
    assert r.state is S.APPROVED and r.decided_at is not None
    assert (d.proposed_by.name, d.confirmed_by.name) == ("Carla Chair", "Colin Chair")
    assert d.proposed_at is not None and d.confirmed_at is not None and d.confirmed_at >= d.proposed_at
    events = trail(r)
    assert [(e.trigger, e.actor_id) for e in events] == [("record_decision", world.co_chair_btu.id),
                                                          ("approve", world.co_chair_bps.id)]
    assert events[1].data["decision_id"] == d.id
    assert "recorded by Carla Chair (BTU), confirmed by Colin Chair (BPS)" in events[1].comment
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == world.lead.id)).all()
    assert [m.subject for m in told] == ["PL request approved: Orton-Gillingham course"]
    assert "The committee's feedback:\nA good fit for the literacy plan." in told[0].body


def test_a_joint_denial_gives_the_feedback_as_the_reason(world, lw):
    r = lw.pl_requests[S.ENDORSED]
    d = D.propose(r, world.co_chair_bps, "deny", feedback="Choose a district course on the same topic.")
    D.confirm(d, world.co_chair_btu)
    db.session.commit()
    assert r.state is S.DENIED
    deny = trail(r)[-1]
    assert deny.trigger == "deny" and deny.data["reason"] == "Choose a district course on the same topic."


def test_recording_is_refused_for_the_wrong_people_states_and_inputs(world, lw, factory):
    r = lw.pl_requests[S.ENDORSED]
    assert refused(D.propose, r, world.school_leader, "approve", feedback="x") == [
        "Only the committee's co-chairs decide PL requests that cost money, and they decide jointly."]
    sideless = factory.user("co_chair")
    assert refused(D.propose, r, sideless, "approve", feedback="x") == [
        "A co-chair must belong to the BTU or the BPS side to take part in a decision."]
    assert refused(D.propose, r, world.co_chair_btu, "maybe", feedback="x") == ["Choose an outcome: approve or deny."]
    assert refused(D.propose, r, world.co_chair_btu, "approve", feedback="  ") == [
        "Write feedback for the educator (for a denial, it is the reason they read)."]
    assert refused(D.propose, lw.pl_requests[S.SUBMITTED], world.co_chair_btu, "approve", feedback="x") == [
        "Only an endorsed request is decided by the committee; this one is submitted."]
    free = factory.pl_request(world.lead, S.ENDORSED, cost="0.00")
    assert refused(D.propose, free, world.co_chair_btu, "approve", feedback="x") == [
        "A request that costs nothing is approved automatically when it is endorsed."]
    D.propose(r, world.co_chair_btu, "approve", feedback="Fine.")
    assert refused(D.propose, r, world.co_chair_bps, "deny", feedback="No.") == [
        "Carla Chair (BTU) already recorded a decision (approve) that is waiting for confirmation. "
        "It must be withdrawn before another decision is recorded."]


def test_an_approval_that_the_budget_cannot_cover_is_refused_when_recorded(world, lw):
    r = lw.pl_requests[S.ENDORSED]
    lw.budget.amount = Decimal("900.00") + Decimal("449.99")  # lead's approved and completed hold $900
    db.session.commit()
    assert refused(D.propose, r, world.co_chair_btu, "approve", feedback="x") == [
        f"The cost of $450.00 is more than the $449.99 left in the {r.budget_year} PL budget."]
    # A denial needs no money.
    D.propose(r, world.co_chair_btu, "deny", feedback="Over budget this year.")


def test_the_budget_spent_meanwhile_stops_the_confirmation(world, lw, factory):
    r = lw.pl_requests[S.ENDORSED]
    d = D.propose(r, world.co_chair_btu, "approve", feedback="Yes.")
    db.session.commit()
    # lead's approved and completed requests already hold $900; leave $449 more.
    lw.budget.amount = Decimal("900.00") + Decimal("449.00")
    db.session.commit()
    assert refused(D.confirm, d, world.co_chair_bps) == [
        f"The cost of $450.00 is more than the $449.00 left in the {r.budget_year} PL budget."]
    assert db.session.get(PLRequest, r.id).state is S.ENDORSED
    assert db.session.get(PLDecision, d.id).is_pending


def test_withdraw_by_the_recorder_only_then_a_new_decision(world, lw):
    r = lw.pl_requests[S.ENDORSED]
    d = D.propose(r, world.co_chair_btu, "approve", feedback="Yes.")
    db.session.commit()
    assert refused(D.withdraw, d, world.co_chair_bps) == [
        "Only Carla Chair, who recorded this decision, can withdraw it."]
    d = db.session.get(PLDecision, d.id)
    D.withdraw(d, world.co_chair_btu)
    db.session.commit()
    assert refused(D.confirm, d, world.co_chair_bps) == ["This decision was withdrawn, so there is nothing to confirm."]
    assert [e.trigger for e in trail(r)] == ["record_decision", "withdraw_decision"]
    D.propose(db.session.get(PLRequest, r.id), world.co_chair_bps, "deny", feedback="No.")


def test_a_confirmed_decision_cannot_be_confirmed_again(world, lw):
    d = D.propose(lw.pl_requests[S.ENDORSED], world.co_chair_btu, "approve", feedback="Yes.")
    D.confirm(d, world.co_chair_bps)
    db.session.commit()
    assert refused(D.confirm, d, world.co_chair_bps) == ["This decision was already confirmed by Colin Chair (BPS)."]


# -- the budget lock ------------------------------------------------------------------------------
def test_confirming_an_approval_locks_the_budget_row_before_reading_what_is_left(world, lw):
    d = D.propose(lw.pl_requests[S.ENDORSED], world.co_chair_btu, "approve", feedback="Yes.")
    db.session.commit()
    d = db.session.get(PLDecision, d.id)
    with sql_statements() as seen:
        D.confirm(d, world.co_chair_bps)
    db.session.commit()
    sums = [i for i, s in enumerate(seen) if "sum(pl_request.cost)" in s.lower()]
    if db.engine.dialect.name == "postgresql":
        locks = [i for i, s in enumerate(seen) if "FROM pl_budget" in s and "FOR UPDATE OF pl_budget" in s]
    else:  # SQLite has no row locks (it serialises writers); the locking read still comes first
        locks = [i for i, s in enumerate(seen) if "FROM pl_budget" in s]
    assert sums and locks and locks[0] < min(sums), "the budget row is locked before what is left is read"


@pytest.mark.commits
def test_two_confirmations_at_once_cannot_over_commit_the_budget(app, world, factory):
    """Two endorsed requests of $600 each with $1,000 left: A confirms and holds the budget lock; B waits for
    it, then sees A's approval and is refused. Exactly one is approved."""
    lw = world.learning
    year = lw.budget.school_year
    committed = budgets.committed(year)
    lw.budget.amount = committed + Decimal("1000.00")
    reqs = [factory.pl_request(world.lead, S.ENDORSED, cost="600.00") for _ in range(2)]
    decisions = [D.propose(r, world.co_chair_btu, "approve", feedback="Yes.") for r in reqs]
    db.session.commit()
    ids = [d.id for d in decisions]
    request_ids = [r.id for r in reqs]
    chair_id = world.co_chair_bps.id
    a_fired, a_commit = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def run(name, decision_id, before_commit=None):
        with app.app_context():
            from app.models import User

            try:
                D.confirm(db.session.get(PLDecision, decision_id), db.session.get(User, chair_id))
                if before_commit:
                    before_commit()
                db.session.commit()
                results[name] = "approved"
            except TransitionRefused as exc:
                db.session.rollback()
                results[name] = exc.messages
            finally:
                db.session.remove()

    def a_waits():
        a_fired.set()
        a_commit.wait(10)

    a = threading.Thread(target=run, args=("A", ids[0], a_waits))
    b = threading.Thread(target=run, args=("B", ids[1]))
    db.session.remove()
    a.start()
    assert a_fired.wait(10)
    b.start()
    b.join(1.0)
    assert b.is_alive(), "B should wait for A's lock on the budget row"
    a_commit.set()
    a.join(10)
    b.join(10)
    assert results["A"] == "approved"
    assert results["B"] == [f"The cost of $600.00 is more than the $400.00 left in the {year} PL budget."]
    states = [db.session.get(PLRequest, rid).state for rid in request_ids]
    assert states == [S.APPROVED, S.ENDORSED]
    budget = db.session.scalar(select(PLBudget).where(PLBudget.school_year == year))
    assert budgets.committed(year) <= budget.amount
