"""The spending ledger: per-line and per-award caps with the figures, reallocations that keep the total,
Decimal money with half-up cents, the activation date and today, receipts checked by content, the row lock."""
from __future__ import annotations

import io
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.cases.advance import advance
from app.core import clock
from app.extensions import db
from app.grants import ledger as L
from app.models import (
    AuditEvent,
    BudgetCategory,
    BudgetLine,
    BudgetReallocation,
    Expenditure,
    Proposal,
    ProposalState,
)
from tests.sqlcount import statements as sql_statements
from workflows.expenditure import ReallocationState

S = ProposalState
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
MAX = 10 * 1024 * 1024


@pytest.fixture
def grant(factory):
    """An active grant: Books and curriculum $5,200.00, Educator stipends $4,000.00, award $9,200.00."""
    lead = factory.user("educator", name="Lena Lead")
    member = factory.user("educator", name="Max Member")
    team = factory.team(lead, member, name="Readers")
    cycle = factory.cycle()
    p = factory.proposal(team, cycle, state=S.ACTIVE, amount="9200.00")
    p.award = Decimal("9200.00")
    p.decided_at = clock.now() - timedelta(days=30)
    p.activated_at = clock.now() - timedelta(days=20)
    db.session.commit()
    return p


def books(p: Proposal) -> BudgetLine:
    return next(b for b in p.budget_lines if b.category is BudgetCategory.BOOKS)


def stipends(p: Proposal) -> BudgetLine:
    return next(b for b in p.budget_lines if b.category is BudgetCategory.STIPENDS)


def spend(p: Proposal, line: BudgetLine, amount: str, *, on=None, payee="Frugal Books", receipt=PDF,
          filename="receipt.pdf", actor=None) -> Expenditure:
    return L.log_expenditure(
        p, actor or p.team.lead, spent_on=on or clock.today(), payee=payee, budget_line_id=line.id,
        amount=Decimal(amount), note="", receipt_filename=filename,
        receipt_stream=io.BytesIO(receipt) if receipt is not None else None, max_bytes=MAX,
    )


def refused(fn, *args, **kw) -> list[str]:
    with pytest.raises(L.LedgerError) as exc:
        fn(*args, **kw)
    db.session.rollback()
    return exc.value.messages


def expenditures(p: Proposal) -> list[Expenditure]:
    return list(db.session.scalars(select(Expenditure).where(Expenditure.proposal_id == p.id)))


# -- figures ---------------------------------------------------------------------------------
def test_ledger_per_line_and_in_all(grant):
    spend(grant, books(grant), "1200.00")
    spend(grant, stipends(grant), "500.50")
    db.session.commit()
    ledger = L.ledger_for(grant)
    b = ledger.balance_of(books(grant).id)
    assert (b.approved, b.spent, b.left) == (Decimal("5200.00"), Decimal("1200.00"), Decimal("4000.00"))
    s = ledger.balance_of(stipends(grant).id)
    assert (s.approved, s.spent, s.left) == (Decimal("4000.00"), Decimal("500.50"), Decimal("3499.50"))
    assert ledger.approved_total == Decimal("9200.00")
    assert ledger.spent_total == Decimal("1700.50")
    assert ledger.left_total == Decimal("7499.50")
    assert ledger.unspent == Decimal("7499.50")
    assert b.percent_spent == 23  # 1200 / 5200 = 23.08%


def test_every_figure_is_a_decimal_never_a_float(grant):
    spend(grant, books(grant), "33.33")
    db.session.commit()
    ledger = L.ledger_for(grant)
    figures = [ledger.approved_total, ledger.spent_total, ledger.left_total, ledger.unspent, ledger.cap]
    for b in ledger.lines:
        figures += [b.planned, b.moved_in, b.moved_out, b.approved, b.spent, b.left]
    figures += [e.amount for e in ledger.expenditures]
    assert all(type(x) is Decimal for x in figures), [type(x) for x in figures]
    assert all(x == x.quantize(Decimal("0.01")) for x in figures)


def test_floats_are_refused_outright(grant):
    with pytest.raises(TypeError):
        L.log_expenditure(grant, grant.team.lead, spent_on=clock.today(), payee="X", budget_line_id=books(grant).id,
                          amount=33.33, note="", receipt_filename="r.pdf", receipt_stream=io.BytesIO(PDF),
                          max_bytes=MAX)
    with pytest.raises(TypeError):
        L.cents(0.1)
    assert expenditures(grant) == []


