"""The grant after the award through the pages: agreement and activation, spending and receipts,
reallocation, the progress update, the final report, the grant panel; bad input on every form."""
from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.grants import ledger as L
from app.models import AuditEvent, BudgetReallocation, Expenditure, LearningSummary, Proposal, ProposalState
from tests.proposals.test_proposals_pages import EXE, PDF, PNG, docx_bytes

S = ProposalState


def page(resp) -> str:
    return html.unescape(resp.data.decode())


def text(resp) -> str:
    """The page's words without tags, spaces collapsed (what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page(resp)))


def fresh(p: Proposal) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, p.id)


def events(p: Proposal, trigger: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_type == "proposal", AuditEvent.case_id == p.id, AuditEvent.trigger == trigger)))


def spend_data(p: Proposal, **changes) -> dict:
    data = {"spent_on": clock.today().isoformat(), "payee": "Frugal Books", "budget_line": str(p.budget_lines[0].id),
            "amount": "125.50", "note": "Twelve bilingual titles", "receipt": (io.BytesIO(PDF), "receipt.pdf")}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# -- agreement and activation ------------------------------------------------------------------
def test_team_reads_the_agreement_and_the_lead_accepts(browser, world):
    p = world.proposals[S.APPROVED]
    p.conditions = "Share the book list with the school library."
    db.session.commit()
    url = f"/proposals/{p.id}/agreement"
    browser.login(world.member)
    t = text(browser.get(url))
    assert "$10,000.00" in t and "Share the book list with the school library." in t
    assert "Books and curriculum" in t and "Bilingual books" in t and "$6,000.00" in t
    assert f"{world.cycle.progress_report_due:%B %-d, %Y}" in t and f"{world.cycle.final_report_due:%B %-d, %Y}" in t
    assert "Keep a receipt for every expenditure" in t and "only on the approved budget lines" in t
    assert "I accept on behalf of the team" not in t  # a member reads; the lead accepts
    assert browser.post(url, {"accept": "y"}).status_code == 403

    browser.reset().login(world.lead)
    assert "I accept on behalf of the team" in text(browser.get(url))
    resp = browser.post(url, {})
    assert resp.status_code == 422
    assert "Tick “I accept on behalf of the team” to accept the agreement." in page(resp)
    assert fresh(p).agreement_accepted_at is None

    resp = browser.post(url, {"accept": "y"}, follow_redirects=True)
    assert "You accepted the grant agreement" in page(resp) and "Accepted" in text(resp)
    p = fresh(p)
    assert p.agreement_accepted_at is not None and p.agreement_accepted_by_id == world.lead.id
    assert [e.actor_id for e in events(p, "accept_agreement")] == [world.lead.id]
    resp = browser.post(url, {"accept": "y"})
    assert resp.status_code == 422 and "already accepted" in page(resp)
    assert len(events(p, "accept_agreement")) == 1


def test_staff_activate_only_after_acceptance_and_dates_are_copied(browser, world):
    p = world.proposals[S.APPROVED]
    browser.login(world.staff)
    case = text(browser.get(f"/proposals/{p.id}"))
    assert "Activate grant" in case and "The team lead has not accepted the grant agreement yet." in case
    resp = browser.post(f"/proposals/{p.id}/actions/activate")
    assert resp.status_code == 422
    assert "The team lead has not accepted the grant agreement yet." in page(resp)
    assert fresh(p).state is S.APPROVED

    world.cycle.progress_report_due = None
    p.agreement_accepted_at = clock.now()
    p.agreement_accepted_by_id = world.lead.id
    db.session.commit()
    resp = browser.post(f"/proposals/{p.id}/actions/activate")
    assert resp.status_code == 422
    assert "Set the 2026-27 Teacher Leadership Fund cycle's progress report and final report due dates first" in page(resp)

    world.cycle.progress_report_due = clock.today() + timedelta(days=90)
    db.session.commit()
    resp = browser.post(f"/proposals/{p.id}/actions/activate", follow_redirects=True)
    assert "Activate grant: done" in page(resp)
    p = fresh(p)
    assert p.state is S.ACTIVE and p.activated_at is not None
    assert p.progress_report_due == clock.today() + timedelta(days=90)
    assert p.final_report_due == world.cycle.final_report_due
    panel = text(resp)
    assert "The grant" in panel and f"Active since {clock.local(p.activated_at):%b %-d, %Y}" in panel


# -- spending ---------------------------------------------------------------------------------
def test_a_member_logs_spending_with_a_receipt(browser, world):
    p = world.proposals[S.ACTIVE]
    browser.login(world.member)
    form = text(browser.get(f"/proposals/{p.id}/spending/new"))
    assert "Books and curriculum: Bilingual books ($6,000.00 left)" in form
    resp = browser.post(f"/proposals/{p.id}/spending/new", spend_data(p), follow_redirects=True)
    assert "Logged $125.50 paid to Frugal Books." in page(resp)
    t = text(resp)
    assert "$125.50 spent of the $10,000.00 award (1%); $9,874.50 left." in t
    assert "$5,874.50" in t  # left on the books line
    [e] = fresh(p).expenditures
    assert (e.amount, e.payee, e.recorded_by_id, e.receipt_filename) == (Decimal("125.50"), "Frugal Books",
                                                                         world.member.id, "receipt.pdf")
    assert events(p, "log_expenditure")[0].data["amount"] == "125.50"

    # Receipts download for the team and staff, as attachments that the browser will not sniff.
    for user in (world.lead, world.staff):
        browser.reset().login(user)
        resp = browser.get(f"/proposals/{p.id}/spending/{e.id}/receipt")
        assert resp.status_code == 200 and resp.data == PDF and resp.mimetype == "application/pdf"
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert "receipt.pdf" in resp.headers["Content-Disposition"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    browser.reset().login(world.outsider)
    assert browser.get(f"/proposals/{p.id}/spending/{e.id}/receipt").status_code == 403


def test_overspending_a_line_is_refused_with_the_figures_and_the_input_kept(browser, world):
    p = world.proposals[S.ACTIVE]
    books = p.budget_lines[0]
    books.amount = Decimal("5200.00")
    db.session.add(Expenditure(proposal_id=p.id, budget_line_id=books.id, spent_on=clock.today(), payee="Earlier",
                               amount=Decimal("5050.00"), recorded_by_id=world.lead.id))
    db.session.commit()
    browser.login(world.lead)
    resp = browser.post(f"/proposals/{p.id}/spending/new", spend_data(p, amount="300.00", payee="Big Order Co"))
    assert resp.status_code == 422
    body = page(resp)
    assert "This would put Books and curriculum at $5,350.00 of its $5,200.00; $150.00 is left." in body
    assert 'value="Big Order Co"' in body and 'value="300.00"' in body and "Twelve bilingual titles" in body
    assert len(fresh(p).expenditures) == 1


def test_overspending_the_award_is_refused(browser, world):
    p = world.proposals[S.ACTIVE]
    p.award = Decimal("9000.00")
    db.session.add(Expenditure(proposal_id=p.id, budget_line_id=p.budget_lines[1].id, spent_on=clock.today(),
                               payee="Stipends", amount=Decimal("4000.00"), recorded_by_id=world.lead.id))
    db.session.add(Expenditure(proposal_id=p.id, budget_line_id=p.budget_lines[0].id, spent_on=clock.today(),
                               payee="Books", amount=Decimal("4900.00"), recorded_by_id=world.lead.id))
    db.session.commit()
    browser.login(world.lead)
    resp = browser.post(f"/proposals/{p.id}/spending/new", spend_data(p, amount="200.00"))
    assert resp.status_code == 422
    assert "This would put spending at $9,100.00 of the $9,000.00 award; $100.00 is left." in page(resp)


@pytest.mark.parametrize("changes,message", [
    ({"spent_on": ""}, "Enter the date it was paid."),
    ({"spent_on": "14/03/2026"}, "“14/03/2026” is not a date. Enter it as year-month-day"),
    ({"payee": ""}, "Say who was paid."),
    ({"payee": "P" * 161}, "Keep the payee to 160 characters or fewer."),
    ({"budget_line": ""}, "Choose the budget line this spending comes from."),
    ({"budget_line": "999999"}, "Choose one of this grant's budget lines."),
    ({"budget_line": "abc"}, "Choose one of this grant's budget lines."),
    ({"amount": ""}, "Enter the amount paid."),
    ({"amount": "twelve"}, "“twelve” is not an amount of money."),
    ({"amount": "-5.00"}, "Enter an amount more than $0.00"),
    ({"amount": "0"}, "Enter an amount more than $0.00"),
    ({"amount": "12.345"}, "Use at most two decimal places"),
    ({"amount": "NaN"}, "“NaN” is not an amount of money."),
    ({"note": "n" * 2001}, "Keep the note to 2,000 characters or fewer."),
    ({"receipt": None}, "Attach the receipt."),
    ({"receipt": (io.BytesIO(EXE), "receipt.pdf")}, "Attach a PDF, JPEG or PNG file."),
    ({"receipt": (io.BytesIO(docx_bytes()), "receipt.docx")},
     "A receipt must be a PDF, JPEG or PNG file; this one is a Word document."),
    ({"receipt": (io.BytesIO(b""), "empty.pdf")}, "The file is empty."),
])
def test_bad_expenditure_input_is_refused_and_kept(browser, world, changes, message):
    p = world.proposals[S.ACTIVE]
    browser.login(world.member)
    data = spend_data(p, payee="Keep Me Books", **changes) if "payee" not in changes else spend_data(p, **changes)
    resp = browser.post(f"/proposals/{p.id}/spending/new", data)
    assert resp.status_code == 422
    body = page(resp)
    assert message in body
    assert 'id="error-summary"' in body
    if "payee" not in changes:
        assert 'value="Keep Me Books"' in body
    assert fresh(p).expenditures == []


def test_dates_in_the_future_or_before_the_grant_began_are_refused(browser, world):
    p = world.proposals[S.ACTIVE]
    p.activated_at = clock.now() - timedelta(days=10)
    db.session.commit()
    began = clock.local(p.activated_at).date()
    browser.login(world.lead)
    tomorrow = clock.today() + timedelta(days=1)
    resp = browser.post(f"/proposals/{p.id}/spending/new", spend_data(p, spent_on=tomorrow.isoformat()))
    assert resp.status_code == 422 and "is in the future" in page(resp)
    assert f'value="{tomorrow.isoformat()}"' in page(resp)
    resp = browser.post(f"/proposals/{p.id}/spending/new",
                        spend_data(p, spent_on=(began - timedelta(days=1)).isoformat()))
    assert resp.status_code == 422
    assert f"before the grant began on {began:%B %-d, %Y}: grant funds pay only for spending from that day on" \
        in page(resp)
    assert fresh(p).expenditures == []


def test_an_oversize_receipt_is_refused(browser, world, app):
    p = world.proposals[S.ACTIVE]
    browser.login(world.lead)
    old = app.config["MAX_UPLOAD_BYTES"]
    app.config["MAX_UPLOAD_BYTES"] = 2048
    try:
        big = PNG + b"\x00" * 4096
        resp = browser.post(f"/proposals/{p.id}/spending/new", spend_data(p, receipt=(io.BytesIO(big), "big.png")))
    finally:
        app.config["MAX_UPLOAD_BYTES"] = old
    assert resp.status_code == 422 and "larger than the 2 KB limit" in page(resp)
    assert fresh(p).expenditures == []


def test_spending_is_logged_only_while_active_and_only_by_the_team(browser, world):
    browser.login(world.lead)
    resp = browser.get(f"/proposals/{world.proposals[S.APPROVED].id}/spending/new")
    assert resp.status_code == 403 and "Spending is logged while the grant is active; this one is approved." \
        in page(resp)
    browser.reset().login(world.staff)
    resp = browser.get(f"/proposals/{world.proposals[S.ACTIVE].id}/spending/new")
    assert resp.status_code == 403 and "Team members log their grant's spending" in page(resp)


# -- reallocation -----------------------------------------------------------------------------
def test_the_team_asks_to_reallocate_staff_approve_and_the_total_is_unchanged(browser, world):
    p = world.proposals[S.ACTIVE]
    books, stipends = p.budget_lines
    before = L.ledger_for(p).approved_total
    browser.login(world.member)
    url = f"/proposals/{p.id}/spending/reallocate"
    resp = browser.post(url, {"from_line": str(books.id), "to_line": str(stipends.id), "amount": "750.00",
                              "reason": "A summer session needs more stipends."}, follow_redirects=True)
    assert "Asked to move $750.00 between budget lines." in page(resp)
    # nothing moves while it is pending; the team sees where it stands
    assert L.ledger_for(fresh(p)).balance_of(books.id).approved == Decimal("6000.00")
    assert "Pending: awaiting staff" in text(resp) and "A summer session needs more stipends." in text(resp)
    [ev] = events(p, "request_reallocation")
    assert ev.actor_id == world.member.id and ev.comment == "A summer session needs more stipends."
    [realloc] = db.session.scalars(select(BudgetReallocation)).all()
    # the team cannot approve its own request; staff can, from their payments page
    assert browser.post(f"/proposals/{p.id}/reallocations/{realloc.id}/actions/approve", {}).status_code == 403
    browser.reset().login(world.staff)
    listing = text(browser.get("/payments/?show=reallocations"))
    assert "A summer session needs more stipends." in listing and "$750.00" in listing
    resp = browser.post(f"/proposals/{p.id}/reallocations/{realloc.id}/actions/approve", {}, follow_redirects=True)
    assert "Approve reallocation: done." in page(resp)
    ledger = L.ledger_for(fresh(p))
    assert ledger.approved_total == before == Decimal("10000.00")
    assert ledger.balance_of(books.id).approved == Decimal("5250.00")
    assert ledger.balance_of(stipends.id).approved == Decimal("4750.00")
    # approved once: a second approval is refused and moves nothing more
    resp = browser.post(f"/proposals/{p.id}/reallocations/{realloc.id}/actions/approve", {})
    assert resp.status_code == 422 and "not possible while this reallocation is Approved" in page(resp)
    assert L.ledger_for(fresh(p)).balance_of(stipends.id).approved == Decimal("4750.00")


def test_staff_decline_a_reallocation_with_a_reason_the_team_reads(browser, world):
    p = world.proposals[S.ACTIVE]
    books, stipends = p.budget_lines
    realloc = L.request_reallocation(p, world.lead, from_line_id=books.id, to_line_id=stipends.id,
                                     amount=Decimal("100.00"), reason="More stipends.")
    db.session.commit()
    browser.login(world.staff)
    url = f"/proposals/{p.id}/reallocations/{realloc.id}/actions/decline"
    resp = browser.post(url, {"reason": "  "})
    assert resp.status_code == 422 and "Give the reason for declining (the team reads it)." in page(resp)
    browser.post(url, {"reason": "Books are the heart of the plan."})
    browser.reset().login(world.lead)
    t = text(browser.get(f"/proposals/{p.id}/spending"))
    assert "Declined" in t and "Books are the heart of the plan." in t
    assert L.ledger_for(fresh(p)).balance_of(books.id).approved == Decimal("6000.00")


@pytest.mark.parametrize("changes,message", [
    ({"amount": "6000.01"}, "Books and curriculum has $6,000.00 left of its $6,000.00 ($0.00 spent), so "
                            "$6,000.01 cannot be moved from it."),
    ({"reason": ""}, "Give the reason for the reallocation (it goes on the record)."),
    ({"reason": "r" * 2001}, "Keep the reason to 2,000 characters or fewer."),
    ({"to_line": "same"}, "Choose a different line to move the money to."),
    ({"from_line": ""}, "Choose the budget line the money comes from."),
    ({"to_line": "424242"}, "Choose one of this grant's budget lines."),
    ({"amount": "-10"}, "Enter an amount more than $0.00"),
    ({"amount": "ten"}, "“ten” is not an amount of money."),
    ({"amount": ""}, "Enter the amount to move."),
])
def test_bad_reallocation_input_is_refused_and_kept(browser, world, changes, message):
    p = world.proposals[S.ACTIVE]
    books, stipends = p.budget_lines
    data = {"from_line": str(books.id), "to_line": str(stipends.id), "amount": "100.00", "reason": "Keep this reason."}
    data.update(changes)
    if data["to_line"] == "same":
        data["to_line"] = str(books.id)
    browser.login(world.member)
    resp = browser.post(f"/proposals/{p.id}/spending/reallocate", data)
    assert resp.status_code == 422
    assert message in page(resp)
    if "reason" not in changes:
        assert "Keep this reason." in page(resp)
    assert db.session.scalars(select(BudgetReallocation)).all() == []


# -- the progress update ----------------------------------------------------------------------
PROGRESS = {"progress_so_far": "Eight circles held.", "early_evidence": "Fluency up.",
            "challenges": "Snow days.", "next_steps": "A family night."}


def test_progress_update_draft_and_submission(browser, world):
    p = world.proposals[S.ACTIVE]
    p.progress_report_due = clock.today() - timedelta(days=4)
    db.session.commit()
    url = f"/proposals/{p.id}/progress"
    browser.login(world.member)
    t = text(browser.get(url))
    assert "Overdue." in t and "overdue by 4 days" in t
    assert "Submit progress update" not in t  # only the lead submits
    resp = browser.post(url, {"progress_so_far": "Eight circles held.", "save": "Save draft"}, follow_redirects=True)
    assert "Progress update saved as a draft." in page(resp) and "Eight circles held." in page(resp)
    resp = browser.post(url, {**PROGRESS, "submit": "Submit progress update"})
    assert resp.status_code == 422 and "Only the team lead, Lena Lead, submits the progress update." in page(resp)

    browser.reset().login(world.lead)
    resp = browser.post(url, {"progress_so_far": "Eight circles held.", "challenges": "Snow days.",
                              "submit": "Submit progress update"})
    assert resp.status_code == 422
    body = page(resp)
    assert "Write “Early evidence for students” before submitting." in body
    assert "Write “Next steps” before submitting." in body
    assert "Snow days." in body  # what they typed stays
    assert fresh(p).progress_report.submitted_at is None

    resp = browser.post(url, {**PROGRESS, "submit": "Submit progress update"}, follow_redirects=True)
    assert "Progress update submitted." in page(resp)
    report = fresh(p).progress_report
    assert report.submitted_at is not None and report.submitted_by_id == world.lead.id
    assert len(events(p, "submit_progress")) == 1
    t = text(resp)
    assert "Submitted on" in t and "A family night." in t and "Save draft" not in t and "Overdue." not in t

    browser.reset().login(world.staff)
    assert "A family night." in text(browser.get(url))  # staff read it
    assert browser.post(url, {**PROGRESS, "save": "Save draft"}).status_code == 403


def test_progress_section_too_long_is_refused_and_kept(browser, world):
    p = world.proposals[S.ACTIVE]
    browser.login(world.member)
    resp = browser.post(f"/proposals/{p.id}/progress", {**PROGRESS, "challenges": "c" * 10_001, "save": "Save draft"})
    assert resp.status_code == 422 and "Keep this to 10,000 characters or fewer." in page(resp)
    assert "A family night." in page(resp)
    assert fresh(p).progress_report is None


# -- the final report -------------------------------------------------------------------------
FINAL = {"what_we_tried": "Reading circles.", "what_happened": "Students read more.",
         "what_we_learned": "Choice matters.", "what_we_would_change": "Start in September."}


def test_final_report_flow_submit_return_resubmit_accept(browser, world):
    p = world.proposals[S.ACTIVE]
    db.session.add(Expenditure(proposal_id=p.id, budget_line_id=p.budget_lines[0].id, spent_on=clock.today(),
                               payee="Frugal Books", amount=Decimal("2500.00"), recorded_by_id=world.lead.id))
    db.session.commit()
    url = f"/proposals/{p.id}/final-report"
    browser.login(world.member)
    resp = browser.post(url, {"what_we_tried": "Reading circles."}, follow_redirects=True)
    assert "Final report saved." in page(resp)
    assert events(p, "edit_final_report")[0].actor_id == world.member.id
    t = text(resp)
    # The reconciliation comes from the ledger.
    assert "Spending reconciliation" in t and "$2,500.00 in 1 expenditure" in t and "Unspent funds $7,500.00" in t
    assert "Submit final report" not in t  # only the lead submits

    browser.reset().login(world.lead)
    t = text(browser.get(url))
    assert "Before you can submit:" in t
    assert "Finish the final report first: What happened for students, What we learned, What we would change." in t
    assert "Draft the learning summary first." in t
    resp = browser.post(f"/proposals/{p.id}/actions/submit_final_report", {"confirm_step": "yes"})
    assert resp.status_code == 422 and "Draft the learning summary first." in page(resp)

    browser.post(url, FINAL)
    db.session.add(LearningSummary(proposal_id=p.id, title="Reading circles", body="What we learned."))
    db.session.commit()
    assert "Before you can submit:" not in text(browser.get(url))
    resp = browser.post(f"/proposals/{p.id}/actions/submit_final_report", {"confirm_step": "yes"}, follow_redirects=True)
    assert "Submit final report: done" in page(resp)
    assert fresh(p).state is S.FINAL_REPORT_SUBMITTED
    t = text(browser.get(url))
    assert "Choice matters." in t and "Save the report" not in t  # read-only now
    assert browser.post(url, FINAL).status_code == 403

    # Staff see accept and return on the case page, and on the report itself.
    browser.reset().login(world.staff)
    case = text(browser.get(f"/proposals/{p.id}"))
    assert "Accept report" in case and "Return report" in case
    report_page = text(browser.get(url))
    assert "Accept report" in report_page and "Return report" in report_page
    resp = browser.post(f"/proposals/{p.id}/actions/return_report", {"comment": ""})
    assert resp.status_code == 422 and "Write a comment telling the team what to revise." in page(resp)
    browser.post(f"/proposals/{p.id}/actions/return_report", {"comment": "Add the spring reading levels."})
    assert fresh(p).state is S.ACTIVE

    # The team sees why, on the report and on the case page.
    browser.reset().login(world.member)
    t = text(browser.get(url))
    assert "Program staff returned the report" in t and "Add the spring reading levels." in t
    t = text(browser.get(f"/proposals/{p.id}"))
    assert "Program staff returned the final report" in t and "Add the spring reading levels." in t

    browser.reset().login(world.lead)
    browser.post(f"/proposals/{p.id}/actions/submit_final_report", {"confirm_step": "yes"})
    browser.reset().login(world.staff)
    resp = browser.post(f"/proposals/{p.id}/actions/accept_report", {"confirm_step": "yes"}, follow_redirects=True)
    assert "Accept report: done" in page(resp)
    assert fresh(p).state is S.COMPLETED
    browser.reset().login(world.lead)
    t = text(browser.get(url))
    assert "Program staff returned the report" not in t and "Choice matters." in t


def test_final_report_section_too_long_is_refused_and_kept(browser, world):
    p = world.proposals[S.ACTIVE]
    browser.login(world.lead)
    resp = browser.post(f"/proposals/{p.id}/final-report", {**FINAL, "what_we_learned": "x" * 10_001})
    assert resp.status_code == 422 and "Keep this to 10,000 characters or fewer." in page(resp)
    assert "Start in September." in page(resp)
    assert fresh(p).final_report is None


def test_final_report_due_date_shown_and_overdue(browser, world):
    p = world.proposals[S.ACTIVE]
    p.final_report_due = clock.today() - timedelta(days=1)
    db.session.commit()
    browser.login(world.lead)
    t = text(browser.get(f"/proposals/{p.id}/final-report"))
    assert "Overdue." in t and "overdue by 1 day" in t


# -- the grant panel --------------------------------------------------------------------------
def test_grant_panel_for_the_team_and_staff_only(browser, world):
    p = world.proposals[S.APPROVED]
    for user in (world.lead, world.member, world.staff):
        browser.reset().login(user)
        t = text(browser.get(f"/proposals/{p.id}"))
        assert "The grant" in t and "Not accepted yet" in t and "Read the grant agreement" in t
        assert "Award $10,000.00" in t and "Spent $0.00 (0%)" in t and "Left $10,000.00" in t
        assert f"{world.cycle.progress_report_due:%B %-d, %Y}" in t
    for user in (world.reviewer_btu, world.co_chair_btu):
        browser.reset().login(user)
        body = page(browser.get(f"/proposals/{p.id}"))
        assert 'id="grant-panel"' not in body
    browser.reset().login(world.lead)
    assert 'id="grant-panel"' not in page(browser.get(f"/proposals/{world.in_review.id}"))


def test_grant_panel_on_an_active_grant_links_spending_and_reports(browser, world):
    p = world.proposals[S.ACTIVE]
    db.session.add(Expenditure(proposal_id=p.id, budget_line_id=p.budget_lines[0].id, spent_on=clock.today(),
                               payee="Frugal Books", amount=Decimal("2500.00"), recorded_by_id=world.lead.id))
    p.progress_report_due = clock.today() - timedelta(days=2)
    db.session.commit()
    browser.login(world.member)
    body = page(browser.get(f"/proposals/{p.id}"))
    t = text(browser.get(f"/proposals/{p.id}"))
    assert "Spent $2,500.00 (25%)" in t and "Left $7,500.00" in t
    assert "Overdue." in t
    for href in (f"/proposals/{p.id}/spending", f"/proposals/{p.id}/spending/new", f"/proposals/{p.id}/progress",
                 f"/proposals/{p.id}/final-report", f"/proposals/{p.id}/agreement"):
        assert f'href="{href}"' in body
    assert f'href="/proposals/{p.id}/spending/reallocate"' in body  # the team asks; staff decide
    browser.reset().login(world.staff)
    assert f'href="/proposals/{p.id}/spending/reallocate"' in page(browser.get(f"/proposals/{p.id}"))


# -- page structure ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["agreement", "spending", "spending/new", "progress", "final-report"])
def test_pages_have_one_h1_and_labelled_tables(browser, world, path):
    p = world.proposals[S.ACTIVE]
    browser.login(world.lead)
    body = page(browser.get(f"/proposals/{p.id}/{path}"))
    assert body.count("<h1") == 1
    assert body.count("<table") == body.count("<caption")
