"""The learning summary of a funded proposal: the team's editor (with a preview that needs no
JavaScript), its public files and consent, staff's privacy check, and the summary PDF.

Each view loads (404), checks (403, with the reason for the team), picks its form and hands one
operation of ``app.sharing`` to ``app.web.run``, which commits or rolls back once.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from app.cases import permissions
from app.core.markdown import render as render_markdown
from app.extensions import db
from app.models import FlagStatus, LearningSummary, PrivacyFlag, Proposal, SummaryArtifact, TermKind
from app.sharing import privacy
from app.sharing import summaries as summary_svc
from app.web import download, get_or_404, run, show_refusal
from forms.sharing import (
    ArtifactForm,
    BlockedNameForm,
    ConsentForm,
    OverrideForm,
    RemoveNameForm,
    RunCheckForm,
    SummaryForm,
)

bp = Blueprint("summaries", __name__, url_prefix="/proposals/<int:proposal_id>")

FORM_EXPIRED = "The form expired. Reload the page and try again."


# -- loading and checking -----------------------------------------------------------------------
def _load(proposal_id: int, may: Callable = permissions.can_open_summary_editor,
          reason: Callable[[Proposal], str] | None = summary_svc.not_editable_reason) -> Proposal:
    """The proposal (404) when the signed-in user ``may`` act on its summary; else 403, with
    ``reason(proposal)`` for its team and a plain 403 for everyone else."""
    proposal = get_or_404(Proposal, proposal_id)
    if not may(current_user, proposal):
        if reason is not None and permissions.is_team_member(current_user, proposal):
            abort(403, description=reason(proposal))
        abort(403)
    return proposal


def _summary_or_404(proposal: Proposal) -> LearningSummary:
    summary = proposal.learning_summary
    if summary is None:
        abort(404)
    return summary


def _of_summary(model, ident: int, summary: LearningSummary):
    """One of the summary's files or flags (404 when there is none, or it is another summary's)."""
    row = db.session.get(model, ident)
    if row is None or row.summary_id != summary.id:
        abort(404)
    return row


def _viewable(proposal_id: int) -> tuple[Proposal, LearningSummary]:
    """The proposal and its summary, for the team and staff (the preview, the PDF, the files)."""
    proposal = _load(proposal_id, permissions.can_view_summary, reason=None)
    return proposal, _summary_or_404(proposal)


def _checkable(proposal_id: int) -> tuple[Proposal, LearningSummary]:
    """The proposal and its summary, for staff's privacy check."""
    proposal = _load(proposal_id, permissions.can_check_privacy, reason=None)
    return proposal, _summary_or_404(proposal)


def _facts(proposal: Proposal) -> dict:
    """What the summary shows from the proposal (not edited with it)."""
    return {
        "school_levels": summary_svc.school_levels(proposal),
        "grant_type": summary_svc.grant_type_label(proposal),
        "team": proposal.team,
        "schools": proposal.team.schools,
    }


# -- the editor ---------------------------------------------------------------------------------
def _form_data(summary: LearningSummary | None) -> dict:
    if summary is None:
        return {"loaded": ""}
    return {
        "loaded": summary_svc.edit_token(summary),
        "title": summary.title,
        "body": summary.body,
        "topics": [str(t.id) for t in summary.tags if t.kind is TermKind.TOPIC],
        "grade_bands": [str(t.id) for t in summary.tags if t.kind is TermKind.GRADE_BAND],
        "subjects": [str(t.id) for t in summary.tags if t.kind is TermKind.SUBJECT],
    }


def _render_edit(proposal: Proposal, form: SummaryForm | None = None, artifact_form: ArtifactForm | None = None,
                 consent_form: ConsentForm | None = None, status: int = 200, notices: list[str] | None = None,
                 errors: list[str] | None = None, preview=None):
    summary = proposal.learning_summary
    return render_template(
        "sharing/summary_edit.html",
        proposal=proposal,
        summary=summary,
        form=form or SummaryForm(formdata=None, data=_form_data(summary), summary=summary),
        artifact_form=artifact_form or ArtifactForm(formdata=None),
        consent_form=consent_form or ConsentForm(formdata=None),
        writable=permissions.can_edit_summary(current_user, proposal),
        flags=privacy.for_team(summary),
        can_consent=permissions.can_consent_summary(current_user, proposal),
        readonly_reason=summary_svc.not_editable_reason(proposal),
        info=_facts(proposal),
        status=summary_svc.status(proposal),
        notices=notices or [],
        errors=errors or [],
        preview=preview,
        max_upload_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
        TagKind=TermKind,
    ), status


