"""Sending the outbox: a real SMTP server on 127.0.0.1; failures keep the message for a later retry."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases import notify
from app.core import clock, mailer
from app.extensions import db
from app.models import OutboxMessage, ProposalState
from tests.smtp_server import SMTPServer, smtp_fixture  # noqa: F401  (the smtp fixture)

S = ProposalState


def queue_for(user, subject="Proposal approved: Reading circles", body="Hello.\n") -> OutboxMessage:
    q = notify.queue(user, subject, body)
    db.session.commit()
    return q.message


def reload(row: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, row.id)


@pytest.fixture
def later(monkeypatch):
    """Move the app's clock forward: ``later(minutes=5)``."""
    real = clock.now

    def move(**delta):
        target = real() + timedelta(**delta)
        monkeypatch.setattr(clock, "now", lambda: target)

    return move


def test_send_pending_delivers_and_marks_sent(app_ctx, world, smtp):
    a = queue_for(world.lead, "Proposal approved: Reading circles", "Line one.\nLine two.\n")
    b = queue_for(world.member, "Grant activated: Reading circles")
    result = mailer.send_pending()
    assert sorted(result.sent) == sorted([a.id, b.id]) and not result.failed
    assert str(result) == "Sent 2 messages."
    assert smtp.subjects_to(world.lead.email) == ["Proposal approved: Reading circles"]
    assert smtp.body_to(world.lead.email) == "Line one.\nLine two.\n"
    mail = smtp.to(world.lead.email)[0]
    assert mail["Message-ID"] and mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Envelope-To"] == world.lead.email
    assert reload(a).sent_at is not None and reload(b).sent_at is not None
    # nothing is sent twice
    assert mailer.send_pending().sent == []
    assert len(smtp.messages) == 2


def test_server_down_keeps_the_message_and_a_later_run_delivers_it(app_ctx, world, smtp, later, monkeypatch):
    row = queue_for(world.lead)
    other = queue_for(world.member)
    smtp.stop()

    result = mailer.send_pending()
    assert result.failed == [row.id] and result.sent == []
    assert "could not be reached" in result.stopped  # the run stops: the next one would fail the same way
    row = reload(row)
    assert row.sent_at is None and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > clock.now() + timedelta(seconds=50)
    assert reload(other).attempts == 0  # not tried, not charged an attempt

    # the server is back (on another port); the failed message waits for its backoff
    server = SMTPServer().start()
    try:
        monkeypatch.setitem(app_ctx.config, "MAIL_PORT", server.port)
        assert mailer.send_pending().sent == [other.id]
        assert server.subjects_to(world.lead.email) == []
        later(minutes=2)
        assert mailer.send_pending().sent == [row.id]
        assert server.subjects_to(world.lead.email) == ["Proposal approved: Reading circles"]
        row = reload(row)
        assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""
    finally:
        server.stop()


def test_refused_recipient_is_retried_and_the_run_goes_on(app_ctx, world, smtp, later):
    a = queue_for(world.lead)
    b = queue_for(world.member)
    smtp.recorder.refuse = True
    result = mailer.send_pending()
    assert sorted(result.failed) == sorted([a.id, b.id]) and not result.stopped
    a = reload(a)
    assert a.attempts == 1 and "SMTPRecipientsRefused" in a.last_error and "550" in a.last_error
    assert smtp.messages == []

    smtp.recorder.refuse = False
    later(minutes=2)
    assert sorted(mailer.send_pending().sent) == sorted([a.id, b.id])
    assert smtp.recipients() == {world.lead.email, world.member.email}


def test_backoff_doubles_then_gives_up_and_staff_see_it(app_ctx, world, smtp, later, monkeypatch, browser):
    monkeypatch.setitem(app_ctx.config, "MAIL_MAX_ATTEMPTS", 3)
    row = queue_for(world.lead, "Proposal approved: Given up")
    smtp.recorder.refuse = True
    waits = []
    minutes = 0
    for _ in range(3):
        before = clock.now()
        assert mailer.send_pending().failed == [row.id]
        waits.append(reload(row).next_attempt_at - before)
        minutes += 60
        later(minutes=minutes)
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 2, 4]
    assert reload(row).attempts == 3
    assert mailer.send_pending().failed == []  # gave up: no longer tried
    assert [m.id for m in mailer.given_up()] == [row.id]
    assert reload(row).sent_at is None  # kept, never deleted

    monkeypatch.undo()  # the real clock, for the page
    monkeypatch.setitem(app_ctx.config, "MAIL_MAX_ATTEMPTS", 3)
    browser.login(world.staff)
    page = browser.get("/notifications").get_data(as_text=True)
    assert "Email not yet delivered" in page
    assert "Proposal approved: Given up" in page and "Gave up" in page and "SMTPRecipientsRefused" in page
    browser.reset().login(world.lead)
    assert "Email not yet delivered" not in browser.get("/notifications").get_data(as_text=True)


def test_backoff_is_capped():
    assert mailer.backoff(1) == timedelta(minutes=1)
    assert mailer.backoff(4) == timedelta(minutes=8)
    assert mailer.backoff(30) == timedelta(hours=6)


def test_mail_disabled_the_worker_sends_nothing_and_send_mail_sends(app, browser, world, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ENABLED", False)
    browser.login(world.staff)
    browser.post(f"/proposals/{world.proposals[S.SUBMITTED].id}/actions/return_for_revision", {"comment": "Fix."})
    result = smtp.deliver()  # the worker's pass, with mail off: nothing sent, nothing tried
    assert (result.sent, result.failed, result.ok) == (0, 0, True)
    assert smtp.messages == [] and smtp.recorder.sessions == 0
    queued = db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all()
    assert len(queued) == 2 and {m.attempts for m in queued} == {0}

    result = app.test_cli_runner().invoke(args=["send-mail"])  # an operator's explicit send
    assert result.exit_code == 0, result.output
    assert "Sent 2 messages." in result.output
    assert smtp.recipients() == {world.lead.email, world.member.email}
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert "Sent 0 messages." in result.output


def test_send_mail_reports_a_down_server_and_retry_given_up(app, app_ctx, world, smtp, monkeypatch):
    row = queue_for(world.lead)
    smtp.stop()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "1 failed and will be retried" in result.output and "could not be reached" in result.output

    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    server = SMTPServer().start()
    try:
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        result = app.test_cli_runner().invoke(args=["send-mail"])
        assert "Sent 0 messages." in result.output and "1 message gave up after 1 attempts" in result.output
        result = app.test_cli_runner().invoke(args=["send-mail", "--retry-given-up"])
        assert result.exit_code == 0, result.output
        assert "1 given-up message will be tried again." in result.output and "Sent 1 message." in result.output
        assert server.subjects_to(world.lead.email) == ["Proposal approved: Reading circles"]
        assert reload(row).sent_at is not None
    finally:
        server.stop()


@pytest.mark.commits
def test_two_senders_never_send_the_same_message(app_ctx, world, smtp):
    """On PostgreSQL a row another sender holds (FOR UPDATE) is skipped, not waited for nor sent."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) need PostgreSQL; SQLite has one writer at a time")
    held = queue_for(world.lead, "Proposal approved: Held")
    free = queue_for(world.member, "Proposal approved: Free")
    with db.engine.connect() as other:
        other.execute(select(OutboxMessage).where(OutboxMessage.id == held.id).with_for_update())
        result = mailer.send_pending()
        other.rollback()
    assert result.sent == [free.id]
    assert smtp.subjects_to(world.lead.email) == []
    assert reload(held).sent_at is None and reload(held).attempts == 0
    assert mailer.send_pending().sent == [held.id]
