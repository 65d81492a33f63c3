"""The home page's questions: what needs this person now, per role.

Each section lists what its reader can act on, never a whole history: a count of everything that
is waiting (one SQL aggregate), the first ``HOME_LIMIT`` items in the order they should be handled,
and a link to the full paged list (``home.section``). Every section issues a fixed number of
statements whatever the number of proposals, and each statement joins the way its plan wants: the
proposal a review assignment or decision is about is joined INNER (its foreign key is NOT NULL) and
loaded from that join, so no database materialises a nested outer join over years of proposals.
"""
from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Date, Integer, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.cases import todo
from app.core import clock
from app.extensions import db
from app.home import reminders
from app.models import (
    AuditEvent,
    BudgetReallocation,
    ConflictOfInterest,
    Cycle,
    Decision,
    Expenditure,
    FlagStatus,
    LearningSummary,
    PLDecision,
    PLRequest,
    PLRequestState,
    PrivacyFlag,
    ProgressReport,
    Proposal,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    Side,
    Team,
    TeamMember,
    User,
)
from app.pl import requests as pl_requests
from workflows.expenditure import AWAITING_STAFF, PaymentState, ReallocationState
from workflows.pl_request import PL_REQUEST
from workflows.proposal import (
    DECIDED,
    EDITABLE_BY_TEAM,
    SCREENING,
    SIDES,
    SUMMARY_EDITABLE,
    WITH_TEAM_DEADLINES,
)
from workflows.proposal import STATE_LABELS as PROPOSAL_STATE_LABELS
from workflows.proposal import money as pl_cost_money

S = ProposalState

HOME_LIMIT = 10  # items a home section shows; the rest are one "See all" link away
PER_PAGE = 50  # items per page of a section's full list


@dataclass
class Item:
    """One thing on the home page: a case (a proposal, or an assignment or decision about one; a PL
    request) with its details."""

    proposal: Proposal | PLRequest
    details: list[str] = field(default_factory=list)
    due_on: date | None = None
    overdue: bool = False
    note: str = ""  # an extra sentence, e.g. "You declared a conflict..."

    @property
    def proposal_id(self) -> int:
        return self.proposal.id

    @property
    def is_pl(self) -> bool:
        return isinstance(self.proposal, PLRequest)


@dataclass
class Section:
    key: str
    heading: str
    items: list[Item]
    empty: str  # what to say when there is nothing
    queue: str | None = None  # endpoint of the list/queue page for this section
    queue_label: str = ""
    intro: str = ""
    total: int | None = None  # how many are waiting in all (``items`` holds the first few)
    overdue_total: int | None = None
    # The keys of the tasks (``app.cases.todo``) that wait on the reader on each listed case; a section
    # with none lists cases for information (waiting on others) and is not counted as needing them.
    tasks: tuple[str, ...] = ()

    @property
    def counted(self) -> bool:
        return bool(self.tasks)

    @property
    def count(self) -> int:
        return len(self.items) if self.total is None else self.total

    @property
    def overdue_count(self) -> int:
        return sum(1 for i in self.items if i.overdue) if self.overdue_total is None else self.overdue_total

    @property
    def more(self) -> bool:
        """Whether some of what is waiting is not listed here (the "See all" link says how many)."""
        return self.count > len(self.items)


@dataclass
class RoleBlock:
    role: str
    heading: str
    sections: list[Section]
    text: str = ""  # for roles with nothing to list

    @property
    def count(self) -> int:
        """What waits on the reader in this block (the sections listed for information left out)."""
        return sum(s.count for s in self.sections if s.counted)


@dataclass
class Pager:
    """One page of a section's full list, shaped like Flask-SQLAlchemy's Pagination for the macro."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2) -> Iterator[int | None]:
        last = 0
        for n in range(1, self.pages + 1):
            if (n <= left_edge or self.page - left_current <= n <= self.page + right_current
                    or n > self.pages - right_edge):
                if last + 1 != n:
                    yield None
                yield n
                last = n


@dataclass(slots=True)
class ListedCycle:
    """What a home item shows of a proposal's cycle (plain values, one object per cycle and request)."""
    name: str
    closes_on: date | None
    revision_deadline: date | None
    review_due_on: date | None
    reviews_per_side: int


@dataclass(slots=True)
class ListedTeam:
    name: str


@dataclass(slots=True)
class ListedProposal:
    """A proposal as a home item shows it: the columns read as plain values, its cycle's and team's with
    them, in the statement that pages the section (no ORM entities: loading a window of proposals with
    their cycle and team as objects cost about half of a co-chair's home)."""
    id: int
    title: str | None
    state: ProposalState
    submitted_at: object
    updated_at: object
    decided_at: object
    award: Decimal | None
    feedback: str | None
    agreement_accepted_at: object
    progress_report_due: date | None
    final_report_due: date | None
    cycle: ListedCycle
    team: ListedTeam

    @property
    def state_label(self) -> str:  # as ``Proposal.state_label``
        return PROPOSAL_STATE_LABELS[self.state]

    @property
    def display_title(self) -> str:  # as ``Proposal.display_title``
        return self.title or f"Untitled draft #{self.id}"


_TEAM = Team.__table__.alias("home_team")  # joined by its own name: some sections' queries join ``team`` too
_ROW_COLUMNS = (Proposal.id, Proposal.title, Proposal.state, Proposal.submitted_at, Proposal.updated_at,
                Proposal.decided_at, Proposal.award, Proposal.feedback, Proposal.agreement_accepted_at,
                Proposal.progress_report_due, Proposal.final_report_due, Proposal.cycle_id, Cycle.name,
                Cycle.closes_on, Cycle.revision_deadline, Cycle.review_due_on, Cycle.reviews_per_side, _TEAM.c.name)
_EXTRA = len(_ROW_COLUMNS)


# What a section's statements take from the request, as bound parameters: the statements are built once per
# process (``_rows``), so that a request neither builds them (about 0.5 ms each) nor works out their cache keys.
USER_ID = bindparam("user_id", type_=Integer)
TODAY = bindparam("today", type_=Date)
_OFFSET = bindparam("offset", type_=Integer)
_LIMIT = bindparam("limit", type_=Integer)
_BUILT: dict[tuple, tuple] = {}


