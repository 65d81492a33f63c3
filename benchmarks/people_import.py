"""How long the people import (app.people.directory) takes at a district's size: a file of N new people
imported, then the same file again (every row unchanged), then the file with every job title changed
(every row updated); and a file of N rows with a problem in one row of ten (refused, every problem named).

    python benchmarks/people_import.py [--rows 50000] [--database-url postgresql://...]

Each import runs as the request does: checked, written, committed once. It prints the wall time and the
CPU time of this process (on a loaded machine the wall time waits for the CPU; on PostgreSQL part of the
work is the server's) and the SQL statements sent, which stay a few per thousand rows. Builds its own
throw-away SQLite database through the migrations; with ``--database-url`` the schema of that database
is dropped and made again (use a throw-away one).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from app import create_app  # noqa: E402
from app.config import TestConfig  # noqa: E402


def people_file(n: int, school: str, *, job_title: str = "Classroom teacher", bad_every: int = 0) -> bytes:
    rows = ["name,email,school,job_title,roles,side,active"]
    for i in range(n):
        email = f"bad address {i}" if bad_every and i % bad_every == 0 else f"teacher{i}@bostonpublicschools.org"
        roles, side = ("educator; reviewer", "BTU") if i % 50 == 0 else ("educator", "")
        rows.append(f"Teacher {i} Example,{email},{school},{job_title},{roles},{side},yes")
    return ("\r\n".join(rows) + "\r\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", default=None, help="a throw-away database (its schema is wiped)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        class Bench(TestConfig):
            SQLALCHEMY_DATABASE_URI = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"

        app = create_app(Bench)
        with app.app_context():
            from app.extensions import db
            from app.models import School, SchoolLevel, User
            from app.people import directory
            from app.people.directory import ImportRefused

            if args.database_url:
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
            upgrade()
            db.session.add(School(name="Mather Elementary", level=SchoolLevel.ELEMENTARY))
            admin = User(name="Ada Admin", email="ada@example.org", password_hash="")
            admin.set_roles(["admin"])
            db.session.add(admin)
            db.session.commit()
            count = [0]
            event.listen(db.engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))

            def timed(label: str, data: bytes) -> None:
                count[0] = 0
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    outcome = directory.import_people(data, db.session.get(User, admin.id)).summary()
                    db.session.commit()
                except ImportRefused as exc:
                    db.session.rollback()
                    outcome = f"refused: {len(exc.row_errors):,} rows named"
                print(f"{label:<34} {time.perf_counter() - wall:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU "
                      f"{count[0]:6} statements  {outcome}")

            n = args.rows
            print(f"{n:,} rows, {len(people_file(n, 'Mather Elementary')) / 1e6:.1f} MB, on "
                  f"{db.engine.dialect.name}")
            timed("new people", people_file(n, "Mather Elementary"))
            timed("the same file again (unchanged)", people_file(n, "Mather Elementary"))
            timed("every job title changed", people_file(n, "Mather Elementary", job_title="Librarian"))
            timed("one row in ten with a bad email", people_file(n, "Mather Elementary", bad_every=10))
            if args.database_url:
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
