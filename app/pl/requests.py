"""PL requests: an educator's draft, its steps through ``workflows/pl_request.py``, the case page's
data, completion, the lists (mine, the queues, staff's list and CSV) and the home page's panel.

Every state change goes through ``app.cases.advance`` (the case page's buttons: ``fire``); the
other acts here (create, edit) leave an audit event through ``record_event``. The request pipeline
commits once.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import url_for
from sqlalchemy import exists, func, or_, select, union_all
from sqlalchemy.orm import aliased, defer, joinedload, lazyload, load_only, selectinload

from app.cases import timeline as case_timeline
from app.cases.advance import advance, fire, record_event
from app.cases.notify import active_school_leaders
from app.cases.timeline import TimelineEntry
from app.core import clock
from app.core.errors import FormError
from app.core.paging import FetchedPage
from app.extensions import db
from app.models import (
    AuditEvent,
    Opportunity,
    OpportunitySession,
    PLCertificate,
    PLDecision,
    PLRequest,
    PLRequestState,
    ProviderKind,
    Role,
    School,
    Term,
    TermKind,
    User,
    UserRole,
)
from workflows.pl_request import OPEN, PL_REQUEST, STATE_LABELS
from workflows.proposal import money

S = PLRequestState
PER_PAGE = 50

# Words for the audit events that are not transitions (the timeline shows them).
EVENT_LABELS = {
    "create": "Draft created",
    "edit": "Draft edited",
    "record_decision": "Decision recorded",
    "withdraw_decision": "Recorded decision withdrawn",
    "not_confirm_decision": "Recorded decision not confirmed",
    "ask_certificate": "Certificate asked for",
    "upload_certificate": "Certificate uploaded",
}
# The committee's own acts: only staff and the co-chairs see them on the timeline.
COMMITTEE_EVENTS = frozenset({"record_decision", "withdraw_decision", "not_confirm_decision"})

FIELD_LABELS = {
    "opportunity_id": "Opportunity",
    "title": "Title",
    "provider_name": "Provider",
    "description": "Description",
    "url": "Web address",
    "cost": "Cost",
    "starts_on": "Start date",
    "ends_on": "End date",
    "hours": "Expected hours",
    "pdps": "Expected PDPs",
    "rationale": "Rationale",
    "need_term_id": "Need it addresses",
}



class PLRequestError(FormError):
    """A refusal a user can read (``str(exc)``)."""


# -- choices for the form ----------------------------------------------------------------------
def requestable_opportunities(keep_id: int | None = None) -> list[Opportunity]:
    """Published opportunities that have not started yet and go through a request (they cost money or
    come from outside the district), plus ``keep_id`` (the one a draft already names)."""
    now = clock.now()
    upcoming = (
        Opportunity.published.is_(True)
        & ~exists().where(OpportunitySession.opportunity_id == Opportunity.id, OpportunitySession.starts_at < now)
        & exists().where(OpportunitySession.opportunity_id == Opportunity.id)
        & or_(Opportunity.cost > 0, Opportunity.provider_kind == ProviderKind.OUTSIDE)
    )
    cond = or_(upcoming, Opportunity.id == keep_id) if keep_id else upcoming
    return list(db.session.scalars(select(Opportunity).where(cond).order_by(Opportunity.title, Opportunity.id)))


def need_terms(keep_id: int | None = None) -> list[Term]:
    """The active topics of the taxonomy (and the one a draft already names)."""
    cond = (Term.kind == TermKind.TOPIC) & Term.active.is_(True)
    if keep_id:
        cond = or_(cond, Term.id == keep_id)
    return list(db.session.scalars(select(Term).where(cond).order_by(Term.position, Term.name)))


def prefill_from(opportunity: Opportunity) -> dict[str, Any]:
    """What a new request copies from a catalog entry: title, provider, cost, dates, hours, PDPs."""
    starts = clock.local(opportunity.starts_at)
    ends = clock.local(opportunity.ends_at)
    return {
        "opportunity": str(opportunity.id),
        "title": opportunity.title,
        "provider_name": opportunity.provider_name,
        "url": opportunity.url or "",
        "cost": opportunity.cost,
        "starts_on": starts.date() if starts else None,
        "ends_on": ends.date() if ends else None,
        "hours": opportunity.hours,
        "pdps": opportunity.pdps,
    }


# -- drafting -------------------------------------------------------------------------------------
@dataclass
class DraftData:
    opportunity_id: int | None = None
    title: str = ""
    provider_name: str = ""
    description: str = ""
    url: str = ""
    cost: Decimal | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    hours: Decimal | None = None
    pdps: int | None = None
    rationale: str = ""
    need_term_id: int | None = None


def _apply(request: PLRequest, data: DraftData) -> list[str]:
    changed = []
    for f in fields(DraftData):
        value = getattr(data, f.name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(request, f.name) != value:
            setattr(request, f.name, value)
            changed.append(FIELD_LABELS[f.name])
    request.opportunity = db.session.get(Opportunity, data.opportunity_id) if data.opportunity_id else None
    request.set_budget_year()
    return changed


def create_draft(actor: User, data: DraftData) -> PLRequest:
    """A new draft by ``actor``, from the school they belong to now. It may be incomplete."""
    if not actor.has_role("educator"):
        raise PLRequestError("Only educators make PL requests.")
    request = PLRequest(requester=actor, school_id=actor.school_id, state=S.DRAFT)
    _apply(request, data)
    db.session.add(request)
    db.session.flush()
    record_event(request, "create", actor, data={"title": request.display_title})
    db.session.flush()
    return request


def save_draft(request: PLRequest, actor: User, data: DraftData) -> AuditEvent:
    if request.requester_id != actor.id:
        raise PLRequestError("Only the educator who made this request can edit it.")
    if request.state is not S.DRAFT:
        raise PLRequestError(f"A request that is {request.state_label.lower()} can no longer be edited.")
    changed = _apply(request, data)
    request.updated_at = clock.now()
    event = record_event(request, "edit", actor, data={"fields": changed})
    db.session.flush()
    return event


def draft_from(data: dict) -> DraftData:
    """The draft as the request form sent it (its ``opportunity`` and ``need`` are ids as text)."""
    return DraftData(
        opportunity_id=int(data["opportunity"]) if data.get("opportunity") else None,
        title=data.get("title") or "", provider_name=data.get("provider_name") or "",
        description=data.get("description") or "", url=data.get("url") or "", cost=data.get("cost"),
        starts_on=data.get("starts_on"), ends_on=data.get("ends_on"), hours=data.get("hours"), pdps=data.get("pdps"),
        rationale=data.get("rationale") or "", need_term_id=int(data["need"]) if data.get("need") else None,
    )


def form_data(request: PLRequest) -> dict:
    """The draft as the request form shows it."""
    return {
        "opportunity": str(request.opportunity_id) if request.opportunity_id else "",
        "title": request.title, "provider_name": request.provider_name, "description": request.description,
        "url": request.url, "cost": request.cost, "starts_on": request.starts_on, "ends_on": request.ends_on,
        "hours": request.hours, "pdps": request.pdps, "rationale": request.rationale,
        "need": str(request.need_term_id) if request.need_term_id else "",
    }


def save(request: PLRequest | None, actor: User, fields: Callable[[], dict], submit: bool = False) -> PLRequest:
    """Create the draft (``request`` None) or save it, as ``fields`` (a form's reader) gives it, and submit it
    when asked. Raises PLRequestError or the workflow's refusal; the pipeline rolls back."""
    if request is None:
        request = create_draft(actor, draft_from(fields()))
    else:
        save_draft(request, actor, draft_from(fields()))
    if submit:
        fire(request, "submit", actor)
    return request


# -- who endorses ---------------------------------------------------------------------------------
def endorsed_by(request: PLRequest) -> str:
    """Who is asked to endorse ``request``, by name: its school's leaders, or program staff when the school
    has none (``workflows.pl_request``'s endorse row says so; ``notify.pl_endorsers`` tells the same people)."""
    leaders = active_school_leaders(request.school_id)
    if leaders:
        names = " and ".join(u.name for u in leaders)
        return f"your school leader, {names}," if len(leaders) == 1 else f"your school leaders, {names},"
    return f"program staff ({request.school_name} has no school leader in the app)"


def submitted_message(request: PLRequest) -> str:
    """The flash after submitting: who was asked to endorse it."""
    return f"Your request is submitted. We asked {endorsed_by(request)} to endorse it."


# -- the case page -------------------------------------------------------------------------------
def load_for_case_page(request_id: int) -> PLRequest | None:
    return db.session.scalars(
        select(PLRequest).where(PLRequest.id == request_id)
        .options(selectinload(PLRequest.decisions))
    ).unique().one_or_none()


# The line under an act on the timeline, by the act, where its data says more than its label.
EVENT_DETAILS = {
    "record_decision": lambda data: f"Proposed outcome: {data['outcome'].capitalize()}" if data.get("outcome") else "",
    "upload_certificate": lambda data: f"File: {data['filename']}" if data.get("filename") else "",
}


def _event_detail(e: AuditEvent) -> str:
    data = e.data or {}
    if data.get("fields"):
        return "Changed: " + ", ".join(str(f) for f in data["fields"])
    if e.trigger in EVENT_DETAILS and (text := EVENT_DETAILS[e.trigger](data)):
        return text
    if data.get("reason") and data["reason"] not in (e.comment or ""):
        return f"Reason: {data['reason']}"
    return ""


def sees_committee_events(viewer: User | None) -> bool:
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False)
                and viewer.has_role("staff", "co_chair"))


