"""The one taxonomy staff manage: topics, grade bands and subjects.

Everything that speaks of topics, grades or subjects uses it: the needs survey (its topics, each
educator's own grade bands and subjects), the PL catalog's tags and filters, the priorities a proposal
cites, and the learning summaries' tags in the public gallery (its filters and search). Staff add,
rename, reorder and retire (deactivate) terms on the Topics page; each of those acts is audited
(``AuditEvent`` with ``case_type`` "taxonomy_term") and shown on the term's page.

A term is never deleted: surveys, answers, catalog entries, proposals and PL requests point at it,
so staff deactivate it instead (it then disappears from new surveys, forms and filters, and what
was recorded against it keeps its meaning). Names are unique within a kind, ignoring case.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import AuditEvent, LearningSummary, Term, TermKind, User, summary_term
from app.models.sharing import build_search_text

CASE_TYPE = "taxonomy_term"
LABELS = {"add_term": "Added", "edit_term": "Changed", "rename_term": "Renamed", "retire_term": "Retired",
          "reactivate_term": "Reactivated"}

NAME_MAX = 80
DESCRIPTION_MAX = 1000
POSITION_MAX = 10_000


class TaxonomyError(FormError):
    """A refused term: one message, beside ``field`` when it is about one (``TaxonomyError(msg, field)``)."""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "term"


def terms_by_kind() -> dict[TermKind, list[Term]]:
    """Every term, grouped by kind (in TermKind order), each group by position then name."""
    terms = db.session.scalars(select(Term).order_by(Term.position, Term.name)).all()
    out: dict[TermKind, list[Term]] = {k: [] for k in TermKind}
    for t in terms:
        out[t.kind].append(t)
    return out


def active_terms(kind: TermKind) -> list[Term]:
    return list(db.session.scalars(
        select(Term).where(Term.kind == kind, Term.active.is_(True)).order_by(Term.position, Term.name)))


def _check(kind: TermKind, name: str, description: str, position: int | None, term: Term | None):
    name = " ".join((name or "").split())
    description = (description or "").strip()
    if not name:
        raise TaxonomyError("Enter a name.", "name")
    if len(name) > NAME_MAX:
        raise TaxonomyError(f"Keep the name to {NAME_MAX} characters or fewer.", "name")
    if len(description) > DESCRIPTION_MAX:
        raise TaxonomyError(f"Keep the description to {DESCRIPTION_MAX:,} characters or fewer.", "description")
    position = 0 if position is None else position
    if not 0 <= position <= POSITION_MAX:
        raise TaxonomyError(f"Enter a position from 0 to {POSITION_MAX:,}.", "position")
    others = select(Term).where(Term.kind == kind)
    if term is not None:
        others = others.where(Term.id != term.id)
    clash = db.session.scalar(others.where(func.lower(Term.name) == name.lower()).limit(1))
    if clash is not None:
        raise TaxonomyError(f"There is already a {kind.label.lower()} called “{clash.name}”"
                            f"{'' if clash.active else ' (inactive: reactivate it instead)'}. "
                            f"Choose a different name.", "name")
    slug = slugify(name)
    base, n = slug, 2
    while db.session.scalar(others.where(Term.slug == slug).limit(1)) is not None:
        slug = f"{base[:76]}-{n}"
        n += 1
    return name, description, position, slug


def _record(term: Term, trigger: str, actor: User | None, data: dict | None = None) -> None:
    db.session.add(AuditEvent(case_type=CASE_TYPE, case_id=term.id, trigger=trigger, from_state=None, to_state=None,
                              actor_id=actor.id if actor is not None else None, at=clock.now(), data=data or {}))


def create_term(kind: TermKind | str, *, name: str, description: str = "", position: int | None = None,
                actor: User | None = None) -> Term:
    kind = TermKind(kind)
    if position is None:
        position = (db.session.scalar(select(func.max(Term.position)).where(Term.kind == kind)) or 0) + 1
    name, description, position, slug = _check(kind, name, description, position, None)
    term = Term(kind=kind, name=name, slug=slug, description=description, position=position, active=True)
    db.session.add(term)
    db.session.flush()
    _record(term, "add_term", actor, {"name": name})
    db.session.flush()
    return term


def update_term(term: Term, *, name: str, description: str = "", position: int | None = None,
                actor: User | None = None) -> Term:
    """Rename, describe or move a term. A new name reaches everything tagged with it at once (surveys,
    catalog, summaries); the gallery's search text of the summaries carrying it is rebuilt."""
    before = {"name": term.name, "description": term.description, "position": term.position}
    term.name, term.description, term.position, term.slug = _check(term.kind, name, description, position, term)
    after = {"name": term.name, "description": term.description, "position": term.position}
    changes = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
    if not changes:
        return term
    db.session.flush()
    if "name" in changes:
        refresh_search_text(term)
    _record(term, "rename_term" if "name" in changes else "edit_term", actor, {"changes": changes})
    db.session.flush()
    return term


def refresh_search_text(term: Term) -> int:
    """Rebuild the search text of every summary tagged with ``term`` (after a rename); how many."""
    summaries = db.session.scalars(
        select(LearningSummary).join(summary_term, summary_term.c.summary_id == LearningSummary.id)
        .where(summary_term.c.term_id == term.id))
    n = 0
    for summary in summaries:
        summary.search_text = build_search_text(summary)
        n += 1
    return n


def set_active(term: Term, active: bool, actor: User | None = None) -> Term:
    """Retire a term (no longer offered in new surveys, forms and filters; what carries it keeps it) or
    bring it back."""
    if term.active == bool(active):
        return term
    term.active = bool(active)
    db.session.flush()
    _record(term, "reactivate_term" if term.active else "retire_term", actor)
    db.session.flush()
    return term


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    label: str
    who: str
    details: str


def history(term: Term, limit: int = 20) -> list[HistoryEntry]:
    """What staff did to ``term``, newest first."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_type == CASE_TYPE, AuditEvent.case_id == term.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    out = []
    for e in events:
        changes = (e.data or {}).get("changes", {})
        details = "; ".join(f"{k}: {c.get('before') if c.get('before') not in (None, '') else 'none'} → "
                            f"{c.get('after') if c.get('after') not in (None, '') else 'none'}"
                            for k, c in sorted(changes.items()))
        out.append(HistoryEntry(at=e.at, label=LABELS.get(e.trigger, e.trigger), details=details,
                                who=e.actor.name if e.actor is not None else "The system"))
    return out
