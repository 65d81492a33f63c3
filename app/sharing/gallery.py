"""The public learning gallery (MAGNIFY): published learning summaries only, for anyone.

Every query here starts from ``published()``: a summary is public when its proposal is in the
``published`` state AND the summary has a ``published_at`` time. Nothing else is ever read for
the gallery: no budget, no reviews, no people, no privacy flags, no consent details. Schools
and school levels come from the team's schools (public facts about the work); the team's members
are never loaded.

The index costs a fixed number of SQL statements whatever the number of summaries: the filter
facets (2), the page and its count (2), the page's tags (1) and the page's schools (1).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import Integer, and_, cast, exists, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload, undefer

from app.core import changes, clock, search
from app.core.markdown import plain_text
from app.extensions import db
from app.models import (
    GrantType,
    LearningSummary,
    Proposal,
    ProposalState,
    School,
    SchoolLevel,
    SummaryArtifact,
    Team,
    TeamMember,
    Term,
    TermKind,
    User,
    summary_term,
)

PER_PAGE = 12
FIRST = 10 * PER_PAGE  # the ids of a listing's first pages, in order, are kept until the gallery changes
FEED_SIZE = 20
MAX_QUERY_CHARS = search.MAX_QUERY_CHARS
MAX_TERMS = search.MAX_TERMS
EXCERPT_CHARS = 240
ATOM_NS = "http://www.w3.org/2005/Atom"
# The date in tag: URIs (RFC 4151): when the gallery's authority first minted them. Never change it.
TAG_DATE = "2026"


# -- what is public ------------------------------------------------------------------------------
_PUBLIC_PROPOSAL = aliased(Proposal)


def published():
    """The one condition for anything the gallery shows.

    The proposal's state is asked per summary (an EXISTS on its primary key), so that a list newest first
    reads the index on ``published_at`` and stops after a page, instead of starting from every published
    proposal of the years and sorting them (SQLite chose that for a join on the state: 52 ms at 100,000
    proposals, 0.2 ms this way)."""
    return and_(
        LearningSummary.published_at.is_not(None),
        exists().where(_PUBLIC_PROPOSAL.id == LearningSummary.proposal_id,
                       _PUBLIC_PROPOSAL.state == ProposalState.PUBLISHED),
    )


def _published_summaries():
    return (
        select(LearningSummary)
        .join(LearningSummary.proposal)
        .where(published())
        .options(
            # The proposal's own columns only: its team (and so its members) and cycle are not loaded.
            contains_eager(LearningSummary.proposal).lazyload(Proposal.team),
            contains_eager(LearningSummary.proposal).lazyload(Proposal.cycle),
        )
    )


def local_year(dt: datetime) -> int:
    return clock.local(dt).year


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC instants at which ``year`` starts and ends in Boston."""
    start = datetime(year, 1, 1, tzinfo=clock.BOSTON).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=clock.BOSTON).astimezone(UTC)
    return start, end


# -- search and filters --------------------------------------------------------------------------
@dataclass
class GalleryFilters:
    q: str = ""
    topic: str = ""
    grade_band: str = ""
    subject: str = ""
    school_level: str = ""  # a SchoolLevel value
    grant_type: str = ""  # a GrantType value
    year: int | None = None  # the year published (Boston time)

    def terms(self) -> list[str]:
        return search_terms(self.q)

    @property
    def any(self) -> bool:
        return bool(self.terms() or self.topic or self.grade_band or self.subject or self.school_level
                    or self.grant_type or self.year)


def search_terms(q: str | None) -> list[str]:
    """The distinct lower-case words (letters and digits) of a search, at most ``MAX_TERMS`` of them."""
    return search.terms(q)


def _has_tag(kind: TermKind, value: str):
    """The summary carries the taxonomy term of ``kind`` whose slug (what the filter sends) or name is ``value``."""
    value = value.strip().lower()
    return exists().where(
        summary_term.c.summary_id == LearningSummary.id,
        Term.id == summary_term.c.term_id,
        Term.kind == kind,
        or_(Term.slug == value, func.lower(Term.name) == value),
    )


def _team_has_level(level: SchoolLevel):
    """The team's own school, or the school of one of its members, is of this level."""
    member_school_ids = (
        select(User.school_id)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == Proposal.team_id)
        .correlate(Proposal)
        .scalar_subquery()
    )
    team_school_id = select(Team.school_id).where(Team.id == Proposal.team_id).correlate(Proposal).scalar_subquery()
    return exists().where(
        School.level == level,
        or_(School.id == team_school_id, School.id.in_(member_school_ids)),
    )