def _preview_typed(proposal: Proposal, form: SummaryForm):
    """What was typed, rendered, without saving it (or the form's own messages)."""
    if not form.validate_on_submit():
        return _render_edit(proposal, form, status=422)
    return _render_edit(proposal, form, preview={"title": form.title.data, "body": render_markdown(form.body.data)})


def _save_refused(proposal_id: int, form: SummaryForm, refusal):
    """The editor again with what was typed: 409 when a teammate saved in between (the next save
    replaces theirs), else 422 with the refusal's messages."""
    proposal = get_or_404(Proposal, proposal_id)
    if isinstance(refusal, summary_svc.SaveConflict):
        form.loaded.data = summary_svc.edit_token(proposal.learning_summary)
        return _render_edit(proposal, form, status=409, notices=refusal.messages)
    return _render_edit(proposal, form, status=422, errors=show_refusal(form, refusal))


@bp.route("/summary", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = _load(proposal_id)
    if request.method != "POST":
        return _render_edit(proposal)
    proposal = _load(proposal_id, permissions.can_edit_summary)
    form = SummaryForm(summary=proposal.learning_summary)
    if request.form.get("preview"):
        return _preview_typed(proposal, form)
    return run(
        lambda: summary_svc.save(proposal, current_user, title=form.title.data, body=form.body.data or "",
                                 tags=form.tags(), loaded=form.loaded.data or ""),
        form=form,
        done=url_for(".edit", proposal_id=proposal_id),
        success="Learning summary saved.",
        again=lambda refusal: _save_refused(proposal_id, form, refusal),
        once=True,
    )


@bp.get("/summary/preview")
@login_required
def preview(proposal_id: int):
    proposal, summary = _viewable(proposal_id)
    return render_template("sharing/summary_preview.html", proposal=proposal, summary=summary, info=_facts(proposal),
                           status=summary_svc.status(proposal), TagKind=TermKind,
                           can_edit=permissions.can_edit_summary(current_user, proposal))


@bp.get("/summary.pdf")
@login_required
def pdf(proposal_id: int):
    proposal, summary = _viewable(proposal_id)
    body = summary_svc.render_pdf(summary)
    return download(body, f"proposal-{proposal.id}-learning-summary.pdf", "application/pdf")


# -- public files -------------------------------------------------------------------------------
@bp.post("/summary/artifacts")
@login_required
def upload_artifact(proposal_id: int):
    proposal = _load(proposal_id, permissions.can_edit_summary)
    form = ArtifactForm()
    return run(
        lambda: summary_svc.add_artifact(
            proposal, current_user, filename=form.file.data.filename, stream=form.file.data.stream,
            description=form.description.data, max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
        ),
        form=form,
        done=url_for(".edit", proposal_id=proposal_id, _anchor="artifacts"),
        success=lambda artifact: f"{artifact.filename} will be shared with the summary.",
        again=lambda refusal: _render_edit(get_or_404(Proposal, proposal_id), artifact_form=form, status=422,
                                           errors=show_refusal(form, refusal)),
        once=True,
    )


@bp.get("/summary/artifacts/<int:artifact_id>")
@login_required
def artifact(proposal_id: int, artifact_id: int):
    _, summary = _viewable(proposal_id)
    found = _of_summary(SummaryArtifact, artifact_id, summary)
    return download(found.data, found.filename, found.content_type)


@bp.post("/summary/artifacts/<int:artifact_id>/delete")
@login_required
def delete_artifact(proposal_id: int, artifact_id: int):
    proposal = _load(proposal_id, permissions.can_edit_summary)
    found = _of_summary(SummaryArtifact, artifact_id, _summary_or_404(proposal))
    return run(
        lambda: summary_svc.delete_artifact(proposal, found, current_user),
        done=url_for(".edit", proposal_id=proposal_id, _anchor="artifacts"),
        success=f"{found.filename} is no longer shared with the summary.",
    )


# -- consent ------------------------------------------------------------------------------------
@bp.post("/summary/consent")
@login_required
def consent(proposal_id: int):
    proposal = _load(proposal_id, permissions.can_consent_summary, summary_svc.consent_refusal)
    form = ConsentForm()
    withdrawing = form.withdrawing
    return run(
        lambda: (summary_svc.withdraw_consent if withdrawing else summary_svc.give_consent)(proposal, current_user),
        form=form,
        done=url_for(".edit", proposal_id=proposal_id, _anchor="consent"),
        success=("Consent withdrawn: the summary will not be published unless you consent again." if withdrawing
                 else "Thank you: the team consents to publish. Program staff check the summary for privacy next."),
        again=lambda refusal: _render_edit(get_or_404(Proposal, proposal_id), consent_form=form, status=422,
                                           errors=show_refusal(form, refusal)),
    )


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
        publish_blockers=summary_svc.publish_blockers(proposal, current_user),
        FlagStatus=FlagStatus,
        TagKind=TermKind,
    ), status


