"""The biggest CSV downloads on a database built by ``scale.py``: wall time, SQL statements, bytes and the
process's memory high-water mark while each file is read the way a WSGI server reads it (piece by piece).

    python benchmarks/scale.py --sizes 100000 --keep          # builds /tmp/tlf-scale/scale-100000-*.sqlite3
    python benchmarks/csv_bench.py /tmp/tlf-scale/scale-100000-<key>.sqlite3

The database's facts (who signs in, the current cycle) are read from the ``.json`` file beside it. Signing
in writes a session row, so point it at a copy if the file is shared.
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from benchmarks import scale  # noqa: E402

DOWNLOADS = [
    ("all proposals, every cycle", "staff", "/staff/proposals.csv?cycle=all"),
    ("all proposals, current cycle", "staff", "/staff/proposals.csv"),
    ("their teams, every cycle", "staff", "/staff/teams.csv?cycle=all"),
    ("people", "staff", "/admin/people/export.csv"),
    ("ranking, current cycle", "co_chair", "/committee/cycles/{cycle_id}/ranking.csv"),
    ("reviews, current cycle", "co_chair", "/committee/cycles/{cycle_id}/reviews.csv"),
    ("PL requests", "staff", "/pl/queue.csv"),
]


def main(path: str) -> int:
    facts = json.loads(Path(path).with_suffix(".json").read_text())
    app = scale.app_for(f"sqlite:///{path}")
    clients = {}
    with app.app_context():
        from app.extensions import db

        engine = db.engine
    print(f"{'download':32} {'rows':>8} {'MB':>7} {'seconds':>8} {'statements':>10} {'max RSS MB':>10}")
    for label, who, url in DOWNLOADS:
        if who not in clients:
            clients[who] = app.test_client()
            scale.sign_in(app, clients[who], facts[who])
        seen = [0]

        def count(*_a, seen=seen):
            seen[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        resp = clients[who].get(url.format(**facts), buffered=False)
        size = lines = 0
        last = b""
        for piece in resp.response:  # as a server sends it: block by block, never joined
            size += len(piece)
            lines += (last + piece).count(b"\r\n")  # a line end may straddle two blocks
            last = piece[-1:]
        resp.close()
        elapsed = time.perf_counter() - started
        event.remove(engine, "before_cursor_execute", count)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert resp.status_code == 200, (url, resp.status_code)
        print(f"{label:32} {lines - 1:>8,} {size / 1e6:>7.1f} {elapsed:>8.2f} {seen[0]:>10} {rss:>10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
