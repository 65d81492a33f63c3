"""The catalog's rules (one validate() for the form and the import), saving, and the CSV import/export."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.catalog import opportunities as catalog
from app.core import clock
from app.extensions import db
from app.models import Opportunity, PLFormat, ProviderKind, RegistrationStatus, TermKind

HEADER = ",".join(catalog.COLUMNS)


@pytest.fixture
def taxonomy(factory):
    terms = {
        "literacy": factory.term("Literacy"),
        "math": factory.term("Math", position=1),
        "sel": factory.term("Social-emotional learning", position=2),
        "retired": factory.term("Retired topic", active=False),
        "k2": factory.term("Grades K-2", TermKind.GRADE_BAND),
        "ela": factory.term("English language arts", TermKind.SUBJECT),
    }
    db.session.commit()
    return terms


def good_fields(**over) -> dict:
    fields = {
        "title": "Phonics in practice", "description": "Hands-on **phonics**.", "provider_kind": "btu",
        "provider_name": "", "format": "in_person", "cost": "0", "capacity": "25", "pdps": "7", "hours": "7.5",
        "topics": "Literacy; math", "grade_bands": "grades k-2", "subjects": "English Language Arts",
        "url": "https://btu.org/pl", "contact_email": "pl@btu.org",
        "sessions": "2031-10-07 15:30-17:30 @ BTU Hall; 2031-01-14 09:00-12:00 @ Zoom",
    }
    fields.update(over)
    return fields


def messages(problems) -> list[str]:
    return [m for _, m in problems]


# -- validate --------------------------------------------------------------------------------------
def test_good_fields_are_cleaned(taxonomy):
    data, problems = catalog.validate(good_fields())
    assert problems == []
    assert data.provider_kind is ProviderKind.BTU and data.provider_name == "Boston Teachers Union"
    assert data.format is PLFormat.IN_PERSON
    assert data.cost == Decimal("0") and data.capacity == 25 and data.pdps == 7 and data.hours == Decimal("7.5")
    assert {t.name for t in data.terms} == {"Literacy", "Math", "Grades K-2", "English language arts"}
    # Boston local time -> UTC (EDT in October is UTC-4; EST in January is UTC-5), sorted by start.
    assert [(s.starts_at, s.ends_at, s.location) for s in data.sessions] == [
        (datetime(2031, 1, 14, 14, 0, tzinfo=UTC), datetime(2031, 1, 14, 17, 0, tzinfo=UTC), "Zoom"),
        (datetime(2031, 10, 7, 19, 30, tzinfo=UTC), datetime(2031, 10, 7, 21, 30, tzinfo=UTC), "BTU Hall"),
    ]


@pytest.mark.parametrize("over,expected", [
    ({"title": ""}, "title is missing"),
    ({"title": "x" * 201}, "title is longer than 200 characters"),
    ({"provider_kind": "union"}, "provider kind ‘union’ is not one of btu, bps, outside"),
    ({"provider_kind": "outside", "provider_name": ""}, "provider name is missing"),
    ({"format": "webinar"}, "format ‘webinar’ is not one of in_person, virtual, hybrid"),
    ({"cost": "abc"}, "cost ‘abc’ is not an amount (enter dollars and cents, like 450.00)"),
    ({"cost": "-5"}, "cost ‘-5’ is negative (enter 0 for free)"),
    ({"cost": "1.005"}, "cost ‘1.005’ has more than two decimal places"),
    ({"cost": ""}, "cost is missing (enter 0 for free)"),
    ({"capacity": "0"}, "capacity ‘0’ must be at least 1 (leave it blank for no limit)"),
    ({"capacity": "ten"}, "capacity ‘ten’ is not a whole number (leave it blank for no limit)"),
    ({"pdps": "2.5"}, "PDPs ‘2.5’ is not a whole number"),
    ({"pdps": "8", "hours": "7.5"},
     "8 PDPs is more than the 7.5 hours: Massachusetts gives one PDP per clock hour, so advertise at most 7 PDPs."),
    ({"hours": "-1"}, "hours ‘-1’ must be between 0 and 9,999.99"),
    ({"url": "javascript:alert(1)"}, "web address ‘javascript:alert(1)’ is not an http:// or https:// address"),
    ({"url": "ftp://example.org/x"}, "web address ‘ftp://example.org/x’ is not an http:// or https:// address"),
    ({"contact_email": "not-an-email"}, "contact email ‘not-an-email’ is not an email address"),
    ({"topics": "Litracy"}, "topic ‘Litracy’ is not in the taxonomy"),
    ({"topics": "Retired topic"}, "topic ‘Retired topic’ is not in the taxonomy"),
    ({"grade_bands": "Literacy"}, "grade band ‘Literacy’ is not in the taxonomy"),
    ({"sessions": ""}, "sessions: give at least one session (date, start and end time)"),
    ({"sessions": "next tuesday"}, "session 1 (‘next tuesday’) is not written as YYYY-MM-DD HH:MM-HH:MM @ Location"),
    ({"sessions": "2031-02-30 10:00-11:00 @ X"},
     "session 1 (‘2031-02-30 10:00-11:00 @ X’): date ‘2031-02-30’ is not a date (use YYYY-MM-DD)"),
    ({"sessions": "2031-02-03 12:00-11:00 @ X"},
     "session 1 (‘2031-02-03 12:00-11:00 @ X’): end time 11:00 is not after start time 12:00"),
    ({"sessions": "2031-02-03 25:00-26:00"},
     "session 1 (‘2031-02-03 25:00-26:00’): start time ‘25:00’ is not a time (use HH:MM, 24-hour)"),
    ({"published": "maybe"}, "published ‘maybe’ is not yes or no"),
])
def test_each_rule_has_its_message(taxonomy, over, expected):
    data, problems = catalog.validate(good_fields(**over))
    assert data is None
    assert expected in messages(problems)


def test_every_problem_of_a_row_is_reported(taxonomy):
    _, problems = catalog.validate(good_fields(cost="abc", topics="Litracy; Math", format="", capacity="-3"))
    assert messages(problems) == [
        "format is missing (in_person, virtual or hybrid)",
        "cost ‘abc’ is not an amount (enter dollars and cents, like 450.00)",
        "capacity ‘-3’ must be at least 1 (leave it blank for no limit)",
        "topic ‘Litracy’ is not in the taxonomy",
    ]
    assert [f for f, _ in problems] == ["format", "cost", "capacity", "topics"]


def test_form_session_rows_report_against_their_fields(taxonomy):
    rows = [{"id": "", "day": "2031-03-01", "starts": "09:00", "ends": "10:00", "location": "Hall"},
            {"id": "", "day": "", "starts": "", "ends": "", "location": ""},
            {"id": "", "day": "2031-03-08", "starts": "", "ends": "08:00", "location": ""}]
    _, problems = catalog.validate(good_fields(sessions=rows))
    assert problems == [("sessions-2-starts", "session 2: enter its start time")]


def test_an_inactive_term_already_on_an_opportunity_is_kept(taxonomy):
    tax = catalog.Taxonomy(extra=[taxonomy["retired"]])
    data, problems = catalog.validate(good_fields(topics="Retired topic"), tax)
    assert problems == [] and [t.name for t in data.terms if t.kind is TermKind.TOPIC] == ["Retired topic"]


# -- create and update -----------------------------------------------------------------------------
def test_slugs_are_unique_and_never_a_page_name_or_a_number(factory, taxonomy):
    staff = factory.user("staff")
    made = [catalog.create(catalog.validate(good_fields(title=t))[0], staff)
            for t in ("Phonics in practice", "Phonics in Practice!", "New", "2026")]
    assert [o.slug for o in made] == ["phonics-in-practice", "phonics-in-practice-2", "new-2", "pl-2026"]


def test_capacity_below_registered_is_refused(factory, taxonomy):
    staff = factory.user("staff")
    o = factory.opportunity("Seats", capacity=3)
    for _ in range(3):
        factory.registration(o, factory.user())
    factory.registration(o, factory.user(), status=RegistrationStatus.CANCELLED)
    db.session.commit()
    data, _ = catalog.validate(good_fields(title="Seats", capacity="2"))
    with pytest.raises(catalog.CatalogError) as exc:
        catalog.update(o, data, staff)
    assert exc.value.problems == [("capacity", "capacity cannot be 2: 3 people are already registered. Cancel "
                                               "registrations first, or keep the capacity at 3 or more")]
    data, _ = catalog.validate(good_fields(title="Seats", capacity="3"))
    assert catalog.update(o, data, staff).capacity == 3


def test_more_seats_promote_the_waitlist(factory, taxonomy):
    staff = factory.user("staff")
    o = factory.opportunity("Popular", capacity=1)
    factory.registration(o, factory.user())
    waiting = [factory.registration(o, factory.user(), status=RegistrationStatus.WAITLISTED) for _ in range(3)]
    db.session.commit()
    data, _ = catalog.validate(good_fields(title="Popular", capacity="3", sessions=catalog.fields_of(o)["sessions"]))
    catalog.update(o, data, staff)
    db.session.commit()
    assert [r.status for r in waiting] == [RegistrationStatus.REGISTERED, RegistrationStatus.REGISTERED,
                                           RegistrationStatus.WAITLISTED]


def test_edit_keeps_session_ids(factory, taxonomy):
    staff = factory.user("staff")
    o = factory.opportunity("Series", sessions=2)
    first, second = (s.id for s in o.sessions)
    rows = catalog.fields_of(o)["sessions"]
    rows[1]["location"] = "Moved to the library"
    data, problems = catalog.validate(good_fields(title="Series", sessions=[rows[1]]))
    assert problems == []
    catalog.update(o, data, staff)
    db.session.commit()
    assert [(s.id, s.location) for s in o.sessions] == [(second, "Moved to the library")]
    assert first != second


# -- CSV import ------------------------------------------------------------------------------------
def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


GOOD_ROWS = (
    'Phonics in practice,"Hands-on, **phonics**.",btu,,in_person,0,25,6,6,Literacy;Math,Grades K-2,'
    'English language arts,https://btu.org/pl,pl@btu.org,2031-10-07 15:30-17:30 @ BTU Hall; '
    '2031-10-14 15:30-17:30 @ BTU Hall,yes',
    'Restorative circles,,outside,Circle Works Inc.,hybrid,"$1,250.00",,12,12.5,social-emotional learning,,,,,'
    '2031-11-02 09:00-15:00 @ Circle Works,no',
    "Number talks,,bps,,virtual,0,,1,1.5,,,,,,2031-09-30 16:00-17:30,",
)


def count() -> int:
    return db.session.scalar(select(func.count(Opportunity.id)))


def test_a_good_file_imports_every_row(factory, taxonomy):
    staff = factory.user("staff")
    result = catalog.import_csv(csv_bytes(*GOOD_ROWS, bom=True), staff)
    assert result.ok and len(result.created) == 3
    db.session.commit()
    phonics, circles, talks = (db.session.scalars(select(Opportunity).where(Opportunity.title == t)).one()
                               for t in ("Phonics in practice", "Restorative circles", "Number talks"))
    assert phonics.description == "Hands-on, **phonics**." and phonics.provider_name == "Boston Teachers Union"
    assert phonics.capacity == 25 and phonics.pdps == 6 and phonics.hours == Decimal("6")
    assert {t.name for t in phonics.terms} == {"Literacy", "Math", "Grades K-2", "English language arts"}
    assert [(s.starts_at, s.location) for s in phonics.sessions] == [
        (datetime(2031, 10, 7, 19, 30, tzinfo=UTC), "BTU Hall"), (datetime(2031, 10, 14, 19, 30, tzinfo=UTC), "BTU Hall")]
    assert phonics.published and phonics.created_by_id == staff.id
    assert circles.cost == Decimal("1250.00") and circles.capacity is None and not circles.published
    assert circles.format is PLFormat.HYBRID and circles.provider_kind is ProviderKind.OUTSIDE
    assert [t.name for t in circles.terms] == ["Social-emotional learning"]
    assert talks.sessions[0].location == "" and talks.published


def test_a_file_with_bad_rows_imports_nothing_and_names_each(factory, taxonomy):
    staff = factory.user("staff")
    bad = (
        GOOD_ROWS[0],
        "Bad cost,,btu,,in_person,abc,,,,Litracy,,,,,2031-10-07 15:30-17:30 @ Hall,",
        GOOD_ROWS[2],
        ",,union,,in_person,0,,,,,,,,,2031-10-07 17:30-15:30,",
    )
    result = catalog.import_csv(csv_bytes(*bad), staff)
    db.session.commit()
    assert not result.ok and result.created == []
    assert count() == 0
    assert result.messages() == [
        "Row 3: cost ‘abc’ is not an amount (enter dollars and cents, like 450.00); topic ‘Litracy’ is not in the "
        "taxonomy",
        "Row 5: title is missing; provider kind ‘union’ is not one of btu, bps, outside; provider name is "
        "missing; session 1 "
        "(‘2031-10-07 17:30-15:30’): end time 15:30 is not after start time 17:30",
    ]


def test_row_numbers_are_line_numbers_even_with_multiline_cells(factory, taxonomy):
    staff = factory.user("staff")
    rows = ('First,"two\nlines",btu,,in_person,0,,,,,,,,,2031-10-07 15:30-17:30,',
            "Second,,btu,,in_person,free,,,,,,,,,2031-10-07 15:30-17:30,")
    result = catalog.import_csv(csv_bytes(*rows), staff)
    assert result.messages() == ["Row 4: cost ‘free’ is not an amount (enter dollars and cents, like 450.00)"]


@pytest.mark.parametrize("data,expected", [
    (b"", "The file is empty: it has no header row and no opportunities."),
    (HEADER.encode() + b"\r\n", "The file has a header row but no opportunities under it."),
    ("title,provider_kind,format,cost,sessions\r\nCafé,btu,in_person,0,2031-10-07 15:30-17:30\r\n".encode("cp1252"),
     "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8 (comma delimited)” and upload that."),
    (b"%PDF-1.7\x00\x00binary",
     "This is not a CSV file (it contains binary data). Save the spreadsheet as “CSV UTF-8” and upload that."),
    (b"title,format,cost\r\nX,virtual,0\r\n",
     "The header row is missing the required columns provider_kind, sessions. The first row must name the columns: "
     + ", ".join(catalog.COLUMNS) + "."),
    (b"title,provider_kind,format,cost,sessions,colour\r\nX,btu,virtual,0,2031-10-07 15:30-17:30\r\n",
     "The header row has column this import does not know: ‘colour’. Use only: " + ", ".join(catalog.COLUMNS) + "."),
])
def test_bad_files_are_refused_whole(factory, taxonomy, data, expected):
    result = catalog.import_csv(data, factory.user("staff"))
    assert result.messages() == [expected]
    assert count() == 0


def test_too_many_rows_and_too_many_bytes(factory, taxonomy):
    staff = factory.user("staff")
    row = "X,,btu,,virtual,0,,,,,,,,,2031-10-07 15:30-17:30,"
    result = catalog.import_csv(csv_bytes(*[row] * 1001), staff)
    assert result.messages() == ["The file has more than 1,000 opportunities; split it into smaller files."]
    result = catalog.import_csv(b"x" * (2 * 1024 * 1024 + 1), staff)
    assert result.messages() == ["The file is larger than 2 MB; split it into smaller files."]
    assert count() == 0
    rows = [f"X{n},,btu,,virtual,0,,,,,,,,,2031-10-07 15:30-17:30," for n in range(1000)]
    assert len(catalog.import_csv(csv_bytes(*rows), staff).created) == 1000


def test_export_reimports_to_the_same_catalog(factory, taxonomy):
    staff = factory.user("staff")
    catalog.import_csv(csv_bytes(*GOOD_ROWS), staff)
    hostile = factory.opportunity("=HYPERLINK(\"http://evil\")", description="- a list item\n- another",
                                  terms=[taxonomy["sel"]])
    db.session.commit()
    exported = catalog.export_csv(catalog.all_matching(catalog.CatalogFilters(include_unpublished=True)))
    assert exported.startswith("\ufeff".encode()) and b"'=HYPERLINK" in exported
    before = {o.title: catalog.fields_of(o) for o in db.session.scalars(select(Opportunity))}
    for o in db.session.scalars(select(Opportunity)):
        db.session.delete(o)
    db.session.commit()
    result = catalog.import_csv(exported, staff)
    assert result.ok, result.messages()
    db.session.commit()
    after = {o.title: catalog.fields_of(o) for o in db.session.scalars(select(Opportunity))}

    def comparable(fields):
        return {**fields, "sessions": [{k: v for k, v in s.items() if k != "id"} for s in fields["sessions"]]}

    assert {t: comparable(f) for t, f in after.items()} == {t: comparable(f) for t, f in before.items()}
    assert hostile.title in after


def test_the_example_file_imports_and_every_row_shows_in_the_catalog(factory):
    for name in ("Culturally responsive teaching", "Literacy", "Math", "Special education"):
        factory.term(name)
    for name in ("PK-2", "3-5", "6-8"):
        factory.term(name, TermKind.GRADE_BAND)
    for name in ("ELA", "Math", "Special education"):
        factory.term(name, TermKind.SUBJECT)
    db.session.commit()
    staff = factory.user("staff")
    result = catalog.import_csv(catalog.template_csv(), staff)
    assert result.ok, result.messages()
    assert [len(o.sessions) for o in result.created] == [2, 1, 2]
    assert all(o.starts_at > clock.now() for o in result.created)  # dates counted from today: all upcoming
    assert {t.name for t in result.created[2].terms} == {"Literacy", "Special education", "PK-2", "3-5", "ELA"}
    db.session.commit()
    listed = catalog.catalog_page(catalog.CatalogFilters())[0].items
    assert {o.title for o in listed} >= {o.title for o in result.created}
    # Downloaded again weeks later, its dates have moved: the same external ids update the same three rows.
    later = catalog.import_csv(catalog.template_csv(clock.today() + timedelta(days=30)), staff)
    assert (len(later.created), len(later.updated), len(later.unchanged)) == (0, 3, 0)
    assert count() == 3


def test_the_example_keeps_only_the_terms_this_catalog_has(factory):
    factory.term("Math")
    db.session.commit()
    result = catalog.import_csv(catalog.template_csv(), factory.user("staff"))
    assert result.ok, result.messages()
    assert [[t.name for t in o.terms] for o in result.created] == [[], ["Math"], []]


# -- re-importing: the same file twice changes nothing ----------------------------------------------
def snapshot() -> dict:
    return {o.id: (o.slug, o.version, o.updated_at, [s.id for s in o.sessions], catalog.fields_of(o))
            for o in db.session.scalars(select(Opportunity))}


def test_importing_the_same_file_twice_changes_nothing(factory, taxonomy):
    staff = factory.user("staff")
    first = catalog.import_csv(csv_bytes(*GOOD_ROWS), staff)
    assert len(first.created) == 3 and first.summary() == (
        "Imported the file: 3 rows created, 0 rows updated, 0 rows unchanged.")
    db.session.commit()
    before = snapshot()
    again = catalog.import_csv(csv_bytes(*GOOD_ROWS), staff)
    assert again.ok and (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 3)
    assert again.summary() == "Imported the file: 0 rows created, 0 rows updated, 3 rows unchanged."
    db.session.commit()
    db.session.expire_all()
    assert snapshot() == before  # no new row, no "-2" slug, not even a new version or time


def test_a_row_with_a_known_external_id_updates_that_opportunity(factory, taxonomy):
    staff = factory.user("staff")
    row = "Phonics in practice,,btu,,in_person,0,25,6,6,Literacy,,,,,2031-10-07 15:30-17:30 @ BTU Hall,yes,BTU-101"
    catalog.import_csv(csv_bytes(row), staff)
    db.session.commit()
    (o,) = db.session.scalars(select(Opportunity)).all()
    assert o.external_id == "BTU-101" and o.slug == "phonics-in-practice"
    session_id = o.sessions[0].id
    changed = ('"Phonics in practice, grades K-2",,btu,,in_person,25,30,6,6,Literacy,,,,,'
               '2031-10-07 15:30-17:30 @ BTU Hall; 2031-10-14 15:30-17:30 @ BTU Hall,yes,BTU-101')
    result = catalog.import_csv(csv_bytes(changed), staff)
    assert result.ok and [x.id for x in result.updated] == [o.id] and result.created == []
    db.session.commit()
    db.session.expire_all()
    (o,) = db.session.scalars(select(Opportunity)).all()
    assert (o.title, o.cost, o.capacity, len(o.sessions)) == ("Phonics in practice, grades K-2", Decimal("25.00"), 30, 2)
    assert o.slug == "phonics-in-practice-grades-k-2" and o.sessions[0].id == session_id  # the kept session stays


def test_without_an_external_id_provider_title_and_first_session_name_the_opportunity(factory, taxonomy):
    staff = factory.user("staff")
    catalog.import_csv(csv_bytes(*GOOD_ROWS), staff)
    db.session.commit()
    # The same provider, title (capitals aside) and first session: an update; another first session: another one.
    same = "number talks,A new description.,bps,,virtual,0,,1,1.5,,,,,,2031-09-30 16:00-17:30,"
    other = "Number talks,,bps,,virtual,0,,1,1.5,,,,,,2031-10-30 16:00-17:30,"
    result = catalog.import_csv(csv_bytes(same, other), staff)
    assert result.ok and len(result.updated) == 1 and len(result.created) == 1
    assert result.updated[0].description == "A new description." and result.created[0].slug == "number-talks-2"
    # An existing row is found by its external id even when the file also gives the natural key.
    tagged = "Number talks,,bps,,virtual,0,,1,1.5,,,,,,2031-09-30 16:00-17:30,,BPS-7"
    result = catalog.import_csv(csv_bytes(tagged), staff)
    assert len(result.updated) == 1 and result.updated[0].external_id == "BPS-7"
    assert count() == 4


def test_two_rows_naming_the_same_opportunity_are_refused(factory, taxonomy):
    staff = factory.user("staff")
    a = "Number talks,,bps,,virtual,0,,1,1.5,,,,,,2031-09-30 16:00-17:30,,BPS-7"
    b = "Number talks again,,bps,,virtual,0,,1,1.5,,,,,,2031-10-30 16:00-17:30,,BPS-7"
    c = "NUMBER TALKS,,bps,,virtual,0,,1,1.5,,,,,,2031-09-30 16:00-17:30,"
    result = catalog.import_csv(csv_bytes(a, b, c), staff)
    assert result.messages() == [
        "Row 3: it names the same opportunity as row 2 (the same external id); keep one of the two",
        "Row 4: it names the same opportunity as row 2 (the same provider, title and first session); keep one "
        "of the two"]
    assert count() == 0


def test_an_update_the_catalog_refuses_writes_nothing(factory, taxonomy):
    staff = factory.user("staff")
    o = factory.opportunity("Full workshop", capacity=2, external_id="BTU-9")
    factory.registration(o, factory.user("educator"))
    factory.registration(o, factory.user("educator"))
    db.session.commit()
    day = clock.local(o.starts_at)
    fewer = f"Full workshop,,btu,,in_person,0,1,6,6,,,,,,{day:%Y-%m-%d} 20:00-21:00,yes,BTU-9"
    new = "Another,,btu,,in_person,0,,1,1,,,,,,2031-10-07 15:30-17:30,yes,"
    result = catalog.import_csv(csv_bytes(new, fewer), staff)
    assert not result.ok and "capacity cannot be 1: 2 people are already registered" in result.messages()[0]
    with pytest.raises(catalog.ImportRefused):
        catalog.import_file(csv_bytes(new, fewer), staff)
    db.session.rollback()
    assert count() == 1 and db.session.get(Opportunity, o.id).capacity == 2


def test_two_imports_at_once_never_make_the_same_external_id_twice(factory, taxonomy, monkeypatch):
    staff = factory.user("staff")
    factory.opportunity("Tagged", external_id="BTU-1")
    db.session.commit()
    # The other import's row lands between this import's look-up and its write.
    monkeypatch.setattr(catalog, "_already_there", lambda cleaned: ({}, {}))
    row = "Tagged again,,btu,,in_person,0,,1,1,,,,,,2031-10-07 15:30-17:30,yes,BTU-1"
    with pytest.raises(catalog.ImportRefused) as err:
        catalog.import_file(csv_bytes(row), staff)
    db.session.rollback()
    assert "Upload the file again" in err.value.errors[0]
    assert count() == 1


def test_external_id_is_checked_and_exported(factory, taxonomy):
    data, problems = catalog.validate(good_fields(external_id="x" * 121))
    assert messages(problems) == ["external id is longer than 120 characters"]
    o = factory.opportunity("Tagged", external_id="BTU-1")
    db.session.commit()
    exported = catalog.export_csv([o]).decode("utf-8-sig").splitlines()
    assert exported[0].endswith(",external_id") and exported[1].endswith(",BTU-1")
