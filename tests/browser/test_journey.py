"""The main journey in Chromium: from a team's draft to a joint decision and the decision letter.

A team lead drafts and submits; staff assign one reviewer per side and begin review; both
reviewers score every criterion; the BTU co-chair records an approval with an award; the BPS
co-chair confirms; the team sees the decision and downloads the letter. Every page on the way is
checked with axe.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from flask import url_for
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Decision, Proposal, ProposalState, ReviewStatus, SchoolLevel

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

TITLE = "Reading circles for multilingual newcomers"
SECTIONS = {
    "The challenge": "Our newcomer students are not yet reading on grade level in English.",
    "The students it concerns": "Forty grade 3-5 multilingual learners in their first two years in Boston.",
    "Plan": "Weekly reading circles with bilingual texts, led by a classroom teacher and an ESL teacher.",
    "How success is measured": "Reading levels in September and May, and students' own reading logs.",
    "How the team will share its learning": "A faculty meeting in June and a public learning summary.",
    "Timeline": "Planning in September, circles October to May, sharing in June.",
}
BUDGET = [
    ("Books and curriculum", "Bilingual classroom libraries", "6000.00"),
    ("Educator stipends", "Planning time for two teachers", "4000.00"),
]
REQUEST = "10000.00"
AWARD = "9500.00"


@pytest.fixture
def cast(factory):
    school = factory.school("Mather Elementary", SchoolLevel.ELEMENTARY)
    people = {
        "lead": factory.user("educator", name="Lena Lead", email="lena@example.org", school=school),
        "member": factory.user("educator", name="Max Member", email="max@example.org", school=school,
                               job_title="ESL / multilingual learner teacher"),
        "staff": factory.user("staff", name="Stan Staff", email="stan@example.org"),
        "reviewer_btu": factory.user("reviewer", name="Rita Btu", email="rita@example.org", side="BTU"),
        "reviewer_bps": factory.user("reviewer", name="Ray Bps", email="ray@example.org", side="BPS"),
        "co_chair_btu": factory.user("co_chair", name="Carla Chair", email="carla@example.org", side="BTU"),
        "co_chair_bps": factory.user("co_chair", name="Colin Chair", email="colin@example.org", side="BPS"),
    }
    people["team"] = factory.team(people["lead"], people["member"], name="Mather Readers", school=school)
    people["cycle"] = factory.cycle("2026-27 Teacher Leadership Fund", reviews_per_side=1)
    db.session.commit()
    return people


@pytest.fixture
def url(app):
    def build(endpoint: str, **values) -> str:
        with app.test_request_context():
            return url_for(endpoint, **values)

    return build


def _proposal() -> Proposal:
    db.session.expire_all()
    found = db.session.scalars(select(Proposal).where(Proposal.title == TITLE)).all()
    assert len(found) == 1, f"expected one proposal titled {TITLE!r}, found {len(found)}"
    return found[0]


def _flash(page) -> str:
    return " ".join(page.locator(".flash-messages").all_inner_texts())


def test_from_draft_to_joint_decision_and_letter(cast, visitor, url):
    # 1. The team lead starts a draft for the team in the open cycle.
    lead = visitor(cast["lead"])
    lead.goto(url("proposals.new"))
    page = lead.page
    page.get_by_label("Team").select_option(label="Mather Readers")
    page.get_by_label("Funding cycle").select_option(value=str(cast["cycle"].id))
    lead.click(page.locator("main").get_by_role("button", name=re.compile("start|create", re.I)))
    assert "/edit" in page.url, f"after starting a draft, expected the edit page, got {page.url}"

    # 2. ... fills every section and the budget, and saves.
    page.get_by_label(re.compile("^Action grant")).check()
    page.get_by_label("Title").fill(TITLE)
    for label, text in SECTIONS.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label("Amount requested ($)").fill(REQUEST)
    for i, (category, description, amount) in enumerate(BUDGET):
        row = page.locator(f"#budget_lines-{i}-category")
        row.select_option(label=category)
        page.locator(f"#budget_lines-{i}-description").fill(description)
        page.locator(f"#budget_lines-{i}-amount").fill(amount)
    lead.click(page.get_by_role("button", name="Save draft"))
    p = _proposal()
    assert p.state is ProposalState.DRAFT
    assert p.amount_requested == Decimal(REQUEST) and p.budget_total == Decimal(REQUEST)
    assert p.missing_sections() == []

    # 3. ... and submits it from the case page.
    lead.goto(url("proposals.show", proposal_id=p.id))
    lead.click(page.get_by_role("button", name="Submit proposal"))
    assert page.get_by_role("heading", name="Are you sure?").is_visible() and _proposal().state is ProposalState.DRAFT
    lead.click(page.get_by_role("button", name="Confirm: submit proposal"))
    assert _proposal().state is ProposalState.SUBMITTED, _flash(page)
    assert page.get_by_text("Submitted").first.is_visible()

    # 4. Staff assign one reviewer per side and begin review.
    staff = visitor(cast["staff"])
    staff.goto(url("staff.reviewers", proposal_id=p.id))
    spage = staff.page
    for reviewer in ("Rita Btu", "Ray Bps"):
        spage.get_by_label(re.compile(reviewer)).check()
    staff.click(spage.locator("main").get_by_role("button", name=re.compile("assign", re.I)))
    p = _proposal()
    assert {(a.reviewer.name, a.side.value) for a in p.assignments} == {("Rita Btu", "BTU"), ("Ray Bps", "BPS")}
    staff.goto(url("proposals.show", proposal_id=p.id))
    screening = spage.get_by_role("region", name="Screening (program staff)")
    assert "Each side has its reviewers; review can begin." in screening.inner_text()
    actions = spage.get_by_role("region", name="What you can do now")
    assert actions.get_by_role("button", name="Begin review").count() == 1
    assert spage.get_by_role("button", name="Begin review").count() == 1  # once on the page, not per panel
    staff.click(actions.get_by_role("button", name="Begin review"))
    assert _proposal().state is ProposalState.IN_REVIEW, _flash(spage)

    # 5. Each reviewer scores every criterion and submits.
    for who, score in (("reviewer_btu", "4 – Exemplary"), ("reviewer_bps", "3 – Proficient")):
        reviewer = visitor(cast[who])
        reviewer.goto(url("review.queue"))
        rpage = reviewer.page
        assert rpage.get_by_text(TITLE).first.is_visible(), "the proposal is in the reviewer's queue"
        reviewer.goto(url("review.review", proposal_id=p.id))
        for criterion in cast["cycle"].criteria:
            group = rpage.get_by_role("group", name=re.compile(re.escape(criterion.name)))
            group.get_by_label(score).check()
        rpage.get_by_role("group", name=re.compile("Recommendation")).get_by_label("Fund", exact=True).check()
        rpage.get_by_label("Overall comments").fill("A focused plan with a clear way to share it.")
        reviewer.click(rpage.get_by_role("button", name="Submit review"))
        reviewer.click(rpage.get_by_role("button", name="Confirm: submit review"))  # "Are you sure?"
        assignment = next(a for a in _proposal().assignments if a.reviewer_id == cast[who].id)
        assert assignment.status is ReviewStatus.SUBMITTED, _flash(rpage)
        assert len([s for s in assignment.scores if s.score]) == len(cast["cycle"].criteria)

    # 6. The BTU co-chair records an approval with an award.
    carla = visitor(cast["co_chair_btu"])
    carla.goto(url("committee.decide", proposal_id=p.id))
    cpage = carla.page
    cpage.get_by_role("group", name=re.compile("Outcome")).get_by_label("Approve", exact=True).check()
    cpage.get_by_label("Award (approvals only)").fill(AWARD)
    cpage.get_by_label("Feedback to the team").fill("A strong plan. Share your reading logs widely.")
    carla.click(cpage.get_by_role("button", name="Record decision"))
    p = _proposal()
    assert p.state is ProposalState.IN_REVIEW, "one side alone does not decide"
    decision = db.session.scalars(select(Decision).where(Decision.proposal_id == p.id)).one()
    assert (decision.outcome.value, decision.award, decision.proposed_side.value) == ("approve", Decimal(AWARD), "BTU")
    panel = cpage.get_by_role("region", name="Joint decision")
    assert "A decision is waiting for confirmation." in panel.inner_text()
    assert "waiting for the other side's co-chair (BPS) to confirm" in panel.inner_text()
    assert panel.get_by_role("button", name=re.compile("^Confirm")).count() == 0, "the recorder's side cannot confirm"

    # 7. The BPS co-chair confirms it: only now the proposal is approved.
    colin = visitor(cast["co_chair_bps"])
    colin.goto(url("committee.decide", proposal_id=p.id))
    bpage = colin.page
    colin.click(bpage.get_by_role("region", name="Joint decision").get_by_role("button", name="Confirm: Approve"))
    p = _proposal()
    assert p.state is ProposalState.APPROVED, _flash(bpage)
    assert p.award == Decimal(AWARD)

    # 8. The team lead sees the decision and the award on the case page ...
    lead.goto(url("proposals.show", proposal_id=p.id))
    main = page.locator("main")
    assert main.get_by_text("Approved").first.is_visible()
    assert "$9,500.00" in main.inner_text()

    # ... and downloads the decision letter.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("decision letter", re.I)).click()
    download = info.value
    path = download.path()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF"), "the decision letter is a PDF"
    text = " ".join(pg.extract_text() for pg in PdfReader(io.BytesIO(data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert TITLE in text
    assert "$9,500.00" in text

    # The whole way is on the record: one event per transition, in order.
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == p.id, AuditEvent.case_type == "proposal")
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    moves = [(e.trigger, e.to_state) for e in events if e.is_transition]
    assert moves == [("submit", "submitted"), ("begin_review", "in_review"), ("approve", "approved")]
