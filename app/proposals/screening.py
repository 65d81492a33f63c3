"""Screening submissions: the staff list of proposals, and assigning reviewers.

Assigning and unassigning are recorded acts on the case: each leaves an audit event
("assign_reviewer" / "unassign_reviewer") with the reviewer's name and side.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, exists, func, or_, select, union

from app.cases import advance, notify
from app.core import search
from app.core.errors import FormError
from app.core.paging import SelectPage
from app.extensions import db
from app.models import (
    ConflictOfInterest,
    Cycle,
    GrantType,
    Proposal,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    Role,
    School,
    Team,
    TeamMember,
    User,
    UserRole,
)
from workflows.proposal import SCREENING, SIDES, STATE_LABELS

S = ProposalState
PER_PAGE = 50
# Reviewers are assigned while a proposal waits for review, and may be replaced during it.


class ScreeningError(FormError):
    """Why reviewers cannot be assigned or unassigned: ``messages``, sentences for the page's summary."""

    def __init__(self, messages: list[str]):
        super().__init__(list(messages))

    def __str__(self) -> str:
        return "; ".join(self.messages)


# -- the staff list ----------------------------------------------------------------------------
@dataclass
class ProposalFilters:
    cycle_id: int | None = None  # None: every cycle
    state: str | None = None
    school_id: int | None = None
    grant_type: str | None = None
    q: str | None = None


@dataclass
class ReviewTally:
    assigned: dict[str, int] = field(default_factory=dict)
    submitted: dict[str, int] = field(default_factory=dict)

    def text(self, side: str, need: int) -> str:
        return f"{self.assigned.get(side, 0)} of {need} assigned, {self.submitted.get(side, 0)} submitted"


# The list's order, newest submission first and drafts last; the proposal indexes
# ``ix_proposal_*_submitted`` hold exactly this order, so a page is read off an index, never sorted.
STAFF_ORDER = (Proposal.submitted_at.is_(None), Proposal.submitted_at.desc(), Proposal.id.desc())


def proposals_query(filters: ProposalFilters):
    """The ids of every proposal matching the filters, in the list's order (``STAFF_ORDER``).

    Ids only: a page of them is read off an index, then ``staff_page`` loads those rows alone (sorting
    whole rows, every text column, is what made the last page slow). The search box's words go through
    the full-text indexes (app/core/search.py).
    """
    words = search.terms(filters.q)
    stmt = select(Proposal.id).order_by(*STAFF_ORDER)
    if filters.school_id or words:
        stmt = stmt.join(Proposal.team)
    if filters.cycle_id:
        stmt = stmt.where(Proposal.cycle_id == filters.cycle_id)
    if filters.state:
        stmt = stmt.where(Proposal.state == ProposalState(filters.state))
    if filters.grant_type:
        stmt = stmt.where(Proposal.grant_type == GrantType(filters.grant_type))
    if filters.school_id:
        member_at_school = exists().where(
            TeamMember.team_id == Team.id, TeamMember.user_id == User.id, User.school_id == filters.school_id
        )
        stmt = stmt.where(or_(Team.school_id == filters.school_id, member_at_school))
    dialect = db.session.get_bind().dialect.name
    for word in words:  # each word (a stemmed prefix) in the title or the team's name
        stmt = stmt.where(or_(search.matches(Proposal.id, search.PROPOSALS, [word], dialect),
                              search.matches(Team.id, search.TEAMS, [word], dialect)))
    return stmt


def _not_conflicted():
    return ~exists().where(
        ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
        ConflictOfInterest.user_id == ReviewAssignment.reviewer_id,
    )


def review_tallies(proposal_ids: list[int]) -> dict[int, ReviewTally]:
    """Reviewers assigned and reviews submitted per side, for many proposals in one statement.

    Reviewers who declared a conflict are left out, as the begin_review guard leaves them out.
    """
    tallies = {pid: ReviewTally() for pid in proposal_ids}
    if not proposal_ids:
        return tallies
    rows = db.session.execute(
        select(
            ReviewAssignment.proposal_id,
            ReviewAssignment.side,
            func.count(ReviewAssignment.id),
            func.sum(case((ReviewAssignment.status == ReviewStatus.SUBMITTED, 1), else_=0)),
        )
        .where(ReviewAssignment.proposal_id.in_(proposal_ids), _not_conflicted())
        .group_by(ReviewAssignment.proposal_id, ReviewAssignment.side)
    )
    for pid, side, assigned, submitted in rows:
        tallies[pid].assigned[side.value] = int(assigned)
        tallies[pid].submitted[side.value] = int(submitted or 0)
    return tallies


@dataclass(slots=True)
class ListedCycle:
    name: str
    reviews_per_side: int


@dataclass(slots=True)
class ListedTeam:
    name: str
    school_names: str = ""  # the team's school and its members' schools, by name (``Team.school_names``)


