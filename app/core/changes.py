"""What changed, counted where it changes: the public pages' versions in O(1), and what they compute from
the whole history (the gallery's facets and totals, the catalog's totals) computed once per change.

The public gallery and catalog answer every visitor with an ETag (app/core/conditional.py), and the
gallery offers facets counted over every published summary. Reading "has anything changed?" off the
data itself (how many published, the newest change...) costs a scan that grows with the years; so
every flush that writes a row a public page can show counts its area up, in the same transaction, in
the ``public_version`` table (one row per area). A page's version is then one primary-key read, and
``cached`` keeps, per worker process, what was computed from the history until the area changes.

``WATCHED`` says which models (and, where only some columns show, which columns) each area reads.
Every write through the ORM is seen; a write that goes around it (a bulk ``insert()``/``update()`` of
one of these tables) must call ``bump`` itself. The catalog also changes with the day (past PL leaves
the list at midnight), which its version adds (app/catalog/versions.py).

The same flush keeps each opportunity's ``first_starts_at``/``last_ends_at`` (its sessions' bounds),
so the catalog filters and sorts on indexed columns.
"""
from __future__ import annotations

import math
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.core import clock
from app.extensions import db
from app.models import (
    ConflictOfInterest,
    CriterionScore,
    LearningSummary,
    Opportunity,
    OpportunitySession,
    Proposal,
    Registration,
    ReviewAssignment,
    RubricCriterion,
    School,
    SummaryArtifact,
    Team,
    TeamMember,
    Term,
    User,
)
from app.models.public import PublicVersion

GALLERY = "gallery"  # published learning summaries, their terms and files
CATALOG = "catalog"  # the PL catalog: opportunities, sessions, seats taken, the taxonomy's terms
NAMES = "names"  # schools, teams and who is on them: shown beside summaries and elsewhere in public
AREAS = (GALLERY, CATALOG, NAMES)
# Not public: what the committee's ranking of a cycle reads (app/review/cohort.py ``ranking``): the proposals in
# review, their submitted reviews and scores, the rubric's weights, conflicts, tentative selections.
REVIEW = "review"

# area -> {model: the columns that matter (None: any change, a new row or a deleted one)}
WATCHED: dict[str, dict[type, frozenset[str] | None]] = {
    GALLERY: {
        LearningSummary: None,
        SummaryArtifact: None,
        Proposal: frozenset({"state", "title", "grant_type", "team_id"}),
        Term: None,  # the taxonomy's names: the gallery's tags (a summary's terms change with the summary)
    },
    CATALOG: {Opportunity: None, OpportunitySession: None, Registration: None, Term: None},
    NAMES: {
        School: frozenset({"name", "level", "neighborhood"}),
        Team: frozenset({"name", "school_id"}),
        TeamMember: None,
        User: frozenset({"school_id"}),
    },
    REVIEW: {
        Proposal: frozenset({"state", "title", "tentatively_selected", "cycle_id"}),
        ReviewAssignment: None,
        CriterionScore: None,
        RubricCriterion: None,
        ConflictOfInterest: None,
    },
}

CACHE_SIZE = 512  # computed values kept per process (a few KB each: facets, totals)
_cache: OrderedDict[tuple, tuple[str, Any]] = OrderedDict()
_lock = threading.Lock()
_PENDING = "changes.pending"


# -- reading -------------------------------------------------------------------------------------
def current(area: str) -> tuple[str, datetime | None]:
    """(this state of ``area``: its count of changes and its stamp, when the last change was) in one
    primary-key read."""
    row = db.session.execute(
        select(PublicVersion.version, PublicVersion.stamp, PublicVersion.changed_at)
        .where(PublicVersion.area == area)
    ).first()
    return (f"{row[0]}.{row[1]}", row[2]) if row is not None else ("0", None)