def test_cents_round_half_up():
    assert L.cents(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert L.cents(Decimal("0.005")) == Decimal("0.01")
    assert L.cents(Decimal("-0.005")) == Decimal("-0.01")
    assert L.cents(Decimal("1.004")) == Decimal("1.00")
    assert L.cents(7) == Decimal("7.00")
    assert L.percent(Decimal("1"), Decimal("8")) == 13  # 12.5% rounds half up
    assert L.percent(Decimal("5"), Decimal("0")) == 0


def test_three_payments_of_33_33_fill_a_99_99_line_exactly(grant):
    line = books(grant)
    line.amount = Decimal("99.99")
    stipends(grant).amount = Decimal("9100.01")
    db.session.commit()
    for _ in range(3):
        spend(grant, line, "33.33")
    db.session.commit()
    b = L.ledger_for(grant).balance_of(line.id)
    assert b.spent == Decimal("99.99") and b.left == Decimal("0.00")
    assert refused(spend, grant, line, "0.01") == [
        "This would put Books and curriculum at $100.00 of its $99.99; $0.00 is left."]
    assert len(expenditures(grant)) == 3


def test_amounts_with_more_than_two_decimals_or_not_positive_are_refused(grant):
    assert refused(spend, grant, books(grant), "33.335") == ["Use at most two decimal places (dollars and cents)."]
    assert refused(spend, grant, books(grant), "0") == ["Enter an amount more than $0.00."]
    assert refused(spend, grant, books(grant), "-5.00") == ["Enter an amount more than $0.00."]
    assert expenditures(grant) == []


# -- the caps --------------------------------------------------------------------------------
def test_spending_past_a_line_is_refused_with_the_figures(grant):
    spend(grant, books(grant), "5050.00")
    db.session.commit()
    messages = refused(spend, grant, books(grant), "300.00")
    assert messages == ["This would put Books and curriculum at $5,350.00 of its $5,200.00; $150.00 is left."]
    assert len(expenditures(grant)) == 1
    spend(grant, books(grant), "150.00")  # exactly what is left is fine
    db.session.commit()
    assert L.ledger_for(grant).balance_of(books(grant).id).left == Decimal("0.00")


def test_spending_past_the_award_is_refused_with_the_figures(grant):
    grant.award = Decimal("9000.00")  # the committee awarded less than the lines add up to
    db.session.commit()
    spend(grant, books(grant), "5200.00")
    spend(grant, stipends(grant), "3700.00")
    db.session.commit()
    messages = refused(spend, grant, stipends(grant), "200.00")  # the line has $300.00 left
    assert messages == ["This would put spending at $9,100.00 of the $9,000.00 award; $100.00 is left."]
    ledger = L.ledger_for(grant)
    assert ledger.lines_exceed_award and ledger.left_total == Decimal("100.00")


def test_lines_with_the_same_category_are_told_apart(grant):
    grant.budget_lines.append(BudgetLine(position=2, category=BudgetCategory.BOOKS, description="Graphic novels",
                                         amount=Decimal("0.00")))
    db.session.commit()
    extra = grant.budget_lines[-1]
    assert refused(spend, grant, extra, "10.00")[0].startswith(
        "This would put Books and curriculum (Graphic novels) at $10.00 of its $0.00")


def test_a_line_of_another_proposal_is_refused(grant, factory):
    other = factory.proposal(grant.team, grant.cycle, state=S.ACTIVE)
    db.session.commit()
    assert refused(spend, grant, other.budget_lines[0], "10.00") == ["Choose one of this grant's budget lines."]


# -- dates, state, receipts ------------------------------------------------------------------
def test_future_dates_and_dates_before_activation_are_refused(grant):
    tomorrow = clock.today() + timedelta(days=1)
    [msg] = refused(spend, grant, books(grant), "10.00", on=tomorrow)
    assert "is in the future" in msg and f"{tomorrow:%B %-d, %Y}" in msg
    began = clock.local(grant.activated_at).date()
    [msg] = refused(spend, grant, books(grant), "10.00", on=began - timedelta(days=1))
    assert f"before the grant began on {began:%B %-d, %Y}" in msg
    spend(grant, books(grant), "10.00", on=began)  # the day it began counts
    db.session.commit()


def test_spending_is_logged_only_while_active(grant):
    grant.state = S.FINAL_REPORT_SUBMITTED
    db.session.commit()
    assert refused(spend, grant, books(grant), "10.00") == [
        "Spending can be logged while the grant is active; this one is final report submitted."]


@pytest.mark.parametrize("data,name,mime", [(PDF, "r.pdf", "application/pdf"), (PNG, "r.png", "image/png"),
                                            (JPEG, "photo.JPG", "image/jpeg")])
def test_receipts_of_each_accepted_type(grant, data, name, mime):
    e = spend(grant, books(grant), "10.00", receipt=data, filename=name)
    db.session.commit()
    assert e.receipt_content_type == mime and e.receipt_data == data and e.receipt_size == len(data)


def test_receipts_checked_by_content_and_size(grant):
    [msg] = refused(spend, grant, books(grant), "10.00", receipt=EXE, filename="receipt.pdf")
    assert "not an accepted type" in msg and "PDF, JPEG or PNG" in msg
    from tests.proposals.test_proposals_pages import docx_bytes

    [msg] = refused(spend, grant, books(grant), "10.00", receipt=docx_bytes(), filename="r.docx")
    assert msg == "A receipt must be a PDF, JPEG or PNG file; this one is a Word document."
    [msg] = refused(L.log_expenditure, grant, grant.team.lead, spent_on=clock.today(), payee="X",
                    budget_line_id=books(grant).id, amount=Decimal("1.00"), note="", receipt_filename="r.pdf",
                    receipt_stream=io.BytesIO(PDF + b"x" * 2000), max_bytes=1024)
    assert "larger than the 1 KB limit" in msg
    [msg] = refused(spend, grant, books(grant), "10.00", receipt=None)
    assert msg.startswith("Attach the receipt")
    assert expenditures(grant) == []


def test_every_problem_is_reported_at_once(grant):
    with pytest.raises(L.LedgerError) as exc:
        spend(grant, books(grant), "6000.00", on=clock.today() + timedelta(days=3), payee="  ", receipt=EXE)
    fields = [f for f, _ in exc.value.problems]
    assert fields == ["spent_on", "payee", "amount", "receipt"]


def test_a_logged_expenditure_is_audited(grant):
    member = next(u for u in grant.team.members if u.id != grant.team.lead_id)
    e = spend(grant, books(grant), "125.50", actor=member)
    db.session.commit()
    ev = db.session.scalars(select(AuditEvent).where(AuditEvent.trigger == "log_expenditure")).one()
    assert ev.case_id == grant.id and ev.data["amount"] == "125.50" and ev.data["expenditure_id"] == e.id
    assert ev.from_state == ev.to_state == "active" and ev.actor_id == member.id
    assert e.recorded_by_id == member.id


# -- reallocations ---------------------------------------------------------------------------
def test_a_reallocation_moves_money_once_approved_and_keeps_the_total(grant, factory):
    staff = factory.user("staff", name="Sam Staff")
    before = L.ledger_for(grant).approved_total
    realloc = L.request_reallocation(grant, grant.team.lead, from_line_id=books(grant).id,
                                     to_line_id=stipends(grant).id, amount=Decimal("700.00"),
                                     reason="Stipends for a summer session.")
    db.session.commit()
    # asked, not moved: a pending request counts nowhere
    assert realloc.state is ReallocationState.PENDING
    assert L.ledger_for(grant).balance_of(books(grant).id).approved == Decimal("5200.00")
    advance(realloc, "approve", staff)
    db.session.commit()
    assert realloc.state is ReallocationState.APPROVED and realloc.decided_by_id == staff.id
    ledger = L.ledger_for(grant)
    assert ledger.approved_total == before == Decimal("9200.00")
    assert ledger.balance_of(books(grant).id).approved == Decimal("4500.00")
    assert ledger.balance_of(stipends(grant).id).approved == Decimal("4700.00")
    assert ledger.balance_of(stipends(grant).id).moved_in == Decimal("700.00")
    # The lines as planned are untouched: the reallocation is its own record.
    assert books(grant).amount == Decimal("5200.00")
    ev = db.session.scalars(select(AuditEvent).where(AuditEvent.trigger == "request_reallocation")).one()
    assert ev.comment == "Stipends for a summer session." and ev.data["amount"] == "700.00"
    approved = db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "reallocation")).one()
    assert (approved.trigger, approved.from_state, approved.to_state, approved.actor_id) == (
        "approve", "pending", "approved", staff.id)
    # Now stipends can take more than planned.
    spend(grant, stipends(grant), "4600.00")
    db.session.commit()