def timeline(request: PLRequest, viewer: User | None = None) -> list[TimelineEntry]:
    """The request's audit events that ``viewer`` may see, oldest first."""
    return case_timeline.build(
        "pl_request", request.id, workflow=PL_REQUEST, event_labels=EVENT_LABELS, detail=_event_detail,
        hidden=() if sees_committee_events(viewer) else COMMITTEE_EVENTS, transitions_only=True,
    )


# -- changing -------------------------------------------------------------------------------------
def complete(request: PLRequest, actor: User, *, attended: bool = False, reflection: str = "",
             hours: Decimal | None = None, pdps: int | None = None,
             fields: Callable[[], dict] | None = None) -> AuditEvent:
    """Record the completion and fire ``complete``: the workflow checks the state and who (before its
    guards read what was written); a refusal leaves the request as it was once the pipeline rolls back.
    ``fields``, the completion form's reader, gives attendance, reflection, hours and PDPs instead."""
    if fields is not None:
        data = fields()
        attended, reflection = data.get("attended"), data.get("reflection") or ""
        hours, pdps = data.get("hours_completed"), data.get("pdps_earned")
    request.attended = bool(attended)
    request.reflection = (reflection or "").strip()
    request.hours_completed = hours if hours is not None and hours > 0 else None
    request.pdps_earned = pdps if pdps is not None and pdps >= 0 else None
    return advance(request, "complete", actor)