def cached(area: str, key: Hashable, compute: Callable[[], Any], version: str | None = None) -> Any:
    """``compute()``'s value, computed again only once ``area`` has changed since it was kept.

    Read the version before computing (as here): a change committed in between makes the kept value
    newer than its version, never older, and the next change replaces it."""
    if version is None:
        version = current(area)[0]
    full_key = (area, key)
    with _lock:
        hit = _cache.get(full_key)
        if hit is not None and hit[0] == version:
            _cache.move_to_end(full_key)
            return hit[1]
    value = compute()
    with _lock:
        _cache[full_key] = (version, value)
        _cache.move_to_end(full_key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


# -- writing -------------------------------------------------------------------------------------
def keep_made(model, key, version: str, body: bytes) -> None:
    """Keep a document made for ``version`` in ``model``'s row ``key`` (a cache fill, e.g. a summary's PDF
    or a year's compendium): insert or replace, and commit at once, since nothing else of the read-only
    request that made it is pending. Two workers filling the same row at once: one keeps its copy, the
    other's is dropped (it was the same document)."""
    try:
        with db.session.begin_nested():
            row = db.session.get(model, key)
            if row is None:
                db.session.add(model(**{model.__mapper__.primary_key[0].key: key}, version=version, body=body,
                                     made_at=clock.now()))
            else:
                row.version, row.body, row.made_at = version, body, clock.now()
        db.session.commit()
    except (IntegrityError, StaleDataError, OperationalError):
        db.session.rollback()


def bump(session: Session, areas) -> None:
    """Count ``areas`` up by one, in ``session``'s transaction (a row per area, made when missing)."""
    now = clock.now()
    conn = session.connection()
    for area in sorted(set(areas)):
        stamp = secrets.token_hex(8)
        done = conn.execute(update(PublicVersion).where(PublicVersion.area == area)
                            .values(version=PublicVersion.version + 1, stamp=stamp, changed_at=now))
        if not done.rowcount:
            conn.execute(insert(PublicVersion).values(area=area, version=1, stamp=stamp, changed_at=now))


def _changed_columns(obj) -> set[str]:
    from sqlalchemy import inspect

    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _areas_touched(session: Session) -> set[str]:
    touched: set[str] = set()
    for obj in (*session.new, *session.deleted, *session.dirty):
        for area, models in WATCHED.items():
            if area in touched:
                continue
            columns = models.get(type(obj), False)
            if columns is False:
                continue
            if columns is None or obj in session.new or obj in session.deleted:
                touched.add(area)
            elif columns & _changed_columns(obj):
                touched.add(area)
    return touched


def _session_bounds(session: Session) -> None:
    """Each opportunity whose sessions changed gets its first start and last end again."""
    opportunities = {o for o in (*session.new, *session.dirty) if isinstance(o, Opportunity)}
    for s in (*session.new, *session.dirty, *session.deleted):
        if isinstance(s, OpportunitySession) and s.opportunity is not None:
            opportunities.add(s.opportunity)
    for o in opportunities:
        sessions = [s for s in o.sessions if s not in session.deleted]
        first = min((s.starts_at for s in sessions), default=None)
        last = max((s.ends_at for s in sessions), default=None)
        if o.first_starts_at != first:
            o.first_starts_at = first
        if o.last_ends_at != last:
            o.last_ends_at = last


def _before_flush(session: Session, flush_context, instances) -> None:
    _session_bounds(session)
    touched = _areas_touched(session)
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)


def _after_flush(session: Session, flush_context) -> None:
    touched = session.info.pop(_PENDING, None)
    if touched:
        bump(session, touched)


def init_app(app) -> None:
    """Listen to every session's flushes (once per process, whatever the number of apps)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)


class KnownPage(Pagination):
    """A page whose rows are already loaded (the pagination macro reads it as any other)."""

    def __init__(self, page: int, per_page: int, items: list):
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False, count=False,
                         items=items)

    def _query_items(self) -> list:
        return list(self._query_args["items"])

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paginate(area: str, stmt, page: int, per_page: int, key: Hashable, keep_first: int = 0,
             id_column=None, rows_by_id: Callable[[list[int]], list] | None = None):
    """Flask-SQLAlchemy's page of ``stmt`` (an out-of-range page gives the last page), its total counted
    once per change of ``area`` (``key`` names the filters ``stmt`` applies).

    With ``keep_first``, ``id_column`` and ``rows_by_id`` (ids -> their rows), the ids of the first
    ``keep_first`` rows of ``stmt`` are kept in order too, and a page among them loads only its rows: a
    ranked search, or a list sorted over the whole history, is worked out once per change."""
    version = current(area)[0]
    total = cached(area, ("total", key), lambda: db.session.scalar(
        select(func.count()).select_from(stmt.order_by(None).subquery())), version)
    last = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), last)
    offset = (page - 1) * per_page
    if rows_by_id is not None and offset + per_page <= keep_first:
        ids = cached(area, ("ids", key), lambda: [row[0] for row in db.session.execute(
            stmt.with_only_columns(id_column).limit(keep_first))], version)
        wanted = ids[offset:offset + per_page]
        rows = {r.id: r for r in rows_by_id(wanted)}
        pagination = KnownPage(page, per_page, [rows[i] for i in wanted if i in rows])
    else:
        pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=False)
    pagination.total = total
    return pagination
