"""The educator side through the views: drafting, editing, files, submitting, and the case page."""
from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.cases.advance import refusals
from app.core import clock
from app.extensions import db
from app.models import Attachment, AuditEvent, BudgetCategory, BudgetLine, Proposal, ProposalState, TeamScope

S = ProposalState

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def page(resp) -> str:
    return html.unescape(resp.data.decode())


def events(proposal: Proposal) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_type == "proposal", AuditEvent.case_id == proposal.id)
        .order_by(AuditEvent.id)))


def fresh(proposal: Proposal) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)


FULL = {
    "grant_type": "study",
    "title": "Family math nights",
    "challenge": "Families of our newcomers rarely see the math their children do.",
    "students": "Sixty grade 6-8 multilingual learners.",
    "plan": "Monthly family math nights.\nInterpreters at every table.",
    "success_measures": "Attendance and a spring survey.",
    "sharing_plan": "A public learning summary.",
    "timeline": "October to May.",
    "amount_requested": "$2,500.00",
    "budget_lines-0-category": "family_events",
    "budget_lines-0-description": "Dinner and childcare",
    "budget_lines-0-amount": "1,500",
    "budget_lines-1-category": "materials",
    "budget_lines-1-description": "Math games to take home",
    "budget_lines-1-amount": "1000.00",
    "budget_lines-2-category": "",
    "budget_lines-2-description": "",
    "budget_lines-2-amount": "",
}


def edit_data(proposal: Proposal, **changes) -> dict:
    data = dict(FULL, version=str(fresh(proposal).version))
    data.update(changes)
    return data


