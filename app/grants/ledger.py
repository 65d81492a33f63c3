"""The spending ledger of an awarded grant: approved, spent and left per budget line, against the award.

Money is ``Decimal`` end to end: amounts come in as ``Decimal`` with at most two decimal places
(anything else is refused, floats included), sums are taken in Python over the stored ``Decimal``
values (never a database ``SUM``, which SQLite computes in floating point), and any figure that
needs rounding is quantized to cents with ``ROUND_HALF_UP``.

A line's *approved* amount is its budget line plus reallocations into it minus reallocations out of
it; *left* is approved minus spent. A mistaken expenditure is voided with a reason, never deleted: it
stays in the ledger's list, marked void with who, when and why, and no figure counts it (a line's spent
and left, the totals, the final report's "spending ≤ award" guard through ``Proposal.spent_total``). Reallocations move money between lines, so the approved total
never changes. Spending is capped twice: by each line's left, and by the award (which the committee
may have set below the request the lines add up to).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import IO

from sqlalchemy import select

from app.cases.advance import advance, lock, record_event
from app.core import clock, uploads
from app.core.errors import FormError
from app.extensions import db
from app.models import BudgetLine, BudgetReallocation, Expenditure, Proposal, ProposalState, User
from workflows.expenditure import MOVED, ReallocationState
from workflows.proposal import REALLOCATABLE, STATE_LABELS, money

S = ProposalState
CENTS = Decimal("0.01")
ZERO = Decimal("0.00")

# Receipts: a subset of what uploads accept (a receipt is a scan, a photo or a PDF).
RECEIPT_TYPES = ("application/pdf", "image/jpeg", "image/png")
RECEIPT_TYPES_TEXT = "PDF, JPEG or PNG"
PAYEE_MAX = 160
NOTE_MAX = 2000
REASON_MAX = 2000

# When spending and reallocations make sense.
SPENDING_STATES = (S.ACTIVE,)
# When a mistaken expenditure may be voided: while the grant is active, like logging one. Once the final
# report is submitted its figures are what staff review (a report returned to the team makes the grant
# active again, and the mistake can be voided then); once accepted, the books are closed.
VOID_STATES = (S.ACTIVE,)


class LedgerError(FormError):
    """A refusal the user reads. ``problems`` are (form field name or None, sentence); ``messages`` the
    sentences; ``str(exc)`` all of them."""

    def __init__(self, problems: Iterable[tuple[str | None, str]]):
        super().__init__(list(problems))


def cents(value: Decimal | int) -> Decimal:
    """A money figure rounded to cents, half up. Refuses floats: they cannot hold cents exactly."""
    if isinstance(value, float) or not isinstance(value, Decimal | int):
        raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
    return Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


def percent(part: Decimal, whole: Decimal) -> int:
    """``part`` as a whole percentage of ``whole`` (half up); 0 when there is nothing to divide by."""
    if whole <= 0:
        return 0
    return int((part * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _exact_cents(amount: object, what: str) -> Decimal:
    if isinstance(amount, float) or not isinstance(amount, Decimal):
        raise TypeError(f"{what} must be a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise LedgerError([("amount", "Enter an amount of money, like 125.50.")])
    if amount != amount.quantize(CENTS):
        raise LedgerError([("amount", "Use at most two decimal places (dollars and cents).")])
    if amount <= 0:
        raise LedgerError([("amount", "Enter an amount more than $0.00.")])
    return amount.quantize(CENTS)


# -- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineBalance:
    line: BudgetLine
    name: str  # what the line is called in messages: its category (and description when ambiguous)
    planned: Decimal  # the budget line as approved with the proposal
    moved_in: Decimal
    moved_out: Decimal
    spent: Decimal

    @property
    def approved(self) -> Decimal:
        return cents(self.planned + self.moved_in - self.moved_out)

    @property
    def left(self) -> Decimal:
        return cents(self.approved - self.spent)

    @property
    def percent_spent(self) -> int:
        return percent(self.spent, self.approved)


@dataclass(frozen=True)
class Ledger:
    award: Decimal | None
    lines: list[LineBalance]
    expenditures: list[Expenditure]
    reallocations: list[BudgetReallocation]

    @property
    def counted(self) -> list[Expenditure]:
        """The expenditures the figures count: all but the voided ones."""
        return [e for e in self.expenditures if e.voided_at is None]

    @property
    def voided(self) -> list[Expenditure]:
        return [e for e in self.expenditures if e.voided_at is not None]

    @property
    def approved_total(self) -> Decimal:
        return cents(sum((b.approved for b in self.lines), ZERO))

    @property
    def spent_total(self) -> Decimal:
        return cents(sum((b.spent for b in self.lines), ZERO))

    @property
    def cap(self) -> Decimal:
        """What may be spent in all: the award, or the lines' total if there is no award."""
        return self.award if self.award is not None else self.approved_total

    @property
    def left_total(self) -> Decimal:
        """Left to spend: the award (or the lines, when less) minus what is spent."""
        return cents(min(self.cap, self.approved_total) - self.spent_total)

    @property
    def unspent(self) -> Decimal:
        """Unspent award: what the team did not spend of its award (never negative)."""
        return max(cents(self.cap - self.spent_total), ZERO)

    @property
    def lines_exceed_award(self) -> bool:
        return self.award is not None and self.approved_total > self.award

    @property
    def percent_spent(self) -> int:
        return percent(self.spent_total, self.cap)

    def balance_of(self, line_id: int) -> LineBalance | None:
        return next((b for b in self.lines if b.line.id == line_id), None)


