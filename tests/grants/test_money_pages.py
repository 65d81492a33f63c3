"""Money out the door through the pages: a partial award asks for a revised budget before the agreement;
each reimbursement's status on the team's ledger and on staff's page (paged, exact totals, CSV) as staff
approve, pay or return it and the team resubmits; voided spending counted nowhere; bad input kept."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.grants import ledger as L
from app.grants import payments
from app.models import AuditEvent, Expenditure, OutboxMessage, ProposalState
from tests.grants.test_grants_pages import events, fresh, page, text
from tests.proposals.test_proposals_pages import PDF
from workflows.expenditure import PaymentState

S, P = ProposalState, PaymentState


# -- a partial award ------------------------------------------------------------------------------
@pytest.fixture
def partial(world):
    """The issue's case: an $11,000.00 award on $12,000.00 of budget lines, agreement not accepted."""
    p = world.proposals[S.APPROVED]
    p.budget_lines[0].amount = Decimal("8000.00")  # 8,000 + 4,000
    p.award = Decimal("11000.00")
    db.session.commit()
    return p


def test_a_partial_award_is_refused_until_the_budget_is_revised_to_it(browser, world, partial):
    p = partial
    url = f"/proposals/{p.id}/agreement"
    browser.login(world.lead)
    # the team sees the task on the case page and on the lead's home page
    case = page(browser.get(f"/proposals/{p.id}"))
    assert 'data-task="revise_budget" data-waiting="yes"' in case
    assert "Revise your budget to the award" in text(browser.get(url))
    # today's bug: accepted as is. Now refused, with the reason
    resp = browser.post(url, {"accept": "y"})
    assert resp.status_code == 422
    assert ("The award is $11,000.00 but the budget lines add up to $12,000.00: revise your budget to the award "
            "(take $1,000.00 off the lines) before accepting the agreement.") in page(resp)
    assert fresh(p).agreement_accepted_at is None
    # the revision: refused while the lines still add up to more than the award, what was typed kept
    revise = f"/proposals/{p.id}/budget/revise"
    books, stipends = p.budget_lines
    resp = browser.post(revise, {f"line_{books.id}": "7500.00", f"line_{stipends.id}": "3600.01"})
    assert resp.status_code == 422 and "more than the award of $11,000.00: take $100.01 more off." in page(resp)
    assert 'value="3600.01"' in page(resp)
    resp = browser.post(revise, {f"line_{books.id}": "7500.00", f"line_{stipends.id}": "3500.00"},
                        follow_redirects=True)
    assert "Budget revised to the award." in page(resp)
    p = fresh(p)
    assert p.budget_total == Decimal("11000.00")
    [ev] = events(p, "revise_budget")
    assert ev.actor_id == world.lead.id and ev.data["before"][str(books.id)] == "8000.00"
    # now it can be accepted, and the task is gone
    resp = browser.post(url, {"accept": "y"}, follow_redirects=True)
    assert "You accepted the grant agreement" in page(resp)
    assert 'data-task="revise_budget"' not in page(browser.get(f"/proposals/{p.id}"))
    assert browser.get(revise).status_code == 403


@pytest.mark.parametrize("value,message", [
    ("-5", "Enter an amount of $0.00 or more, not a negative amount."),
    ("NaN", "is not an amount of money"),
    ("1e309", "That amount is too large"),
    ("", "Enter an amount for"),
])
def test_bad_revised_amounts_are_refused_and_kept(browser, world, partial, value, message):
    books, stipends = partial.budget_lines
    browser.login(world.lead)
    resp = browser.post(f"/proposals/{partial.id}/budget/revise",
                        {f"line_{books.id}": value, f"line_{stipends.id}": "3000.00"})
    assert resp.status_code == 422 and message in page(resp)
    assert 'value="3000.00"' in page(resp)
    assert fresh(partial).budget_total == Decimal("12000.00")


def test_only_the_lead_revises_and_only_a_partial_award(browser, world, partial):
    browser.login(world.member)
    assert browser.get(f"/proposals/{partial.id}/budget/revise").status_code == 403
    browser.reset().login(world.lead)
    full = world.proposals[S.ACTIVE]
    assert browser.get(f"/proposals/{full.id}/budget/revise").status_code == 403


# -- payment status ----------------------------------------------------------------------------------
def _log(p, amount: str, payee: str, user) -> Expenditure:
    return L.log_expenditure(p, user, spent_on=clock.today(), payee=payee, budget_line_id=p.budget_lines[0].id,
                             amount=Decimal(amount), note="", receipt_filename="r.pdf",
                             receipt_stream=io.BytesIO(PDF), max_bytes=10 * 1024 * 1024)


def _act(browser, e, trigger, **data):
    return browser.post(f"/proposals/{e.proposal_id}/spending/{e.id}/actions/{trigger}", data)


