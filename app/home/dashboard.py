"""The home page's questions: what needs this person now, per role.

Each ``*_sections`` function issues a fixed number of SQL statements whatever the number of
proposals (aggregates grouped by proposal and side; eager loading for what is shown), so the
home page stays fast with years of history.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, lazyload

from app.core import clock
from app.extensions import db
from app.home import reminders
from app.models import (
    AuditEvent,
    ConflictOfInterest,
    Cycle,
    Decision,
    Proposal,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    Side,
    Team,
    TeamMember,
    User,
)
from workflows.proposal import DECIDED, EDITABLE_BY_TEAM, SCREENING, SIDES

S = ProposalState


@dataclass
class Item:
    """One thing on the home page: a proposal (or assignment/decision about one) with its details."""

    proposal: Proposal
    details: list[str] = field(default_factory=list)
    due_on: date | None = None
    overdue: bool = False
    note: str = ""  # an extra sentence, e.g. "You declared a conflict..."

    @property
    def proposal_id(self) -> int:
        return self.proposal.id


@dataclass
class Section:
    key: str
    heading: str
    items: list[Item]
    empty: str  # what to say when there is nothing
    queue: str | None = None  # endpoint of the list/queue page for this section
    queue_label: str = ""
    intro: str = ""

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def overdue_count(self) -> int:
        return sum(1 for i in self.items if i.overdue)


@dataclass
class RoleBlock:
    role: str
    heading: str
    sections: list[Section]
    text: str = ""  # for roles with nothing to list

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)


def _proposal_options(path=None):
    """What every listed proposal shows: its cycle and team, joined in the same statement.

    The collections those rows eager-load by default (the rubric, team memberships) are not shown
    here, so they are left to load only if touched.
    """
    cycle = joinedload(path).joinedload(Proposal.cycle) if path is not None else joinedload(Proposal.cycle)
    team = joinedload(path).joinedload(Proposal.team) if path is not None else joinedload(Proposal.team)
    return (cycle.lazyload(Cycle.criteria), team.lazyload(Team.memberships))


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _due_text(due: date | None, today: date) -> tuple[str, bool]:
    if due is None:
        return "No due date set", False
    if due < today:
        return f"Overdue: was due {due:%b %-d, %Y} ({_days((today - due).days)} ago)", True
    if due == today:
        return f"Due today, {due:%b %-d, %Y}", False
    return f"Due {due:%b %-d, %Y} (in {_days((due - today).days)})", False


# -- educator --------------------------------------------------------------------------------
def _revision_requests(proposal_ids: list[int]) -> dict[int, str]:
    """What the team was asked to revise, for proposals now in revisions_requested: one statement.

    The latest move into revisions requested tells: a joint decision (its event names the decision)
    leaves its words as the proposal's feedback; otherwise the comment its actor typed (program staff's
    return at screening) says what to revise.
    """
    if not proposal_ids:
        return {}
    events = db.session.execute(
        select(AuditEvent.case_id, AuditEvent.comment, AuditEvent.data)
        .where(AuditEvent.case_type == "proposal", AuditEvent.case_id.in_(proposal_ids),
               AuditEvent.to_state == S.REVISIONS_REQUESTED.value, AuditEvent.from_state != AuditEvent.to_state)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    latest = {case_id: (comment, data or {}) for case_id, comment, data in events}
    return {case_id: f"Program staff asked: {comment}" for case_id, (comment, data) in latest.items()
            if comment and not data.get("decision_id")}


def educator_sections(user: User, today: date | None = None) -> list[Section]:
    """My teams' proposals, with cycle and team joined (team memberships: one batched statement)."""
    today = today or clock.today()
    my_teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    wanted = EDITABLE_BY_TEAM | SCREENING | DECIDED
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.team_id.in_(my_teams), Proposal.state.in_(wanted))
        .options(*_proposal_options())
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    ).unique().all()

    asked = _revision_requests([p.id for p in proposals if p.state is S.REVISIONS_REQUESTED])
    to_finish, waiting, decided = [], [], []
    for p in proposals:
        team = f"Team: {p.team.name}"
        if p.state is S.DRAFT:
            to_finish.append(Item(p, [team, "Draft: not yet submitted",
                                      f"The {p.cycle.name} cycle closes {p.cycle.closes_on:%b %-d, %Y}"],
                                  due_on=p.cycle.closes_on))
        elif p.state is S.REVISIONS_REQUESTED:
            deadline = p.cycle.revision_deadline
            late = deadline < today
            when = (f"Revision deadline was {deadline:%b %-d, %Y}" if late
                    else f"Revise and resubmit by {deadline:%b %-d, %Y}")
            to_finish.append(Item(p, [team, "Revisions requested", when], due_on=deadline, overdue=late,
                                  note=asked.get(p.id) or p.feedback or ""))
        elif p.state in SCREENING:
            since = f"Submitted {clock.local(p.submitted_at):%b %-d, %Y}" if p.submitted_at else "Submitted"
            waiting.append(Item(p, [team, p.state_label, since]))
        else:
            detail = [team, p.state_label]
            if p.state is S.APPROVED and p.award is not None:
                detail.append(f"Award ${p.award:,.2f}")
            if p.decided_at:
                detail.append(f"Decided {clock.local(p.decided_at):%b %-d, %Y}")
            decided.append(Item(p, detail, note=p.feedback or ""))

    # Deadlines first, soonest first.
    to_finish.sort(key=lambda i: (i.due_on or date.max, i.proposal.id))
    return [
        Section("to_finish", "Drafts to finish and revisions requested", to_finish,
                "Your teams have no drafts or revisions waiting.", "proposals.mine", "All my proposals"),
        _overdue_reports_section(user, today),
        Section("waiting", "Submitted and in review", waiting,
                "None of your teams' proposals is waiting for screening or review."),
        Section("decided", "Decisions received", decided, "No decisions yet on your teams' proposals."),
    ]


