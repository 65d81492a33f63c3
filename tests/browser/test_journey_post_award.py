"""The journey after the award, in Chromium: from an approved grant to a summary the public finds.

The team lead accepts the grant agreement; staff activate the grant; a team member logs spending
with a receipt; the lead writes the final report and the learning summary (Markdown, tags), gives
the team's consent and submits the final report; staff accept it, run the privacy check and
publish; an anonymous visitor (a fresh browser, never signed in) finds the summary by searching the
gallery and opens it. Every page on the way is checked with axe (``tests/browser/conftest.py``).
"""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import select

from app.core import clock
from app.demo.artifacts import bar_chart
from app.extensions import db
from app.models import AuditEvent, Expenditure, Proposal, ProposalState, SchoolLevel, TermKind
from tests.factories import tag_terms
from workflows.expenditure import PaymentState

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

S = ProposalState
TITLE = "Reading circles for multilingual newcomers"
AWARD = Decimal("10000.00")
SUMMARY_TITLE = "Bilingual Reading Circles: What Newcomers Taught Us"
SUMMARY_BODY = """## What we tried

Weekly reading circles with **bilingual texts**, led by a classroom teacher and an ESL teacher.

## What we learned

- Students read more when they could talk first in their home language.
- Families joined the last circle of each month.

Our book list is on the [district's library pages](https://www.bostonpublicschools.org/).
"""
REPORT = {
    "What we tried": "Weekly reading circles with bilingual texts for forty newcomer students.",
    "What happened for students": "Thirty-one of forty students moved up at least one reading level.",
    "What we learned": "Talking in the home language first made students braver readers in English.",
    "What we would change": "Start in September and invite families from the first circle.",
}


@pytest.fixture
def cast(factory):
    """An approved grant (decided by both sides' co-chairs, award set) of a two-person team."""
    school = factory.school("Mather Elementary", SchoolLevel.ELEMENTARY)
    lead = factory.user("educator", name="Lena Lead", email="lena@example.org", school=school)
    member = factory.user("educator", name="Max Member", email="max@example.org", school=school)
    staff = factory.user("staff", name="Stan Staff", email="stan@example.org")
    btu = factory.user("co_chair", "reviewer", name="Carla Chair", email="carla@example.org", side="BTU")
    bps = factory.user("co_chair", "reviewer", name="Colin Chair", email="colin@example.org", side="BPS")
    team = factory.team(lead, member, name="Mather Readers", school=school)
    cycle = factory.cycle("2026-27 Teacher Leadership Fund", reviews_per_side=1)
    proposal = factory.proposal(team, cycle, state=S.APPROVED, title=TITLE, amount=str(AWARD))
    for reviewer in (btu, bps):
        factory.review(factory.assign(proposal, reviewer, staff))
    factory.decision(proposal, btu, award=str(AWARD), confirmed_by=bps)
    proposal.award = AWARD
    proposal.feedback = "A strong plan. Share your reading logs widely."
    proposal.decided_at = clock.now()
    # The taxonomy staff manage (the survey's and the catalog's), which the summary is tagged from.
    tag_terms({TermKind.TOPIC: ["Literacy", "Multilingual learners", "Math"], TermKind.GRADE_BAND: ["PK-2", "3-5"],
               TermKind.SUBJECT: ["ELA", "ESL"]})
    db.session.commit()
    return {"lead": lead, "member": member, "staff": staff, "proposal_id": proposal.id, "cycle": cycle}


@pytest.fixture
def url(app):
    def build(endpoint: str, **values) -> str:
        with app.test_request_context():
            return url_for(endpoint, **values)

    return build


def _proposal(pid: int) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, pid)


def _flash(page) -> str:
    return " ".join(page.locator(".flash-messages").all_inner_texts()) or page.locator("main").inner_text()[:600]


