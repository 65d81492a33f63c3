"""Every list page and home page at 10k and 100k proposals of history: statements, CPU ms and req/s per
request, the 100k/10k ratio and each page's CPU beside a bare Flask-SQLAlchemy list page; then worker start
time and memory.

    python benchmarks/scale.py                                  # 10k and 100k on SQLite files under /tmp
    python benchmarks/scale.py --db both --pg-url postgresql://postgres@127.0.0.1:5432/postgres
    python benchmarks/scale.py --sizes 10000,100000 --requests 30 --keep    # reuse databases built before

The databases are built by ``benchmarks/scale_data.py`` through bulk inserts (see there for what a
database of ``n`` proposals holds). SQLite files go in ``--dir`` (default /tmp/tlf-scale); on PostgreSQL
the script creates (and, without ``--keep``, drops and re-creates) databases named
``tlf_scale_<n>_<key>`` on the server of ``--pg-url`` (default: DATABASE_URL). ``<key>`` names the
schema revision and the builder's version, so ``--keep`` never reuses a database of another schema.

Each page is requested through the Flask test client, signed in as the person it is for: one request to
warm up, one counting statements, then ``--requests`` timed ones: CPU is ``time.process_time`` of this
process over them (on SQLite that includes the database's own work; on PostgreSQL the server's CPU is
not counted), req/s is wall-clock. Targets (issue 11): speed at 100k ÷ speed at 10k ≥ 0.8, speed
being 1 ÷ CPU per request (the machine's other work moves wall-clock req/s, hardly CPU), and 10k CPU ÷
the bare page's ≤ 3; a row missing one is marked ``!``. The exit status is 1 when a page answers anything
but 200.
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import json
import logging
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask, render_template_string  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from sqlalchemy import ForeignKey, String, create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column  # noqa: E402

from benchmarks import bench_app  # noqa: E402

RATIO_TARGET = 0.8  # speed (1 / CPU per request) at the largest size ÷ at the smallest, at least
BARE_TARGET = 3.0  # CPU per request at the smallest size ÷ the bare page's, at most
STAFF_PER_PAGE = 50


# -- the pages -------------------------------------------------------------------------------------
@dataclass
class Page:
    label: str
    who: str | None  # the persona (scale_data.build's keys); None: anonymous
    endpoint: str
    args: dict = field(default_factory=dict)  # "{cycle_id}", "{last_page}": from the build's facts


PAGES = [
    Page("home, educator", "educator", "home.index"),
    Page("home, school leader", "school_leader", "home.index"),
    Page("home, reviewer", "reviewer", "home.index"),
    Page("home, co-chair", "co_chair", "home.index"),
    Page("home, program staff", "staff", "home.index"),
    Page("home, admin", "admin", "home.index"),
    Page("staff proposal list, page 1", "staff", "staff.proposals", {"cycle": "all"}),
    Page("staff proposal list, last page", "staff", "staff.proposals", {"cycle": "all", "page": "{last_page}"}),
    Page("staff proposal list, current cycle", "staff", "staff.proposals"),
    Page("cohort selection (current cycle)", "co_chair", "committee.cohort", {"cycle_id": "{cycle_id}"}),
    Page("reviewer queue", "reviewer", "review.queue"),
    Page("my proposals (educator)", "educator", "proposals.mine"),
    Page("public gallery /learning", None, "gallery.index"),
    Page("gallery with a search word", None, "gallery.index", {"q": "reading"}),
    Page("gallery Atom feed", None, "gallery.feed"),
    Page("PL catalog", None, "catalog.index"),
    Page("PL catalog (educator)", "educator", "catalog.index"),
    Page("open API: learning summaries", None, "api.learning_summaries"),
    Page("open API: learning summaries, a search word", None, "api.learning_summaries", {"q": "reading"}),
    Page("open API: PL opportunities", None, "api.pl_opportunities"),
    Page("PL request queue (staff)", "staff", "pl.queue"),
    Page("reimbursements awaiting approval (staff)", "staff", "payments.index"),
    Page("reimbursements awaiting payment, last page", "staff", "payments.index",
         {"show": "payment", "page": "100000"}),
    Page("PL request queue (school leader)", "school_leader", "pl.queue"),
    Page("my PL requests (educator)", "educator", "pl.mine"),
    Page("people list (admin)", "admin", "admin.users"),
    Page("notifications (educator)", "educator", "notifications.index"),
    Page("cycle report (current cycle)", "staff", "reports.cycle", {"cycle_id": "{cycle_id}"}),
    Page("cycle report (last past cycle)", "co_chair", "reports.cycle", {"cycle_id": "{past_cycle_id}"}),
    Page("PL report (this school year)", "staff", "reports.pl", {"year": "{pl_year}"}),
]
BARE = "bare Flask-SQLAlchemy list (3 q, 50 rows)"


# -- the databases -------------------------------------------------------------------------------
def schema_key() -> str:
    """The schema revision(s) and the builder's version: a database built under another is rebuilt."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    heads = "-".join(sorted(ScriptDirectory.from_config(cfg).get_heads()))
    builder = hashlib.sha1((ROOT / "benchmarks" / "scale_data.py").read_bytes()).hexdigest()[:8]
    return f"{heads}_{builder}"