def line_names(lines: list[BudgetLine]) -> dict[int, str]:
    """A line's name for people: its category, with its description when two lines share a category."""
    counts: dict[object, int] = {}
    for line in lines:
        counts[line.category] = counts.get(line.category, 0) + 1
    return {
        line.id: line.category.label if counts[line.category] == 1 else f"{line.category.label} ({line.description})"
        for line in lines
    }


def ledger_for(proposal: Proposal) -> Ledger:
    """The ledger as the database holds it now (read fresh, not from cached relationships)."""
    lines = list(db.session.scalars(
        select(BudgetLine).where(BudgetLine.proposal_id == proposal.id).order_by(BudgetLine.position, BudgetLine.id)
    ))
    expenditures = list(db.session.scalars(
        select(Expenditure).where(Expenditure.proposal_id == proposal.id)
        .order_by(Expenditure.spent_on, Expenditure.id)
    ))
    reallocations = list(db.session.scalars(
        select(BudgetReallocation).where(BudgetReallocation.proposal_id == proposal.id)
        .order_by(BudgetReallocation.recorded_at, BudgetReallocation.id)
    ))
    names = line_names(lines)
    moved = [r for r in reallocations if r.state in MOVED]  # a pending or declined request moves nothing
    balances = []
    for line in lines:
        balances.append(LineBalance(
            line=line,
            name=names[line.id],
            planned=cents(line.amount),
            moved_in=cents(sum((r.amount for r in moved if r.to_line_id == line.id), ZERO)),
            moved_out=cents(sum((r.amount for r in moved if r.from_line_id == line.id), ZERO)),
            spent=cents(sum((e.amount for e in expenditures if e.budget_line_id == line.id and e.voided_at is None),
                            ZERO)),
        ))
    award = cents(proposal.award) if proposal.award is not None else None
    return Ledger(award=award, lines=balances, expenditures=expenditures, reallocations=reallocations)


def earliest_spending_date(proposal: Proposal) -> date | None:
    """Spending counts from the day the grant was activated (funds are released then).

    A grant activated before activation dates were recorded falls back to its decision date.
    """
    for moment in (proposal.activated_at, proposal.decided_at):
        if moment is not None:
            return clock.local(moment).date()
    return None


def _state_refusal(proposal: Proposal, allowed: Collection[ProposalState], what: str) -> str | None:
    if proposal.state in allowed:
        return None
    states = " or ".join(STATE_LABELS[s].lower() for s in sorted(allowed, key=list(S).index))
    return f"{what} while the grant is {states}; this one is {proposal.state_label.lower()}."