def gallery_query(filters: GalleryFilters):
    """Published summaries matching the search and filters: with a search, best match first (a word of
    the title weighs most), then newest first; without one, newest first."""
    stmt = _published_summaries()
    words = filters.terms()
    if words:
        found = search.hits(search.SUMMARIES, words, db.session.get_bind().dialect.name)
        stmt = stmt.join(found, found.c.id == LearningSummary.id).order_by(found.c.rank)
    stmt = stmt.order_by(LearningSummary.published_at.desc(), LearningSummary.id.desc())
    for kind, value in ((TermKind.TOPIC, filters.topic), (TermKind.GRADE_BAND, filters.grade_band),
                        (TermKind.SUBJECT, filters.subject)):
        if value:
            stmt = stmt.where(_has_tag(kind, value))
    if filters.school_level:
        stmt = stmt.where(_team_has_level(SchoolLevel(filters.school_level)))
    if filters.grant_type:
        stmt = stmt.where(Proposal.grant_type == GrantType(filters.grant_type))
    if filters.year:
        start, end = _year_bounds(filters.year)
        stmt = stmt.where(LearningSummary.published_at >= start, LearningSummary.published_at < end)
    return stmt


# -- facets: the choices the filters offer ---------------------------------------------------------
@dataclass
class Facets:
    # kind -> [(slug, name, count)]: the taxonomy's active terms that published summaries carry
    tags: dict[TermKind, list[tuple[str, str, int]]] = field(default_factory=dict)
    years: list[tuple[int, int]] = field(default_factory=list)  # [(year, count)], newest first


def facets() -> Facets:
    """The tags (active taxonomy terms, in the taxonomy's order) and years of published summaries, with
    how many summaries carry each: counted over every published summary (2 statements) once per change of
    the gallery (app/core/changes.py). A retired term is no longer offered as a filter."""
    return changes.cached(changes.GALLERY, "facets", _count_facets)


def _count_facets() -> Facets:
    result = Facets(tags={kind: [] for kind in TermKind})
    rows = db.session.execute(
        select(Term.kind, Term.slug, Term.name, func.count(func.distinct(summary_term.c.summary_id)))
        .join(summary_term, summary_term.c.term_id == Term.id)
        .join(LearningSummary, LearningSummary.id == summary_term.c.summary_id)
        .join(LearningSummary.proposal)
        .where(published(), Term.active.is_(True))
        .group_by(Term.kind, Term.slug, Term.name, Term.position)
        .order_by(Term.kind, Term.position, Term.name)
    )
    for kind, slug, name, count in rows:
        result.tags[kind].append((slug, name, int(count)))
    year = published_year(db.session.get_bind().dialect.name)
    rows = db.session.execute(
        select(year, func.count(LearningSummary.id))
        .join(LearningSummary.proposal)
        .where(published())
        .group_by(year)
        .order_by(year.desc())
    )
    result.years = [(int(y), int(n)) for y, n in rows]
    return result


def published_year(dialect: str):
    """SQL for the year (Boston time) a summary was published.

    PostgreSQL converts with its time-zone database. SQLite has none, so it takes the UTC time minus
    5 hours: exact for the year, because Boston is on standard time (UTC-5) at every New Year, and
    in daylight time (UTC-4) the one-hour difference never crosses a year's end.
    """
    if dialect == "postgresql":
        local = func.timezone(clock.BOSTON.key, LearningSummary.published_at)
        return cast(func.extract("year", local), Integer).label("year")
    return cast(func.strftime("%Y", LearningSummary.published_at, "-5 hours"), Integer).label("year")


