"""The committee: cohort selection and the two-key joint decision (one side records, the other confirms)."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from app.cases import joint, panels
from app.cases.permissions import can_see_scores, can_view_proposal
from app.models import Cycle, Decision, Proposal
from app.review import cohort as cohort_ops
from app.review import decisions, exports
from app.review.reviews import review_summary
from app.web import csv_download, get_or_404, page_number, reader, roles_required, run, show_refusal
from forms.review import DecisionForm, NotConfirmedForm

bp = Blueprint("committee", __name__, url_prefix="/committee")


@bp.get("/")
@roles_required(*cohort_ops.COMMITTEE_ROLES)
def index():
    return render_template("review/committee.html", cycles=cohort_ops.cycles_with_counts())


@bp.get("/cycles/<int:cycle_id>")
@roles_required(*cohort_ops.COMMITTEE_ROLES)
def cohort(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    return render_template("review/cohort.html", cohort=cohort_ops.cohort(cycle, current_user, page_number()))


@bp.get("/cycles/<int:cycle_id>/ranking.csv")
@roles_required(*cohort_ops.COMMITTEE_ROLES)
def ranking_csv(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    return csv_download(f"ranking-{cycle.id}", exports.RANKING_HEADER, exports.ranking_rows(cycle, current_user))


@bp.get("/cycles/<int:cycle_id>/reviews.csv")
@roles_required(*cohort_ops.COMMITTEE_ROLES)
def cycle_reviews_csv(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    return csv_download(f"reviews-{cycle.id}", exports.reviews_header(cycle),
                        exports.cycle_review_rows(cycle, current_user))


@bp.get("/proposals/<int:proposal_id>/reviews.csv")
@roles_required(*cohort_ops.COMMITTEE_ROLES)
def proposal_reviews_csv(proposal_id: int):
    """The reviews table of the proposal's page, for whoever sees it there."""
    proposal = get_or_404(Proposal, proposal_id)
    if not can_view_proposal(current_user, proposal):
        abort(403)
    if not can_see_scores(current_user, proposal):
        abort(403, "You declared a conflict of interest with this proposal: its reviews are hidden from you.")
    return csv_download(f"reviews-proposal-{proposal.id}", exports.reviews_header(proposal.cycle),
                        exports.proposal_review_rows(proposal))


@bp.post("/proposals/<int:proposal_id>/select")
@roles_required("co_chair")
def select(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    back_to = page_number() if page_number() > 1 else None  # the page the co-chair selected it on
    return run(
        lambda: cohort_ops.toggle_selection(proposal, current_user),
        done=url_for("committee.cohort", cycle_id=proposal.cycle_id, page=back_to, _anchor=f"p-{proposal.id}"),
        success=lambda selected: (f"“{proposal.display_title}” is {'now' if selected else 'no longer'} "
                                  "tentatively selected."),
        once=True,  # a double click would undo itself
    )


def _decide_page(proposal: Proposal, form: DecisionForm, status: int = 200, extra: list[str] | None = None,
                 send_back_form: NotConfirmedForm | None = None):
    return render_template(
        "review/decide.html", proposal=proposal, form=form, extra=extra or [],
        send_back_form=send_back_form or NotConfirmedForm(formdata=None),
        summary=review_summary(proposal) if can_see_scores(current_user, proposal) else None,
        pool_left=proposal.cycle.pool_remaining(),
        panels=SimpleNamespace(decision=panels.decision(proposal, current_user)),
    ), status


@bp.route("/proposals/<int:proposal_id>/decide", methods=["GET", "POST"])
@roles_required("co_chair")
def decide(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    form = DecisionForm()
    if request.method != "POST":
        refusal = decisions.participation_refusal(proposal, current_user)
        if refusal:
            abort(403, refusal)
        return _decide_page(proposal, form)
    return run(
        lambda: decisions.propose(proposal, current_user, fields=reader(form)),
        done=url_for("committee.decide", proposal_id=proposal.id),
        success="Decision recorded. It takes effect when a co-chair of the other side confirms it.",
        again=lambda refusal: _decide_page(get_or_404(Proposal, proposal_id), form, 422,
                                           show_refusal(form, refusal)),
        once=True,
    )


@bp.post("/decisions/<int:decision_id>/confirm")
@roles_required("co_chair")
def confirm(decision_id: int):
    decision = get_or_404(Decision, decision_id)
    proposal = decision.proposal
    return run(
        lambda: decisions.confirm(decision, current_user),
        done=url_for("committee.decide", proposal_id=decision.proposal_id),
        success=lambda _: f"Decision confirmed: “{proposal.display_title}” is now {proposal.state_label.lower()}.",
    )


@bp.post("/decisions/<int:decision_id>/withdraw")
@roles_required("co_chair")
def withdraw_decision(decision_id: int):
    decision = get_or_404(Decision, decision_id)
    return run(
        lambda: decisions.withdraw(decision, current_user),
        done=url_for("committee.decide", proposal_id=decision.proposal_id),
        success="Your recorded decision is withdrawn. A new decision can be recorded.",
    )


@bp.post("/decisions/<int:decision_id>/not-confirmed")
@roles_required("co_chair")
def not_confirm(decision_id: int):
    decision = get_or_404(Decision, decision_id)
    proposal_id, form = decision.proposal_id, NotConfirmedForm()
    return run(
        lambda: decisions.not_confirm(decision, current_user, fields=reader(form)),
        done=url_for("committee.decide", proposal_id=proposal_id),
        success=joint.SENT_BACK_DONE,
        again=lambda refusal: _decide_page(get_or_404(Proposal, proposal_id), DecisionForm(formdata=None), 422,
                                           show_refusal(form, refusal), send_back_form=form),
        once=True,
    )
