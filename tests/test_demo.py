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
from markupsafe import escape
from sqlalchemy import func, select

from app import create_app
from app.config import TestConfig
from app.core import clock
from app.demo.seeder import DEMO_PASSWORD, TEAMS, demo_logins, email_for
from app.demo.stories import STORIES
from app.extensions import db
from app.models import (
    AuditEvent,
    BudgetLine,
    BudgetReallocation,
    ConflictOfInterest,
    Cycle,
    Decision,
    DecisionOutcome,
    Expenditure,
    FlagKind,
    FlagStatus,
    GrantType,
    LearningSummary,
    PrivacyFlag,
    ProgressReport,
    Proposal,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    School,
    SchoolLevel,
    SummaryArtifact,
    Team,
    TeamScope,
    TermKind,
    User,
)
from tests.conftest import Browser, all_
from workflows.expenditure import PaymentState, ReallocationState
from workflows.proposal import AWARDED

S = ProposalState


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


def current_cycle() -> Cycle:
    return next(c for c in all_(Cycle) if c.is_open(clock.today()))


def earlier_cycle() -> Cycle:
    return next(c for c in all_(Cycle) if not c.is_open(clock.today()))


def test_one_open_cycle_with_the_program_figures(ctx):
    cycles = all_(Cycle)
    assert len(cycles) == 2
    assert sum(c.is_open(clock.today()) for c in cycles) == 1
    c = current_cycle()
    earlier = earlier_cycle()
    assert earlier.closes_on < c.opens_on, "last year's round closed before this one opened"
    for cycle in cycles:  # activation gives each grant the cycle's report dates
        assert cycle.progress_report_due and cycle.final_report_due
        assert cycle.closes_on < cycle.progress_report_due < cycle.final_report_due
    assert c.pool == Decimal("300000.00") and c.max_award == Decimal("15000.00")
    assert c.reviews_per_side == 2
    assert 4 <= len(c.criteria) <= 5
    names = " ".join(k.name.lower() for k in c.criteria)
    for words in ("historically marginalized", "feasibility", "impact", "sharing", "budget"):
        assert words in names
    assert len({k.weight for k in c.criteria}) > 1  # weighted, not all equal


def test_every_state_from_draft_to_published(ctx):
    states = Counter(p.state for p in all_(Proposal))
    for state in S:
        assert states[state] >= 1, f"no {state.value} proposal"
    # The current round is still the one a visitor sees first: nothing in it is past approval.
    current = current_cycle()
    assert {p.state for p in all_(Proposal) if p.cycle_id == current.id} <= {
        S.DRAFT, S.SUBMITTED, S.REVISIONS_REQUESTED, S.IN_REVIEW, S.APPROVED, S.DECLINED, S.WITHDRAWN}
    assert {p.grant_type.value for p in all_(Proposal) if p.grant_type} == {"action", "study"}


def test_awards_within_the_pool_and_the_maximum(ctx):
    for cycle in all_(Cycle):
        approved = [p for p in all_(Proposal) if p.cycle_id == cycle.id and p.state in AWARDED]
        assert approved
        for p in approved:
            assert Decimal(0) < p.award <= cycle.max_award, p.title
            assert p.award <= p.amount_requested, p.title
        assert sum(p.award for p in approved) <= cycle.pool
        assert cycle.pool_remaining() == cycle.pool - sum(p.award for p in approved)


def test_budgets_balance_for_everything_submitted(ctx):
    totals = defaultdict(Decimal)
    for line in all_(BudgetLine):
        totals[line.proposal_id] += line.amount
    submitted = [p for p in all_(Proposal) if p.submitted_at is not None]
    assert len(submitted) >= 12
    for p in submitted:
        assert totals[p.id] == p.amount_requested, p.title
        assert p.amount_requested <= p.cycle.max_award, p.title
        assert not p.missing_sections(), p.title


