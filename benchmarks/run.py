"""Queries per page and render time as the data grows: the staff list, the reviewer queue and the
cohort page (and the home page) at 10, 200 and 1000 proposals; the public gallery (index, search
with a filter, Atom feed, one summary) at 10, 200 and 1000 published learning summaries; and the ASK
and CONNECT pages: the PL catalog (anonymous and signed in as an educator, with "Recommended for
you" on the catalog and the home page), the priorities page, the PL request queues and the PL
transcript, each at 10, 200 and 1000 of what it lists; printed as ratios to the smallest size.

    python benchmarks/run.py                    # throw-away SQLite databases
    python benchmarks/run.py --sizes 10 200 1000 --rounds 5
    python benchmarks/run.py --database-url postgresql://postgres@127.0.0.1:5432/bench   # WIPED first

A page whose SQL statement count grows with the number of proposals has an N+1 query; the
statement ratio should stay at 1.0. Time grows with the rows a page shows (the cohort page and
the queue list every proposal in review), but should grow no faster than the data.

Each size gets a fresh database built by the migrations and filled with plain inserts (one
cycle, a committee of six, teams and proposals; most proposals in review with four reviews on a
five-criterion rubric). Every other section gets a fresh database of its own per size, holding
``n`` of the one thing that grows there:

* the gallery: published summaries (each with three tags, a team of its own and a school);
* the catalog: published opportunities (each with two sessions and three terms; some with a
  capacity, some full, one in ten over), and an educator who rated every topic of the open needs
  survey and has a grade band and a subject in their profile: the catalog index and a search with
  a topic filter (anonymous), then the home page and the catalog signed in as that educator
  (recommendations are computed over every upcoming opportunity);
* priorities: survey responses to one survey from educators spread over 20 schools (program staff);
* PL requests: requests across the states, half from the school leader's school: staff's list
  (paginated), the school leader's queue (every submitted request of their school) and a
  co-chair's queue (every endorsed request that costs money, some with a decision to confirm);
* the PL transcript: one educator's completed PL (completed requests and attended registrations,
  half each), capped at ``learning.TRANSCRIPT_CAP`` (200) entries, since no educator completes
  1000: at n=1000 the transcript holds 200.

The data for the ASK and CONNECT sections is built in ``benchmarks/learning.py``. Pages whose
endpoints do not exist yet are reported as missing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import url_for  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from app import _normalise_url  # noqa: E402
from app.config import Config  # noqa: E402
from app.core import clock
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    EDUCATOR_ROLES,
    BudgetCategory,
    BudgetLine,
    CriterionScore,
    Cycle,
    GrantType,
    LearningSummary,
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
    Term,
    TermKind,
    User,
)
from app.needs.taxonomy import slugify  # noqa: E402
from benchmarks import (
    bench_app,  # noqa: E402
    learning,  # noqa: E402
)

PASSWORD = learning.PASSWORD
S = ProposalState


@dataclass
class Page:
    label: str
    endpoint: str
    who: str | None  # "staff", "reviewer", "co_chair", "lead", ...; None: anonymous (the public gallery)
    args: dict  # a value of None is taken from what the section's build returned, by the same name


PAGES = [
    Page("staff list", "staff.proposals", "staff", {}),
    Page("reviewer queue", "review.queue", "reviewer", {}),
    Page("cohort page", "committee.cohort", "co_chair", {"cycle_id": None}),
    Page("home (staff)", "home.index", "staff", {}),
    Page("home (co-chair)", "home.index", "co_chair", {}),
]
GALLERY_PAGES = [
    Page("gallery index", "gallery.index", None, {}),
    Page("gallery search", "gallery.index", None, {"q": "reading circles", "topic": "Literacy"}),
    Page("gallery feed", "gallery.feed", None, {}),
    Page("gallery summary", "gallery.show", None, {"slug": None}),
]
CATALOG_PAGES = [
    Page("catalog index", "catalog.index", None, {}),
    Page("catalog search", "catalog.index", None, {"q": "reading", "topic": None}),
    Page("home (educator)", "home.index", "educator", {}),
    Page("catalog (educator)", "catalog.index", "educator", {}),
]
PRIORITY_PAGES = [
    Page("priorities", "surveys.priorities", "staff", {}),
]
PL_QUEUE_PAGES = [
    Page("PL queue (staff)", "pl.queue", "staff", {}),
    Page("PL queue (leader)", "pl.queue", "leader", {}),
    Page("PL queue (co-chair)", "pl.queue", "co_chair", {}),
]
TRANSCRIPT_PAGES = [
    Page("PL transcript", "transcript.mine", "educator", {}),
]

TOPICS = ("Literacy", "Math", "Science", "Family engagement", "Multilingual learners", "Special education")
GRADES = ("PK-2", "3-5", "6-8", "9-12")
SUBJECTS = ("ELA", "Math", "Science", "Social studies", "ESL")
SUMMARY_BODY = """## What we tried