def app_for(url: str):
    return bench_app.create(url)


def sqlite_url(directory: Path, n: int, key: str) -> str:
    return "sqlite:///" + str(directory / f"scale-{n}-{key}.sqlite3")


def pg_url(base: str, n: int, key: str) -> str:
    name = f"tlf_scale_{n}_{key}".replace("-", "_").lower()[:63]
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def exists(url: str) -> bool:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return Path(u.database).exists()
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database})
    admin.dispose()
    return bool(found)


def _pg_admin(u):
    return create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")


def build_database(url: str, n: int, log=print) -> dict:
    """A fresh database at ``url`` (dropped first), migrated and filled by ``scale_data.build(n)``; it
    appears under its name only when complete (SQLite: renamed from a partial file; PostgreSQL:
    renamed from a ``_partial`` database), so an interrupted build is never reused."""
    from app.extensions import db
    from benchmarks import scale_data

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        final = Path(u.database)
        final.parent.mkdir(parents=True, exist_ok=True)
        partial = final.with_suffix(".partial")
        for p in (final, partial):
            p.unlink(missing_ok=True)
        work = u.set(database=str(partial)).render_as_string()
    else:
        partial_name = (u.database[:55] + "_partial")
        admin = _pg_admin(u)
        with admin.connect() as conn:
            for name in (u.database, partial_name):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{partial_name}"')
        admin.dispose()
        work = u.set(database=partial_name).render_as_string(hide_password=False)
    app = app_for(work)
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        migrated = time.perf_counter() - started
        started = time.perf_counter()
        facts = scale_data.build(n)
        filled = time.perf_counter() - started
        if u.get_backend_name() == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    facts["build_seconds"] = round(filled, 1)
    facts["rows_total"] = sum(facts["rows"].values())
    log(f"  built {n:,} proposals ({facts['rows_total']:,} rows) on {u.get_backend_name()} in {filled:.1f} s "
        f"(+ {migrated:.1f} s of migrations)")
    if u.get_backend_name() == "sqlite":
        partial.rename(final)
        final.with_suffix(".json").write_text(json.dumps(facts))
    else:
        admin = _pg_admin(u)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{partial_name}" RENAME TO "{u.database}"')
            conn.exec_driver_sql(f"COMMENT ON DATABASE \"{u.database}\" IS '{json.dumps(facts)}'")
        admin.dispose()
    return facts


def stored_facts(url: str) -> dict | None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(u.database).with_suffix(".json")
        return json.loads(path.read_text()) if path.exists() else None
    admin = _pg_admin(u)
    with admin.connect() as conn:
        raw = conn.scalar(text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
                          {"n": u.database})
    admin.dispose()
    return json.loads(raw) if raw else None


