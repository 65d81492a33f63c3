"""Proposals: my proposals, a new draft, editing it, its files, and the case page with its actions.

Each view loads (404), checks (403 with a reason), picks its form and hands one operation to
``app.web.run``, which commits or rolls back once (a refused form comes back with what was typed).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from app.cases import advance
from app.cases.advance import transition_or_404
from app.cases.panels import case_actions, proposal_panels
from app.cases.permissions import can_edit_proposal, can_view_proposal, can_view_team, is_team_member
from app.extensions import db
from app.models import Attachment, BudgetCategory, GrantType, Proposal
from app.proposals import attachments, drafting
from app.web import Confirm, download, get_or_404, page_number, reader, roles_required, run, show_refusal
from forms.proposals import BLANK_BUDGET_ROWS, NewProposalForm, ProposalForm, UploadForm, action_form_class
from workflows.proposal import PROPOSAL

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


def _load(proposal_id: int) -> Proposal:
    proposal = drafting.load_for_case_page(proposal_id)
    if proposal is None:
        abort(404)
    return proposal


# -- the case page ---------------------------------------------------------------------------
def _render_case(proposal: Proposal, status: int = 200, refusal=None, fired: str | None = None, fired_form=None):
    actions, forms = case_actions(proposal, current_user, action_form_class, fired, fired_form, refusal)
    return render_template(
        "proposals/show.html", proposal=proposal, actions=actions, action_forms=forms, fired=fired,
        fired_form=fired_form, errors=refusal.messages if refusal else [],
        timeline=drafting.timeline(proposal, current_user), sections=drafting.SECTION_LABELS,
        can_edit=can_edit_proposal(current_user, proposal), panels=proposal_panels(proposal, current_user),
        team_decision=proposal.confirmed_decision if is_team_member(current_user, proposal) else None,
        can_view_team=can_view_team(current_user, proposal.team), upload_form=UploadForm(formdata=None),
    ), status


def _viewable(proposal_id: int) -> Proposal:
    proposal = _load(proposal_id)
    if not can_view_proposal(current_user, proposal):
        abort(403)
    return proposal


@bp.get("/<int:proposal_id>")
@login_required
def show(proposal_id: int):
    return _render_case(_viewable(proposal_id))


@bp.post("/<int:proposal_id>/actions/<trigger>")
@login_required
def fire(proposal_id: int, trigger: str):
    t = transition_or_404(PROPOSAL, trigger)
    proposal = _viewable(proposal_id)
    form = action_form_class(trigger, t.fields)()
    return run(
        lambda: advance.fire(proposal, trigger, current_user, reader(form)),
        done=url_for(".show", proposal_id=proposal_id),
        success=lambda _: f"{t.label}: done. The proposal is now {proposal.state_label.lower()}.",
        again=lambda refusal: _render_case(_load(proposal_id), 422, refusal, trigger, form),
        confirm=Confirm(t.label, t.confirm, proposal.display_title,
                        check=lambda: advance.authorize(proposal, trigger, current_user)) if t.confirm else None,
    )


# -- my proposals and a new draft ------------------------------------------------------------
@bp.get("/")
@roles_required("educator")
def mine():
    return render_template("proposals/mine.html", page=drafting.my_proposals_page(current_user, page_number()),
                           has_team=drafting.has_team(current_user))


def _render_new(form: NewProposalForm, teams, cycles, status: int = 200, errors: list[str] | None = None):
    return render_template("proposals/new.html", form=form, teams=teams, cycles=cycles, errors=errors or []), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required("educator")
def new():
    teams, cycles = drafting.teams_of(current_user), drafting.open_cycles()
    form = NewProposalForm()
    form.team.choices = [SelectChoice("", "Choose a team")] + [SelectChoice(str(t.id), t.name) for t in teams]
    form.cycle.choices = [SelectChoice("", "Choose a cycle")] + [
        SelectChoice(str(c.id), f"{c.name} (open until {c.closes_on:%B %-d, %Y})") for c in cycles]
    if request.method != "POST":
        return _render_new(form, teams, cycles)
    return run(
        lambda: drafting.start_draft(current_user, int(form.team.data), int(form.cycle.data)), form=form,
        done=lambda proposal: url_for(".edit", proposal_id=proposal.id),
        success="Your draft is started. Write it with your team; the lead submits it.",
        again=lambda refusal: _render_new(form, teams, cycles, 422, show_refusal(form, refusal)),
        once=True,
    )


# -- editing the draft -----------------------------------------------------------------------
def _editable(proposal_id: int) -> Proposal:
    """The proposal, if the signed-in person may edit it (and its files) now; else 403 with the reason."""
    proposal = _load(proposal_id)
    if not can_edit_proposal(current_user, proposal):
        if not is_team_member(current_user, proposal):
            abort(403)
        abort(403, description=f"This proposal is {proposal.state_label.lower()}, so it can no longer be edited. "
                               "Team members edit a proposal while it is a draft or when revisions are requested.")
    return proposal


def _form_data(proposal: Proposal) -> dict:
    lines = [{"category": b.category.value, "description": b.description, "amount": b.amount}
             for b in proposal.budget_lines]
    lines += [{"category": "", "description": "", "amount": None} for _ in range(BLANK_BUDGET_ROWS)]
    data = {attr: getattr(proposal, attr) or "" for attr in drafting.TEXT_SECTIONS}
    data.update(title=proposal.title or "", amount_requested=proposal.amount_requested,
                grant_type=proposal.grant_type.value if proposal.grant_type else None,
                budget_lines=lines, version=str(proposal.version),
                priorities=[t.id for t in proposal.priorities])
    return data


def _draft_fields(form: ProposalForm) -> dict:
    """What ``save_draft`` takes, read from the validated form (the version it was opened at included)."""
    return dict(
        version=form.version.data or "",
        grant_type=GrantType(form.grant_type.data) if form.grant_type.data else None,
        title=(form.title.data or "").strip(),
        sections={attr: (form[attr].data or "").strip() for attr in drafting.TEXT_SECTIONS},
        amount_requested=form.amount_requested.data,
        lines=[drafting.LineData(BudgetCategory(f.category.data), f.description.data.strip(), f.amount.data)
               for f in form.filled_lines()],
        priorities=form.priorities.data or [],
    )


def _render_edit(proposal: Proposal, form: ProposalForm | None = None, upload_form: UploadForm | None = None,
                 status: int = 200, notices: list[str] | None = None, errors: list[str] | None = None):
    return render_template(
        "proposals/edit.html", proposal=proposal, form=form or ProposalForm(formdata=None, data=_form_data(proposal)),
        upload_form=upload_form or UploadForm(formdata=None), sections=drafting.SECTION_LABELS,
        notices=notices or [], errors=errors or [],
        max_upload_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
    ), status


def _edit_refused(proposal_id: int, form: ProposalForm, refusal):
    """The edit page again with what was typed: 409 when a teammate saved meanwhile (the form then
    carries the version now stored, so saving again replaces their changes), else 422."""
    proposal = _load(proposal_id)
    if isinstance(refusal, drafting.DraftChanged):
        form.version.data = str(proposal.version)
        return _render_edit(proposal, form, status=409, notices=refusal.messages)
    return _render_edit(proposal, form, status=422, errors=show_refusal(form, refusal))


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = _editable(proposal_id)
    if request.method != "POST":
        return _render_edit(proposal)
    form = ProposalForm()
    return run(
        lambda: drafting.save_draft(proposal, current_user, **_draft_fields(form)), form=form,
        done=url_for(".edit", proposal_id=proposal_id), success="Draft saved.",
        again=lambda refusal: _edit_refused(proposal_id, form, refusal),
        once=True,
    )


# -- attachments -----------------------------------------------------------------------------
@bp.post("/<int:proposal_id>/attachments")
@login_required
def upload(proposal_id: int):
    proposal = _editable(proposal_id)
    form = UploadForm()
    return run(
        lambda: attachments.add_attachment(proposal, form.file.data.filename, form.file.data.stream, current_user,
                                           current_app.config["MAX_UPLOAD_BYTES"]), form=form,
        done=url_for(".edit", proposal_id=proposal_id) + "#attachments",
        success=lambda attachment: f"Attached {attachment.filename}.",
        again=lambda refusal: _render_edit(_load(proposal_id), upload_form=form, status=422,
                                           errors=show_refusal(form, refusal)),
        once=True,
    )


def _attachment_of(proposal: Proposal, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.proposal_id != proposal.id:
        abort(404)
    return attachment


@bp.get("/<int:proposal_id>/attachments/<int:attachment_id>")
@login_required
def attachment(proposal_id: int, attachment_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    if not can_view_proposal(current_user, proposal):
        abort(403)
    att = _attachment_of(proposal, attachment_id)
    return download(att.data, att.filename, att.content_type)


@bp.post("/<int:proposal_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(proposal_id: int, attachment_id: int):
    proposal = _editable(proposal_id)
    att = _attachment_of(proposal, attachment_id)
    return run(
        lambda: attachments.delete_attachment(proposal, att, current_user),
        done=url_for(".edit", proposal_id=proposal_id) + "#attachments", success=f"Removed {att.filename}.",
    )
