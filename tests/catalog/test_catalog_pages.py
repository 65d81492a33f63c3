"""The PL catalog pages: browse, search and filters, an opportunity's page and .ics, staff create/edit,
CSV import and export, as a visitor, an educator and program staff would use them."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from app.catalog import opportunities as catalog
from app.core import clock
from app.extensions import db
from app.models import Opportunity, PLFormat, ProviderKind, RegistrationStatus, TermKind

CARD_TITLE = re.compile(r'<h2 class="h5 card-title"><a href="[^"]+">([^<]+)</a></h2>')


def titles(resp) -> list[str]:
    assert resp.status_code == 200, resp.data[:300]
    return [html.unescape(t) for t in CARD_TITLE.findall(resp.get_data(as_text=True))]


def text(resp) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True))))


@pytest.fixture
def terms(factory):
    t = {
        "literacy": factory.term("Literacy"),
        "math": factory.term("Math"),
        "sel": factory.term("Social-emotional learning"),
        "k2": factory.term("Grades K-2", TermKind.GRADE_BAND),
        "hs": factory.term("Grades 9-12", TermKind.GRADE_BAND),
        "ela": factory.term("English language arts", TermKind.SUBJECT),
        "sci": factory.term("Science", TermKind.SUBJECT),
    }
    db.session.commit()
    return t


@pytest.fixture
def shelf(factory, terms):
    """A small crafted catalog."""
    o = {
        "phonics": factory.opportunity("Phonics in practice", terms=[terms["literacy"], terms["k2"], terms["ela"]],
                                       description="Decoding routines for early readers.", capacity=20,
                                       starts_in_days=3),
        "algebra": factory.opportunity("Algebra tiles", provider_kind=ProviderKind.BPS, fmt=PLFormat.VIRTUAL,
                                       terms=[terms["math"], terms["hs"]], starts_in_days=10),
        "circles": factory.opportunity("Restorative circles", provider_kind=ProviderKind.OUTSIDE,
                                       provider_name="Circle Works Inc.", cost="1250.00", fmt=PLFormat.HYBRID,
                                       terms=[terms["sel"], terms["hs"]], starts_in_days=20,
                                       description="Community building with **circles**."),
        "labs": factory.opportunity("Lab safety refresher", provider_kind=ProviderKind.OUTSIDE,
                                    provider_name="Science Partners", cost="75.00", terms=[terms["sci"]],
                                    starts_in_days=5),
        "old": factory.opportunity("Last year's reading institute", terms=[terms["literacy"]], starts_in_days=-60),
        "draft": factory.opportunity("Draft literacy course", terms=[terms["literacy"]], published=False),
    }
    db.session.commit()
    return o


UPCOMING = ["Phonics in practice", "Lab safety refresher", "Algebra tiles", "Restorative circles"]


# -- browse ----------------------------------------------------------------------------------------
def test_anyone_browses_upcoming_published_soonest_first(browser, shelf):
    resp = browser.get("/catalog/")
    assert titles(resp) == UPCOMING
    assert "4 opportunities." in text(resp)
    assert "New opportunity" not in text(resp) and "Not published" not in text(resp)


def test_past_ones_only_when_asked_after_the_upcoming(browser, shelf):
    assert "Last year's reading institute" not in titles(browser.get("/catalog/"))
    assert titles(browser.get("/catalog/?past=y")) == [*UPCOMING, "Last year's reading institute"]
    assert titles(browser.get("/catalog/?q=institute&past=y")) == ["Last year's reading institute"]
    # English stemming: "reading" also finds the "early readers" of an upcoming one, listed first.
    assert titles(browser.get("/catalog/?q=reading&past=y")) == ["Phonics in practice", "Last year's reading institute"]


@pytest.mark.parametrize("query,expected", [
    ("q=phonics", ["Phonics in practice"]),
    ("q=PHONICS+readers", ["Phonics in practice"]),  # title + description, any case
    ("q=phonics+algebra", []),  # every word must match
    ("q=circle+works", ["Restorative circles"]),  # provider name
    ("q=emotional", ["Restorative circles"]),  # a topic's name
    ("q=science", ["Lab safety refresher"]),  # a subject's name and the provider
    ("q=100%25", []),  # LIKE wildcards are literal
    ("topic=literacy", ["Phonics in practice"]),
    ("grade_band=grades-9-12", ["Algebra tiles", "Restorative circles"]),
    ("subject=science", ["Lab safety refresher"]),
    ("provider=bps", ["Algebra tiles"]),
    ("provider=outside", ["Lab safety refresher", "Restorative circles"]),
    ("provider=btu", ["Phonics in practice"]),
    ("format=virtual", ["Algebra tiles"]),
    ("format=hybrid", ["Restorative circles"]),
    ("format=in_person", ["Phonics in practice", "Lab safety refresher"]),
    ("cost=free", ["Phonics in practice", "Algebra tiles"]),
    ("cost=paid", ["Lab safety refresher", "Restorative circles"]),
    ("cost=paid&grade_band=grades-9-12&q=circles", ["Restorative circles"]),
])
def test_search_and_each_filter(browser, shelf, query, expected):
    assert titles(browser.get(f"/catalog/?{query}")) == expected


def test_a_bad_filter_value_is_reported_and_ignored(browser, shelf):
    resp = browser.get("/catalog/?topic=nonsense&cost=cheap")
    assert titles(resp) == UPCOMING
    page = text(resp)
    assert "Topic: Choose a topic from the list." in page and "Cost: Choose free or paid." in page


def test_cards_show_the_facts(browser, factory, shelf):
    for _ in range(3):
        factory.registration(shelf["phonics"], factory.user())
    factory.registration(shelf["phonics"], factory.user(), status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    resp = browser.get("/catalog/?q=phonics")
    page = text(resp)
    first = clock.local(shelf["phonics"].starts_at)
    for fact in ("Provider Boston Teachers Union (BTU)", "Format In person", f"When {first:%b %-d, %Y}",
                 "Cost Free", "Seats left 17 of 20", "PDPs 6", "Topics Literacy"):
        assert fact in page
    paid = text(browser.get("/catalog/?q=circles"))
    assert "Cost $1,250.00" in paid and "Provider Circle Works Inc. (Outside provider)" in paid
    assert "Seats left" not in paid  # no capacity, no seat count


def test_pagination_keeps_the_filters(browser, factory, terms):
    for i in range(15):
        factory.opportunity(f"Series {i:02d}", terms=[terms["math"]], starts_in_days=i + 1)
    factory.opportunity("Off topic", starts_in_days=1)
    db.session.commit()
    first = browser.get("/catalog/?topic=math")
    assert titles(first) == [f"Series {i:02d}" for i in range(12)]
    assert "15 opportunities; showing 1–12." in text(first)
    assert 'href="/catalog/?page=2&amp;topic=math"' in first.get_data(as_text=True)
    second = browser.get("/catalog/?topic=math&page=2")
    assert titles(second) == ["Series 12", "Series 13", "Series 14"]
    assert titles(browser.get("/catalog/?topic=math&page=99")) == ["Series 12", "Series 13", "Series 14"]


def test_staff_see_unpublished_and_their_links(browser, world, shelf):
    browser.login(world.staff)
    resp = browser.get("/catalog/?topic=literacy")
    assert titles(resp) == ["Phonics in practice", "Draft literacy course"]
    body = resp.get_data(as_text=True)
    assert "Not published" in body
    assert 'href="/catalog/new"' in body and 'href="/catalog/import"' in body
    browser.reset().login(world.lead)
    assert titles(browser.get("/catalog/?topic=literacy")) == ["Phonics in practice"]


# -- one opportunity -------------------------------------------------------------------------------
def test_show_by_id_and_by_slug(browser, factory, terms):
    o = factory.opportunity("Phonics in practice", terms=[terms["literacy"], terms["k2"], terms["ela"]],
                            description="## Why\n\nDecoding **matters**. <script>alert(1)</script>", capacity=20,
                            url="https://btu.org/pl", contact_email="pl@btu.org", sessions=2)
    factory.registration(o, factory.user())
    db.session.commit()
    by_id, by_slug = browser.get(f"/catalog/{o.id}"), browser.get(f"/catalog/{o.slug}")
    assert by_id.status_code == by_slug.status_code == 200
    body = by_slug.get_data(as_text=True)
    assert "<strong>matters</strong>" in body and "<script>alert" not in body
    page = text(by_slug)
    first = clock.local(o.sessions[0].starts_at)
    assert f"{first:%A, %B %-d, %Y}" in page and f"{first:%-I:%M %p}" in page
    assert "BTU Hall, 180 Mount Vernon St" in page
    for fact in ("Cost Free", "Capacity 20 seats; 19 left", "PDPs 6", "Hours 6", "Topics Literacy",
                 "Grade bands Grades K-2", "Subjects English language arts", "Contact pl@btu.org"):
        assert fact in page
    assert 'href="https://btu.org/pl"' in body
    assert f'href="/catalog/{o.slug}.ics"' in body
    assert 'id="registration"' in body  # free and in-district: the registration panel
    assert "Request this PL" not in page
    assert "Phonics in practice" in text(by_id)


def test_outside_or_paid_pl_is_requested(browser, factory, app):
    o = factory.opportunity("Orton-Gillingham course", provider_kind=ProviderKind.OUTSIDE, cost="450.00")
    db.session.commit()
    resp = browser.get(f"/catalog/{o.slug}")
    page = text(resp)
    assert "This PL costs $450.00, so it needs a PL request" in page
    assert 'id="registration"' not in resp.get_data(as_text=True)
    if "pl.new" in app.config["_ENDPOINTS"]:
        assert f'?opportunity={o.id}">Request this PL</a>' in resp.get_data(as_text=True)


def test_unpublished_is_404_except_for_staff(browser, world, factory):
    o = factory.opportunity("Secret draft", published=False)
    db.session.commit()
    for who in (None, world.lead, world.school_leader, world.admin):
        browser.reset()
        if who:
            browser.login(who)
        assert browser.get(f"/catalog/{o.slug}").status_code == 404
        assert browser.get(f"/catalog/{o.id}.ics").status_code == 404
    browser.reset().login(world.staff)
    resp = browser.get(f"/catalog/{o.id}")
    assert resp.status_code == 200 and "Not published" in text(resp)


def test_ics_parses_back(browser, factory):
    o = factory.opportunity("Phonics, in practice; part 1", description="Bring **a book**.", sessions=2,
                            location="BTU Hall, 180 Mount Vernon St")
    db.session.commit()
    resp = browser.get(f"/catalog/{o.slug}.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    assert "attachment" in resp.headers["Content-Disposition"] and f"{o.slug}.ics" in resp.headers["Content-Disposition"]
    cal = Calendar.from_ical(resp.data)
    events = cal.walk("VEVENT")
    assert len(events) == 2
    for event, session, n in zip(events, o.sessions, (1, 2), strict=True):
        assert str(event["UID"]) == f"pl-session-{session.id}@tlf.btu.org"
        assert event.decoded("DTSTART") == session.starts_at and event.decoded("DTEND") == session.ends_at
        assert event.decoded("DTSTART").tzinfo is not None and event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert str(event["SUMMARY"]) == f"Phonics, in practice; part 1 (session {n} of 2)"
        assert str(event["LOCATION"]) == "BTU Hall, 180 Mount Vernon St"
        assert "Bring a book." in str(event["DESCRIPTION"]) and "**" not in str(event["DESCRIPTION"])
        assert str(event["URL"]).endswith(f"/catalog/{o.slug}")
        assert "DTSTAMP" in event
    # The same UIDs on a second download (a calendar updates, not duplicates).
    again = Calendar.from_ical(browser.get(f"/catalog/{o.id}.ics").data)
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(e["UID"]) for e in events]


# -- staff: create and edit ------------------------------------------------------------------------
def form_data(terms, **over) -> dict:
    data = {
        "title": "Number talks", "description": "Short *daily* routines.", "provider_kind": "bps",
        "provider_name": "", "format": "virtual", "cost": "0", "capacity": "30", "pdps": "4", "hours": "4.5",
        "url": "https://bps.org/number-talks", "contact_email": "math@bps.org", "published": "y",
        "topics": [terms["math"].name], "grade_bands": [terms["k2"].name], "subjects": [],
        "sessions-0-id": "", "sessions-0-day": "2031-10-07", "sessions-0-starts": "15:30",
        "sessions-0-ends": "17:30", "sessions-0-location": "Zoom",
        "sessions-1-id": "", "sessions-1-day": "", "sessions-1-starts": "", "sessions-1-ends": "",
        "sessions-1-location": "",
    }
    data.update(over)
    return data


def test_no_file_chosen(browser, world):
    browser.login(world.staff)
    resp = browser.post("/catalog/import", {}, token_from="/catalog/import", content_type="multipart/form-data")
    assert resp.status_code == 422 and "CSV file: Choose the CSV file to import." in text(resp)


def test_staff_create_an_opportunity(browser, world, terms):
    browser.login(world.staff)
    page = browser.get("/catalog/new")
    assert page.status_code == 200 and 'id="error-summary"' not in page.get_data(as_text=True)
    assert page.get_data(as_text=True).count('name="sessions-') == 3 * 5
    resp = browser.post("/catalog/new", form_data(terms))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/catalog/number-talks")
    o = db.session.scalars(select(Opportunity).where(Opportunity.slug == "number-talks")).one()
    assert o.provider_name == "Boston Public Schools" and o.format is PLFormat.VIRTUAL
    assert o.capacity == 30 and o.hours == Decimal("4.5") and o.published and o.created_by_id == world.staff.id
    assert {t.name for t in o.terms} == {"Math", "Grades K-2"}
    assert [(s.starts_at, s.location) for s in o.sessions] == [(datetime(2031, 10, 7, 19, 30, tzinfo=UTC), "Zoom")]
    assert "Added “Number talks” to the catalog." in text(browser.get(resp.headers["Location"]))
    again = browser.post("/catalog/new", form_data(terms))
    assert again.headers["Location"].endswith("/catalog/number-talks-2")


def test_create_with_bad_input_keeps_it_and_explains(browser, world, terms):
    browser.login(world.staff)
    resp = browser.post("/catalog/new", form_data(
        terms, title="", cost="abc", capacity="0", url="javascript:alert(1)", contact_email="nobody",
        **{"sessions-0-ends": "14:00", "sessions-1-day": "2031-13-01", "sessions-1-starts": "09:00",
           "sessions-1-ends": "10:00"},
    ))
    assert resp.status_code == 422
    body, page = resp.get_data(as_text=True), text(resp)
    assert 'id="error-summary"' in body
    for message in ("Title is missing", "Cost ‘abc’ is not an amount", "Capacity ‘0’ must be at least 1",
                    "Web address ‘javascript:alert(1)’ is not an http:// or https:// address",
                    "Contact email ‘nobody’ is not an email address",
                    "Session 1: end time 14:00 is not after start time 15:30",
                    "Session 2: date ‘2031-13-01’ is not a date"):
        assert message in page
    assert 'href="#sessions-0-ends"' in body and 'href="#cost"' in body
    assert 'value="abc"' in body and 'value="javascript:alert(1)"' in body and 'value="2031-13-01"' in body
    assert 'value="Short *daily* routines."' not in body and "Short *daily* routines." in body
    assert re.search(r'<input[^>]*checked[^>]*value="Math"|<input[^>]*value="Math"[^>]*checked', body)
    assert db.session.scalar(select(func.count(Opportunity.id))) == 0


def test_a_session_is_required(browser, world, terms):
    browser.login(world.staff)
    resp = browser.post("/catalog/new", form_data(terms, **{"sessions-0-day": "", "sessions-0-starts": "",
                                                             "sessions-0-ends": "", "sessions-0-location": ""}))
    assert resp.status_code == 422
    assert "Sessions: give at least one session (date, start and end time)" in text(resp)


def test_staff_edit_an_opportunity(browser, world, factory, terms):
    o = factory.opportunity("Old title", terms=[terms["literacy"]], sessions=2, capacity=5)
    db.session.commit()
    first_id = o.sessions[0].id
    browser.login(world.staff)
    page = browser.get(f"/catalog/{o.id}/edit")
    body = page.get_data(as_text=True)
    assert 'value="Old title"' in body and f'value="{first_id}"' in body
    assert body.count('name="sessions-') == (2 + 3) * 5
    fields = catalog.fields_of(o)
    data = form_data(terms, title="New title", capacity="8", topics=["Literacy", "Social-emotional learning"])
    for i, s in enumerate(fields["sessions"]):
        data.update({f"sessions-{i}-{k}": v for k, v in s.items()})
    data.update({"sessions-1-day": "", "sessions-1-starts": "", "sessions-1-ends": "", "sessions-1-location": ""})
    resp = browser.post(f"/catalog/{o.id}/edit", data)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/catalog/new-title")
    db.session.expire_all()
    o = db.session.get(Opportunity, o.id)
    assert o.title == "New title" and o.capacity == 8 and o.slug == "new-title"
    assert [s.id for s in o.sessions] == [first_id]
    assert {t.name for t in o.terms} == {"Literacy", "Social-emotional learning", "Grades K-2"}


def test_edit_with_bad_input_keeps_it(browser, world, factory, terms):
    o = factory.opportunity("Keep me", capacity=5)
    db.session.commit()
    browser.login(world.staff)
    resp = browser.post(f"/catalog/{o.id}/edit", form_data(terms, title="Keep me", hours="lots", topics=["Nope"]))
    assert resp.status_code == 422
    page, body = text(resp), resp.get_data(as_text=True)
    assert "Hours ‘lots’ is not a number" in page and "Topic ‘Nope’ is not in the taxonomy" in page
    assert 'value="lots"' in body
    db.session.expire_all()
    assert db.session.get(Opportunity, o.id).hours == Decimal("6")


def test_capacity_below_registered_is_refused_on_the_page(browser, world, factory, terms):
    o = factory.opportunity("Busy workshop", capacity=5)
    for _ in range(4):
        factory.registration(o, factory.user())
    db.session.commit()
    browser.login(world.staff)
    resp = browser.post(f"/catalog/{o.id}/edit", form_data(terms, title="Busy workshop", capacity="3"))
    assert resp.status_code == 422
    assert ("Capacity cannot be 3: 4 people are already registered. Cancel registrations first, or keep the "
            "capacity at 4 or more") in text(resp)
    assert 'value="3"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Opportunity, o.id).capacity == 5


# -- staff: import and export ----------------------------------------------------------------------
def upload(browser, data: bytes, name: str = "catalog.csv"):
    return browser.post("/catalog/import", {"file": (BytesIO(data), name)}, token_from="/catalog/import",
                        content_type="multipart/form-data")


GOOD = ("title,provider_kind,format,cost,topics,sessions\r\n"
        "Phonics in practice,btu,in_person,0,literacy,2031-10-07 15:30-17:30 @ BTU Hall\r\n"
        "Algebra tiles,bps,virtual,0,Math,2031-10-08 15:30-17:30\r\n")


def test_import_a_good_file(browser, world, terms):
    browser.login(world.staff)
    page = browser.get("/catalog/import")
    assert page.status_code == 200 and 'href="/catalog/import/template.csv"' in page.get_data(as_text=True)
    resp = upload(browser, ("\ufeff" + GOOD).encode())
    assert resp.status_code == 302
    assert ("Imported the file: 2 rows created, 0 rows updated, 0 rows unchanged."
            in text(browser.get(resp.headers["Location"])))
    assert titles(browser.get("/catalog/")) == ["Phonics in practice", "Algebra tiles"]


def test_import_with_bad_rows_imports_nothing(browser, world, terms):
    browser.login(world.staff)
    bad = GOOD + "Bad one,btu,in_person,abc,Litracy,2031-10-08 15:30-17:30\r\nAnother,btu,online,0,,\r\n"
    resp = upload(browser, bad.encode())
    assert resp.status_code == 422
    page = text(resp)
    assert "Nothing was imported: 2 rows to fix" in page
    assert "Row 4: cost ‘abc’ is not an amount (enter dollars and cents, like 450.00); topic ‘Litracy’ is not in " \
           "the taxonomy" in page
    assert "Row 5: format ‘online’ is not one of in_person, virtual, hybrid; sessions: give at least one " \
           "session" in page
    assert db.session.scalar(select(func.count(Opportunity.id))) == 0


@pytest.mark.parametrize("data,name,expected", [
    (b"title,format\r\nX,virtual\r\n", "x.csv",
     "The header row is missing the required columns provider_kind, cost, sessions."),
    ("title,provider_kind,format,cost,sessions\r\nCafé,btu,virtual,0,2031-10-07 15:30-17:30\r\n".encode("utf-16"),
     "x.csv", "This is not a CSV file (it contains binary data)."),
    ("title,provider_kind,format,cost,sessions\r\nCafé,btu,virtual,0,2031-10-07 15:30-17:30\r\n".encode("latin-1"),
     "x.csv", "The file is not UTF-8 text."),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "This is not a CSV file"),
    (b"", "empty.csv", "The file is empty: it has no header row and no opportunities."),
    (b"title,provider_kind,format,cost,sessions\r\n", "x.csv", "The file has a header row but no opportunities"),
])
def test_import_refuses_bad_files_clearly(browser, world, terms, data, name, expected):
    browser.login(world.staff)
    resp = upload(browser, data, name)
    assert resp.status_code == 422
    assert expected in text(resp)
    assert db.session.scalar(select(func.count(Opportunity.id))) == 0


def test_template_and_export_downloads(browser, world, shelf):
    browser.login(world.staff)
    template = browser.get("/catalog/import/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.data.decode("utf-8-sig").splitlines()[0] == ",".join(catalog.COLUMNS)
    export = browser.get("/catalog/export.csv?provider=outside")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = export.data.decode("utf-8-sig").splitlines()
    assert rows[0] == ",".join(catalog.COLUMNS)
    assert [r.split(",")[0] for r in rows[1:]] == ["Lab safety refresher", "Restorative circles"]
    everything = browser.get("/catalog/export.csv").data.decode("utf-8-sig")
    assert "Draft literacy course" in everything  # staff export what staff see
    assert "Last year's reading institute" not in everything  # ... with the list's filters


def test_export_then_import_through_the_pages(browser, world, shelf):
    browser.login(world.staff)
    exported = browser.get("/catalog/export.csv?past=y").data
    before = db.session.scalar(select(func.count(Opportunity.id)))
    resp = upload(browser, exported, "export.csv")
    assert resp.status_code == 302
    # The export names what is already in the catalog: importing it back changes nothing, and says so.
    assert (f"Imported the file: 0 rows created, 0 rows updated, {before} rows unchanged."
            in text(browser.get(resp.headers["Location"])))
    assert db.session.scalar(select(func.count(Opportunity.id))) == before
    titles_now = sorted(o.title for o in db.session.scalars(select(Opportunity)))
    assert titles_now == sorted(o.title for o in shelf.values())
