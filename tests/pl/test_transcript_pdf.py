"""The PL transcript PDF: what a reader finds in it, its title and tags, and who may download whose."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.extensions import db
from app.models import PLRequestState
from tests.pdfs import pdf_is_tagged, pdf_lang, pdf_text, pdf_title

S = PLRequestState


def _record(factory, world):
    world.lead.license_cycle_starts_on = date(2024, 9, 1)
    factory.pl_request(world.lead, S.COMPLETED, title="Orton-Gillingham Classroom Educator course",
                       provider_name="Institute for Multi-Sensory Education", starts_on=date(2025, 7, 14),
                       ends_on=date(2025, 7, 18), hours_completed=Decimal("30.00"), pdps_earned=30)
    factory.pl_request(world.lead, S.COMPLETED, title="Early literacy seminar", provider_name="Lesley University",
                       starts_on=date(2023, 3, 4), ends_on=date(2023, 3, 4), hours_completed=Decimal("6.50"),
                       pdps_earned=6)
    o = factory.opportunity("Culturally responsive read-alouds", hours="2.5", pdps=3, starts_in_days=-20)
    factory.registration(o, world.lead, attended=True)
    db.session.commit()


def test_the_transcript_pdf_holds_what_the_page_shows(browser, world, factory):
    _record(factory, world)
    browser.login(world.lead)
    resp = browser.get("/pl/transcript.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert 'attachment; filename=pl-transcript-lena-lead.pdf' in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "private, no-store"
    body = resp.data
    text = pdf_text(body)
    for expected in ("Professional learning transcript", "Lena Lead", "Mather Elementary",
                     "Orton-Gillingham Classroom Educator course", "Sensory Education",  # the column wraps "Multi-"
                     "Jul 14, 2025 – Jul 18, 2025", "Early literacy seminar", "Culturally responsive read-alouds",
                     "Boston Teachers Union", "September 1, 2024 to August 31, 2029",
                     "33 of 150; 117 more needed", "3 entries, 39 hours, 39 PDPs", "Total 39 39"):
        assert expected in text, expected
    assert pdf_title(body) == "PL transcript: Lena Lead"
    assert pdf_lang(body) == "en" and pdf_is_tagged(body)


def test_staff_and_the_school_leader_download_it_others_do_not(browser, world, factory):
    _record(factory, world)
    for who in (world.staff, world.school_leader):
        browser.reset().login(who)
        resp = browser.get(f"/people/{world.lead.id}/transcript.pdf")
        assert resp.status_code == 200
        assert "Orton-Gillingham Classroom Educator course" in pdf_text(resp.data)
    for who in (world.member, world.co_chair_btu, world.reviewer_btu):
        browser.reset().login(who)
        assert browser.get(f"/people/{world.lead.id}/transcript.pdf").status_code == 403


def test_an_empty_transcript_pdf_and_markup_in_titles(browser, world, factory):
    browser.login(world.member)
    text = pdf_text(browser.get("/pl/transcript.pdf").data)
    assert "No completed professional learning is on record yet." in text and "0 of 150" in text
    assert "start not recorded" in text
    factory.pl_request(world.member, S.COMPLETED, title='<b>Bold</b> & "quoted" course', provider_name="A<B")
    db.session.commit()
    text = pdf_text(browser.get("/pl/transcript.pdf").data)
    assert '<b>Bold</b> & "quoted" course' in text and "A<B" in text
