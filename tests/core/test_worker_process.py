"""The mail worker as an operator runs it: ``flask --app app worker`` in a process of its own, with the
production settings (JSON logs, a real secret), against a real SMTP server; SIGTERM and SIGINT stop it cleanly."""
from __future__ import annotations

import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.smtp_server import SMTPServer

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from flask_migrate import upgrade
from app import create_app
from app.extensions import db
from app.models import OutboxMessage

app = create_app()
with app.app_context():
    upgrade()
    for i in (1, 2):
        db.session.add(OutboxMessage(to_email=f"person{i}@example.org", subject=f"Message {i}", body="Hello."))
    db.session.commit()
"""


def environment(db_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAIL_", "WORKER_", "REMINDERS_", "LOG_", "FLASK_", "DATABASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{db_path}", SECRET_KEY=secrets.token_hex(32),
               PUBLIC_BASE_URL="https://tlf.example.org", MAIL_ENABLED="1", MAIL_SERVER="127.0.0.1",
               MAIL_PORT=str(port), WORKER_POLL_SECONDS="0.2", REMINDERS_AT="", DIGEST_AT="",
               LOG_FORMAT="json")
    return env


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the worker exited ({proc.returncode}): {proc.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out: {proc.communicate()[1][-3000:]}")
        time.sleep(0.02)


def outbox(db_path: Path) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return [(subject, sent is not None, attempts) for subject, sent, attempts in
                conn.execute("SELECT subject, sent_at, attempts FROM outbox_message ORDER BY id")]


def log_records(stderr: str) -> list[dict]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    return records


@pytest.mark.own_sqlite
def test_sigterm_finishes_the_message_in_hand_then_exits_0_and_sigint_stops_an_idle_worker(tmp_path):
    db_path = tmp_path / "worker.sqlite3"
    server = SMTPServer().start()
    try:
        env = environment(db_path, server.port)
        done = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]

        # a slow server holds the first message 2 s; SIGTERM arrives while it is being sent
        server.recorder.delay = 2.0
        proc = start_worker(env)
        wait_for(lambda: server.recorder.receiving, proc)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-3000:]
        assert [str(m["Subject"]) for m in server.messages] == ["Message 1"]  # finished, not cut off
        assert outbox(db_path) == [("Message 1", True, 0), ("Message 2", False, 0)]  # the next one not started
        records = log_records(err)
        worker_lines = [r["message"] for r in records if r["logger"] == "app.worker"]
        assert worker_lines[0].startswith("mail worker started (pid ")
        assert worker_lines[0].endswith("mail on, polling every 0.2s, no daily reminders, no daily digests")
        assert worker_lines[-3:] == ["got SIGTERM: stopping after the message in hand", "Sent 1 message.",
                                     f"mail worker stopped (pid {proc.pid})"]
        assert "Traceback" not in err

        # started again: it sends what is left, then sleeps (60 s when idle), and SIGINT (Ctrl+C) wakes and
        # stops it at once
        server.recorder.delay = 0
        proc = start_worker({**env, "WORKER_POLL_SECONDS": "60"})
        wait_for(lambda: len(server.messages) == 2, proc)
        time.sleep(0.5)
        assert proc.poll() is None
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-3000:]
        assert time.monotonic() - stopped_at < 20  # not the rest of its 60 s sleep (a loaded machine is slow)
        assert outbox(db_path) == [("Message 1", True, 0), ("Message 2", True, 0)]
        messages = [r["message"] for r in log_records(err) if r["logger"] == "app.worker"]
        assert "Sent 1 message." in messages and messages[-1].startswith("mail worker stopped")
        assert "KeyboardInterrupt" not in err and server.recorder.sessions == 2  # one session per busy pass
    finally:
        server.stop()


@pytest.fixture
def outage_database():
    """A PostgreSQL database of this test's own (on TEST_DATABASE_URL's server), dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app import _normalise_url

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("a database that goes away and comes back: PostgreSQL (TEST_DATABASE_URL)")
    url = make_url(_normalise_url(base))
    url = url.set(database=f"{url.database}_outage_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    try:
        yield url, admin
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


def test_the_database_goes_away_and_comes_back_and_the_worker_carries_on(tmp_path, outage_database):
    from sqlalchemy import create_engine, text

    url, admin = outage_database
    name = url.database
    server = SMTPServer().start()
    try:
        env = environment(tmp_path / "unused.sqlite3", server.port)
        env.update(DATABASE_URL=url.render_as_string(hide_password=False), PGAPPNAME="tlf-outage-worker")
        done = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        app_db = create_engine(url)  # the test's own connection, kept open through the outage
        with app_db.connect() as mine:
            proc = start_worker(env)
            wait_for(lambda: len(server.messages) == 2, proc)

            # the outage: the worker's connections are cut and no new one is allowed for 3 s
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE application_name = 'tlf-outage-worker'"))
            mine.execute(text("INSERT INTO outbox_message (to_email, subject, body, created_at, attempts, "
                              "last_error) VALUES ('late@example.org', 'Queued during the outage', 'Hi.', "
                              "now(), 0, '')"))
            mine.commit()
            time.sleep(3.0)
            assert proc.poll() is None  # still running
            assert len(server.messages) == 2

            with admin.connect() as conn:  # the database is back
                conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
            wait_for(lambda: len(server.messages) == 3, proc, seconds=30)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        app_db.dispose()
        assert proc.returncode == 0, err[-3000:]
        assert server.subjects_to("late@example.org") == ["Queued during the outage"]
        records = [r for r in log_records(err) if r["logger"] == "app.worker"]
        failures = [r for r in records if r["message"] == "sending mail failed; the worker goes on"]
        assert failures and all("OperationalError" in r["exc_info"] for r in failures)
        waits = [r["wait_seconds"] for r in records if r["message"].startswith("trying again in")]
        assert waits[:2] == [0.4, 0.8]  # doubling from WORKER_POLL_SECONDS
        assert records[-1]["message"].startswith("mail worker stopped")
    finally:
        server.stop()