def _overdue_reports_section(user: User, today: date) -> Section:
    """My teams' active grants with a progress or final report past due: one statement.

    The same definition as the daily reminder emails (``app.home.reminders``).
    """
    items = []
    for due in reminders.proposal_items(today, member_id=user.id):
        if due.kind in (reminders.PROGRESS, reminders.FINAL):
            p = due.proposal
            items.append(Item(p, [f"Team: {p.team.name}", f"{due.what}: {due.due_text(today)}"],
                              due_on=due.due_on, overdue=True, note=due.next_step()))
    items.sort(key=lambda i: (i.due_on, i.proposal.id))
    return Section("reports_overdue", "Overdue grant reports", items, "None of your teams' grant reports is overdue.")


# -- reviewer --------------------------------------------------------------------------------
def reviewer_sections(user: User, today: date | None = None) -> list[Section]:
    """One statement: my unsubmitted assignments on proposals in review where I declared no conflict."""
    today = today or clock.today()
    conflicted = exists().where(
        ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id, ConflictOfInterest.user_id == user.id
    )
    rows = db.session.scalars(
        select(ReviewAssignment)
        .join(ReviewAssignment.proposal)
        .where(
            ReviewAssignment.reviewer_id == user.id,
            ReviewAssignment.status != ReviewStatus.SUBMITTED,
            Proposal.state == S.IN_REVIEW,
            ~conflicted,
        )
        .options(*_proposal_options(ReviewAssignment.proposal),
                 lazyload(ReviewAssignment.reviewer), lazyload(ReviewAssignment.scores))
        .order_by(ReviewAssignment.due_on.is_(None), ReviewAssignment.due_on, ReviewAssignment.id)
    ).unique().all()
    items = []
    for a in rows:
        due = a.due_on or a.proposal.cycle.review_due_on
        text, overdue = _due_text(due, today)
        items.append(Item(a.proposal, [f"Team: {a.proposal.team.name}", text, a.status.label],
                          due_on=due, overdue=overdue))
    items.sort(key=lambda i: (i.due_on or date.max, i.proposal.id))
    return [Section("reviews_due", "Reviews due", items, "You have no reviews to write.",
                    "review.queue", "My review queue")]


# -- co-chair --------------------------------------------------------------------------------
def _submitted_counts(proposal_ids: list[int]) -> dict[int, dict[str, int]]:
    """Submitted reviews per proposal and side, conflicted reviewers left out: one statement."""
    return _assignment_counts(proposal_ids, submitted_only=True)


def _assignment_counts(proposal_ids: list[int], submitted_only: bool = False) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    if not proposal_ids:
        return out
    conflicted = exists().where(
        ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
        ConflictOfInterest.user_id == ReviewAssignment.reviewer_id,
    )
    q = (
        select(ReviewAssignment.proposal_id, ReviewAssignment.side, func.count())
        .where(ReviewAssignment.proposal_id.in_(proposal_ids), ~conflicted)
        .group_by(ReviewAssignment.proposal_id, ReviewAssignment.side)
    )
    if submitted_only:
        q = q.where(ReviewAssignment.status == ReviewStatus.SUBMITTED)
    for pid, side, n in db.session.execute(q):
        out[pid][side.value] = n
    return out