def test_from_approval_to_a_summary_the_public_finds(cast, visitor, url):
    pid = cast["proposal_id"]

    # 1. The team lead reads the grant agreement and accepts it.
    lead = visitor(cast["lead"])
    page = lead.page
    lead.goto(url("grants.agreement", proposal_id=pid))
    main = page.locator("main")
    assert "$10,000.00" in main.inner_text(), "the agreement states the award"
    page.get_by_label("I accept on behalf of the team").check()
    lead.click(page.get_by_role("button", name="Accept the grant agreement"))
    p = _proposal(pid)
    assert p.agreement_accepted_at is not None and p.agreement_accepted_by_id == cast["lead"].id, _flash(page)

    # 2. Staff activate the grant from the case page; it takes the cycle's report dates.
    staff = visitor(cast["staff"])
    spage = staff.page
    staff.goto(url("proposals.show", proposal_id=pid))
    actions = spage.get_by_role("region", name="What you can do now")
    staff.click(actions.get_by_role("button", name="Activate grant"))
    p = _proposal(pid)
    assert p.state is S.ACTIVE, _flash(spage)
    assert (p.progress_report_due, p.final_report_due) == (cast["cycle"].progress_report_due,
                                                           cast["cycle"].final_report_due)

    # 3. A team member logs an expenditure with a receipt.
    member = visitor(cast["member"])
    mpage = member.page
    member.goto(url("grants.new_expenditure", proposal_id=pid))
    mpage.get_by_label("Date of the purchase or payment").fill(clock.today().isoformat())
    mpage.get_by_label("Paid to").fill("Frugal Bookstore")
    line = mpage.get_by_label("Budget line")
    books = next(o for o in line.locator("option").all_inner_texts() if "Books" in o)
    line.select_option(label=books)
    mpage.get_by_label("Amount ($)").fill("1,250.50")
    mpage.get_by_label("Receipt (PDF, JPEG or PNG)").set_input_files(
        {"name": "receipt.png", "mimeType": "image/png", "buffer": bar_chart([(40, 60)])})
    mpage.get_by_label("Note (optional)").fill("Twenty bilingual picture books")
    member.click(mpage.get_by_role("button", name="Log the expenditure"))
    spent = db.session.scalars(select(Expenditure).where(Expenditure.proposal_id == pid)).all()
    assert len(spent) == 1, _flash(mpage)
    assert spent[0].amount == Decimal("1250.50") and spent[0].payee == "Frugal Bookstore"
    assert spent[0].receipt_content_type == "image/png" and spent[0].recorded_by_id == cast["member"].id
    assert spent[0].budget_line.category.value == "books"
    member.goto(url("grants.spending", proposal_id=pid))
    assert "$1,250.50" in mpage.locator("main").inner_text()
    assert "Submitted: awaiting approval" in mpage.locator("main").inner_text()

    # ... program staff approve it against its receipt and record the payment on their Reimbursements page ...
    staff.goto(url("payments.index"))
    staff.click(spage.get_by_role("button", name=re.compile("^Approve for payment")))
    staff.goto(url("payments.index", show="payment"))
    staff.click(spage.get_by_role("button", name=re.compile("^Record payment")))
    db.session.expire_all()
    assert db.session.get(Expenditure, spent[0].id).state is PaymentState.PAID, _flash(spage)
    member.goto(url("grants.spending", proposal_id=pid))
    assert "Paid" in mpage.locator(f"#expenditure-{spent[0].id}").inner_text()

    # 4. The lead writes the final report ...
    lead.goto(url("grants.final_report", proposal_id=pid))
    for label, text in REPORT.items():
        page.get_by_label(label, exact=True).fill(text)
    lead.click(page.get_by_role("button", name="Save the report"))
    report = _proposal(pid).final_report
    assert report is not None and not report.missing_sections(), _flash(page)

    # ... and the learning summary in Markdown, with tags ...
    lead.goto(url("summaries.edit", proposal_id=pid))
    page.get_by_label("Title").fill(SUMMARY_TITLE)
    page.get_by_label("What your team learned (Markdown)").fill(SUMMARY_BODY)
    for legend, value in (("Topics", "Literacy"), ("Topics", "Multilingual learners"),
                          ("Grade bands", "3-5"), ("Subjects", "ESL")):
        page.get_by_role("group", name=legend).get_by_label(value, exact=True).check()
    lead.click(page.get_by_role("button", name="Save the summary"))
    summary = _proposal(pid).learning_summary
    assert summary is not None and summary.title == SUMMARY_TITLE, _flash(page)
    assert sorted(t.name for t in summary.tags) == ["3-5", "ESL", "Literacy", "Multilingual learners"]

    # ... gives the team's consent to publish ...
    page.get_by_label(re.compile("I consent to publishing")).check()
    lead.click(page.get_by_role("button", name="Give consent"))
    assert _proposal(pid).learning_summary.consent_given_at is not None, _flash(page)

    # ... and submits the final report.
    lead.goto(url("grants.final_report", proposal_id=pid))
    lead.click(page.get_by_role("button", name="Submit final report"))
    assert page.get_by_role("heading", name="Are you sure?").is_visible()  # nothing sent yet
    lead.click(page.get_by_role("button", name="Confirm: submit final report"))
    assert _proposal(pid).state is S.FINAL_REPORT_SUBMITTED, _flash(page)

    # 5. Staff accept the report, run the privacy check and publish.
    staff.goto(url("grants.final_report", proposal_id=pid))
    staff.click(spage.get_by_role("button", name="Accept report"))
    staff.click(spage.get_by_role("button", name="Confirm: accept report"))
    assert _proposal(pid).state is S.COMPLETED, _flash(spage)
    staff.goto(url("summaries.privacy", proposal_id=pid))
    staff.click(spage.get_by_role("button", name="Run the privacy check"))
    summary = _proposal(pid).learning_summary
    assert summary.privacy_checked_at is not None and summary.open_flag_count == 0, _flash(spage)
    staff.goto(url("proposals.show", proposal_id=pid))
    actions = spage.get_by_role("region", name="What you can do now")
    staff.click(actions.get_by_role("button", name="Publish summary"))
    staff.click(spage.get_by_role("button", name="Confirm: publish summary"))
    p = _proposal(pid)
    assert p.state is S.PUBLISHED, _flash(spage)
    slug = p.learning_summary.slug
    assert slug and p.learning_summary.published_at is not None

    # 6. Someone who never signed in finds it by searching the gallery, and opens it.
    public = visitor()
    ppage = public.page
    public.goto(url("gallery.index"))
    assert ppage.get_by_role("link", name="Sign in").count() >= 1 or "Sign in" in ppage.content()
    ppage.get_by_label("Search the summaries").fill("newcomers home language")  # words of the title and of the text
    public.click(ppage.get_by_role("button", name="Search"))
    assert "q=newcomers" in ppage.url
    results = ppage.locator("main")
    result = results.get_by_role("link", name=SUMMARY_TITLE)
    assert result.count() == 1, results.inner_text()[:800]
    public.click(result)
    assert ppage.url.endswith(f"/learning/{slug}")
    assert ppage.get_by_role("heading", level=1).inner_text().strip() == SUMMARY_TITLE
    body = ppage.locator("main")
    assert body.get_by_role("heading", name="What we learned").count() == 1  # Markdown became HTML
    assert body.locator("li", has_text="home language").count() == 1
    link = body.get_by_role("link", name="district's library pages")
    assert link.get_attribute("href") == "https://www.bostonpublicschools.org/"
    text = body.inner_text()
    assert "$1,250.50" not in text and "Frugal Bookstore" not in text, "spending is never public"
    assert "lena@example.org" not in text and "max@example.org" not in text

    # The whole way is on the record, each step by the person who took it.
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_type == "proposal", AuditEvent.case_id == pid)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    moves = [(e.trigger, e.to_state) for e in events if e.is_transition]
    assert moves == [("activate", "active"), ("submit_final_report", "final_report_submitted"),
                     ("accept_report", "completed"), ("publish", "published")]
    by = {e.trigger: e.actor_id for e in events}
    assert by["accept_agreement"] == cast["lead"].id and by["log_expenditure"] == cast["member"].id
    assert by["activate"] == by["accept_report"] == by["publish"] == by["privacy_check"] == cast["staff"].id
    assert by["consent_to_publish"] == by["submit_final_report"] == cast["lead"].id
    assert p.activated_at is not None and clock.local(p.activated_at).date() <= clock.today() + timedelta(days=1)
