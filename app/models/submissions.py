"""One-time submission tokens: each create form carries one, so the same form sent twice is saved once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Submission(db.Model):
    """A create form's token, claimed by the request that saved the form (in the same transaction as what
    it saved, so a refused form leaves no claim). ``result_url`` is where that request sent its author: a
    repeated post of the same token is sent there too. Rows older than ``app.core.once.KEEP`` are pruned."""

    __tablename__ = "submission"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    result_url: Mapped[str | None] = mapped_column(Text)
