"""The PL catalog (CONNECT): browsing and search, and the one set of rules for an opportunity's fields.

``validate(fields)`` is the only place the rules live: the staff form and every row of a CSV import
hand it a dict of what was typed (strings; term names; sessions as rows or as the CSV's text) and get
back the cleaned values or a list of problems, each in words and tied to a field name. ``create`` and
``update`` take the cleaned values (``save`` is the staff form's: validate, then create or update);
``import_csv`` validates every row and writes all or nothing (``import_file`` refuses a bad file); a row
that names an opportunity already in the catalog (its external id, or without one its provider, title and
first session) updates it, or changes nothing when nothing differs, so importing the same file twice
changes nothing.

The catalog list costs a fixed number of statements whatever the number of opportunities: the page
and its count (2), the page's terms and sessions (2, selectin) and the page's seats taken (1), plus
the filters' term choices (1).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.core import changes, clock, csvfile, search, slugs
from app.core.errors import FormError
from app.core.urls import parse_id
from app.core.values import (
    YEAR_MAX,
    YEAR_MIN,
    control_character,
    decimal_or_none,
    in_date_window,
    more_than_cents,
)
from app.extensions import db
from app.models import (
    Opportunity,
    OpportunitySession,
    PLFormat,
    ProviderKind,
    Registration,
    RegistrationStatus,
    Term,
    TermKind,
    User,
)
from app.models.learning import opportunity_term
from workflows.pl_request import pdps_over_hours

PER_PAGE = 12
MAX_QUERY_CHARS = search.MAX_QUERY_CHARS
MAX_TERMS = search.MAX_TERMS

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
PROVIDER_MAX = 160
URL_MAX = 500
EMAIL_MAX = 254
EXTERNAL_ID_MAX = 120
LOCATION_MAX = 200
CAPACITY_MAX = 100_000
PDPS_MAX = 1_000
HOURS_MAX = Decimal("9999.99")
MONEY_MAX = Decimal("1000000000.00")

MAX_IMPORT_ROWS = 1_000
MAX_IMPORT_BYTES = 2 * 1024 * 1024

# The CSV columns, in order (the export writes them; the import reads them).
COLUMNS = ("title", "description", "provider_kind", "provider_name", "format", "cost", "capacity", "pdps",
           "hours", "topics", "grade_bands", "subjects", "url", "contact_email", "sessions", "published",
           "external_id")
REQUIRED_COLUMNS = ("title", "provider_kind", "format", "cost", "sessions")
TERM_FIELDS = {"topics": TermKind.TOPIC, "grade_bands": TermKind.GRADE_BAND, "subjects": TermKind.SUBJECT}
TERM_WORD = {TermKind.TOPIC: "topic", TermKind.GRADE_BAND: "grade band", TermKind.SUBJECT: "subject"}
DEFAULT_PROVIDER = {ProviderKind.BTU: "Boston Teachers Union", ProviderKind.BPS: "Boston Public Schools"}
# Slugs that would be taken for one of the catalog's own pages.
RESERVED_SLUGS = {"new", "import", "export"}

SESSION_RE = re.compile(
    r"^\s*(?P<day>\S+)\s+(?P<starts>\d{1,2}:\d{2})\s*-\s*(?P<ends>\d{1,2}:\d{2})\s*(?:@\s*(?P<location>.*))?$"
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CatalogError(FormError):
    """Refused: ``problems`` are (field name or None, message) pairs, worded as ``validate`` words them
    ("cost ‘abc’ is not an amount", to follow "Row 3: " in an import); ``messages`` (and ``fields``)
    are the same as sentences on their own."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        problems = list(problems)
        super().__init__([(name, sentence(m)) for name, m in problems])
        self.problems = problems
        self.args = ("; ".join(m for _, m in problems),)


def sentence(message: str) -> str:
    """A problem as a sentence on its own ("cost ..." -> "Cost ...")."""
    return message[:1].upper() + message[1:]


# -- the rules -----------------------------------------------------------------------------------
@dataclass
class SessionData:
    starts_at: datetime
    ends_at: datetime
    location: str
    id: int | None = None


@dataclass
class OpportunityData:
    title: str
    description: str
    provider_kind: ProviderKind
    provider_name: str
    format: PLFormat
    cost: Decimal
    capacity: int | None
    pdps: int
    hours: Decimal
    url: str
    contact_email: str
    published: bool
    terms: list[Term]
    sessions: list[SessionData]
    external_id: str = ""  # from an import; the staff form has none (an opportunity keeps the one it has)


def active_terms() -> list[Term]:
    return list(db.session.scalars(
        select(Term).where(Term.active.is_(True)).order_by(Term.kind, Term.position, Term.name)
    ))


class Taxonomy:
    """Term look-up by kind and name (case-insensitive): the active terms, plus any already attached."""

    def __init__(self, terms: Iterable[Term] | None = None, extra: Iterable[Term] = ()):
        self.by_name: dict[tuple[TermKind, str], Term] = {}
        for t in [*(active_terms() if terms is None else terms), *extra]:
            self.by_name[(t.kind, t.name.strip().lower())] = t

    def find(self, kind: TermKind, name: str) -> Term | None:
        return self.by_name.get((kind, name.strip().lower()))