# -- cards and pages -----------------------------------------------------------------------------
def excerpt(markdown_text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The first words of the summary as plain text (no markup), cut at a word boundary."""
    text = re.sub(r"\s+", " ", plain_text(markdown_text)).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:—-")
    return cut + "…"


@dataclass
class Card:
    """What the gallery shows of one published summary: public fields only."""

    summary: LearningSummary
    schools: list[School]

    @property
    def slug(self) -> str:
        return self.summary.slug

    @property
    def title(self) -> str:
        return self.summary.title or self.summary.proposal.title

    @property
    def school_levels(self) -> list[SchoolLevel]:
        levels = {s.level for s in self.schools}
        return [lvl for lvl in SchoolLevel if lvl in levels]

    @property
    def grant_type(self) -> GrantType | None:
        return self.summary.proposal.grant_type

    @property
    def year(self) -> int:
        return local_year(self.summary.published_at)

    @property
    def published_at(self) -> datetime:
        return self.summary.published_at

    def tags(self, kind: TermKind) -> list[str]:
        return self.summary.tag_values(kind)

    @property
    def excerpt(self) -> str:
        return excerpt(self.summary.body)


def schools_by_team(team_ids: Iterable[int]) -> dict[int, list[School]]:
    """Each team's schools (its own school and its members' schools), in one statement."""
    ids = sorted(set(team_ids))
    found: dict[int, dict[int, School]] = {i: {} for i in ids}
    if not ids:
        return {}
    member_schools = (
        select(TeamMember.team_id.label("team_id"), User.school_id.label("school_id"))
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.team_id.in_(ids), User.school_id.is_not(None))
    )
    team_schools = select(Team.id.label("team_id"), Team.school_id.label("school_id")).where(
        Team.id.in_(ids), Team.school_id.is_not(None)
    )
    pairs = member_schools.union(team_schools).subquery()
    rows = db.session.execute(
        select(pairs.c.team_id, School).join(School, School.id == pairs.c.school_id)
    )
    for team_id, school in rows:
        found[team_id][school.id] = school
    return {tid: sorted(schools.values(), key=lambda s: s.name) for tid, schools in found.items()}


def cards(summaries: list[LearningSummary]) -> list[Card]:
    schools = schools_by_team(s.proposal.team_id for s in summaries)
    return [Card(s, schools.get(s.proposal.team_id, [])) for s in summaries]


def _summaries_by_id(ids: list[int]) -> list[LearningSummary]:
    return list(db.session.scalars(_published_summaries().where(LearningSummary.id.in_(ids))))


def gallery_page(filters: GalleryFilters, page: int = 1):
    """One page of matching summaries (an out-of-range page gives the last page) and its cards. How many
    match is counted once per change of the gallery and search (app/core/changes.py)."""
    stmt = gallery_query(filters)
    key = repr(filters)
    pagination = changes.paginate(changes.GALLERY, stmt, page, PER_PAGE, key=key, keep_first=FIRST,
                                  id_column=LearningSummary.id, rows_by_id=_summaries_by_id)
    return pagination, cards(list(pagination.items))


# -- one summary ---------------------------------------------------------------------------------
def published_by_slug(slug: str) -> LearningSummary | None:
    return db.session.scalars(
        _published_summaries()
        .where(LearningSummary.slug == slug)
        .options(selectinload(LearningSummary.artifacts))
    ).first()


def card_for(summary: LearningSummary) -> Card:
    return cards([summary])[0]


def published_artifact(slug: str, artifact_id: int) -> SummaryArtifact | None:
    """A shared file of a published summary, with its bytes."""
    return db.session.scalars(
        select(SummaryArtifact)
        .join(SummaryArtifact.summary)
        .join(LearningSummary.proposal)
        .where(published(), LearningSummary.slug == slug, SummaryArtifact.id == artifact_id)
        .options(undefer(SummaryArtifact.data))
    ).first()


# -- the Atom feed -------------------------------------------------------------------------------
def newest(n: int = FEED_SIZE) -> list[LearningSummary]:
    return list(db.session.scalars(
        _published_summaries()
        .order_by(LearningSummary.published_at.desc(), LearningSummary.id.desc())
        .limit(n)
    ))


def rfc3339(dt: datetime) -> str:
    """An RFC 3339 time in UTC: ``2026-05-01T14:03:09Z``."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_uri(base_url: str, specific: str) -> str:
    """A permanent id (RFC 4151) under the public host: ``tag:host,2026:learning-summary/12``."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:{specific}"


def atom_feed(summaries: list[LearningSummary], *, base_url: str, absolute: Callable[..., str],
              title: str = "Teacher Leadership Fund: learning summaries") -> bytes:
    """The Atom 1.0 document (RFC 4287) for these summaries, as UTF-8 bytes.

    ``absolute(endpoint, **values)`` gives an absolute URL. ElementTree escapes every text and
    attribute, so a title or a summary is always text, never markup.
    """
    ET.register_namespace("", ATOM_NS)

    def el(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
        if text is not None:
            node.text = text
        return node

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    el(feed, "id", tag_uri(base_url, "learning-gallery"))
    el(feed, "title", title, type="text")
    el(feed, "subtitle", "What Boston educators learned from their Teacher Leadership Fund grants.", type="text")
    newest_time = max((s.published_at for s in summaries), default=None)
    el(feed, "updated", rfc3339(newest_time or clock.now()))
    el(feed, "link", rel="self", type="application/atom+xml", href=absolute("gallery.feed"))
    el(feed, "link", rel="alternate", type="text/html", href=absolute("gallery.index"))
    author = el(feed, "author")
    el(author, "name", "Boston Teachers Union and Boston Public Schools: Teacher Leadership Fund")
    el(author, "uri", absolute("gallery.index"))
    for s in summaries:
        entry = el(feed, "entry")
        el(entry, "id", tag_uri(base_url, f"learning-summary/{s.id}"))
        el(entry, "title", s.title or s.proposal.title, type="text")
        el(entry, "link", rel="alternate", type="text/html", href=absolute("gallery.show", slug=s.slug))
        el(entry, "published", rfc3339(s.published_at))
        el(entry, "updated", rfc3339(s.published_at))
        el(entry, "summary", excerpt(s.body, 600), type="text")
        for tag in s.tags:
            el(entry, "category", term=tag.name, label=f"{tag.kind.label}: {tag.name}")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
