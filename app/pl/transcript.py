"""An educator's PL transcript: the professional learning they completed, with dates, hours and PDPs,
and where they stand toward the 150 PDPs Massachusetts licensure renewal asks for in a five-year cycle.

Two sources make the entries:

* completed PL requests (``PLRequest.state == completed``): the educator recorded attendance, hours
  and the PDPs earned when completing the request;
* registrations to catalog opportunities whose attendance staff recorded (``Registration.attended``):
  the opportunity's hours and PDPs, dated by its first and last sessions (in Boston).

The licensure cycle runs five years from ``User.license_cycle_starts_on``; when the educator has not
said when theirs started, the transcript counts the five years ending today and says so. An entry
counts toward the cycle when it ended inside the window. Hours are ``Decimal``; the transcript is
built from two queries whatever the number of entries.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import Opportunity, PLRequest, PLRequestState, Registration, User
from workflows.pl_request import PDPS_PER_LICENSE_CYCLE

CYCLE_YEARS = 5
EARLIEST_CYCLE_START = date(1990, 1, 1)
ZERO_HOURS = Decimal("0.00")
ONE_DAY = timedelta(days=1)
OTHERS_REFUSAL = "Only program staff and the educator's school leader can see another educator's PL transcript."


class TranscriptError(FormError):
    """A refusal the user reads. ``problems`` are (form field name or None, sentence); ``messages`` the
    sentences."""

    def __init__(self, problems):
        super().__init__(list(problems))


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of the transcript."""

    source: str  # "request" (a completed PL request) or "registration" (attended catalog PL)
    source_id: int
    title: str
    provider: str
    starts_on: date | None
    ends_on: date | None
    hours: Decimal
    pdps: int
    completed_on: date | None  # when the educator recorded completion (requests) or staff recorded attendance

    @property
    def source_label(self) -> str:
        return "PL request" if self.source == "request" else "Catalog registration"

    @property
    def earned_on(self) -> date | None:
        """The day the PDPs count from: the last day of the PL, else the day completion was recorded."""
        return self.ends_on or self.starts_on or self.completed_on


