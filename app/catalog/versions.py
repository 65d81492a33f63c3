"""What the public catalog's validators (app/core/conditional.py) are made of: one small statement each.

The list changes with the published opportunities (how many, which ones, the newest ``updated_at``: saving
an opportunity, its sessions or its terms sets it), the seats taken (registered people), the active terms
(the filter's choices) and the day (opportunities whose sessions are over leave the list at midnight in
Boston), so these pages send an ETag only (no Last-Modified). An opportunity's page changes with that opportunity, its seats taken and the day.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.models import Opportunity, Registration, RegistrationStatus, Term

_REGISTERED = Registration.status == RegistrationStatus.REGISTERED


def catalog_version() -> tuple[tuple, None]:
    published = Opportunity.published.is_(True)
    active = Term.active.is_(True)
    row = db.session.execute(select(
        select(func.count(Opportunity.id)).where(published).scalar_subquery(),
        select(func.coalesce(func.sum(Opportunity.id), 0)).where(published).scalar_subquery(),
        select(func.max(Opportunity.updated_at)).where(published).scalar_subquery(),
        select(func.count(Registration.id)).where(_REGISTERED).scalar_subquery(),
        select(func.count(Term.id)).where(active).scalar_subquery(),
        select(func.coalesce(func.sum(Term.id), 0)).where(active).scalar_subquery(),
    )).one()
    return (clock.today().isoformat(), *row), None


def opportunity_version(o: Opportunity) -> tuple[tuple, None]:
    seats = db.session.scalar(select(func.count(Registration.id))
                              .where(Registration.opportunity_id == o.id, _REGISTERED))
    return (clock.today().isoformat(), o.id, o.updated_at, o.published, seats), None


def calendar_version(o: Opportunity) -> tuple[tuple, datetime | None]:
    return (o.id, o.updated_at, o.published), o.updated_at