def test_a_reallocation_cannot_move_more_than_is_left(grant):
    spend(grant, books(grant), "5000.00")
    db.session.commit()
    messages = refused(L.request_reallocation, grant, grant.team.lead, from_line_id=books(grant).id,
                       to_line_id=stipends(grant).id, amount=Decimal("300.00"), reason="More stipends.")
    assert messages == ["Books and curriculum has $200.00 left of its $5,200.00 ($5,000.00 spent), so $300.00 "
                        "cannot be moved from it."]
    assert db.session.scalars(select(BudgetReallocation)).all() == []
    assert L.ledger_for(grant).approved_total == Decimal("9200.00")


def test_a_reallocation_needs_two_lines_and_a_reason(grant):
    messages = refused(L.request_reallocation, grant, grant.team.lead, from_line_id=books(grant).id,
                       to_line_id=books(grant).id, amount=Decimal("1.00"), reason="  ")
    assert messages == ["Choose a different line to move the money to.",
                        "Give the reason for the reallocation (it goes on the record)."]
    with pytest.raises(TypeError):
        L.request_reallocation(grant, grant.team.lead, from_line_id=books(grant).id, to_line_id=stipends(grant).id,
                     amount=1.5, reason="x")


def test_no_reallocation_after_the_final_report(grant):
    grant.state = S.COMPLETED
    db.session.commit()
    [msg] = refused(L.request_reallocation, grant, grant.team.lead, from_line_id=books(grant).id,
                    to_line_id=stipends(grant).id, amount=Decimal("1.00"), reason="x")
    assert msg == "Budget lines can be reallocated while the grant is approved or active; this one is completed."