# -- the whole educator journey -----------------------------------------------------------------
def test_educator_flow_team_draft_edit_upload_submit(browser, factory):
    school = factory.school("Mildred Avenue K-8")
    lead = factory.user("educator", name="Leah Lead", email="leah@example.org", school=school)
    factory.user("educator", name="Marco Member", email="marco@example.org", school=school)
    cycle = factory.cycle("2026-27 TLF", max_award="15000.00")
    factory.cycle("Closed Cycle", opens_on=clock.today() - timedelta(days=60),
                  closes_on=clock.today() - timedelta(days=30), revision_deadline=clock.today() - timedelta(days=20))
    db.session.commit()

    browser.login(lead)
    resp = browser.post("/teams/new", {"name": "Mildred Math", "scope": "school", "school": str(school.id)})
    assert resp.status_code == 302
    team_url = resp.headers["Location"]
    resp = browser.post(team_url + "/members", {"email": "marco@example.org"})
    assert resp.status_code == 302

    form = page(browser.get("/proposals/new"))
    assert "2026-27 TLF" in form and "Closed Cycle" not in form  # only cycles open today
    team_id = int(team_url.rstrip("/").rsplit("/", 1)[1])
    resp = browser.post("/proposals/new", {"team": str(team_id), "cycle": str(cycle.id)})
    assert resp.status_code == 302
    proposal = db.session.scalar(select(Proposal).where(Proposal.team_id == team_id))
    assert proposal.state is S.DRAFT and proposal.cycle_id == cycle.id
    assert [e.trigger for e in events(proposal)] == ["create"]

    resp = browser.post(f"/proposals/{proposal.id}/edit", edit_data(proposal))
    assert resp.status_code == 302, page(resp)[:2000]
    p = fresh(proposal)
    assert p.title == "Family math nights" and p.amount_requested == Decimal("2500.00")
    assert [(b.category, b.amount) for b in p.budget_lines] == [
        (BudgetCategory.FAMILY_EVENTS, Decimal("1500.00")), (BudgetCategory.MATERIALS, Decimal("1000.00"))]
    edit_event = events(p)[-1]
    assert edit_event.trigger == "edit" and "Title" in edit_event.data["fields"]

    resp = browser.post(f"/proposals/{p.id}/attachments",
                        {"file": (io.BytesIO(PDF), "Family night plan.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 302
    assert [a.filename for a in fresh(p).attachments] == ["Family_night_plan.pdf"]

    resp = browser.post(f"/proposals/{p.id}/actions/submit", {"confirm_step": "yes"})
    assert resp.status_code == 302
    p = fresh(p)
    assert p.state is S.SUBMITTED and p.submitted_at is not None
    assert [e.trigger for e in events(p)] == ["create", "edit", "upload", "submit"]
    shown = page(browser.get(f"/proposals/{p.id}"))
    assert "Submit proposal: done. The proposal is now submitted." in shown
    assert "State: Submitted" in shown
    assert "Draft → Submitted" in shown and "Leah Lead" in shown
    assert "Family_night_plan.pdf" in shown
    assert "Edit the proposal" not in shown  # no longer editable


# -- submit guards --------------------------------------------------------------------------------
def test_every_failing_submit_guard_is_listed_and_nothing_changes(browser, factory):
    school = factory.school()
    lead = factory.user("educator", name="Solo Lead", school=school)
    team = factory.team(lead, name="Team of One")
    today = clock.today()
    cycle = factory.cycle("Past Cycle", opens_on=today - timedelta(days=40), closes_on=today - timedelta(days=10),
                          revision_deadline=today - timedelta(days=5), max_award="15000.00")
    proposal = factory.proposal(team, cycle, complete=False, title="Half a plan")
    proposal.amount_requested = Decimal("20000.00")
    proposal.budget_lines = [BudgetLine(position=0, category=BudgetCategory.BOOKS, description="Books",
                                        amount=Decimal("500.00"))]
    db.session.commit()
    expected = refusals(proposal, "submit", lead)
    assert len(expected) == 5  # cycle, sections, team size, budget balance, max award

    browser.login(lead)
    before = page(browser.get(f"/proposals/{proposal.id}"))
    for message in expected:  # shown beside the button before the lead clicks
        assert message in before
    resp = browser.post(f"/proposals/{proposal.id}/actions/submit", {"confirm_step": "yes"})
    assert resp.status_code == 422
    shown = page(resp)
    assert "There are 5 problems to fix" in shown
    for message in expected:
        assert message in shown
    assert "The budget lines add up to $500.00 but the request is $20,000.00." in shown
    assert "A team needs at least two educators; this team has 1." in shown
    p = fresh(proposal)
    assert p.state is S.DRAFT and p.submitted_at is None
    assert events(p) == []


def test_budget_that_does_not_balance_is_refused_at_submit(browser, world):
    browser.login(world.lead)
    data = edit_data(world.draft, amount_requested="3000.00")  # lines add up to 2,500
    assert browser.post(f"/proposals/{world.draft.id}/edit", data).status_code == 302
    edit_page = page(browser.get(f"/proposals/{world.draft.id}/edit"))
    assert "Does not balance yet" in edit_page
    resp = browser.post(f"/proposals/{world.draft.id}/actions/submit", {"confirm_step": "yes"})
    assert resp.status_code == 422
    assert "The budget lines add up to $2,500.00 but the request is $3,000.00." in page(resp)
    assert fresh(world.draft).state is S.DRAFT


def test_only_the_lead_submits(browser, world):
    browser.login(world.member)
    resp = browser.post(f"/proposals/{world.draft.id}/actions/submit", {"confirm_step": "yes"})
    assert resp.status_code == 403
    assert "Only the team lead, Lena Lead, can do this." in page(resp)
    assert fresh(world.draft).state is S.DRAFT


def test_resubmit_after_revisions(browser, world):
    browser.login(world.lead)
    p = world.proposals[S.REVISIONS_REQUESTED]
    resp = browser.post(f"/proposals/{p.id}/actions/resubmit", {"confirm_step": "yes"})
    assert resp.status_code == 302
    assert fresh(p).state is S.SUBMITTED


# -- editing: bad input kept as typed -------------------------------------------------------------
@pytest.mark.parametrize("changes,message,kept", [
    ({"title": "T" * 201}, "Title: Keep the title to 200 characters or fewer.", "T" * 201),
    ({"plan": "P" * 10_001}, "Plan: Keep this to 10,000 characters or fewer.", "P" * 10_001),
    ({"amount_requested": "ten thousand"}, "“ten thousand” is not an amount of money.", 'value="ten thousand"'),
    ({"amount_requested": "-50"}, "Enter an amount of $0.00 or more, not a negative amount.", 'value="-50"'),
    ({"amount_requested": "12.345"}, "Use at most two decimal places", 'value="12.345"'),
    ({"amount_requested": "NaN"}, "“NaN” is not an amount of money.", 'value="NaN"'),
    ({"grant_type": "grant-me-everything"}, "Choose an action grant or a study grant.", None),
    ({"budget_lines-1-amount": "-1"}, "Budget line 2, amount ($): Enter an amount of $0.00 or more",
     'value="-1"'),
    ({"budget_lines-0-amount": "lots"}, "Budget line 1, amount ($): “lots” is not an amount of money.",
     'value="lots"'),
    ({"budget_lines-2-description": "Bus to the museum"},
     "Budget line 3, category: Choose a category for this line.", 'value="Bus to the museum"'),
    ({"budget_lines-2-amount": "300"}, "Budget line 3, description: Describe what this line pays for.",
     'value="300"'),
    ({"budget_lines-2-category": "books", "budget_lines-2-description": "Novels"},
     "Budget line 3, amount ($): Enter the amount for this line.", 'value="Novels"'),
    ({"budget_lines-0-category": "yachts"}, "Budget line 1, category: Choose a category from the list.",
     'value="Dinner and childcare"'),
    ({"budget_lines-0-description": "D" * 201},
     "Budget line 1, description: Keep the description to 200 characters or fewer.", "D" * 201),
])
def test_edit_bad_input_is_explained_nothing_saved_and_input_kept(browser, world, changes, message, kept):
    browser.login(world.member)
    before = (world.draft.title, world.draft.amount_requested, world.draft.plan)
    data = edit_data(world.draft, **changes)
    resp = browser.post(f"/proposals/{world.draft.id}/edit", data)
    assert resp.status_code == 422
    shown = page(resp)
    assert "nothing was saved" in shown
    assert message in shown
    if kept:
        assert kept in resp.data.decode()
    # What else the user typed is still in the form too.
    assert "Family math nights" in shown or "T" * 201 in shown
    assert "Interpreters at every table." in shown or "P" * 10_001 in shown
    p = fresh(world.draft)
    assert (p.title, p.amount_requested, p.plan) == before
    assert [e.trigger for e in events(p)] == []


def test_a_partial_draft_saves(browser, world):
    browser.login(world.member)
    p = world.proposals[S.REVISIONS_REQUESTED]
    data = {"version": str(p.version), "title": "Only a title for now", "amount_requested": ""}
    resp = browser.post(f"/proposals/{p.id}/edit", data)
    assert resp.status_code == 302
    p = fresh(p)
    assert p.title == "Only a title for now" and p.amount_requested is None and p.budget_lines == []
    assert p.plan == "" and p.grant_type is None
    assert events(p)[-1].trigger == "edit"


def test_edit_page_shows_saved_lines_three_blank_rows_and_the_totals(browser, world):
    browser.login(world.lead)
    shown = page(browser.get(f"/proposals/{world.draft.id}/edit"))
    assert 'value="Bilingual books"' in shown and 'value="6000.00"' in shown
    assert 'name="budget_lines-4-description"' in shown and 'name="budget_lines-5-description"' not in shown
    assert "Budget lines add up to" in shown and "$10,000.00" in shown
    assert "Cycle's maximum award" in shown and "$15,000.00" in shown
    assert "Balanced" in shown


def test_a_stale_edit_is_not_saved_over_a_teammates_changes(browser, world):
    browser.login(world.member)
    stale = str(world.draft.version)
    world.draft.title = "The lead's new title"
    db.session.commit()
    resp = browser.post(f"/proposals/{world.draft.id}/edit", edit_data(world.draft, version=stale))
    assert resp.status_code == 409
    shown = page(resp)
    assert "Someone on your team saved this draft after you opened it." in shown
    assert 'value="Family math nights"' in shown
    assert fresh(world.draft).title == "The lead's new title"


def test_submitted_proposal_cannot_be_edited(browser, world):
    browser.login(world.lead)
    p = world.proposals[S.SUBMITTED]
    resp = browser.get(f"/proposals/{p.id}/edit")
    assert resp.status_code == 403
    assert "This proposal is submitted, so it can no longer be edited." in page(resp)
    resp = browser.post(f"/proposals/{p.id}/edit", edit_data(p))
    assert resp.status_code == 403
    assert fresh(p).title == "Mather submitted proposal"


# -- a new draft ---------------------------------------------------------------------------------
def test_new_draft_needs_a_team_and_an_open_cycle(browser, world, factory):
    closed = factory.cycle("Last Year", opens_on=clock.today() - timedelta(days=400),
                           closes_on=clock.today() - timedelta(days=300),
                           revision_deadline=clock.today() - timedelta(days=290))
    db.session.commit()
    browser.login(world.lead)
    resp = browser.post("/proposals/new", {"team": "", "cycle": str(closed.id)})
    assert resp.status_code == 422
    shown = page(resp)
    assert "Choose one of your teams." in shown and "Choose a cycle that is open now." in shown
    resp = browser.post("/proposals/new", {"team": str(world.other_team.id), "cycle": str(world.cycle.id)})
    assert resp.status_code == 422
    assert "Choose one of your teams." in page(resp)
    # The choice typed is kept.
    assert f'<option selected value="{world.cycle.id}">' in resp.data.decode()
    assert db.session.scalar(select(Proposal).where(Proposal.cycle_id == closed.id)) is None


def test_new_draft_without_a_team_says_what_to_do(browser, factory):
    loner = factory.user("educator", name="Lone Teacher")
    factory.cycle()
    db.session.commit()
    browser.login(loner)
    assert "You need a team first." in page(browser.get("/proposals/new"))
    assert "form a team" in page(browser.get("/proposals/"))


def test_my_proposals_lists_my_teams_proposals(browser, world, factory):
    factory.proposal(world.other_team, world.cycle, title="Latin lab notebooks")
    db.session.commit()
    browser.login(world.member)
    shown = page(browser.get("/proposals/"))
    assert "Mather draft proposal" in shown and "Mather published proposal" in shown
    assert "Latin lab notebooks" not in shown
    assert "Revisions requested" in shown and world.cycle.name in shown


def test_my_proposals_come_twenty_a_page_newest_change_first_with_a_count(browser, world, factory):
    from app.proposals.drafting import MINE_PER_PAGE, proposals_of

    for i in range(MINE_PER_PAGE + 3):
        factory.proposal(world.team, world.cycle, title=f"Year {i:02d} idea")
    db.session.commit()
    mine = proposals_of(world.member)
    browser.login(world.member)
    first = page(browser.get("/proposals/"))
    assert f"{len(mine)} proposals; page 1 of 2." in first
    assert f">{mine[0].display_title}</a>" in first and f">{mine[-1].display_title}</a>" not in first
    last = page(browser.get("/proposals/?page=2"))
    assert f">{mine[-1].display_title}</a>" in last and f">{mine[0].display_title}</a>" not in last
    assert page(browser.get("/proposals/?page=99")) == last  # past the end: the last page


# -- attachments ---------------------------------------------------------------------------------
def upload(browser, proposal, content: bytes, name: str):
    return browser.post(f"/proposals/{proposal.id}/attachments", {"file": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")


@pytest.mark.parametrize("content,name,stored,mime", [
    (PDF, "budget.pdf", "budget.pdf", "application/pdf"),
    (PNG, "photo of class.png", "photo_of_class.png", "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "board.jpeg", "board.jpeg", "image/jpeg"),
    (docx_bytes(), "../../etc/Our Plan.docx", "etc_Our_Plan.docx",  # no path survives
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (PDF, "plan.txt", "plan.pdf", "application/pdf"),  # the content decides; the name follows
])
def test_accepted_uploads(browser, world, content, name, stored, mime):
    browser.login(world.member)
    resp = upload(browser, world.draft, content, name)
    assert resp.status_code == 302
    att = fresh(world.draft).attachments[0]
    assert (att.filename, att.content_type, att.size) == (stored, mime, len(content))
    ev = events(world.draft)[-1]
    assert ev.trigger == "upload" and ev.data["filename"] == stored


@pytest.mark.parametrize("content,name,message", [
    (EXE, "budget.pdf", "This file's content is not an accepted type (it looks like a EXE file)."),
    (b"just some text, honestly a PDF", "notes.pdf", "This file's content is not an accepted type."),
    (b"", "empty.pdf", "The file is empty."),
])
def test_wrong_type_uploads_are_refused_clearly(browser, world, content, name, message):
    browser.login(world.lead)
    resp = upload(browser, world.draft, content, name)
    assert resp.status_code == 422
    shown = page(resp)
    assert message in shown
    assert "Attach a PDF, Word (.docx), Excel (.xlsx), PNG or JPEG file." in shown or "empty" in message
    assert fresh(world.draft).attachments == []


def test_upload_without_a_file(browser, world):
    browser.login(world.lead)
    resp = browser.post(f"/proposals/{world.draft.id}/attachments", {}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "Choose a file to upload." in page(resp)


def test_per_file_limit_gives_a_clear_message(app, browser, world):
    browser.login(world.lead)
    saved = app.config["MAX_UPLOAD_BYTES"]
    app.config["MAX_UPLOAD_BYTES"] = 2048
    try:
        resp = upload(browser, world.draft, PDF + b"0" * 4096, "big.pdf")
    finally:
        app.config["MAX_UPLOAD_BYTES"] = saved
    assert resp.status_code == 422
    assert "The file is larger than the 2 KB limit for each file." in page(resp)
    assert fresh(world.draft).attachments == []


def test_request_over_the_whole_request_cap_is_413(app, browser, world):
    browser.login(world.lead)
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        resp = upload(browser, world.draft, PDF + b"0" * 8192, "huge.pdf")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert resp.status_code == 413
    assert "File too large" in page(resp)
    assert fresh(world.draft).attachments == []


def test_duplicate_file_name_is_refused(browser, world):
    browser.login(world.lead)
    assert upload(browser, world.draft, PDF, "plan.pdf").status_code == 302
    resp = upload(browser, world.draft, PDF, "plan.pdf")
    assert resp.status_code == 422
    assert "A file called plan.pdf is already attached." in page(resp)
    assert len(fresh(world.draft).attachments) == 1


def test_download_and_delete(browser, world):
    browser.login(world.lead)
    upload(browser, world.draft, PDF, "plan.pdf")
    att = fresh(world.draft).attachments[0]
    browser.reset().login(world.staff)
    resp = browser.get(f"/proposals/{world.draft.id}/attachments/{att.id}")
    assert resp.status_code == 200 and resp.data == PDF
    assert resp.headers["Content-Disposition"].startswith("attachment;") and "plan.pdf" in resp.headers[
        "Content-Disposition"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Type"] == "application/pdf"
    # Staff may view but not delete a team's file.
    assert browser.post(f"/proposals/{world.draft.id}/attachments/{att.id}/delete").status_code == 403
    browser.reset().login(world.member)
    resp = browser.post(f"/proposals/{world.draft.id}/attachments/{att.id}/delete")
    assert resp.status_code == 302
    assert db.session.scalar(select(Attachment)) is None
    assert events(world.draft)[-1].trigger == "delete_attachment"


def test_files_cannot_be_added_or_removed_once_submitted(browser, world):
    p = world.proposals[S.SUBMITTED]
    att = Attachment(proposal=p, filename="plan.pdf", content_type="application/pdf", size=len(PDF),
                     sha256="0" * 64, data=PDF, uploaded_by_id=world.lead.id)
    db.session.add(att)
    db.session.commit()
    browser.login(world.lead)
    assert upload(browser, p, PDF, "more.pdf").status_code == 403
    assert browser.post(f"/proposals/{p.id}/attachments/{att.id}/delete").status_code == 403
    assert [a.filename for a in fresh(p).attachments] == ["plan.pdf"]


# -- actions through proposals.fire ----------------------------------------------------------------
def test_withdraw_needs_a_reason_and_keeps_it(browser, world):
    browser.login(world.lead)
    resp = browser.post(f"/proposals/{world.draft.id}/actions/withdraw", {"reason": "   "})
    assert resp.status_code == 422
    assert "Give a reason." in page(resp)
    assert fresh(world.draft).state is S.DRAFT
    resp = browser.post(f"/proposals/{world.draft.id}/actions/withdraw",
                        {"reason": "Two of us are moving schools.\nWe will reapply."})
    assert resp.status_code == 302
    p = fresh(world.draft)
    assert p.state is S.WITHDRAWN and p.withdraw_reason == "Two of us are moving schools.\nWe will reapply."
    ev = events(p)[-1]
    assert (ev.trigger, ev.from_state, ev.to_state) == ("withdraw", "draft", "withdrawn")
    shown = page(browser.get(f"/proposals/{p.id}"))
    assert "Withdraw proposal" in shown and "Draft → Withdrawn" in shown
    assert "Two of us are moving schools.\nWe will reapply." in shown


def test_refused_action_keeps_the_typed_reason(browser, world):
    browser.login(world.lead)
    p = world.proposals[S.APPROVED]
    resp = browser.post(f"/proposals/{p.id}/actions/withdraw", {"reason": "We changed our minds"})
    assert resp.status_code == 422
    shown = page(resp)
    assert "“Withdraw proposal” is not possible while this proposal is Approved." in shown
    assert "We changed our minds</textarea>" in shown
    assert fresh(p).state is S.APPROVED


def test_staff_return_for_revision_needs_a_comment(browser, world):
    p = world.proposals[S.SUBMITTED]
    browser.login(world.staff)
    resp = browser.post(f"/proposals/{p.id}/actions/return_for_revision", {"comment": ""})
    assert resp.status_code == 422
    assert "Write a comment telling the team what to revise." in page(resp)
    long = "x" * 10_001
    resp = browser.post(f"/proposals/{p.id}/actions/return_for_revision", {"comment": long})
    assert resp.status_code == 422
    assert "Keep this to 10,000 characters or fewer." in page(resp) and long in page(resp)
    resp = browser.post(f"/proposals/{p.id}/actions/return_for_revision",
                        {"comment": "Say more about how you will measure reading growth."})
    assert resp.status_code == 302
    assert fresh(p).state is S.REVISIONS_REQUESTED
    browser.reset().login(world.member)
    shown = page(browser.get(f"/proposals/{p.id}"))
    assert "Return for revision" in shown and "Submitted → Revisions requested" in shown
    assert "Say more about how you will measure reading growth." in shown and "Stan Staff" in shown


def test_begin_review_refusal_lists_the_reason(browser, world):
    p = world.proposals[S.SUBMITTED]
    browser.login(world.staff)
    resp = browser.post(f"/proposals/{p.id}/actions/begin_review")
    assert resp.status_code == 422
    assert "Assign more reviewers: the BTU side has 0 of 1; the BPS side has 0 of 1." in page(resp)
    assert fresh(p).state is S.SUBMITTED


def test_joint_and_unknown_triggers(browser, world):
    browser.login(world.co_chair_btu)
    resp = browser.post(f"/proposals/{world.in_review.id}/actions/approve")
    assert resp.status_code == 403
    assert "confirmed by a co-chair of the other side on the decision page" in page(resp)
    resp = browser.post(f"/proposals/{world.in_review.id}/actions/teleport")
    assert resp.status_code == 404
    assert fresh(world.in_review).state is S.IN_REVIEW


# -- the case page --------------------------------------------------------------------------------
def test_case_page_escapes_user_text_and_keeps_newlines(browser, world):
    world.draft.title = "<script>alert('x')</script> Reading"
    world.draft.plan = "Line one\nLine <b>two</b>"
    db.session.commit()
    browser.login(world.member)
    raw = browser.get(f"/proposals/{world.draft.id}").data.decode()
    assert "<script>alert" not in raw and "&lt;script&gt;alert(" in raw
    assert "Line one\nLine &lt;b&gt;two&lt;/b&gt;" in raw
    assert re.search(r'class="preserve-lines">Line one\n', raw)
    assert raw.count("<h1") == 1


def test_case_page_header_budget_and_actions_for_the_lead(browser, world):
    browser.login(world.lead)
    shown = page(browser.get(f"/proposals/{world.draft.id}"))
    for text in ("Mather draft proposal", "State: Draft", "Mather Readers", world.cycle.name,
                 "Bilingual books", "$6,000.00", "Total", "$10,000.00", "Submit proposal", "Withdraw proposal",
                 "Edit the proposal"):
        assert text in shown
    assert 'name="reason"' in shown  # withdraw asks for a reason
    browser.reset().login(world.member)
    shown = page(browser.get(f"/proposals/{world.draft.id}"))
    assert "Submit proposal</button>" not in shown  # only the lead submits
    assert "Edit the proposal" in shown


def test_team_sees_the_decision_but_not_reviewer_scores(browser, world):
    p = world.proposals[S.APPROVED]
    p.conditions = "Share the book list with the library."
    p.decisions[-1].conditions = "Share the book list with the library."
    db.session.commit()
    browser.login(world.member)
    shown = page(browser.get(f"/proposals/{p.id}"))
    assert "The committee's decision" in shown and "Approved" in shown
    assert "$10,000.00" in shown and "Strong plan; share widely." in shown
    assert "Share the book list with the library." in shown
    assert "A thoughtful proposal." not in shown and "Solid." not in shown  # reviewers' words stay private


def test_timeline_shows_events_newest_last_in_boston_time(browser, world):
    browser.login(world.lead)
    browser.post(f"/proposals/{world.draft.id}/edit", edit_data(world.draft))
    browser.post(f"/proposals/{world.draft.id}/actions/submit", {"confirm_step": "yes"})
    shown = page(browser.get(f"/proposals/{world.draft.id}"))
    timeline = shown[shown.index('id="timeline-title"'):]
    assert timeline.index("Draft edited") < timeline.index("Submit proposal")
    assert re.search(r"Lena Lead, \w{3} \d+, \d{4} \d+:\d\d [AP]M E[SD]T", re.sub(r"<[^>]+>", "", timeline))
    assert "Changed: Grant type, Title" in timeline


def test_reviewer_sees_case_page_of_an_assigned_proposal_only(browser, world):
    browser.login(world.reviewer_btu)
    assert browser.get(f"/proposals/{world.in_review.id}").status_code == 200
    assert browser.get(f"/proposals/{world.draft.id}").status_code == 403
    browser.reset().login(world.reviewer_unassigned)
    assert browser.get(f"/proposals/{world.in_review.id}").status_code == 403


def test_cross_school_team_proposal_shows_scope(browser, factory, world):
    team = factory.team(world.lead, world.outsider, name="City Readers", scope=TeamScope.CROSS_SCHOOL)
    team.school = None
    p = factory.proposal(team, world.cycle, title="Across the city")
    db.session.commit()
    browser.login(world.outsider)
    shown = page(browser.get(f"/proposals/{p.id}"))
    assert "City Readers" in shown and "Cross-school" in shown


def test_edit_saves_the_priorities_the_proposal_cites_and_the_case_page_lists_them(browser, world):
    lw = world.learning
    browser.login(world.lead)
    page_html = browser.get(f"/proposals/{world.draft.id}/edit").get_data(as_text=True)
    assert "Literacy" in page_html and "Math" in page_html
    resp = browser.post(f"/proposals/{world.draft.id}/edit",
                        edit_data(world.draft, priorities=[str(lw.topics[1].id), str(lw.topics[2].id)]))
    assert resp.status_code == 302
    assert [t.name for t in fresh(world.draft).priorities] == ["Literacy", "Math"]
    shown = browser.get(f"/proposals/{world.draft.id}").get_data(as_text=True)
    assert "District priorities it addresses" in shown and "Literacy" in shown
    # Unticking them all clears the citation.
    resp = browser.post(f"/proposals/{world.draft.id}/edit", edit_data(world.draft))
    assert resp.status_code == 302
    assert fresh(world.draft).priorities == []
