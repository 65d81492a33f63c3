"""What the public gallery's validators (app/core/conditional.py) are made of: one primary-key read each.

Every write that changes what the gallery can show (a summary saved, published or unpublished, its tags
and files, its proposal's state or title) counts the ``gallery`` area up, and one that changes the names
shown beside a summary (a school, a team, who is on it) counts ``names`` up (app/core/changes.py): the
gallery, its search results and its Atom feed change with both. A single summary's page and PDF change
with that summary's own ``updated_at`` and ``published_at`` and with ``names``.
"""
from __future__ import annotations

from datetime import datetime

from app.core import changes
from app.models import LearningSummary


def gallery_version() -> tuple[tuple, datetime | None]:
    """(the version, the newest change) of everything the gallery can show."""
    gallery, gallery_at = changes.current(changes.GALLERY)
    names, names_at = changes.current(changes.NAMES)
    return (gallery, names), max((d for d in (gallery_at, names_at) if d is not None), default=None)


def summary_version(summary: LearningSummary) -> tuple[tuple, datetime | None]:
    names, names_at = changes.current(changes.NAMES)
    changed = [d for d in (summary.updated_at, summary.published_at, names_at) if d is not None]
    return (summary.id, summary.updated_at, summary.published_at, names), max(changed, default=None)