# -- lists ----------------------------------------------------------------------------------------
def requests_of(user: User) -> list[PLRequest]:
    return list(db.session.scalars(
        select(PLRequest).where(PLRequest.requester_id == user.id)
        .order_by(PLRequest.created_at.desc(), PLRequest.id.desc())
    ).unique())


def _row_options() -> tuple:
    """What a row of the queues shows, and no more: the requester's name (not their roles or school), the
    request's school and the catalog opportunity's title and provider (not its sessions or topics), no
    need topic, no per-row question whether the school has a leader."""
    requester = joinedload(PLRequest.requester)
    opportunity = joinedload(PLRequest.opportunity)
    return (load_only(PLRequest.id, PLRequest.requester_id, PLRequest.school_id, PLRequest.state, PLRequest.version,
                      PLRequest.opportunity_id, PLRequest.title, PLRequest.provider_name, PLRequest.cost,
                      PLRequest.starts_on, PLRequest.budget_year, PLRequest.created_at, PLRequest.submitted_at),
            requester.load_only(User.id, User.name), requester.lazyload(User.roles), requester.lazyload(User.school),
            opportunity.load_only(Opportunity.id, Opportunity.title, Opportunity.provider_name),
            opportunity.lazyload(Opportunity.sessions), opportunity.lazyload(Opportunity.terms),
            lazyload(PLRequest.need), defer(PLRequest.school_has_leader))