def drop_database(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        for p in (Path(u.database), Path(u.database).with_suffix(".json")):
            p.unlink(missing_ok=True)
        return
    admin = _pg_admin(u)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
    admin.dispose()


# -- signing in and measuring ----------------------------------------------------------------------
def sign_in(app, client, email: str) -> None:
    """Writes the session a sign-in leaves (as tests/conftest.py's ``login`` does), without the form."""
    from app.extensions import db
    from app.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None, email
        user_id = user.get_id()
        db.session.commit()  # get_id() may have given the user a session token
    with app.test_request_context(environ_base=client.environ_base):
        identifier = app.login_manager._session_identifier_generator()
    with client.session_transaction() as sess:
        sess["_user_id"] = user_id
        sess["_fresh"] = True
        sess["_id"] = identifier
        sess.permanent = True


@dataclass
class Result:
    statements: int = 0
    cpu_ms: float = 0.0
    per_second: float = 0.0
    status: int = 0
    size: int = 0  # bytes of the response
    bare_ms: float = 0.0  # the bare page's CPU per request, timed in the same turns as this page


def _count_statements(client, url: str, engine) -> tuple[int, object]:
    seen: list[str] = []

    def count(conn, cursor, statement, *a):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        resp = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), resp


def measure_together(targets: list[tuple], requests: int, max_seconds: float = 20.0) -> list[Result]:
    """The same page at each size, ``targets`` = [(client, url, engine)], timed in turns: one request at
    each size, then again, ``requests`` times (fewer, at least 3, once ``max_seconds`` have gone by). The
    sizes share whatever else the machine was doing, so their ratio holds on a busy machine. Per size: one
    warm-up request, one counted (its SQL statements), and the median CPU time of the timed requests."""
    results = []
    for client, url, engine in targets:
        first = client.get(url)  # warm the templates and the statement cache
        statements, resp = _count_statements(client, url, engine)
        status = first.status_code if first.status_code != 200 else resp.status_code
        results.append(Result(statements, 0.0, 0.0, status, len(resp.data)))
    cpu: list[list[float]] = [[] for _ in targets]
    wall = [0.0 for _ in targets]
    gc.collect()
    started = time.perf_counter()
    done = 0
    while done < requests and (done < 3 or time.perf_counter() - started < max_seconds):
        for i, (client, url, _) in enumerate(targets):
            w, c = time.perf_counter(), time.process_time()
            client.get(url)
            cpu[i].append(time.process_time() - c)
            wall[i] += time.perf_counter() - w
        done += 1
    for i, result in enumerate(results):
        result.cpu_ms = statistics.median(cpu[i]) * 1000
        result.per_second = done / wall[i] if wall[i] else 0.0
    return results


def measure(client, url: str, engine, requests: int, max_seconds: float = 20.0) -> Result:
    """One page at one size (``measure_together`` with one target)."""
    return measure_together([(client, url, engine)], requests, max_seconds)[0]


def clients_for(app, facts: dict) -> dict:
    clients = {None: app.test_client()}
    for who in {p.who for p in PAGES if p.who}:
        clients[who] = app.test_client()
        sign_in(app, clients[who], facts[who])
    return clients


def page_url(app, page: Page, facts: dict) -> str:
    from flask import url_for

    last = max(1, math.ceil(facts["proposals"] / STAFF_PER_PAGE))
    from app.core import clock
    from workflows.pl_request import school_year_of

    # The cycles were made oldest first, the current one last: the one before it is the last past cycle.
    known = {"cycle_id": facts["cycle_id"], "past_cycle_id": facts["cycle_id"] - 1, "last_page": last,
             "pl_year": school_year_of(clock.today())}
    args = {k: v.format(**known) for k, v in page.args.items()}
    with app.test_request_context():
        return url_for(page.endpoint, **args)


def measure_pages(sites: dict[int, tuple[str, dict]], requests: int, pages=PAGES,
                  max_seconds: float = 20.0) -> dict[int, dict[str, Result]]:
    """Every page at every size (``sites``: size -> (database URL, the build's facts)), the sizes of a
    page timed in turns (``measure_together``) with the bare page beside them, then the bare page alone
    at every size the same way."""
    from app.core import heap
    from app.extensions import db

    apps = {}
    for n, (url, facts) in sites.items():
        app = app_for(url)
        with app.app_context():
            engine = db.engine
        apps[n] = (app, engine, clients_for(app, facts), facts)
    bares = {n: bare_app(url) for n, (url, _) in sites.items()}
    smallest = min(sites)
    bare, bare_db = bares[smallest]
    with bare.app_context():
        bare_target = (bare.test_client(), "/", bare_db.engine)
    # The production configuration (gunicorn.conf.py): the apps built, collect once and freeze.
    heap.settle()
    out: dict[int, dict[str, Result]] = {n: {} for n in sites}
    for page in pages:
        targets = [(clients[page.who], page_url(app, page, facts), engine)
                   for app, engine, clients, facts in apps.values()]
        # The bare page (at the smallest size) takes its turn beside the page: the page's ratio to it
        # is read from the same moments of the shared machine.
        *results, bare_result = measure_together([*targets, bare_target], requests, max_seconds)
        for n, result in zip(apps, results, strict=True):
            result.bare_ms = bare_result.cpu_ms
            out[n][page.label] = result
    targets = []
    for bare, bare_db in bares.values():
        with bare.app_context():
            targets.append((bare.test_client(), "/", bare_db.engine))
    for n, result in zip(bares, measure_together(targets, requests, max_seconds), strict=True):
        out[n][BARE] = result
    for app, *_ in apps.values():
        with app.app_context():
            db.engine.dispose()
    for bare, bare_db in bares.values():
        with bare.app_context():
            bare_db.engine.dispose()
    return out