def test_joint_decisions_follow_the_two_key_rule(ctx):
    for d in all_(Decision):
        p = d.proposal
        need = p.cycle.reviews_per_side
        assert d.proposed_by.has_role("co_chair")
        reviews = [a for a in p.assignments if a.is_submitted and a.reviewer_id not in p.conflicted_user_ids()]
        per_side = Counter(a.side.value for a in reviews)
        assert per_side["BTU"] >= need and per_side["BPS"] >= need, p.title
        assert all(a.submitted_at < d.proposed_at for a in reviews), p.title
        if d.confirmed_at is not None:
            assert d.confirmed_side is not d.proposed_side, p.title
            assert d.confirmed_by.has_role("co_chair") and d.confirmed_by.side is d.confirmed_side
            assert d.confirmed_at > d.proposed_at
    decided = [p for p in all_(Proposal) if p.state in (*AWARDED, S.DECLINED)]
    for p in decided:
        confirmed = p.confirmed_decision
        assert confirmed is not None, p.title
        want = DecisionOutcome.DECLINE if p.state is S.DECLINED else DecisionOutcome.APPROVE
        assert confirmed.outcome is want and confirmed.award == p.award
    pending = [d for d in all_(Decision) if d.is_pending]
    assert {d.proposed_side.value for d in pending} == {"BTU", "BPS"}  # one waiting on each side
    # Two keys both ways: one decision the other side sent back with a comment; a new one waits since.
    [back] = [d for d in all_(Decision) if d.not_confirmed_at is not None]
    assert back.not_confirmed_by.side is not back.proposed_side and back.not_confirmed_comment
    assert back.proposal.pending_decision is not None and back.proposal.state is S.IN_REVIEW
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
    for e in db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "proposal")
                                .order_by(AuditEvent.at, AuditEvent.id)):
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
        if p.state in (S.IN_REVIEW, *AWARDED, S.DECLINED):
            assert triggers.count("assign_reviewer") >= 4 and "begin_review" in triggers
            assert triggers.count("submit_review") >= 1
    kinds = Counter(e.trigger for e in all_(AuditEvent))
    for trigger in ("create", "edit", "submit", "return_for_revision", "resubmit", "begin_review",
                    "assign_reviewer", "unassign_reviewer", "declare_conflict", "submit_review",
                    "record_decision", "approve", "decline", "request_revisions", "withdraw",
                    # after the award
                    "accept_agreement", "activate", "log_expenditure", "request_reallocation", "edit_progress",
                    "submit_progress", "edit_final_report", "edit_summary", "upload_artifact", "consent_to_publish",
                    "submit_final_report", "return_report", "accept_report", "block_name", "privacy_check",
                    "override_privacy_flag", "publish", "unpublish", "not_confirm_decision", "void_expenditure"):
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
    # of the four approved grants, one team has accepted its agreement: that one waits on staff
    assert "Submissions to screen (2)" in page and "Approved grants waiting for activation (1)" in page


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
    assert db.session.scalar(select(func.count(Proposal.id))) == len(TEAMS) + len(STORIES)
    assert db.session.scalar(select(func.count(Cycle.id))) == 2


# -- the same data every time ----------------------------------------------------------------
# Columns that record when the seed ran (column defaults), salted password hashes and random session tokens.
WALL_CLOCK = {"password_hash", "session_token", "created_at", "updated_at", "added_at", "assigned_at",
              "stamp", "changed_at"}  # public_version: a random stamp and the wall-clock time of each change


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


@pytest.mark.own_sqlite
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
        assert set(db.session.scalars(select(Cycle.name))) == {"2025-26 Teacher Leadership Fund",
                                                                "2026-27 Teacher Leadership Fund"}
        db.session.remove()

    assert sizes == sizes_two
    assert sizes["proposal"] == len(TEAMS) + len(STORIES) and sizes["audit_event"] > 100
    assert sizes["expenditure"] > 50 and sizes["learning_summary"] >= 10 and sizes["summary_artifact"] >= 3
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


# -- after the award ---------------------------------------------------------------------------
def published_summaries() -> list:
    return [s for s in all_(LearningSummary) if s.published_at is not None]