# -- changing --------------------------------------------------------------------------------
def _payee_and_note(payee: str | None, note: str | None, problems: list) -> tuple[str, str]:
    """Who was paid and the note, trimmed; what is wrong with them goes to ``problems``."""
    payee, note = (payee or "").strip(), (note or "").strip()
    if not payee:
        problems.append(("payee", "Say who was paid."))
    elif len(payee) > PAYEE_MAX:
        problems.append(("payee", f"Keep the payee to {PAYEE_MAX} characters or fewer."))
    if len(note) > NOTE_MAX:
        problems.append(("note", f"Keep the note to {NOTE_MAX:,} characters or fewer."))
    return payee, note


def _receipt(filename: str | None, stream: IO[bytes] | None, max_bytes: int, problems: list):
    """The checked receipt file (None without one, or when it is refused: the reason goes to ``problems``)."""
    if stream is None:
        return None
    try:
        receipt = uploads.check_file(filename, stream, max_bytes)
    except uploads.UploadError as exc:
        problems.append(("receipt", str(exc).replace(uploads.ALLOWED_TEXT, RECEIPT_TYPES_TEXT)))
        return None
    if receipt.content_type not in RECEIPT_TYPES:
        problems.append(("receipt", f"A receipt must be a {RECEIPT_TYPES_TEXT} file; this one is "
                                    f"{uploads.describe(receipt.content_type)}."))
        return None
    return receipt


def log_expenditure(proposal: Proposal, actor: User, *, spent_on: date, payee: str, budget_line_id: int,
                    amount: Decimal, note: str, receipt_filename: str | None, receipt_stream: IO[bytes] | None,
                    max_bytes: int) -> Expenditure:
    """Log one expenditure with its receipt. Raises ``LedgerError`` with every problem found.

    The proposal row is locked first, so two people logging at once are checked one after the other
    against what the other has spent (the ledger is read after the lock).
    """
    amount = _exact_cents(amount, "amount")
    row = lock(proposal)
    refusal = _state_refusal(row, SPENDING_STATES, "Spending can be logged")
    if refusal:
        raise LedgerError([(None, refusal)])
    problems: list[tuple[str | None, str]] = []

    today = clock.today()
    if spent_on > today:
        problems.append(("spent_on", f"The date {spent_on:%B %-d, %Y} is in the future; log spending once it "
                                     f"has happened (today is {today:%B %-d, %Y})."))
    start = earliest_spending_date(row)
    if start is not None and spent_on < start:
        problems.append(("spent_on", f"The date {spent_on:%B %-d, %Y} is before the grant began on "
                                     f"{start:%B %-d, %Y}: grant funds pay only for spending from that day on."))
    payee, note = _payee_and_note(payee, note, problems)

    ledger = ledger_for(row)
    balance = ledger.balance_of(budget_line_id)
    if balance is None:
        problems.append(("budget_line", "Choose one of this grant's budget lines."))
    else:
        after = cents(balance.spent + amount)
        if after > balance.approved:
            problems.append(("amount", f"This would put {balance.name} at {money(after)} of its "
                                       f"{money(balance.approved)}; {money(max(balance.left, ZERO))} is left."))
    total_after = cents(ledger.spent_total + amount)
    if total_after > ledger.cap:
        problems.append(("amount", f"This would put spending at {money(total_after)} of the "
                                   f"{money(ledger.cap)} award; {money(max(cents(ledger.cap - ledger.spent_total), ZERO))} is left."))

    if receipt_stream is None:
        problems.append(("receipt", "Attach the receipt (a PDF, JPEG or PNG): the program asks teams to keep "
                                    "a receipt for every expenditure."))
    receipt = _receipt(receipt_filename, receipt_stream, max_bytes, problems)
    if problems:
        raise LedgerError(problems)

    assert balance is not None and receipt is not None
    expenditure = Expenditure(
        proposal_id=row.id, budget_line_id=balance.line.id, spent_on=spent_on, payee=payee, amount=amount,
        note=note, receipt_filename=receipt.filename, receipt_content_type=receipt.content_type,
        receipt_size=receipt.size, receipt_sha256=receipt.sha256, receipt_data=receipt.data,
        recorded_by_id=actor.id,
    )
    db.session.add(expenditure)
    db.session.flush()
    record_event(row, "log_expenditure", actor, comment=note, data={
        "expenditure_id": expenditure.id, "budget_line": balance.name, "payee": payee, "amount": str(amount),
        "spent_on": spent_on.isoformat(), "filename": receipt.filename,
    })
    db.session.flush()
    return expenditure