# -- the bare page -----------------------------------------------------------------------------------
BARE_TEMPLATE = """<!doctype html><html lang="en"><head><title>Proposals</title></head><body><main>
<h1>Proposals ({{ total }})</h1><table><tr><th>Title</th><th>State</th><th>Team</th><th>Submitted</th></tr>
{% for p in rows %}<tr><td>{{ p.title }}</td><td>{{ p.state }}</td><td>{{ teams[p.team_id] }}</td>
<td>{{ p.submitted_at or "" }}</td></tr>{% endfor %}</table></main></body></html>"""


def bare_app(url: str) -> tuple[Flask, SQLAlchemy]:
    """A Flask-SQLAlchemy list page as a tutorial would write it, over the same tables: a count, 50 rows
    and their teams (3 queries, 50 rows)."""

    class Base(DeclarativeBase):
        pass

    bare_db = SQLAlchemy(model_class=Base)

    class BareTeam(bare_db.Model):
        __tablename__ = "team"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(120))

    class BareProposal(bare_db.Model):
        __tablename__ = "proposal"
        id: Mapped[int] = mapped_column(primary_key=True)
        team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
        title: Mapped[str] = mapped_column(String(200))
        state: Mapped[str] = mapped_column(String(30))
        submitted_at: Mapped[datetime | None]

    app = Flask("bare")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    bare_db.init_app(app)

    @app.get("/")
    def index():
        total = bare_db.session.scalar(select(func.count()).select_from(BareProposal))
        rows = bare_db.session.scalars(select(BareProposal).order_by(BareProposal.id.desc()).limit(50)).all()
        teams = dict(bare_db.session.execute(
            select(BareTeam.id, BareTeam.name).where(BareTeam.id.in_({r.team_id for r in rows}))).all())
        return render_template_string(BARE_TEMPLATE, total=total, rows=rows, teams=teams)

    return app, bare_db


# -- start time and memory (in fresh interpreters) --------------------------------------------------------
BARE_IMPORT = """
import time
started = time.perf_counter()
import flask, flask_sqlalchemy
print(time.perf_counter() - started)
"""
# What a web worker does at start, and nothing the benchmark itself needs (importing this module would
# load Flask-Migrate and Alembic, which the app loads only when it migrates).
APP_START = """
import json, sys, time
started = time.perf_counter()
from benchmarks import bench_app
app = bench_app.create(sys.argv[1])
status = app.test_client().get("/learning").status_code
seconds = time.perf_counter() - started
heavy = sorted(m for m in ("weasyprint", "alembic", "flask_migrate", "icalendar", "pygal", "matplotlib")
               if m in sys.modules)
status_file = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
rss_kb = int(status_file["VmRSS"].split()[0])
print(json.dumps({"seconds": seconds, "status": status, "rss_kb": rss_kb, "heavy_imports": heavy}))
"""