def _rows(key: tuple, build: Callable[[], tuple], params: dict, offset: int, limit: int,
          ) -> tuple[int, int | None, list]:
    """How many rows a section's query selects (and how many of them are overdue), in one aggregate, and
    the rows from ``offset`` to ``offset + limit`` in its order: two statements, built once per process
    and ``key`` by ``build()``, which returns ``(base, order, extra, overdue)``: ``base`` selects proposals
    and joins each one's cycle, with ``USER_ID`` and ``TODAY`` where it needs the request's (``params``
    gives them); ``extra``, columns of the query's other tables; ``overdue``, a condition or None.

    The page's proposals come as ``ListedProposal`` (their team joined by the page's statement), each with
    the values of ``extra``: a list of ``(proposal, extras)``."""
    built = _BUILT.get(key)
    if built is None:
        base, order, extra, overdue = build()
        cols = [func.count()]
        if overdue is not None:
            cols.append(func.coalesce(func.sum(case((overdue, 1), else_=0)), 0))
        count = base.with_only_columns(*cols, maintain_column_froms=True).order_by(None)
        page = (base.join(_TEAM, _TEAM.c.id == Proposal.team_id)
                .with_only_columns(*_ROW_COLUMNS, *extra, maintain_column_froms=True)
                .order_by(*order).offset(_OFFSET).limit(_LIMIT))
        built = _BUILT[key] = (count, page, overdue is not None)
    count, page, overdue = built
    counted = db.session.execute(count, params).one()
    total, late = counted[0], (counted[1] if overdue else None)
    return total, late, _listed(db.session.execute(page, {**params, "offset": offset, "limit": limit}))


def _listed(result) -> list[tuple[ListedProposal, tuple]]:
    """Rows of ``_ROW_COLUMNS`` and extra columns as ``(ListedProposal, extras)`` (one cycle object per cycle)."""
    cycles: dict[int, ListedCycle] = {}
    out = []
    for r in result:
        cycle = cycles.get(r[11])
        if cycle is None:
            cycle = cycles[r[11]] = ListedCycle(r[12], r[13], r[14], r[15], r[16])
        out.append((ListedProposal(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], cycle,
                                   ListedTeam(r[17])), tuple(r[_EXTRA:])))
    return out


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
# The statements about a page's listed cases take their ids as one expanding parameter: built once per process.
_IDS = bindparam("ids", expanding=True)
_REVISION_EVENTS = (select(AuditEvent.case_id, AuditEvent.comment, AuditEvent.data)
                    .where(AuditEvent.case_type == "proposal", AuditEvent.case_id.in_(_IDS),
                           AuditEvent.to_state == S.REVISIONS_REQUESTED.value,
                           AuditEvent.from_state != AuditEvent.to_state)
                    .order_by(AuditEvent.at, AuditEvent.id))


def _revision_requests(proposal_ids: list[int]) -> dict[int, str]:
    """What the team was asked to revise, for proposals now in revisions_requested: one statement.

    The latest move into revisions requested tells: a joint decision (its event names the decision)
    leaves its words as the proposal's feedback; otherwise the comment its actor typed (program staff's
    return at screening) says what to revise.
    """
    events = db.session.execute(_REVISION_EVENTS, {"ids": proposal_ids}).all()
    latest = {case_id: (comment, data or {}) for case_id, comment, data in events}
    return {case_id: f"Program staff asked: {comment}" for case_id, (comment, data) in latest.items()
            if comment and not data.get("decision_id")}


def _my_proposals(states):
    """My (``USER_ID``'s) teams' proposals in ``states``, their cycle joined (for due dates and what is shown)."""
    my_teams = select(TeamMember.team_id).where(TeamMember.user_id == USER_ID)
    return (select(Proposal).join(Proposal.cycle)
            .where(Proposal.team_id.in_(my_teams), Proposal.state.in_(states)))


def _to_finish(user: User, today: date, offset: int, limit: int) -> Section:
    """Drafts and revisions requested, the nearest deadline first (a draft's: its cycle's close)."""
    def build():
        due = case((Proposal.state == S.DRAFT, Cycle.closes_on), else_=Cycle.revision_deadline)
        late = and_(Proposal.state == S.REVISIONS_REQUESTED, Cycle.revision_deadline < TODAY)
        return _my_proposals(EDITABLE_BY_TEAM), (due, Proposal.id), (), late

    total, overdue, rows = _rows(("to_finish",), build, {"user_id": user.id, "today": today}, offset, limit)
    asked = _revision_requests([p.id for p, _ in rows if p.state is S.REVISIONS_REQUESTED])
    items = []
    for p, _ in rows:
        team = f"Team: {p.team.name}"
        if p.state is S.DRAFT:
            items.append(Item(p, [team, "Draft: not yet submitted",
                                  f"The {p.cycle.name} cycle closes {p.cycle.closes_on:%b %-d, %Y}"],
                              due_on=p.cycle.closes_on))
        else:
            deadline = p.cycle.revision_deadline
            gone = deadline < today
            when = (f"Revision deadline was {deadline:%b %-d, %Y}" if gone
                    else f"Revise and resubmit by {deadline:%b %-d, %Y}")
            items.append(Item(p, [team, "Revisions requested", when], due_on=deadline, overdue=gone,
                              note=asked.get(p.id) or p.feedback or ""))
    return Section("to_finish", "Drafts to finish and revisions requested", items,
                   "Your teams have no drafts or revisions waiting.", "proposals.mine", "All my proposals",
                   total=total, overdue_total=overdue, tasks=("submit", "resubmit", "edit_proposal"))


def _waiting(user: User, today: date, offset: int, limit: int) -> Section:
    """Submitted and in review, the latest change first."""
    total, _, rows = _rows(("waiting",), lambda: (
        _my_proposals(SCREENING), (Proposal.updated_at.desc(), Proposal.id.desc()), (), None),
        {"user_id": user.id}, offset, limit)
    items = []
    for p, _ in rows:
        since = f"Submitted {clock.local(p.submitted_at):%b %-d, %Y}" if p.submitted_at else "Submitted"
        items.append(Item(p, [f"Team: {p.team.name}", p.state_label, since]))
    return Section("waiting", "Submitted and in review", items,
                   "None of your teams' proposals is waiting for screening or review.", total=total)


RECENT_DAYS = 365  # a decline stays under "Decisions received" while its cycle closed less than this ago


