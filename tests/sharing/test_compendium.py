"""The annual compendium at /learning/<year>.pdf: what a reader finds in it (a cover, contents whose page
numbers are the summaries' pages, one bookmark per summary, each summary's team, schools, tags and files),
what never appears in it, and that it is made once per version of the year's set."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from flask import current_app
from pypdf import PdfReader

from app.core import changes, clock, pdf_engine
from app.extensions import db
from app.models import CompendiumPdf, FlagKind, FlagStatus, PrivacyFlag, ProposalState, TermKind
from app.models.sharing import unique_slug
from app.sharing import compendium
from tests.access.gallery import PNG, place_summary
from tests.pdfs import pdf_is_tagged, pdf_lang, pdf_title

S = ProposalState
LONG = "\n\n".join(f"## Part {i}\n\n" + "Families read with their children every week. " * 40 for i in range(1, 4))


@pytest.fixture
def shelf(world, factory):
    """Three summaries published in 2025 (the second runs over several pages), one of 2024, one unpublished
    after publication in 2025, one never published."""
    cycle = factory.cycle("Compendium cycle")

    def summary(title, published_at, state=S.PUBLISHED, **kw):
        lead = factory.user("educator", email=f"{title.split()[0].lower()}@example.org", school=world.school)
        team = factory.team(lead, factory.user("educator", school=world.other_school), name=f"{title} team")
        proposal = factory.proposal(team, cycle, state=state, title=f"{title} (the proposal)")
        return place_summary(proposal, title=title, published_at=published_at,
                             slug=title.lower().replace(" ", "-") if published_at else None, **kw)

    first = summary("Reading circles", datetime(2025, 3, 2, 15, tzinfo=UTC),
                    tags={TermKind.TOPIC: ["Literacy"], TermKind.GRADE_BAND: ["3-5"], TermKind.SUBJECT: ["ELA"]},
                    artifacts=(("reading-log.png", PNG),))
    long = summary("Family math nights", datetime(2025, 6, 9, 15, tzinfo=UTC), body=LONG,
                   tags={TermKind.TOPIC: ["Family engagement"], TermKind.SUBJECT: ["Math"]})
    last = summary("Robotics club", datetime(2025, 12, 31, 23, 30, tzinfo=UTC))  # Dec 31, 6:30 pm in Boston
    other_year = summary("Garden science", datetime(2024, 5, 1, 15, tzinfo=UTC))
    gone = summary("Unpublished story", datetime(2025, 4, 1, 15, tzinfo=UTC), state=S.COMPLETED)
    summary("Draft notes", None, state=S.COMPLETED)
    db.session.add(PrivacyFlag(summary=first, kind=FlagKind.PHONE, match="617-555-0100", status=FlagStatus.OVERRIDDEN,
                               override_reason="Staff note: the school's main line, kept on purpose."))
    db.session.commit()
    return {"first": first, "long": long, "last": last, "gone": gone, "other_year": other_year}


@pytest.fixture
def renders(monkeypatch):
    """How many PDFs WeasyPrint actually made."""
    count = {"pdf": 0}
    write = pdf_engine.write

    def counted(*args, **kwargs):
        count["pdf"] += 1
        return write(*args, **kwargs)

    monkeypatch.setattr(pdf_engine, "write", counted)
    return count


def _pages(body: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(io.BytesIO(body)).pages]


def test_the_compendium_a_reader_opens(browser, shelf, renders):
    resp = browser.get("/learning/2025.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf" and renders["pdf"] == 1
    body = resp.data
    assert pdf_title(body) == "Learning summaries of 2025: Teacher Leadership Fund compendium"
    assert pdf_lang(body) == "en" and pdf_is_tagged(body)
    pages = _pages(body)
    text = " ".join(pages)
    titles = ["Reading circles", "Family math nights", "Robotics club"]  # in the order they were published

    # The cover, then the contents: each summary's page number is the page its summary starts on.
    assert "What we learned, 2025" in pages[0] and "3 learning summaries published in 2025" in pages[0]
    contents = text[text.index("Contents"):]
    numbers = [int(re.search(re.escape(f"{t} ({t} team)") + r"[ .]*page (\d+)", contents).group(1)) for t in titles]
    for title, number in zip(titles, numbers, strict=True):
        assert pages[number - 1].count(title) >= 1 and "Team " + f"{title} team" in pages[number - 1], title
    assert numbers == sorted(numbers) and numbers[2] - numbers[1] > 1  # the long one runs over pages

    # One bookmark per summary, in order, each pointing at its page (and nothing else bookmarked).
    reader = PdfReader(io.BytesIO(body))
    outline = reader.outline
    assert [item.title for item in outline] == titles
    assert [reader.get_destination_page_number(item) + 1 for item in outline] == numbers

    # Each summary with its team, schools, tags and shared files (names and public addresses).
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    first = shelf["first"]
    for expected in ("Reading circles team", "Boston Latin Academy (High); Mather Elementary (Elementary)",
                     "Topics Literacy", "Grade bands 3-5", "Subjects ELA", "reading-log.png",
                     f"{base}/learning/reading-circles/artifacts/{first.artifacts[0].id}",
                     f"{base}/learning/reading-circles", "Family engagement", "Part 3"):
        assert expected in text, expected

    # Never: another year's, an unpublished or a draft summary, people's emails, privacy notes, money.
    for absent in ("Garden science", "Unpublished story", "Draft notes", "@example.org", "Staff note",
                   "(the proposal)", "$"):
        assert absent not in text, absent


def test_made_once_per_version_of_the_years_set_with_validators(browser, shelf, renders):
    url = "/learning/2025.pdf"
    first = browser.get(url)
    assert first.status_code == 200 and renders["pdf"] == 1
    assert first.headers["ETag"] and first.headers["Last-Modified"] and "no-cache" in first.headers["Cache-Control"]
    # Another visitor: the stored PDF, not rendered again; the same visitor: 304.
    second = browser.get(url)
    assert second.data == first.data and renders["pdf"] == 1
    assert browser.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert browser.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304

    # Another year's summary changes: this year's PDF stays as it is.
    shelf["other_year"].title = "Garden science, revised"
    db.session.commit()
    assert browser.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert browser.get(url).data == first.data and renders["pdf"] == 1

    # A summary of the year is unpublished: a new version, made once, without it.
    shelf["last"].proposal.state = S.COMPLETED
    db.session.commit()
    changed = browser.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and renders["pdf"] == 2
    assert "Robotics club" not in " ".join(_pages(changed.data))
    assert browser.get(url).data == changed.data and renders["pdf"] == 2
    assert db.session.query(CompendiumPdf).filter_by(year=2025).count() == 1


def test_a_year_without_published_summaries_is_404_with_a_reason(browser, shelf):
    for year in ("2019", "0999"):
        resp = browser.get(f"/learning/{year}.pdf")
        assert resp.status_code == 404
        assert "No learning summary was published in" in resp.get_data(as_text=True)
    assert browser.get("/learning/reading-circles.pdf").status_code == 200  # a summary's own PDF still


def test_the_gallery_links_each_years_compendium(browser, shelf):
    html = browser.get("/learning").get_data(as_text=True)
    assert 'href="/learning/2025.pdf"' in html and 'href="/learning/2024.pdf"' in html
    assert "(3 summaries)" in html


def test_a_summary_titled_with_a_year_gets_a_slug_that_is_not_one(world):
    assert unique_slug("2025") == "learning-summary-2025"


def test_a_compendium_stored_meanwhile_by_another_worker_is_not_an_error(shelf, monkeypatch):
    """Two workers make the same new version at once: this one's insert meets the row the other stored first
    (the primary key refuses it). It serves the PDF it made, and the other's row stays."""
    found = compendium.version(2025)
    real_store, real_get = changes.keep_made, db.session.get

    def the_other_worker_stores_first(model, year, key, body):
        db.session.add(CompendiumPdf(year=year, version=key, body=b"%PDF- theirs", made_at=clock.now()))
        db.session.commit()
        monkeypatch.setattr(db.session, "get", lambda model, k: None if model is CompendiumPdf else real_get(model, k))
        real_store(model, year, key, body)

    monkeypatch.setattr(compendium, "render", lambda year: b"%PDF- ours")
    monkeypatch.setattr(changes, "keep_made", the_other_worker_stores_first)
    assert compendium.pdf_for(found) == b"%PDF- ours"
    monkeypatch.undo()
    assert db.session.query(CompendiumPdf.body).filter_by(year=2025).scalar() == b"%PDF- theirs"
    assert compendium.pdf_for(found) == b"%PDF- theirs"  # the stored version is this one: served as is
