"""Direct registration for free in-district PL: seats, the waitlist, promotion, rosters, attendance.

Every act that counts seats first locks the opportunity's row (``workflow.lock``: SELECT ... FOR
UPDATE on PostgreSQL), so two people registering at once are served one after the other and
cannot both take the last seat. Registrations are not workflow cases: nothing is written to the
audit log, but each row keeps its own timestamps (queued, registered, promoted, cancelled,
attendance recorded).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import selectinload

from app.cases import advance, notify
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import Opportunity, Registration, RegistrationStatus, User

REGISTERED = RegistrationStatus.REGISTERED
WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED
ACTIVE = (REGISTERED, WAITLISTED)


class RegistrationError(FormError):
    """A refusal the user reads: a sentence, or (form field name or None, sentence) pairs."""


# -- reading -----------------------------------------------------------------------------------
def has_started(opportunity: Opportunity, now: datetime | None = None) -> bool:
    """The first session has begun (or is over): too late to register, cancel or be promoted."""
    starts = opportunity.starts_at
    return starts is not None and starts <= (now or clock.now())


def registration_of(opportunity: Opportunity, user: User) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(Registration.opportunity_id == opportunity.id, Registration.user_id == user.id)
    )


def seats_taken(opportunity: Opportunity) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(Registration.opportunity_id == opportunity.id,
                                                  Registration.status == REGISTERED)
    ) or 0


def waitlist_length(opportunity: Opportunity) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(Registration.opportunity_id == opportunity.id,
                                                  Registration.status == WAITLISTED)
    ) or 0


def counts_for(opportunity_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(seats taken, people waiting) per opportunity id, in one grouped statement."""
    ids = list(set(opportunity_ids))
    out = {i: (0, 0) for i in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(Registration.opportunity_id, Registration.status, func.count(Registration.id))
        .where(Registration.opportunity_id.in_(ids), Registration.status.in_(ACTIVE))
        .group_by(Registration.opportunity_id, Registration.status)
    )
    for opp_id, status, n in rows:
        taken, waiting = out[opp_id]
        out[opp_id] = (n, waiting) if status == REGISTERED else (taken, n)
    return out


def seats_left(opportunity: Opportunity, taken: int | None = None) -> int | None:
    """Free seats, or None when the opportunity has no limit."""
    if opportunity.capacity is None:
        return None
    taken = seats_taken(opportunity) if taken is None else taken
    return max(opportunity.capacity - taken, 0)


def waitlist_place(registration: Registration) -> int | None:
    """1 for the first person in line; None when not on the waitlist."""
    if registration.status is not WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.opportunity_id == registration.opportunity_id,
            Registration.status == WAITLISTED,
            tuple_(Registration.queued_at, Registration.id) < tuple_(registration.queued_at, registration.id),
        )
    ) or 0
    return ahead + 1


def waitlist(opportunity: Opportunity, limit: int | None = None) -> list[Registration]:
    """The waitlist in order: who queued first (then the lower id)."""
    q = (select(Registration).where(Registration.opportunity_id == opportunity.id, Registration.status == WAITLISTED)
         .order_by(Registration.queued_at, Registration.id))
    if limit is not None:
        q = q.limit(limit)
    return list(db.session.scalars(q))


def panel(opportunity: Opportunity, user) -> dict:
    """What the catalog page's registration panel (``catalog/_registration_panel.html``) shows: the
    seats, the viewer's registration (``status``: REGISTERED or WAITLISTED, None without one) and which
    button they get."""
    signed_in = bool(user and user.is_authenticated)
    direct = opportunity.direct_registration
    taken, waiting = counts_for([opportunity.id])[opportunity.id] if direct else (0, 0)
    left = seats_left(opportunity, taken) if direct else None
    reg = registration_of(opportunity, user) if (signed_in and direct) else None
    status = reg.status if reg is not None and reg.status in ACTIVE else None
    started = has_started(opportunity)
    is_educator = signed_in and user.has_role("educator")
    open_ = direct and opportunity.published and not started
    return {
        "direct": direct, "signed_in": signed_in, "capacity": opportunity.capacity, "taken": taken,
        "waiting": waiting, "seats_left": left, "full": left == 0, "started": started, "open": open_,
        "status": status,
        "place": waitlist_place(reg) if status is WAITLISTED else None,
        "attended": reg.attended if status is REGISTERED else None,
        "can_register": open_ and is_educator and status is None,
        "can_cancel": is_educator and (status is WAITLISTED or (status is REGISTERED and not started)),
        "is_educator": is_educator,
        "is_staff": signed_in and user.has_role("staff"),
    }