@dataclass(slots=True)
class ListedProposal:
    """A row of the staff list: the columns it shows, read as plain values (no ORM objects: the
    fifty rows' proposals, teams, members and schools as entities cost more than the rest of the page)."""
    id: int
    title: str | None
    state: ProposalState
    amount_requested: object
    submitted_at: object
    cycle: ListedCycle
    team: ListedTeam

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def display_title(self) -> str:  # as ``Proposal.display_title``
        return self.title or f"Untitled draft #{self.id}"


def _team_school_names(team_ids: list[int]) -> dict[int, str]:
    """Each team's schools (its own and its members'), as ``Team.school_names`` writes them: one statement."""
    rows = db.session.execute(
        union(
            select(Team.id, School.id, School.name).join(School, School.id == Team.school_id)
            .where(Team.id.in_(team_ids)),
            select(TeamMember.team_id, School.id, School.name).join(User, User.id == TeamMember.user_id)
            .join(School, School.id == User.school_id).where(TeamMember.team_id.in_(team_ids)),
        )
    ).all()
    schools: dict[int, dict[int, str]] = {}
    for team_id, school_id, name in rows:
        schools.setdefault(team_id, {})[school_id] = name
    return {team_id: ", ".join(sorted(names.values())) for team_id, names in schools.items()}


def staff_page(filters: ProposalFilters, page: int = 1):
    """One page of the staff list (a page past the end shows the last one) and its review tallies.

    The rows (``ListedProposal``) are the columns the list shows with their team's and cycle's names,
    then the teams' schools and the review tallies: a fixed number of statements whatever the page holds.
    """
    pagination = SelectPage(proposals_query(filters), STAFF_ORDER, page, PER_PAGE)
    ids = list(pagination.items)
    rows = db.session.execute(
        select(Proposal.id, Proposal.title, Proposal.state, Proposal.amount_requested, Proposal.submitted_at,
               Proposal.team_id, Team.name, Proposal.cycle_id, Cycle.name, Cycle.reviews_per_side)
        .join(Team, Team.id == Proposal.team_id).join(Cycle, Cycle.id == Proposal.cycle_id)
        .where(Proposal.id.in_(ids))
    ).all() if ids else []
    schools = _team_school_names(sorted({r[5] for r in rows})) if rows else {}
    cycles: dict[int, ListedCycle] = {}
    loaded = {}
    for pid, title, state, amount, submitted_at, team_id, team_name, cycle_id, cycle_name, per_side in rows:
        cycle = cycles.get(cycle_id) or cycles.setdefault(cycle_id, ListedCycle(cycle_name, per_side))
        loaded[pid] = ListedProposal(pid, title, state, amount, submitted_at, cycle,
                                     ListedTeam(team_name, schools.get(team_id, "")))
    pagination.items = [loaded[pid] for pid in ids if pid in loaded]
    tallies = review_tallies([p.id for p in pagination.items])
    return pagination, tallies


# -- candidates and assignment -------------------------------------------------------------------
@dataclass
class Candidate:
    user: User
    side: str
    assigned_in_cycle: int
    conflict: ConflictOfInterest | None
    assignment: ReviewAssignment | None
    on_team: bool

    @property
    def can_assign(self) -> bool:
        return self.assignment is None and self.conflict is None and not self.on_team

    @property
    def why_not(self) -> str | None:
        if self.assignment is not None:
            return "Already assigned"
        if self.conflict is not None:
            return "Declared a conflict"
        if self.on_team:
            return "On the proposing team"
        return None


def reviewers_query():
    """Active users with the reviewer role and a side (co-chairs who review included)."""
    return (
        select(User)
        .where(
            User.active.is_(True),
            User.side.is_not(None),
            exists().where(UserRole.user_id == User.id, UserRole.role == Role.REVIEWER),
        )
        .order_by(func.lower(User.name), User.id)
    )


def cycle_load(cycle: Cycle) -> dict[int, int]:
    """How many proposals of this cycle each reviewer is assigned to."""
    return dict(db.session.execute(
        select(ReviewAssignment.reviewer_id, func.count(ReviewAssignment.id))
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .where(Proposal.cycle_id == cycle.id)
        .group_by(ReviewAssignment.reviewer_id)
    ).all())


def candidates(proposal: Proposal) -> dict[str, list[Candidate]]:
    """The reviewers who could review this proposal, grouped by side (BTU, then BPS)."""
    load = cycle_load(proposal.cycle)
    conflicts = {c.user_id: c for c in proposal.conflicts}
    assigned = {a.reviewer_id: a for a in proposal.assignments}
    team = proposal.team.member_ids
    grouped: dict[str, list[Candidate]] = {side: [] for side in SIDES}
    for user in db.session.scalars(reviewers_query()):
        grouped.setdefault(user.side.value, []).append(Candidate(
            user=user, side=user.side.value, assigned_in_cycle=load.get(user.id, 0),
            conflict=conflicts.get(user.id), assignment=assigned.get(user.id), on_team=user.id in team,
        ))
    return grouped


