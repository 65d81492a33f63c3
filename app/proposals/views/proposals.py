"""Proposals: my proposals, a new draft, editing it, its files, and the case page with its actions.

Load (404) -> check (403) -> validate the form (re-render with the user's input) -> one service
operation -> commit once -> redirect with a flash.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields import SelectChoice

from app.cases import advance
from app.cases.advance import transition_or_404
from app.cases.panels import case_actions, proposal_panels
from app.cases.permissions import can_edit_proposal, can_view_proposal, can_view_team, is_team_member
from app.core.uploads import UploadError
from app.extensions import db
from app.models import Attachment, BudgetCategory, GrantType, Proposal
from app.proposals import attachments
from app.proposals import drafting as proposal_svc
from app.web import download, get_or_404, reader, roles_required, run
from forms.proposals import BLANK_BUDGET_ROWS, NewProposalForm, ProposalForm, UploadForm, action_form_class
from workflows.proposal import PROPOSAL

bp = Blueprint("proposals", __name__, url_prefix="/proposals")

def _load(proposal_id: int) -> Proposal:
    proposal = proposal_svc.load_for_case_page(proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def _not_editable(proposal: Proposal):
    if not is_team_member(current_user, proposal):
        abort(403)
    abort(403, description=f"This proposal is {proposal.state_label.lower()}, so it can no longer be edited. "
                           "Team members edit a proposal while it is a draft or when revisions are requested.")


# -- the case page ---------------------------------------------------------------------------
def _render_case(proposal: Proposal, status: int = 200, refusal=None, fired: str | None = None, fired_form=None):
    actions, forms = case_actions(proposal, current_user, action_form_class, fired, fired_form, refusal)
    return render_template(
        "proposals/show.html", proposal=proposal, actions=actions, action_forms=forms, fired=fired,
        fired_form=fired_form, errors=refusal.messages if refusal else [],
        timeline=proposal_svc.timeline(proposal, current_user), sections=proposal_svc.SECTION_LABELS,
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
    )


# -- my proposals and a new draft ------------------------------------------------------------
@bp.get("/")
@roles_required("educator")
def mine():
    return render_template("proposals/mine.html", proposals=proposal_svc.proposals_of(current_user),
                           has_team=bool(proposal_svc.teams_of(current_user)))


@bp.route("/new", methods=["GET", "POST"])
@roles_required("educator")
def new():
    teams = proposal_svc.teams_of(current_user)
    cycles = proposal_svc.open_cycles()
    form = NewProposalForm()
    form.team.choices = [SelectChoice("", "Choose a team")] + [SelectChoice(str(t.id), t.name) for t in teams]
    form.cycle.choices = [SelectChoice("", "Choose a cycle")] + [
        SelectChoice(str(c.id), f"{c.name} (open until {c.closes_on:%B %-d, %Y})") for c in cycles]
    if form.validate_on_submit():
        team = next((t for t in teams if str(t.id) == form.team.data), None)
        cycle = next((c for c in cycles if str(c.id) == form.cycle.data), None)
        if team is None:
            form.team.errors.append("Choose one of your teams.")
        if cycle is None:
            form.cycle.errors.append("Choose a cycle that is open now.")
        if team is not None and cycle is not None:
            try:
                proposal = proposal_svc.create_draft(team, cycle, current_user)
            except proposal_svc.ProposalError as exc:
                form.cycle.errors.append(str(exc))
            else:
                db.session.commit()
                flash("Your draft is started. Write it with your team; the lead submits it.", "success")
                return redirect(url_for(".edit", proposal_id=proposal.id))
    status = 422 if form.is_submitted() else 200
    return render_template("proposals/new.html", form=form, teams=teams, cycles=cycles), status


# -- editing the draft -----------------------------------------------------------------------
def _form_data(proposal: Proposal) -> dict:
    lines = [{"category": b.category.value, "description": b.description, "amount": b.amount}
             for b in proposal.budget_lines]
    lines += [{"category": "", "description": "", "amount": None} for _ in range(BLANK_BUDGET_ROWS)]
    data = {attr: getattr(proposal, attr) or "" for attr in proposal_svc.TEXT_SECTIONS}
    data.update(title=proposal.title or "", amount_requested=proposal.amount_requested,
                grant_type=proposal.grant_type.value if proposal.grant_type else None,
                budget_lines=lines, version=str(proposal.version),
                priorities=[t.id for t in proposal.priorities])
    return data


def _render_edit(proposal: Proposal, form: ProposalForm, upload_form: UploadForm | None = None,
                 status: int = 200, notices: list[str] | None = None):
    return render_template(
        "proposals/edit.html", proposal=proposal, form=form, upload_form=upload_form or UploadForm(formdata=None),
        sections=proposal_svc.SECTION_LABELS, notices=notices or [],
        max_upload_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
    ), status


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = _load(proposal_id)
    if not can_edit_proposal(current_user, proposal):
        _not_editable(proposal)
    if request.method != "POST":
        return _render_edit(proposal, ProposalForm(formdata=None, data=_form_data(proposal)))
    form = ProposalForm()
    if not form.validate_on_submit():
        return _render_edit(proposal, form, status=422)
    if form.version.data != str(proposal.version):
        form.version.data = str(proposal.version)
        return _render_edit(proposal, form, status=409, notices=[
            "Someone on your team saved this draft after you opened it. Your text is kept below: "
            "check the proposal's page for their changes. Saving again will replace their changes with yours."
        ])
    lines = [proposal_svc.LineData(BudgetCategory(f.category.data), f.description.data.strip(), f.amount.data)
             for f in form.filled_lines()]
    try:
        proposal_svc.save_draft(
            proposal, current_user,
            grant_type=GrantType(form.grant_type.data) if form.grant_type.data else None,
            title=(form.title.data or "").strip(),
            sections={attr: (form[attr].data or "").strip() for attr in proposal_svc.TEXT_SECTIONS},
            amount_requested=form.amount_requested.data,
            lines=lines,
            priorities=form.priorities.data or [],
        )
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        abort(409)
    flash("Draft saved.", "success")
    return redirect(url_for(".edit", proposal_id=proposal.id))


# -- attachments -----------------------------------------------------------------------------
@bp.post("/<int:proposal_id>/attachments")
@login_required
def upload(proposal_id: int):
    proposal = _load(proposal_id)
    if not can_edit_proposal(current_user, proposal):
        _not_editable(proposal)
    upload_form = UploadForm()
    edit_form = ProposalForm(formdata=None, data=_form_data(proposal))
    if not upload_form.validate_on_submit():
        return _render_edit(proposal, edit_form, upload_form, status=422)
    storage = upload_form.file.data
    try:
        attachment = attachments.add_attachment(proposal, storage.filename, storage.stream, current_user,
                                               current_app.config["MAX_UPLOAD_BYTES"])
    except UploadError as exc:
        db.session.rollback()
        upload_form.file.errors.append(str(exc))
        return _render_edit(_load(proposal_id), edit_form, upload_form, status=422)
    db.session.commit()
    flash(f"Attached {attachment.filename}.", "success")
    return redirect(url_for(".edit", proposal_id=proposal.id) + "#attachments")


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
    proposal = _load(proposal_id)
    if not can_edit_proposal(current_user, proposal):
        _not_editable(proposal)
    att = _attachment_of(proposal, attachment_id)
    name = att.filename
    attachments.delete_attachment(proposal, att, current_user)
    db.session.commit()
    flash(f"Removed {name}.", "success")
    return redirect(url_for(".edit", proposal_id=proposal.id) + "#attachments")
