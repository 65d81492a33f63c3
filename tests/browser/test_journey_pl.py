"""ASK and CONNECT in Chromium: from a needs survey to a PL transcript.

An educator answers the needs survey (high need in literacy, grades 3-5), sees a literacy workshop
for grades 3-5 recommended to her, with the reason, and requests it (it is paid, from an outside
provider); her school leader endorses it; a BTU co-chair records the approval and a BPS co-chair
confirms it (the PL budget goes down by its cost); she records her attendance, a reflection, hours and
PDPs, and downloads her PL transcript as a PDF. Every page on the way is checked with axe
(``tests/browser/conftest.py``).
"""
from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import AuditEvent, PLRequest, PLRequestState, ProviderKind, SchoolLevel, TermKind

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

WORKSHOP = "Structured literacy for grades 3-5"
COST = Decimal("450.00")


@pytest.fixture
def cast(factory):
    school = factory.school("Mather Elementary", SchoolLevel.ELEMENTARY)
    educator = factory.user("educator", name="Lena Lead", email="lena@example.org", school=school)
    leader = factory.user("school_leader", name="Sofia Principal", email="sofia@example.org", school=school)
    btu = factory.user("co_chair", name="Carla Chair", email="carla@example.org", side="BTU")
    bps = factory.user("co_chair", name="Colin Chair", email="colin@example.org", side="BPS")
    staff = factory.user("staff", name="Stan Staff", email="stan@example.org")
    topics = [factory.term(n, position=i) for i, n in enumerate(
        ["Culturally responsive teaching", "Literacy", "Math", "Family engagement"])]
    band = factory.term("Grades 3-5", TermKind.GRADE_BAND)
    factory.term("Grades 9-12", TermKind.GRADE_BAND)
    factory.survey(topics, created_by=staff, title="2026-27 PL needs survey")
    workshop = factory.opportunity(WORKSHOP, provider_kind=ProviderKind.OUTSIDE,
                                   provider_name="Institute for Multi-Sensory Education", cost=str(COST),
                                   pdps=15, hours="15.0", terms=[topics[1], band], starts_in_days=20)
    factory.opportunity("Family math nights", provider_kind=ProviderKind.BTU, terms=[topics[2]], starts_in_days=10)
    factory.opportunity("Literacy for grades 9-12 (last spring)", terms=[topics[1]], starts_in_days=-60)
    budget = factory.pl_budget("5000.00")
    db.session.commit()
    return {"educator": educator, "leader": leader, "btu": btu, "bps": bps, "topics": topics,
            "workshop": workshop, "budget": budget, "staff": staff}


def _rate(page, topic: str, rating: int) -> None:
    page.get_by_role("group", name=topic).get_by_label(re.compile(rf"^{rating}:")).check()