def _decided(user: User, today: date, offset: int, limit: int) -> Section:
    """Decisions received, the latest first: every approval (the team accepts the agreement next) and
    the declines of cycles that closed within the last year (older ones are under "All my proposals")."""
    def build():
        recent = or_(Proposal.state == S.APPROVED, Cycle.closes_on >= bindparam("recent_since", type_=Date))
        return _my_proposals(DECIDED).where(recent), (Proposal.updated_at.desc(), Proposal.id.desc()), (), None

    total, _, rows = _rows(("decided",), build, {"user_id": user.id,
                                                 "recent_since": today - timedelta(days=RECENT_DAYS)}, offset, limit)
    items = []
    for p, _ in rows:
        detail = [f"Team: {p.team.name}", p.state_label]
        if p.state is S.APPROVED and p.award is not None:
            detail.append(f"Award ${p.award:,.2f}")
        if p.decided_at:
            detail.append(f"Decided {clock.local(p.decided_at):%b %-d, %Y}")
        items.append(Item(p, detail, note=p.feedback or ""))
    return Section("decided", "Decisions received", items, "No decisions yet on your teams' proposals.",
                   "proposals.mine", "All my proposals", total=total)


def _sliced(section: Section, offset: int, limit: int) -> Section:
    section.total = len(section.items)
    section.overdue_total = sum(1 for i in section.items if i.overdue)
    section.items = section.items[offset:offset + limit]
    return section


def _teams_i_lead():
    """The ids of the teams ``user`` leads: the proposals of a section about them are found from these
    (the index on (team_id, state)), not from every proposal in a state that grows with the years
    (every completed grant of ten years) joined to its team."""
    return select(Team.id).where(Team.lead_id == USER_ID)


def _agreement(user: User, today: date, offset: int, limit: int) -> Section:
    """Approved grants of teams I lead whose agreement I have not accepted yet, the oldest decision first."""
    def build():
        base = (select(Proposal).join(Proposal.cycle)
                .where(Proposal.team_id.in_(_teams_i_lead()), Proposal.state == S.APPROVED,
                       Proposal.agreement_accepted_at.is_(None)))
        return base, (Proposal.decided_at, Proposal.id), (), None

    total, _, rows = _rows(("agreement",), build, {"user_id": user.id}, offset, limit)
    items = []
    for p, _ in rows:
        detail = [f"Team: {p.team.name}"]
        if p.award is not None:
            detail.append(f"Award ${p.award:,.2f}")
        if p.decided_at:
            detail.append(f"Approved {clock.local(p.decided_at):%b %-d, %Y}")
        items.append(Item(p, detail, note="Read the grant agreement and accept it for the team; program staff "
                                          "then activate the grant."))
    return Section("agreement", "Grant agreements to accept", items,
                   "No grant agreement waits for you to accept it.", total=total,
                   tasks=("accept_agreement", "revise_budget"))


def _spent(proposal_ids: list[int]) -> dict[int, Decimal]:
    """What each listed grant has spent, voided expenditures left out: one aggregate statement (sent even
    for no grants)."""
    return dict(db.session.execute(_SPENT, {"ids": proposal_ids}).all())


_SPENT = (select(Expenditure.proposal_id, func.sum(Expenditure.amount))
          .where(Expenditure.proposal_id.in_(_IDS), Expenditure.voided_at.is_(None))
          .group_by(Expenditure.proposal_id))
_RETURNED = (select(Expenditure.proposal_id, func.count())
             .where(Expenditure.proposal_id.in_(_IDS), Expenditure.state == PaymentState.RETURNED,
                    Expenditure.voided_at.is_(None)).group_by(Expenditure.proposal_id))


def _grants(user: User, today: date, offset: int, limit: int) -> Section:
    """My teams' active grants: spending against the award and the reports due, the nearest due first."""
    def build():
        progress_late = and_(Proposal.progress_report_due < TODAY, ProgressReport.submitted_at.is_(None))
        late = or_(progress_late, Proposal.final_report_due < TODAY)
        base = _my_proposals((S.ACTIVE,)).outerjoin(ProgressReport, ProgressReport.proposal_id == Proposal.id)
        return base, (Proposal.final_report_due, Proposal.id), (ProgressReport.id, ProgressReport.submitted_at), late

    total, overdue, rows = _rows(("grants",), build, {"user_id": user.id, "today": today}, offset, limit)
    spent = _spent([p.id for p, _ in rows])
    returned = dict(db.session.execute(_RETURNED, {"ids": [p.id for p, _ in rows]}).all())
    items = []
    for p, (report_id, report_submitted_at) in rows:
        used = spent.get(p.id) or Decimal(0)
        award = p.award or Decimal(0)
        progress_done = report_id is not None and report_submitted_at is not None
        progress = ("Progress update submitted" if progress_done
                    else "Progress update: " + _due_text(p.progress_report_due, today)[0].lower())
        final, final_late = _due_text(p.final_report_due, today)
        gone = final_late or (not progress_done and p.progress_report_due is not None and p.progress_report_due < today)
        back = returned.get(p.id, 0)
        items.append(Item(p, [f"Team: {p.team.name}", f"Spent ${used:,.2f} of ${award:,.2f} (${award - used:,.2f} left)",
                              progress, "Final report: " + final.lower(),
                              *([f"{back} reimbursement{'s' if back != 1 else ''} returned: correct and resubmit"]
                                if back else [])],
                          due_on=p.final_report_due, overdue=gone,
                          note="Log spending as you go; write the progress update, the final report and the "
                               "learning summary on the grant's pages."))
    return Section("grants", "Active grants: spending and reports due", items,
                   "None of your teams has an active grant.", total=total, overdue_total=overdue,
                   tasks=("progress_update", "final_report", "learning_summary", "submit_final_report",
                          "resubmit_expenditure"))


def _flags(user: User, today: date, offset: int, limit: int) -> Section:
    """My teams' learning summaries with private details flagged by the privacy check and still open."""
    def build():
        flagged = exists().where(PrivacyFlag.summary_id == LearningSummary.id, PrivacyFlag.status == FlagStatus.OPEN)
        base = (_my_proposals(tuple(SUMMARY_EDITABLE))
                .join(LearningSummary, LearningSummary.proposal_id == Proposal.id)
                .where(LearningSummary.privacy_checked_at.is_not(None), flagged))
        return base, (Proposal.updated_at, Proposal.id), (LearningSummary.id,), None

    total, _, rows = _rows(("flags",), build, {"user_id": user.id}, offset, limit)
    flags = _summary_flags([summary_id for _, (summary_id,) in rows])
    items = []
    for p, (summary_id,) in rows:
        n = flags.get(summary_id, 0)
        items.append(Item(p, [f"Team: {p.team.name}",
                              f"{n} {'passage' if n == 1 else 'passages'} flagged by the privacy check"],
                          note="Each flag shows its passage and why; take the private detail out and save, or "
                               "ask program staff to allow it."))
    return Section("flags", "Learning summaries with private details to take out", items,
                   "No learning summary of your teams has a privacy flag open.", total=total,
                   tasks=("privacy_flags",))