# -- acting ------------------------------------------------------------------------------------
def register(opportunity: Opportunity, user: User) -> Registration:
    """Take a seat if one is left, else join the back of the waitlist."""
    opp = advance.lock(opportunity)
    now = clock.now()
    existing = registration_of(opp, user)
    problems: list[tuple[str | None, str]] = []
    if not opp.direct_registration:
        problems.append((None, f"“{opp.title}” does not take direct registration: it is outside or paid PL. "
                               "Request it instead with a PL request."))
    elif not opp.published:
        problems.append((None, f"“{opp.title}” is not published in the catalog, so it does not take registrations."))
    elif has_started(opp, now):
        problems.append((None, f"“{opp.title}” has already started, so registration is closed."))
    elif existing is not None and existing.status is REGISTERED:
        problems.append((None, f"You are already registered for “{opp.title}”."))
    elif existing is not None and existing.status is WAITLISTED:
        problems.append((None, f"You are already on the waitlist for “{opp.title}” "
                               f"(place {waitlist_place(existing)} in line)."))
    if problems:
        raise RegistrationError(problems)

    left = seats_left(opp)
    status = REGISTERED if left is None or left > 0 else WAITLISTED
    reg = existing or Registration(opportunity=opp, user=user)
    reg.status = status
    reg.queued_at = now  # a returning person goes to the back of the line
    reg.registered_at = now if status is REGISTERED else None
    reg.promoted_at = None
    reg.cancelled_at = None
    reg.attended = None
    reg.attendance_recorded_at = None
    if existing is None:
        db.session.add(reg)
    db.session.flush()
    return reg


def cancel(opportunity: Opportunity, user: User) -> tuple[Registration, list[Registration]]:
    """Give up a seat (the first waitlisted person takes it) or leave the waitlist.

    Returns the cancelled registration and whoever was promoted into the freed seat."""
    opp = advance.lock(opportunity)
    now = clock.now()
    reg = registration_of(opp, user)
    if reg is None or reg.status is CANCELLED:
        raise RegistrationError(f"You are not registered or on the waitlist for “{opp.title}”.")
    if reg.status is REGISTERED and has_started(opp, now):
        raise RegistrationError(f"“{opp.title}” has already started, so the registration can no longer be "
                                "cancelled here. Contact the organizer if you could not attend.")
    freed = reg.status is REGISTERED
    reg.status = CANCELLED
    reg.cancelled_at = now
    reg.registered_at = None if not freed else reg.registered_at
    db.session.flush()
    promoted = fill_open_seats(opp, actor=user) if freed else []
    return reg, promoted


def fill_open_seats(opportunity: Opportunity, actor: User | None = None) -> list[Registration]:
    """Move as many people off the waitlist (first in line first) as there are free seats, and tell
    each of them by email and in the app. No limit: everyone waiting is promoted. Nobody is promoted
    once the opportunity has started."""
    opp = advance.lock(opportunity)
    now = clock.now()
    if has_started(opp, now):
        return []
    left = seats_left(opp)
    if left == 0:
        return []
    promoted = waitlist(opp, limit=left)
    for reg in promoted:
        reg.status = REGISTERED
        reg.promoted_at = now
        reg.registered_at = now
    db.session.flush()
    for reg in promoted:
        _tell_promoted(reg, actor)
    return promoted


def _tell_promoted(reg: Registration, actor: User | None) -> None:
    opp = reg.opportunity
    body = notify.render_body("registration_promoted.txt", recipient=reg.user, opportunity=opp,
                              link=notify.absolute_url("registrations.mine"))
    notify.queue(reg.user, notify.one_line(f"You have a seat: {opp.title}"), body,
                 link=notify.app_path("registrations.mine"))


# -- roster and attendance ---------------------------------------------------------------------
@dataclass
class Roster:
    opportunity: Opportunity
    registered: list[Registration]
    waitlisted: list[Registration]
    started: bool

    @property
    def seats_left(self) -> int | None:
        return seats_left(self.opportunity, len(self.registered))


