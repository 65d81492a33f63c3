"""The PL transcript: which PL counts, the order, the totals and the licensure cycle window."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import OpportunitySession, PLRequestState, ProviderKind
from app.pl import transcript as svc
from tests.sqlcount import statements as counting

S = PLRequestState
TODAY = date(2026, 3, 16)


@pytest.fixture
def cast(factory):
    school = factory.school("Hernández K-8")
    educator = factory.user("educator", name="Ana Educator", school=school)
    other = factory.user("educator", name="Bo Other", school=school)
    return educator, other


def _completed(factory, who, title, starts, ends, hours, pdps, opportunity=None, provider="Lesley University"):
    return factory.pl_request(
        who, S.COMPLETED, opportunity=opportunity, title=title if opportunity is None else "",
        provider_name=provider if opportunity is None else "", starts_on=starts, ends_on=ends,
        hours_completed=Decimal(hours), pdps_earned=pdps)


def _attended(factory, who, title, day: date, hours="3.0", pdps=3, attended=True, **kw):
    o = factory.opportunity(title, hours=hours, pdps=pdps, **kw)
    # One evening session, 6-9 pm in Boston (23:00-02:00 UTC next day in winter).
    o.sessions = [OpportunitySession(starts_at=datetime(day.year, day.month, day.day, 23, 0, tzinfo=UTC),
                                     ends_at=datetime(day.year, day.month, day.day, 23, 30, tzinfo=UTC))]
    return factory.registration(o, who, attended=attended)


def test_entries_come_from_completed_requests_and_attended_registrations_newest_first(factory, cast):
    me, other = cast
    _completed(factory, me, "Orton-Gillingham Classroom Educator course", date(2025, 7, 14), date(2025, 7, 18),
               "30.00", 30, provider="Institute for Multi-Sensory Education")
    paid = factory.opportunity("Teaching for Equity summer institute", provider_kind=ProviderKind.OUTSIDE,
                               provider_name="Wheelock Institute", cost="450.00")
    _completed(factory, me, "", date(2026, 1, 10), date(2026, 1, 11), "12.5", 12, opportunity=paid)
    _attended(factory, me, "Culturally responsive read-alouds", date(2025, 11, 5), hours="2.5", pdps=3)
    # Not on the transcript: other states, no attendance, someone else's PL.
    for state in (S.DRAFT, S.SUBMITTED, S.ENDORSED, S.APPROVED, S.DENIED, S.CANCELLED):
        factory.pl_request(me, state)
    _attended(factory, me, "Missed it", date(2025, 12, 1), attended=False)
    _attended(factory, me, "Not recorded yet", date(2025, 12, 2), attended=None)
    _completed(factory, other, "Someone else's course", date(2025, 9, 1), date(2025, 9, 2), "6", 6)
    db.session.commit()

    t = svc.transcript_for(me, TODAY)
    assert [(e.title, e.provider, e.starts_on, e.ends_on, e.hours, e.pdps) for e in t.entries] == [
        ("Teaching for Equity summer institute", "Wheelock Institute", date(2026, 1, 10), date(2026, 1, 11),
         Decimal("12.50"), 12),
        ("Culturally responsive read-alouds", "Boston Teachers Union", date(2025, 11, 5), date(2025, 11, 5),
         Decimal("2.50"), 3),
        ("Orton-Gillingham Classroom Educator course", "Institute for Multi-Sensory Education", date(2025, 7, 14),
         date(2025, 7, 18), Decimal("30.00"), 30),
    ]
    assert [e.source for e in t.entries] == ["request", "registration", "request"]
    assert t.total_hours == Decimal("45.00") and isinstance(t.total_hours, Decimal)
    assert t.total_pdps == 45


def test_a_session_is_dated_in_boston_not_utc(factory, cast):
    me, _ = cast
    o = factory.opportunity("Late session")
    # 01:30 UTC on March 4 is 8:30 pm on March 3 in Boston.
    o.sessions = [OpportunitySession(starts_at=datetime(2026, 3, 4, 1, 30, tzinfo=UTC),
                                     ends_at=datetime(2026, 3, 4, 3, 0, tzinfo=UTC)),
                  OpportunitySession(starts_at=datetime(2026, 3, 11, 0, 30, tzinfo=UTC),
                                     ends_at=datetime(2026, 3, 11, 2, 0, tzinfo=UTC))]
    factory.registration(o, me, attended=True)
    db.session.commit()
    (entry,) = svc.transcript_for(me, TODAY).entries
    assert (entry.starts_on, entry.ends_on) == (date(2026, 3, 3), date(2026, 3, 10))


def test_the_cycle_counts_five_years_from_its_start(factory, cast):
    me, _ = cast
    me.license_cycle_starts_on = date(2024, 3, 1)
    _completed(factory, me, "Before the cycle", date(2024, 2, 20), date(2024, 2, 29), "10", 10)
    _completed(factory, me, "First day of the cycle", date(2024, 3, 1), date(2024, 3, 1), "6", 6)
    _completed(factory, me, "Inside", date(2025, 10, 1), date(2025, 10, 3), "20", 20)
    _attended(factory, me, "Evening workshop", date(2026, 2, 10), pdps=4)
    db.session.commit()

    t = svc.transcript_for(me, TODAY)
    c = t.cycle
    assert (c.starts_on, c.ends_on, c.assumed) == (date(2024, 3, 1), date(2029, 2, 28), False)
    assert c.pdps_earned == 30 and c.target == 150 and c.still_needed == 120
    assert c.percent == 20 and not c.complete
    assert t.total_pdps == 40  # all PL, in the cycle or not
    assert [t.in_cycle(e) for e in t.entries] == [True, True, True, False]


def test_without_a_start_the_cycle_is_the_five_years_ending_today(factory, cast):
    me, _ = cast
    _completed(factory, me, "Long ago", date(2021, 3, 1), date(2021, 3, 16), "10", 10)
    _completed(factory, me, "Just inside", date(2021, 3, 17), date(2021, 3, 17), "5", 5)
    db.session.commit()
    c = svc.transcript_for(me, TODAY).cycle
    assert (c.starts_on, c.ends_on, c.assumed) == (date(2021, 3, 17), TODAY, True)
    assert c.pdps_earned == 5 and c.still_needed == 145


def test_a_cycle_past_its_target_needs_nothing_more(factory, cast):
    me, _ = cast
    me.license_cycle_starts_on = date(2023, 9, 1)
    for i in range(4):
        _completed(factory, me, f"Institute {i}", date(2024 + i // 2, 7, 1 + i), date(2024 + i // 2, 7, 2 + i),
                   "40", 45)
    db.session.commit()
    c = svc.transcript_for(me, TODAY).cycle
    assert c.pdps_earned == 180 and c.still_needed == 0 and c.complete
    assert c.progress_value == 150 and c.percent == 100


def test_an_empty_transcript(factory, cast):
    me, _ = cast
    t = svc.transcript_for(me, TODAY)
    assert t.entries == [] and t.total_hours == Decimal("0") and t.total_pdps == 0
    assert t.cycle.pdps_earned == 0 and t.cycle.still_needed == 150


def test_leap_day_and_window_arithmetic():
    assert svc.add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert svc.add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert svc.cycle_window(date(2020, 7, 1), TODAY) == (date(2020, 7, 1), date(2025, 6, 30), False)
    assert svc.cycle_window(None, date(2028, 2, 29)) == (date(2023, 3, 1), date(2028, 2, 29), True)


def test_hours_read_as_people_write_them():
    assert [svc.hours_text(Decimal(v)) for v in ("6.00", "6.50", "12.25", "0", "10")] == ["6", "6.5", "12.25",
                                                                                          "0", "10"]
    assert svc.hours_text(None) == "0"


def test_setting_the_cycle_start(factory, cast):
    me, _ = cast
    svc.set_cycle_start(me, date(2022, 9, 1), TODAY)
    assert me.license_cycle_starts_on == date(2022, 9, 1)
    svc.set_cycle_start(me, TODAY, TODAY)  # today is allowed
    svc.set_cycle_start(me, date(1990, 1, 1), TODAY)  # so is the earliest day
    for bad, words in ((date(2026, 3, 17), "cannot be in the future"), (date(1989, 12, 31), "from January 1, 1990"),
                       (None, "Enter the date")):
        with pytest.raises(svc.TranscriptError) as exc:
            svc.set_cycle_start(me, bad, TODAY)
        assert exc.value.problems[0][0] == "starts_on" and words in exc.value.messages[0]
    assert me.license_cycle_starts_on == date(1990, 1, 1)


def test_who_may_read_whose_transcript(factory, cast):
    me, peer = cast
    leader = factory.user("school_leader", school=me.school)
    other_leader = factory.user("school_leader", school=factory.school("Another School"))
    staff = factory.user("staff")
    reviewer = factory.user("reviewer", side="BTU")
    assert svc.refusal_to_view(me, me) is None
    assert svc.refusal_to_view(staff, me) is None
    assert svc.refusal_to_view(leader, me) is None
    assert "own school" in svc.refusal_to_view(other_leader, me)
    assert "Only program staff" in svc.refusal_to_view(peer, me)
    assert "Only program staff" in svc.refusal_to_view(reviewer, me)


def _build(factory, who, n):
    for i in range(n):
        _completed(factory, who, f"Course {i}", date(2025, 1 + i % 12, 1), date(2025, 1 + i % 12, 2), "3", 3)
        _attended(factory, who, f"Workshop {n}-{i}", date(2025, 1 + i % 12, 10))
    db.session.commit()


def test_statements_do_not_grow_with_entries(factory, cast):
    me, other = cast
    _build(factory, me, 2)
    _build(factory, other, 25)
    db.session.expire_all()
    assert me.name and other.name  # the people themselves are loaded before counting
    with counting() as few:
        assert len(svc.transcript_for(me, TODAY).entries) == 4
    with counting() as many:
        assert len(svc.transcript_for(other, TODAY).entries) == 50
    assert len(few) == len(many) <= 3, (few, many)  # requests, registrations, their sessions
