"""How many times what a public page can show has changed: one row per area (the gallery, the catalog,
the names every page shows), counted up by app/core/changes.py in the transaction that changes it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class PublicVersion(db.Model):
    __tablename__ = "public_version"
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # A new random value at each change: a change rolled back and another one made after it count to the
    # same ``version``, never to the same ``stamp`` (what app/core/changes.py keeps its values under).
    stamp: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
