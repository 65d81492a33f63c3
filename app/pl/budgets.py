"""The PL budget: what program staff set aside each school year for PL requests that cost money.

It can never be over-committed. Approving a request locks the year's budget row
(``SELECT ... FOR UPDATE``) before the workflow's guard reads what is left, so two confirmations
at once are decided one after the other; lowering a budget below what is already committed is
refused (under the same lock). Committed = the costs of the year's approved and completed requests.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.cases.advance import begin_writing
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import PLBudget, PLRequest, PLRequestState, User
from app.models.types import to_money
from workflows.pl_request import COMMITTED, school_year_of
from workflows.proposal import money

YEAR_RE = re.compile(r"^(\d{4})-(\d{2})$")
MONEY_MAX = Decimal("100000000")


class BudgetError(FormError):
    """A refusal a user reads. ``fields`` maps form fields to the message shown beside them."""


@dataclass(frozen=True)
class YearFigures:
    school_year: str
    amount: Decimal | None  # None: no budget set for the year
    committed: Decimal
    requested: Decimal  # endorsed requests that cost money, waiting for the committee

    @property
    def remaining(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.committed


def year_problem(text: str) -> str | None:
    """Why ``text`` is not a school year like "2026-27", or None."""
    m = YEAR_RE.match((text or "").strip())
    if not m:
        return "Write the school year as 2026-27."
    start, end = int(m.group(1)), int(m.group(2))
    if (start + 1) % 100 != end:
        return f"A school year runs over two consecutive years: {start}-{(start + 1) % 100:02d}."
    if not 2000 <= start <= 2100:
        return "Give a school year between 2000-01 and 2100-01."
    return None


def committed(school_year: str) -> Decimal:
    """The costs of the year's approved and completed requests."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(PLRequest.cost), 0)).where(
            PLRequest.budget_year == school_year, PLRequest.state.in_(COMMITTED))
    )
    return to_money(Decimal(total))


def lock_year(school_year: str) -> PLBudget | None:
    """Lock the year's budget row (PostgreSQL: FOR UPDATE) so that no one else approves against it,
    or changes it, until this transaction ends. None when no budget is set for the year."""
    begin_writing()
    return db.session.execute(
        select(PLBudget).where(PLBudget.school_year == school_year).with_for_update(of=PLBudget)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def overview() -> list[YearFigures]:
    """Every year with a budget or with requests that count against one, newest first (3 statements)."""
    budgets = {b.school_year: b.amount for b in db.session.scalars(select(PLBudget))}
    sums = db.session.execute(
        select(PLRequest.budget_year, PLRequest.state, func.coalesce(func.sum(PLRequest.cost), 0))
        .where(PLRequest.budget_year != "", PLRequest.cost > 0)
        .group_by(PLRequest.budget_year, PLRequest.state)
    ).all()
    done: dict[str, Decimal] = {}
    waiting: dict[str, Decimal] = {}
    for year, state, total in sums:
        if state in COMMITTED:
            done[year] = done.get(year, Decimal("0")) + Decimal(total)
        elif state is PLRequestState.ENDORSED:
            waiting[year] = waiting.get(year, Decimal("0")) + Decimal(total)
    years = sorted(set(budgets) | set(done) | set(waiting), reverse=True)
    return [YearFigures(y, budgets.get(y), to_money(done.get(y, Decimal("0"))),
                        to_money(waiting.get(y, Decimal("0")))) for y in years]


def current_year() -> str:
    return school_year_of(clock.today())


def set_budget(school_year: str, amount: Decimal | None, actor: User) -> PLBudget:
    """Create or change the year's budget. Refused below what the year has already committed."""
    fields: dict[str, str] = {}
    problem = year_problem(school_year)
    if problem:
        fields["school_year"] = problem
    if amount is None:
        fields["amount"] = "Enter the budget in dollars, for example 20000.00."
    elif amount < 0:
        fields["amount"] = "The budget cannot be negative."
    elif amount >= MONEY_MAX:
        fields["amount"] = "That amount is too large; check the number of digits."
    if fields:
        raise BudgetError(list(fields.values()), fields)
    school_year = school_year.strip()
    amount = to_money(amount)
    budget = lock_year(school_year)
    already = committed(school_year)
    if amount < already:
        msg = (f"The {school_year} PL budget cannot be less than the {money(already)} already committed to "
               f"approved and completed requests.")
        raise BudgetError(msg, {"amount": msg})
    if budget is None:
        # Two people may set a year's first budget at once: the unique year lets one row in, and the
        # other is told, rather than failing the request.
        try:
            with db.session.begin_nested():
                budget = PLBudget(school_year=school_year, amount=amount, updated_at=clock.now())
                db.session.add(budget)
        except IntegrityError:
            msg = (f"Someone else set the {school_year} PL budget at the same moment. "
                   "Reload the page to see it, then change it if you need to.")
            raise BudgetError(msg, {"school_year": msg}) from None
        return budget
    budget.amount = amount
    budget.updated_at = clock.now()
    db.session.flush()
    return budget


__all__ = ["BudgetError", "YearFigures", "committed", "current_year", "lock_year", "overview", "set_budget",
           "year_problem"]
