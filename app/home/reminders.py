"""Deadlines: what is overdue (or nearly due), for the home pages and the daily reminder emails.

One definition serves both, so the email and the home page always agree:

- a **review** is overdue when its due date (the assignment's, else the cycle's) is before today
  in Boston, it is not submitted, the proposal is in review and the reviewer declared no conflict
  (reminder: the reviewer);
- a **revision** is overdue when the proposal is in revisions_requested and the cycle's revision
  deadline has passed, and due soon when the deadline is within ``SOON_DAYS`` (the team lead);
- a **progress report** is overdue when the grant is active, its progress report due date has
  passed and no progress report was submitted (the team);
- a **final report** is overdue when the grant is still active after its final report due date
  (the team).

``queue_reminders`` queues each (item, recipient) once per Boston day: the outbox's unique
``dedupe_key`` ``reminder:<kind>:<item id>:<user id>:<date>`` makes a second run the same day
(or two at once) queue nothing new. The mail worker (``app/worker.py``) calls it once a day at
``REMINDERS_AT``; ``flask send-reminders`` is the cron alternative.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from app.cases import notify
from app.core import clock
from app.extensions import db
from app.models import (
    ConflictOfInterest,
    Cycle,
    Notification,
    OutboxMessage,
    ProgressReport,
    Proposal,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    Team,
    TeamMember,
    User,
)
from workflows.proposal import WITH_TEAM_DEADLINES

S = ProposalState
SOON_DAYS = 3

REVIEW = "review"
REVISION = "revision"
REVISION_SOON = "revision_due_soon"
PROGRESS = "progress_report"
FINAL = "final_report"
KINDS = (REVIEW, REVISION, REVISION_SOON, PROGRESS, FINAL)


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


@dataclass
class DueItem:
    """One piece of work with a deadline: a review assignment or a proposal's revision or report."""

    kind: str
    proposal: Proposal
    due_on: date
    assignment: ReviewAssignment | None = None

    @property
    def item_id(self) -> int:
        return self.assignment.id if self.assignment is not None else self.proposal.id

    def overdue(self, today: date) -> bool:
        return self.due_on < today

    @property
    def what(self) -> str:
        return {REVIEW: "Review", REVISION: "Revision", REVISION_SOON: "Revision",
                PROGRESS: "Progress report", FINAL: "Final report"}[self.kind]

    def due_text(self, today: date) -> str:
        if self.due_on < today:
            return f"was due {self.due_on:%B %-d, %Y} ({_days((today - self.due_on).days)} ago)"
        if self.due_on == today:
            return f"due today, {self.due_on:%B %-d, %Y}"
        return f"due {self.due_on:%B %-d, %Y} (in {_days((self.due_on - today).days)})"

    def sentence(self, today: date) -> str:
        late = self.overdue(today)
        return {
            REVIEW: "Your review of this proposal is overdue." if late else "Your review of this proposal is due.",
            REVISION: "The revision deadline for this proposal has passed.",
            REVISION_SOON: "The revision deadline for this proposal is coming up.",
            PROGRESS: "Your team's progress report is overdue.",
            FINAL: "Your team's final report is overdue.",
        }[self.kind]

    def next_step(self) -> str:
        return {
            REVIEW: ("Score the proposal on the rubric and submit your review, or declare a conflict of interest "
                     "on the proposal's page if you have one."),
            REVISION: ("The proposal can no longer be resubmitted in this cycle without program staff: contact "
                       "them, or withdraw the proposal."),
            REVISION_SOON: "Revise the proposal as asked and resubmit it before the deadline.",
            PROGRESS: "Write the progress update on the grant's page and submit it.",
            FINAL: ("Finish the final report and the learning summary draft, then the team lead submits the "
                    "final report."),
        }[self.kind]

    def subject(self, today: date) -> str:
        words = {
            REVIEW: "Overdue review",
            REVISION: "Revision deadline passed",
            REVISION_SOON: f"Revision due {self.due_on:%B %-d}",
            PROGRESS: "Overdue progress report",
            FINAL: "Overdue final report",
        }[self.kind]
        return notify.subject_for(f"Reminder: {words}", self.proposal)


# -- what is due -----------------------------------------------------------------------------
def _case_options(path):
    """The proposal's cycle and team, loaded with the row (the team's members left to load if used):
    the proposal and its cycle from the query's own INNER joins, the team joined INNER beside them
    (every foreign key on the way is NOT NULL; an outer join here makes the database materialise a
    nested join over every proposal)."""
    return (contains_eager(path).contains_eager(Proposal.cycle).lazyload(Cycle.criteria),
            contains_eager(path).joinedload(Proposal.team, innerjoin=True).lazyload(Team.memberships))


def overdue_reviews(today: date, reviewer_id: int | None = None) -> list[DueItem]:
    """Unsubmitted, unconflicted reviews of proposals in review, past due: one statement."""
    due = func.coalesce(ReviewAssignment.due_on, Cycle.review_due_on)
    conflicted = exists().where(ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
                                ConflictOfInterest.user_id == ReviewAssignment.reviewer_id)
    stmt = (
        select(ReviewAssignment)
        .join(ReviewAssignment.proposal)
        .join(Proposal.cycle)
        .join(ReviewAssignment.reviewer)
        .where(ReviewAssignment.status != ReviewStatus.SUBMITTED, Proposal.state == S.IN_REVIEW,
               due < today, ~conflicted, User.active.is_(True))
        .options(*_case_options(ReviewAssignment.proposal), contains_eager(ReviewAssignment.reviewer).lazyload(User.school),
                 lazyload(ReviewAssignment.scores))
        .order_by(due, ReviewAssignment.id)
    )
    if reviewer_id is not None:
        stmt = stmt.where(ReviewAssignment.reviewer_id == reviewer_id)
    rows = db.session.scalars(stmt).unique().all()
    return [DueItem(REVIEW, a.proposal, a.due_on or a.proposal.cycle.review_due_on, assignment=a) for a in rows]