def _text(fields: Mapping, name: str) -> str:
    value = fields.get(name)
    return "" if value is None else str(value).strip()


def _shown(raw: str, limit: int = 40) -> str:
    return "‘" + (raw if len(raw) <= limit else raw[:limit] + "…") + "’"


def _decimal(raw: str) -> Decimal | None:
    return decimal_or_none(raw)


def _whole(raw: str) -> int | None:
    cleaned = raw.replace(",", "").strip()
    return int(cleaned) if re.fullmatch(r"[+-]?\d{1,9}", cleaned) else None


def _boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    raw = ("" if value is None else str(value)).strip().lower()
    if raw in ("", "y", "yes", "true", "1", "on", "published"):
        return True
    if raw in ("n", "no", "false", "0", "off", "unpublished", "draft"):
        return False
    return None


def _choice(enum_cls, raw: str):
    key = re.sub(r"[\s-]+", "_", raw.strip().lower())
    for member in enum_cls:
        if key in (member.value, re.sub(r"[\s-]+", "_", member.label.lower())):
            return member
    return None


def _day(raw: str) -> date | None:
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def _clock_time(raw: str) -> time | None:
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(raw.strip(), fmt).time()
        except ValueError:
            continue
    return None


def boston_to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=clock.BOSTON).astimezone(UTC)


def _names(value) -> list[str]:
    if value is None:
        return []
    items = value.split(";") if isinstance(value, str) else list(value)
    return [str(i).strip() for i in items if str(i).strip()]


def parse_sessions_text(text: str) -> list[dict]:
    """The CSV's sessions (``YYYY-MM-DD HH:MM-HH:MM @ Location`` separated by ``;``) as session rows;
    a piece that is not of that shape becomes a row with ``raw`` set, reported by ``validate``."""
    rows = []
    for piece in (p.strip() for p in (text or "").split(";")):
        if not piece:
            continue
        m = SESSION_RE.match(piece)
        if m is None:
            rows.append({"raw": piece})
        else:
            rows.append({"day": m["day"], "starts": m["starts"], "ends": m["ends"],
                         "location": (m["location"] or "").strip(), "raw": piece})
    return rows


def _session_rows(value) -> list[dict]:
    if isinstance(value, str):
        return parse_sessions_text(value)
    return [dict(v) for v in (value or [])]


def _check_sessions(value, problems: list) -> list[SessionData]:
    sessions = []
    rows = _session_rows(value)
    filled = [(i, r) for i, r in enumerate(rows)
              if any(str(r.get(k) or "").strip() for k in ("day", "starts", "ends", "location", "raw"))]
    for n, (i, row) in enumerate(filled, start=1):
        where = f"session {n}" + (f" ({_shown(row['raw'], 60)})" if row.get("raw") else "")
        prefix = f"sessions-{i}-"
        if row.get("raw") and "day" not in row:
            problems.append((prefix + "day", f"{where} is not written as YYYY-MM-DD HH:MM-HH:MM @ Location"))
            continue
        raw_day, raw_starts, raw_ends = (str(row.get(k) or "").strip() for k in ("day", "starts", "ends"))
        location = str(row.get("location") or "").strip()
        day = _day(raw_day) if raw_day else None
        starts = _clock_time(raw_starts) if raw_starts else None
        ends = _clock_time(raw_ends) if raw_ends else None
        bad = False
        if not raw_day:
            problems.append((prefix + "day", f"{where}: enter its date")); bad = True  # noqa: E702
        elif day is None:
            problems.append((prefix + "day", f"{where}: date {_shown(raw_day)} is not a date (use YYYY-MM-DD)"))
            bad = True
        elif not in_date_window(day):
            problems.append((prefix + "day", f"{where}: date {_shown(raw_day)} is not between {YEAR_MIN} and "
                                             f"{YEAR_MAX} (enter a date between {YEAR_MIN} and {YEAR_MAX})"))
            bad = True
        if not raw_starts:
            problems.append((prefix + "starts", f"{where}: enter its start time")); bad = True  # noqa: E702
        elif starts is None:
            problems.append((prefix + "starts", f"{where}: start time {_shown(raw_starts)} is not a time (use HH:MM, "
                                                f"24-hour)"))
            bad = True
        if not raw_ends:
            problems.append((prefix + "ends", f"{where}: enter its end time")); bad = True  # noqa: E702
        elif ends is None:
            problems.append((prefix + "ends", f"{where}: end time {_shown(raw_ends)} is not a time (use HH:MM, "
                                              f"24-hour)"))
            bad = True
        if len(location) > LOCATION_MAX:
            problems.append((prefix + "location", f"{where}: keep the location to {LOCATION_MAX} characters or fewer"))
            bad = True
        if bad:
            continue
        if ends <= starts:
            problems.append((prefix + "ends", f"{where}: end time {raw_ends} is not after start time {raw_starts}"))
            continue
        sid = row.get("id")
        sessions.append(SessionData(boston_to_utc(day, starts), boston_to_utc(day, ends), location,
                                    parse_id(sid) if sid not in (None, "") else None))
    if not filled:
        problems.append(("sessions", "sessions: give at least one session (date, start and end time)"))
    sessions.sort(key=lambda s: s.starts_at)
    return sessions


