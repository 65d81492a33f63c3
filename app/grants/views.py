"""After the award: the grant agreement, spending and reallocations, the progress update, the final report.

Load (404) -> check (403) -> validate the form (re-render with the user's input) -> one service
operation -> commit once -> redirect with a flash. State changes (activate, submit_final_report,
accept_report, return_report) go through ``app.cases.advance.fire``; these pages link or post to it.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields import SelectChoice

from app.cases import permissions
from app.cases.advance import refusals
from app.extensions import db
from app.grants import agreement as grant_svc
from app.grants import ledger as ledger_svc
from app.grants import reports as report_svc
from app.models import Proposal, ProposalState
from app.web import download, get_or_404, roles_required
from forms.grants import AgreementForm, ExpenditureForm, FinalReportForm, ProgressForm, ReallocationForm
from forms.proposals import action_form_class
from workflows.proposal import AWARDED, PROPOSAL, REPORTING, STATE_LABELS, money

bp = Blueprint("grants", __name__, url_prefix="/proposals/<int:proposal_id>")
S = ProposalState


# -- loading and checking --------------------------------------------------------------------
def _load_visible(proposal_id: int, states: tuple[ProposalState, ...], what: str) -> Proposal:
    """The proposal, if the user is on its team or program staff (403) and it is in ``states`` (403, saying why)."""
    proposal = get_or_404(Proposal, proposal_id)
    if not permissions.can_see_grant(current_user, proposal):
        abort(403)
    if proposal.state not in states:
        abort(403, description=f"The {what} opens once the grant is {STATE_LABELS[states[0]].lower()}; "
                               f"this proposal is {proposal.state_label.lower()}.")
    return proposal


def _forbid(message: str):
    abort(403, description=message)


def _apply_problems(form, problems) -> list[str]:
    """Put each (field, message) on its field; return the ones that belong to no field."""
    extra = []
    for name, message in problems:
        if name and name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            extra.append(message)
    return extra


# -- the agreement ---------------------------------------------------------------------------
def _render_agreement(proposal: Proposal, form: AgreementForm, status: int = 200, errors=None):
    return render_template(
        "grants/agreement.html", proposal=proposal, agreement=grant_svc.agreement_for(proposal), form=form,
        is_lead=permissions.is_team_lead(current_user, proposal), errors=errors or [],
    ), status


@bp.route("/agreement", methods=["GET", "POST"])
@login_required
def agreement(proposal_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "grant agreement")
    if request.method != "POST":
        return _render_agreement(proposal, AgreementForm(formdata=None))
    if not permissions.is_team_lead(current_user, proposal):
        _forbid(f"Only the team lead, {proposal.team.lead_name}, accepts the grant agreement on behalf of the team.")
    form = AgreementForm()
    if not form.validate_on_submit():
        return _render_agreement(proposal, form, 422)
    try:
        grant_svc.accept_agreement(proposal, current_user)
    except grant_svc.GrantError as exc:
        db.session.rollback()
        return _render_agreement(get_or_404(Proposal, proposal_id), form, 422, errors=[str(exc)])
    db.session.commit()
    flash("You accepted the grant agreement for your team. Program staff will now activate the grant.", "success")
    return redirect(url_for(".agreement", proposal_id=proposal_id))


# -- spending --------------------------------------------------------------------------------
@bp.get("/spending")
@login_required
def spending(proposal_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    return render_template(
        "grants/spending.html", proposal=proposal, ledger=ledger_svc.ledger_for(proposal),
        can_log=permissions.can_log_spending(current_user, proposal),
        can_reallocate=permissions.can_reallocate(current_user, proposal),
    )


def _line_choices(ledger) -> list[SelectChoice]:
    return [SelectChoice("", "Choose a budget line")] + [
        SelectChoice(str(b.line.id), f"{b.line.category.label}: {b.line.description} ({money(b.left)} left)")
        for b in ledger.lines
    ]


def _render_expenditure(proposal: Proposal, form: ExpenditureForm, ledger, status: int = 200, errors=None):
    return render_template(
        "grants/expenditure_form.html", proposal=proposal, form=form, ledger=ledger, errors=errors or [],
        earliest=ledger_svc.earliest_spending_date(proposal),
        max_upload_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
    ), status


def _spending_refusal(proposal: Proposal) -> str:
    if not permissions.is_team_member(current_user, proposal):
        return "Team members log their grant's spending; program staff see it on the spending page."
    return (f"Spending is logged while the grant is active; this one is {proposal.state_label.lower()}.")


@bp.route("/spending/new", methods=["GET", "POST"])
@login_required
def new_expenditure(proposal_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    if not permissions.can_log_spending(current_user, proposal):
        _forbid(_spending_refusal(proposal))
    ledger = ledger_svc.ledger_for(proposal)
    form = ExpenditureForm() if request.method == "POST" else ExpenditureForm(formdata=None)
    form.budget_line.choices = _line_choices(ledger)
    if request.method != "POST":
        return _render_expenditure(proposal, form, ledger)
    if not form.validate_on_submit():
        return _render_expenditure(proposal, form, ledger, 422)
    storage = form.receipt.data
    try:
        expenditure = ledger_svc.log_expenditure(
            proposal, current_user, spent_on=form.spent_on.data, payee=form.payee.data,
            budget_line_id=int(form.budget_line.data), amount=form.amount.data, note=form.note.data or "",
            receipt_filename=storage.filename, receipt_stream=storage.stream,
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
        )
    except ledger_svc.LedgerError as exc:
        db.session.rollback()
        proposal = get_or_404(Proposal, proposal_id)
        extra = _apply_problems(form, exc.problems)
        return _render_expenditure(proposal, form, ledger_svc.ledger_for(proposal), 422, errors=extra)
    except StaleDataError:
        db.session.rollback()
        abort(409)
    amount, payee = expenditure.amount, expenditure.payee
    db.session.commit()
    flash(f"Logged {money(amount)} paid to {payee}.", "success")
    return redirect(url_for(".spending", proposal_id=proposal_id))


@bp.get("/spending/<int:expenditure_id>/receipt")
@login_required
def receipt(proposal_id: int, expenditure_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    if not permissions.can_see_grant(current_user, proposal):
        abort(403)
    expenditure = ledger_svc.expenditure_of(proposal, expenditure_id)
    if expenditure is None or not expenditure.receipt_filename:
        abort(404)
    return download(ledger_svc.receipt_bytes(expenditure), expenditure.receipt_filename,
                    expenditure.receipt_content_type)


def _render_reallocate(proposal: Proposal, form: ReallocationForm, ledger, status: int = 200, errors=None):
    return render_template("grants/reallocate.html", proposal=proposal, form=form, ledger=ledger,
                           errors=errors or []), status


@bp.route("/spending/reallocate", methods=["GET", "POST"])
@roles_required("staff")
def reallocate(proposal_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    if not permissions.can_reallocate(current_user, proposal):
        _forbid(f"Budget lines are reallocated while the grant is approved or active; this one is "
                f"{proposal.state_label.lower()}.")
    ledger = ledger_svc.ledger_for(proposal)
    form = ReallocationForm() if request.method == "POST" else ReallocationForm(formdata=None)
    form.from_line.choices = _line_choices(ledger)
    form.to_line.choices = _line_choices(ledger)
    if request.method != "POST":
        return _render_reallocate(proposal, form, ledger)
    if not form.validate_on_submit():
        return _render_reallocate(proposal, form, ledger, 422)
    try:
        realloc = ledger_svc.reallocate(proposal, current_user, from_line_id=int(form.from_line.data),
                                        to_line_id=int(form.to_line.data), amount=form.amount.data,
                                        reason=form.reason.data)
    except ledger_svc.LedgerError as exc:
        db.session.rollback()
        proposal = get_or_404(Proposal, proposal_id)
        extra = _apply_problems(form, exc.problems)
        return _render_reallocate(proposal, form, ledger_svc.ledger_for(proposal), 422, errors=extra)
    except StaleDataError:
        db.session.rollback()
        abort(409)
    amount = realloc.amount
    db.session.commit()
    flash(f"Moved {money(amount)} between budget lines. The award's total is unchanged.", "success")
    return redirect(url_for(".spending", proposal_id=proposal_id))


# -- the progress update ---------------------------------------------------------------------


def _render_progress(proposal: Proposal, form: ProgressForm, status: int = 200, errors=None):
    report = proposal.progress_report
    submitted = report is not None and report.submitted_at is not None
    return render_template(
        "grants/progress.html", proposal=proposal, form=form, report=report, errors=errors or [],
        editable=permissions.can_write_reports(current_user, proposal) and not submitted,
        is_lead=permissions.is_team_lead(current_user, proposal),
        due_text=report_svc.due_text(report_svc.progress_due(proposal), submitted),
        overdue=report_svc.progress_overdue(proposal),
    ), status


@bp.route("/progress", methods=["GET", "POST"])
@login_required
def progress(proposal_id: int):
    proposal = _load_visible(proposal_id, REPORTING, "progress update")
    if request.method != "POST":
        report = proposal.progress_report
        data = {attr: getattr(report, attr) for attr in report_svc.PROGRESS_SECTIONS} if report else {}
        return _render_progress(proposal, ProgressForm(formdata=None, data=data))
    if not permissions.can_write_reports(current_user, proposal):
        if not permissions.is_team_member(current_user, proposal):
            _forbid("Team members write the progress update; program staff read it.")
        _forbid(f"The progress update is written while the grant is active; this one is "
                f"{proposal.state_label.lower()}.")
    form = ProgressForm()
    if not form.validate_on_submit():
        return _render_progress(proposal, form, 422)
    submit = bool(form.submit.data)
    try:
        report_svc.save_progress(proposal, current_user, form.sections(), submit=submit)
    except report_svc.ReportError as exc:
        db.session.rollback()
        extra = _apply_problems(form, exc.problems)
        return _render_progress(get_or_404(Proposal, proposal_id), form, 422, errors=extra)
    except StaleDataError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash("Progress update submitted. Thank you." if submit else "Progress update saved as a draft.", "success")
    return redirect(url_for(".progress", proposal_id=proposal_id))


# -- the final report ------------------------------------------------------------------------
def _render_final(proposal: Proposal, form: FinalReportForm, status: int = 200, errors=None):
    report = proposal.final_report
    editable = permissions.can_write_reports(current_user, proposal)
    is_lead = permissions.is_team_lead(current_user, proposal)
    submit_t = PROPOSAL.transition("submit_final_report")
    staff_actions = []
    if permissions.is_staff(current_user) and proposal.state is S.FINAL_REPORT_SUBMITTED:
        for trigger in ("accept_report", "return_report"):
            t = PROPOSAL.transition(trigger)
            staff_actions.append((t, action_form_class(t.trigger, t.fields)(formdata=None)))
    return render_template(
        "grants/final_report.html", proposal=proposal, form=form, report=report, errors=errors or [],
        editable=editable, is_lead=is_lead, ledger=ledger_svc.ledger_for(proposal),
        submit_transition=submit_t,
        submit_blockers=refusals(proposal, "submit_final_report", current_user) if editable and is_lead else [],
        staff_actions=staff_actions,
        returned=report_svc.returned_since_last_submit(proposal),
        due_text=report_svc.due_text(report_svc.final_due(proposal), proposal.state is not S.ACTIVE),
        overdue=report_svc.final_overdue(proposal),
        summary_link=_summary_link(proposal),
    ), status


def _summary_link(proposal: Proposal) -> tuple[str, str] | None:
    """Where the team writes its learning summary (staff: where they read it), when that page exists."""
    endpoints = current_app.config["_ENDPOINTS"]
    if permissions.is_team_member(current_user, proposal) and "summaries.edit" in endpoints:
        return url_for("summaries.edit", proposal_id=proposal.id), "Write or edit the learning summary"
    if permissions.is_staff(current_user) and "summaries.preview" in endpoints:
        return url_for("summaries.preview", proposal_id=proposal.id), "Read the learning summary"
    return None


@bp.route("/final-report", methods=["GET", "POST"])
@login_required
def final_report(proposal_id: int):
    proposal = _load_visible(proposal_id, REPORTING, "final report")
    if request.method != "POST":
        report = proposal.final_report
        data = {attr: getattr(report, attr) for attr in report_svc.FINAL_REPORT_SECTIONS} if report else {}
        return _render_final(proposal, FinalReportForm(formdata=None, data=data))
    if not permissions.can_write_reports(current_user, proposal):
        if not permissions.is_team_member(current_user, proposal):
            _forbid("Team members write the final report; program staff read it and accept or return it.")
        _forbid(f"The final report is written while the grant is active; this one is "
                f"{proposal.state_label.lower()}.")
    form = FinalReportForm()
    if not form.validate_on_submit():
        return _render_final(proposal, form, 422)
    try:
        report_svc.save_final_report(proposal, current_user, form.sections())
    except report_svc.ReportError as exc:
        db.session.rollback()
        extra = _apply_problems(form, exc.problems)
        return _render_final(get_or_404(Proposal, proposal_id), form, 422, errors=extra)
    except StaleDataError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash("Final report saved.", "success")
    return redirect(url_for(".final_report", proposal_id=proposal_id))
