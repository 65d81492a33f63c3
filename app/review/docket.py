"""The committee's docket: every proposal of a cycle in review, in rank order, printed for the meeting.

The ranking is the cohort page's (``cohort.ranking``: the same scores, the same ranks, the same viewer's
recusals); the docket adds, for every proposal, its team and schools, each reviewer's recommendation and
weighted score, the conflicts declared, and the pool: what is left of it and the running total of the
requests down the ranked list. Reviewers who declared a conflict are named under "Conflicts declared"
only: their reviews, recommendations and scores are neither counted (``ranking`` leaves them out of every
mean) nor shown. A viewer who declared a conflict sees that proposal listed without scores, rank or reviews,
as on the cohort page.

A fixed number of SELECTs whatever the number of proposals: the ranking (2), the details (2), the reviews
(1), the conflicts (1) and the amount already awarded (1).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, select

from app.core import clock
from app.extensions import db
from app.models import ConflictOfInterest, Cycle, Proposal, ReviewAssignment, ReviewStatus, User
from app.models.types import to_money
from app.review.cohort import CohortRow, in_review, load_details, ranking
from app.review.reviews import round2


class NothingInReview(LookupError):
    """The cycle has no proposal in review: there is no docket to print."""


@dataclass(frozen=True)
class ReviewLine:
    reviewer: str
    side: str
    submitted: bool
    recommendation: str | None
    score: Decimal | None  # the review's weighted score, to two places


@dataclass(frozen=True)
class ConflictLine:
    name: str
    side: str
    declared_at: datetime


@dataclass
class DocketEntry:
    row: CohortRow
    reviews: list[ReviewLine] = field(default_factory=list)
    conflicts: list[ConflictLine] = field(default_factory=list)
    running_total: Decimal | None = None  # requests of the ranked list down to this one (None: recused)
    within_pool: bool = True  # the running total fits what is left of the pool

    @property
    def recused(self) -> bool:
        return self.row.recused


@dataclass
class Docket:
    cycle: Cycle
    entries: list[DocketEntry]  # in rank order (unscored last), then the viewer's recusals
    pool: Decimal
    awarded: Decimal
    left: Decimal
    requested: Decimal  # by the ranked list (the viewer's recusals left out)
    printed_at: datetime

    @property
    def ranked(self) -> list[DocketEntry]:
        return [e for e in self.entries if not e.recused]

    @property
    def recused(self) -> list[DocketEntry]:
        return [e for e in self.entries if e.recused]

    @property
    def fits(self) -> int:
        """How many of the ranked list, from the top, fit what is left of the pool."""
        return sum(1 for e in self.ranked if e.within_pool)

    @property
    def over_by(self) -> Decimal:
        return max(to_money(self.requested - self.left), Decimal("0.00"))


def docket(cycle: Cycle, viewer: User) -> Docket:
    """The docket of ``cycle`` as ``viewer`` may read it; ``NothingInReview`` when no proposal is in review."""
    ranked = ranking(cycle, viewer)
    if not ranked.rows:
        raise NothingInReview(f"No proposal of {cycle.name} is in review, so there is no docket to print.")
    load_details(cycle, ranked.rows, None)
    entries = {pid: DocketEntry(row) for pid, row in ranked.rows.items()}
    _reviews(cycle, entries, ranked.review_scores)
    _conflicts(cycle, entries)

    awarded = cycle.awarded_total()
    left = to_money(cycle.pool - awarded)
    running = Decimal(0)
    ordered = []
    for row in ranked.ranked:
        entry = entries[row.proposal_id]
        running += row.amount_requested or Decimal(0)
        entry.running_total = to_money(running)
        entry.within_pool = running <= left
        ordered.append(entry)
    ordered.extend(entries[row.proposal_id] for row in ranked.recused)
    return Docket(cycle, ordered, to_money(cycle.pool), awarded, left, to_money(running), clock.now())


def _reviews(cycle: Cycle, entries: dict[int, DocketEntry], scores: dict[int, Decimal]) -> None:
    """Each assignment of a reviewer without a conflict, on the proposals the viewer is not recused from."""
    conflicted = exists().where(
        ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
        ConflictOfInterest.user_id == ReviewAssignment.reviewer_id,
    )
    for aid, pid, name, side, status, recommendation in db.session.execute(
        select(ReviewAssignment.id, ReviewAssignment.proposal_id, User.name, ReviewAssignment.side,
               ReviewAssignment.status, ReviewAssignment.recommendation)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .where(in_review(cycle), ~conflicted)
        .order_by(ReviewAssignment.proposal_id, ReviewAssignment.side, User.name, ReviewAssignment.id)
    ):
        entry = entries.get(pid)
        if entry is None or entry.recused:
            continue
        submitted = status is ReviewStatus.SUBMITTED
        entry.reviews.append(ReviewLine(
            name, side.value, submitted,
            recommendation.label if submitted and recommendation is not None else None,
            round2(scores.get(aid)) if submitted else None,
        ))


def _conflicts(cycle: Cycle, entries: dict[int, DocketEntry]) -> None:
    """Who declared a conflict with each proposal (never why: the reason is for staff, on the proposal)."""
    for pid, name, side, declared_at in db.session.execute(
        select(ConflictOfInterest.proposal_id, User.name, User.side, ConflictOfInterest.declared_at)
        .join(User, User.id == ConflictOfInterest.user_id)
        .join(Proposal, Proposal.id == ConflictOfInterest.proposal_id)
        .where(in_review(cycle))
        .order_by(ConflictOfInterest.proposal_id, User.name)
    ):
        entries[pid].conflicts.append(ConflictLine(name, side.value if side is not None else "", declared_at))
