"""WeasyPrint is loaded only when a PDF is made: starting the app and answering pages does not pay for it
(its import is most of a process's start-up time and about 24 MB), a worker that never prints never loads it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
