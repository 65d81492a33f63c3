"""Sending the outbox by SMTP (the standard library's ``smtplib``), with retries.

``send_pending`` claims one unsent message at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so two senders never send the same message twice), sends it, marks ``sent_at`` and commits. A
failure is recorded on the row (``attempts``, ``last_error``) and the message is tried again later
with exponential backoff; after ``MAIL_MAX_ATTEMPTS`` it stays unsent and is shown to staff.
Nothing is ever deleted.

Nothing here runs inside a request: the mail worker (``app/worker.py``, ``flask --app app worker``)
calls ``send_pending`` in a loop, and ``flask send-mail`` once. A page only writes the outbox row, in
its own transaction, so a slow or unreachable SMTP server never holds a page.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app
from sqlalchemy import func, or_, select

from app.core import clock
from app.extensions import db
from app.models import OutboxMessage

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
MAX_ERROR = 2000
# Failures of the connection itself (besides socket errors): the next message would fail the
# same way, so the run stops. A refused recipient or message fails only that message.
SESSION_ERRORS = (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, smtplib.SMTPHeloError,
                  smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError)


def is_connection_error(exc: BaseException) -> bool:
    # smtplib's exceptions are OSErrors too: a bare OSError is the socket's (refused, timed out).
    return isinstance(exc, SESSION_ERRORS) or (isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException))


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    stopped: str = ""  # why the run stopped early (the server could not be reached), if it did

    def __str__(self) -> str:
        text = f"Sent {len(self.sent)} message{'s' if len(self.sent) != 1 else ''}"
        if self.failed:
            text += f"; {len(self.failed)} failed and will be retried"
        if self.stopped:
            text += f"; stopped: {self.stopped}"
        return text + "."


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 1, 2, 4, 8... minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def max_attempts() -> int:
    return int(current_app.config.get("MAIL_MAX_ATTEMPTS", 8))


def _due_filter(now: datetime):
    return (
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.held_for_digest.is_(False),  # those wait for their recipient's daily digest
        OutboxMessage.attempts < max_attempts(),
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )


def pending_count() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(*_due_filter(clock.now()))) or 0


def given_up(limit: int = 100) -> list[OutboxMessage]:
    """Messages that failed MAIL_MAX_ATTEMPTS times: unsent, kept, shown to staff."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= max_attempts())
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    ))


def retrying(limit: int = 100) -> list[OutboxMessage]:
    """Messages that failed at least once and will be tried again."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0,
                                    OutboxMessage.attempts < max_attempts())
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    ))


def retry_given_up() -> int:
    """Give every given-up message a fresh set of attempts (after the mail server is fixed)."""
    rows = given_up(limit=10_000)
    for m in rows:
        m.attempts = 0
        m.next_attempt_at = None
    db.session.flush()
    return len(rows)


# -- SMTP --------------------------------------------------------------------------------------
def build_message(row: OutboxMessage) -> EmailMessage:
    cfg = current_app.config
    sender = cfg.get("MAIL_SENDER") or "tlf@localhost"
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.to_email
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row.body)
    return msg


class Connection:
    """One SMTP session, opened on first use and reused for the rest of a run."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is None:
            cfg = current_app.config
            smtp = smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=cfg.get("MAIL_TIMEOUT", 10))
            try:
                if cfg.get("MAIL_USE_TLS"):
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.get("MAIL_USERNAME"):
                    smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
            except Exception:
                smtp.close()
                raise
            self.smtp = smtp
        return self.smtp

    def send(self, msg: EmailMessage) -> None:
        self.open().send_message(msg)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _claim(ids: list[int] | None, skip: set[int]):
    """The next due message, locked for this sender (rows other senders hold are skipped)."""
    stmt = select(OutboxMessage).where(*_due_filter(clock.now())).order_by(OutboxMessage.id).limit(1)
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    if skip:
        stmt = stmt.where(OutboxMessage.id.not_in(skip))
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return db.session.scalars(stmt.execution_options(populate_existing=True)).first()


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR]


def send_pending(limit: int = 100, ids: list[int] | None = None,
                 stop: Callable[[], bool] | None = None) -> SendResult:
    """Send up to ``limit`` due messages (only ``ids`` when given). Commits after each message.

    ``stop`` is asked before each message: when it answers True the run ends there (the worker's
    SIGTERM: the message in hand is finished, no new one is started)."""
    result = SendResult()
    conn = Connection()
    tried: set[int] = set()
    try:
        while len(tried) < limit and not (stop is not None and stop()):
            row = _claim(ids, tried)
            if row is None:
                break
            tried.add(row.id)
            try:
                conn.send(build_message(row))
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                row.attempts = (row.attempts or 0) + 1
                row.last_error = _error_text(exc)
                row.next_attempt_at = clock.now() + backoff(row.attempts)
                db.session.commit()
                result.failed.append(row.id)
                log.warning("mail to %s (outbox %s) failed, attempt %s: %s",
                            row.to_email, row.id, row.attempts, row.last_error)
                conn.close()
                if is_connection_error(exc):
                    result.stopped = f"the mail server could not be reached ({row.last_error})"
                    break
                continue
            row.sent_at = clock.now()
            row.last_error = ""
            db.session.commit()
            result.sent.append(row.id)
    finally:
        conn.close()
    return result


__all__ = ["SendResult", "backoff", "build_message", "given_up", "pending_count", "retry_given_up",
           "retrying", "send_pending"]
