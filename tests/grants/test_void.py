"""Voiding a mistaken expenditure: a team member or staff, with a reason, while the grant is active. It is
never deleted: the ledger lists it marked void (who, when, why) and no figure counts it: a line's spent and
left, the totals, the final report's "spending ≤ award" guard, the spending and final report pages."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.grants import ledger as L
from app.models import AuditEvent, Expenditure, Proposal, ProposalState
from tests.grants.test_ledger import books, refused, spend, stipends
from workflows.proposal import PROPOSAL

S = ProposalState


@pytest.fixture
def grant(factory):
    """An active grant (as in test_ledger): Books and curriculum $5,200.00, Educator stipends $4,000.00,
    award $9,200.00; the team is Lena Lead and Max Member."""
    team = factory.team(factory.user("educator", name="Lena Lead"), factory.user("educator", name="Max Member"),
                        name="Readers")
    p = factory.proposal(team, factory.cycle(), state=S.ACTIVE, amount="9200.00")
    p.award = Decimal("9200.00")
    p.decided_at = clock.now() - timedelta(days=30)
    p.activated_at = clock.now() - timedelta(days=20)
    db.session.commit()
    return p


def test_a_voided_expenditure_stays_on_the_ledger_and_no_total_counts_it(grant):
    kept = spend(grant, books(grant), "1200.00")
    mistake = spend(grant, books(grant), "3000.00", payee="Typo Books")
    db.session.commit()
    assert L.ledger_for(grant).balance_of(books(grant).id).left == Decimal("1000.00")

    L.void_expenditure(grant, mistake, grant.team.lead, reason="  Logged twice: the same receipt as March 3. ")
    db.session.commit()
    ledger = L.ledger_for(grant)
    line = ledger.balance_of(books(grant).id)
    assert (line.spent, line.left) == (Decimal("1200.00"), Decimal("4000.00"))
    assert (ledger.spent_total, ledger.left_total) == (Decimal("1200.00"), Decimal("8000.00"))
    assert [e.id for e in ledger.expenditures] == [kept.id, mistake.id]  # both rows, never deleted
    assert [e.id for e in ledger.counted] == [kept.id] and [e.id for e in ledger.voided] == [mistake.id]
    assert db.session.get(Proposal, grant.id).spent_total == Decimal("1200.00")
    mistake = db.session.get(Expenditure, mistake.id)
    assert mistake.voided_by_id == grant.team.lead.id and mistake.voided_at is not None
    assert mistake.void_reason == "Logged twice: the same receipt as March 3."
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == grant.id,
                                                           AuditEvent.trigger == "void_expenditure"))
    assert event.comment == mistake.void_reason and event.data["amount"] == "3000.00"
    assert event.data["expenditure_id"] == mistake.id and event.actor_id == grant.team.lead.id
    # The money is free again: a line's cap now counts only what was really spent.
    spend(grant, books(grant), "4000.00")


def test_the_final_report_guard_reads_spending_without_the_voided_rows(grant, factory):
    spend(grant, books(grant), "5200.00")
    spend(grant, stipends(grant), "4000.00")
    grant.award = Decimal("9000.00")  # spending over the award: the final report cannot go in
    db.session.commit()
    p = db.session.get(Proposal, grant.id)
    assert "Spending of $9,200.00 is more than the award of $9,000.00." in PROPOSAL.guard_failures(
        p, "submit_final_report")
    wrong = next(e for e in p.expenditures if e.amount == Decimal("4000.00"))
    L.void_expenditure(p, wrong, factory.user("staff", name="Sam Staff"), reason="Stipends were paid by the school.")
    db.session.commit()
    p = db.session.get(Proposal, grant.id)
    assert not [m for m in PROPOSAL.guard_failures(p, "submit_final_report") if m.startswith("Spending")]


def test_a_reason_is_required_and_a_second_void_changes_nothing(grant):
    e = spend(grant, books(grant), "100.00")
    db.session.commit()
    assert refused(L.void_expenditure, grant, e, grant.team.lead, reason="   ") == [
        "Give the reason this expenditure is void (it goes on the record)."]
    L.void_expenditure(grant, db.session.get(Expenditure, e.id), grant.team.lead, reason="Wrong grant.")
    db.session.commit()
    again = refused(L.void_expenditure, grant, db.session.get(Expenditure, e.id), grant.team.lead, reason="Again.")
    assert again[0].startswith("This expenditure was already voided by Lena Lead on ")
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.case_id == grant.id, AuditEvent.trigger == "void_expenditure")) == 1


@pytest.mark.parametrize("state", [S.FINAL_REPORT_SUBMITTED, S.COMPLETED, S.PUBLISHED])
def test_only_while_the_grant_is_active(grant, state):
    e = spend(grant, books(grant), "100.00")
    grant.state = state
    db.session.commit()
    assert refused(L.void_expenditure, grant, e, grant.team.lead, reason="Oops.") == [
        f"A mistaken expenditure can be voided while the grant is active; this one is "
        f"{grant.state_label.lower()}."]


def test_the_spending_page_shows_both_rows_and_the_totals_follow(grant, login_as, factory):
    spend(grant, books(grant), "1200.00")
    mistake = spend(grant, books(grant), "300.00", payee="Typo Books")
    db.session.commit()
    member = next(u for u in grant.team.members if u.id != grant.team.lead_id)  # Max Member
    client = login_as(member)
    page = client.get(f"/proposals/{grant.id}/spending").get_data(as_text=True)
    assert "$1,500.00</strong> spent" in page and f"/spending/{mistake.id}/void" in page
    form_page = client.get(f"/proposals/{grant.id}/spending/{mistake.id}/void").get_data(as_text=True)
    assert "Void this expenditure" in form_page and "Typo Books" in form_page
    empty = client.post(f"/proposals/{grant.id}/spending/{mistake.id}/void", data={"reason": ""})
    assert empty.status_code == 422 and "Give the reason this expenditure is void" in empty.get_data(as_text=True)
    token = "a" * 32
    data = {"reason": "A duplicate of the $1,200.00 row.", "submission_token": token}
    done = client.post(f"/proposals/{grant.id}/spending/{mistake.id}/void", data=data, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Voided $300.00 paid to Typo Books" in text
    assert "$1,200.00</strong> spent" in text and "void: not counted" in text
    assert "A duplicate of the $1,200.00 row." in text and "<del>$300.00</del>" in text
    # The same form sent again (a double click): nothing more happens.
    twice = client.post(f"/proposals/{grant.id}/spending/{mistake.id}/void", data=data, follow_redirects=True)
    assert twice.status_code == 200 and "Voided $300.00" not in twice.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.case_id == grant.id, AuditEvent.trigger == "void_expenditure")) == 1
    # Someone outside the team is refused.
    assert login_as(factory.user("educator", name="Olga Outside")).get(
        f"/proposals/{grant.id}/spending/{mistake.id}/void").status_code == 403
