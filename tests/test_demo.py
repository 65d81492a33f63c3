"""The demo data: what a visitor checks (schools, committee, teams, every state), that it follows
the program's rules (awards within the pool, balanced budgets, joint decisions confirmed by the
other side after both sides' reviews), that it was made through the services (a real audit
trail), and that it is the same data every time."""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.config import TestConfig
from app.demo import DEMO_PASSWORD, TEAMS, demo_logins, email_for
from app.extensions import db
from app.models import (
    AuditEvent,
    BudgetLine,
    ConflictOfInterest,
    Cycle,
    Decision,
    DecisionOutcome,
    Proposal,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    School,
    SchoolLevel,
    Team,
    TeamScope,
    User,
)
from app.services import clock
from tests.conftest import Browser, _clean

S = ProposalState


@pytest.fixture(scope="module")
def seeded(app):
    """The demo data seeded once (through the CLI) into the suite's database, for this module's tests."""
    _clean(app)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    yield result.output
    _clean(app)


@pytest.fixture
def ctx(seeded, app):
    """An application context on the seeded database (left as it is after the test)."""
    with app.app_context():
        yield seeded
        db.session.remove()


def all_(model):
    return list(db.session.scalars(select(model)))


def test_cli_prints_summary_and_logins(ctx):
    assert "Seeded 15 schools" in ctx
    assert f"every demo user's password is {DEMO_PASSWORD}" in ctx
    for _, name, email in demo_logins():
        assert email in ctx and name in ctx


def test_schools_of_every_level(ctx):
    schools = all_(School)
    assert len(schools) >= 12
    levels = Counter(s.level for s in schools)
    assert set(levels) == set(SchoolLevel), levels
    assert all(s.neighborhood for s in schools)
    names = {s.name for s in schools}
    assert "Boston Latin School" in names and "McKinley Schools" in names


def test_committee_of_six_with_a_co_chair_per_side(ctx):
    reviewers = [u for u in all_(User) if u.has_role("reviewer")]
    assert len(reviewers) == 6
    by_side = Counter(u.side.value for u in reviewers)
    assert by_side == {"BTU": 3, "BPS": 3}
    chairs = [u for u in all_(User) if u.has_role("co_chair")]
    assert sorted(u.side.value for u in chairs) == ["BPS", "BTU"]
    assert all(u.has_role("reviewer") for u in chairs)  # co-chairs are among the six


def test_staff_admin_and_school_leader(ctx):
    users = all_(User)
    assert sum(u.has_role("staff") for u in users) == 2
    assert sum(u.has_role("admin") for u in users) == 1
    leaders = [u for u in users if u.has_role("school_leader")]
    assert len(leaders) == 1 and leaders[0].school is not None


def test_educators_and_teams(ctx):
    educators = [u for u in all_(User) if u.has_role("educator")]
    assert len(educators) >= 30
    assert all(u.school is not None for u in educators)
    assert len({u.job_title for u in educators}) >= 6
    teams = all_(Team)
    assert len(teams) >= 12
    assert {t.scope for t in teams} == {TeamScope.SCHOOL, TeamScope.CROSS_SCHOOL}
    for t in teams:
        assert t.size >= 2, t.name
        assert t.lead_id in t.member_ids
        if t.scope is TeamScope.CROSS_SCHOOL:
            assert len({m.school_id for m in t.members}) >= 2, t.name
        else:
            assert {m.school_id for m in t.members} == {t.school_id}, t.name


def test_one_open_cycle_with_the_program_figures(ctx):
    cycles = all_(Cycle)
    assert len(cycles) == 1
    c = cycles[0]
    assert c.is_open(clock.today())
    assert c.pool == Decimal("300000.00") and c.max_award == Decimal("15000.00")
    assert c.reviews_per_side == 2
    assert 4 <= len(c.criteria) <= 5
    names = " ".join(k.name.lower() for k in c.criteria)
    for words in ("historically marginalized", "feasibility", "impact", "sharing", "budget"):
        assert words in names
    assert len({k.weight for k in c.criteria}) > 1  # weighted, not all equal


def test_every_state_from_draft_to_decision(ctx):
    states = Counter(p.state for p in all_(Proposal))
    for state in (S.DRAFT, S.SUBMITTED, S.REVISIONS_REQUESTED, S.IN_REVIEW, S.APPROVED, S.DECLINED,
                  S.WITHDRAWN):
        assert states[state] >= 1, f"no {state.value} proposal"
    assert {p.grant_type.value for p in all_(Proposal) if p.grant_type} == {"action", "study"}


