"""Readable, unique URL parts: ``base``, or ``base-2``, ``base-3``... among the ones a column already holds."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select

from app.extensions import db


def unique(column: Any, base: str, *, exclude: Any = None, reserved: Iterable[str] = ()) -> str:
    """``base`` when no row's ``column`` holds it (nor ``reserved``), else the first free ``base-N`` (N >= 2).
    ``exclude``: a condition leaving out the row being renamed (e.g. ``Model.id != row_id``)."""
    stmt = select(column).where(or_(column == base, column.like(f"{base}-%")))
    if exclude is not None:
        stmt = stmt.where(exclude)
    taken = set(db.session.scalars(stmt)) | set(reserved)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
