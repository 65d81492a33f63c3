"""The PL transcript pages: what an educator reads, the licensure cycle form and its bad input, and what
staff and school leaders see of other educators' transcripts."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.core import clock
from app.extensions import db
from app.models import PLRequestState, ProviderKind
from tests.sqlcount import statements as counting

S = PLRequestState


def _complete(factory, who, title, days_ago, hours="12.00", pdps=12, provider="Lesley University"):
    end = clock.today() - timedelta(days=days_ago)
    return factory.pl_request(who, S.COMPLETED, title=title, provider_name=provider, starts_on=end - timedelta(days=1),
                              ends_on=end, hours_completed=Decimal(hours), pdps_earned=pdps)


@pytest.fixture
def record(world, factory):
    """Two completed requests and one attended workshop for ``world.lead``."""
    _complete(factory, world.lead, "Orton-Gillingham Classroom Educator course", 200, "30.00", 30,
              provider="Institute for Multi-Sensory Education")
    _complete(factory, world.lead, "Teaching math through problem solving", 40, "7.50", 8)
    o = factory.opportunity("Culturally responsive read-alouds", hours="2.5", pdps=3, starts_in_days=-20)
    factory.registration(o, world.lead, attended=True)
    factory.pl_request(world.lead, S.APPROVED, title="Still to come")
    db.session.commit()
    return world.lead


def _text(resp) -> str:
    return re.sub(r"\s+", " ", resp.get_data(as_text=True))


def test_an_educator_reads_their_transcript(browser, record):
    browser.login(record)
    resp = browser.get("/pl/transcript")
    assert resp.status_code == 200
    page = _text(resp)
    assert "<h1>My PL transcript</h1>" in page and page.count("<h1") == 1
    assert 'id="error-summary"' not in page
    for words in ("Orton-Gillingham Classroom Educator course", "Institute for Multi-Sensory Education",
                  "Teaching math through problem solving", "Culturally responsive read-alouds",
                  "Boston Teachers Union"):
        assert words in page, words
    assert "Still to come" not in page  # approved, not completed
    assert "3 entries · 40 hours · 41 PDPs in all." in page
    assert "41 of 150 PDPs" in page and "109 more needed." in page
    assert re.search(r'<progress id="pdp-progress"[^>]*max="150" value="41"', page)
    assert '<label for="pdp-progress"' in page
    assert "You have not said when your licensure cycle started" in page
    # Newest first: the workshop (20 days ago), then the math course, then Orton-Gillingham.
    assert page.index("read-alouds") < page.index("Teaching math") < page.index("Orton-Gillingham Classroom")
    assert '<caption>Completed PL, newest first, with hours and PDPs</caption>' in page
    assert 'href="/pl/transcript.pdf"' in page
    assert 'action="/pl/transcript/cycle"' in page


def test_setting_the_cycle_start_moves_the_window(browser, world, record):
    browser.login(record)
    start = clock.today() - timedelta(days=100)
    resp = browser.post("/pl/transcript/cycle", {"starts_on": start.isoformat()}, token_from="/pl/transcript")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/pl/transcript")
    page = _text(browser.get("/pl/transcript"))
    assert f"Your licensure cycle now counts from {start:%B %-d, %Y}." in page
    end = start.replace(year=start.year + 5) - timedelta(days=1)
    assert f"from {start:%B %-d, %Y} to {end:%B %-d, %Y}" in page
    assert "11 of 150 PDPs" in page and f"139 more needed by {end:%B %-d, %Y}." in page  # 200 days ago is outside
    assert "You have not said" not in page
    assert f'value="{start.isoformat()}"' in page  # the form shows the saved date
    db.session.refresh(world.lead)
    assert world.lead.license_cycle_starts_on == start


@pytest.mark.parametrize("typed,message", [
    ("", "Enter the date your current licensure cycle started."),
    ("last spring", "“last spring” is not a date. Enter it as year-month-day"),
    ("2999-01-01", "The start of your licensure cycle cannot be in the future"),
    ("1985-09-01", "Enter a date from January 1, 1990 on."),
])
def test_bad_cycle_dates_are_refused_with_the_input_kept(browser, world, record, typed, message):
    browser.login(record)
    resp = browser.post("/pl/transcript/cycle", {"starts_on": typed}, token_from="/pl/transcript")
    assert resp.status_code == 422
    page = _text(resp)
    assert 'id="error-summary"' in page and message in page
    assert 'href="#starts_on"' in page  # the summary links to the field
    assert 'aria-invalid="true"' in page
    if typed:
        assert f'value="{typed}"' in page
    assert "Orton-Gillingham Classroom Educator course" in page  # still the whole transcript
    db.session.refresh(world.lead)
    assert world.lead.license_cycle_starts_on is None


def test_staff_and_the_school_leader_read_an_educators_transcript(browser, world, record):
    for who in (world.staff, world.school_leader):
        browser.reset().login(who)
        page = _text(browser.get(f"/people/{world.lead.id}/transcript"))
        assert "<h1>PL transcript: Lena Lead</h1>" in page
        assert "41 of 150 PDPs" in page and "Orton-Gillingham Classroom Educator course" in page
        assert "Lena Lead has not said when their licensure cycle started" in page
        assert 'action="/pl/transcript/cycle"' not in page  # only the educator sets it
        assert f'href="/people/{world.lead.id}/transcript.pdf"' in page


def test_a_school_leader_cannot_read_another_schools_educators(browser, world, record):
    browser.login(world.school_leader)
    resp = browser.get(f"/people/{world.outsider.id}/transcript")
    assert resp.status_code == 403
    assert "own school" in resp.get_data(as_text=True)
    browser.reset().login(world.member)
    resp = browser.get(f"/people/{world.lead.id}/transcript")
    assert resp.status_code == 403 and "Only program staff" in resp.get_data(as_text=True)


def test_an_empty_transcript_says_so(browser, world):
    browser.login(world.member)
    page = _text(browser.get("/pl/transcript"))
    assert "You have no completed PL on record yet." in page
    assert "0 of 150 PDPs" in page and 'value="0"' in page


def test_titles_are_text_not_markup(browser, world, factory):
    _complete(factory, world.lead, '<script>alert("x")</script> Institute', 10, provider="<b>Evil</b> Co")
    db.session.commit()
    browser.login(world.lead)
    page = browser.get("/pl/transcript").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page
    assert "<b>Evil</b>" not in page


def test_a_licence_cycle_already_met_shows_it(browser, world, factory):
    world.lead.license_cycle_starts_on = clock.today() - timedelta(days=400)
    for i in range(4):
        _complete(factory, world.lead, f"Summer institute {i}", 30 + i, "40", 40)
    db.session.commit()
    browser.login(world.lead)
    page = _text(browser.get("/pl/transcript"))
    assert "160 of 150 PDPs" in page and "That meets the 150 PDPs" in page
    assert re.search(r'<progress id="pdp-progress"[^>]*max="150" value="150"', page)


def _fill(factory, who, n):
    paid = factory.opportunity(f"Outside course for {n}", provider_kind=ProviderKind.OUTSIDE, cost="300.00")
    for i in range(n):
        _complete(factory, who, f"Course {n}-{i}", 10 + i, "3", 3)
        factory.pl_request(who, S.COMPLETED, opportunity=paid, starts_on=date(2025, 5, 1), ends_on=date(2025, 5, 2))
        o = factory.opportunity(f"Workshop {n}-{i}", starts_in_days=-30 - i)
        factory.registration(o, who, attended=True)
    db.session.commit()


def test_page_statements_do_not_grow_with_entries(browser, world, factory):
    _fill(factory, world.lead, 2)
    _fill(factory, world.member, 30)
    counts = []
    for who, n in ((world.lead, 6), (world.member, 90)):
        browser.reset().login(who)
        browser.get("/pl/transcript")
        with counting() as seen:
            resp = browser.get("/pl/transcript")
        assert resp.get_data(as_text=True).count("<tr data-entry=") == n
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