def test_grants_were_accepted_and_activated_with_the_cycles_dates(ctx):
    for p in all_(Proposal):
        if p.state in (S.ACTIVE, S.FINAL_REPORT_SUBMITTED, S.COMPLETED, S.PUBLISHED):
            assert p.agreement_accepted_at is not None and p.agreement_accepted_by_id == p.team.lead_id, p.title
            assert p.activated_at is not None and p.agreement_accepted_at < p.activated_at, p.title
            assert (p.progress_report_due, p.final_report_due) == (
                p.cycle.progress_report_due, p.cycle.final_report_due), p.title
            activate = db.session.scalars(select(AuditEvent).where(
                AuditEvent.case_type == "proposal", AuditEvent.case_id == p.id, AuditEvent.trigger == "activate")).one()
            assert db.session.get(User, activate.actor_id).has_role("staff")


def test_spending_never_passes_a_line_or_the_award(ctx):
    from app.grants import ledger

    spent_somewhere = nearly_spent = 0
    for p in all_(Proposal):
        book = ledger.ledger_for(p)
        for line in book.lines:
            assert Decimal(0) <= line.spent <= line.approved, (p.title, line.name)
            if p.state is S.ACTIVE and line.approved and line.spent >= line.approved * Decimal("0.95"):
                nearly_spent += 1
        assert book.spent_total <= (p.award or Decimal(0)), p.title
        spent_somewhere += bool(book.expenditures)
    assert spent_somewhere >= 15 and nearly_spent >= 2
    [void] = [e for e in all_(Expenditure) if e.voided_at is not None]  # a payment logged twice, voided
    assert void.void_reason and void.voided_by_id in void.proposal.team.member_ids
    assert void.proposal.state is S.ACTIVE and void not in ledger.ledger_for(void.proposal).counted
    for e in all_(Expenditure):
        assert e.proposal.state in (S.ACTIVE, S.FINAL_REPORT_SUBMITTED, S.COMPLETED, S.PUBLISHED)
        assert e.amount > 0 and e.amount == e.amount.quantize(Decimal("0.01"))
        assert e.receipt_size > 0 and e.receipt_content_type == "application/pdf" and e.payee
        assert e.recorded_by_id in e.proposal.team.member_ids
        assert e.spent_on >= clock.local(e.proposal.activated_at).date()


def test_reallocations_asked_by_the_team_one_approved_by_staff_one_pending(ctx):
    from app.grants import ledger

    moves = all_(BudgetReallocation)
    assert sorted(m.state.value for m in moves) == ["approved", "pending"]
    move = next(m for m in moves if m.state is ReallocationState.APPROVED)
    pending = next(m for m in moves if m.state is ReallocationState.PENDING)
    p = move.proposal
    assert move.reason and move.recorded_by_id in p.team.member_ids
    assert db.session.get(User, move.decided_by_id).has_role("staff")
    book = ledger.ledger_for(p)
    assert book.approved_total == p.budget_total == p.award
    # only the approved one moved money
    source, target = book.balance_of(move.from_line_id), book.balance_of(move.to_line_id)
    assert source.approved == source.planned - move.amount and target.approved == target.planned + move.amount
    assert pending.proposal_id == p.id and pending.amount <= source.left
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "proposal", AuditEvent.case_id == p.id,
                                                        AuditEvent.trigger == "request_reallocation")
                               .order_by(AuditEvent.at)).first()
    assert event.comment == move.reason
    approved = db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "reallocation",
                                                           AuditEvent.case_id == move.id)).one()
    assert approved.trigger == "approve" and approved.actor_id == move.decided_by_id


