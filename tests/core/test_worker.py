"""The mail worker (app/worker.py): pages never send mail; the worker's passes do, survive outages, stop cleanly,
queue the daily reminders once a day, and several workers never send a message twice."""
from __future__ import annotations

import smtplib
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.cases import notify
from app.core import clock, mailer
from app.extensions import db
from app.models import Notification, OutboxMessage, ProposalState
from app.worker import MAX_WAIT_SECONDS, PassResult, Worker, WorkerSettingError, reminders_time
from tests.home.test_reminders import due_fixture  # noqa: F401  (the due fixture: overdue work of every kind)
from tests.smtp_server import SMTPServer, smtp_fixture  # noqa: F401  (the smtp fixture)

S = ProposalState


def queue_for(user, subject="Proposal approved: Reading circles") -> OutboxMessage:
    q = notify.queue(user, subject, "Hello.\n")
    db.session.commit()
    return q.message


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def smtp_calls(monkeypatch):
    """Every SMTP connection the app opens (host, port), recorded before it is attempted."""
    calls: list[tuple] = []
    real = smtplib.SMTP.connect

    def connect(self, host="localhost", port=0, source_address=None):
        calls.append((host, port))
        return real(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", connect)
    return calls


def boston(day, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.BOSTON)


@pytest.fixture
def at(monkeypatch):
    """Set the app's clock: ``at(datetime)``."""
    def move(moment: datetime):
        monkeypatch.setattr(clock, "now", lambda: moment.astimezone(UTC))

    return move


# -- pages never wait for the mail server ---------------------------------------------------------
def test_a_page_answers_at_once_with_the_mail_server_slow_and_the_worker_delivers(browser, world, smtp,
                                                                                  smtp_calls):
    smtp.recorder.delay = 3.0  # the server holds each message 3 s before accepting it
    p = world.draft
    browser.login(world.lead)
    started = time.perf_counter()
    resp = browser.post(f"/proposals/{p.id}/actions/submit", {"confirm_step": "yes"})
    took = time.perf_counter() - started
    assert resp.status_code == 302
    assert smtp_calls == [] and smtp.recorder.sessions == 0  # no SMTP connection during the request
    assert took < 3.0  # had it waited for the server, it would have taken 3 s at least
    db.session.refresh(p)
    assert p.state is S.SUBMITTED
    queued = rows()  # staff's, and the team's receipts (the lead's and the member's)
    assert sorted(m.to_email for m in queued) == sorted([world.staff.email, world.lead.email, world.member.email])
    assert {(m.sent_at, m.attempts) for m in queued} == {(None, 0)}

    started = time.perf_counter()
    result = smtp.deliver()  # the worker waits for the slow server, not the person
    assert time.perf_counter() - started >= 3.0
    assert result.sent == 3 and result.ok
    assert smtp.subjects_to(world.staff.email) == [f"Proposal submitted: {p.title}"]
    assert all(m.sent_at is not None for m in rows())


def test_a_page_answers_with_the_mail_server_down_and_nothing_is_lost(app, browser, world, smtp, smtp_calls,
                                                                      monkeypatch):
    port = smtp.port
    smtp.stop()
    browser.login(world.staff)
    resp = browser.post(f"/proposals/{world.proposals[S.SUBMITTED].id}/actions/return_for_revision",
                        {"comment": "Fix the budget."}, follow_redirects=True)
    assert resp.status_code == 200 and "alert-success" in resp.get_data(as_text=True)
    assert smtp_calls == []
    queued = rows()
    assert {m.to_email for m in queued} == {world.lead.email, world.member.email}
    assert {(m.sent_at, m.attempts) for m in queued} == {(None, 0)}  # waiting, not even tried

    result = smtp.deliver()  # the worker meets the down server: one message charged a try, none lost
    assert not result.ok and "could not be reached" in result.mail_down and result.sent == 0
    assert smtp_calls == [("127.0.0.1", port)]
    assert sorted(m.attempts for m in rows()) == [0, 1]

    server = SMTPServer().start()  # the server is back
    try:
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        real = clock.now
        monkeypatch.setattr(clock, "now", lambda: real() + timedelta(minutes=2))  # past the backoff
        assert smtp.deliver().sent == 2
        assert server.recipients() == {world.lead.email, world.member.email}
        assert all(m.sent_at is not None for m in rows())
    finally:
        server.stop()


def test_nothing_in_a_request_sends_mail(app):
    """No after-request hook, no view: the only callers of send_pending are the worker and send-mail."""
    import inspect

    from app import cli, worker

    hooks = [f for fs in app.after_request_funcs.values() for f in fs]
    assert all(inspect.getmodule(f).__name__ != "app.core.mailer" for f in hooks)
    assert "send_pending" in inspect.getsource(worker) and "send_pending" in inspect.getsource(cli)
    for name, view in app.view_functions.items():
        assert "send_pending" not in inspect.getsource(inspect.getmodule(view)), name


# -- the loop ------------------------------------------------------------------------------------
class Stepper:
    """Runs the worker's loop in the test, recording each sleep instead of sleeping; stops after n."""

    def __init__(self, worker: Worker, passes: int, between=None):
        self.worker, self.passes, self.between, self.waits = worker, passes, between, []
        worker.sleep = self.sleep

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.between is not None:
            self.between(len(self.waits))
        if len(self.waits) >= self.passes:
            self.worker.stop()

    def run(self) -> int:
        return self.worker.run()


def test_the_loop_sends_batches_back_to_back_then_sleeps_the_poll_interval(app_ctx, world, smtp):
    for i in range(5):
        queue_for(world.lead, f"Proposal approved: {i}")
    worker = Worker(app_ctx, batch=2, poll=7)
    stepper = Stepper(worker, passes=4)
    assert stepper.run() == 0
    assert stepper.waits == [0.0, 0.0, 7.0, 7.0]  # 2, 2, 1 sent, then idle
    assert len(smtp.messages) == 5 and all(m.sent_at for m in rows())


def test_mail_server_down_the_loop_backs_off_and_recovers(app_ctx, world, smtp, monkeypatch):
    for i in range(4):
        queue_for(world.lead, f"Proposal approved: {i}")
    smtp.stop()
    server = SMTPServer()

    def between(n):
        if n == 3:  # the server comes back (on another port) after three failed passes
            server.start()
            monkeypatch.setitem(app_ctx.config, "MAIL_PORT", server.port)

    worker = Worker(app_ctx, poll=5)
    stepper = Stepper(worker, passes=4, between=between)
    try:
        assert stepper.run() == 0  # never raised
    finally:
        server.stop()
    assert stepper.waits == [10.0, 20.0, 40.0, 5.0]  # doubling while down, the poll interval once back
    messages = rows()
    assert [m.attempts for m in messages] == [1, 1, 1, 0]  # one try each while down, then backoff
    assert [m.sent_at is not None for m in messages] == [False, False, False, True]
    worker.failures = 30  # a long outage: the wait stops growing
    assert worker.wait_after(PassResult(mail_down="down")) == MAX_WAIT_SECONDS


def test_database_gone_the_loop_logs_rolls_back_and_goes_on(app_ctx, world, smtp, monkeypatch, caplog):
    queue_for(world.lead)
    real = mailer._claim
    outage = {"left": 2}

    def claim(ids, skip):
        if outage["left"]:
            outage["left"] -= 1
            raise OperationalError("SELECT outbox_message", {}, Exception("server closed the connection"))
        return real(ids, skip)

    monkeypatch.setattr(mailer, "_claim", claim)
    worker = Worker(app_ctx, poll=1)
    stepper = Stepper(worker, passes=3)
    with caplog.at_level("INFO", logger="app.worker"):
        assert stepper.run() == 0
    assert stepper.waits == [2.0, 4.0, 1.0]  # doubling while the database is gone, then the poll interval
    failures = [r for r in caplog.records if r.message == "sending mail failed; the worker goes on"]
    assert len(failures) == 2 and all(r.exc_info for r in failures)
    assert smtp.subjects_to(world.lead.email) == ["Proposal approved: Reading circles"]


def test_once_exits_1_when_the_mail_server_is_down(app, app_ctx, world, smtp, monkeypatch):
    queue_for(world.lead)
    smtp.stop()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert rows()[0].attempts == 1
    server = SMTPServer().start()
    try:
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        real = clock.now
        monkeypatch.setattr(clock, "now", lambda: real() + timedelta(minutes=2))  # past the backoff
        result = app.test_cli_runner().invoke(args=["worker", "--once"])
        assert result.exit_code == 0
        assert server.subjects_to(world.lead.email) == ["Proposal approved: Reading circles"]
    finally:
        server.stop()


@pytest.mark.parametrize("value", ["7am", "24:00", "07:60", "7", " 07:00:00"])
def test_bad_reminders_at_refuses_to_start_and_says_why(app, app_ctx, monkeypatch, value):
    monkeypatch.setitem(app.config, "REMINDERS_AT", value)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "REMINDERS_AT must be a Boston time of day such as 07:00" in result.output


def test_settings_are_read_and_checked():
    assert reminders_time("7:05").strftime("%H:%M") == "07:05"
    assert reminders_time(" ") is None and reminders_time(None) is None
    for bad in ("soon", "0", "-1", ""):
        with pytest.raises(WorkerSettingError, match="WORKER_POLL_SECONDS must be a number of seconds"):
            Worker(_FakeApp({"WORKER_POLL_SECONDS": bad}))
    w = Worker(_FakeApp({"WORKER_POLL_SECONDS": "0.5", "REMINDERS_AT": ""}))
    assert w.poll == 0.5 and w.reminders_at is None and w.mail_enabled is False


class _FakeApp:
    def __init__(self, config):
        self.config = config


# -- the daily reminders -------------------------------------------------------------------------
def test_reminders_are_queued_once_a_day_at_their_hour(app_ctx, world, due, at):
    day = due["today"]
    first = Worker(app_ctx, reminders_at="07:00")
    at(boston(day, 6, 59))
    assert first.run_pass().reminders is None  # not yet
    at(boston(day, 7, 0))
    assert first.run_pass().reminders == 7
    at(boston(day, 7, 5))
    assert first.run_pass().reminders is None  # done for today: not even looked at again
    # another worker (or this one restarted) the same day: it looks, and queues nothing twice
    assert Worker(app_ctx, reminders_at="07:00").run_pass().reminders == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 7
    assert db.session.scalar(select(func.count(Notification.id))) == 7
    # the next day, at the hour, again
    at(boston(day + timedelta(days=1), 6, 0))
    assert first.run_pass().reminders is None
    at(boston(day + timedelta(days=1), 7, 30))
    assert first.run_pass().reminders == 7
    keys = db.session.scalars(select(OutboxMessage.dedupe_key)).all()
    assert len(keys) == len(set(keys)) == 14
    # off: never
    assert Worker(app_ctx, reminders_at="").run_pass().reminders is None


# -- several workers at once (PostgreSQL) ----------------------------------------------------------
def _two_at_once(app, job) -> list:
    """Run ``job(app)`` in two threads that start together; their results (re-raising a failure)."""
    barrier = threading.Barrier(2)
    out: list = [None, None]

    def target(i):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                out[i] = job()
                db.session.remove()
        except BaseException as exc:  # re-raised in the test's thread
            out[i] = exc

    threads = [threading.Thread(target=target, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for r in out:
        if isinstance(r, BaseException):
            raise r
    return out


@pytest.mark.commits
def test_two_workers_deliver_every_message_exactly_once(app, app_ctx, world, smtp):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several workers at once need PostgreSQL's row locks (FOR UPDATE SKIP LOCKED)")
    n = 40
    ids = [queue_for(world.lead, f"Proposal approved: number {i}").id for i in range(n)]
    smtp.recorder.delay = 0.02  # long enough for the two to interleave

    def work():
        w = Worker(app, batch=3, reminders_at="")
        sent = 0
        while True:
            r = w.run_pass()
            assert r.ok, r
            sent += r.sent
            if not r.more and r.sent == 0:
                return sent

    counts = _two_at_once(app, work)
    assert sum(counts) == n and min(counts) > 0  # both worked, neither sent what the other did
    subjects = sorted(str(m["Subject"]) for m in smtp.messages)
    assert subjects == sorted(f"Proposal approved: number {i}" for i in range(n))
    assert len({m["Message-ID"] for m in smtp.messages}) == n
    assert [(m.id, m.sent_at is not None, m.attempts) for m in rows()] == [(i, True, 0) for i in ids]


@pytest.mark.commits
def test_two_workers_at_the_reminders_hour_queue_each_reminder_once(app, app_ctx, world, due):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two workers in one process at once need PostgreSQL (SQLite: one writer at a time)")
    counts = _two_at_once(app, lambda: Worker(app, reminders_at="00:00").run_pass().reminders)
    assert sorted(counts) == [0, 7]  # the second waits for the first's rows, then finds them there
    keys = db.session.scalars(select(OutboxMessage.dedupe_key)).all()
    assert len(keys) == len(set(keys)) == 7
    assert db.session.scalar(select(func.count(Notification.id))) == 7
