"""Cohort selection: the cycle's proposals in review, ranked, beside a balance panel.

Scores: one review's weighted score is sum(score * weight) / sum(weight); a proposal's score is
the mean over the submitted reviews of reviewers without a declared conflict, per side and
overall (the overall mean is over all those reviews, not the mean of the two side means).

A viewer who declared a conflict with a proposal sees it listed without scores or rank, and it
takes no place in the ranking shown to them.

Everything is read in a fixed number of SELECTs (plain columns and SQL aggregates), whatever the
number of proposals. Every proposal in review is ranked (ids, titles and scores only: ranks by sorting and
bisecting, O(n log n)); the page shows ``PER_PAGE`` rows at a time, and only the rows on the page and the
tentatively selected ones (the balance panel counts them all) load their team, schools and members.

``ranking`` is that computation alone (scores, ranks, the viewer's recusals): the cohort page and the
committee's docket (app/review/docket.py) both read it, so their order and ranks never differ.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from app.cases.advance import record_event
from app.core import changes
from app.core.paging import ListPage
from app.extensions import db
from app.models import (
    ConflictOfInterest,
    CriterionScore,
    Cycle,
    GrantType,
    Proposal,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    RubricCriterion,
    School,
    SchoolLevel,
    Team,
    TeamMember,
    TeamScope,
    User,
)
from app.models.types import to_money
from app.review.reviews import ReviewError, mean, round2, weighted

S = ProposalState
SIDES = ("BTU", "BPS")
PER_PAGE = 50
# Who sees the cohort page and prints the committee's docket (app/review/docket.py).
COMMITTEE_ROLES = ("co_chair", "staff")


@dataclass
class CohortRow:
    proposal_id: int
    title: str
    selected: bool
    recused: bool
    team_name: str = ""
    grant_type: GrantType | None = None
    scope: TeamScope = TeamScope.SCHOOL
    amount_requested: Decimal | None = None
    schools: list[str] = field(default_factory=list)
    levels: list[SchoolLevel] = field(default_factory=list)
    job_titles: dict[int, str] = field(default_factory=dict)  # member id -> job title
    side_means: dict[str, Decimal | None] = field(default_factory=dict)
    side_counts: dict[str, int] = field(default_factory=dict)
    overall: Decimal | None = None
    _exact: Decimal | None = None
    rank: int | None = None
    required: int = 0  # reviews each side must submit before the committee can approve (the cycle's)

    @property
    def reviews_in(self) -> list[tuple[str, int, int]]:
        """(side, reviews submitted, reviews required) per side, as the approval's guard counts them."""
        return [(side, self.side_counts.get(side, 0), self.required) for side in SIDES]

    @property
    def reviews_incomplete(self) -> bool:
        return any(have < need for _, have, need in self.reviews_in)

    @property
    def level_labels(self) -> str:
        return ", ".join(level.label for level in self.levels) or "—"

    @property
    def grant_type_label(self) -> str:
        return self.grant_type.label if self.grant_type else "—"


@dataclass
class Balance:
    """How the tentatively selected set spreads, and how much of the pool it uses."""

    count: int
    by_school: list[tuple[str, int]]
    by_level: list[tuple[str, int]]
    by_grant_type: list[tuple[str, int]]
    by_role: list[tuple[str, int]]
    by_scope: list[tuple[str, int]]
    selected_total: Decimal
    pool: Decimal
    awarded: Decimal
    left_before: Decimal
    left_after: Decimal

    @property
    def over(self) -> bool:
        return self.left_after < 0

    @property
    def over_by(self) -> Decimal:
        return -self.left_after if self.over else Decimal("0.00")


@dataclass
class Cohort:
    cycle: Cycle
    ranked: list[CohortRow]  # scored or not, in rank order; without the viewer's recusals
    recused: list[CohortRow]
    balance: Balance
    page: ListPage  # the rows shown: ``rows`` paged; each with its team, schools and members

    @property
    def rows(self) -> list[CohortRow]:
        return self.ranked + self.recused


