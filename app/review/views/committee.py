"""The committee: cohort selection and the two-key joint decision."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.cases.permissions import can_see_scores, can_take_part_in_decision, is_conflicted
from app.extensions import db
from app.models import Cycle, Decision, Proposal, ProposalState
from app.review import cohort as cohort_service
from app.review.decisions import DecisionError, participation_refusal, propose, withdraw
from app.review.decisions import confirm as confirm_decision
from app.review.reviews import ReviewError, review_summary
from app.web import flash_refusal, get_or_404, roles_required
from forms.review import DecisionForm
from workflows import TransitionRefused

bp = Blueprint("committee", __name__, url_prefix="/committee")


@bp.get("/")
@roles_required("co_chair", "staff")
def index():
    return render_template("review/committee.html", cycles=cohort_service.cycles_with_counts())


@bp.get("/cycles/<int:cycle_id>")
@roles_required("co_chair", "staff")
def cohort(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    return render_template("review/cohort.html", cohort=cohort_service.cohort(cycle, current_user))


@bp.post("/proposals/<int:proposal_id>/select")
@roles_required("co_chair")
def select(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    try:
        selected = cohort_service.toggle_selection(proposal, current_user)
    except ReviewError as exc:
        db.session.rollback()
        flash_refusal(exc)
    else:
        db.session.commit()
        flash(f"“{proposal.display_title}” is {'now' if selected else 'no longer'} tentatively selected.", "success")
    return redirect(url_for("committee.cohort", cycle_id=proposal.cycle_id, _anchor=f"p-{proposal.id}"))


@bp.route("/proposals/<int:proposal_id>/decide", methods=["GET", "POST"])
@roles_required("co_chair")
def decide(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    refusal = participation_refusal(proposal, current_user)
    if refusal:
        abort(403, refusal)
    form = DecisionForm()
    extra: list[str] = []
    if form.validate_on_submit():
        try:
            propose(proposal, current_user, form.outcome.data, award=form.award.data,
                    conditions=form.conditions.data or "", feedback=form.feedback.data or "")
        except DecisionError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                f = getattr(form, name, None)
                if f is not None:
                    f.errors = [*f.errors, message]
            extra.extend(exc.messages)
        else:
            db.session.commit()
            flash("Decision recorded. It takes effect when a co-chair of the other side confirms it.", "success")
            return redirect(url_for("committee.decide", proposal_id=proposal.id))
    failed = request.method == "POST" and (bool(extra) or bool(form.errors))
    return render_template(
        "review/decide.html", proposal=proposal, form=form, extra=extra,
        summary=review_summary(proposal) if can_see_scores(current_user, proposal) else None,
        pool_left=proposal.cycle.pool_remaining(),
    ), (422 if failed else 200)


@bp.post("/decisions/<int:decision_id>/confirm")
@roles_required("co_chair")
def confirm(decision_id: int):
    decision = get_or_404(Decision, decision_id)
    proposal = decision.proposal
    try:
        confirm_decision(decision, current_user)
    except (TransitionRefused, DecisionError) as exc:
        db.session.rollback()
        flash_refusal(exc)
    else:
        db.session.commit()
        flash(f"Decision confirmed: “{proposal.display_title}” is now {proposal.state_label.lower()}.", "success")
    return redirect(url_for("committee.decide", proposal_id=decision.proposal_id))


@bp.post("/decisions/<int:decision_id>/withdraw")
@roles_required("co_chair")
def withdraw_decision(decision_id: int):
    decision = get_or_404(Decision, decision_id)
    try:
        withdraw(decision, current_user)
    except DecisionError as exc:
        db.session.rollback()
        flash_refusal(exc)
    else:
        db.session.commit()
        flash("Your recorded decision is withdrawn. A new decision can be recorded.", "success")
    return redirect(url_for("committee.decide", proposal_id=decision.proposal_id))


# -- the case page's decision panel ------------------------------------------------------------
@bp.app_template_global()
def decision_panel(proposal: Proposal, user) -> dict | None:
    """What ``proposals/_decision_panel.html`` shows to ``user``, or None when it is not for them.

    Co-chairs of an in-review proposal: the pending decision and what they may do with it.
    Co-chairs and staff, once decided: the joint decision with both names and times.
    """
    if not (user and user.is_authenticated) or not user.has_role("co_chair", "staff"):
        return None
    in_review = proposal.state is ProposalState.IN_REVIEW
    confirmed = proposal.confirmed_decision
    if not in_review and confirmed is None:
        return None
    if in_review and not user.has_role("co_chair"):
        return None
    pending = proposal.pending_decision if in_review else None
    takes_part = can_take_part_in_decision(user, proposal)
    return {
        "in_review": in_review,
        "pending": pending,
        "confirmed": confirmed,
        "conflicted": is_conflicted(user, proposal),
        "can_record": in_review and takes_part and pending is None,
        "can_confirm": bool(pending and takes_part and pending.proposed_side != user.side),
        "can_withdraw": bool(pending and pending.proposed_by_id == user.id),
        "waiting": bool(pending and takes_part and pending.proposed_side == user.side),
    }
