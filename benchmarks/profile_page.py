"""One page of a database ``scale.py`` built, profiled: the SQL statements of one request with their
times (slowest first) and a cProfile of a few more requests (top functions by cumulative time).

    python benchmarks/profile_page.py /tmp/tlf-scale/scale-100000-<key>.sqlite3 co_chair home.index
    python benchmarks/profile_page.py <db> staff staff.proposals cycle=all page=2000 --top 15
    python benchmarks/profile_page.py postgresql://postgres@127.0.0.1:5432/tlf_scale_100000_<key> staff pl.queue

``who`` is a persona of the build (educator, school_leader, reviewer, co_chair, staff, admin) or ``-``
for an anonymous visitor; ``key=value`` arguments go to ``url_for`` (``{cycle_id}`` is the current
cycle's). Statements show with their plan on SQLite when ``--plans`` is given.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from benchmarks import scale  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="a SQLite file or a database URL built by scale.py (--keep)")
    parser.add_argument("who")
    parser.add_argument("endpoint")
    parser.add_argument("args", nargs="*", help="key=value for url_for")
    parser.add_argument("--requests", type=int, default=5, help="requests profiled by cProfile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--plans", action="store_true", help="EXPLAIN QUERY PLAN each statement (SQLite)")
    opts = parser.parse_args(argv)
    url = opts.database if "://" in opts.database else "sqlite:///" + str(Path(opts.database).resolve())
    facts = scale.stored_facts(url)
    assert facts, f"no facts stored beside {url} (built by scale.py?)"
    from app.extensions import db

    app = scale.app_for(url)
    client = app.test_client()
    who = None if opts.who == "-" else opts.who
    if who:
        scale.sign_in(app, client, facts[who])
    args = dict(a.split("=", 1) for a in opts.args)
    page = scale.Page("profiled", who, opts.endpoint, args)
    path = scale.page_url(app, page, facts)
    with app.app_context():
        engine = db.engine
    first = client.get(path)
    print(f"GET {path} as {who or 'anonymous'}: {first.status_code}, {len(first.data):,} bytes")

    seen: list[list] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append([time.perf_counter() - conn.info.pop("t0"), statement, parameters])

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    runs, cpus = [], []
    for _ in range(opts.requests):  # the median of each statement's time over the requests
        seen.clear()
        cpu = time.process_time()
        client.get(path)
        cpus.append(time.process_time() - cpu)
        runs.append(list(seen))
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    seen = [[statistics.median(run[i][0] for run in runs), *runs[0][i][1:]] for i in range(len(runs[0]))]
    # The driver's execute returns at the first row (SQLite steps the rest in fetchall): each SELECT is run
    # again here, fetched whole, and the fastest of three runs is what is shown.
    with engine.connect() as conn:
        for s in seen:
            if s[1].lstrip().upper().startswith(("SELECT", "WITH")):
                runs_ = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    conn.exec_driver_sql(s[1], s[2]).fetchall()
                    runs_.append(time.perf_counter() - t0)
                s[0] = min(runs_)
    total = sum(s[0] for s in seen)
    print(f"median of {opts.requests} requests: {statistics.median(cpus) * 1000:.1f} ms CPU; {len(seen)} statements, "
          f"{total * 1000:.1f} ms in the database (each statement run again, fetched whole)\n")
    for took, statement, parameters in sorted(seen, key=lambda s: -s[0]):
        print(f"{took * 1000:8.2f} ms  {' '.join(statement.split())[:1200]}")
        if opts.plans and engine.dialect.name == "sqlite" and statement.lstrip().upper().startswith("SELECT"):
            with engine.connect() as conn:
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all():
                    print(f"             plan: {row[-1]}")
        print(f"             params: {str(parameters)[:200]}")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(opts.requests):
        client.get(path)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(opts.top)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(opts.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