def request_reallocation(proposal: Proposal, actor: User, *, from_line_id: int, to_line_id: int, amount: Decimal,
                         reason: str) -> BudgetReallocation:
    """A team member (or staff for the team) asks to move money from one line to another: a pending request
    (``workflows.expenditure.REALLOCATION``) that moves nothing until staff approve it, when the amount is
    checked again under the grant's row lock. Refused now when the source line has not that much left."""
    amount = _exact_cents(amount, "amount")
    row = lock(proposal)
    refusal = _state_refusal(row, REALLOCATABLE, "Budget lines can be reallocated")
    if refusal:
        raise LedgerError([(None, refusal)])
    problems: list[tuple[str | None, str]] = []
    ledger = ledger_for(row)
    source = ledger.balance_of(from_line_id)
    target = ledger.balance_of(to_line_id)
    if source is None:
        problems.append(("from_line", "Choose the budget line the money comes from."))
    if target is None:
        problems.append(("to_line", "Choose the budget line the money goes to."))
    if source is not None and target is not None and source.line.id == target.line.id:
        problems.append(("to_line", "Choose a different line to move the money to."))
    reason = (reason or "").strip()
    if not reason:
        problems.append(("reason", "Give the reason for the reallocation (it goes on the record)."))
    elif len(reason) > REASON_MAX:
        problems.append(("reason", f"Keep the reason to {REASON_MAX:,} characters or fewer."))
    if source is not None and amount > source.left:
        problems.append(("amount", f"{source.name} has {money(max(source.left, ZERO))} left of its "
                                   f"{money(source.approved)} ({money(source.spent)} spent), so "
                                   f"{money(amount)} cannot be moved from it."))
    if problems:
        raise LedgerError(problems)
    assert source is not None and target is not None
    realloc = BudgetReallocation(proposal_id=row.id, from_line_id=source.line.id, to_line_id=target.line.id,
                                 amount=amount, reason=reason, recorded_by_id=actor.id,
                                 state=ReallocationState.PENDING)
    db.session.add(realloc)
    db.session.flush()
    record_event(row, "request_reallocation", actor, comment=reason, data={
        "reallocation_id": realloc.id, "from": source.name, "to": target.name, "amount": str(amount),
    })
    db.session.flush()
    return realloc


def void_refusal(proposal: Proposal) -> str | None:
    """Why no expenditure of ``proposal`` may be voided now (its state), or None."""
    return _state_refusal(proposal, VOID_STATES, "A mistaken expenditure can be voided")