TEXT_WORDS = {"title": "title", "description": "description", "provider_name": "provider name", "url": "web address",
              "contact_email": "contact email", "external_id": "external id"}


def _control_characters(fields: Mapping) -> list[tuple[str, str]]:
    """An invisible control character in any text (a CSV from a spreadsheet, or the form): refused, by
    name, as the forms refuse it (``forms.base``); newlines and tabs are fine in the description."""
    problems = []
    texts = [(name, str(fields.get(name) or ""), word) for name, word in TEXT_WORDS.items()]
    texts += [(f"sessions-{i}-location", str(row.get("location") or ""), f"session {i + 1}'s location")
              for i, row in enumerate(_session_rows(fields.get("sessions")))]
    for name, text, word in texts:
        ch = control_character(text, multiline=name == "description")
        if ch is not None:
            problems.append((name, f"{word} has an invisible control character (U+{ord(ch):04X}); remove it"))
    return problems


def validate(fields: Mapping, taxonomy: Taxonomy | None = None) -> tuple[OpportunityData | None, list]:
    """Every rule for an opportunity's fields, from what was typed. Returns (data, []) or (None, problems),
    each problem a (field name, message) pair; messages start lower-case ("cost ‘abc’ is not an amount")."""
    taxonomy = taxonomy or Taxonomy()
    problems: list[tuple[str | None, str]] = []

    title = _text(fields, "title")
    if not title:
        problems.append(("title", "title is missing"))
    elif len(title) > TITLE_MAX:
        problems.append(("title", f"title is longer than {TITLE_MAX} characters"))

    description = str(fields.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        problems.append(("description", f"description is longer than {DESCRIPTION_MAX:,} characters"))

    raw_kind = _text(fields, "provider_kind")
    kind = _choice(ProviderKind, raw_kind) if raw_kind else None
    if not raw_kind:
        problems.append(("provider_kind", "provider kind is missing (btu, bps or outside)"))
    elif kind is None:
        problems.append(("provider_kind", f"provider kind {_shown(raw_kind)} is not one of btu, bps, outside"))

    provider_name = _text(fields, "provider_name")
    if not provider_name and kind in DEFAULT_PROVIDER:
        provider_name = DEFAULT_PROVIDER[kind]
    if not provider_name:
        problems.append(("provider_name", "provider name is missing"))
    elif len(provider_name) > PROVIDER_MAX:
        problems.append(("provider_name", f"provider name is longer than {PROVIDER_MAX} characters"))

    raw_format = _text(fields, "format")
    fmt = _choice(PLFormat, raw_format) if raw_format else None
    if not raw_format:
        problems.append(("format", "format is missing (in_person, virtual or hybrid)"))
    elif fmt is None:
        problems.append(("format", f"format {_shown(raw_format)} is not one of in_person, virtual, hybrid"))

    raw_cost = _text(fields, "cost")
    cost = _decimal(raw_cost) if raw_cost else None
    if not raw_cost:
        problems.append(("cost", "cost is missing (enter 0 for free)"))
    elif cost is None:
        problems.append(("cost", f"cost {_shown(raw_cost)} is not an amount (enter dollars and cents, like 450.00)"))
    elif cost < 0:
        problems.append(("cost", f"cost {_shown(raw_cost)} is negative (enter 0 for free)"))
    elif cost >= MONEY_MAX:
        problems.append(("cost", f"cost {_shown(raw_cost)} is too large"))
    elif more_than_cents(cost):
        problems.append(("cost", f"cost {_shown(raw_cost)} has more than two decimal places"))

    raw_capacity = _text(fields, "capacity")
    capacity = None
    if raw_capacity:
        capacity = _whole(raw_capacity)
        if capacity is None:
            problems.append(("capacity", f"capacity {_shown(raw_capacity)} is not a whole number (leave it blank "
                                         "for no limit)"))
        elif not 1 <= capacity <= CAPACITY_MAX:
            problems.append(("capacity", f"capacity {_shown(raw_capacity)} must be at least 1 (leave it blank for "
                                         "no limit)" if capacity < 1 else f"capacity {_shown(raw_capacity)} is "
                                         f"more than {CAPACITY_MAX:,}"))
            capacity = None

    raw_pdps = _text(fields, "pdps")
    pdps = 0
    if raw_pdps:
        value = _whole(raw_pdps)
        if value is None:
            problems.append(("pdps", f"PDPs {_shown(raw_pdps)} is not a whole number"))
        elif not 0 <= value <= PDPS_MAX:
            problems.append(("pdps", f"PDPs {_shown(raw_pdps)} must be between 0 and {PDPS_MAX:,}"))
        else:
            pdps = value

    raw_hours = _text(fields, "hours")
    hours = Decimal("0")
    if raw_hours:
        value = _decimal(raw_hours)
        if value is None:
            problems.append(("hours", f"hours {_shown(raw_hours)} is not a number"))
        elif value < 0 or value > HOURS_MAX:
            problems.append(("hours", f"hours {_shown(raw_hours)} must be between 0 and {HOURS_MAX:,}"))
        elif more_than_cents(value):
            problems.append(("hours", f"hours {_shown(raw_hours)} has more than two decimal places"))
        else:
            hours = value
    if pdps and not any(name == "hours" for name, _ in problems):
        too_many = pdps_over_hours(pdps, hours, "hours", "advertise")
        if too_many:
            problems.append(("pdps", too_many))

    url = _text(fields, "url")
    if url:
        parts = urlsplit(url)
        if len(url) > URL_MAX:
            problems.append(("url", f"web address is longer than {URL_MAX} characters"))
        elif parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in url:
            problems.append(("url", f"web address {_shown(url)} is not an http:// or https:// address"))

    email = _text(fields, "contact_email")
    if email and (len(email) > EMAIL_MAX or not EMAIL_RE.match(email)):
        problems.append(("contact_email", f"contact email {_shown(email)} is not an email address"))

    published = _boolean(fields.get("published", True))
    if published is None:
        problems.append(("published", f"published {_shown(str(fields.get('published')))} is not yes or no"))

    terms: list[Term] = []
    for name, tkind in TERM_FIELDS.items():
        for term_name in _names(fields.get(name)):
            term = taxonomy.find(tkind, term_name)
            if term is None:
                problems.append((name, f"{TERM_WORD[tkind]} {_shown(term_name)} is not in the taxonomy"))
            elif term not in terms:
                terms.append(term)

    external_id = _text(fields, "external_id")
    if len(external_id) > EXTERNAL_ID_MAX:
        problems.append(("external_id", f"external id is longer than {EXTERNAL_ID_MAX} characters"))

    sessions = _check_sessions(fields.get("sessions"), problems)
    problems.extend(_control_characters(fields))

    if problems:
        return None, problems
    return OpportunityData(
        title=title, description=description, provider_kind=kind, provider_name=provider_name, format=fmt,
        cost=cost, capacity=capacity, pdps=pdps, hours=hours, url=url, contact_email=email,
        published=bool(published), terms=terms, sessions=sessions, external_id=external_id,
    ), []


def fields_of(o: Opportunity) -> dict:
    """An opportunity as the dict ``validate`` reads (for the edit form and the export)."""
    return {
        "title": o.title, "description": o.description, "provider_kind": o.provider_kind.value,
        "provider_name": o.provider_name, "format": o.format.value, "cost": f"{o.cost:.2f}",
        "capacity": "" if o.capacity is None else str(o.capacity), "pdps": str(o.pdps),
        "hours": hours_text(o.hours),
        "url": o.url, "contact_email": o.contact_email, "published": o.published, "external_id": o.external_id or "",
        **{name: [t.name for t in o.terms_of(kind)] for name, kind in TERM_FIELDS.items()},
        "sessions": [session_fields(s) for s in o.sessions],
    }


def session_fields(s: OpportunitySession) -> dict:
    start, end = clock.local(s.starts_at), clock.local(s.ends_at)
    return {"id": str(s.id), "day": start.strftime("%Y-%m-%d"), "starts": start.strftime("%H:%M"),
            "ends": end.strftime("%H:%M"), "location": s.location}


def sessions_text(o: Opportunity) -> str:
    parts = []
    for s in o.sessions:
        f = session_fields(s)
        parts.append(f"{f['day']} {f['starts']}-{f['ends']}" + (f" @ {f['location']}" if f["location"] else ""))
    return "; ".join(parts)


# -- writing -------------------------------------------------------------------------------------
def _slug_base(title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:100].strip("-") or "pl"
    if base.isdigit():
        base = f"pl-{base}"
    return base


def unique_slug(title: str, exclude_id: int | None = None) -> str:
    """The title as a slug, made unique with -2, -3, ... (never a catalog page's name, never all digits)."""
    return slugs.unique(Opportunity.slug, _slug_base(title), reserved=RESERVED_SLUGS,
                        exclude=Opportunity.id != exclude_id if exclude_id is not None else None)


def _apply(o: Opportunity, data: OpportunityData) -> None:
    for name in ("title", "description", "provider_kind", "provider_name", "format", "cost", "capacity", "pdps",
                 "hours", "url", "contact_email", "published"):
        setattr(o, name, getattr(data, name))
    if data.external_id:
        o.external_id = data.external_id
    o.terms = list(data.terms)
    existing = {s.id: s for s in o.sessions if s.id is not None}
    kept = []
    for s in data.sessions:
        row = existing.pop(s.id, None) if s.id is not None else None
        if row is None:
            row = OpportunitySession()
        row.starts_at, row.ends_at, row.location = s.starts_at, s.ends_at, s.location
        kept.append(row)
    o.sessions = sorted(kept, key=lambda r: r.starts_at)
    o.updated_at = clock.now()  # also when only its sessions or terms changed: the public pages' ETag reads it


def create(data: OpportunityData, actor: User | None) -> Opportunity:
    o = Opportunity(slug=unique_slug(data.title), created_by_id=actor.id if actor is not None else None)
    _apply(o, data)
    db.session.add(o)
    db.session.flush()
    return o


def save(o: Opportunity | None, fields: Mapping, actor: User) -> Opportunity:
    """The staff form saved: every rule of ``validate`` (a term ``o`` already has stays choosable even
    if it is no longer active), then ``create`` (``o`` None) or ``update``; ``CatalogError`` if refused."""
    data, problems = validate(fields, Taxonomy(extra=o.terms if o is not None else ()))
    if problems:
        raise CatalogError(problems)
    return create(data, actor) if o is None else update(o, data, actor)


def registered_count(o: Opportunity) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(Registration.opportunity_id == o.id,
                                                  Registration.status == RegistrationStatus.REGISTERED)
    ) or 0