def _queue_page(stmt, page: int):
    """A page of a person's queue (oldest first; a page past the end shows the last one)."""
    pagination = db.paginate(stmt, page=max(page, 1), per_page=PER_PAGE, error_out=False, count=True)
    if pagination.total and page > pagination.pages:
        pagination = db.paginate(stmt, page=pagination.pages, per_page=PER_PAGE, error_out=False, count=True)
    return pagination


def waiting_for_endorsement(user: User, page: int = 1):
    """A school leader's queue: their school's submitted requests, oldest first, a page at a time (None for
    someone who leads no school)."""
    if not user.has_role("school_leader") or user.school_id is None:
        return None
    where = (PLRequest.school_id == user.school_id, PLRequest.state == S.SUBMITTED)
    total = db.session.scalar(select(func.count()).select_from(PLRequest).where(*where)) or 0
    return FetchedPage(total, page, PER_PAGE, lambda offset, limit: endorsement_rows(
        where, (PLRequest.submitted_at, PLRequest.id), offset, limit))


@dataclass(frozen=True)
class QueueRow:
    """A request as a queue's row shows it (the names ``PLRequest`` gives the same things), read as plain
    columns: a request loaded whole with its requester, school and opportunity cost about 50 µs a row,
    and a school leader's queue holds every submitted request of a busy school."""

    id: int
    display_title: str
    requester_name: str
    school_name: str
    starts_on: date | None
    cost: Decimal | None
    submitted_at: datetime | None
    url: str  # the request's page


_ID_MARK = 987654321  # an id no request has: the request page's address is built once a page, then each row's
# by putting its id in place of this one (building an address costs about 7 µs, a row's other cells 10)


def endorsement_rows(where, order, offset: int, limit: int) -> list[QueueRow]:
    """The rows of the requests ``where`` selects, from ``offset`` to ``offset + limit`` in ``order``: one
    statement."""
    address, mark = url_for("pl.show", id=_ID_MARK), str(_ID_MARK)
    return [QueueRow(rid, opportunity_title if opportunity_title is not None
                     else (title or f"Untitled PL request #{rid}"), requester,
                     school if school is not None else "the educator's school", starts_on, cost, submitted_at,
                     address.replace(mark, str(rid)))
            for rid, title, opportunity_title, requester, school, starts_on, cost, submitted_at in db.session.execute(
                select(PLRequest.id, PLRequest.title, Opportunity.title, User.name, School.name, PLRequest.starts_on,
                       PLRequest.cost, PLRequest.submitted_at)
                .join(User, User.id == PLRequest.requester_id)
                .outerjoin(Opportunity, Opportunity.id == PLRequest.opportunity_id)
                .outerjoin(School, School.id == PLRequest.school_id)
                .where(*where).order_by(*order).offset(offset).limit(limit))]


def waiting_for_decision(page: int = 1):
    """The co-chairs' queue: endorsed requests that cost money, with their decisions, oldest first, a page
    at a time."""
    return _queue_page(
        select(PLRequest).where(PLRequest.state == S.ENDORSED, PLRequest.cost > 0)
        .options(selectinload(PLRequest.decisions), *_row_options())
        .order_by(PLRequest.submitted_at, PLRequest.id), page)


