"""Mail goes through an outbox (sent by the mail worker, app/worker.py, never in a request; retried on
failure); each message also shows in the recipient's in-app notifications."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.people import User
from app.models.types import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_pending", "sent_at", "next_attempt_at"),
        # The daily digest's search: each person's held messages not yet in a digest.
        Index("ix_outbox_message_held", "held_for_digest", "digest_id", "to_user_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    to_email: Mapped[str] = mapped_column(String(254))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    subject: Mapped[str] = mapped_column(String(250))
    body: Mapped[str] = mapped_column(Text)
    # Reminders carry "reminder:<kind>:<id>:<Boston date>" so each goes out once per day per item.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    case_type: Mapped[str | None] = mapped_column(String(40))
    case_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Held for the recipient's daily digest (they chose it): the sender skips it; the worker puts it in
    # that day's digest (``digest_id``: the digest message that carried it) at DIGEST_AT.
    held_for_digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    to_user: Mapped[User | None] = relationship()


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at"),
        # A person's notifications page, newest first.
        Index("ix_notification_user_created", "user_id", text("created_at DESC"), text("id DESC")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    subject: Mapped[str] = mapped_column(String(250))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()
