"""What the public gallery's validators (app/core/conditional.py) are made of: one small statement each.

The gallery, its search results and its Atom feed show published summaries only; any change to what they
show changes how many are published, which ones (the sum of their ids) or the newest ``updated_at`` or
``published_at`` among them (saving a summary, publishing one, republishing one). A single summary's page
and PDF change with that summary's own ``updated_at`` and ``published_at``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import LearningSummary, Proposal
from app.sharing.gallery import published


def gallery_version() -> tuple[tuple, datetime | None]:
    """(the version, the newest change) of everything the gallery can show."""
    count, ids, updated, newest = db.session.execute(
        select(func.count(LearningSummary.id), func.coalesce(func.sum(LearningSummary.id), 0),
               func.max(LearningSummary.updated_at), func.max(LearningSummary.published_at))
        .join(Proposal, LearningSummary.proposal_id == Proposal.id)
        .where(published())
    ).one()
    return (count, ids, updated, newest), max((d for d in (updated, newest) if d is not None), default=None)


def summary_version(summary: LearningSummary) -> tuple[tuple, datetime | None]:
    changed = [d for d in (summary.updated_at, summary.published_at) if d is not None]
    return (summary.id, summary.updated_at, summary.published_at), max(changed, default=None)
