"""Reviewers: my queue, declaring a conflict of interest, scoring a proposal.

Each view loads (404), checks (403 with the reason), picks its form and hands one operation of
``app.review.reviews`` to ``app.web.run``, which commits or rolls back once.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.cases.permissions import assignment_for, can_declare_conflict, is_conflicted
from app.models import Proposal, ReviewAssignment
from app.proposals.drafting import SECTION_LABELS
from app.review.reviews import (
    conflict_of,
    declare_conflict,
    queue_for,
    review_form_data,
    review_refusal,
    save_typed_review,
)
from app.web import Confirm, Refusal, get_or_404, reader, roles_required, run, show_refusal
from forms.review import ConflictForm, review_form_class

bp = Blueprint("review", __name__, url_prefix="/review")

RECUSED = "You declared a conflict of interest with this proposal, so you are recused from it."


def _beside(form, refusal: Refusal) -> list[str]:
    """Put a refusal's field messages beside their fields (the summary lists them from there); the
    sentences about no field go in the summary as they are, so each problem is listed once."""
    return show_refusal(form, refusal)


@bp.get("/")
@roles_required("reviewer", "co_chair")
def queue():
    return render_template("review/queue.html", rows=queue_for(current_user))


# -- scoring -----------------------------------------------------------------------------------
def _scorer(proposal: Proposal) -> ReviewAssignment:
    """The signed-in reviewer's assignment to ``proposal`` (403 for anyone not assigned, or recused)."""
    assignment = assignment_for(current_user, proposal)
    if assignment is None:
        abort(403, "Only a reviewer assigned to this proposal can score it.")
    if is_conflicted(current_user, proposal):
        abort(403, RECUSED)
    return assignment


def _render_review(proposal: Proposal, assignment: ReviewAssignment, form, status: int = 200,
                   extra: list[str] | None = None):
    return render_template(
        "review/review.html", proposal=proposal, assignment=assignment, form=form, criteria=proposal.cycle.criteria,
        refusal=review_refusal(assignment, current_user, proposal), extra=extra or [], sections=SECTION_LABELS,
    ), status


SUBMIT_REVIEW = Confirm("Submit review", "your scores and comments go to the committee and you can no longer "
                                         "change them.")


@bp.route("/proposals/<int:proposal_id>", methods=["GET", "POST"])
@login_required
def review(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    assignment = _scorer(proposal)
    form_class = review_form_class(proposal.cycle.criteria)
    if request.method != "POST":
        return _render_review(proposal, assignment, form_class(data=review_form_data(assignment)))
    form = form_class()
    return run(
        lambda: save_typed_review(assignment, current_user, reader(form)),
        done=lambda saved: (url_for("review.queue") if saved.is_submitted
                            else url_for("review.review", proposal_id=proposal.id)),
        success=lambda saved: (f"Your review of “{proposal.display_title}” is submitted." if saved.is_submitted
                               else "Draft saved. You can come back and finish it before submitting."),
        again=lambda refusal: _render_review(proposal, assignment, form, 422, _beside(form, refusal)),
        confirm=SUBMIT_REVIEW if form.submit_review.data else None,
    )


# -- conflicts ---------------------------------------------------------------------------------
def _render_conflict(proposal: Proposal, form: ConflictForm, existing, status: int = 200,
                     extra: list[str] | None = None):
    return render_template("review/conflict.html", proposal=proposal, form=form, existing=existing,
                           extra=extra or []), status


@bp.route("/proposals/<int:proposal_id>/conflict", methods=["GET", "POST"])
@login_required
def conflict(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    if not can_declare_conflict(current_user, proposal):
        abort(403, "Only an assigned reviewer or a co-chair can declare a conflict with this proposal.")
    existing = conflict_of(current_user, proposal)
    form = ConflictForm()
    if request.method != "POST":
        return _render_conflict(proposal, form, existing)
    if existing is not None:
        flash("You have already declared a conflict of interest with this proposal; you are recused.", "info")
        return redirect(url_for("review.queue"))
    return run(
        lambda: declare_conflict(proposal, current_user, form.reason.data), form=form,
        done=url_for("review.queue"),
        success=(f"Conflict declared. You are recused from “{proposal.display_title}”: your assignment no "
                 "longer counts and its scores and ranking are hidden from you."),
        again=lambda refusal: _render_conflict(proposal, form, existing, 422, _beside(form, refusal)),
        once=True,
    )