def _consent(user: User, today: date, offset: int, limit: int) -> Section:
    """Completed grants of teams I lead whose drafted learning summary has no consent to publish yet."""
    def build():
        base = (select(Proposal).join(Proposal.cycle)
                .join(LearningSummary, LearningSummary.proposal_id == Proposal.id)
                .where(Proposal.team_id.in_(_teams_i_lead()), Proposal.state == S.COMPLETED,
                       LearningSummary.consent_given_at.is_(None),
                       func.trim(LearningSummary.body) != ""))
        return base, (Proposal.updated_at, Proposal.id), (), None

    total, _, rows = _rows(("consent",), build, {"user_id": user.id}, offset, limit)
    items = [Item(p, [f"Team: {p.team.name}", "Final report accepted"],
                  note="Give the team's consent on the learning summary's page so program staff can publish it.")
             for p, _ in rows]
    return Section("consent", "Learning summaries waiting for your consent to publish", items,
                   "No learning summary waits for your consent.", total=total, tasks=("consent",))


# -- reviewer --------------------------------------------------------------------------------
def _reviews_due(user: User, today: date, offset: int, limit: int) -> Section:
    """My unsubmitted assignments on proposals in review where I declared no conflict, soonest due first."""
    def build():
        conflicted = exists().where(
            ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id, ConflictOfInterest.user_id == USER_ID
        )
        due = func.coalesce(ReviewAssignment.due_on, Cycle.review_due_on)
        base = (
            select(ReviewAssignment)
            .join(ReviewAssignment.proposal).join(Proposal.cycle)
            .where(
                ReviewAssignment.reviewer_id == USER_ID,
                ReviewAssignment.status != ReviewStatus.SUBMITTED,
                # From the proposals in review (a few hundred), never the reviewer's years of assignments.
                ReviewAssignment.proposal_id.in_(select(Proposal.id).where(Proposal.state == S.IN_REVIEW)),
                Proposal.state == S.IN_REVIEW,
                ~conflicted,
            )
        )
        return (base, (due.is_(None), due, Proposal.id), (ReviewAssignment.due_on, ReviewAssignment.status),
                due < TODAY)

    total, overdue, rows = _rows(("reviews_due",), build, {"user_id": user.id, "today": today}, offset, limit)
    items = []
    for p, (due_on, status) in rows:
        when = due_on or p.cycle.review_due_on
        text, late = _due_text(when, today)
        items.append(Item(p, [f"Team: {p.team.name}", text, status.label], due_on=when, overdue=late))
    return Section("reviews_due", "Reviews due", items, "You have no reviews to write.",
                   "review.queue", "My review queue", total=total, overdue_total=overdue, tasks=("review",))


# -- co-chair --------------------------------------------------------------------------------
def _assignment_counts(proposal_ids: list[int], submitted_only: bool = False) -> dict[int, dict[str, int]]:
    """Assigned (or submitted) reviews per listed proposal and side, conflicted reviewers left out: one
    statement (sent even for no proposals, so a page's statement count does not depend on its data)."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for pid, side, n in db.session.execute(_assignment_count_query(submitted_only), {"ids": proposal_ids}):
        out[pid][side.value] = n
    return out


@functools.cache
def _assignment_count_query(submitted_only: bool):
    conflicted = exists().where(
        ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
        ConflictOfInterest.user_id == ReviewAssignment.reviewer_id,
    )
    q = (
        select(ReviewAssignment.proposal_id, ReviewAssignment.side, func.count())
        .where(ReviewAssignment.proposal_id.in_(_IDS), ~conflicted)
        .group_by(ReviewAssignment.proposal_id, ReviewAssignment.side)
    )
    if submitted_only:
        q = q.where(ReviewAssignment.status == ReviewStatus.SUBMITTED)
    return q


@functools.cache
def _side_count(side: str, submitted_only: bool):
    """The number of a proposal's reviewers on ``side`` (no conflict declared), per proposal row:
    a correlated count served by the index on ``review_assignment.proposal_id``. Built once per
    process (it depends on nothing of the request): an ORM alias costs about a millisecond to make."""
    ra = aliased(ReviewAssignment)
    conflicted = exists().where(ConflictOfInterest.proposal_id == ra.proposal_id,
                                ConflictOfInterest.user_id == ra.reviewer_id)
    q = select(func.count()).select_from(ra).where(ra.proposal_id == Proposal.id, ra.side == Side(side), ~conflicted)
    if submitted_only:
        q = q.where(ra.status == ReviewStatus.SUBMITTED)
    return q.scalar_subquery()


def _side_counts_text(counts: dict[str, int], need: int, what: str) -> str:
    return "; ".join(f"{side} {counts.get(side, 0)} of {need} {what}" for side in SIDES)


_PENDING = (Decision.is_pending,)
_PROPOSER = User.__table__.alias("proposer")  # who recorded a decision: the name shown


def _conflicted(proposal_id):
    """Whether ``USER_ID`` declared a conflict of interest with the proposal ``proposal_id`` (a column)."""
    return exists().where(ConflictOfInterest.proposal_id == proposal_id, ConflictOfInterest.user_id == USER_ID)


def _pending_decisions(user: User, today: date, offset: int, limit: int, mine: bool) -> tuple[int, list[Item]]:
    """Decisions recorded and not yet confirmed on proposals in review: the other side's (``mine``
    False: for me to confirm) or my side's (waiting for the other side), the oldest first."""
    if user.side is None:
        return 0, []
    def build():
        side_is = Decision.proposed_side == user.side if mine else Decision.proposed_side != user.side
        base = (select(Decision).join(Decision.proposal).join(Proposal.cycle)
                .join(_PROPOSER, _PROPOSER.c.id == Decision.proposed_by_id)
                .where(*_PENDING, Proposal.state == S.IN_REVIEW, side_is))
        if not mine:  # a co-chair who declared a conflict takes no part: another co-chair of the side confirms
            base = base.where(~_conflicted(Decision.proposal_id))
        return (base, (Decision.proposed_at, Decision.id),
                (Decision.proposed_by_id, _PROPOSER.c.name, Decision.outcome, Decision.award,
                 Decision.proposed_side, Decision.proposed_at), None)

    total, _, rows = _rows(("pending_decisions", user.side, mine), build, {"user_id": user.id}, offset, limit)
    other = next(s for s in SIDES if s != user.side.value)
    items = []
    for p, (proposed_by_id, proposer, outcome, award, proposed_side, proposed_at) in rows:
        who = "you" if proposed_by_id == user.id else proposer
        details = [f"Team: {p.team.name}", f"Proposed outcome: {outcome.label}"]
        if award is not None:
            details.append(f"Award ${award:,.2f}")
        details.append(f"Recorded by {who} ({proposed_side.value}) on {clock.local(proposed_at):%b %-d, %Y}")
        note = f"Waiting for a {other} co-chair to confirm." if mine else ""
        items.append(Item(p, details, note=note))
    return total, items