def _counted(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def ranks(scores: list[Decimal | None]) -> list[int | None]:
    """Each score's rank: 1 + how many scores are strictly higher (ties share a rank); None stays None."""
    ascending = sorted(s for s in scores if s is not None)
    return [None if s is None else 1 + len(ascending) - bisect_right(ascending, s) for s in scores]


# The aliases the cohort's statements join, made once (an ORM alias costs about a millisecond to make).
_MINE = aliased(ConflictOfInterest, name="mine")
_TEAM_SCHOOL = aliased(School, name="team_school")


@dataclass
class Ranking:
    """Every proposal of a cycle in review, scored and ranked as ``viewer`` may see it: the one computation
    the cohort page and the committee's docket (app/review/docket.py) both read."""

    rows: dict[int, CohortRow]  # proposal id -> row
    ranked: list[CohortRow]  # scored or not, in rank order; without the viewer's recusals
    recused: list[CohortRow]  # the viewer's recusals, by title
    review_scores: dict[int, Decimal]  # assignment id -> its weighted score (unrounded), conflicts left out


def in_review(cycle: Cycle):
    """The SQL condition for the cycle's proposals in review."""
    return and_(Proposal.cycle_id == cycle.id, Proposal.state == S.IN_REVIEW)


@dataclass(frozen=True, slots=True)
class _Scored:
    """One proposal of the ranking as every viewer's starts: kept per process until the cycle's reviews,
    conflicts, proposals in review or selections change (``changes.REVIEW``)."""
    proposal_id: int
    title: str
    selected: bool
    side_means: dict[str, Decimal | None]
    side_counts: dict[str, int]
    exact: Decimal | None
    overall: Decimal | None


@dataclass(frozen=True, slots=True)
class _Base:
    scored: dict[int, _Scored]  # proposal id -> its scores
    order: list[int]  # every proposal in rank order (scored first, by score, then title and id)
    review_scores: dict[int, Decimal]


def _scores_statement(cycle: Cycle, viewer: User):
    """Every proposal of the cycle in review with the viewer's conflict, and one weighted score per submitted
    review of a reviewer without a conflict (SQL sums), beside it: one statement."""
    in_cycle = in_review(cycle)
    conflicted = exists().where(
        ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
        ConflictOfInterest.user_id == ReviewAssignment.reviewer_id,
    )
    reviews = (
        select(
            ReviewAssignment.id.label("aid"), ReviewAssignment.proposal_id.label("pid"),
            ReviewAssignment.side.label("side"),
            func.sum(CriterionScore.score * RubricCriterion.weight).label("num"),
            func.sum(RubricCriterion.weight).label("den"),
        )
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .join(CriterionScore, CriterionScore.assignment_id == ReviewAssignment.id)
        .join(RubricCriterion, RubricCriterion.id == CriterionScore.criterion_id)
        .where(in_cycle, ReviewAssignment.status == ReviewStatus.SUBMITTED, CriterionScore.score.is_not(None),
               ~conflicted)
        .group_by(ReviewAssignment.id, ReviewAssignment.proposal_id, ReviewAssignment.side)
        .subquery()
    )
    mine = _MINE
    return (select(Proposal.id, Proposal.title, Proposal.tentatively_selected, mine.id,
                   reviews.c.aid, reviews.c.side, reviews.c.num, reviews.c.den)
            .outerjoin(mine, and_(mine.proposal_id == Proposal.id, mine.user_id == viewer.id))
            .outerjoin(reviews, reviews.c.pid == Proposal.id)
            .where(in_cycle)
            .order_by(Proposal.id, reviews.c.aid))


def _scored(cycle: Cycle, viewer: User) -> tuple[_Base, set[int]]:
    """The ranking's viewer-independent part, and the proposals ``viewer`` declared a conflict with."""
    titles: dict[int, tuple[str, bool]] = {}
    recused: set[int] = set()
    per_side: dict[int, dict[str, list[Decimal]]] = {}
    review_scores: dict[int, Decimal] = {}
    for pid, title, selected, conflict_id, aid, side, num, den in db.session.execute(_scores_statement(cycle, viewer)):
        if pid not in titles:
            titles[pid] = (title or f"Untitled draft #{pid}", bool(selected))
            per_side[pid] = {s: [] for s in SIDES}
        if conflict_id is not None:
            recused.add(pid)
        score = weighted(num, den) if aid is not None else None
        if score is not None:
            per_side[pid].setdefault(side.value, []).append(score)
            review_scores[aid] = score
    scored = {}
    for pid, (title, selected) in titles.items():
        sides = per_side[pid]
        exact = mean([v for vals in sides.values() for v in vals])
        scored[pid] = _Scored(pid, title, selected, {s: round2(mean(v)) for s, v in sides.items()},
                              {s: len(v) for s, v in sides.items()}, exact, round2(exact))
    order = sorted(scored.values(), key=lambda r: (r.exact is None, -(r.exact or 0), r.title.lower(), r.proposal_id))
    return _Base(scored, [r.proposal_id for r in order], review_scores), recused


def _recusals(cycle: Cycle, viewer: User) -> set[int]:
    """The proposals of the cycle in review ``viewer`` declared a conflict with: one statement."""
    return set(db.session.scalars(
        select(ConflictOfInterest.proposal_id).join(Proposal, Proposal.id == ConflictOfInterest.proposal_id)
        .where(ConflictOfInterest.user_id == viewer.id, in_review(cycle))))


def ranking(cycle: Cycle, viewer: User) -> Ranking:
    """Two statements: the version of what the ranking reads (``changes.REVIEW``), then, when it changed since
    this process last ranked the cycle, the proposals and their reviews' scores (with the viewer's
    conflicts), or else the viewer's conflicts alone. Scores and the order are every viewer's; what the
    viewer declared a conflict with is taken out, and the ranks counted, per viewer."""
    found: dict[str, set[int]] = {}

    def compute() -> _Base:
        base, found["recused"] = _scored(cycle, viewer)
        return base

    base = changes.cached(changes.REVIEW, ("ranking", cycle.id), compute)
    recused_ids = found["recused"] if "recused" in found else _recusals(cycle, viewer)
    rows: dict[int, CohortRow] = {}
    required = cycle.reviews_per_side
    for pid, s in base.scored.items():
        row = rows[pid] = CohortRow(pid, s.title, s.selected, pid in recused_ids)
        if not row.recused:  # never computed for someone who declared a conflict
            # every viewer's rows share the kept dicts: read, never changed
            row.side_means, row.side_counts, row._exact, row.overall = s.side_means, s.side_counts, s.exact, s.overall
            row.required = required
    visible = [rows[pid] for pid in base.order if pid not in recused_ids]
    recused = sorted((r for r in rows.values() if r.recused), key=lambda r: (r.title, r.proposal_id))
    for r, rank in zip(visible, ranks([r._exact for r in visible]), strict=True):
        r.rank = rank
    return Ranking(rows, visible, recused, base.review_scores)  # kept for every viewer: read, never changed


def cohort(cycle: Cycle, viewer: User, page: int = 1, per_page: int | None = None, all_rows: bool = False) -> Cohort:
    """The ranking and the balance; ``page`` of ``per_page`` rows loads its details, or with ``all_rows``
    every row does (the spreadsheet)."""
    ranked = ranking(cycle, viewer)
    rows = ranked.rows
    shown = ListPage(ranked.ranked + ranked.recused, page, max(len(rows), 1) if all_rows else per_page or PER_PAGE)
    selected = [r for r in rows.values() if r.selected]
    load_details(cycle, rows, None if all_rows else [r.proposal_id for r in shown.items], with_selected=True)
    return Cohort(cycle, ranked.ranked, ranked.recused, balance(cycle, selected), shown)


def load_details(cycle: Cycle, rows: dict[int, CohortRow], ids: list[int] | None,
                 with_selected: bool = False) -> None:
    """Team, schools, levels and members' job titles of the rows ``ids`` (None: every row) and, with
    ``with_selected``, of the tentatively selected ones."""
    wanted = in_review(cycle)
    if ids is not None:
        chosen = Proposal.id.in_(ids)
        wanted = and_(wanted, or_(chosen, Proposal.tentatively_selected.is_(True)) if with_selected else chosen)
    team_school = _TEAM_SCHOOL
    school_names: dict[int, dict[int, tuple[str, SchoolLevel]]] = {}
    for pid, grant_type, amount, team_name, scope, ts_id, ts_name, ts_level in db.session.execute(
        select(Proposal.id, Proposal.grant_type, Proposal.amount_requested, Team.name, Team.scope,
               team_school.id, team_school.name, team_school.level)
        .join(Team, Team.id == Proposal.team_id)
        .outerjoin(team_school, team_school.id == Team.school_id)
        .where(wanted)
    ):
        row = rows[pid]
        row.grant_type, row.amount_requested, row.team_name, row.scope = grant_type, amount, team_name, scope
        school_names[pid] = {ts_id: (ts_name, ts_level)} if ts_id is not None else {}

    for pid, uid, job_title, sid, sname, slevel in db.session.execute(
        select(Proposal.id, User.id, User.job_title, School.id, School.name, School.level)
        .join(TeamMember, TeamMember.team_id == Proposal.team_id)
        .join(User, User.id == TeamMember.user_id)
        .outerjoin(School, School.id == User.school_id)
        .where(wanted)
    ):
        rows[pid].job_titles[uid] = job_title or "Other"
        if sid is not None:
            school_names[pid].setdefault(sid, (sname, slevel))
    for pid, schools in school_names.items():
        ordered = sorted(schools.values(), key=lambda s: s[0])
        rows[pid].schools = [name for name, _ in ordered]
        rows[pid].levels = list(dict.fromkeys(level for _, level in ordered))


def balance(cycle: Cycle, selected: list[CohortRow]) -> Balance:
    by_school: Counter = Counter()
    by_level: Counter = Counter()
    by_type: Counter = Counter()
    by_scope: Counter = Counter()
    roles: dict[int, str] = {}
    for r in selected:
        by_school.update(r.schools or ["No school recorded"])
        by_level.update([lvl.label for lvl in r.levels] or ["No school recorded"])
        by_type[r.grant_type_label] += 1
        by_scope[r.scope.label] += 1
        roles.update(r.job_titles)
    awarded = cycle.awarded_total()
    selected_total = to_money(sum((r.amount_requested or Decimal(0) for r in selected), Decimal(0)))
    left_before = to_money(cycle.pool - awarded)
    return Balance(
        count=len(selected),
        by_school=_counted(by_school),
        by_level=_counted(by_level),
        by_grant_type=_counted(by_type),
        by_role=_counted(Counter(roles.values())),
        by_scope=_counted(by_scope),
        selected_total=selected_total,
        pool=to_money(cycle.pool),
        awarded=awarded,
        left_before=left_before,
        left_after=to_money(left_before - selected_total),
    )


def cycles_with_counts() -> list[tuple[Cycle, int]]:
    """Every cycle, newest first, with how many of its proposals are in review."""
    in_review = func.count(case((Proposal.state == S.IN_REVIEW, Proposal.id)))
    return [
        (c, n)
        for c, n in db.session.execute(
            select(Cycle, in_review)
            .outerjoin(Proposal, Proposal.cycle_id == Cycle.id)
            .group_by(Cycle.id)
            .order_by(Cycle.opens_on.desc(), Cycle.id.desc())
        )
    ]


def toggle_selection(proposal: Proposal, actor: User) -> bool:
    """Mark or unmark a proposal in review as tentatively selected. Returns the new mark."""
    if not actor.has_role("co_chair"):
        raise ReviewError("Only the committee's co-chairs mark the tentative selection.")
    if actor.id in proposal.conflicted_user_ids():
        raise ReviewError("You declared a conflict of interest with this proposal, so you cannot select it.")
    if proposal.state is not S.IN_REVIEW:
        raise ReviewError(f"Only proposals in review can be selected; this one is {proposal.state_label.lower()}.")
    proposal.tentatively_selected = not proposal.tentatively_selected
    record_event(
        proposal, "tentative_selection", actor,
        comment="Marked as tentatively selected" if proposal.tentatively_selected
        else "Removed from the tentative selection",
        data={"selected": proposal.tentatively_selected},
    )
    db.session.flush()
    return proposal.tentatively_selected
