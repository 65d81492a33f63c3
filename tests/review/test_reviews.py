"""Scoring from the review form (the operation the review page hands to the request pipeline)."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import ProposalState, Recommendation, ReviewStatus
from app.review.reviews import ReviewError, review_form_data, save_typed_review
from tests.review.test_review_pages import fresh  # noqa: F401  (the fixture: a fresh assignment in review)

S = ProposalState


@pytest.fixture
def assignment(fresh):  # noqa: F811
    return fresh[1]


def never_read():
    raise AssertionError("the form is read only once the reviewer may score")


def test_a_closed_review_is_refused_before_the_form_is_read(world, factory, assignment):
    factory.review(assignment)
    db.session.commit()
    with pytest.raises(ReviewError, match="can no longer be changed"):
        save_typed_review(assignment, assignment.reviewer, never_read)


def test_a_draft_then_a_submission_from_what_was_typed(world, assignment):
    ids = [c.id for c in world.cycle.criteria]
    typed = {f"score_{ids[0]}": "3", f"comment_{ids[0]}": "Clear aims.", "recommendation": None,
             "comments": " Promising. ", "save": True, "submit_review": False}
    saved = save_typed_review(assignment, assignment.reviewer, lambda: typed)
    assert saved.status is ReviewStatus.DRAFT
    data = review_form_data(saved)
    assert data[f"score_{ids[0]}"] == "3" and data[f"comment_{ids[0]}"] == "Clear aims."
    assert data["comments"] == "Promising." and data["recommendation"] is None

    with pytest.raises(ReviewError) as exc:
        save_typed_review(assignment, assignment.reviewer, lambda: {**typed, "submit_review": True})
    assert "recommendation" in exc.value.fields
    db.session.rollback()

    full = {**{f"score_{i}": "4" for i in ids}, "recommendation": Recommendation.FUND.value, "submit_review": True}
    saved = save_typed_review(assignment, assignment.reviewer, lambda: full)
    assert saved.status is ReviewStatus.SUBMITTED and saved.recommendation is Recommendation.FUND