Weekly reading circles with bilingual texts, led by a classroom teacher and an ESL teacher.

## What we learned

- Students read more when they could talk first in their home language.
- Families joined the last circle of each month.

Our book list is on the [district's library pages](https://www.bostonpublicschools.org/).
"""


# -- building the data -----------------------------------------------------------------------
def build(n: int) -> dict:
    """One cycle, a committee, staff and ``n`` proposals; returns the people and the cycle id."""
    today = clock.today()
    pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    levels = list(SchoolLevel)
    schools = [School(name=f"Bench School {i}", level=levels[i % len(levels)], neighborhood="Dorchester")
               for i in range(20)]
    db.session.add_all(schools)

    def user(name, email, roles, side=None, school=None, title="Classroom teacher"):
        u = User(name=name, email=email, side=Side(side) if side else None, school=school, job_title=title)
        u.password_hash = pw
        u.set_roles(roles)
        db.session.add(u)
        return u

    staff = user("Bench Staff", "staff@bench.example.org", ["staff"])
    btu = [user(f"BTU Reviewer {i}", f"btu{i}@bench.example.org",
                ["reviewer", "co_chair"] if i == 0 else ["reviewer"], "BTU") for i in range(3)]
    bps = [user(f"BPS Reviewer {i}", f"bps{i}@bench.example.org",
                ["reviewer", "co_chair"] if i == 0 else ["reviewer"], "BPS") for i in range(3)]
    cycle = Cycle(name="Bench cycle", opens_on=today - timedelta(days=30), closes_on=today + timedelta(days=30),
                  revision_deadline=today + timedelta(days=45), pool=Decimal("300000.00"),
                  max_award=Decimal("15000.00"), reviews_per_side=2, review_due_on=today + timedelta(days=7))
    for i, (name, weight) in enumerate([("Focus on students", "3"), ("Plan", "2"), ("Impact", "2"),
                                        ("Sharing", "1.5"), ("Budget", "1.5")]):
        cycle.criteria.append(RubricCriterion(position=i, name=name, weight=Decimal(weight)))
    db.session.add(cycle)
    db.session.flush()

    titles = EDUCATOR_ROLES
    educators = [user(f"Educator {i}", f"educator{i}@bench.example.org", ["educator"], school=schools[i % 20],
                      title=titles[i % len(titles)]) for i in range(max(4, n // 2 * 2))]
    db.session.flush()
    teams = []
    for i in range(0, len(educators), 2):
        lead, member = educators[i], educators[i + 1]
        t = Team(name=f"Bench Team {i // 2}", scope=TeamScope.SCHOOL, school=lead.school, lead=lead)
        t.memberships = [TeamMember(user=lead), TeamMember(user=member)]
        teams.append(t)
    db.session.add_all(teams)
    db.session.flush()

    mix = [S.IN_REVIEW] * 6 + [S.SUBMITTED, S.DRAFT, S.APPROVED, S.DECLINED]
    now = clock.now()
    for i in range(n):
        state = mix[i % len(mix)]
        p = Proposal(team=teams[i % len(teams)], cycle=cycle, state=state, created_by=teams[i % len(teams)].lead,
                     grant_type=GrantType.ACTION if i % 3 else GrantType.STUDY, title=f"Bench proposal {i}",
                     challenge="c", students="s", plan="p", success_measures="m", sharing_plan="sh",
                     timeline="t", amount_requested=Decimal("10000.00"),
                     submitted_at=None if state is S.DRAFT else now)
        p.budget_lines = [BudgetLine(position=0, category=BudgetCategory.STIPENDS, description="Stipends",
                                     amount=Decimal("10000.00"))]
        if state is S.APPROVED:
            p.award = Decimal("5000.00")
        db.session.add(p)
        if state in (S.IN_REVIEW, S.APPROVED, S.DECLINED):
            for k, reviewer in enumerate([btu[i % 3], btu[(i + 1) % 3], bps[i % 3], bps[(i + 1) % 3]]):
                done = state is not S.IN_REVIEW or (i + k) % 3 != 0
                a = ReviewAssignment(proposal=p, reviewer=reviewer, side=reviewer.side, assigned_by_id=staff.id,
                                     due_on=cycle.review_due_on,
                                     status=ReviewStatus.SUBMITTED if done else ReviewStatus.ASSIGNED,
                                     recommendation=Recommendation.FUND if done else None,
                                     submitted_at=now if done else None)
                if done:
                    a.scores = [CriterionScore(criterion=c, score=1 + (i + c.position) % 4) for c in cycle.criteria]
                db.session.add(a)
        if i % 200 == 199:
            db.session.flush()
    db.session.commit()
    return {"staff": staff.email, "reviewer": btu[1].email, "co_chair": btu[0].email,
            "lead": educators[0].email, "cycle_id": cycle.id}


def build_gallery(n: int) -> dict:
    """``n`` published learning summaries in a closed cycle, each of its own two-person team."""
    today = clock.today()
    now = clock.now()
    pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    levels = list(SchoolLevel)
    schools = [School(name=f"Bench School {i}", level=levels[i % len(levels)], neighborhood="Roxbury")
               for i in range(20)]
    db.session.add_all(schools)
    cycle = Cycle(name="Bench past cycle", opens_on=today - timedelta(days=400), closes_on=today - timedelta(days=370),
                  revision_deadline=today - timedelta(days=360), pool=Decimal("99999999.00"),
                  max_award=Decimal("15000.00"), reviews_per_side=1, review_due_on=today - timedelta(days=350),
                  progress_report_due=today - timedelta(days=200), final_report_due=today - timedelta(days=60))
    db.session.add(cycle)
    # The taxonomy the summaries are tagged with (the one the survey and the catalog use).
    terms = {kind: [Term(kind=kind, name=name, slug=slugify(name), position=k, active=True)
                    for k, name in enumerate(names)]
             for kind, names in ((TermKind.TOPIC, TOPICS), (TermKind.GRADE_BAND, GRADES), (TermKind.SUBJECT, SUBJECTS))}
    db.session.add_all([t for ts in terms.values() for t in ts])
    db.session.flush()
    slug = ""
    for i in range(n):
        school = schools[i % 20]
        lead = User(name=f"Lead {i}", email=f"lead{i}@bench.example.org", school=school)
        member = User(name=f"Member {i}", email=f"member{i}@bench.example.org", school=school)
        for u in (lead, member):
            u.password_hash = pw
            u.set_roles(["educator"])
        team = Team(name=f"Bench Team {i}", scope=TeamScope.SCHOOL, school=school, lead=lead)
        team.memberships = [TeamMember(user=lead), TeamMember(user=member)]
        title = f"Reading circles {i}" if i % 3 else f"Family math nights {i}"
        p = Proposal(team=team, cycle=cycle, state=S.PUBLISHED, created_by=lead,
                     grant_type=GrantType.ACTION if i % 3 else GrantType.STUDY, title=title,
                     challenge="c", students="s", plan="p", success_measures="m", sharing_plan="sh", timeline="t",
                     amount_requested=Decimal("8000.00"), award=Decimal("8000.00"), submitted_at=now,
                     activated_at=now, agreement_accepted_at=now)
        p.budget_lines = [BudgetLine(position=0, category=BudgetCategory.BOOKS, description="Books",
                                     amount=Decimal("8000.00"))]
        slug = f"reading-circles-{i}"
        summary = LearningSummary(proposal=p, slug=slug, title=title, body=SUMMARY_BODY,
                                  search_text=f"{title} weekly reading circles with bilingual texts {school.name}".lower(),
                                  consent_given_at=now, privacy_checked_at=now,
                                  published_at=now - timedelta(hours=i))
        summary.tags = [ts[i % len(ts)] for ts in terms.values()]
        db.session.add_all([lead, member, team, p, summary])
        if i % 200 == 199:
            db.session.flush()
    db.session.commit()
    return {"slug": slug}


# -- measuring -------------------------------------------------------------------------------
@dataclass
class Measure:
    statements: int
    seconds: float
    status: int


def measure(app, page: Page, people: dict, rounds: int) -> Measure | None:
    if page.endpoint not in app.view_functions:
        return None
    args = {k: (people[k] if v is None else v) for k, v in page.args.items()}
    with app.test_request_context():
        url = url_for(page.endpoint, **args)
    client = app.test_client()
    if page.who is not None:
        resp = client.post("/login", data={"email": people[page.who], "password": PASSWORD})
        if resp.status_code != 302:
            raise SystemExit(f"could not sign in as {people[page.who]} ({resp.status_code})")
    client.get(url)  # warm the template and statement caches
    seen: list[str] = []

    def count(conn, cursor, statement, *a):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    times = []
    status = 0
    for _ in range(rounds):
        seen.clear()
        event.listen(engine, "before_cursor_execute", count)
        start = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - start)
        event.remove(engine, "before_cursor_execute", count)
        status = resp.status_code
    return Measure(len(seen), statistics.median(times), status)


def fresh_app(url: str | None, workdir: Path, n: int | str):
    if url:
        url = _normalise_url(url)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = "sqlite:///" + str(workdir / f"bench-{n}.sqlite3")

    app = bench_app.create(url, base=Config, RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade()
    return app


# -- the sections ----------------------------------------------------------------------------
@dataclass
class Section:
    key: str  # names the database file
    what: str  # what there are n of, as printed while building
    build: Callable[[int], dict]
    pages: list[Page]
    note: str | None  # printed above the section's rows
    size: Callable[[int], int] = lambda n: n  # how many the section builds for n (a cap)


SECTIONS = [
    Section("proposals", "proposals", build, PAGES, None),
    Section("gallery", "published summaries", build_gallery, GALLERY_PAGES,
            "(the gallery: n = published learning summaries, anonymous visitor)"),
    Section("catalog", "published opportunities", learning.build_catalog, CATALOG_PAGES,
            "(the PL catalog: n = published opportunities; anonymous, then an educator with survey ratings "
            "and a profile)"),
    Section("priorities", "survey responses", learning.build_priorities, PRIORITY_PAGES,
            "(priorities: n = survey responses over 20 schools, program staff)"),
    Section("pl-requests", "PL requests", learning.build_pl_requests, PL_QUEUE_PAGES,
            "(PL requests: n = PL requests, half from the school leader's school)"),
    Section("transcript", "completed PL entries", learning.build_transcript, TRANSCRIPT_PAGES,
            "(the PL transcript: n = one educator's completed PL entries, half PL requests, half registrations)",
            learning.transcript_size),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 200, 1000])
    parser.add_argument("--rounds", type=int, default=5, help="requests per page and size (median time)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL to use instead of throw-away SQLite files (its schema is WIPED)")
    opts = parser.parse_args(argv)

    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    pages = [page for section in SECTIONS for page in section.pages]
    results: dict[str, dict[int, Measure | None]] = {p.label: {} for p in pages}
    with tempfile.TemporaryDirectory() as tmp:
        for n in opts.sizes:
            for section in SECTIONS:
                app = fresh_app(opts.database_url, Path(tmp), f"{section.key}-{n}")
                with app.app_context():
                    start = time.perf_counter()
                    people = section.build(n)
                    built = time.perf_counter() - start
                    dialect = db.engine.dialect.name
                    db.session.remove()
                print(f"built {section.size(n)} {section.what} on {dialect} in {built:.1f}s", file=sys.stderr)
                for page in section.pages:
                    results[page.label][n] = measure(app, page, people, opts.rounds)
                with app.app_context():
                    db.engine.dispose()

    base = opts.sizes[0]
    width = max(16, *(len(p.label) for p in pages))
    head = f"{'page':<{width}} " + " ".join(f"{'n=' + str(n):>16}" for n in opts.sizes)
    head += "  statements ratio   time ratio"
    print(head)
    print("-" * len(head))
    worst = 1.0
    for section in SECTIONS:
        if section.note:
            print(section.note)
        capped = [n for n in opts.sizes if section.size(n) != n]
        if capped:
            print("(" + ", ".join(f"n={n} holds {section.size(n)}" for n in capped)
                  + ": more makes no sense here)")
        for page in section.pages:
            row = results[page.label]
            if any(m is None for m in row.values()):
                print(f"{page.label:<{width}} missing: no endpoint {page.endpoint} yet")
                continue
            cells = " ".join(f"{row[n].statements:>4} q {row[n].seconds * 1000:>7.1f}ms" for n in opts.sizes)
            ratios_q = "/".join(f"{row[n].statements / row[base].statements:.2f}" for n in opts.sizes[1:])
            ratios_t = "/".join(f"{row[n].seconds / row[base].seconds:.1f}" for n in opts.sizes[1:])
            bad = [n for n in opts.sizes if row[n].status != 200]
            note = f"  (HTTP {row[bad[0]].status} at n={bad[0]})" if bad else ""
            print(f"{page.label:<{width}} {cells}  {ratios_q:>16}   {ratios_t:>10}{note}")
            worst = max(worst, *(row[n].statements / row[base].statements for n in opts.sizes))
    print(f"\nstatement ratio = statements at n / statements at n={base} (1.00 means no N+1); "
          f"time ratio likewise.")
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