# -- the row lock ----------------------------------------------------------------------------
def test_logging_locks_the_proposal_row_first(grant):
    with sql_statements() as statements:
        spend(grant, books(grant), "10.00")
    db.session.commit()
    reads = [i for i, s in enumerate(statements) if "FROM expenditure" in s]
    if db.engine.dialect.name == "postgresql":
        locks = [i for i, s in enumerate(statements) if "FROM proposal" in s and "FOR UPDATE OF proposal" in s]
    else:  # SQLite has no row locks (it serialises writers); the re-read still comes first
        locks = [i for i, s in enumerate(statements) if "FROM proposal" in s]
    assert reads and locks and locks[0] < min(reads), "the proposal row is locked before the ledger is read"


@pytest.mark.commits
def test_two_people_logging_at_once_cannot_overspend(app, grant):
    """A holds the lock with $5,000 logged; B's $5,000 waits for it, then sees A's spending and is refused."""
    pid, line_id = grant.id, books(grant).id
    lead_id, member_id = grant.team.lead.id, grant.team.memberships[1].user_id
    a_logged, a_commit = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def run(name, user_id, before_commit=None):
        with app.app_context():
            from app.models import User

            try:
                p = db.session.get(Proposal, pid)
                L.log_expenditure(p, db.session.get(User, user_id), spent_on=clock.today(), payee=name,
                                  budget_line_id=line_id, amount=Decimal("5000.00"), note="",
                                  receipt_filename="r.pdf", receipt_stream=io.BytesIO(PDF), max_bytes=MAX)
                if before_commit:
                    before_commit()
                db.session.commit()
                results[name] = "logged"
            except L.LedgerError as exc:
                db.session.rollback()
                results[name] = exc.messages
            finally:
                db.session.remove()

    def a_waits():
        a_logged.set()
        a_commit.wait(10)

    a = threading.Thread(target=run, args=("A", lead_id, a_waits))
    b = threading.Thread(target=run, args=("B", member_id))
    db.session.remove()
    a.start()
    assert a_logged.wait(10)
    b.start()
    b.join(1.0)
    assert b.is_alive(), "B should wait for A's lock on the proposal row"
    a_commit.set()
    a.join(10)
    b.join(10)
    assert results["A"] == "logged"
    assert results["B"] == ["This would put Books and curriculum at $10,000.00 of its $5,200.00; $200.00 is left.",
                            "This would put spending at $10,000.00 of the $9,200.00 award; $4,200.00 is left."]
    assert [e.payee for e in expenditures(db.session.get(Proposal, pid))] == ["A"]