def _to_confirm(user: User, today: date, offset: int, limit: int) -> Section:
    total, items = _pending_decisions(user, today, offset, limit, mine=False)
    return Section("to_confirm", "Decisions waiting for your side's confirmation", items,
                   "No decision recorded by the other side is waiting for you.", "committee.index",
                   "Cohort selection", total=total, tasks=("confirm_decision",))


def _mine_waiting(user: User, today: date, offset: int, limit: int) -> Section:
    total, items = _pending_decisions(user, today, offset, limit, mine=True)
    return Section("mine_waiting", "Decisions your side recorded, waiting for the other side", items,
                   "Your side has no decision waiting for the other side.", total=total)


def _ready(user: User, today: date, offset: int, limit: int) -> Section:
    """In review, every side's reviews in, no decision pending, no conflict declared by me: the longest
    waiting first (a co-chair with no side takes part in no decision)."""
    if user.side is None:
        return Section("ready", "In review with all reviews in, no decision yet", [],
                       "A co-chair belongs to the BTU or the BPS side to take part in decisions.", total=0,
                       tasks=("record_decision",))

    def build():
        pending = exists().where(Decision.proposal_id == Proposal.id, *_PENDING)
        base = (select(Proposal).join(Proposal.cycle)
                .where(Proposal.state == S.IN_REVIEW, ~pending, ~_conflicted(Proposal.id),
                       *(_side_count(s, submitted_only=True) >= Cycle.reviews_per_side for s in SIDES)))
        return base, (Proposal.submitted_at, Proposal.id), (), None

    total, _, rows = _rows(("ready",), build, {"user_id": user.id}, offset, limit)
    counts = _assignment_counts([p.id for p, _ in rows], submitted_only=True)
    items = [Item(p, [f"Team: {p.team.name}", f"Cycle: {p.cycle.name}",
                      "Reviews in: " + _side_counts_text(counts.get(p.id, {}), p.cycle.reviews_per_side, "submitted")])
             for p, _ in rows]
    return Section("ready", "In review with all reviews in, no decision yet", items,
                   "No proposal in review has all its reviews in and no decision.", "committee.index",
                   "Cohort selection", total=total, tasks=("record_decision",))


# -- program staff ---------------------------------------------------------------------------
def _in_state(state: ProposalState, *where):
    return select(Proposal).join(Proposal.cycle).where(Proposal.state == state, *where)


def _screen(user: User, today: date, offset: int, limit: int) -> Section:
    """Submissions to screen, the longest waiting first."""
    total, _, rows = _rows(("screen",), lambda: (_in_state(S.SUBMITTED), (Proposal.submitted_at, Proposal.id), (),
                                                 None), {}, offset, limit)
    assigned = _assignment_counts([p.id for p, _ in rows])
    items = []
    for p, _ in rows:
        since = f"Submitted {clock.local(p.submitted_at):%b %-d, %Y}" if p.submitted_at else "Submitted"
        items.append(Item(p, [f"Team: {p.team.name}", since, "Reviewers: " + _side_counts_text(
            assigned.get(p.id, {}), p.cycle.reviews_per_side, "assigned")]))
    return Section("screen", "Submissions to screen", items, "No submissions are waiting to be screened.",
                   "staff.proposals", "All proposals", total=total,
                   tasks=("begin_review", "return_for_revision", "assign_reviewers"))


def _short(user: User, today: date, offset: int, limit: int) -> Section:
    """In review with fewer reviewers (no conflict declared) than a side needs."""
    def build():
        base = _in_state(S.IN_REVIEW, or_(*(_side_count(s, submitted_only=False) < Cycle.reviews_per_side
                                            for s in SIDES)))
        return base, (Proposal.submitted_at, Proposal.id), (), None

    total, _, rows = _rows(("short",), build, {}, offset, limit)
    assigned = _assignment_counts([p.id for p, _ in rows])
    items = [Item(p, [f"Team: {p.team.name}", "Reviewers: " + _side_counts_text(
                 assigned.get(p.id, {}), p.cycle.reviews_per_side, "assigned")],
                  note="A reviewer declared a conflict or was unassigned; assign another.") for p, _ in rows]
    return Section("short", "In review and missing reviewers", items,
                   "Every proposal in review has its reviewers.", total=total, tasks=("assign_reviewers",))


def _activate(user: User, today: date, offset: int, limit: int) -> Section:
    """Approved grants whose team accepted the agreement, waiting for activation, the longest waiting first
    (until the team accepts, the grant waits on the team, not on staff)."""
    total, _, rows = _rows(("activate",), lambda: (
        _in_state(S.APPROVED, Proposal.agreement_accepted_at.is_not(None)), (Proposal.submitted_at, Proposal.id),
        (), None), {}, offset, limit)
    items = []
    for p, _ in rows:
        detail = [f"Team: {p.team.name}"]
        if p.award is not None:
            detail.append(f"Award ${p.award:,.2f}")
        detail.append(f"Grant agreement accepted {clock.local(p.agreement_accepted_at):%b %-d, %Y}")
        items.append(Item(p, detail))
    return Section("activate", "Approved grants waiting for activation", items,
                   "No approved grant whose team accepted the agreement is waiting for activation.", total=total,
                   tasks=("activate",))


