"""The learning summary of a funded proposal: the team's editor (with a preview that needs no
JavaScript), its public files and consent, staff's privacy check, and the summary PDF.

Load (404) -> check (403) -> validate the form (re-render with the user's input) -> one service
operation -> commit once -> redirect with a flash.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from app.cases import permissions
from app.cases.advance import refusals
from app.core.markdown import render as render_markdown
from app.extensions import db
from app.models import FlagStatus, PrivacyFlag, Proposal, ProposalState, SummaryArtifact, TagKind
from app.sharing import privacy
from app.sharing import summaries as summary_svc
from app.web import download, get_or_404
from forms.sharing import (
    ArtifactForm,
    BlockedNameForm,
    ConsentForm,
    OverrideForm,
    RemoveNameForm,
    RunCheckForm,
    SummaryForm,
)
from workflows.proposal import REPORTING, SUMMARY_EDITABLE

bp = Blueprint("summaries", __name__, url_prefix="/proposals/<int:proposal_id>")


# -- loading and checking -----------------------------------------------------------------------
def _load(proposal_id: int) -> Proposal:
    return get_or_404(Proposal, proposal_id)


def _refuse_editing(proposal: Proposal):
    """403 with the reason for the team; a plain 403 for everyone else."""
    if permissions.is_team_member(current_user, proposal):
        abort(403, description=summary_svc.not_editable_reason(proposal))
    abort(403)


def _summary_or_404(proposal: Proposal):
    summary = proposal.learning_summary
    if summary is None:
        abort(404)
    return summary


def _loaded_token(summary) -> str:
    return summary.updated_at.isoformat() if summary is not None and summary.updated_at else ""


# -- the editor ---------------------------------------------------------------------------------
def _form_data(summary) -> dict:
    if summary is None:
        return {"loaded": ""}
    return {
        "loaded": _loaded_token(summary),
        "title": summary.title,
        "body": summary.body,
        "topics": summary.tag_values(TagKind.TOPIC),
        "grade_bands": summary.tag_values(TagKind.GRADE_BAND),
        "subjects": summary.tag_values(TagKind.SUBJECT),
    }


def _render_edit(proposal: Proposal, form: SummaryForm | None = None, artifact_form: ArtifactForm | None = None,
                 consent_form: ConsentForm | None = None, status: int = 200, notices: list[str] | None = None,
                 errors: list[str] | None = None, preview=None):
    summary = proposal.learning_summary
    return render_template(
        "sharing/summary_edit.html",
        proposal=proposal,
        summary=summary,
        form=form or SummaryForm(formdata=None, data=_form_data(summary)),
        artifact_form=artifact_form or ArtifactForm(formdata=None),
        consent_form=consent_form or ConsentForm(formdata=None),
        writable=permissions.can_edit_summary(current_user, proposal),
        can_consent=permissions.can_consent_summary(current_user, proposal),
        readonly_reason=summary_svc.not_editable_reason(proposal),
        info=_facts(proposal),
        status=summary_svc.status(proposal),
        notices=notices or [],
        errors=errors or [],
        preview=preview,
        max_upload_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
    ), status


def _facts(proposal: Proposal) -> dict:
    """What the summary shows from the proposal (not edited with it)."""
    return {
        "school_levels": summary_svc.school_levels(proposal),
        "grant_type": summary_svc.grant_type_label(proposal),
        "team": proposal.team,
        "schools": proposal.team.schools,
    }


@bp.route("/summary", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = _load(proposal_id)
    if not permissions.can_open_summary_editor(current_user, proposal):
        _refuse_editing(proposal)
    if request.method != "POST":
        return _render_edit(proposal)
    if not permissions.can_edit_summary(current_user, proposal):
        _refuse_editing(proposal)
    form = SummaryForm()
    if not form.validate_on_submit():
        return _render_edit(proposal, form, status=422)
    if request.form.get("preview"):
        # Show what was typed, rendered, without saving it.
        return _render_edit(proposal, form, preview={"title": form.title.data,
                                                    "body": render_markdown(form.body.data)})
    summary = proposal.learning_summary
    if summary is not None and form.loaded.data != _loaded_token(summary):
        form.loaded.data = _loaded_token(summary)
        return _render_edit(proposal, form, status=409, notices=[
            "Someone on your team saved the summary after you opened it. Your text is kept below: "
            "open the preview to see their version. Saving again replaces their changes with yours."
        ])
    try:
        summary_svc.save(proposal, current_user, title=form.title.data, body=form.body.data or "",
                         tags=form.tags())
    except summary_svc.SummaryError as exc:
        db.session.rollback()
        return _render_edit(_load(proposal_id), form, status=422, errors=[str(exc)])
    db.session.commit()
    flash("Learning summary saved.", "success")
    return redirect(url_for(".edit", proposal_id=proposal.id))


@bp.get("/summary/preview")
@login_required
def preview(proposal_id: int):
    proposal = _load(proposal_id)
    if not permissions.can_view_summary(current_user, proposal):
        abort(403)
    summary = _summary_or_404(proposal)
    return render_template("sharing/summary_preview.html", proposal=proposal, summary=summary, info=_facts(proposal),
                           status=summary_svc.status(proposal),
                           can_edit=permissions.can_edit_summary(current_user, proposal))


@bp.get("/summary.pdf")
@login_required
def pdf(proposal_id: int):
    proposal = _load(proposal_id)
    if not permissions.can_view_summary(current_user, proposal):
        abort(403)
    summary = _summary_or_404(proposal)
    body = summary_svc.render_pdf(summary)
    return download(body, f"proposal-{proposal.id}-learning-summary.pdf", "application/pdf")


# -- public files -------------------------------------------------------------------------------
def _artifact_of(proposal: Proposal, artifact_id: int) -> SummaryArtifact:
    summary = _summary_or_404(proposal)
    artifact = db.session.get(SummaryArtifact, artifact_id)
    if artifact is None or artifact.summary_id != summary.id:
        abort(404)
    return artifact


@bp.post("/summary/artifacts")
@login_required
def upload_artifact(proposal_id: int):
    proposal = _load(proposal_id)
    if not permissions.can_edit_summary(current_user, proposal):
        _refuse_editing(proposal)
    artifact_form = ArtifactForm()
    if not artifact_form.validate_on_submit():
        return _render_edit(proposal, artifact_form=artifact_form, status=422)
    storage = artifact_form.file.data
    try:
        artifact = summary_svc.add_artifact(
            proposal, current_user, filename=storage.filename, stream=storage.stream,
            description=artifact_form.description.data, max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
        )
    except summary_svc.SummaryError as exc:
        db.session.rollback()
        artifact_form.file.errors.append(str(exc))
        return _render_edit(_load(proposal_id), artifact_form=artifact_form, status=422)
    db.session.commit()
    flash(f"{artifact.filename} will be shared with the summary.", "success")
    return redirect(url_for(".edit", proposal_id=proposal.id) + "#artifacts")


@bp.get("/summary/artifacts/<int:artifact_id>")
@login_required
def artifact(proposal_id: int, artifact_id: int):
    proposal = _load(proposal_id)
    if not permissions.can_view_summary(current_user, proposal):
        abort(403)
    found = _artifact_of(proposal, artifact_id)
    return download(found.data, found.filename, found.content_type)


@bp.post("/summary/artifacts/<int:artifact_id>/delete")
@login_required
def delete_artifact(proposal_id: int, artifact_id: int):
    proposal = _load(proposal_id)
    if not permissions.can_edit_summary(current_user, proposal):
        _refuse_editing(proposal)
    found = _artifact_of(proposal, artifact_id)
    name = found.filename
    summary_svc.delete_artifact(proposal, found, current_user)
    db.session.commit()
    flash(f"{name} is no longer shared with the summary.", "success")
    return redirect(url_for(".edit", proposal_id=proposal.id) + "#artifacts")


# -- consent ------------------------------------------------------------------------------------
@bp.post("/summary/consent")
@login_required
def consent(proposal_id: int):
    proposal = _load(proposal_id)
    if not permissions.can_consent_summary(current_user, proposal):
        if permissions.is_team_member(current_user, proposal) and proposal.state in REPORTING:
            abort(403, description=(f"Only the team lead, {proposal.team.lead_name}, gives or withdraws "
                                    "consent for the team." if proposal.state in SUMMARY_EDITABLE
                                    else summary_svc.not_editable_reason(proposal)))
        _refuse_editing(proposal)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _render_edit(proposal, consent_form=form, status=422)
    try:
        if form.withdrawing:
            summary_svc.withdraw_consent(proposal, current_user)
            message = "Consent withdrawn: the summary will not be published unless you consent again."
        else:
            summary_svc.give_consent(proposal, current_user)
            message = "Thank you: the team consents to publish. Program staff check the summary for privacy next."
    except summary_svc.SummaryError as exc:
        db.session.rollback()
        return _render_edit(_load(proposal_id), consent_form=form, status=422, errors=[str(exc)])
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".edit", proposal_id=proposal.id) + "#consent")


# -- the privacy check (staff) ------------------------------------------------------------------
def override_form(flag: PrivacyFlag, formdata=None) -> OverrideForm:
    """The override form of one flag, with ids of its own (several sit on one page)."""
    form = OverrideForm(formdata=formdata) if formdata is not None else OverrideForm(formdata=None)
    form.reason.id = f"reason-{flag.id}"
    form.reason.label.field_id = form.reason.id
    return form


def _render_privacy(proposal: Proposal, status: int = 200, name_form: BlockedNameForm | None = None,
                    flag_forms: dict | None = None, errors: list[str] | None = None):
    summary = proposal.learning_summary
    forms = {f.id: override_form(f) for f in summary.flags if f.status is FlagStatus.OPEN}
    forms.update(flag_forms or {})
    return render_template(
        "sharing/privacy.html",
        proposal=proposal,
        summary=summary,
        info=_facts(proposal),
        status=summary_svc.status(proposal),
        run_form=RunCheckForm(formdata=None),
        name_form=name_form or BlockedNameForm(formdata=None),
        remove_form=RemoveNameForm(formdata=None),
        flag_forms=forms,
        errors=errors or [],
        publish_blockers=(refusals(proposal, "publish", current_user)
                          if proposal.state is ProposalState.COMPLETED else []),
        FlagStatus=FlagStatus,
    ), status


@bp.route("/summary/privacy", methods=["GET", "POST"], endpoint="privacy")
@login_required
def privacy_page(proposal_id: int):
    proposal = _load(proposal_id)
    if not permissions.can_check_privacy(current_user, proposal):
        abort(403)
    summary = _summary_or_404(proposal)
    if request.method != "POST":
        return _render_privacy(proposal)
    action = request.form.get("action", "")
    if action == "add_name":
        form = BlockedNameForm()
        if not form.validate_on_submit():
            return _render_privacy(proposal, 422, name_form=form)
        try:
            privacy.add_blocked_name(summary, form.name.data, current_user)
        except privacy.PrivacyError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
            return _render_privacy(_load(proposal_id), 422, name_form=form)
        message = "Name added to the block list. Run the check again to look for it."
    elif action == "remove_name":
        form = RemoveNameForm()
        if not form.validate_on_submit():
            return _render_privacy(proposal, 422, errors=["The form expired. Reload the page and try again."])
        blocked = next((b for b in summary.blocked_names if str(b.id) == (form.name_id.data or "")), None)
        if blocked is None:
            abort(404)
        privacy.remove_blocked_name(summary, blocked, current_user)
        message = "Name removed from the block list. Run the check again."
    elif action == "run":
        form = RunCheckForm()
        if not form.validate_on_submit():
            return _render_privacy(proposal, 422, errors=["The form expired. Reload the page and try again."])
        message = privacy.run_check(summary, current_user).message
    else:
        return _render_privacy(proposal, 422, errors=["Choose what to do: run the check, add or remove a name."])
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".privacy", proposal_id=proposal.id))


@bp.post("/summary/privacy/flags/<int:flag_id>/override")
@login_required
def override_flag(proposal_id: int, flag_id: int):
    proposal = _load(proposal_id)
    if not permissions.can_check_privacy(current_user, proposal):
        abort(403)
    summary = _summary_or_404(proposal)
    flag = db.session.get(PrivacyFlag, flag_id)
    if flag is None or flag.summary_id != summary.id:
        abort(404)
    form = override_form(flag, formdata=request.form)
    if not form.validate_on_submit():
        problems = [f"Override of “{flag.match}”: {e}" for e in form.reason.errors]
        return _render_privacy(proposal, 422, flag_forms={flag.id: form}, errors=problems)
    try:
        privacy.override_flag(flag, form.reason.data, current_user)
    except privacy.PrivacyError as exc:
        db.session.rollback()
        return _render_privacy(_load(proposal_id), 422, errors=[str(exc)])
    db.session.commit()
    flash(f"Flag overridden: “{flag.match}” may be published. The reason is on the record.", "success")
    return redirect(url_for(".privacy", proposal_id=proposal.id) + "#flags")

