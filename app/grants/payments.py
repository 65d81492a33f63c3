"""Money out the door, for program staff: the reimbursements that await their approval or their payment, and
the reallocation requests that await their decision, paged, with exact totals; the same as CSV.

Every change of status is a transition of ``workflows.expenditure`` fired through ``app.cases.advance``;
this module only reads. Voided expenditures are in no list and no total. Totals are summed in whole cents
(an integer in the database: exact on SQLite too, whose ``SUM`` of decimals would be floating point) and
returned as ``Decimal``.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import contains_eager

from app.core import clock
from app.extensions import db
from app.models import BudgetLine, BudgetReallocation, Expenditure, Proposal, Team
from workflows.expenditure import AWAITING_STAFF, PAYMENT_LABELS, PaymentState, ReallocationState

PER_PAGE = 25
P = PaymentState

# The lists of the staff page: what each is, the expenditures' status it lists.
VIEWS = {
    "approval": (P.SUBMITTED, "Awaiting approval"),
    "payment": (P.APPROVED, "Awaiting payment"),
}


def _awaiting(state: PaymentState):
    return (select(Expenditure).join(Expenditure.proposal).join(Proposal.team).join(Expenditure.budget_line)
            .where(Expenditure.state == state, Expenditure.voided_at.is_(None)))


def _total(stmt, amount) -> tuple[int, Decimal]:
    """(how many, their exact total) of what ``stmt`` selects, in one statement."""
    in_cents = func.coalesce(func.sum(cast(func.round(amount * 100), BigInteger)), 0)
    n, total = db.session.execute(stmt.with_only_columns(func.count(), in_cents, maintain_column_froms=True)
                                  .order_by(None)).one()
    return n, (Decimal(int(total)) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    count: int
    total: Decimal


def queues() -> list[Queue]:
    """Each list of the page with its count and exact total (two statements), then pending reallocations."""
    out = [Queue(key, label, *_total(_awaiting(state), Expenditure.amount)) for key, (state, label) in VIEWS.items()]
    pending = select(BudgetReallocation).where(BudgetReallocation.state == ReallocationState.PENDING)
    out.append(Queue("reallocations", "Reallocations to decide", *_total(pending, BudgetReallocation.amount)))
    return out


def _eager():
    return (contains_eager(Expenditure.proposal).contains_eager(Proposal.team).lazyload(Team.memberships),
            contains_eager(Expenditure.budget_line))


def expenditure_page(key: str, page: int):
    """One page of the list ``key`` ("approval" or "payment"), the longest waiting first."""
    state = VIEWS[key][0]
    stmt = _awaiting(state).options(*_eager()).order_by(Expenditure.recorded_at, Expenditure.id)
    pagination = db.paginate(stmt, page=max(page, 1), per_page=PER_PAGE, error_out=False, count=True)
    if pagination.pages and page > pagination.pages:
        pagination = db.paginate(stmt, page=pagination.pages, per_page=PER_PAGE, error_out=False, count=True)
    return pagination


def reallocation_page(page: int):
    stmt = (select(BudgetReallocation).join(BudgetReallocation.proposal).join(Proposal.team)
            .where(BudgetReallocation.state == ReallocationState.PENDING)
            .options(contains_eager(BudgetReallocation.proposal).contains_eager(Proposal.team)
                     .lazyload(Team.memberships))
            .order_by(BudgetReallocation.recorded_at, BudgetReallocation.id))
    pagination = db.paginate(stmt, page=max(page, 1), per_page=PER_PAGE, error_out=False, count=True)
    if pagination.pages and page > pagination.pages:
        pagination = db.paginate(stmt, page=pagination.pages, per_page=PER_PAGE, error_out=False, count=True)
    return pagination


CSV_COLUMNS = ("Status", "Logged", "Date paid", "Grant", "Team", "Budget line", "Paid to", "Amount", "Note")


def csv_rows() -> Iterator[tuple]:
    """Everything awaiting approval or payment (voided left out), the longest waiting first, as the rows of
    ``app.web.csv_download`` (the one CSV rule), read in pieces."""
    for state, _ in VIEWS.values():
        stmt = _awaiting(state).options(*_eager()).order_by(Expenditure.recorded_at, Expenditure.id)
        for e in db.session.scalars(stmt.execution_options(yield_per=500)):
            yield (PAYMENT_LABELS[e.state], clock.local(e.recorded_at).strftime("%Y-%m-%d"), e.spent_on.isoformat(),
                   e.proposal.display_title, e.proposal.team.name,
                   f"{e.budget_line.category.label}: {e.budget_line.description}", e.payee, e.amount, e.note)


def list_of(case) -> str:
    """Which list of the staff page shows ``case`` (an expenditure or a reallocation request) now."""
    if isinstance(case, BudgetReallocation):
        return "reallocations"
    return next((key for key, (state, _) in VIEWS.items() if state is case.state), "approval")


def line_label(line: BudgetLine) -> str:
    return f"{line.category.label}: {line.description}"


def payments_waiting_on_staff(proposal_id: int) -> bool:
    """Whether any of the grant's reimbursements (not voided) awaits staff's approval or payment."""
    return bool(db.session.scalar(select(func.count()).select_from(Expenditure).where(
        Expenditure.proposal_id == proposal_id, Expenditure.voided_at.is_(None),
        Expenditure.state.in_(AWAITING_STAFF))))


def returned_to_team(proposal_id: int) -> bool:
    """Whether any of the grant's reimbursements (not voided) was returned and waits on the team."""
    return bool(db.session.scalar(select(func.count()).select_from(Expenditure).where(
        Expenditure.proposal_id == proposal_id, Expenditure.voided_at.is_(None), Expenditure.state == P.RETURNED)))


def reallocations_pending(proposal_id: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(BudgetReallocation).where(
        BudgetReallocation.proposal_id == proposal_id, BudgetReallocation.state == ReallocationState.PENDING)))
