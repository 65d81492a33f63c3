"""Printed documents: a proposal's packet for reviewers and decision letter, a cycle's committee docket (PDF)."""
from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_login import current_user, login_required

from app.cases import permissions
from app.core import clock, pdf
from app.models import REQUIRED_SECTIONS, Cycle, Proposal
from app.review import cohort
from app.review import docket as docket_ops
from app.web import download, get_or_404, roles_required
from workflows.proposal import PROPOSAL

bp = Blueprint("documents", __name__, url_prefix="/documents")

# The written answers, in the order the proposal form asks for them.
TEXT_SECTIONS = ("challenge", "students", "plan", "success_measures", "sharing_plan", "timeline")


def packet_context(proposal: Proposal) -> dict:
    return {
        "proposal": proposal,
        "team": proposal.team,
        "schools": proposal.team.schools,
        "sections": [(REQUIRED_SECTIONS[attr], getattr(proposal, attr)) for attr in TEXT_SECTIONS],
        "printed_at": clock.now(),
    }


def letter_context(proposal: Proposal) -> dict:
    decision = proposal.confirmed_decision
    return {
        "proposal": proposal,
        "team": proposal.team,
        "schools": proposal.team.schools,
        "decision": decision,
        # The stage the decision moved the proposal to, named as the workflow names it.
        "outcome_label": PROPOSAL.label(PROPOSAL.transition(decision.outcome.value).dest),
    }


def _pdf_response(body: bytes, filename: str) -> Response:
    return download(body, filename, "application/pdf")


@bp.get("/proposals/<int:proposal_id>/packet.pdf")
@login_required
def packet(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    if not permissions.can_see_review_packet(current_user, proposal):
        abort(403)
    body = pdf.render("pdf/packet.html", **packet_context(proposal))
    return _pdf_response(body, f"proposal-{proposal.id}-packet.pdf")


@bp.get("/proposals/<int:proposal_id>/decision-letter.pdf")
@login_required
def letter(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    if not permissions.can_see_decision_letter(current_user, proposal):
        # Someone who may see the proposal learns that there is no letter yet; nobody else does.
        if proposal.confirmed_decision is None and permissions.can_view_proposal(current_user, proposal):
            abort(404)
        abort(403)
    body = pdf.render("pdf/letter.html", **letter_context(proposal))
    return _pdf_response(body, f"proposal-{proposal.id}-decision-letter.pdf")



@bp.get("/cycles/<int:cycle_id>/docket.pdf")
@roles_required(*cohort.COMMITTEE_ROLES)  # whoever sees the cohort page
def docket(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    try:
        found = docket_ops.docket(cycle, current_user)
    except docket_ops.NothingInReview as exc:
        abort(404, str(exc))
    body = pdf.render("pdf/docket.html", docket=found, viewer=current_user)
    return _pdf_response(body, f"committee-docket-cycle-{cycle.id}.pdf")
