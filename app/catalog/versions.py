"""What the public catalog's validators (app/core/conditional.py) are made of: one small statement each.

Every write that changes what the catalog shows (an opportunity saved, its sessions or terms, a seat
taken or given back, the taxonomy) counts the ``catalog`` area up (app/core/changes.py), and the list
changes with the day too (opportunities whose sessions are over leave it at midnight in Boston), so
these pages send an ETag only (no Last-Modified). An opportunity's page changes with that opportunity,
its seats taken and the day.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.core import changes, clock
from app.extensions import db
from app.models import Opportunity, Registration, RegistrationStatus

_REGISTERED = Registration.status == RegistrationStatus.REGISTERED


def catalog_version() -> tuple[tuple, None]:
    return (clock.today().isoformat(), changes.current(changes.CATALOG)[0]), None


def opportunity_version(o: Opportunity) -> tuple[tuple, None]:
    seats = db.session.scalar(select(func.count(Registration.id))
                              .where(Registration.opportunity_id == o.id, _REGISTERED))
    return (clock.today().isoformat(), o.id, o.updated_at, o.published, seats), None


def calendar_version(o: Opportunity) -> tuple[tuple, datetime | None]:
    return (o.id, o.updated_at, o.published), o.updated_at