def _side_counts_text(counts: dict[str, int], need: int, what: str) -> str:
    return "; ".join(f"{side} {counts.get(side, 0)} of {need} {what}" for side in SIDES)


def co_chair_sections(user: User, today: date | None = None) -> list[Section]:
    """Four statements: pending decisions, my conflicts, proposals in review, their review counts."""
    side = user.side.value if user.side else None
    pending = db.session.scalars(
        select(Decision)
        .join(Decision.proposal)
        .where(Decision.confirmed_at.is_(None), Decision.withdrawn_at.is_(None), Proposal.state == S.IN_REVIEW)
        .options(*_proposal_options(Decision.proposal),
                 joinedload(Decision.proposed_by).lazyload(User.roles), lazyload(Decision.confirmed_by))
        .order_by(Decision.proposed_at, Decision.id)
    ).unique().all()
    my_conflicts = set(db.session.scalars(
        select(ConflictOfInterest.proposal_id).where(ConflictOfInterest.user_id == user.id)
    ))

    to_confirm, mine_waiting = [], []
    pending_ids = set()
    for d in pending:
        pending_ids.add(d.proposal_id)
        p = d.proposal
        who = "you" if d.proposed_by_id == user.id else d.proposed_by.name
        details = [f"Team: {p.team.name}", f"Proposed outcome: {d.outcome.label}"]
        if d.award is not None:
            details.append(f"Award ${d.award:,.2f}")
        recorded = f"Recorded by {who} ({d.proposed_side.value}) on {clock.local(d.proposed_at):%b %-d, %Y}"
        details.append(recorded)
        if side is not None and d.proposed_side is not Side(side):
            note = ""
            if p.id in my_conflicts:
                note = ("You declared a conflict with this proposal, so another co-chair of the "
                        f"{side} side must confirm it.")
            to_confirm.append(Item(p, details, note=note))
        elif side is not None:
            other = next(s for s in SIDES if s != side)
            mine_waiting.append(Item(p, details, note=f"Waiting for a {other} co-chair to confirm."))

    in_review = db.session.scalars(
        select(Proposal).where(Proposal.state == S.IN_REVIEW).options(*_proposal_options())
        .order_by(Proposal.submitted_at, Proposal.id)
    ).unique().all()
    counts = _submitted_counts([p.id for p in in_review])
    ready = []
    for p in in_review:
        if p.id in pending_ids:
            continue
        need = p.cycle.reviews_per_side
        c = counts.get(p.id, {})
        if all(c.get(s, 0) >= need for s in SIDES):
            ready.append(Item(p, [f"Team: {p.team.name}", f"Cycle: {p.cycle.name}",
                                  "Reviews in: " + _side_counts_text(c, need, "submitted")]))
    return [
        Section("to_confirm", "Decisions waiting for your side's confirmation", to_confirm,
                "No decision recorded by the other side is waiting for you.", "committee.index",
                "Cohort selection"),
        Section("mine_waiting", "Decisions your side recorded, waiting for the other side", mine_waiting,
                "Your side has no decision waiting for the other side."),
        Section("ready", "In review with all reviews in, no decision yet", ready,
                "No proposal in review has all its reviews in and no decision.", "committee.index",
                "Cohort selection"),
    ]