def _privacy_done(proposal_id: int, anchor: str | None = None) -> str:
    return url_for(".privacy", proposal_id=proposal_id, _anchor=anchor)


def _expired(proposal_id: int):
    """A refused run or remove form has no field to show: its token expired."""
    return lambda refusal: _render_privacy(get_or_404(Proposal, proposal_id), 422, errors=[FORM_EXPIRED])


def _add_name(proposal_id: int, summary: LearningSummary):
    form = BlockedNameForm()
    return run(
        lambda: privacy.add_blocked_name(summary, form.name.data, current_user),
        form=form, done=_privacy_done(proposal_id),
        success=lambda result: f"Name added to the block list; the check ran again. {result.message}",
        again=lambda refusal: _render_privacy(get_or_404(Proposal, proposal_id), 422, name_form=form,
                                              errors=show_refusal(form, refusal)),
        once=True,
    )


def _remove_name(proposal_id: int, summary: LearningSummary):
    form = RemoveNameForm()

    def remove():
        blocked = next((b for b in summary.blocked_names if str(b.id) == (form.name_id.data or "")), None)
        if blocked is None:
            abort(404)
        return privacy.remove_blocked_name(summary, blocked, current_user)

    return run(remove, form=form, done=_privacy_done(proposal_id), again=_expired(proposal_id),
               success=lambda result: f"Name removed from the block list; the check ran again. {result.message}")


def _run_check(proposal_id: int, summary: LearningSummary):
    return run(lambda: privacy.run_check(summary, current_user), form=RunCheckForm(),
               done=_privacy_done(proposal_id), success=lambda result: result.message, again=_expired(proposal_id))


PRIVACY_ACTIONS = {"add_name": _add_name, "remove_name": _remove_name, "run": _run_check}


@bp.route("/summary/privacy", methods=["GET", "POST"], endpoint="privacy")
@login_required
def privacy_page(proposal_id: int):
    proposal, summary = _checkable(proposal_id)
    if request.method != "POST":
        return _render_privacy(proposal)
    act = PRIVACY_ACTIONS.get(request.form.get("action", ""))
    if act is None:
        return _render_privacy(proposal, 422, errors=["Choose what to do: run the check, add or remove a name."])
    return act(proposal_id, summary)


def _override_refused(proposal_id: int, flag: PrivacyFlag, form: OverrideForm, refusal):
    """The page again with the reason typed kept beside its flag and named in the summary at the top."""
    rest = show_refusal(form, refusal)
    problems = [f"Override of “{flag.match}”: {e}" for e in form.reason.errors]
    return _render_privacy(get_or_404(Proposal, proposal_id), 422, flag_forms={flag.id: form}, errors=problems + rest)


@bp.post("/summary/privacy/flags/<int:flag_id>/override")
@login_required
def override_flag(proposal_id: int, flag_id: int):
    _, summary = _checkable(proposal_id)
    flag = _of_summary(PrivacyFlag, flag_id, summary)
    form = override_form(flag, formdata=request.form)
    return run(
        lambda: privacy.override_flag(flag, form.reason.data, current_user),
        form=form,
        done=_privacy_done(proposal_id, "flags"),
        success=lambda done: f"Flag overridden: “{done.match}” may be published. The reason is on the record.",
        again=lambda refusal: _override_refused(proposal_id, flag, form, refusal),
    )
