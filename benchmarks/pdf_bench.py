"""How long the printed documents take: a proposal packet and a decision letter, each rendered to
PDF (app/pdf.py, WeasyPrint, tagged PDF/UA-1) and, in the same run, to plain HTML from the same
template, so the figures read as ratios that hold from one machine to the next.

    python benchmarks/pdf_bench.py [--rounds 10]

Builds the test world (tests/factories.py) in a throw-away SQLite database; nothing else is touched.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from app import create_app
from app.config import TestConfig  # noqa: E402
from app.core import pdf
from app.models import ProposalState  # noqa: E402
from app.review.views.documents import letter_context, packet_context
from tests.factories import Factory  # noqa: E402


def _time(fn, rounds: int) -> tuple[float, float]:
    """(first call, median of the following calls) in seconds."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return first, statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="timed renders per document (after a first one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.sqlite3"

        app = create_app(Config)
        with app.app_context():
            upgrade()
            world = Factory().world()
            docs = [
                ("packet", "pdf/packet.html", packet_context(world.in_review)),
                ("letter", "pdf/letter.html", letter_context(world.proposals[ProposalState.APPROVED])),
            ]
            print(f"PDF rendering, {args.rounds} timed rounds each (median), WeasyPrint, PDF/UA-1")
            print(f"{'document':<10}{'HTML ms':>10}{'PDF ms':>10}{'PDF first ms':>14}{'PDF / HTML':>12}{'size KB':>10}")
            for name, template, ctx in docs:
                _, html_s = _time(lambda t=template, c=ctx: pdf.render_html(t, **c), args.rounds)
                pdf_first, pdf_s = _time(lambda t=template, c=ctx: pdf.render(t, **c), args.rounds)
                size = len(pdf.render(template, **ctx)) / 1024
                print(f"{name:<10}{html_s * 1000:>10.2f}{pdf_s * 1000:>10.1f}{pdf_first * 1000:>14.1f}"
                      f"{pdf_s / html_s:>11.0f}x{size:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