# -- program staff ---------------------------------------------------------------------------
def staff_sections(user: User, today: date | None = None) -> list[Section]:
    """Two statements: proposals submitted/in review/approved, and their reviewer counts."""
    rows = db.session.scalars(
        select(Proposal)
        .where(Proposal.state.in_(SCREENING | {S.APPROVED}))
        .options(*_proposal_options())
        .order_by(Proposal.submitted_at, Proposal.id)
    ).unique().all()
    assigned = _assignment_counts([p.id for p in rows if p.state in SCREENING])
    screen, short, activate = [], [], []
    for p in rows:
        team = f"Team: {p.team.name}"
        need = p.cycle.reviews_per_side
        c = assigned.get(p.id, {})
        if p.state is S.SUBMITTED:
            since = f"Submitted {clock.local(p.submitted_at):%b %-d, %Y}" if p.submitted_at else "Submitted"
            screen.append(Item(p, [team, since, "Reviewers: " + _side_counts_text(c, need, "assigned")]))
        elif p.state is S.IN_REVIEW:
            if any(c.get(s, 0) < need for s in SIDES):
                short.append(Item(p, [team, "Reviewers: " + _side_counts_text(c, need, "assigned")],
                                  note="A reviewer declared a conflict or was unassigned; assign another."))
        else:
            detail = [team]
            if p.award is not None:
                detail.append(f"Award ${p.award:,.2f}")
            detail.append("Grant agreement accepted" if p.agreement_accepted_at
                          else "Grant agreement not yet accepted by the team")
            activate.append(Item(p, detail))
    return [
        _staff_overdue_section(today),
        Section("screen", "Submissions to screen", screen, "No submissions are waiting to be screened.",
                "staff.proposals", "All proposals"),
        Section("short", "In review and missing reviewers", short,
                "Every proposal in review has its reviewers."),
        Section("activate", "Approved grants waiting for activation", activate,
                "No approved grant is waiting for activation."),
    ]


def _staff_overdue_section(today: date | None = None) -> Section:
    """Every overdue review, revision and report (what the reminders email about): two statements."""
    today = today or clock.today()
    items = []
    for due in reminders.overdue_reviews(today):
        a = due.assignment
        items.append(Item(due.proposal, [f"Team: {due.proposal.team.name}",
                                         f"Review by {a.reviewer.name} ({a.side.value}): {due.due_text(today)}"],
                          due_on=due.due_on, overdue=True))
    for due in reminders.proposal_items(today, soon_days=0):
        if due.overdue(today):
            items.append(Item(due.proposal, [f"Team: {due.proposal.team.name}",
                                             f"{due.what}: {due.due_text(today)}"],
                              due_on=due.due_on, overdue=True))
    items.sort(key=lambda i: (i.due_on, i.proposal.id))
    return Section("overdue", "Overdue reviews, revisions and reports", items,
                   "Nothing is overdue: every review, revision and report is on time.",
                   intro="The people concerned get a reminder email once a day.")


# -- all of it -------------------------------------------------------------------------------
SCHOOL_LEADER_TEXT = (
    "As a school leader you endorse (or return) professional-learning requests from educators at your school."
)
ADMIN_TEXT = "As an administrator you manage people, their roles and sides, and the schools."


def home_for(user: User, today: date | None = None) -> list[RoleBlock]:
    """The blocks of the home page, in a fixed order, for each role the user holds."""
    today = today or clock.today()
    roles = user.role_names
    blocks: list[RoleBlock] = []
    if "educator" in roles:
        blocks.append(RoleBlock("educator", "As an educator", educator_sections(user, today)))
    if "reviewer" in roles:
        blocks.append(RoleBlock("reviewer", "As a reviewer", reviewer_sections(user, today)))
    if "co_chair" in roles:
        side = f" ({user.side.value} side)" if user.side else ""
        blocks.append(RoleBlock("co_chair", f"As a co-chair{side}", co_chair_sections(user, today)))
    if "staff" in roles:
        blocks.append(RoleBlock("staff", "As program staff", staff_sections(user, today)))
    if "school_leader" in roles:
        blocks.append(RoleBlock("school_leader", "As a school leader", [], text=SCHOOL_LEADER_TEXT))
    if "admin" in roles:
        blocks.append(RoleBlock("admin", "As an administrator", [], text=ADMIN_TEXT))
    return blocks


def learning_panels(user: User, today: date | None = None) -> dict:
    """The ASK and CONNECT panels under the role blocks: the open needs survey (surveys' panel), the
    person's PL requests or those waiting for them (PL requests' panel), and whether to show
    "Recommended for you" (educators; the top three, read by ``recommendations_for``). Each panel
    issues a fixed number of statements."""
    from app.needs import surveys
    from app.pl import requests as pl_requests

    today = today or clock.today()
    pl = pl_requests.home_panel(user, today)
    waiting = sum((pl or {}).get(k) or 0 for k in ("to_endorse", "to_decide", "to_confirm"))
    return {
        "survey": surveys.home_panel(user, today),
        "pl": pl,
        "recommended": user.has_role("educator"),
        "count": waiting,  # PL requests waiting for this person: part of "N items need your attention"
    }


__all__ = ["Item", "RoleBlock", "Section", "home_for", "learning_panels"]