def update(o: Opportunity, data: OpportunityData, actor: User) -> Opportunity:
    """Save an edit. A capacity below the number already registered is refused; a capacity that
    goes up (or becomes unlimited) gives the open seats to the waitlist, first come first served.
    The row is locked first (PostgreSQL), so a registration cannot slip in between the count and the save."""
    from app.cases.advance import lock

    o = lock(o)
    old_capacity = o.capacity
    if data.capacity is not None:
        taken = registered_count(o)
        if data.capacity < taken:
            raise CatalogError([("capacity", f"capacity cannot be {data.capacity}: {taken} people are already "
                                             f"registered. Cancel registrations first, or keep the capacity at "
                                             f"{taken} or more")])
    if data.title != o.title:
        o.slug = unique_slug(data.title, exclude_id=o.id)
    _apply(o, data)
    db.session.flush()
    grew = old_capacity is not None and (data.capacity is None or data.capacity > old_capacity)
    if grew:
        from app.catalog.registrations import fill_open_seats

        fill_open_seats(o, actor)
    return o


# -- browsing ------------------------------------------------------------------------------------
@dataclass
class CatalogFilters:
    q: str = ""
    topic: str = ""  # term slugs
    grade_band: str = ""
    subject: str = ""
    provider: str = ""  # a ProviderKind value
    format: str = ""  # a PLFormat value
    cost: str = ""  # "free" or "paid"
    past: bool = False
    include_unpublished: bool = False

    def terms(self) -> list[str]:
        return search_terms(self.q)


