"""The mail worker, ``flask --app app worker``: the only place mail is sent from, and the daily reminders.

Pages never send mail: an operation writes ``OutboxMessage`` rows in the request's own transaction
and the page answers at once, whatever the SMTP server is doing. This process loops:

1. once a day, at ``REMINDERS_AT`` (a Boston time such as ``07:00``; empty turns it off), it queues
   the day's reminders (``app.home.reminders.queue_reminders``). The outbox's unique dedupe key
   (one per item, person and Boston day) makes this safe with several workers and restarts: a
   worker that starts after the hour queues what is missing for today, and nothing twice;
   Then, once a day at ``DIGEST_AT`` (Boston time; empty turns it off), it queues the daily digests
   (``app.home.digest.queue_digests``): one message per person who chose the daily digest, with
   everything held for them since their last; the digest's unique key (person, Boston day) and
   ``SKIP LOCKED`` on the held rows make it once a day per person, whatever the number of workers;
2. when ``MAIL_ENABLED`` is 1, it sends the due messages in batches (``app.core.mailer.send_pending``:
   one claim at a time with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never send a
   message twice; a commit after each message; failures wait with the mailer's backoff). With
   ``MAIL_ENABLED`` off it sends nothing and every message stays queued (it says so when it starts);
3. it sleeps ``WORKER_POLL_SECONDS`` when there was nothing more to send, longer (doubling, at most
   ``MAX_WAIT_SECONDS``) while the mail server or the database cannot be reached. A failed step is
   logged and rolled back and the loop goes on: the worker never dies of an outage, and never spins.

SIGTERM or SIGINT stops it cleanly: the message being sent is finished and committed, no new one is
started, and the process exits 0. ``--once`` runs one pass (for cron and the tests) and exits 1 if a
step failed or the mail server could not be reached, like ``flask send-mail``.

It never imports WeasyPrint (no PDF is made here; ``app/core/pdf_engine.py`` loads it on first use).
"""
from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time

from flask import Flask

from app.core import clock, mailer
from app.extensions import db

log = logging.getLogger("app.worker")

DEFAULT_POLL_SECONDS = 5.0
DEFAULT_BATCH = 100
MAX_WAIT_SECONDS = 300.0
_HH_MM = re.compile(r"(\d{1,2}):(\d{2})")


class WorkerSettingError(ValueError):
    """A worker setting that cannot be used (the command refuses to start and says which)."""


def reminders_time(value: str | None, name: str = "REMINDERS_AT", what: str = "the daily reminders",
                   example: str = "07:00") -> clock_time | None:
    """``REMINDERS_AT`` (or another daily setting, ``name``) as a time of day in Boston; None when empty
    (the worker does not do it)."""
    text = (value or "").strip()
    if not text:
        return None
    m = _HH_MM.fullmatch(text)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise WorkerSettingError(f"{name} must be a Boston time of day such as {example} (24-hour clock), "
                                 f"or empty to turn {what} off; it is {text!r}.")
    return clock_time(int(m[1]), int(m[2]))


def digest_time(value: str | None) -> clock_time | None:
    """``DIGEST_AT`` as a time of day in Boston; None when empty (no daily digests from the worker)."""
    return reminders_time(value, "DIGEST_AT", "the daily digests", "17:00")


def poll_seconds(value) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise WorkerSettingError(f"WORKER_POLL_SECONDS must be a number of seconds above 0 and at most 3600; "
                                 f"it is {value!r}.")
    return seconds


@dataclass
class PassResult:
    """What one pass did."""

    sent: int = 0
    failed: int = 0
    reminders: int | None = None  # reminders queued (None: not their time, or already done today)
    digests: int | None = None  # daily digests queued (None: not their time, or already done today)
    mail_down: str = ""  # the mail server could not be reached (the mailer's words)
    errors: list[str] = field(default_factory=list)  # steps that raised (logged with their traceback)
    more: bool = False  # a whole batch went out: more may be due at once

    @property
    def ok(self) -> bool:
        return not self.errors and not self.mail_down


def _due_day(now: datetime, at: clock_time | None, done_on: date | None) -> date | None:
    """Today's Boston date when a once-a-day step set for ``at`` is due and not done today, else None."""
    if at is None:
        return None
    local = clock.local(now)
    if local.time() < at or local.date() == done_on:
        return None
    return local.date()


