"""The PL budget: set per school year, figures per year, never lowered below what is committed."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.models import PLRequestState
from app.pl import budgets as B

S = PLRequestState


def refused(*args) -> B.BudgetError:
    with pytest.raises(B.BudgetError) as exc:
        B.set_budget(*args)
    db.session.rollback()
    return exc.value


def test_overview_per_year_counts_approved_and_completed_as_committed(world, factory):
    lw = world.learning
    year = lw.budget.school_year
    factory.pl_request(world.member, S.ENDORSED, cost="125.50")
    factory.pl_request(world.member, S.DENIED, cost="999.00")
    db.session.commit()
    [row] = [y for y in B.overview() if y.school_year == year]
    assert (row.amount, row.committed, row.remaining, row.requested) == (
        Decimal("20000.00"), Decimal("900.00"), Decimal("19100.00"), Decimal("575.50"))
    assert all(isinstance(v, Decimal) for v in (row.amount, row.committed, row.remaining, row.requested))
    assert B.committed(year) == Decimal("900.00")


def test_set_a_new_year_and_change_it(world):
    B.set_budget("2031-32", Decimal("15000"), world.staff)
    db.session.commit()
    B.set_budget("2031-32", Decimal("12000.50"), world.staff)
    db.session.commit()
    [row] = [y for y in B.overview() if y.school_year == "2031-32"]
    assert (row.amount, row.committed, row.remaining) == (Decimal("12000.50"), Decimal("0.00"), Decimal("12000.50"))


def test_a_budget_cannot_be_lowered_below_what_is_committed(world):
    year = world.learning.budget.school_year
    err = refused(year, Decimal("899.99"), world.staff)
    assert err.fields == {"amount": f"The {year} PL budget cannot be less than the $900.00 already committed to "
                                    "approved and completed requests."}
    B.set_budget(year, Decimal("900.00"), world.staff)  # exactly what is committed is fine


@pytest.mark.parametrize(("year", "amount", "fields"), [
    ("2026", Decimal("1"), {"school_year": "Write the school year as 2026-27."}),
    ("2026-28", Decimal("1"), {"school_year": "A school year runs over two consecutive years: 2026-27."}),
    ("1999-00", Decimal("1"), {"school_year": "Give a school year between 2000-01 and 2100-01."}),
    ("2026-27", None, {"amount": "Enter the budget in dollars, for example 20000.00."}),
    ("2026-27", Decimal("-5"), {"amount": "The budget cannot be negative."}),
])
def test_bad_years_and_amounts_are_refused(world, year, amount, fields):
    assert refused(year, amount, world.staff).fields == fields


def test_two_staff_setting_a_years_first_budget_at_once_the_second_is_told_not_failed(world, monkeypatch):
    B.set_budget("2032-33", Decimal("9000"), world.staff)
    db.session.commit()
    # The second person read "no budget yet" before the first one's row was committed.
    monkeypatch.setattr(B, "lock_year", lambda year: None)
    err = refused("2032-33", Decimal("7000"), world.staff)
    assert "Someone else set the 2032-33 PL budget at the same moment" in err.messages[0]
    assert "school_year" in err.fields
    [row] = [y for y in B.overview() if y.school_year == "2032-33"]
    assert row.amount == Decimal("9000.00")