def proposal_items(today: date, member_id: int | None = None, soon_days: int = SOON_DAYS,
                   team_members: bool = False) -> list[DueItem]:
    """Revisions overdue or due within ``soon_days``, and overdue progress and final reports: one
    statement (plus one for the teams' members when ``team_members``)."""
    soon = today + timedelta(days=soon_days)
    stmt = (
        select(Proposal)
        .join(Cycle, Cycle.id == Proposal.cycle_id)
        .outerjoin(ProgressReport, ProgressReport.proposal_id == Proposal.id)
        .where(Proposal.state.in_(WITH_TEAM_DEADLINES), or_(  # the IN lets the state index serve
            and_(Proposal.state == S.REVISIONS_REQUESTED, Cycle.revision_deadline <= soon),
            and_(Proposal.state == S.ACTIVE, Proposal.final_report_due < today),
            and_(Proposal.state == S.ACTIVE, Proposal.progress_report_due < today,
                 ProgressReport.submitted_at.is_(None)),
        ))
        .options(contains_eager(Proposal.cycle).lazyload(Cycle.criteria),
                 contains_eager(Proposal.progress_report),
                 joinedload(Proposal.team).lazyload(Team.memberships) if not team_members
                 else joinedload(Proposal.team))
        .order_by(Proposal.state, Proposal.id)  # what the state index gives in order: no scan, no sort
    )
    if member_id is not None:
        stmt = stmt.where(Proposal.team_id.in_(select(TeamMember.team_id).where(TeamMember.user_id == member_id)))
    out: list[DueItem] = []
    for p in db.session.scalars(stmt).unique():
        if p.state is S.REVISIONS_REQUESTED:
            deadline = p.cycle.revision_deadline
            out.append(DueItem(REVISION if deadline < today else REVISION_SOON, p, deadline))
            continue
        report = p.progress_report
        if (p.progress_report_due is not None and p.progress_report_due < today
                and (report is None or report.submitted_at is None)):
            out.append(DueItem(PROGRESS, p, p.progress_report_due))
        if p.final_report_due is not None and p.final_report_due < today:
            out.append(DueItem(FINAL, p, p.final_report_due))
    return out


def all_due(today: date) -> list[DueItem]:
    return overdue_reviews(today) + proposal_items(today, team_members=True)


def recipients_of(item: DueItem) -> list[User]:
    if item.kind == REVIEW:
        return [item.assignment.reviewer]
    if item.kind in (REVISION, REVISION_SOON):
        lead = item.proposal.team.lead
        return [lead] if lead.active else []
    return [u for u in item.proposal.team.members if u.active]


# -- queueing --------------------------------------------------------------------------------
def dedupe_key(kind: str, item_id: int, user_id: int, today: date) -> str:
    return f"reminder:{kind}:{item_id}:{user_id}:{today.isoformat()}"


@dataclass
class Queued:
    item: DueItem
    user: User
    key: str
    message_id: int


def _insert_once(values: dict) -> int | None:
    """Insert the outbox row unless its dedupe key exists; the id, or None when it already did.

    ON CONFLICT DO NOTHING makes two runs at once safe: the second insert of a key is a no-op.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app runs on PostgreSQL and SQLite
        if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == values["dedupe_key"])):
            return None
        msg = OutboxMessage(**values)
        db.session.add(msg)
        db.session.flush()
        return msg.id
    stmt = (insert(OutboxMessage).values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessage.id))
    return db.session.execute(stmt).scalar()


def queue_reminders(today: date | None = None) -> list[Queued]:
    """Queue today's reminders (email and in-app), each (item, recipient) at most once a day."""
    today = today or clock.today()
    wanted: list[tuple[DueItem, User, str]] = []
    for item in all_due(today):
        for user in recipients_of(item):
            wanted.append((item, user, dedupe_key(item.kind, item.item_id, user.id, today)))
    if not wanted:
        return []
    # Every run inserts in the same (key) order: on PostgreSQL, two runs at once (two workers at the
    # reminders' hour) then wait for each other's rows in one order and never deadlock.
    wanted.sort(key=lambda w: w[2])
    keys = [k for _, _, k in wanted]
    existing: set[str] = set()
    for i in range(0, len(keys), 500):
        existing.update(db.session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys[i:i + 500]))))
    out: list[Queued] = []
    now = clock.now()
    for item, user, key in wanted:
        if key in existing:
            continue
        link, path = notify.case_links(item.proposal.id)
        subject = item.subject(today)
        body = notify.render_body(
            "reminder.txt", recipient=user, case=item.proposal, link=link,
            reminder={"sentence": item.sentence(today), "due_label": item.what,
                      "due_text": item.due_text(today), "next_step": item.next_step()},
        )
        message_id = _insert_once(dict(
            to_email=user.email, to_user_id=user.id, subject=subject, body=body, dedupe_key=key,
            case_type="proposal", case_id=item.proposal.id, created_at=now, attempts=0, last_error="",
            next_attempt_at=None, held_for_digest=notify.held_for_digest(user),
        ))
        if message_id is None:
            continue  # another run queued it a moment ago
        db.session.add(Notification(user_id=user.id, subject=subject, body=body, link=path, created_at=now))
        existing.add(key)
        out.append(Queued(item, user, key, message_id))
    db.session.flush()
    return out


__all__ = ["DueItem", "KINDS", "Queued", "all_due", "dedupe_key", "overdue_reviews", "proposal_items",
           "queue_reminders", "recipients_of"]
