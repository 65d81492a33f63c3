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