def _money(user: User, today: date, offset: int, limit: int) -> Section:
    """Grants with reimbursements to approve or pay, or a reallocation request to decide (voided expenditures
    left out), the longest waiting first: a count, one page, and the exact figures per listed grant."""
    def build():
        waiting = (select(Expenditure.proposal_id.label("pid"), Expenditure.recorded_at.label("since"))
                   .where(Expenditure.state.in_(AWAITING_STAFF), Expenditure.voided_at.is_(None))
                   .union_all(select(BudgetReallocation.proposal_id, BudgetReallocation.recorded_at)
                              .where(BudgetReallocation.state == ReallocationState.PENDING)).subquery())
        firsts = select(waiting.c.pid, func.min(waiting.c.since).label("since")).group_by(waiting.c.pid).subquery()
        base = (select(Proposal).join(firsts, firsts.c.pid == Proposal.id).join(Proposal.cycle))
        return base, (firsts.c.since, Proposal.id), (), None

    total, _, rows = _rows(("money",), build, {}, offset, limit)
    figures = _money_figures([p.id for p, _ in rows])
    items = [Item(p, [f"Team: {p.team.name}", *figures.get(p.id, [])],
                  note="Approve each reimbursement against its receipt, record the payment, or return it with a "
                       "reason; approve or decline reallocation requests.") for p, _ in rows]
    return Section("money", "Reimbursements and reallocations to act on", items,
                   "No reimbursement or reallocation request waits for you.", "payments.index",
                   "All reimbursements and reallocations", total=total,
                   tasks=("approve_payments", "decide_reallocation"))


_PAYMENTS_WAITING = ((PaymentState.SUBMITTED, "to approve"), (PaymentState.APPROVED, "to pay"))
_PAYMENTS_IN = {state: select(Expenditure.proposal_id, func.count()).where(
    Expenditure.proposal_id.in_(_IDS), Expenditure.state == state, Expenditure.voided_at.is_(None))
    .group_by(Expenditure.proposal_id) for state, _ in _PAYMENTS_WAITING}
_REALLOCATIONS_PENDING = (select(BudgetReallocation.proposal_id, func.count())
                          .where(BudgetReallocation.proposal_id.in_(_IDS),
                                 BudgetReallocation.state == ReallocationState.PENDING)
                          .group_by(BudgetReallocation.proposal_id))


def _money_figures(proposal_ids: list[int]) -> dict[int, list[str]]:
    """Per listed grant: how many wait for approval, for payment, for a decision (one statement each kind)."""
    out: dict[int, list[str]] = defaultdict(list)
    for state, words in _PAYMENTS_WAITING:
        for pid, n in db.session.execute(_PAYMENTS_IN[state], {"ids": proposal_ids}):
            out[pid].append(f"{n} reimbursement{'s' if n != 1 else ''} {words}")
    for pid, n in db.session.execute(_REALLOCATIONS_PENDING, {"ids": proposal_ids}):
        out[pid].append(f"{n} reallocation request{'s' if n != 1 else ''} to decide")
    return out


def _summary_flags(summary_ids: list[int]) -> dict[int, int]:
    """Open privacy flags per listed learning summary: one statement (sent even for none)."""
    return dict(db.session.execute(_OPEN_FLAGS, {"ids": summary_ids}).all())


_OPEN_FLAGS = (select(PrivacyFlag.summary_id, func.count())
               .where(PrivacyFlag.summary_id.in_(_IDS), PrivacyFlag.status == FlagStatus.OPEN)
               .group_by(PrivacyFlag.summary_id))


@dataclass(slots=True)
class ListedSummary:
    """What a home item says of a learning summary (``_summary_detail``), as plain values."""
    id: int
    body: str
    consent_given_at: object
    privacy_checked_at: object


_SUMMARY_COLUMNS = (LearningSummary.id, LearningSummary.body, LearningSummary.consent_given_at,
                    LearningSummary.privacy_checked_at)


def _listed_summary(values: tuple) -> ListedSummary | None:
    return None if values[0] is None else ListedSummary(*values)


def _summary_detail(summary: ListedSummary | None, flags: dict[int, int]) -> str:
    if summary is None or not summary.body.strip():
        return "No learning summary drafted"
    if summary.consent_given_at is None:
        return "Learning summary drafted; the team has not consented to publish"
    if summary.privacy_checked_at is None:
        return "The team consents to publish; privacy check not run"
    n = flags.get(summary.id, 0)
    return f"Privacy check: {n} open flag{'s' if n != 1 else ''}" if n else "Privacy check passed: ready to publish"


def _final_reports(user: User, today: date, offset: int, limit: int) -> Section:
    """Final reports submitted, to accept or return: the longest waiting first."""
    total, _, rows = _rows(("final_reports",), lambda: (
        _in_state(S.FINAL_REPORT_SUBMITTED).outerjoin(LearningSummary, LearningSummary.proposal_id == Proposal.id),
        (Proposal.updated_at, Proposal.id), _SUMMARY_COLUMNS, None), {}, offset, limit)
    rows = [(p, _listed_summary(summary)) for p, summary in rows]
    flags = _summary_flags([summary.id for _, summary in rows if summary is not None])
    items = [Item(p, [f"Team: {p.team.name}", f"Submitted {clock.local(p.updated_at):%b %-d, %Y}",
                      _summary_detail(summary, flags)],
                  note="Read the final report, then accept it or return it to the team with a comment.")
             for p, summary in rows]
    return Section("final_reports", "Final reports to review", items, "No final report waits for review.",
                   total=total, tasks=("accept_report", "return_report", "privacy_check"))


def _summaries(user: User, today: date, offset: int, limit: int) -> Section:
    """Completed grants whose team consents to publish its learning summary: to check for privacy, then
    publish; the longest waiting first."""
    # Found from the summaries not published (a completed grant's summary is not: unpublishing clears the
    # date), through the index on ``published_at``, not from every completed grant of the years.
    def build():
        unpublished = select(LearningSummary.proposal_id).where(LearningSummary.published_at.is_(None),
                                                                LearningSummary.consent_given_at.is_not(None))
        base = (_in_state(S.COMPLETED, Proposal.id.in_(unpublished))
                .join(LearningSummary, LearningSummary.proposal_id == Proposal.id)
                .where(LearningSummary.consent_given_at.is_not(None)))
        return base, (LearningSummary.consent_given_at, Proposal.id), _SUMMARY_COLUMNS, None

    total, _, rows = _rows(("summaries",), build, {}, offset, limit)
    rows = [(p, _listed_summary(summary)) for p, summary in rows]
    flags = _summary_flags([summary.id for _, summary in rows])
    items = [Item(p, [f"Team: {p.team.name}", _summary_detail(summary, flags)]) for p, summary in rows]
    return Section("summaries", "Learning summaries to check and publish", items,
                   "No learning summary with the team's consent waits to be checked or published.", total=total,
                   tasks=("privacy_check", "publish"))


