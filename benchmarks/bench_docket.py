"""How long the committee's docket takes beside bare WeasyPrint on the same HTML.

    python benchmarks/bench_docket.py [--proposals 500] [--database-url URL]

Builds a cycle with ``--proposals`` proposals in review (two reviewers per side, five rubric scores each, one
proposal in ten with a reviewer who declared a conflict) through bulk inserts into a throw-away SQLite file
(``benchmarks/scale_data.py``'s ``Bulk``), then, in one run:

* **docket**: what ``GET /documents/cycles/<id>/docket.pdf`` does: ``app.review.docket.docket`` (the
  cohort page's ranking, the details, reviews and conflicts) and ``app.core.pdf.render`` (the one PDF
  door: its fetcher, tagged PDF/UA-1, one tagged table across pages);
* **bare WeasyPrint**: ``weasyprint.HTML(string=html).write_pdf()`` on the same HTML with the same stylesheet
  (``app/static/pdf.css`` given as ``stylesheets=``), untagged, nothing else.

It prints both times, the pages and the ratio (the goal: at most 1.2x). A small render first loads the fonts,
so neither timing pays fontconfig's first scan or
the first import. ``--database-url postgresql://...`` WIPES that database's
schema first.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from sqlalchemy import text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from app.core import clock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    AuditEvent,
    BudgetCategory,
    BudgetLine,
    ConflictOfInterest,
    CriterionScore,
    Cycle,
    GrantType,
    Proposal,
    ProposalState,
    Recommendation,
    ReviewAssignment,
    ReviewStatus,
    RubricCriterion,
    School,
    SchoolLevel,
    Side,
    Team,
    TeamMember,
    TeamScope,
    User,
    UserRole,
)
from benchmarks import bench_app  # noqa: E402
from benchmarks.scale_data import CRITERIA, WORDS, Bulk, _reset_sequences  # noqa: E402

S = ProposalState
GOAL = 1.2
RECOMMENDATIONS = list(Recommendation)


def build(n: int) -> tuple[int, int]:
    """``n`` proposals in review in one cycle, and everything the docket reads; (the cycle's id, a staff id)."""
    b = Bulk()
    now, today = clock.now(), clock.today()
    pw = generate_password_hash("bench-password", method="pbkdf2:sha256:1000")
    levels = list(SchoolLevel)

    def person(name, roles, side=None, school=None, title="Classroom teacher"):
        uid = b.add(User, email=f"{name.lower().replace(' ', '.')}@docket.example.org", name=name, password_hash=pw,
                    side=side, school_id=school, job_title=title, active=True, session_token=f"t{name}",
                    created_at=now, license_cycle_starts_on=None)
        for role in roles:
            b.add(UserRole, user_id=uid, role=role)
        return uid

    schools = [b.add(School, name=f"Docket School {i:03d}", level=levels[i % len(levels)], neighborhood="Roxbury")
               for i in range(40)]
    staff = person("Docket Staff", ["staff"], title="Program manager")
    reviewers = {side: [person(f"{side.value} Reviewer {i}", ["reviewer"], side=side, title="Committee member")
                        for i in range(12)] for side in (Side.BTU, Side.BPS)}
    teachers = [person(f"Teacher {i:04d}", ["educator"], school=schools[i % len(schools)]) for i in range(2 * n)]
    b.flush()
    opens = today - timedelta(days=45)
    cycle = b.add(Cycle, name="Docket benchmark cycle", opens_on=opens, closes_on=opens + timedelta(days=60),
                  revision_deadline=opens + timedelta(days=75), pool=Decimal("300000.00"),
                  max_award=Decimal("15000.00"), reviews_per_side=2, review_due_on=opens + timedelta(days=90),
                  progress_report_due=opens + timedelta(days=210), final_report_due=opens + timedelta(days=360),
                  created_at=now)
    criteria = [b.add(RubricCriterion, cycle_id=cycle, position=k, name=name, description="", weight=Decimal(w))
                for k, (name, w) in enumerate(CRITERIA)]
    for i in range(n):
        lead, member = teachers[2 * i], teachers[2 * i + 1]
        team = b.add(Team, name=f"Docket Team {i}", scope=TeamScope.SCHOOL, school_id=schools[i % len(schools)],
                     lead_id=lead, created_at=now)
        for uid in (lead, member):
            b.add(TeamMember, team_id=team, user_id=uid, added_at=now)
        amount = Decimal(("5000.00", "8000.00", "12000.00", "15000.00")[i % 4])
        submitted = now - timedelta(days=20)
        pid = b.add(Proposal, cycle_id=cycle, team_id=team, state=S.IN_REVIEW, version=3,
                    grant_type=GrantType.ACTION if i % 3 else GrantType.STUDY,
                    title=f"{WORDS[i % len(WORDS)].capitalize()} {WORDS[(i * 7) % len(WORDS)]} ({i})",
                    challenge="", students="", plan="", success_measures="", sharing_plan="", timeline="",
                    amount_requested=amount, award=None, conditions="", feedback="", decided_at=None,
                    tentatively_selected=i % 9 == 0, withdraw_reason="", created_by_id=lead, created_at=submitted,
                    updated_at=submitted, submitted_at=submitted)
        b.add(BudgetLine, proposal_id=pid, position=0, category=BudgetCategory.STIPENDS, description="Stipends",
              amount=amount)
        b.add(AuditEvent, case_type="proposal", case_id=pid, trigger="begin_review", from_state="submitted",
              to_state="in_review", actor_id=staff, at=submitted, comment="", data={})
        for side in (Side.BTU, Side.BPS):
            pool = reviewers[side]
            for k in range(2 + (1 if i % 10 == 0 and side is Side.BTU else 0)):
                who = pool[(i + 5 * k) % len(pool)]
                done = (i + k) % 7 != 0
                aid = b.add(ReviewAssignment, proposal_id=pid, reviewer_id=who, side=side,
                            status=ReviewStatus.SUBMITTED if done else ReviewStatus.ASSIGNED,
                            recommendation=RECOMMENDATIONS[(i + k) % 3] if done else None, comments="",
                            due_on=opens + timedelta(days=90), assigned_by_id=staff, assigned_at=submitted,
                            submitted_at=submitted + timedelta(days=5) if done else None)
                if done:
                    for c, crit in enumerate(criteria):
                        b.add(CriterionScore, assignment_id=aid, criterion_id=crit, score=1 + (i + k + c) % 4,
                              comment="")
                if k == 2:  # a third BTU reviewer on one proposal in ten, who then declared a conflict
                    b.add(ConflictOfInterest, proposal_id=pid, user_id=who, reason="A colleague of the lead.",
                          declared_at=submitted + timedelta(days=6))
    b.flush()
    _reset_sequences()
    db.session.commit()
    return cycle, staff


def _bare_html(html: str) -> str:
    """The same document without its ``<link>`` to the app's stylesheet (bare WeasyPrint is given the file)."""
    return re.sub(r'<link rel="stylesheet" href="tlf-static:[^"]+">', "", html)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=500, help="proposals in review (default 500)")
    parser.add_argument("--database-url", help="a database to WIPE and use (default: a throw-away SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/docket.sqlite3"
        app = bench_app.create(url)
        with app.app_context():
            if url.startswith("postgresql"):
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
            upgrade()
            started = time.perf_counter()
            cycle_id, staff_id = build(args.proposals)
            built = time.perf_counter() - started
            db.session.remove()

            import weasyprint

            from app.core import pdf, pdf_engine
            from app.core.pdf import STATIC_DIR
            from app.review import docket as docket_ops

            cycle, staff = db.session.get(Cycle, cycle_id), db.session.get(User, staff_id)
            # Fonts and both code paths loaded once, on a tiny document, before anything is timed.
            weasyprint.HTML(string="<p>warm</p>").write_pdf()
            pdf_engine.write("<!doctype html><html lang=en><title>warm</title><p>warm</p></html>")

            wall, cpu = time.perf_counter(), time.process_time()
            found = docket_ops.docket(cycle, staff)
            body = pdf.render("pdf/docket.html", docket=found, viewer=staff)
            ours, ours_wall = time.process_time() - cpu, time.perf_counter() - wall
            cpu = time.process_time()
            html = pdf.render_html("pdf/docket.html", docket=found, viewer=staff)
            html_s = time.process_time() - cpu

            stylesheet = weasyprint.CSS(filename=str(STATIC_DIR / "pdf.css"))
            wall, cpu = time.perf_counter(), time.process_time()
            bare = weasyprint.HTML(string=_bare_html(html)).write_pdf(stylesheets=[stylesheet])
            bare_s, bare_wall = time.process_time() - cpu, time.perf_counter() - wall

            pages = len(PdfReader(io.BytesIO(body)).pages)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"committee docket: {args.proposals} proposals in review (built in {built:.1f} s), {pages} pages; "
                  f"one run, CPU seconds of this process (wall in brackets; load average {load})")
            print(f"  docket (queries + HTML + tagged PDF/UA-1): {ours:7.2f} s  ({ours_wall:.2f})  {len(body) / 1024:,.0f} KB")
            print(f"    of which the HTML alone:                 {html_s:7.2f} s")
            print(f"  bare WeasyPrint, same HTML and CSS:        {bare_s:7.2f} s  ({bare_wall:.2f})  {len(bare) / 1024:,.0f} KB")
            print(f"  ratio docket / bare: {ours / bare_s:.2f}x CPU ({ours_wall / bare_wall:.2f}x wall); goal ≤ {GOAL}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