@dataclass(frozen=True)
class LicensureCycle:
    starts_on: date
    ends_on: date  # the cycle's last day
    assumed: bool  # True: the educator has not set a start; the window is the five years ending today
    pdps_earned: int
    target: int = PDPS_PER_LICENSE_CYCLE

    @property
    def still_needed(self) -> int:
        return max(self.target - self.pdps_earned, 0)

    @property
    def complete(self) -> bool:
        return self.pdps_earned >= self.target

    @property
    def progress_value(self) -> int:
        """The figure the progress bar shows (capped at the target)."""
        return min(self.pdps_earned, self.target)

    @property
    def percent(self) -> int:
        return min(100, (self.pdps_earned * 100) // self.target) if self.target else 100

    def contains(self, day: date | None) -> bool:
        return day is not None and self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Transcript:
    user: User
    entries: list[TranscriptEntry]
    total_hours: Decimal
    total_pdps: int
    cycle: LicensureCycle
    today: date

    def in_cycle(self, entry: TranscriptEntry) -> bool:
        return self.cycle.contains(entry.earned_on)


# -- dates -----------------------------------------------------------------------------------
def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years; February 29 becomes February 28 in a year without one."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def cycle_window(starts_on: date | None, today: date) -> tuple[date, date, bool]:
    """(first day, last day, assumed) of the licensure cycle."""
    if starts_on is None:
        return add_years(today, -CYCLE_YEARS) + ONE_DAY, today, True
    return starts_on, add_years(starts_on, CYCLE_YEARS) - ONE_DAY, False


def _local_day(dt: datetime | None) -> date | None:
    local = clock.local(dt)
    return local.date() if local is not None else None


# -- the transcript --------------------------------------------------------------------------
def _request_entries(user: User) -> list[TranscriptEntry]:
    stmt = (
        select(PLRequest)
        .where(PLRequest.requester_id == user.id, PLRequest.state == PLRequestState.COMPLETED)
        .options(lazyload(PLRequest.requester), lazyload(PLRequest.school), lazyload(PLRequest.need),
                 lazyload(PLRequest.decisions), lazyload(PLRequest.opportunity, Opportunity.terms),
                 lazyload(PLRequest.opportunity, Opportunity.sessions))
    )
    return [
        TranscriptEntry(
            source="request", source_id=r.id, title=r.display_title, provider=r.display_provider,
            starts_on=r.starts_on, ends_on=r.ends_on, hours=r.hours_completed or ZERO_HOURS,
            pdps=r.pdps_earned or 0, completed_on=_local_day(r.completed_at),
        )
        for r in db.session.scalars(stmt).unique()
    ]


def _registration_entries(user: User) -> list[TranscriptEntry]:
    stmt = (
        select(Registration)
        .where(Registration.user_id == user.id, Registration.attended.is_(True))
        .options(lazyload(Registration.user), lazyload(Registration.opportunity, Opportunity.terms),
                 selectinload(Registration.opportunity, Opportunity.sessions))
    )
    entries = []
    for reg in db.session.scalars(stmt).unique():
        opp = reg.opportunity
        days = [_local_day(s.starts_at) for s in opp.sessions] + [_local_day(s.ends_at) for s in opp.sessions]
        days = [d for d in days if d is not None]
        entries.append(TranscriptEntry(
            source="registration", source_id=reg.id, title=opp.title, provider=opp.provider_name,
            starts_on=min(days, default=None), ends_on=max(days, default=None), hours=opp.hours or ZERO_HOURS,
            pdps=opp.pdps or 0, completed_on=_local_day(reg.attendance_recorded_at),
        ))
    return entries


def _newest_first(entry: TranscriptEntry):
    return (entry.earned_on or date.min, entry.starts_on or date.min, entry.title.casefold())


def transcript_for(user: User, today: date | None = None) -> Transcript:
    """``user``'s transcript as of ``today`` (Boston): entries newest first, totals, the licensure cycle."""
    today = today or clock.today()
    entries = sorted(_request_entries(user) + _registration_entries(user), key=_newest_first, reverse=True)
    starts_on, ends_on, assumed = cycle_window(user.license_cycle_starts_on, today)
    in_window = sum(e.pdps for e in entries if e.earned_on is not None and starts_on <= e.earned_on <= ends_on)
    cycle = LicensureCycle(starts_on=starts_on, ends_on=ends_on, assumed=assumed, pdps_earned=in_window)
    return Transcript(
        user=user, entries=entries, total_hours=sum((e.hours for e in entries), ZERO_HOURS),
        total_pdps=sum(e.pdps for e in entries), cycle=cycle, today=today,
    )


# -- the educator's licensure cycle ------------------------------------------------------------
def set_cycle_start(user: User, starts_on: date | None, today: date | None = None) -> None:
    """Record when ``user``'s current licensure cycle started (a day from 1990 to today)."""
    today = today or clock.today()
    if starts_on is None:
        raise TranscriptError([("starts_on", "Enter the date your current licensure cycle started.")])
    if starts_on > today:
        raise TranscriptError([("starts_on", f"The start of your licensure cycle cannot be in the future "
                                             f"(today is {today:%B %-d, %Y}).")])
    if starts_on < EARLIEST_CYCLE_START:
        raise TranscriptError([("starts_on", f"Enter a date from {EARLIEST_CYCLE_START:%B %-d, %Y} on.")])
    user.license_cycle_starts_on = starts_on
    db.session.flush()


# -- who may read whose transcript -------------------------------------------------------------
def refusal_to_view(viewer: User, educator: User) -> str | None:
    """None when ``viewer`` may read ``educator``'s transcript, else the sentence saying why not."""
    if viewer.id == educator.id or viewer.has_role("staff"):
        return None
    if viewer.has_role("school_leader"):
        if viewer.school_id is not None and viewer.school_id == educator.school_id:
            return None
        return "A school leader sees the PL transcripts of their own school's educators only."
    return OTHERS_REFUSAL


def hours_text(hours: Decimal | None) -> str:
    """Hours as a person writes them: 6, 6.5, 12.25 (never 6.00)."""
    if hours is None:
        return "0"
    text = format(hours.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
