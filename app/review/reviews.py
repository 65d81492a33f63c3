"""Reviewing: the reviewer's queue, declaring a conflict of interest, scoring a proposal.

A declared conflict recuses the reviewer: their assignment no longer counts (the model's
``assigned_reviewer_counts`` and ``submitted_review_counts`` leave them out) and the proposal's
scores, reviews and rank are hidden from them everywhere (see ``app.cases.permissions.can_see_scores``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, select

from app.cases.advance import record_event
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import (
    ConflictOfInterest,
    CriterionScore,
    Cycle,
    Proposal,
    ProposalState,
    Recommendation,
    ReviewAssignment,
    ReviewStatus,
    Team,
    User,
)
from workflows.proposal import SCREENING, UNDER_CONSIDERATION

S = ProposalState

# Proposals a reviewer works on: in review, and submitted ones assigned ahead of review.
# States in which a conflict can still matter (before the committee's decision).

SCORES = (1, 2, 3, 4)


class ReviewError(FormError):
    """A refusal a user reads. ``messages`` are sentences; ``fields`` name the form fields at fault."""


# -- the queue -------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueRow:
    assignment_id: int
    proposal_id: int
    title: str
    team_name: str
    cycle_name: str
    state: ProposalState
    status: ReviewStatus
    due_on: date | None
    recused: bool

    @property
    def overdue(self) -> bool:
        return (
            not self.recused
            and self.status is not ReviewStatus.SUBMITTED
            and self.due_on is not None
            and self.due_on < clock.today()
        )

    @property
    def can_score(self) -> bool:
        return not self.recused and self.state is S.IN_REVIEW

    @property
    def status_label(self) -> str:
        return "Recused (conflict declared)" if self.recused else self.status.label


def queue_for(user: User) -> list[QueueRow]:
    """My assignments in proposals in review (and submitted ones assigned ahead of review).

    One SELECT of plain columns, whatever the number of assignments.
    """
    coi = ConflictOfInterest
    rows = db.session.execute(
        select(
            ReviewAssignment.id, Proposal.id, Proposal.title, Team.name, Cycle.name, Proposal.state,
            ReviewAssignment.status, ReviewAssignment.due_on, coi.id,
        )
        .select_from(ReviewAssignment)
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .join(Team, Team.id == Proposal.team_id)
        .join(Cycle, Cycle.id == Proposal.cycle_id)
        .outerjoin(coi, and_(coi.proposal_id == Proposal.id, coi.user_id == ReviewAssignment.reviewer_id))
        # From the proposals being screened or reviewed (a few hundred), never the reviewer's years of
        # assignments: the index on (proposal_id, reviewer_id) finds theirs.
        .where(ReviewAssignment.reviewer_id == user.id,
               ReviewAssignment.proposal_id.in_(select(Proposal.id).where(Proposal.state.in_(SCREENING))),
               Proposal.state.in_(SCREENING))
        .order_by(ReviewAssignment.due_on.is_(None), ReviewAssignment.due_on, Proposal.id)
    ).all()
    out = [
        QueueRow(aid, pid, title or f"Untitled draft #{pid}", team, cycle, state, status, due, coi_id is not None)
        for aid, pid, title, team, cycle, state, status, due, coi_id in rows
    ]
    # Work still to do first, then submitted reviews, then recusals.
    return sorted(out, key=lambda r: (r.recused, r.status is ReviewStatus.SUBMITTED))


# -- conflicts -------------------------------------------------------------------------------
def conflict_of(user: User, proposal: Proposal) -> ConflictOfInterest | None:
    for c in proposal.conflicts:
        if c.user_id == user.id:
            return c
    return None


def declare_conflict(proposal: Proposal, user: User, reason: str) -> ConflictOfInterest:
    """Record ``user``'s conflict with ``proposal`` and recuse them.

    The reason stays in the conflict record and the audit event's data (for staff); the event's
    comment, which the timeline shows, says only that a reviewer was recused. A pending decision
    this user recorded is withdrawn: someone with a conflict takes no part in the decision.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Give the reason for the conflict of interest.", {"reason": "Give a reason."})
    if conflict_of(user, proposal) is not None:
        raise ReviewError("You have already declared a conflict of interest with this proposal.")
    if proposal.state not in UNDER_CONSIDERATION:
        raise ReviewError(
            f"This proposal is {proposal.state_label.lower()}; a conflict can only be declared "
            "before the committee decides."
        )
    conflict = ConflictOfInterest(proposal=proposal, user=user, reason=reason, declared_at=clock.now())
    db.session.add(conflict)
    record_event(
        proposal, "declare_conflict", user, comment="Reviewer recused",
        data={"reason": reason, "side": user.side_name},
    )
    pending = proposal.pending_decision
    if pending is not None and pending.proposed_by_id == user.id:
        pending.withdrawn_at = clock.now()
        pending.withdrawn_by_id = user.id
        record_event(proposal, "withdraw_decision", user,
                     comment="Decision withdrawn: the co-chair who recorded it declared a conflict.",
                     data={"decision_id": pending.id})
    db.session.flush()
    return conflict