def test_reimbursements_returned_awaiting_payment_and_paid(ctx):
    spent = [e for e in all_(Expenditure) if e.voided_at is None]
    states = Counter(e.state for e in spent)
    assert states[PaymentState.RETURNED] == 1 and states[PaymentState.APPROVED] >= 1
    assert states[PaymentState.SUBMITTED] >= 1 and states[PaymentState.PAID] > len(spent) // 2
    returned = next(e for e in spent if e.state is PaymentState.RETURNED)
    assert returned.return_reason and returned.proposal.state is S.ACTIVE
    # the finished grants' reimbursements are all paid, and no voided one was ever approved or paid
    assert all(e.state is PaymentState.PAID for e in spent if e.proposal.state is not S.ACTIVE)
    assert all(e.state is PaymentState.SUBMITTED and e.paid_at is None for e in all_(Expenditure) if e.voided_at)
    for e in spent:  # each step is an audited transition
        trail = [(ev.from_state, ev.to_state) for ev in db.session.scalars(
            select(AuditEvent).where(AuditEvent.case_type == "expenditure", AuditEvent.case_id == e.id)
            .order_by(AuditEvent.at, AuditEvent.id))]
        state = "submitted"
        for before, after in trail:
            assert before == state
            state = after
        assert state == e.state.value


def test_progress_updates_in_and_one_overdue(ctx):
    active = [p for p in all_(Proposal) if p.state is S.ACTIVE]
    assert len(active) >= 3
    overdue = [p for p in active if p.progress_report_due < clock.today()
               and (p.progress_report is None or p.progress_report.submitted_at is None)]
    assert len(overdue) == 1
    assert overdue[0].progress_report is not None, "the team started its update but has not submitted it"
    assert overdue[0].team.lead.email == email_for("Michelle Joseph")
    submitted = [r for r in all_(ProgressReport) if r.submitted_at is not None]
    assert len(submitted) >= 15
    for r in submitted:
        assert not r.missing_sections()
        assert clock.local(r.submitted_at).date() <= r.proposal.progress_report_due


def test_final_reports_submitted_accepted_and_one_returned(ctx):
    reported = [p for p in all_(Proposal) if p.state in (S.FINAL_REPORT_SUBMITTED, S.COMPLETED, S.PUBLISHED)]
    assert len(reported) >= 12
    for p in reported:
        assert p.final_report is not None and not p.final_report.missing_sections(), p.title
        assert p.summary_drafted, p.title
    events = defaultdict(list)
    for e in db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "proposal")
                                .order_by(AuditEvent.at, AuditEvent.id)):
        events[e.case_id].append(e)
    returned = [p for p in reported if any(e.trigger == "return_report" for e in events[p.id])]
    assert len(returned) == 1
    trail = [e.trigger for e in events[returned[0].id] if e.is_transition]
    assert trail[-4:] == ["submit_final_report", "return_report", "submit_final_report", "accept_report"] or \
        trail[-5:-1] == ["submit_final_report", "return_report", "submit_final_report", "accept_report"]
    comment = next(e.comment for e in events[returned[0].id] if e.trigger == "return_report")
    assert "resubmit" in comment
    accepted = [p for p in reported if any(e.trigger == "accept_report" for e in events[p.id])]
    assert len(accepted) >= 12


def test_at_least_ten_summaries_published_with_varied_tags(ctx):
    published = published_summaries()
    assert len(published) >= 10
    kinds = {kind: {v for s in published for v in s.tag_values(kind)} for kind in TermKind}
    assert len(kinds[TermKind.TOPIC]) >= 8 and len(kinds[TermKind.GRADE_BAND]) >= 4
    assert len(kinds[TermKind.SUBJECT]) >= 6
    assert {s.proposal.grant_type for s in published} == {GrantType.ACTION, GrantType.STUDY}
    levels = {school.level for s in published for school in s.proposal.team.schools}
    assert len(levels) >= 4
    assert any(s.proposal.team.scope is TeamScope.CROSS_SCHOOL for s in published)
    for s in published:
        assert s.slug and s.proposal.state is S.PUBLISHED
        body = s.body
        assert "## What we learned" in body and "\n- " in body, s.title  # headings and a list
        assert s.consent_given_at is not None and s.consent_by_id == s.proposal.team.lead_id
        assert s.privacy_checked_at is not None and s.open_flag_count == 0, s.title
    assert sum("](https://" in s.body for s in published) >= 5  # links