# The schools with an active school leader (a few hundred rows at most, whatever the years of requests).
_LED_SCHOOLS = (select(User.school_id).join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == Role.SCHOOL_LEADER, User.active.is_(True), User.school_id.is_not(None)))
# Staff endorse a request whose school has no school leader: it waits for them. The same condition as
# ``~PLRequest.school_has_leader``, asked the other way round: the schools without a leader first, then
# their submitted requests (and those of educators with no school) through the index on (school_id,
# state, submitted_at), instead of asking each submitted request of the district whether its school
# has a leader.
_UNLED_SCHOOLS = select(School.id).where(School.id.not_in(_LED_SCHOOLS))
WAITS_FOR_STAFF = PLRequest.id.in_(union_all(
    select(PLRequest.id).where(PLRequest.school_id.is_(None), PLRequest.state == S.SUBMITTED),
    select(PLRequest.id).where(PLRequest.school_id.in_(_UNLED_SCHOOLS), PLRequest.state == S.SUBMITTED)))


def _staff_query(state: str | None, year: str | None, endorser: str | None = None):
    stmt = select(PLRequest)
    if state:
        stmt = stmt.where(PLRequest.state == S(state))
    if year:
        stmt = stmt.where(PLRequest.budget_year == year)
    if endorser == "staff":
        stmt = stmt.where(WAITS_FOR_STAFF)
    return stmt.order_by(PLRequest.created_at.desc(), PLRequest.id.desc())


def all_requests(state: str | None = None, year: str | None = None, page: int = 1, endorser: str | None = None):
    """Staff's list: every request, filtered by state, budget year and whether it waits for staff's
    endorsement, a page at a time."""
    return db.paginate(_staff_query(state, year, endorser).options(*_row_options()), page=max(page, 1), per_page=PER_PAGE,
                       error_out=False, count=True)


def waiting_for_staff_count() -> int:
    """How many submitted requests wait for program staff's endorsement (their school has no school leader)."""
    return db.session.scalar(select(func.count(PLRequest.id)).where(WAITS_FOR_STAFF)) or 0


def budget_years() -> list[str]:
    """The budget years requests were made for, the latest first: one index seek a year (a recursive query
    stepping down the index on (budget_year, state) from the latest year to the one before), not a DISTINCT
    over every request of the years."""
    years = select(func.max(PLRequest.budget_year).label("year")).cte("years", recursive=True)
    before = select(func.max(PLRequest.budget_year)).where(PLRequest.budget_year < years.c.year).scalar_subquery()
    years = years.union_all(select(before).where(years.c.year.is_not(None), years.c.year != ""))
    return sorted((y for y in db.session.scalars(select(years.c.year)) if y), reverse=True)


CSV_HEADERS = ["Request", "Educator", "School", "Title", "Provider", "Cost", "Starts", "Ends", "Budget year",
               "State", "Submitted", "Decided", "Hours completed", "PDPs earned"]


def queue_rows(state: str | None = None, year: str | None = None, endorser: str | None = None) -> Iterator[list]:
    """Staff's list with its filters, every row (``CSV_HEADERS``): plain columns, read 500 at a time."""
    requester = aliased(User)
    stmt = (_staff_query(state, year, endorser).with_only_columns(
        PLRequest.id, requester.name, School.name, Opportunity.title, PLRequest.title, Opportunity.provider_name,
        PLRequest.provider_name, PLRequest.cost, PLRequest.starts_on, PLRequest.ends_on, PLRequest.budget_year,
        PLRequest.state, PLRequest.submitted_at, PLRequest.decided_at, PLRequest.hours_completed,
        PLRequest.pdps_earned)
        .join(requester, requester.id == PLRequest.requester_id)
        .outerjoin(School, School.id == PLRequest.school_id)
        .outerjoin(Opportunity, Opportunity.id == PLRequest.opportunity_id)
        .execution_options(yield_per=500))
    for (rid, name, school, opp_title, title, opp_provider, provider, cost, starts, ends, year_, state_, submitted,
         decided, hours, pdps) in db.session.execute(stmt):
        yield [rid, name, school or "", opp_title if opp_title is not None else title or f"Untitled PL request #{rid}",
               opp_provider if opp_title is not None else provider, cost, starts, ends, year_, STATE_LABELS[state_],
               clock.local(submitted).date() if submitted else None,
               clock.local(decided).date() if decided else None, hours, pdps]