def progress(proposal: Proposal) -> list[tuple[str, int, int]]:
    """(side, reviewers assigned without a conflict, reviewers needed) for each side."""
    counts = proposal.assigned_reviewer_counts()
    need = proposal.cycle.reviews_per_side
    return [(side, counts.get(side, 0), need) for side in SIDES]


def progress_text(proposal: Proposal) -> str:
    """"BTU: 1 of 2 assigned, BPS: 2 of 2 assigned"."""
    return ", ".join(f"{side}: {have} of {need} assigned" for side, have, need in progress(proposal))


def can_screen(proposal: Proposal) -> bool:
    return proposal.state in SCREENING


def _refuse_unless_screenable(proposal: Proposal) -> None:
    if not can_screen(proposal):
        raise ScreeningError([
            f"Reviewers are assigned while a proposal is submitted or in review; this one is "
            f"{proposal.state_label.lower()}."
        ])


def assign(proposal: Proposal, reviewer_ids, actor: User) -> list[ReviewAssignment]:
    """Assign the chosen reviewers. Nothing is assigned if any of them may not be."""
    _refuse_unless_screenable(proposal)
    proposal = advance.lock(proposal)
    ids = list(dict.fromkeys(int(i) for i in reviewer_ids))
    if not ids:
        raise ScreeningError(["Choose at least one reviewer to assign."])
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    eligible = set(db.session.scalars(reviewers_query().with_only_columns(User.id).where(User.id.in_(ids))))
    conflicts = {c.user_id: c for c in proposal.conflicts}
    already = {a.reviewer_id for a in proposal.assignments}
    team = proposal.team.member_ids
    problems = []
    for uid in ids:
        user = users.get(uid)
        if user is None or uid not in eligible:
            name = user.name if user is not None else "That person"
            problems.append(f"{name} is not an active reviewer with a side, so they cannot be assigned.")
        elif uid in conflicts:
            problems.append(f"{user.name} declared a conflict of interest with this proposal, "
                            "so they cannot review it.")
        elif uid in team:
            problems.append(f"{user.name} is on the proposing team, so they cannot review this proposal.")
    if problems:
        raise ScreeningError(problems)
    made = []
    for uid in ids:
        if uid in already:
            continue  # assigning twice (a double click) changes nothing
        user = users[uid]
        a = ReviewAssignment(reviewer=user, side=user.side, status=ReviewStatus.ASSIGNED,
                             assigned_by_id=actor.id, due_on=proposal.cycle.review_due_on)
        proposal.assignments.append(a)
        advance.record_event(proposal, "assign_reviewer", actor,
                              comment=f"Assigned {user.name} ({user.side.value}) to review.",
                              data={"reviewer": user.name, "reviewer_id": user.id, "side": user.side.value})
        made.append(a)
    db.session.flush()
    for a in made:
        notify.reviewer_assigned(a, actor)  # in review: told now; still screened: told once, by begin_review
    return made


def unassign(proposal: Proposal, assignment: ReviewAssignment, actor: User) -> None:
    """Take a reviewer off the proposal; refused once their review is submitted."""
    proposal = advance.lock(proposal)
    name, side = assignment.reviewer.name, assignment.side.value
    if assignment.is_submitted:
        raise ScreeningError([f"{name} already submitted a review of this proposal, so they cannot be "
                              "unassigned."])
    if proposal.state not in SCREENING:
        raise ScreeningError([
            f"Reviewers can be unassigned while a proposal is submitted or in review; this one is "
            f"{proposal.state_label.lower()}."
        ])
    # The collection is delete-orphan: removing the assignment deletes it at flush (deleting it
    # as well would ask the session to delete the row twice).
    proposal.assignments.remove(assignment)
    advance.record_event(proposal, "unassign_reviewer", actor, comment=f"Unassigned {name} ({side}).",
                          data={"reviewer": name, "reviewer_id": assignment.reviewer_id, "side": side})
    db.session.flush()


# -- the staff panel on the case page ------------------------------------------------------------
@dataclass
class StaffPanel:
    proposal: Proposal
    begin_review_refusals: list[str]
    progress: str
    assignments: list[ReviewAssignment]
    conflicted_ids: set[int]


def panel(proposal: Proposal, user: User) -> StaffPanel:
    """What the staff panel shows: the reasons begin_review would be refused now, the progress, the list."""
    begin = advance.refusals(proposal, "begin_review", user) if proposal.state is S.SUBMITTED else []
    return StaffPanel(proposal=proposal, begin_review_refusals=begin,
                      progress=progress_text(proposal), assignments=list(proposal.assignments),
                      conflicted_ids=proposal.conflicted_user_ids())


__all__ = [
    "Candidate", "PER_PAGE", "ProposalFilters", "ReviewTally", "ScreeningError", "StaffPanel", "assign",
    "candidates", "can_screen", "cycle_load", "panel", "progress", "progress_text", "proposals_query",
    "review_tallies", "reviewers_query", "staff_page", "unassign",
]