def _python(*args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return out.stdout.strip().splitlines()[-1]


def _rss_kb() -> tuple[int, int]:
    status = Path("/proc/self/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(values["VmRSS"].split()[0]), int(values["VmHWM"].split()[0])


def probe_rss(url: str, requests: int) -> None:
    """Runs in its own interpreter (``--probe-rss``): ``requests`` requests over every page, then prints
    the resident memory as one JSON line."""
    facts = json.loads(os.environ["TLF_SCALE_FACTS"])
    from app.core import heap

    app = app_for(url)
    clients = clients_for(app, facts)
    urls = [(p.who, page_url(app, p, facts)) for p in PAGES]
    heap.settle()  # as gunicorn.conf.py does
    for i in range(requests):
        who, u = urls[i % len(urls)]
        clients[who].get(u)
    rss, hwm = _rss_kb()
    print(json.dumps({"rss_kb": rss, "hwm_kb": hwm, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def start_and_memory(url: str, facts: dict, requests: int = 1000, rounds: int = 3) -> dict:
    """Worker start (a fresh interpreter: ``create_app()`` and a first request) beside a fresh
    interpreter's ``import flask, flask_sqlalchemy`` (medians of ``rounds``), and RSS after ``requests``."""
    bare = [float(_python("-c", BARE_IMPORT)) for _ in range(rounds)]
    starts = [json.loads(_python("-c", APP_START, url)) for _ in range(rounds)]
    os.environ["TLF_SCALE_FACTS"] = json.dumps({k: v for k, v in facts.items() if k != "rows"})
    rss = json.loads(_python(str(Path(__file__).resolve()), "--probe-rss", url, "--requests", str(requests)))
    bare_s = statistics.median(bare)
    start_s = statistics.median(s["seconds"] for s in starts)
    return {"bare_import_s": bare_s, "start_s": start_s, "start_ratio": start_s / bare_s,
            "rss_first_mb": statistics.median(s["rss_kb"] for s in starts) / 1024,
            "rss_mb": rss["rss_kb"] / 1024, "peak_mb": rss["hwm_kb"] / 1024, "requests": requests,
            "heavy_imports": starts[0]["heavy_imports"]}


# -- the table ---------------------------------------------------------------------------------------
@dataclass
class Run:
    dialect: str
    sizes: list[int]
    results: dict[int, dict[str, Result]] = field(default_factory=dict)
    build_seconds: dict[int, float] = field(default_factory=dict)
    rows: dict[int, int] = field(default_factory=dict)


def table(run: Run) -> tuple[str, list[str]]:
    """The printed table and the labels of the pages that miss a target or do not answer 200."""
    small, big = run.sizes[0], run.sizes[-1]
    bare = run.results[small][BARE].cpu_ms
    label_w = len(BARE) + 2
    k = lambda n: f"{n // 1000}k" if n >= 1000 else str(n)  # noqa: E731
    head = (f"{'page':<{label_w}}" + "".join(f"{'stmts ' + k(n):>11}{'CPU ms ' + k(n):>12}{'req/s ' + k(n):>11}"
                                            for n in run.sizes)
            + f"{'speed ' + k(big) + '÷' + k(small):>16}{'CPU ' + k(small) + '÷bare':>14}")
    lines = [head, "-" * len(head)]
    missed = []
    for label in [p.label for p in PAGES] + [BARE]:
        row = [run.results[n][label] for n in run.sizes]
        cells = "".join(f"{r.statements:>11}{r.cpu_ms:>12.1f}{r.per_second:>11.1f}" for r in row)
        ratio = row[0].cpu_ms / row[-1].cpu_ms if row[-1].cpu_ms else 0.0  # speed at big ÷ at small
        beside = row[0].bare_ms or bare  # the bare page timed in this page's turns
        vs_bare = row[0].cpu_ms / beside if beside else 0.0
        marks = ""
        if label != BARE:
            bad_ratio = len(run.sizes) > 1 and ratio < RATIO_TARGET
            bad_bare = vs_bare > BARE_TARGET
            marks = ("!" if bad_ratio else " ") + ("!" if bad_bare else " ")
            if bad_ratio or bad_bare:
                missed.append(label)
        statuses = {r.status for r in row}
        note = "" if statuses == {200} else "  HTTP " + "/".join(str(r.status) for r in row)
        ratio_cell = f"{ratio:>14.2f}{marks[:1]:1}" if len(run.sizes) > 1 else f"{'':>15}"
        lines.append(f"{label:<{label_w}}{cells}{ratio_cell}{vs_bare:>13.1f}{marks[1:]:1}{note}")
    return "\n".join(lines), missed


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.node() or 'host'}: {cpu or platform.processor()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}; load average {load}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="proposals per database, comma-separated")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("DATABASE_URL"),
                        help="a PostgreSQL server URL (default DATABASE_URL); its tlf_scale_* databases are made here")
    parser.add_argument("--dir", default="/tmp/tlf-scale", help="where the SQLite files go")
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page and size")
    parser.add_argument("--keep", action="store_true",
                        help="reuse databases built before for the same size and schema, and keep them afterwards")
    parser.add_argument("--no-start", action="store_true", help="skip the start-time and memory figures")
    parser.add_argument("--rss-requests", type=int, default=1000,
                        help="requests (over every page, at the smallest size) before RSS is read")
    parser.add_argument("--max-seconds", type=float, default=20.0,
                        help="stop timing a page after this long (at least 3 requests)")
    parser.add_argument("--only", help="time only the pages whose label holds one of these comma-separated "
                                       "words (to iterate on a few pages; the bare page is always timed)")
    parser.add_argument("--probe-rss", help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.only:
        global PAGES
        PAGES = [p for p in PAGES if any(w in p.label for w in opts.only.split(","))]
    if opts.probe_rss:
        probe_rss(opts.probe_rss, opts.requests)
        return 0

    logging.getLogger("alembic").setLevel(logging.WARNING)
    sizes = sorted(int(s) for s in opts.sizes.split(","))
    dialects = ["sqlite", "postgresql"] if opts.db == "both" else [opts.db]
    if "postgresql" in dialects and not opts.pg_url:
        parser.error("PostgreSQL needs --pg-url or DATABASE_URL")
    key = schema_key()
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}")
    print(f"# {opts.requests} timed requests per page; schema and builder {key}")
    failed = False
    for dialect in dialects:
        run = Run(dialect, sizes)
        start_figures = None
        sites = {}
        for n in sizes:
            if dialect == "sqlite":
                url = sqlite_url(Path(opts.dir), n, key)
            else:
                from app import _normalise_url

                url = pg_url(_normalise_url(opts.pg_url), n, key)
            facts = stored_facts(url) if opts.keep and exists(url) else None
            if facts is None:
                log(f"building {n:,} proposals on {dialect}...")
                facts = build_database(url, n, log)
            else:
                log(f"reusing {url}")
            run.build_seconds[n] = facts["build_seconds"]
            run.rows[n] = facts["rows_total"]
            sites[n] = (url, facts)
        log(f"measuring {len(PAGES) + 1} pages at {', '.join(f'{n:,}' for n in sizes)} on {dialect}, in turns...")
        run.results = measure_pages(sites, opts.requests, pages=PAGES, max_seconds=opts.max_seconds)
        if not opts.no_start:
            log(f"start time and memory ({opts.rss_requests:,} requests)...")
            start_figures = start_and_memory(*sites[sizes[0]], opts.rss_requests)
        if not opts.keep:
            for url, _ in sites.values():
                drop_database(url)
        text_table, missed = table(run)
        print(f"\n## {dialect}: " + ", ".join(f"{n:,} proposals = {run.rows[n]:,} rows built in "
                                              f"{run.build_seconds[n]:.0f} s" for n in sizes))
        print(text_table)
        print(f"speed = 1 ÷ CPU per request (wall-clock req/s moves with the machine's other work). "
              f"! = misses a target: speed {sizes[-1]:,}÷{sizes[0]:,} ≥ {RATIO_TARGET} (first mark), "
              f"CPU at {sizes[0]:,} ≤ {BARE_TARGET}x the bare page's (second mark). "
              f"{len(missed)} of {len(PAGES)} pages miss one.")
        if start_figures:
            s = start_figures
            print(f"worker start (create_app() + first request, fresh interpreter): {s['start_s'] * 1000:.0f} ms = "
                  f"{s['start_ratio']:.1f}x `import flask, flask_sqlalchemy` ({s['bare_import_s'] * 1000:.0f} ms); "
                  f"RSS after the first request {s['rss_first_mb']:.0f} MB, after {s['requests']:,} requests "
                  f"over every page at {sizes[0]:,} "
                  f"{s['rss_mb']:.0f} MB (peak {s['peak_mb']:.0f} MB); heavy libraries imported at start: "
                  f"{', '.join(s['heavy_imports']) or 'none'}")
        failed = failed or any(r.status != 200 for res in run.results.values() for r in res.values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
