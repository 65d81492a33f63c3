"""The taxonomy staff manage: PL topics, grade bands and subjects.

A term is never deleted: surveys, answers, catalog entries, proposals and PL requests point at it,
so staff deactivate it instead (it then disappears from new surveys, forms and filters, and what
was recorded against it keeps its meaning). Names are unique within a kind, ignoring case.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.core.errors import FormError
from app.extensions import db
from app.models import Term, TermKind

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


def create_term(kind: TermKind | str, *, name: str, description: str = "", position: int | None = None) -> Term:
    kind = TermKind(kind)
    if position is None:
        position = (db.session.scalar(select(func.max(Term.position)).where(Term.kind == kind)) or 0) + 1
    name, description, position, slug = _check(kind, name, description, position, None)
    term = Term(kind=kind, name=name, slug=slug, description=description, position=position, active=True)
    db.session.add(term)
    db.session.flush()
    return term


def update_term(term: Term, *, name: str, description: str = "", position: int | None = None) -> Term:
    term.name, term.description, term.position, term.slug = _check(term.kind, name, description, position, term)
    db.session.flush()
    return term


def set_active(term: Term, active: bool) -> Term:
    term.active = bool(active)
    db.session.flush()
    return term