# -- scoring ---------------------------------------------------------------------------------
@dataclass
class ReviewInput:
    """What a reviewer typed: a score (or None) and a comment per criterion id."""

    scores: dict[int, int | None] = field(default_factory=dict)
    criterion_comments: dict[int, str] = field(default_factory=dict)
    recommendation: Recommendation | None = None
    comments: str = ""


def review_refusal(assignment: ReviewAssignment | None, user: User, proposal: Proposal) -> str | None:
    """Why ``user`` may not score ``proposal`` now, or None."""
    if assignment is None or assignment.reviewer_id != user.id:
        return "Only a reviewer assigned to this proposal can score it."
    if user.id in proposal.conflicted_user_ids():
        return "You declared a conflict of interest with this proposal, so you are recused from reviewing it."
    if proposal.state is not S.IN_REVIEW:
        if proposal.state is S.SUBMITTED:
            return "Scoring opens when staff begin the review of this proposal."
        return f"This proposal is {proposal.state_label.lower()}, so reviews are closed."
    if assignment.is_submitted:
        return "You have submitted this review; it can no longer be changed."
    return None


def review_form_data(assignment: ReviewAssignment) -> dict:
    """What the review form shows before the reviewer types: their scores, comments and recommendation so far."""
    data = {"recommendation": assignment.recommendation.value if assignment.recommendation else None,
            "comments": assignment.comments}
    for s in assignment.scores:
        data[f"score_{s.criterion_id}"] = str(s.score) if s.score is not None else None
        data[f"comment_{s.criterion_id}"] = s.comment
    return data


def save_typed_review(assignment: ReviewAssignment, user: User, typed: Callable[[], dict]) -> ReviewAssignment:
    """The review page's "Save draft" and "Submit review": whether ``user`` may score now first (a refusal
    whatever they sent), then what they typed (``typed()``, the form's reader: ``score_<id>``,
    ``comment_<id>``, ``recommendation``, ``comments``, and ``submit_review`` when they submit)."""
    refusal = review_refusal(assignment, user, assignment.proposal)
    if refusal:
        raise ReviewError(refusal)
    fields = typed()
    criteria = assignment.proposal.cycle.criteria
    data = ReviewInput(
        scores={c.id: int(v) if (v := fields.get(f"score_{c.id}")) else None for c in criteria},
        criterion_comments={c.id: fields.get(f"comment_{c.id}") or "" for c in criteria},
        recommendation=Recommendation(fields["recommendation"]) if fields.get("recommendation") else None,
        comments=fields.get("comments") or "",
    )
    return save_review(assignment, user, data, submit=bool(fields.get("submit_review")))


