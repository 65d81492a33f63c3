"""Reviewer queue, conflicts, scoring; cohort selection and the joint decision."""
from app.extensions import db
from app.models import DecisionOutcome, ProposalState
from tests.access import Case
from tests.factories import Factory

REVIEWERS = {"reviewer_btu": 200, "reviewer_unassigned": 200, "co_chair_btu": 200, "co_chair_bps": 200}
CO_CHAIRS_AND_STAFF = {"co_chair_btu": 200, "co_chair_bps": 200, "staff": 200}
CO_CHAIRS_REDIRECT = {"co_chair_btu": 302, "co_chair_bps": 302}


def _in_review(w) -> int:
    return w.in_review.id


def _pending_decision(w) -> int:
    """A decision recorded by the BTU co-chair on the proposal in review, waiting for the BPS side."""
    d = Factory().decision(w.in_review, w.co_chair_btu, outcome=DecisionOutcome.DECLINE, feedback="Not this round.")
    db.session.commit()
    return d.id


def _recused_co_chair(w) -> int:
    """The in-review proposal, with the BTU co-chair recused from it (declared once)."""
    if w.co_chair_btu.id not in w.in_review.conflicted_user_ids():
        Factory().conflict(w.in_review, w.co_chair_btu)
        db.session.commit()
    return w.in_review.id


CASES = [
    Case("review.queue", lambda w: "/review/", expect=REVIEWERS),
    Case("review.review", lambda w: f"/review/proposals/{_in_review(w)}", expect={"reviewer_btu": 200},
         missing=lambda w: "/review/proposals/999999", missing_as="reviewer_btu"),
    # reviewer_btu's review of the in-review proposal is already submitted: the form is refused (422)
    Case("review.review", lambda w: f"/review/proposals/{_in_review(w)}", method="POST",
         data=lambda w: {"save": "Save draft"}, expect={"reviewer_btu": 422}),
    Case("review.review", lambda w: f"/review/proposals/{w.proposals[ProposalState.REVISIONS_REQUESTED].id}",
         label="not-in-review", expect={"reviewer_btu": 200}),
    Case("review.conflict", lambda w: f"/review/proposals/{_in_review(w)}/conflict",
         expect={"reviewer_btu": 200, "co_chair_btu": 200, "co_chair_bps": 200},
         missing=lambda w: "/review/proposals/999999/conflict", missing_as="reviewer_btu"),
    Case("review.conflict", lambda w: f"/review/proposals/{_in_review(w)}/conflict", method="POST",
         data=lambda w: {"reason": "My cousin leads this team."},
         expect={"reviewer_btu": 302, "co_chair_btu": 302, "co_chair_bps": 302}),
    Case("review.conflict", lambda w: f"/review/proposals/{w.draft.id}/conflict", label="draft",
         expect={}),
    Case("committee.index", lambda w: "/committee/", expect=CO_CHAIRS_AND_STAFF),
    Case("committee.cohort", lambda w: f"/committee/cycles/{w.cycle.id}", expect=CO_CHAIRS_AND_STAFF,
         missing=lambda w: "/committee/cycles/999999"),
    Case("committee.ranking_csv", lambda w: f"/committee/cycles/{w.cycle.id}/ranking.csv", expect=CO_CHAIRS_AND_STAFF,
         missing=lambda w: "/committee/cycles/999999/ranking.csv"),
    Case("committee.cycle_reviews_csv", lambda w: f"/committee/cycles/{w.cycle.id}/reviews.csv",
         expect=CO_CHAIRS_AND_STAFF, missing=lambda w: "/committee/cycles/999999/reviews.csv"),
    # the reviews table of a proposal's page: whoever sees it there (staff; co-chairs once it left the draft)
    Case("committee.proposal_reviews_csv", lambda w: f"/committee/proposals/{_in_review(w)}/reviews.csv",
         expect=CO_CHAIRS_AND_STAFF, missing=lambda w: "/committee/proposals/999999/reviews.csv"),
    Case("committee.proposal_reviews_csv", lambda w: f"/committee/proposals/{w.draft.id}/reviews.csv",
         expect={"staff": 200}, label="draft"),
    Case("committee.proposal_reviews_csv", lambda w: f"/committee/proposals/{_recused_co_chair(w)}/reviews.csv",
         expect={"co_chair_bps": 200, "staff": 200}, label="recused"),
    Case("committee.select", lambda w: f"/committee/proposals/{_in_review(w)}/select", method="POST",
         expect=CO_CHAIRS_REDIRECT, missing=lambda w: "/committee/proposals/999999/select",
         missing_as="co_chair_btu"),
    Case("committee.decide", lambda w: f"/committee/proposals/{_in_review(w)}/decide",
         expect={"co_chair_btu": 200, "co_chair_bps": 200},
         missing=lambda w: "/committee/proposals/999999/decide", missing_as="co_chair_btu"),
    Case("committee.decide", lambda w: f"/committee/proposals/{_in_review(w)}/decide", method="POST",
         data=lambda w: {"outcome": "decline", "feedback": "Not this round."}, expect=CO_CHAIRS_REDIRECT),
    Case("committee.confirm", lambda w: f"/committee/decisions/{_pending_decision(w)}/confirm", method="POST",
         expect=CO_CHAIRS_REDIRECT, missing=lambda w: "/committee/decisions/999999/confirm",
         missing_as="co_chair_bps"),
    # Two keys both ways: the BPS co-chair (the other side) sends the BTU side's decision back; the BTU
    # co-chair (the side that recorded it) may not, nor anyone else. Without a comment: the page again.
    Case("committee.not_confirm", lambda w: f"/committee/decisions/{_pending_decision(w)}/not-confirmed",
         method="POST", data=lambda w: {"comment": "The review scores do not support this."},
         expect={"co_chair_bps": 302}, missing=lambda w: "/committee/decisions/999999/not-confirmed",
         missing_as="co_chair_bps"),
    Case("committee.not_confirm", lambda w: f"/committee/decisions/{_pending_decision(w)}/not-confirmed",
         method="POST", label="no-comment", data=lambda w: {"comment": ""}, expect={"co_chair_bps": 422}),
    Case("committee.withdraw_decision", lambda w: f"/committee/decisions/{_pending_decision(w)}/withdraw",
         method="POST", expect=CO_CHAIRS_REDIRECT, missing=lambda w: "/committee/decisions/999999/withdraw",
         missing_as="co_chair_btu"),
]
