"""The public gallery, its feed, a summary's page and PDF: validators, 304 without rendering, and the PDF
made once per version of the summary."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import changes, clock, pdf_engine
from app.extensions import db
from app.models import ProposalState, SummaryPdf
from app.sharing import gallery
from app.sharing import summaries as summaries_svc
from tests.access.gallery import place_summary
from tests.pdfs import pdf_text

S = ProposalState


@pytest.fixture
def shelf(factory):
    cycle = factory.cycle("Caching cycle")

    def publish(title: str):
        lead = factory.user("educator")
        team = factory.team(lead, factory.user("educator"))
        proposal = factory.proposal(team, cycle, state=S.PUBLISHED, title=f"{title} (the proposal)")
        slug = title.lower().replace(" ", "-")
        summary = place_summary(proposal, title=title, slug=slug, published_at=clock.now() - timedelta(days=1))
        db.session.commit()
        return summary

    first = publish("Reading circles")
    return publish, first


@pytest.fixture
def renders(monkeypatch):
    """How many times each gallery page was actually built."""
    counts = {"page": 0, "feed": 0, "pdf": 0}
    page, newest, write = gallery.gallery_page, gallery.newest, pdf_engine.write

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(gallery, "gallery_page", counted("page", page))
    monkeypatch.setattr(gallery, "newest", counted("feed", newest))
    monkeypatch.setattr(pdf_engine, "write", counted("pdf", write))
    return counts


@pytest.mark.parametrize("url, kind", [("/learning", "page"), ("/learning?q=reading", "page"),
                                       ("/learning/feed.atom", "feed")])
def test_a_visitor_with_the_current_copy_gets_304_and_the_page_is_not_built(browser, shelf, renders, url, kind):
    first = browser.get(url)
    assert first.status_code == 200 and renders[kind] == 1
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"] and "no-store" not in first.headers["Cache-Control"]
    assert "Cookie" in first.headers["Vary"]

    again = browser.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert renders[kind] == 1
    by_date = browser.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304 and renders[kind] == 1
    assert browser.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert renders[kind] == 2


def test_the_validator_changes_with_what_the_gallery_shows_and_with_the_query(browser, shelf):
    publish, first = shelf
    etag = browser.get("/learning").headers["ETag"]
    assert browser.get("/learning?q=reading").headers["ETag"] != etag
    assert browser.get("/learning?page=2").headers["ETag"] != etag

    publish("Math talks")
    after_publish = browser.get("/learning", headers={"If-None-Match": etag})
    assert after_publish.status_code == 200 and "Math talks" in after_publish.get_data(as_text=True)

    etag = after_publish.headers["ETag"]
    first.title = "Reading circles, second edition"
    db.session.commit()
    edited = browser.get("/learning", headers={"If-None-Match": etag})
    assert edited.status_code == 200 and "Reading circles, second edition" in edited.get_data(as_text=True)

    etag = edited.headers["ETag"]
    first.proposal.state = S.COMPLETED  # unpublished
    db.session.commit()
    gone = browser.get("/learning", headers={"If-None-Match": etag})
    assert gone.status_code == 200 and "Reading circles" not in gone.get_data(as_text=True)


def test_a_signed_in_visitor_gets_no_validators_and_the_page_is_not_stored(browser, world, shelf):
    etag = browser.get("/learning").headers["ETag"]
    browser.login(world.lead)
    resp = browser.get("/learning", headers={"If-None-Match": etag})
    assert resp.status_code == 200
    assert "ETag" not in resp.headers and "no-store" in resp.headers["Cache-Control"]


def test_a_summary_page_answers_304_until_the_summary_changes(browser, shelf, renders):
    _, summary = shelf
    url = f"/learning/{summary.slug}"
    first = browser.get(url)
    assert first.status_code == 200
    assert browser.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    summary.body = "What we learned, revised."
    summary.updated_at = clock.now() + timedelta(seconds=5)
    db.session.commit()
    changed = browser.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "What we learned, revised." in changed.get_data(as_text=True)


def test_the_public_pdf_is_made_once_per_version_of_the_summary(browser, shelf, renders):
    _, summary = shelf
    url = f"/learning/{summary.slug}.pdf"
    first = browser.get(url)
    assert first.status_code == 200 and renders["pdf"] == 1
    assert "Reading circles" in pdf_text(first.data)

    # Another visitor (no copy of their own): served from the stored PDF, WeasyPrint is not called.
    second = browser.get(url)
    assert second.status_code == 200 and second.data == first.data and renders["pdf"] == 1
    assert browser.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert renders["pdf"] == 1

    # Edited and published again: a new PDF, made once, and only the latest version is kept.
    summary.title = "Reading circles, second edition"
    summary.published_at = clock.now()
    db.session.commit()
    third = browser.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert third.status_code == 200 and renders["pdf"] == 2
    assert "Reading circles, second edition" in pdf_text(third.data)
    assert browser.get(url).data == third.data and renders["pdf"] == 2
    assert db.session.query(SummaryPdf).filter_by(summary_id=summary.id).count() == 1


def test_a_pdf_stored_meanwhile_by_another_worker_is_not_an_error(shelf, renders, monkeypatch):
    """Two workers make the same new PDF at once: this one looked before the other stored its row, and its
    insert then meets that row (the primary key refuses it). It serves the PDF it made, and the row stays."""
    _, summary = shelf
    real_store, real_get = changes.keep_made, db.session.get

    def the_other_worker_stores_first(model, summary_id, version, body):
        db.session.add(SummaryPdf(summary_id=summary_id, version=version, body=b"%PDF- theirs", made_at=clock.now()))
        db.session.commit()
        monkeypatch.setattr(db.session, "get", lambda model, key: None if model is SummaryPdf else real_get(model, key))
        real_store(model, summary_id, version, body)

    monkeypatch.setattr(changes, "keep_made", the_other_worker_stores_first)
    body = summaries_svc.render_published_pdf(summary)
    assert body.startswith(b"%PDF-1") and renders["pdf"] == 1
    monkeypatch.undo()
    assert db.session.query(SummaryPdf.body).scalar() == b"%PDF- theirs"