def search_terms(q: str | None) -> list[str]:
    """The distinct lower-case words (letters and digits) of a search, at most ``MAX_TERMS`` of them."""
    return search.terms(q)


def _like_pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _has_term(kind: TermKind, slug: str):
    return exists().where(
        opportunity_term.c.opportunity_id == Opportunity.id, opportunity_term.c.term_id == Term.id,
        Term.kind == kind, Term.slug == slug,
    )


def _word_matches(word: str):
    """The word (a stemmed prefix) is in the title, description or provider (the full-text index), or
    in the name of one of the opportunity's terms (a few dozen rows: a substring match)."""
    term_named = exists().where(
        opportunity_term.c.opportunity_id == Opportunity.id, opportunity_term.c.term_id == Term.id,
        func.lower(Term.name).like(_like_pattern(word), escape="\\"),
    )
    dialect = db.session.get_bind().dialect.name
    return or_(search.matches(Opportunity.id, search.OPPORTUNITIES, [word], dialect), term_named)


def past_cutoff() -> datetime:
    """The instant before which a PL is over for the catalog: midnight starting today in Boston (a PL
    whose last session ends today stays listed until the day is over)."""
    return boston_to_utc(clock.today(), time(0, 0))


def catalog_query(filters: CatalogFilters):
    """Matching opportunities: upcoming ones by first session, then (if asked) past ones, latest first.

    Read off each opportunity's own ``first_starts_at``/``last_ends_at`` (its sessions' bounds, kept on
    every save by app/core/changes.py) and the index on (published, last_ends_at): never a min/max over
    every session of the catalog's history."""
    first_start, last_end = Opportunity.first_starts_at, Opportunity.last_ends_at
    cutoff = past_cutoff()
    is_past = and_(last_end.is_not(None), last_end < cutoff)
    stmt = select(Opportunity)
    if not filters.include_unpublished:
        stmt = stmt.where(Opportunity.published.is_(True))
    if not filters.past:
        stmt = stmt.where(or_(last_end.is_(None), last_end >= cutoff))
    for word in filters.terms():
        stmt = stmt.where(_word_matches(word))
    for kind, value in ((TermKind.TOPIC, filters.topic), (TermKind.GRADE_BAND, filters.grade_band),
                        (TermKind.SUBJECT, filters.subject)):
        if value:
            stmt = stmt.where(_has_term(kind, value))
    if filters.provider:
        stmt = stmt.where(Opportunity.provider_kind == ProviderKind(filters.provider))
    if filters.format:
        stmt = stmt.where(Opportunity.format == PLFormat(filters.format))
    if filters.cost == "free":
        stmt = stmt.where(Opportunity.cost == 0)
    elif filters.cost == "paid":
        stmt = stmt.where(Opportunity.cost > 0)
    if not filters.past:
        return stmt.order_by(first_start.asc().nulls_last(), Opportunity.title, Opportunity.id)
    return stmt.order_by(
        case((is_past, 1), else_=0),
        case((is_past, None), else_=first_start).asc().nulls_last(),
        case((is_past, first_start), else_=None).desc().nulls_last(),
        Opportunity.title, Opportunity.id,
    )


