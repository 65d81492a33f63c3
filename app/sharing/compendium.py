"""The annual compendium: every learning summary published in a year (Boston time), in one public PDF at
``/learning/<year>.pdf``, with a cover, a table of contents with page numbers and one PDF bookmark per summary.

Only what the gallery calls published (``gallery.published()``) is ever read, and only public fields: the
summary's title, text and tags, its team's name, the team's schools, and its shared files by name and
public address. Never budgets, reviews, people's names or emails, privacy flags or consent details.

**Made once per version** of the year's set and kept in ``compendium_pdf`` (one row per year). The version
(``version``) is read off that year's published summaries in a few small statements (each year holds a few
dozen): which summaries, each one's last save and publication, its title and proposal's title, its tags'
names, its files; plus the names shown beside summaries (app/core/changes.py's ``names``) and the release
(its templates and modules). A summary of the year edited, published or unpublished, a tag renamed, a file
shared or taken away: a new version, rendered once at the next request. A change to another year's summary
leaves this year's PDF as it is. The same version is the page's ETag (app/core/conditional.py).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import changes, clock, pdf
from app.core.conditional import signature
from app.extensions import db
from app.models import (
    CompendiumPdf,
    LearningSummary,
    Proposal,
    SummaryArtifact,
    Team,
    Term,
    TermKind,
    summary_term,
)
from app.sharing import gallery

# Years a compendium can be asked for (a four-digit year in the URL; nothing outside is ever published).
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Version:
    year: int
    count: int  # published summaries in the year
    key: str  # what the PDF is made from (a hash), also the page's ETag
    last_modified: datetime | None


def _in_year(year: int):
    start, end = gallery._year_bounds(year)
    return gallery.published(), LearningSummary.published_at >= start, LearningSummary.published_at < end


def version(year: int) -> Version:
    """The year's set as it is now: four small statements over that year's summaries (the index on
    ``published_at`` finds them) and one primary-key read."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return Version(year, 0, "", None)
    rows = db.session.execute(
        select(LearningSummary.id, LearningSummary.updated_at, LearningSummary.published_at, LearningSummary.title,
               LearningSummary.slug, Proposal.title, Proposal.team_id, Proposal.grant_type)
        .join(LearningSummary.proposal)
        .where(*_in_year(year))
        .order_by(LearningSummary.id)
    ).all()
    if not rows:
        return Version(year, 0, "", None)
    ids = [r[0] for r in rows]
    tags = db.session.execute(
        select(summary_term.c.summary_id, Term.id, Term.kind, Term.name)
        .join(Term, Term.id == summary_term.c.term_id)
        .where(summary_term.c.summary_id.in_(ids))
        .order_by(summary_term.c.summary_id, Term.id)
    ).all()
    files = db.session.execute(
        select(SummaryArtifact.summary_id, SummaryArtifact.id, SummaryArtifact.filename, SummaryArtifact.description)
        .where(SummaryArtifact.summary_id.in_(ids))
        .order_by(SummaryArtifact.summary_id, SummaryArtifact.id)
    ).all()
    names, names_at = changes.current(changes.NAMES)
    parts = (year, [tuple(r) for r in rows], [tuple(t) for t in tags], [tuple(f) for f in files], names,
             signature())
    key = hashlib.sha256(repr(parts).encode()).hexdigest()
    stamps = [d for r in rows for d in (r[1], r[2])] + ([names_at] if names_at else [])
    return Version(year, len(rows), key, max(stamps))


@dataclass
class Entry:
    """One summary as the compendium prints it: public fields only."""

    summary: LearningSummary
    team_name: str
    schools: list
    tags: dict[str, list[str]]
    files: list[tuple[str, str, str]]  # (file name, description, public address)

    @property
    def anchor(self) -> str:
        return f"summary-{self.summary.id}"

    @property
    def title(self) -> str:
        return self.summary.title or self.summary.proposal.title


def entries(year: int) -> list[Entry]:
    """The year's published summaries, in the order they were published."""
    start, end = gallery._year_bounds(year)
    found = list(db.session.scalars(
        gallery._published_summaries()
        .where(LearningSummary.published_at >= start, LearningSummary.published_at < end)
        .order_by(LearningSummary.published_at, LearningSummary.id)
        .options(selectinload(LearningSummary.tags), selectinload(LearningSummary.artifacts))
    ))
    team_ids = {s.proposal.team_id for s in found}
    teams = dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids))).all())
    schools = gallery.schools_by_team(team_ids)
    return [
        Entry(
            s, teams.get(s.proposal.team_id, ""), schools.get(s.proposal.team_id, []), {kind.value: s.tag_values(kind) for kind in TermKind},
            [(a.filename, a.description, pdf.public_url("gallery.artifact", slug=s.slug, artifact_id=a.id))
             for a in sorted(s.artifacts, key=lambda a: a.id)],
        )
        for s in found
    ]


def render(year: int) -> bytes:
    """The compendium of ``year``, rendered now (WeasyPrint, through the one PDF door)."""
    return pdf.render("pdf/compendium.html", year=year, entries=entries(year), printed_at=clock.now())


def pdf_for(found: Version) -> bytes:
    """The compendium of ``found.year`` at version ``found``: the stored one when it is that version, else
    rendered once and stored (replacing the year's older version). Two workers that make the same new
    version at once both serve theirs; the second one's store is dropped."""
    if not found.count:
        raise LookupError(f"No learning summary was published in {found.year}.")
    stored = db.session.scalar(select(CompendiumPdf.body).where(CompendiumPdf.year == found.year,
                                                                CompendiumPdf.version == found.key))
    if stored is not None:
        return stored
    body = render(found.year)
    changes.keep_made(CompendiumPdf, found.year, found.key, body)
    return body