# -- the home page's panel ------------------------------------------------------------------------
# Program staff asked for the certificate, and none was uploaded since.
CERTIFICATE_WAITING = (
    (PLRequest.state == S.COMPLETED) & PLRequest.certificate_requested_at.is_not(None)
    & ~exists().where(PLCertificate.request_id == PLRequest.id,
                      PLCertificate.uploaded_at >= PLRequest.certificate_requested_at)
)


def home_panel(user: User | None, today: date | None = None) -> dict | None:
    """What ``templates/pl/_home.html`` shows ``user``, or None when PL requests are not theirs.

    Educators: their open requests (with what to do next) and the certificates staff asked them for; school leaders: how many wait for their
    endorsement; program staff: how many wait for theirs (from schools with no school leader); co-chairs: how many endorsed requests that cost money wait for a decision, and how
    many decisions of the other side wait for their confirmation.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    is_educator = user.has_role("educator")
    is_leader = user.has_role("school_leader") and user.school_id is not None
    is_co_chair = user.has_role("co_chair")
    is_staff = user.has_role("staff")
    if not (is_educator or is_leader or is_co_chair or is_staff):
        return None
    panel: dict[str, Any] = {"educator": is_educator, "school_leader": is_leader, "co_chair": is_co_chair,
                             "staff": is_staff}
    if is_staff:
        panel["staff_to_endorse"] = waiting_for_staff_count()
    if is_educator:
        mine = db.session.scalars(
            select(PLRequest).where(PLRequest.requester_id == user.id, PLRequest.state.in_(OPEN))
            .order_by(PLRequest.starts_on.is_(None), PLRequest.starts_on, PLRequest.id)
        ).unique().all()
        panel["open"] = [{"request": r, "next": _educator_next(r, today or clock.today())} for r in mine]
        panel["certificates"] = db.session.scalars(
            select(PLRequest).where(PLRequest.requester_id == user.id, CERTIFICATE_WAITING)
            .order_by(PLRequest.certificate_requested_at, PLRequest.id)
        ).unique().all()
    if is_leader:
        panel["to_endorse"] = db.session.scalar(
            select(func.count(PLRequest.id)).where(PLRequest.school_id == user.school_id,
                                                   PLRequest.state == S.SUBMITTED)) or 0
    if is_co_chair:
        panel["to_decide"] = db.session.scalar(
            select(func.count(PLRequest.id)).where(PLRequest.state == S.ENDORSED, PLRequest.cost > 0)) or 0
        pending = PLDecision.is_pending
        panel["to_confirm"] = db.session.scalar(
            select(func.count(PLDecision.id)).join(PLRequest, PLRequest.id == PLDecision.request_id)
            .where(pending, PLRequest.state == S.ENDORSED, PLDecision.proposed_side != user.side)
        ) or 0 if user.side is not None else 0
    return panel


def _educator_next(r: PLRequest, today: date) -> str:
    if r.state is S.DRAFT:
        return "Finish and submit it."
    if r.state is S.SUBMITTED:
        if not r.school_has_leader:
            return "Waiting for program staff's endorsement (your school has no school leader in the app)."
        return "Waiting for your school leader's endorsement."
    if r.state is S.ENDORSED:
        return "Waiting for the committee's decision."
    ends = r.ends_at
    if ends is not None and clock.now() < ends:
        return f"Approved: record its completion after it ends ({clock.local(ends):%B %-d, %Y})."
    return "Approved: record your attendance, a reflection, hours and PDPs."


def cost_text(r: PLRequest) -> str:
    return money(r.cost) if r.cost is not None else "Not given"


__all__ = [
    "COMMITTEE_EVENTS", "EVENT_LABELS", "DraftData", "PLRequestError", "QueueRow", "TimelineEntry", "all_requests",
    "endorsed_by", "submitted_message", "waiting_for_staff_count",
    "budget_years", "complete", "create_draft", "draft_from", "form_data", "home_panel", "save", "load_for_case_page", "need_terms", "prefill_from",
    "endorsement_rows", "queue_rows", "requestable_opportunities", "requests_of", "save_draft", "timeline",
    "waiting_for_decision",
    "waiting_for_endorsement",
]
