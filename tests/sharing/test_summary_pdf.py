"""The learning summary PDF: what a reader finds in it, who may download it, and the public entry point."""
from __future__ import annotations

import pytest
from flask import current_app

from app.extensions import db
from app.models import ProposalState
from app.sharing import summaries
from tests.pdfs import pdf_is_tagged, pdf_lang, pdf_text, pdf_title

S = ProposalState
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BODY = """## What we tried

Family literacy nights in **five languages**, with [our guide](https://example.org/guide).

- Haitian Creole
- Spanish
"""


def _summary(factory, p, **kw):
    s = factory.summary(
        p, title=kw.pop("title", "Family literacy nights in five languages"), body=kw.pop("body", BODY),
        tags={"topic": ["Family engagement", "Literacy"], "grade_band": ["3-5"], "subject": ["ELA"]},
        artifacts=[("family-night-agenda.pdf", "The agenda we used each night", PDF)], **kw)
    db.session.commit()
    return s


def test_the_summary_pdf_holds_title_text_tags_facts_and_artifacts(browser, world, factory):
    p = world.proposals[S.ACTIVE]
    _summary(factory, p)
    browser.login(world.member)
    resp = browser.get(f"/proposals/{p.id}/summary.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "private, no-store"
    body = resp.data
    text = pdf_text(body)
    assert "Family literacy nights in five languages" in text
    assert "What we tried" in text and "five languages" in text and "Haitian Creole" in text
    assert "**" not in text and "##" not in text  # Markdown rendered, not printed raw
    for expected in ("Family engagement, Literacy", "3-5", "ELA", "Elementary", "Action grant", "Mather Readers",
                     "Mather Elementary", "family-night-agenda.pdf", "The agenda we used each night"):
        assert expected in text, expected
    assert "lead@example.org" not in text and "$" not in text  # no emails, no money
    assert pdf_title(body) == "Learning summary: Family literacy nights in five languages"
    assert pdf_lang(body) == "en" and pdf_is_tagged(body)


def test_staff_get_the_pdf_and_others_do_not(browser, world, factory):
    p = world.proposals[S.COMPLETED]
    _summary(factory, p)
    browser.login(world.staff)
    assert browser.get(f"/proposals/{p.id}/summary.pdf").status_code == 200
    for who in (world.outsider, world.reviewer_btu, world.co_chair_btu):
        browser.reset().login(who)
        assert browser.get(f"/proposals/{p.id}/summary.pdf").status_code == 403


def test_markup_in_the_title_and_body_is_printed_as_text(browser, world, factory):
    p = world.proposals[S.ACTIVE]
    _summary(factory, p, title='<script>alert("t")</script> Nights', body="<b>raw</b> and <img src=x onerror=alert(1)>")
    browser.login(world.lead)
    text = pdf_text(browser.get(f"/proposals/{p.id}/summary.pdf").data)
    assert '<script>alert("t")</script> Nights' in text
    assert "<b>raw</b> and <img src=x onerror=alert(1)>" in text


def test_the_public_entry_point_renders_only_a_published_summary(world, factory):
    p = world.proposals[S.PUBLISHED]
    s = _summary(factory, p, consented=True, checked=True)
    with pytest.raises(LookupError):
        summaries.render_published_pdf(s)
    s.slug, s.published_at = "family-literacy-nights-in-five-languages", s.privacy_checked_at
    db.session.commit()
    text = pdf_text(summaries.render_published_pdf(s))
    assert "Family literacy nights in five languages" in text and "family-night-agenda.pdf" in text
    # its public address in full, from PUBLIC_BASE_URL (a printed page has no site to be relative to)
    assert current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/learning/family-literacy-nights-in-five-languages" in text
