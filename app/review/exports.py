"""The committee's lists as spreadsheets: the cohort's ranking with its scores, and the reviews.

Each file holds what its page shows to the same person, no more: a viewer who declared a conflict with a
proposal gets its ranking row without scores or rank, and none of its reviews; a reviewer who declared a
conflict is left out of every figure and of the reviews, as on the pages. Cells are written by the one CSV
rule (app/core/csvfile.py) through ``app.web.csv_download``.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import and_, exists, select

from app.extensions import db
from app.models import ConflictOfInterest, Cycle, Proposal, ProposalState, ReviewAssignment, User
from app.review.cohort import SIDES, cohort
from app.review.reviews import review_summary, round2, weighted

RANKING_HEADER = ["Rank", "Proposal", "Title", "Team", "School-based or cross-school", "Schools", "School levels",
                  "Grant type", "Requested", *(f"{s} mean" for s in SIDES), *(f"{s} reviews in" for s in SIDES),
                  "Reviews required per side", "Overall mean", "Tentatively selected"]


def ranking_rows(cycle: Cycle, viewer: User) -> Iterator[list]:
    """The cohort page's ranking, every row (not a page): rank order, the viewer's recusals last."""
    for r in cohort(cycle, viewer, all_rows=True).rows:
        hidden = r.recused
        yield ["Recused" if hidden else (r.rank or "Not yet scored"), r.proposal_id, r.title, r.team_name,
               r.scope.label, "; ".join(r.schools), "; ".join(level.label for level in r.levels),
               r.grant_type_label, r.amount_requested,
               *("" if hidden else r.side_means.get(s) for s in SIDES),
               *("" if hidden else r.side_counts.get(s, 0) for s in SIDES),
               "" if hidden else r.required, "" if hidden else r.overall, r.selected]


def reviews_header(cycle: Cycle) -> list[str]:
    return ["Proposal", "Title", "Reviewer", "Side", "Status",
            *(f"{c.name} (×{c.weight.normalize()})" for c in cycle.criteria),
            "Weighted score", "Recommendation", "Submitted (Boston time)"]


def _review_row(a: ReviewAssignment, proposal_id: int, title: str, criteria, score: Decimal | None) -> list:
    scores = {s.criterion_id: s.score for s in a.scores} if a.is_submitted else {}
    return [proposal_id, title, a.reviewer.name, a.side.value, a.status.label,
            *(scores.get(c.id) for c in criteria), score,
            a.recommendation.label if a.is_submitted and a.recommendation else "", a.submitted_at]


def proposal_review_rows(proposal: Proposal) -> Iterator[list]:
    """The reviews table of a proposal's page (reviewers who declared a conflict left out)."""
    summary = review_summary(proposal)
    for a, score in summary.reviews:
        yield _review_row(a, proposal.id, proposal.display_title, summary.criteria, score)


def cycle_review_rows(cycle: Cycle, viewer: User) -> Iterator[list]:
    """Every review of the cycle's proposals in review, by proposal then side and reviewer; none of a proposal
    the viewer declared a conflict with, none by a reviewer who declared one. Read 500 at a time."""
    criteria = list(cycle.criteria)
    weights = {c.id: c.weight for c in criteria}
    conflicted = exists().where(ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
                                ConflictOfInterest.user_id == ReviewAssignment.reviewer_id)
    viewer_recused = exists().where(ConflictOfInterest.proposal_id == Proposal.id,
                                    ConflictOfInterest.user_id == viewer.id)
    stmt = (
        select(ReviewAssignment, Proposal.title)
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .where(and_(Proposal.cycle_id == cycle.id, Proposal.state == ProposalState.IN_REVIEW), ~conflicted,
               ~viewer_recused)
        .order_by(Proposal.id, ReviewAssignment.side, ReviewAssignment.id)
        .execution_options(yield_per=500)
    )
    for a, title in db.session.execute(stmt):
        score = None
        if a.is_submitted:
            scored = [s for s in a.scores if s.score is not None and s.criterion_id in weights]
            score = round2(weighted(sum((s.score * weights[s.criterion_id] for s in scored), Decimal(0)),
                                    sum((weights[s.criterion_id] for s in scored), Decimal(0))))
        yield _review_row(a, a.proposal_id, title or f"Untitled draft #{a.proposal_id}", criteria, score)