def test_survey_to_recommendation_to_request_to_joint_approval_to_transcript(visitor, cast):
    # 1. ASK: the educator answers the needs survey.
    lena = visitor(cast["educator"])
    lena.goto("/survey")
    page = lena.page
    for topic, rating in [("Culturally responsive teaching", 3), ("Literacy", 5), ("Math", 2),
                          ("Family engagement", 1)]:
        _rate(page, topic, rating)
    page.get_by_label("Grades 3-5").check()
    page.get_by_label("Anything else about your learning needs? (optional)").fill(
        "Several of my students are still decoding below grade level.")
    lena.click(page.get_by_role("button", name="Send my answers"))
    assert page.get_by_text(re.compile("answers (were|are) saved|Thank you", re.I)).count() >= 1

    # 2. CONNECT: the catalog recommends the literacy workshop first, and says why.
    lena.goto("/catalog/")
    recommended = page.locator("#recommended-title").locator("xpath=..")
    first = recommended.get_by_role("heading", level=3).first
    assert first.inner_text().strip() == WORKSHOP
    text = recommended.inner_text()
    assert "Literacy" in text and "5 of 5" in text
    assert "last spring" not in text  # past PL is never recommended

    # 3. She requests it: it is paid and from outside the district, so it needs a PL request.
    lena.click(recommended.get_by_role("link", name=WORKSHOP))
    lena.click(page.get_by_role("link", name="Request this PL"))
    assert page.get_by_label("Cost ($)").input_value() in ("450.00", "450")
    page.get_by_label("The need it addresses").select_option(label="Literacy")
    page.get_by_label("Rationale").fill(
        "Structured literacy will help me run daily phonics groups for my grade 4 readers below level.")
    lena.click(page.get_by_role("button", name="Submit request"))
    request = db.session.scalars(select(PLRequest)).one()
    db.session.refresh(request)
    assert request.state is PLRequestState.SUBMITTED
    assert request.cost == COST and request.opportunity_id == cast["workshop"].id
    assert "Submitted" in page.locator("main").inner_text()

    # 4. Her school leader endorses it.
    sofia = visitor(cast["leader"])
    sofia.goto("/pl/queue")
    sofia.click(sofia.page.get_by_role("link", name=WORKSHOP))
    sofia.click(sofia.page.get_by_role("button", name="Endorse"))
    db.session.refresh(request)
    assert request.state is PLRequestState.ENDORSED

    # 5. The co-chairs decide jointly: BTU records, BPS confirms.
    carla = visitor(cast["btu"])
    carla.goto(f"/pl/requests/{request.id}")
    panel = carla.page.locator("#decision-panel")
    panel.get_by_label("Approve").check()
    panel.get_by_label(re.compile("Feedback")).fill("A strong fit with the district's literacy priority.")
    carla.click(panel.get_by_role("button", name="Record decision"))
    db.session.refresh(request)
    assert request.state is PLRequestState.ENDORSED  # one side alone decides nothing
    colin = visitor(cast["bps"])
    colin.goto(f"/pl/requests/{request.id}")
    colin.click(colin.page.get_by_role("button", name="Confirm: Approve"))
    db.session.refresh(request)
    assert request.state is PLRequestState.APPROVED
    assert request.budget_remaining() == Decimal("5000.00")  # this request itself is not counted
    other = PLRequest(requester_id=cast["educator"].id, budget_year=request.budget_year, cost=Decimal("1"))
    assert other.budget_remaining() == Decimal("4550.00")  # ...but it is committed for everyone else

    # 6. She records completion: not before the workshop has ended (what she typed is kept), then after it.
    lena.goto(f"/pl/requests/{request.id}")
    lena.click(page.get_by_role("link", name="Record completion"))
    page.get_by_label("I attended").check()
    page.get_by_label("Reflection").fill("I now run structured phonics groups every morning.")
    page.get_by_label("Hours attended").fill("15")
    page.get_by_label("PDPs earned").fill("40")
    lena.click(page.get_by_role("button", name="Record completion"))
    summary = page.locator("#error-summary").inner_text()
    assert "Record completion after the PL has ended" in summary
    assert "40 PDPs is more than the 15 hours you attended" in summary  # one PDP per clock hour
    assert page.get_by_label("Reflection").input_value() == "I now run structured phonics groups every morning."
    db.session.refresh(request)
    assert request.state is PLRequestState.APPROVED
    workshop = cast["workshop"]
    db.session.refresh(workshop)
    for s in workshop.sessions:  # time passes: the workshop is over
        s.starts_at, s.ends_at = s.starts_at - timedelta(days=30), s.ends_at - timedelta(days=30)
    db.session.commit()
    page.get_by_label("PDPs earned").fill("15")
    lena.click(page.get_by_role("button", name="Record completion"))
    db.session.refresh(request)
    assert request.state is PLRequestState.COMPLETED

    # 6b. Program staff ask her for the certificate; she uploads it; they read it on the request's page.
    stan = visitor(cast["staff"])
    stan.goto(f"/pl/requests/{request.id}")
    stan.page.get_by_label("Note for the educator").fill("Please upload the certificate with your 15 hours.")
    stan.click(stan.page.get_by_role("button", name="Ask the educator for the certificate"))
    lena.goto("/")
    lena.click(page.get_by_role("link", name=WORKSHOP).last)
    assert "Please upload the certificate with your 15 hours." in page.locator("#certificate").inner_text()
    page.get_by_label("Certificate file").set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}])
    lena.click(page.get_by_role("button", name="Upload the certificate"))
    stan.goto(f"/pl/requests/{request.id}")
    assert stan.page.locator("#certificate-file").get_by_role("link", name="certificate.pdf").count() == 1
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "pl_request",
                                                         AuditEvent.case_id == request.id)
                                .order_by(AuditEvent.at, AuditEvent.id)).all()
    assert [e.trigger for e in events if e.is_transition] == ["submit", "endorse", "approve", "complete"]
    assert [e.trigger for e in events if not e.is_transition][-2:] == ["ask_certificate", "upload_certificate"]

    # 7. Her transcript shows it, with the running total toward 150 PDPs, and downloads as a PDF.
    lena.goto("/pl/transcript")
    main = page.locator("main").inner_text()
    assert WORKSHOP in main and "15" in main and "150" in main
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download the transcript (PDF)").click()
    pdf = PdfReader(io.BytesIO(Path(dl.value.path()).read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert WORKSHOP in text and "Lena Lead" in text
    assert pdf.metadata.title and "transcript" in pdf.metadata.title.lower()
    assert clock.today() - timedelta(days=1) <= request.completed_at.date() <= clock.today() + timedelta(days=1)
    assert len(lena.checked) >= 8