class Worker:
    """The loop. ``run_pass`` is one pass (in an application context); ``run`` loops until ``stop``."""

    def __init__(self, app: Flask, *, batch: int = DEFAULT_BATCH, poll: float | None = None,
                 reminders_at: str | None = None, digest_at: str | None = None) -> None:
        cfg = app.config
        self.app = app
        self.batch = batch
        self.poll = poll_seconds(cfg.get("WORKER_POLL_SECONDS", DEFAULT_POLL_SECONDS) if poll is None else poll)
        self.reminders_at = reminders_time(cfg.get("REMINDERS_AT", "") if reminders_at is None else reminders_at)
        self.mail_enabled = bool(cfg.get("MAIL_ENABLED"))
        self.stopping = False
        self.digest_at = digest_time(cfg.get("DIGEST_AT", "") if digest_at is None else digest_at)
        self.reminded_on: date | None = None  # the Boston day this worker last queued reminders for
        self.digested_on: date | None = None  # the Boston day this worker last queued digests for
        self.failures = 0  # passes in a row with an error or an unreachable mail server

    # -- one pass -----------------------------------------------------------------------------
    def reminders_day(self, now: datetime) -> date | None:
        """The Boston day whose reminders are due now and not yet queued by this worker, if any."""
        return _due_day(now, self.reminders_at, self.reminded_on)

    def digest_day(self, now: datetime) -> date | None:
        """The Boston day whose digests are due now and not yet queued by this worker, if any."""
        return _due_day(now, self.digest_at, self.digested_on)

    def run_pass(self) -> PassResult:
        """Queue today's reminders if their time has come, then send one batch of due mail. Commits."""
        result = PassResult()
        day = self.reminders_day(clock.now())
        if day is not None and self._step(result, "queueing reminders", lambda: self._remind(day, result)):
            self.reminded_on = day
        digest_day = self.digest_day(clock.now())
        if digest_day is not None and self._step(result, "queueing digests",
                                                 lambda: self._digest(digest_day, result)):
            self.digested_on = digest_day
        if self.mail_enabled and not self.stopping:
            self._step(result, "sending mail", lambda: self._send(result))
        return result

    def _remind(self, day: date, result: PassResult) -> None:
        from app.home import reminders

        queued = reminders.queue_reminders(day)
        db.session.commit()
        result.reminders = len(queued)
        # Nothing new (another worker, or this one before a restart, queued them) is not news.
        log.log(logging.INFO if queued else logging.DEBUG, "queued %s reminder%s for %s", len(queued),
                "" if len(queued) == 1 else "s", day.isoformat(), extra={"reminders": len(queued), "day": day.isoformat()})

    def _digest(self, day: date, result: PassResult) -> None:
        from app.home import digest

        queued = digest.queue_digests(day)  # commits after each person
        result.digests = len(queued)
        log.log(logging.INFO if queued else logging.DEBUG, "queued %s daily digest%s for %s", len(queued),
                "" if len(queued) == 1 else "s", day.isoformat(), extra={"digests": len(queued), "day": day.isoformat()})

    def _send(self, result: PassResult) -> None:
        sent = mailer.send_pending(limit=self.batch, stop=lambda: self.stopping)
        result.sent, result.failed, result.mail_down = len(sent.sent), len(sent.failed), sent.stopped
        result.more = not sent.stopped and not self.stopping and len(sent.sent) + len(sent.failed) >= self.batch
        if sent.sent or sent.failed:
            log.log(logging.WARNING if sent.failed else logging.INFO, "%s", sent,
                    extra={"sent": len(sent.sent), "failed": len(sent.failed), "mail_down": bool(sent.stopped)})

    def _step(self, result: PassResult, what: str, fn) -> bool:
        """Run one step; a failure (the database gone, a bug) is logged and rolled back, never raised."""
        try:
            fn()
            return True
        except Exception as exc:
            result.errors.append(f"{what}: {type(exc).__name__}: {exc}")
            log.exception("%s failed; the worker goes on", what)
            try:
                db.session.rollback()
            except Exception:  # the connection itself is gone: the next pass gets a new one
                log.warning("rollback after a failed step failed", exc_info=True)
            db.session.remove()
            return False

    # -- the loop -----------------------------------------------------------------------------
    def wait_after(self, result: PassResult) -> float:
        """Seconds to sleep after a pass: none when more is due, the poll interval when idle, and
        doubling (at most ``MAX_WAIT_SECONDS``) while something is down."""
        if result.ok:
            self.failures = 0
            return 0.0 if result.more else self.poll
        self.failures += 1
        return min(self.poll * 2 ** min(self.failures, 16), max(MAX_WAIT_SECONDS, self.poll))

    def stop(self, signum: int | None = None, frame=None) -> None:
        if not self.stopping and signum is not None:
            log.info("got %s: stopping after the message in hand", signal.Signals(signum).name)
        self.stopping = True

    def sleep(self, seconds: float) -> None:
        """Sleep, waking within a quarter second of ``stop``."""
        deadline = time.monotonic() + seconds
        while not self.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.25))

    def run(self, once: bool = False, handle_signals: bool = False) -> int:
        """Loop until stopped (or one pass with ``once``). The exit status: 0, or 1 when ``once``'s pass
        had a failed step or could not reach the mail server."""
        previous = {}
        if handle_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self.stop)
        try:
            with self.app.app_context():
                return self._loop(once)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self, once: bool) -> int:
        at = self.reminders_at.strftime("%H:%M") if self.reminders_at else "off"
        digest_at = self.digest_at.strftime("%H:%M") if self.digest_at else "off"
        log.info("mail worker started (pid %s): mail %s, polling every %ss, %s, %s", os.getpid(),
                 "on" if self.mail_enabled else "off", self.poll,
                 f"daily reminders at {at} Boston time" if self.reminders_at else "no daily reminders",
                 f"daily digests at {digest_at}" if self.digest_at else "no daily digests",
                 extra={"pid": os.getpid(), "mail_enabled": self.mail_enabled, "poll_seconds": self.poll,
                        "reminders_at": at, "digest_at": digest_at, "once": once})
        if not self.mail_enabled:
            log.warning("MAIL_ENABLED is not 1: this worker sends no mail; messages stay queued in the outbox")
        status = 0
        while not self.stopping:
            result = self.run_pass()
            try:
                db.session.remove()  # no transaction or connection held while idle
            except Exception:  # a connection that died after the pass: the next pass gets a new one
                log.warning("closing the session after a pass failed", exc_info=True)
            wait = self.wait_after(result)
            if once:
                status = 0 if result.ok else 1
                break
            if not result.ok:
                log.warning("trying again in %.0f s", wait, extra={"wait_seconds": wait})
            self.sleep(wait)
        log.info("mail worker stopped (pid %s)", os.getpid(), extra={"pid": os.getpid()})
        return status


__all__ = ["DEFAULT_BATCH", "MAX_WAIT_SECONDS", "PassResult", "Worker", "WorkerSettingError", "digest_time",
           "poll_seconds", "reminders_time"]
