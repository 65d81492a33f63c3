"""Money out the door at the same moment: two program staff act on the same reimbursement or reallocation,
each in a thread on its own connection. The first holds the row lock (PostgreSQL ``FOR UPDATE``; SQLite's
write lock) until it commits; the second waits, then reads the committed state and is refused, so the money
is moved, approved or paid once, and every total counts it once."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.cases.advance import advance
from app.extensions import db
from app.grants import ledger as L
from app.grants import payments
from app.models import AuditEvent, BudgetReallocation, Expenditure, User
from tests.grants.test_ledger import books, grant, spend, stipends  # noqa: F401 (the grant fixture)
from workflows import TransitionRefused
from workflows.expenditure import PaymentState


def _race(app, fire_a, fire_b) -> dict[str, object]:
    """A fires and holds its transaction open; B starts and must wait for A's lock; then A commits and B
    goes on. Each returns "done" or the refusal's messages."""
    a_fired, a_commit = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def run(name, fire, hold=None):
        with app.app_context():
            try:
                fire()
                if hold:
                    hold()
                db.session.commit()
                results[name] = "done"
            except TransitionRefused as exc:
                db.session.rollback()
                results[name] = exc.messages
            finally:
                db.session.remove()

    def hold():
        a_fired.set()
        a_commit.wait(10)

    a = threading.Thread(target=run, args=("A", fire_a, hold))
    b = threading.Thread(target=run, args=("B", fire_b))
    db.session.remove()
    a.start()
    assert a_fired.wait(10)
    b.start()
    b.join(0.5)
    assert b.is_alive(), "B should wait for A's row lock"
    a_commit.set()
    a.join(10)
    b.join(10)
    return results


def _staff(factory, n: int) -> list[int]:
    ids = [factory.user("staff", name=f"Staff {i}").id for i in range(n)]
    db.session.commit()
    return ids


def _as(model, row_id, user_id, trigger, **data):
    return lambda: advance(db.session.get(model, row_id), trigger, db.session.get(User, user_id), **data)


def _events(case_type: str, case_id: int, trigger: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.case_type == case_type, AuditEvent.case_id == case_id, AuditEvent.trigger == trigger))


@pytest.mark.commits
def test_two_staff_approving_one_reallocation_at_once_move_the_money_once(app, grant, factory):  # noqa: F811
    one, two = _staff(factory, 2)
    r = L.request_reallocation(grant, grant.team.lead, from_line_id=books(grant).id, to_line_id=stipends(grant).id,
                               amount=Decimal("700.00"), reason="A summer session.")
    db.session.commit()
    rid, pid, source, target = r.id, grant.id, books(grant).id, stipends(grant).id
    results = _race(app, _as(BudgetReallocation, rid, one, "approve"), _as(BudgetReallocation, rid, two, "approve"))
    assert results["A"] == "done"
    assert results["B"] == ["“Approve reallocation” is not possible while this reallocation is Approved."]
    ledger = L.ledger_for(db.session.get(type(grant), pid))
    assert ledger.balance_of(source).approved == Decimal("4500.00")  # 5,200 - 700, once
    assert ledger.balance_of(target).approved == Decimal("4700.00")
    assert ledger.approved_total == Decimal("9200.00")
    assert _events("reallocation", rid, "approve") == 1


@pytest.mark.commits
def test_two_requests_that_fit_the_source_line_alone_but_not_together_are_approved_once(app, grant, factory):  # noqa: F811
    """Books has $5,200.00; $3,000.00 is asked twice. Each fits alone; the approval read under the grant's row
    lock sees the other's and refuses the second."""
    one, two = _staff(factory, 2)
    asked = [L.request_reallocation(grant, grant.team.lead, from_line_id=books(grant).id,
                                    to_line_id=stipends(grant).id, amount=Decimal("3000.00"), reason=f"Ask {i}")
             for i in (1, 2)]
    db.session.commit()
    first, second = (r.id for r in asked)
    pid, source = grant.id, books(grant).id
    results = _race(app, _as(BudgetReallocation, first, one, "approve"),
                    _as(BudgetReallocation, second, two, "approve"))
    assert results["A"] == "done"
    assert results["B"] == ["Books and curriculum has $2,200.00 left unspent, so $3,000.00 cannot be moved from it."]
    ledger = L.ledger_for(db.session.get(type(grant), pid))
    assert ledger.balance_of(source).approved == Decimal("2200.00")
    assert ledger.approved_total == Decimal("9200.00")


@pytest.mark.commits
@pytest.mark.parametrize("trigger,before,after", [("approve", PaymentState.SUBMITTED, PaymentState.APPROVED),
                                                  ("pay", PaymentState.APPROVED, PaymentState.PAID)])
def test_two_staff_approving_or_paying_one_reimbursement_at_once_count_it_once(app, grant, factory,  # noqa: F811
                                                                               trigger, before, after):
    one, two = _staff(factory, 2)
    e = spend(grant, books(grant), "1234.56")
    spend(grant, stipends(grant), "0.10")  # another, waiting beside it
    e.state = before
    db.session.commit()
    eid = e.id
    results = _race(app, _as(Expenditure, eid, one, trigger), _as(Expenditure, eid, two, trigger))
    assert results["A"] == "done" and isinstance(results["B"], list) and len(results["B"]) == 1
    assert db.session.get(Expenditure, eid).state is after
    assert _events("expenditure", eid, trigger) == 1
    totals = {q.key: (q.count, q.total) for q in payments.queues()}
    if trigger == "approve":
        assert totals["approval"] == (1, Decimal("0.10")) and totals["payment"] == (1, Decimal("1234.56"))
    else:
        assert totals["approval"] == (1, Decimal("0.10")) and totals["payment"] == (0, Decimal("0.00"))
