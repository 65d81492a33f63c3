"""How people may sign in: the admins' choice to require single sign-on, and the break-glass accounts
that may still use a password (app/people/sso.py reads and changes them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.people import User
from app.models.types import UTCDateTime, utcnow


class SignInPolicy(db.Model):
    """One row (id 1), made on the first save; no row means the defaults: passwords allowed for everyone."""

    __tablename__ = "sign_in_policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    require_sso: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class BreakGlassAccount(db.Model):
    """An admin who may still sign in with a password while single sign-on is required (for the day the
    district's identity provider is down or misconfigured)."""

    __tablename__ = "break_glass_account"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    user: Mapped[User] = relationship(lazy="joined")