@functools.cache
def _overdue_statements():
    """What ``reminders.overdue_reviews`` and ``reminders.proposal_items`` (revisions due by ``TODAY``)
    select, as the plain columns the staff's overdue section shows: built once per process."""
    due = func.coalesce(ReviewAssignment.due_on, Cycle.review_due_on)
    conflicted = exists().where(ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
                                ConflictOfInterest.user_id == ReviewAssignment.reviewer_id)
    reviewer = User.__table__.alias("reviewer")
    reviews = (
        select(*_ROW_COLUMNS, ReviewAssignment.due_on, ReviewAssignment.side, reviewer.c.name)
        .select_from(ReviewAssignment)
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .join(Cycle, Cycle.id == Proposal.cycle_id)
        .join(_TEAM, _TEAM.c.id == Proposal.team_id)
        .join(reviewer, reviewer.c.id == ReviewAssignment.reviewer_id)
        .where(ReviewAssignment.status != ReviewStatus.SUBMITTED, Proposal.state == S.IN_REVIEW,
               due < TODAY, ~conflicted, reviewer.c.active.is_(True))
        .order_by(due, ReviewAssignment.id)
    )
    cases = (
        select(*_ROW_COLUMNS, ProgressReport.id, ProgressReport.submitted_at)
        .select_from(Proposal)
        .join(Cycle, Cycle.id == Proposal.cycle_id)
        .join(_TEAM, _TEAM.c.id == Proposal.team_id)
        .outerjoin(ProgressReport, ProgressReport.proposal_id == Proposal.id)
        .where(Proposal.state.in_(WITH_TEAM_DEADLINES), or_(  # the IN lets the state index serve
            and_(Proposal.state == S.REVISIONS_REQUESTED, Cycle.revision_deadline <= TODAY),
            and_(Proposal.state == S.ACTIVE, Proposal.final_report_due < TODAY),
            and_(Proposal.state == S.ACTIVE, Proposal.progress_report_due < TODAY,
                 ProgressReport.submitted_at.is_(None)),
        ))
        .order_by(Proposal.state, Proposal.id)
    )
    return reviews, cases


def _overdue_cases(today: date) -> list[reminders.DueItem]:
    """As ``reminders.proposal_items(today, soon_days=0)``, of ``ListedProposal``s."""
    out = []
    for p, (report_id, report_submitted_at) in _listed(db.session.execute(_overdue_statements()[1],
                                                                           {"today": today})):
        if p.state is S.REVISIONS_REQUESTED:
            deadline = p.cycle.revision_deadline
            out.append(reminders.DueItem(reminders.REVISION if deadline < today else reminders.REVISION_SOON,
                                         p, deadline))
            continue
        if (p.progress_report_due is not None and p.progress_report_due < today
                and (report_id is None or report_submitted_at is None)):
            out.append(reminders.DueItem(reminders.PROGRESS, p, p.progress_report_due))
        if p.final_report_due is not None and p.final_report_due < today:
            out.append(reminders.DueItem(reminders.FINAL, p, p.final_report_due))
    return out


def _staff_overdue(user: User, today: date, offset: int, limit: int) -> Section:
    """Every overdue review, revision and report (what the reminders email about): two statements."""
    items = []
    for p, (due_on, side, reviewer) in _listed(db.session.execute(_overdue_statements()[0], {"today": today})):
        when = due_on or p.cycle.review_due_on
        due = reminders.DueItem(reminders.REVIEW, p, when)
        items.append(Item(p, [f"Team: {p.team.name}", f"Review by {reviewer} ({side.value}): {due.due_text(today)}"],
                          due_on=when, overdue=True))
    for due in _overdue_cases(today):
        if due.overdue(today):
            items.append(Item(due.proposal, [f"Team: {due.proposal.team.name}",
                                             f"{due.what}: {due.due_text(today)}"],
                              due_on=due.due_on, overdue=True))
    items.sort(key=lambda i: (i.due_on, i.proposal.id))
    return _sliced(Section("overdue", "Overdue reviews, revisions and reports", items,
                           "Nothing is overdue: every review, revision and report is on time.",
                           intro="The people concerned get a reminder email once a day."), offset, limit)


# -- professional learning requests: by the workflow's declaration --------------------------------------
# An educator acts on their own requests (the declaration's requester); every other role acts on anyone's
# request in the states where the declaration gives it a transition.
OWN_CASE_ROLES = frozenset({"educator"})


def _pl_states(user: User) -> tuple[set, set]:
    """The states of PL requests where the declaration gives ``user`` something the case may wait for: on
    their own requests, and by their other roles on anyone's."""
    roles = set(user.role_names)
    own, any_ = set(), set()
    for t in PL_REQUEST.transitions:
        if t.optional:
            continue
        if t.who.roles & roles & OWN_CASE_ROLES:
            own.update(t.sources)
        if t.who.roles & (roles - OWN_CASE_ROLES):
            any_.update(t.sources)
    return own, any_


def pl_roles() -> frozenset[str]:
    """Who may have a PL request waiting on them: the roles of its declared (non-optional) transitions."""
    return frozenset().union(*(t.who.roles for t in PL_REQUEST.transitions if not t.optional))


def _pl_scope_key(user: User) -> tuple[bool, bool, bool]:
    """Which of ``_pl_scopes``' conditions apply to ``user``: as a co-chair of a side, a school leader of a
    school, program staff."""
    return (user.has_role("co_chair") and user.side is not None,
            user.has_role("school_leader") and user.school_id is not None, user.has_role("staff"))


def _pl_scopes(user: User) -> list:
    """Which requests wait on each of ``user``'s roles, as SQL (``side`` and ``school_id`` bound
    parameters: the user's): what the declaration's who-checks
    (workflows/pl_request.py) and the joint decision's tasks (``app.cases.todo``) say, written as
    conditions so that the section is counted and paged by the database, never by asking the workflow
    about every open request of the district (``tests/home/test_whole_demo.py`` checks the two agree
    for every case and person of the demo). A school leader endorses (or denies) their own school's
    submitted requests; program staff those of schools without a school leader (the fallback
    endorser); a co-chair of a side records a decision on an endorsed request, or confirms the other
    side's, unless their own side's decision waits for the other side (before it is endorsed, only
    the endorser may act)."""
    scopes = []
    co_chair, leader, staff = _pl_scope_key(user)
    if co_chair:
        ours_waiting = exists().where(PLDecision.request_id == PLRequest.id, PLDecision.is_pending,
                                      PLDecision.proposed_side == bindparam("side"))
        scopes.append(and_(PLRequest.state == PLRequestState.ENDORSED, ~ours_waiting))
    if leader:
        scopes.append(and_(PLRequest.school_id == bindparam("school_id"), PLRequest.state == PLRequestState.SUBMITTED))
    if staff:
        scopes.append(pl_requests.WAITS_FOR_STAFF)
    return scopes or [PLRequest.id.is_(None)]


