"""Reviewers: my queue, declaring a conflict of interest, scoring a proposal."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.cases.permissions import assignment_for, can_declare_conflict, is_conflicted
from app.extensions import db
from app.models import Proposal, Recommendation
from app.review.reviews import (
    ReviewError,
    ReviewInput,
    conflict_of,
    declare_conflict,
    queue_for,
    review_refusal,
    save_review,
)
from app.web import get_or_404, roles_required
from forms.review import ConflictForm, review_form_class

bp = Blueprint("review", __name__, url_prefix="/review")

RECUSED = "You declared a conflict of interest with this proposal, so you are recused from it."


def _add_errors(form, exc: ReviewError) -> list[str]:
    """Put a service refusal beside the fields it names; return the messages for the summary."""
    for name, message in exc.fields.items():
        f = getattr(form, name, None)
        if f is not None:
            f.errors = [*f.errors, message]
    return exc.messages


@bp.get("/")
@roles_required("reviewer", "co_chair")
def queue():
    return render_template("review/queue.html", rows=queue_for(current_user))


@bp.route("/proposals/<int:proposal_id>", methods=["GET", "POST"])
@login_required
def review(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    assignment = assignment_for(current_user, proposal)
    if assignment is None:
        abort(403, "Only a reviewer assigned to this proposal can score it.")
    if is_conflicted(current_user, proposal):
        abort(403, RECUSED)
    criteria = proposal.cycle.criteria
    form_class = review_form_class(criteria)
    if request.method == "POST":
        form = form_class()
    else:
        initial = {"recommendation": assignment.recommendation.value if assignment.recommendation else None,
                   "comments": assignment.comments}
        for s in assignment.scores:
            initial[f"score_{s.criterion_id}"] = str(s.score) if s.score is not None else None
            initial[f"comment_{s.criterion_id}"] = s.comment
        form = form_class(data=initial)
    refusal = review_refusal(assignment, current_user, proposal)
    extra: list[str] = []
    if request.method == "POST":
        if refusal:
            extra.append(refusal)
        elif form.validate_on_submit():
            submit = bool(form.submit_review.data)
            data = ReviewInput(
                scores={c.id: int(v) if (v := form[f"score_{c.id}"].data) else None for c in criteria},
                criterion_comments={c.id: form[f"comment_{c.id}"].data or "" for c in criteria},
                recommendation=Recommendation(form.recommendation.data) if form.recommendation.data else None,
                comments=form.comments.data or "",
            )
            try:
                save_review(assignment, current_user, data, submit=submit)
            except ReviewError as exc:
                db.session.rollback()
                extra.extend(_add_errors(form, exc))
            else:
                db.session.commit()
                if submit:
                    flash(f"Your review of “{proposal.display_title}” is submitted.", "success")
                    return redirect(url_for("review.queue"))
                flash("Draft saved. You can come back and finish it before submitting.", "success")
                return redirect(url_for("review.review", proposal_id=proposal.id))
    failed = request.method == "POST" and (bool(extra) or bool(form.errors))
    return render_template(
        "review/review.html", proposal=proposal, assignment=assignment, form=form, criteria=criteria,
        refusal=refusal, extra=extra,
    ), (422 if failed else 200)


@bp.route("/proposals/<int:proposal_id>/conflict", methods=["GET", "POST"])
@login_required
def conflict(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    if not can_declare_conflict(current_user, proposal):
        abort(403, "Only an assigned reviewer or a co-chair can declare a conflict with this proposal.")
    existing = conflict_of(current_user, proposal)
    form = ConflictForm()
    extra: list[str] = []
    if request.method == "POST" and existing is not None:
        flash("You have already declared a conflict of interest with this proposal; you are recused.", "info")
        return redirect(url_for("review.queue"))
    if form.validate_on_submit():
        try:
            declare_conflict(proposal, current_user, form.reason.data)
        except ReviewError as exc:
            db.session.rollback()
            extra.extend(_add_errors(form, exc))
        else:
            db.session.commit()
            flash(f"Conflict declared. You are recused from “{proposal.display_title}”: your assignment no "
                  "longer counts and its scores and ranking are hidden from you.", "success")
            return redirect(url_for("review.queue"))
    failed = request.method == "POST" and (bool(extra) or bool(form.errors))
    return render_template("review/conflict.html", proposal=proposal, form=form, existing=existing,
                           extra=extra), (422 if failed else 200)