def test_privacy_checks_a_block_listed_name_and_an_override(ctx):
    flags = all_(PrivacyFlag)
    overridden = [f for f in flags if f.status is FlagStatus.OVERRIDDEN]
    assert len(overridden) == 1
    flag = overridden[0]
    assert flag.kind is FlagKind.PHONE and flag.override_reason and flag.summary.published_at is not None
    assert db.session.get(User, flag.resolved_by_id).has_role("staff")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.trigger == "override_privacy_flag")).one()
    assert event.comment == flag.override_reason
    blocked = [f for f in flags if f.kind is FlagKind.BLOCKED_NAME]
    assert len(blocked) == 1 and blocked[0].status is FlagStatus.RESOLVED  # the team took the name out
    assert blocked[0].match.lower() not in blocked[0].summary.body.lower()


def test_one_summary_unpublished_with_a_reason(ctx):
    unpublish = db.session.scalars(select(AuditEvent).where(AuditEvent.trigger == "unpublish")).one()
    p = db.session.get(Proposal, unpublish.case_id)
    assert p.state is S.COMPLETED and p.learning_summary.published_at is None
    assert unpublish.comment and db.session.get(User, unpublish.actor_id).has_role("staff")


def test_artifacts_are_real_files(ctx):
    artifacts = all_(SummaryArtifact)
    kinds = Counter(a.content_type for a in artifacts)
    assert kinds["image/png"] >= 2 and kinds["application/pdf"] >= 2
    for a in artifacts:
        data = db.session.scalar(select(SummaryArtifact.data).where(SummaryArtifact.id == a.id))
        assert len(data) == a.size and hashlib.sha256(data).hexdigest() == a.sha256
        assert data.startswith(b"\x89PNG\r\n\x1a\n" if a.content_type == "image/png" else b"%PDF-")
        assert a.description


def test_the_gallery_shows_the_published_summaries_to_anyone(ctx, app):
    anonymous = Browser(app.test_client())
    published = published_summaries()
    index = anonymous.get("/learning")
    assert index.status_code == 200
    page = index.data.decode()
    for s in published:
        assert escape(s.title) in page, s.title
    for s in all_(LearningSummary):
        if s.published_at is None:
            assert escape(s.title) not in page, s.title
            if s.slug:  # the unpublished one keeps its slug, and its page is gone
                assert anonymous.get(f"/learning/{s.slug}").status_code == 404
    # Search finds one by words of its body; a filter narrows by tag.
    found = anonymous.get("/learning?q=pause-and-ask").data.decode()
    assert "Bilingual Read-Aloud Videos for K-2 Families" in found
    assert "Number Talks Every Morning" not in found
    science = anonymous.get("/learning?subject=science").data.decode()
    assert "Science Word Walls in Two Languages" in science and "Neighborhood Oral History Podcast" not in science
    for s in published:
        shown = anonymous.get(f"/learning/{s.slug}")
        assert shown.status_code == 200 and escape(s.title) in shown.data.decode()
        for a in s.artifacts:
            got = anonymous.get(f"/learning/{s.slug}/artifacts/{a.id}")
            assert got.status_code == 200 and len(got.data) == a.size, a.filename


def test_home_pages_after_the_award(ctx, app):
    client = Browser(app.test_client())
    carlos = db.session.scalar(select(User).where(User.email == email_for("Carlos Mendes")))
    page = client.login(carlos, DEMO_PASSWORD).get("/proposals/").data.decode()
    assert "Ninth Grade Study Hall Redesign" in page and "Active" in page
    p = next(p for p in all_(Proposal) if p.title == "Ninth Grade Study Hall Redesign")
    case = client.get(f"/proposals/{p.id}").data.decode()
    assert "Active" in case and "Budget reallocation asked for" in case
    michelle = db.session.scalar(select(User).where(User.email == email_for("Michelle Joseph")))
    page = client.reset().login(michelle, DEMO_PASSWORD).get("/").data.decode()
    grants = page[page.index('id="grants"'):]
    assert "Active grants: spending and reports due (1)" in grants and "1 overdue." in grants
    assert "Morning Check-Ins for Sixth Graders Who Miss School" in grants