def roster(opportunity: Opportunity) -> Roster:
    """Registered people (by name) and the waitlist (in line order), with their schools, in one statement."""
    rows = list(db.session.scalars(
        select(Registration)
        .where(Registration.opportunity_id == opportunity.id, Registration.status.in_(ACTIVE))
        .options(selectinload(Registration.user).joinedload(User.school))
        .order_by(Registration.queued_at, Registration.id)
    ).unique())
    registered = sorted((r for r in rows if r.status is REGISTERED), key=lambda r: (r.user.name.lower(), r.id))
    waiting = [r for r in rows if r.status is WAITLISTED]
    return Roster(opportunity, registered, waiting, has_started(opportunity))


def record_attendance(opportunity: Opportunity, attended_ids: Iterable[int], actor: User) -> int:
    """Mark each registered person attended (in ``attended_ids``) or not. Only after the first
    session has started; an id that is not a registered person here is refused (nothing saved).
    Returns how many attended."""
    opp = advance.lock(opportunity)
    now = clock.now()
    if not has_started(opp, now):
        raise RegistrationError([(None, f"“{opp.title}” has not started yet: record attendance once the "
                                        "first session has begun.")])
    ids = set(attended_ids)
    registered = {r.id: r for r in db.session.scalars(
        select(Registration).where(Registration.opportunity_id == opp.id, Registration.status == REGISTERED))}
    strangers = sorted(ids - registered.keys())
    if strangers:
        raise RegistrationError([("attended", "Attendance can only be recorded for people registered for "
                                              f"“{opp.title}” (not for registration {', '.join(map(str, strangers))}).")])
    for rid, reg in registered.items():
        reg.attended = rid in ids
        reg.attendance_recorded_at = now
    db.session.flush()
    return len(ids)


ROSTER_HEADER = ["Status", "Place in line", "Name", "Email", "School", "Registered or queued (Boston time)",
                 "Attended"]


def _person(reg: Registration) -> list[str]:
    u = reg.user
    return [u.name, u.email, u.school.name if u.school else ""]


def roster_rows(r: Roster) -> Iterator[list]:
    """The roster's rows (``ROSTER_HEADER``): the registered people, then the waitlist in line order."""
    for reg in r.registered:
        yield ["Registered", "", *_person(reg), reg.registered_at or reg.queued_at, reg.attended]
    for place, reg in enumerate(r.waitlisted, start=1):
        yield ["Waitlisted", place, *_person(reg), reg.queued_at, ""]


def mine(user: User) -> list[Registration]:
    """A person's registrations and waitlist places (not cancelled ones), soonest first."""
    rows = list(db.session.scalars(
        select(Registration).where(Registration.user_id == user.id, Registration.status.in_(ACTIVE))
        .options(selectinload(Registration.opportunity).selectinload(Opportunity.sessions))
    ).unique())
    far = datetime.max.replace(tzinfo=clock.now().tzinfo)
    rows.sort(key=lambda r: (r.opportunity.starts_at or far, r.id))
    return rows


def waitlist_places(registrations: Iterable[Registration]) -> dict[int, int]:
    """Place in line per waitlisted registration id, in one statement for any number of them."""
    waiting = [r for r in registrations if r.status is WAITLISTED]
    if not waiting:
        return {}
    opp_ids = {r.opportunity_id for r in waiting}
    line = db.session.execute(
        select(Registration.id, Registration.opportunity_id)
        .where(Registration.opportunity_id.in_(opp_ids), Registration.status == WAITLISTED)
        .order_by(Registration.opportunity_id, Registration.queued_at, Registration.id)
    ).all()
    places, counter = {}, {}
    for rid, oid in line:
        counter[oid] = counter.get(oid, 0) + 1
        places[rid] = counter[oid]
    return {r.id: places[r.id] for r in waiting if r.id in places}


__all__ = [
    "RegistrationError", "Roster", "cancel", "counts_for", "fill_open_seats", "has_started", "mine", "panel",
    "record_attendance", "register", "registration_of", "roster", "roster_rows", "ROSTER_HEADER", "seats_left", "seats_taken",
    "waitlist", "waitlist_length", "waitlist_place", "waitlist_places",
]