def test_awards_within_the_pool_and_the_maximum(ctx):
    cycle = all_(Cycle)[0]
    approved = [p for p in all_(Proposal) if p.state is S.APPROVED]
    assert approved
    for p in approved:
        assert Decimal(0) < p.award <= cycle.max_award, p.title
        assert p.award <= p.amount_requested, p.title
    assert sum(p.award for p in approved) <= cycle.pool
    assert cycle.pool_remaining() == cycle.pool - sum(p.award for p in approved)


def test_budgets_balance_for_everything_submitted(ctx):
    cycle = all_(Cycle)[0]
    totals = defaultdict(Decimal)
    for line in all_(BudgetLine):
        totals[line.proposal_id] += line.amount
    submitted = [p for p in all_(Proposal) if p.submitted_at is not None]
    assert len(submitted) >= 12
    for p in submitted:
        assert totals[p.id] == p.amount_requested, p.title
        assert p.amount_requested <= cycle.max_award, p.title
        assert not p.missing_sections(), p.title


def test_joint_decisions_follow_the_two_key_rule(ctx):
    need = all_(Cycle)[0].reviews_per_side
    for d in all_(Decision):
        p = d.proposal
        assert d.proposed_by.has_role("co_chair")
        reviews = [a for a in p.assignments if a.is_submitted and a.reviewer_id not in p.conflicted_user_ids()]
        per_side = Counter(a.side.value for a in reviews)
        assert per_side["BTU"] >= need and per_side["BPS"] >= need, p.title
        assert all(a.submitted_at < d.proposed_at for a in reviews), p.title
        if d.confirmed_at is not None:
            assert d.confirmed_side is not d.proposed_side, p.title
            assert d.confirmed_by.has_role("co_chair") and d.confirmed_by.side is d.confirmed_side
            assert d.confirmed_at > d.proposed_at
    decided = [p for p in all_(Proposal) if p.state in (S.APPROVED, S.DECLINED)]
    for p in decided:
        confirmed = p.confirmed_decision
        assert confirmed is not None, p.title
        want = DecisionOutcome.APPROVE if p.state is S.APPROVED else DecisionOutcome.DECLINE
        assert confirmed.outcome is want and confirmed.award == p.award
    pending = [d for d in all_(Decision) if d.is_pending]
    assert {d.proposed_side.value for d in pending} == {"BTU", "BPS"}  # one waiting on each side
    assert all(d.proposal.state is S.IN_REVIEW for d in pending)


def test_reviews_and_conflicts_are_consistent(ctx):
    assignments = all_(ReviewAssignment)
    for a in assignments:
        assert a.reviewer.has_role("reviewer") and a.side is a.reviewer.side
        assert a.reviewer_id not in a.proposal.team.member_ids
        if a.is_submitted:
            assert len(a.scores) == len(a.proposal.cycle.criteria)
            assert all(1 <= s.score <= 4 for s in a.scores)
            assert a.recommendation is not None
    statuses = Counter(a.status for a in assignments)
    assert statuses[ReviewStatus.ASSIGNED] and statuses[ReviewStatus.DRAFT] and statuses[ReviewStatus.SUBMITTED]
    conflicts = all_(ConflictOfInterest)
    assert len(conflicts) == 1
    coi = conflicts[0]
    # The recused reviewer was replaced: no assignment of theirs is left on that proposal.
    assert coi.user_id not in {a.reviewer_id for a in coi.proposal.assignments}
    in_review = [p for p in all_(Proposal) if p.state is S.IN_REVIEW]
    for p in in_review:
        counts = p.assigned_reviewer_counts()
        assert counts.get("BTU", 0) >= 2 and counts.get("BPS", 0) >= 2, p.title


def test_audit_trail_replays_every_proposal(ctx):
    """Made through advance(): the transition events, in order, lead from draft to today's state."""
    events = defaultdict(list)
    for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)):
        events[e.case_id].append(e)
    for p in all_(Proposal):
        trail = events[p.id]
        assert trail and trail[0].trigger == "create", p.title
        state = "draft"
        for e in trail:
            if e.from_state != e.to_state:
                assert e.from_state == state, (p.title, e.trigger)
                state = e.to_state
        assert state == p.state.value, p.title
        triggers = [e.trigger for e in trail]
        if p.state is not S.DRAFT:
            submit = next(e for e in trail if e.trigger == "submit")
            assert submit.actor_id == p.team.lead_id
        if p.state in (S.IN_REVIEW, S.APPROVED, S.DECLINED):
            assert triggers.count("assign_reviewer") >= 4 and "begin_review" in triggers
            assert triggers.count("submit_review") >= 1
    kinds = Counter(e.trigger for e in all_(AuditEvent))
    for trigger in ("create", "edit", "submit", "return_for_revision", "resubmit", "begin_review",
                    "assign_reviewer", "unassign_reviewer", "declare_conflict", "submit_review",
                    "record_decision", "approve", "decline", "request_revisions", "withdraw"):
        assert kinds[trigger] >= 1, f"no {trigger} event"
    times = [e.at for e in all_(AuditEvent)]
    assert (max(times) - min(times)).days >= 30  # a round spread over weeks, not one instant