def seats_taken(ids: Iterable[int]) -> dict[int, int]:
    """Registered (not waitlisted, not cancelled) people per opportunity, in one statement."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Registration.opportunity_id, func.count(Registration.id))
        .where(Registration.opportunity_id.in_(ids), Registration.status == RegistrationStatus.REGISTERED)
        .group_by(Registration.opportunity_id)
    )
    return {oid: int(n) for oid, n in rows}


@dataclass
class Card:
    opportunity: Opportunity
    taken: int = 0

    @property
    def seats_left(self) -> int | None:
        if self.opportunity.capacity is None:
            return None
        return max(self.opportunity.capacity - self.taken, 0)

    @property
    def hours(self) -> str:
        return hours_text(self.opportunity.hours)


def hours_text(value: Decimal | None) -> str:
    """6.00 -> "6", 7.50 -> "7.5"."""
    return format(Decimal(value or 0).normalize(), "f")


def cards(opportunities: list[Opportunity]) -> list[Card]:
    taken = seats_taken(o.id for o in opportunities)
    return [Card(o, taken.get(o.id, 0)) for o in opportunities]


def catalog_page(filters: CatalogFilters, page: int = 1):
    """One page (an out-of-range page gives the last page) and its cards."""
    stmt = catalog_query(filters)
    # How many match: counted once per change of the catalog (app/core/changes.py) and per day.
    key = (clock.today().isoformat(), repr(filters))
    pagination = changes.paginate(changes.CATALOG, stmt, page, PER_PAGE, key=key)
    return pagination, cards(list(pagination.items))


def all_matching(filters: CatalogFilters) -> list[Opportunity]:
    return list(db.session.scalars(catalog_query(filters)))


def find(ref: str) -> Opportunity | None:
    """An opportunity by its id (all digits) or its slug."""
    if ref.isdigit():
        ident = parse_id(ref)  # a number no id column holds names nothing
        return db.session.get(Opportunity, ident) if ident is not None else None
    return db.session.scalars(select(Opportunity).where(Opportunity.slug == ref)).first()


def is_past(o: Opportunity) -> bool:
    end = o.ends_at
    return end is not None and end < clock.now()


# -- CSV -----------------------------------------------------------------------------------------
def export_rows(opportunities: Iterable[Opportunity]) -> Iterator[list]:
    """The opportunities in the import's columns (``COLUMNS``), as the one CSV rule writes them
    (app/core/csvfile.py), so the import reads an export back to the same opportunities."""
    for o in opportunities:
        f = fields_of(o)
        row = {**f, **{name: "; ".join(f[name]) for name in TERM_FIELDS}, "sessions": sessions_text(o),
               "published": "yes" if o.published else "no"}
        yield [row[c] for c in COLUMNS]


def export_csv(opportunities: Iterable[Opportunity]) -> bytes:
    return csvfile.to_bytes(COLUMNS, export_rows(opportunities))


# The example rows the import page offers: (external id, title, description, provider kind, provider name,
# format, cost, capacity, PDPs, hours, topics, grade bands, subjects, web address, contact email, sessions as
# (days from today, starts, ends, location)). Their dates are counted from the day the file is downloaded, so
# every row is upcoming when it is imported, and shows in the catalog.
EXAMPLE = [
    ("example-crt-read-alouds", "Culturally responsive read-alouds",
     "Choosing and reading **mirror and window** books with young readers, with time to plan your own.",
     "btu", "Boston Teachers Union", "in_person", "0", "25", "4", "4",
     ("Culturally responsive teaching", "Literacy"), ("PK-2", "3-5"), ("ELA",), "https://btu.org/pl", "pl@btu.org",
     ((21, "15:30", "17:30", "BTU Hall, 180 Mount Vernon St"), (28, "15:30", "17:30", "BTU Hall, 180 Mount Vernon St"))),
    ("example-number-talks", "Number talks for middle grades",
     "Short daily routines that build number sense and discourse.", "bps", "", "virtual", "0", "", "1", "1.5",
     ("Math",), ("6-8",), ("Math",), "", "", ((35, "16:00", "17:30", "Zoom"),)),
    ("example-orton-gillingham", "Orton-Gillingham classroom educator course",
     "A multisensory structured literacy course over two days.", "outside", "Institute for Multi-Sensory Education",
     "hybrid", "450.00", "", "13", "13", ("Literacy", "Special education"), ("PK-2", "3-5"),
     ("ELA", "Special education"), "https://www.orton-gillingham.com/", "",
     ((42, "08:30", "15:00", "Boston Teachers Union hall"), (43, "08:30", "15:00", "Online"))),
]


def example_rows(today: date, taxonomy: Taxonomy | None = None) -> list[dict]:
    """The example file's rows, their sessions counted from ``today``; of its topics, grade bands and subjects
    only those this catalog's taxonomy has (so the example imports into any catalog)."""
    taxonomy = taxonomy or Taxonomy()
    rows = []
    for (ext, title, description, kind, provider, fmt, cost, capacity, pdps, hours, topics, bands, subjects, url,
         email, sessions) in EXAMPLE:
        names = {name: "; ".join(n for n in given if taxonomy.find(tkind, n) is not None)
                 for (name, tkind), given in zip(TERM_FIELDS.items(), (topics, bands, subjects), strict=True)}
        rows.append({
            "title": title, "description": description, "provider_kind": kind, "provider_name": provider,
            "format": fmt, "cost": cost, "capacity": capacity, "pdps": pdps, "hours": hours, **names, "url": url,
            "contact_email": email, "published": "yes", "external_id": ext,
            "sessions": "; ".join(f"{today + timedelta(days=d):%Y-%m-%d} {a}-{b} @ {where}"
                                  for d, a, b, where in sessions),
        })
    return rows


