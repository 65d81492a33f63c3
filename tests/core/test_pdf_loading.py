"""WeasyPrint is loaded only when a PDF is made: starting the app and answering pages does not pay for it
(its import is most of a process's start-up time and about 24 MB), a worker that never prints never loads it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_sqlite  # its own SQLite databases and processes: the SQLite run runs it

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from app import create_app
from app.core import pdf

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
client = app.test_client()
assert client.get("/login").status_code == 200
print("after a page:", "weasyprint" in sys.modules)
with app.test_request_context():
    body = pdf.render("pdf/_base.html")
print("after a PDF:", "weasyprint" in sys.modules, body[:5].decode())
"""


def test_the_app_answers_pages_without_weasyprint_and_loads_it_for_the_first_pdf():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["after a page: False", "after a PDF: True %PDF-"]


WORKER_SCRIPT = """
import sys
from flask_migrate import upgrade
from app import create_app
from app.extensions import db
from app.models import OutboxMessage
from tests.smtp_server import free_port

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1], "MAIL_ENABLED": True,
                  "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(), "REMINDERS_AT": "00:00"})
with app.app_context():
    upgrade()
    db.session.add(OutboxMessage(to_email="lena@example.org", subject="Proposal approved", body="Hello."))
    db.session.commit()
    print("before:", "weasyprint" in sys.modules)
result = app.test_cli_runner().invoke(args=["worker", "--once"])
with app.app_context():
    tried = db.session.query(OutboxMessage.attempts).scalar()
print("worker --once:", result.exit_code, "tried", tried, "weasyprint" in sys.modules)
"""


def test_the_mail_worker_never_loads_weasyprint(tmp_path):
    """Its whole pass: the daily reminders (rendered mail) and a send (here to a closed port: exit 1)."""
    url = "sqlite:///" + str(tmp_path / "worker.sqlite3")
    done = subprocess.run([sys.executable, "-c", WORKER_SCRIPT, url], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["before: False", "worker --once: 1 tried 1 False"]


LAZY_SCRIPT = """
import sys
from app import create_app

HEAVY = ("weasyprint", "icalendar", "pygal", "alembic", "flask_migrate")
loaded = lambda: [name for name in HEAVY if name in sys.modules]

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
print("started:", loaded())
client = app.test_client()
assert client.get("/login").status_code == 200
print("after a page:", loaded())
from app.core import charts
with app.test_request_context():
    svg = charts.bar_chart("Priorities", ["Literacy"], [3])
print("after a chart:", loaded(), svg.startswith("<svg"))
from app.catalog import ics
from app.models import Opportunity, ProviderKind
body = ics.calendar_for(Opportunity(title="Phonics", description="", provider_name="BTU",
                                    provider_kind=ProviderKind.BTU), "http://x/catalog/1")
print("after an .ics:", loaded(), body.startswith(b"BEGIN:VCALENDAR"))
"""


def test_a_web_worker_loads_no_calendar_chart_or_migration_library_until_it_needs_one():
    done = subprocess.run([sys.executable, "-c", LAZY_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == [
        "started: []",
        "after a page: []",
        "after a chart: ['pygal'] True",
        "after an .ics: ['icalendar', 'pygal'] True",
    ]


def test_flask_db_commands_still_work_without_loading_alembic_at_start(tmp_path):
    """``flask db upgrade`` and ``flask db current`` load Flask-Migrate when they run."""
    url = "sqlite:///" + str(tmp_path / "cli.sqlite3")
    env = {**os.environ, "DATABASE_URL": url, "FLASK_DEBUG": "1"}
    flask = [sys.executable, "-m", "flask", "--app", "app", "db"]
    upgraded = subprocess.run([*flask, "upgrade"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert upgraded.returncode == 0, upgraded.stderr[-3000:]
    current = subprocess.run([*flask, "current"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert current.returncode == 0, current.stderr[-3000:]
    assert "(head)" in current.stdout
    listed = subprocess.run([*flask, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert "upgrade" in listed.stdout and "downgrade" in listed.stdout