def void_expenditure(proposal: Proposal, expenditure: Expenditure, actor: User, *, reason: str) -> Expenditure:
    """Void a mistaken expenditure with a reason (a team member or staff; the view checks who). It is never
    deleted: it stays on the ledger, marked void with who, when and why, and no total counts it from now on.
    The proposal row is locked first, so two people voiding (or one voiding while another logs) queue."""
    row = lock(proposal)
    refusal = void_refusal(row)
    if refusal:
        raise LedgerError([(None, refusal)])
    db.session.refresh(expenditure)  # read after the lock: someone may have voided it a moment ago
    if expenditure.proposal_id != row.id:
        raise LedgerError([(None, "This expenditure belongs to another grant.")])
    if expenditure.voided_at is not None:
        by = expenditure.voided_by.name if expenditure.voided_by else "someone"
        raise LedgerError([(None, f"This expenditure was already voided by {by} on "
                                  f"{clock.local(expenditure.voided_at):%B %-d, %Y}.")])
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError([("reason", "Give the reason this expenditure is void (it goes on the record).")])
    if len(reason) > REASON_MAX:
        raise LedgerError([("reason", f"Keep the reason to {REASON_MAX:,} characters or fewer.")])
    expenditure.voided_at = clock.now()
    expenditure.voided_by_id = actor.id
    expenditure.void_reason = reason
    names = line_names(list(db.session.scalars(select(BudgetLine).where(BudgetLine.proposal_id == row.id))))
    record_event(row, "void_expenditure", actor, comment=reason, data={
        "expenditure_id": expenditure.id, "budget_line": names.get(expenditure.budget_line_id, ""),
        "payee": expenditure.payee, "amount": str(expenditure.amount), "spent_on": expenditure.spent_on.isoformat(),
    })
    db.session.flush()
    return expenditure


def expenditure_of(proposal: Proposal, expenditure_id: int) -> Expenditure | None:
    e = db.session.get(Expenditure, expenditure_id)
    if e is None or e.proposal_id != proposal.id:
        return None
    return e


def receipt_bytes(expenditure: Expenditure) -> bytes:
    return expenditure.receipt_data or b""


def correct_expenditure(proposal: Proposal, expenditure: Expenditure, actor: User, *, payee: str, amount: Decimal,
                        note: str, comment: str, receipt_filename: str | None, receipt_stream: IO[bytes] | None,
                        max_bytes: int) -> Expenditure:
    """A team member corrects a returned reimbursement (who was paid, the amount, the note, a new receipt
    when one is given) and resubmits it, saying what changed: the changes, checked against the line and the
    award like a new expenditure (its old amount left out), then the ``resubmit`` transition of
    ``workflows.expenditure`` (its who-check and guards: returned, not voided, a word on what changed).
    The proposal row is locked first, then the expenditure's; both in one transaction."""
    amount = _exact_cents(amount, "amount")
    row = lock(proposal)
    db.session.refresh(expenditure)
    if expenditure.proposal_id != row.id:
        raise LedgerError([(None, "This expenditure belongs to another grant.")])
    problems: list[tuple[str | None, str]] = []
    payee, note = _payee_and_note(payee, note, problems)
    ledger = ledger_for(row)
    balance = ledger.balance_of(expenditure.budget_line_id)
    counted_before = ZERO if expenditure.voided_at is not None else expenditure.amount
    if balance is not None:
        after = cents(balance.spent - counted_before + amount)
        if after > balance.approved:
            problems.append(("amount", f"This would put {balance.name} at {money(after)} of its "
                                       f"{money(balance.approved)}."))
    total_after = cents(ledger.spent_total - counted_before + amount)
    if total_after > ledger.cap:
        problems.append(("amount", f"This would put spending at {money(total_after)} of the {money(ledger.cap)} award."))
    receipt = _receipt(receipt_filename, receipt_stream, max_bytes, problems) if receipt_filename else None
    if problems:
        raise LedgerError(problems)
    before = {"payee": expenditure.payee, "amount": str(expenditure.amount), "note": expenditure.note,
              "receipt": expenditure.receipt_filename}
    expenditure.payee, expenditure.amount, expenditure.note = payee, amount, note
    if receipt is not None:
        expenditure.receipt_filename, expenditure.receipt_content_type = receipt.filename, receipt.content_type
        expenditure.receipt_size, expenditure.receipt_sha256 = receipt.size, receipt.sha256
        expenditure.receipt_data = receipt.data
    db.session.flush()  # the corrections, before the transition re-reads the row under its lock
    advance(expenditure, "resubmit", actor, comment=comment)
    record_event(row, "correct_expenditure", actor, comment=comment, data={
        "expenditure_id": expenditure.id, "before": before,
        "after": {"payee": payee, "amount": str(amount), "note": note, "receipt": expenditure.receipt_filename}})
    db.session.flush()
    return expenditure