def _pl_waiting(user: User, today: date, offset: int, limit: int) -> Section:
    """The PL requests that wait on me, whatever my role: those where the workflow's declaration lets me take
    a transition the request waits for, or where a duty is mine (``app.cases.todo``), the oldest first.

    Counted and paged in SQL (two statements, the conditions of ``_pl_scopes`` within the states the
    declaration gives my roles), then the listed requests load with their decisions (two more); each is
    then asked, without further statements, which of its tasks wait on me (what the item says to do)."""
    own, any_ = _pl_states(user)
    key = ("pl_waiting", frozenset(own), frozenset(any_), _pl_scope_key(user))
    built = _BUILT.get(key)
    if built is None:  # the statements for this shape of user, built once per process
        where = []
        if own:
            where.append(and_(PLRequest.requester_id == USER_ID, PLRequest.state.in_(own)))
        if any_:
            where.append(and_(PLRequest.state.in_(any_), or_(*_pl_scopes(user))))
        # The page's ids first (the order and the conditions, nothing else per row), then those rows with
        # what the workflow's checks read (whether the school has a leader, the decisions): not the whole
        # rows of every request the count goes over before a page of them is cut.
        base = select(PLRequest.id).where(or_(*where) if where else PLRequest.id.is_(None))
        built = _BUILT[key] = (
            base.with_only_columns(func.count(), maintain_column_froms=True),
            base.order_by(PLRequest.submitted_at.is_(None), PLRequest.submitted_at, PLRequest.id)
            .offset(_OFFSET).limit(_LIMIT))
    count, page = built
    params = {"user_id": user.id, "side": user.side, "school_id": user.school_id}
    total = db.session.execute(count, params).scalar_one()
    ids = db.session.execute(page, {**params, "offset": offset, "limit": limit}).scalars().all()
    loaded = {r.id: r for r in db.session.scalars(_PL_LISTED, {"ids": ids}).unique()}
    rows = [loaded[i] for i in ids if i in loaded]
    items = []
    for r in rows:
        tasks = [t for t in todo.tasks_for(r, user, today, reasons=False) if t.waiting]
        details = [f"{r.requester_name} ({r.school_name})", r.state_label, f"Cost: {pl_cost_money(r.cost) if r.cost is not None else 'not given'}"]
        if r.starts_on:
            details.append(f"Starts {r.starts_on:%b %-d, %Y}")
        items.append(Item(r, details, note="To do: " + "; ".join(t.label for t in tasks) + "." if tasks else ""))
    return Section("pl_waiting", "PL requests waiting for you", items,
                   "No PL request waits for you.", "pl.mine" if user.has_role("educator") else None,
                   "All my PL requests", total=total, tasks=PL_TASKS)


_PL_DECISIONS = selectinload(PLRequest.decisions)
_PL_LISTED = (select(PLRequest).where(PLRequest.id.in_(_IDS))
              .options(_PL_DECISIONS, _PL_DECISIONS.joinedload(PLDecision.proposed_by).lazyload(User.roles),
                       _PL_DECISIONS.joinedload(PLDecision.confirmed_by).lazyload(User.roles),
                       joinedload(PLRequest.requester).lazyload(User.roles)))  # names are shown, not roles

# The keys of every PL task that can wait on someone: the declaration's transitions and duties.
PL_TASKS = tuple(t.trigger for t in PL_REQUEST.transitions if not t.optional) + (
    "record_decision", "confirm_decision", *(d.key for d in todo.DUTIES if d.case_type is PLRequest and not d.optional))


# -- which sections each role sees, in order -------------------------------------------------
Builder = Callable[[User, date, int, int], Section]
ROLE_SECTIONS: dict[str, tuple[tuple[str, Builder], ...]] = {
    "educator": (("to_finish", _to_finish), ("agreement", _agreement), ("grants", _grants), ("flags", _flags),
                 ("consent", _consent),
                 ("waiting", _waiting), ("decided", _decided)),
    "reviewer": (("reviews_due", _reviews_due),),
    "co_chair": (("to_confirm", _to_confirm), ("mine_waiting", _mine_waiting), ("ready", _ready)),
    "staff": (("screen", _screen), ("short", _short), ("activate", _activate), ("money", _money),
              ("final_reports", _final_reports), ("summaries", _summaries), ("overdue", _staff_overdue)),
    "pl": (("pl_waiting", _pl_waiting),),
}
SECTION_ROLE = {key: role for role, sections in ROLE_SECTIONS.items() for key, _ in sections}


def _holds(user: User, role: str) -> bool:
    """Whether ``user`` has the sections of ``role`` ("pl": any role a PL request may wait on)."""
    return bool(pl_roles() & set(user.role_names)) if role == "pl" else user.has_role(role)


def _sections(role: str, user: User, today: date | None, offset: int = 0, limit: int = HOME_LIMIT) -> list[Section]:
    today = today or clock.today()
    return [build(user, today, offset, limit) for _, build in ROLE_SECTIONS[role]]


def educator_sections(user: User, today: date | None = None) -> list[Section]:
    return _sections("educator", user, today)


def reviewer_sections(user: User, today: date | None = None) -> list[Section]:
    return _sections("reviewer", user, today)


def co_chair_sections(user: User, today: date | None = None) -> list[Section]:
    return _sections("co_chair", user, today)


def staff_sections(user: User, today: date | None = None) -> list[Section]:
    return _sections("staff", user, today)


def section_page(user: User, key: str, page: int, today: date | None = None) -> tuple[Section, Pager]:
    """One page of a home section's full list (``PER_PAGE`` items). Raises KeyError for a section
    that does not exist and PermissionError for one of a role ``user`` does not hold."""
    role = SECTION_ROLE[key]
    if not _holds(user, role):
        raise PermissionError(key)
    build = dict(ROLE_SECTIONS[role])[key]
    pager = Pager(page, PER_PAGE, 0)
    section = build(user, today or clock.today(), pager.offset, PER_PAGE)
    pager.total = section.count
    return section, pager


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
    if _holds(user, "pl"):
        blocks.append(RoleBlock("pl", "PL requests: your turn", _sections("pl", user, today)))
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
    return {
        "survey": surveys.home_panel(user, today),
        "pl": pl_requests.home_panel(user, today),
        "recommended": user.has_role("educator"),
    }


__all__ = ["HOME_LIMIT", "PER_PAGE", "Item", "Pager", "RoleBlock", "Section", "home_for", "learning_panels", "section_page"]