def save_review(assignment: ReviewAssignment, user: User, data: ReviewInput, submit: bool) -> ReviewAssignment:
    """Save a draft (partial input is fine) or submit (every criterion scored and a recommendation)."""
    proposal = assignment.proposal
    refusal = review_refusal(assignment, user, proposal)
    if refusal:
        raise ReviewError(refusal)
    criteria = proposal.cycle.criteria
    known = {c.id for c in criteria}
    for cid, score in data.scores.items():
        if cid not in known:
            raise ReviewError("A score was sent for a criterion that is not on this cycle's rubric.")
        if score is not None and score not in SCORES:
            raise ReviewError("Each score must be 1, 2, 3 or 4.", {f"score_{cid}": "Choose 1, 2, 3 or 4."})
    if submit:
        missing = [c for c in criteria if data.scores.get(c.id) is None]
        problems, fields = [], {}
        if missing:
            problems.append("Score every criterion before submitting. Not yet scored: "
                            + ", ".join(c.name for c in missing) + ".")
            fields.update({f"score_{c.id}": f"Score “{c.name}” before submitting." for c in missing})
        if data.recommendation is None:
            problems.append("Choose a recommendation before submitting.")
            fields["recommendation"] = "Choose a recommendation before submitting."
        if problems:
            raise ReviewError(problems, fields)

    by_criterion = {s.criterion_id: s for s in assignment.scores}
    for c in criteria:
        score = data.scores.get(c.id)
        comment = (data.criterion_comments.get(c.id) or "").strip()
        row = by_criterion.get(c.id)
        if row is None:
            if score is None and not comment:
                continue
            row = CriterionScore(criterion_id=c.id)
            assignment.scores.append(row)
        row.score = score
        row.comment = comment
    assignment.recommendation = data.recommendation
    assignment.comments = (data.comments or "").strip()
    if submit:
        assignment.status = ReviewStatus.SUBMITTED
        assignment.submitted_at = clock.now()
        record_event(
            proposal, "submit_review", user, comment=f"Review submitted ({assignment.side.value} side)",
            data={"assignment_id": assignment.id, "side": assignment.side.value},
        )
    else:
        assignment.status = ReviewStatus.DRAFT
    db.session.flush()
    return assignment


# -- reading reviews -------------------------------------------------------------------------
def round2(value: Decimal | None) -> Decimal | None:
    """Scores are shown to two places, halves rounded up (3.125 -> 3.13)."""
    return None if value is None else value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def weighted(num, den) -> Decimal | None:
    """One review's weighted score: sum(score * weight) / sum(weight), unrounded."""
    num, den = Decimal(str(num or 0)), Decimal(str(den or 0))
    return num / den if den else None


def mean(values: list[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


def weighted_score(assignment: ReviewAssignment) -> Decimal | None:
    """sum(score * weight) / sum(weight) over the scored criteria (unrounded)."""
    num = den = Decimal(0)
    for s in assignment.scores:
        if s.score is not None:
            num += s.score * s.criterion.weight
            den += s.criterion.weight
    return weighted(num, den)


@dataclass
class ReviewSummary:
    """Every review of a proposal, for staff and non-conflicted co-chairs."""

    criteria: list
    reviews: list[tuple[ReviewAssignment, Decimal | None]]
    side_means: dict[str, Decimal | None]
    overall_mean: Decimal | None
    counts: dict[str, int]


def review_summary(proposal: Proposal) -> ReviewSummary:
    conflicted = proposal.conflicted_user_ids()
    reviews = []
    by_side: dict[str, list[Decimal]] = {"BTU": [], "BPS": []}
    for a in proposal.assignments:
        if a.reviewer_id in conflicted:
            continue
        score = round2(weighted_score(a)) if a.is_submitted else None
        reviews.append((a, score))
        if a.is_submitted and (exact := weighted_score(a)) is not None:
            by_side.setdefault(a.side.value, []).append(exact)
    return ReviewSummary(
        criteria=list(proposal.cycle.criteria),
        reviews=reviews,
        side_means={side: round2(mean(v)) for side, v in by_side.items()},
        overall_mean=round2(mean([v for vals in by_side.values() for v in vals])),
        counts={side: len(v) for side, v in by_side.items()},
    )