def test_home_pages_of_the_demo_logins(ctx, app):
    client = Browser(app.test_client())
    reyes = db.session.scalar(select(User).where(User.email == email_for("Ana Lucia Reyes")))
    page = client.login(reyes, DEMO_PASSWORD).get("/").data.decode()
    assert "Reviews due (1)" in page and "1 overdue." in page
    assert "Dual-Language Science Notebooks" in page
    assert "Co-Teaching Coaching Cycles" not in page  # she declared a conflict with it

    chair = db.session.scalar(select(User).where(User.email == email_for("Theresa Flanagan")))
    page = client.reset().login(chair, DEMO_PASSWORD).get("/").data.decode()
    assert "Decisions waiting for your side&#39;s confirmation (1)" in page
    assert "Trauma-Informed Classroom Routines" in page

    staff = db.session.scalar(select(User).where(User.email == email_for("Rosa Delgado")))
    page = client.reset().login(staff, DEMO_PASSWORD).get("/").data.decode()
    assert "Submissions to screen (2)" in page and "Approved grants waiting for activation (4)" in page


def test_seeding_again_is_refused_then_reset_works(ctx, app):
    runner = app.test_cli_runner()
    before = db.session.scalar(select(func.count(User.id)))
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "already has data" in result.output and "--reset" in result.output
    assert db.session.scalar(select(func.count(User.id))) == before

    result = runner.invoke(args=["seed-demo", "--reset"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == before
    assert db.session.scalar(select(func.count(Proposal.id))) == len(TEAMS)
    assert db.session.scalar(select(func.count(Cycle.id))) == 1


# -- the same data every time ----------------------------------------------------------------
# Columns that record when the seed ran (column defaults), and salted password hashes.
WALL_CLOCK = {"password_hash", "created_at", "updated_at", "added_at", "assigned_at"}


def fingerprint() -> tuple[str, dict[str, int]]:
    """A digest of every row of every table (ids included: both databases start empty)."""
    digest = hashlib.sha256()
    sizes = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            cols = [c for c in table.columns if c.name not in WALL_CLOCK]
            rows = conn.execute(select(*cols).order_by(*table.primary_key.columns)).all()
            sizes[table.name] = len(rows)
            for row in rows:
                digest.update(json.dumps([table.name, *[_plain(v) for v in row]], default=str).encode())
    return digest.hexdigest(), sizes


def _plain(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def _fresh_app(path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(path)

    app = create_app(Config)
    with app.app_context():
        upgrade()
    return app


def test_demo_command_and_seed_give_the_same_data(tmp_path, monkeypatch):
    """Two fresh databases: one through `flask demo --no-serve`, one through `seed-demo --today`."""
    day = date(2026, 10, 14)
    monkeypatch.setattr(clock, "today", lambda: day)

    first = _fresh_app(tmp_path / "first.sqlite3")
    result = first.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Demo logins" in result.output and "lan.nguyen@example.org" in result.output
    with first.app_context():
        one, sizes = fingerprint()
        db.session.remove()

    second = _fresh_app(tmp_path / "second.sqlite3")
    result = second.test_cli_runner().invoke(args=["seed-demo", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    with second.app_context():
        two, sizes_two = fingerprint()
        assert db.session.scalar(select(Cycle.name)) == "2026-27 Teacher Leadership Fund"
        db.session.remove()

    assert sizes == sizes_two
    assert sizes["proposal"] == len(TEAMS) and sizes["audit_event"] > 100
    assert one == two

    # And `demo` on a database that has data leaves it alone.
    result = first.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0 and "already has data" in result.output
    with first.app_context():
        assert fingerprint()[0] == one
        db.session.remove()


# -- the README tells the truth ----------------------------------------------------------------
README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_lists_the_demo_logins_and_the_workflow_table():
    from app.cli import markdown_table
    from workflows.proposal import PROPOSAL

    readme = README.read_text()
    assert f"`{DEMO_PASSWORD}`" in readme
    for role, name, email in demo_logins():
        assert f"| {role} | {name} | `{email}` |" in readme, email
    assert markdown_table(PROPOSAL.table()) in readme, "README's workflow table is out of date"
    assert "docs/proposal-workflow.svg" in readme
    for command in ("scripts/demo", "scripts/test", "DATABASE_URL", "TEST_DATABASE_URL"):
        assert command in readme