def test_staff_approve_pay_and_return_the_team_sees_where_each_stands(browser, world):
    p = world.proposals[S.ACTIVE]
    a, b, c = (_log(p, amount, payee, world.lead) for amount, payee in
               (("0.10", "Penny Press"), ("0.20", "Dime Books"), ("1000.00", "Big Store")))
    void = _log(p, "500.00", "Logged Twice", world.lead)
    L.void_expenditure(p, void, world.lead, reason="Logged twice.")
    db.session.commit()
    browser.login(world.staff)
    listing = browser.get("/payments/")
    t = text(listing)
    # exact totals (0.10 + 0.20 + 1000.00), the voided one nowhere
    assert "Awaiting approval 3 $1,000.30" in t and "Logged Twice" not in t
    assert _act(browser, void, "approve").status_code == 422  # a voided expenditure is never approved
    assert _act(browser, a, "approve").status_code == 302
    assert _act(browser, b, "approve").status_code == 302
    resp = _act(browser, b, "return", reason="x" * 10_001)  # too long: refused on the list that shows it, kept
    assert resp.status_code == 422 and "Keep this to" in page(resp) and "Awaiting payment (2)" in text(resp)
    assert "x" * 10_001 in page(resp)
    assert _act(browser, a, "pay").status_code == 302
    resp = _act(browser, c, "return", reason="")
    assert resp.status_code == 422 and "Give the reason, so the team knows what to correct." in page(resp)
    assert _act(browser, c, "return", reason="Attach the itemized receipt.").status_code == 302
    figures = {q.key: (q.count, q.total) for q in payments.queues()}
    assert figures["approval"] == (0, Decimal("0.00")) and figures["payment"] == (1, Decimal("0.20"))
    assert "Awaiting payment 1 $0.20" in text(browser.get("/payments/?show=payment"))
    # each step is an audited transition, and the team is told
    trail = db.session.scalars(select(AuditEvent.trigger).where(AuditEvent.case_type == "expenditure",
                                                               AuditEvent.case_id == a.id).order_by(AuditEvent.id)).all()
    assert trail == ["approve", "pay"]
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_user_id == world.member.id,
                                                         OutboxMessage.subject.like("Reimbursement returned%")))
    # the team's ledger: where each reimbursement stands, the reason for the returned one
    browser.reset().login(world.member)
    ledger = text(browser.get(f"/proposals/{p.id}/spending"))
    for words in ("Paid", "Approved: awaiting payment", "Returned to the team", "Attach the itemized receipt.",
                  "Void: never paid"):
        assert words in ledger
    assert 'data-task="resubmit_expenditure" data-waiting="yes"' in page(browser.get(f"/proposals/{p.id}"))
    assert "1 reimbursement returned: correct and resubmit" in text(browser.get("/"))
    # the team may not approve its own; it corrects and resubmits the returned one on its page
    assert _act(browser, b, "pay").status_code == 403
    assert _act(browser, c, "resubmit", comment="x").status_code == 403  # done on the correction page
    url = f"/proposals/{p.id}/spending/{c.id}/correct"
    assert "Attach the itemized receipt." in text(browser.get(url))
    data = {"payee": "Big Store Inc.", "amount": "990.00", "note": "Chart paper, 40 pads",
            "receipt": (io.BytesIO(PDF), "itemized.pdf"), "comment": ""}
    resp = browser.post(url, data)
    assert resp.status_code == 422 and "Say what you corrected." in page(resp) and 'value="Big Store Inc."' in page(resp)
    data = {**data, "receipt": (io.BytesIO(PDF), "itemized.pdf"), "comment": "Itemized receipt; $10 less."}
    assert browser.post(url, data).status_code == 302
    e = db.session.get(Expenditure, c.id)
    assert (e.state, e.return_reason, e.payee, e.amount, e.receipt_filename) == (
        P.SUBMITTED, "", "Big Store Inc.", Decimal("990.00"), "itemized.pdf")
    [ev] = events(p, "correct_expenditure")
    assert ev.data["before"]["amount"] == "1000.00" and ev.comment == "Itemized receipt; $10 less."
    assert browser.get(url).status_code == 403  # no longer returned


def test_the_csv_lists_what_awaits_staff_and_the_home_page_counts_it(browser, world):
    p = world.proposals[S.ACTIVE]
    e = _log(p, "19.99", "=HYPERLINK(\"x\")", world.lead)
    _log(p, "5.00", "Corner Shop", world.lead)
    e.state = P.APPROVED
    db.session.commit()
    browser.login(world.staff)
    resp = browser.get("/payments/payments.csv")
    assert resp.status_code == 200 and resp.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == list(payments.CSV_COLUMNS)
    assert [(r[0], r[6], r[7]) for r in rows[1:]] == [
        ("Submitted: awaiting approval", "Corner Shop", "5.00"),
        ("Approved: awaiting payment", "'=HYPERLINK(\"x\")", "19.99")]
    home = page(browser.get("/"))
    assert 'id="money"' in home and "1 reimbursement to approve" in home and "1 reimbursement to pay" in home