def template_csv(today: date | None = None) -> bytes:
    """The example file the import page offers: three upcoming opportunities (see ``EXAMPLE``)."""
    return csvfile.dicts_to_bytes(COLUMNS, example_rows(today or clock.today()))


@dataclass
class ImportResult:
    created: list[Opportunity] = field(default_factory=list)
    updated: list[Opportunity] = field(default_factory=list)  # already in the catalog, and the row changed it
    unchanged: list[Opportunity] = field(default_factory=list)  # already in the catalog, exactly as the row says
    errors: list[str] = field(default_factory=list)  # the file as a whole
    row_errors: list[tuple[int, list[str]]] = field(default_factory=list)  # (line number, problems)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.row_errors

    def messages(self) -> list[str]:
        return self.errors + [f"Row {line}: " + "; ".join(problems) for line, problems in self.row_errors]

    def summary(self) -> str:
        """What the import did, in words: how many rows created, updated and unchanged."""
        def rows(n: int) -> str:
            return f"{n} row{'s' if n != 1 else ''}"

        return (f"Imported the file: {rows(len(self.created))} created, {rows(len(self.updated))} updated, "
                f"{rows(len(self.unchanged))} unchanged.")


def read_rows(data: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    """The file's data rows as (line number, {column: value}), or the reasons the file as a whole is refused."""
    if len(data) > MAX_IMPORT_BYTES:
        return [], [f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it into smaller files."]
    if not data.strip():
        return [], ["The file is empty: it has no header row and no opportunities."]
    if b"\x00" in data:
        return [], ["This is not a CSV file (it contains binary data). Save the spreadsheet as “CSV UTF-8” "
                    "and upload that."]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8 (comma delimited)” "
                    "and upload that."]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return [], ["The file is empty: it has no header row and no opportunities."]
        columns = [h.strip().lower().lstrip("\ufeff") for h in header]
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        unknown = [h for h, c in zip(header, columns, strict=True) if c and c not in COLUMNS]
        duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
        errors = []
        if missing:
            errors.append("The header row is missing the required column" + ("s " if len(missing) > 1 else " ")
                          + ", ".join(missing) + ". The first row must name the columns: " + ", ".join(COLUMNS)
                          + ".")
        if unknown:
            errors.append("The header row has column" + ("s" if len(unknown) > 1 else "") + " this import does not "
                          "know: " + ", ".join(f"‘{u.strip()[:40]}’" for u in unknown) + ". Use only: "
                          + ", ".join(COLUMNS) + ".")
        if duplicated:
            errors.append("The header row names a column more than once: " + ", ".join(duplicated) + ".")
        if errors:
            return [], errors
        rows = []
        line = reader.line_num
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                return [], [f"The file has more than {MAX_IMPORT_ROWS:,} opportunities; split it into smaller files."]
            if len(values) > len(columns):
                rows.append((start, {"__extra__": str(len(values) - len(columns))}))
                continue
            rows.append((start, {c: csvfile.unescape(v) for c, v in zip(columns, values, strict=False) if c}))
    except csv.Error as exc:
        return [], [f"This file could not be read as CSV (line {reader.line_num}: {exc}). Save the spreadsheet as "
                    "“CSV UTF-8” and upload that."]
    if not rows:
        return [], ["The file has a header row but no opportunities under it."]
    return rows, []


class ImportRefused(CatalogError):
    """A refused import (nothing written): ``errors`` about the file as a whole, ``row_errors`` per line."""

    def __init__(self, result: ImportResult):
        self.errors, self.row_errors = result.errors, result.row_errors
        super().__init__([(None, m) for m in result.messages()])


def import_file(data: bytes, actor: User) -> ImportResult:
    """The import page's: ``import_csv``, refusing (``ImportRefused``) a file with any problem; returns
    what it did (``ImportResult.summary``)."""
    try:
        result = import_csv(data, actor)
    except IntegrityError:  # another import wrote one of these external ids a moment ago
        raise ImportRefused(ImportResult(errors=[
            "Someone imported some of these opportunities at the same moment, so nothing was imported. "
            "Upload the file again: the rows now in the catalog will be updated, not added twice."])) from None
    if not result.ok:
        raise ImportRefused(result)
    return result


def natural_key(provider_name: str, title: str, first_start: datetime | None) -> tuple:
    """What names an opportunity without an external id: its provider, its title (capitals and surrounding
    spaces aside) and when its first session starts."""
    return provider_name.strip().lower(), title.strip().lower(), first_start


def _key_of(data: OpportunityData) -> tuple:
    return natural_key(data.provider_name, data.title, data.sessions[0].starts_at if data.sessions else None)


def _already_there(cleaned: list[OpportunityData]) -> tuple[dict[str, Opportunity], dict[tuple, Opportunity]]:
    """The catalog's opportunities the rows may name, in two statements (and their sessions and terms, loaded
    with them): by external id, and by title (matched on the natural key here)."""
    ids = {d.external_id for d in cleaned if d.external_id}
    titles = {d.title.strip().lower() for d in cleaned}
    by_id = {o.external_id: o for o in db.session.scalars(
        select(Opportunity).where(Opportunity.external_id.in_(ids)))} if ids else {}
    by_key: dict[tuple, Opportunity] = {}
    for o in db.session.scalars(select(Opportunity).where(func.lower(Opportunity.title).in_(titles))
                                .order_by(Opportunity.id)):
        by_key.setdefault(natural_key(o.provider_name, o.title, o.starts_at), o)
    return by_id, by_key


def _existing_for(data: OpportunityData, by_id: dict, by_key: dict) -> Opportunity | None:
    """The opportunity a row updates: the one with its external id; else, the one with its provider, title and
    first session, unless that one has another external id (then it is another opportunity)."""
    if data.external_id and data.external_id in by_id:
        return by_id[data.external_id]
    o = by_key.get(_key_of(data))
    if o is not None and o.external_id and data.external_id and o.external_id != data.external_id:
        return None
    return o


def _same(o: Opportunity, data: OpportunityData) -> bool:
    """Whether ``o`` already is exactly what the row says (so the row changes nothing)."""
    plain = ("title", "description", "provider_kind", "provider_name", "format", "cost", "capacity", "pdps", "hours",
             "url", "contact_email", "published")
    if any(getattr(o, name) != getattr(data, name) for name in plain):
        return False
    if data.external_id and o.external_id != data.external_id:
        return False
    if {t.id for t in o.terms} != {t.id for t in data.terms}:
        return False
    return ([(s.starts_at, s.ends_at, s.location) for s in o.sessions]
            == [(s.starts_at, s.ends_at, s.location) for s in data.sessions])


def _keep_session_ids(o: Opportunity, data: OpportunityData) -> None:
    """A session the row gives again (same start) stays the same row, so nothing that points at it breaks."""
    by_start = {s.starts_at: s.id for s in o.sessions}
    for s in data.sessions:
        s.id = by_start.get(s.starts_at)


def _duplicate_rows(rows: list[tuple[int, OpportunityData]]) -> list[tuple[int, list[str]]]:
    """Two rows of one file that name the same opportunity (external id, or provider, title and first session)."""
    seen: dict[object, int] = {}
    out = []
    for line, data in rows:
        keys = [("id", data.external_id)] if data.external_id else []
        keys.append(("key", _key_of(data)))
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            what = ("the same external id" if data.external_id and ("id", data.external_id) in seen
                    else "the same provider, title and first session")
            out.append((line, [f"it names the same opportunity as row {first} ({what}); keep one of the two"]))
            continue
        for k in keys:
            seen[k] = line
    return out


def import_csv(data: bytes, actor: User) -> ImportResult:
    """Validate every row; when all are good, write them all (the caller commits once). When any row is bad
    nothing is written and each bad row is named by its line number with every problem.

    A row that names an opportunity already in the catalog (its external id; without one, its provider, title
    and first session) updates it, or is left alone when nothing differs: importing the same file twice
    changes nothing. Other rows are created."""
    result = ImportResult()
    rows, result.errors = read_rows(data)
    if result.errors:
        return result
    taxonomy = Taxonomy()
    cleaned: list[tuple[int, OpportunityData]] = []
    for line, row in rows:
        if "__extra__" in row:
            result.row_errors.append((line, [f"it has {row['__extra__']} more cell(s) than the header has columns"]))
            continue
        data, problems = validate(row, taxonomy)
        if problems:
            result.row_errors.append((line, [m for _, m in problems]))
        else:
            cleaned.append((line, data))
    result.row_errors.extend(_duplicate_rows(cleaned))
    if result.row_errors:
        result.row_errors.sort()
        return result
    by_id, by_key = _already_there([d for _, d in cleaned])
    for line, data in cleaned:
        o = _existing_for(data, by_id, by_key)
        if o is None:
            result.created.append(create(data, actor))
        elif _same(o, data):
            result.unchanged.append(o)
        else:
            _keep_session_ids(o, data)
            try:
                result.updated.append(update(o, data, actor))
            except CatalogError as exc:
                result.row_errors.append((line, [m for _, m in exc.problems]))
    return result
