"""After the award: the grant agreement, spending and reallocations, the progress update, the final report.

Each view loads (404), checks (403 with the reason), picks its form and hands one operation of
``app.grants`` to ``app.web.run``, which commits or rolls back once and shows a refused form again with
what was typed. State changes (activate, submit the final report, accept or return it) go through
``app.cases.advance.fire``; these pages link or post to it.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from app.cases import permissions
from app.cases.advance import refusals
from app.grants import agreement as grant_svc
from app.grants import exports
from app.grants import ledger as ledger_svc
from app.grants import reports as report_svc
from app.models import FINAL_REPORT_SECTIONS, PROGRESS_SECTIONS, Proposal, ProposalState
from app.web import csv_download, download, get_or_404, roles_required, run, show_refusal
from forms.grants import (
    AgreementForm,
    ExpenditureForm,
    FinalReportForm,
    ProgressForm,
    ReallocationForm,
    VoidExpenditureForm,
)
from forms.proposals import action_form_class
from workflows.proposal import AWARDED, PROPOSAL, REPORTING, STATE_LABELS, money

bp = Blueprint("grants", __name__, url_prefix="/proposals/<int:proposal_id>")
S = ProposalState


# -- loading and checking --------------------------------------------------------------------
def _load_visible(proposal_id: int, states: frozenset[ProposalState], what: str) -> Proposal:
    """The proposal, if the user is on its team or program staff (403) and it is in ``states`` (403, saying why)."""
    proposal = get_or_404(Proposal, proposal_id)
    if not permissions.can_see_grant(current_user, proposal):
        abort(403)
    if proposal.state not in states:
        first = min(states, key=list(S).index)
        abort(403, description=f"The {what} opens once the grant is {STATE_LABELS[first].lower()}; "
                               f"this proposal is {proposal.state_label.lower()}.")
    return proposal


def _forbid(message: str):
    abort(403, description=message)


def _check_report_writer(proposal: Proposal, what: str, staff_do: str) -> None:
    """Team members write the reports while the grant is active (403 saying why to anyone else)."""
    if not permissions.can_write_reports(current_user, proposal):
        if not permissions.is_team_member(current_user, proposal):
            _forbid(f"Team members write the {what}; program staff {staff_do}.")
        _forbid(f"The {what} is written while the grant is active; this one is {proposal.state_label.lower()}.")


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
    return run(
        lambda: grant_svc.accept_agreement(proposal, current_user), form=form,
        done=url_for(".agreement", proposal_id=proposal_id),
        success="You accepted the grant agreement for your team. Program staff will now activate the grant.",
        again=lambda refusal: _render_agreement(get_or_404(Proposal, proposal_id), form, 422, refusal.messages),
    )


# -- spending --------------------------------------------------------------------------------
@bp.get("/spending")
@login_required
def spending(proposal_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    return render_template(
        "grants/spending.html", proposal=proposal, ledger=ledger_svc.ledger_for(proposal),
        can_log=permissions.can_log_spending(current_user, proposal),
        can_reallocate=permissions.can_reallocate(current_user, proposal),
        can_void=permissions.can_void_spending(current_user, proposal),
    )


@bp.get("/spending.csv")
@login_required
def spending_csv(proposal_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    return csv_download(f"spending-{proposal.id}", exports.LEDGER_HEADER, exports.ledger_rows(proposal))


def _ledger_form(form_class, ledger, *line_fields: str):
    """The form (as posted, or empty) whose ``line_fields`` choose among the grant's budget lines."""
    form = form_class() if request.method == "POST" else form_class(formdata=None)
    for name in line_fields:
        form[name].choices = [SelectChoice("", "Choose a budget line")] + [
            SelectChoice(str(b.line.id), f"{b.line.category.label}: {b.line.description} ({money(b.left)} left)")
            for b in ledger.lines
        ]
    return form


def _render_expenditure(proposal: Proposal, form: ExpenditureForm, ledger=None, status: int = 200, errors=None):
    return render_template(
        "grants/expenditure_form.html", proposal=proposal, form=form, errors=errors or [],
        ledger=ledger if ledger is not None else ledger_svc.ledger_for(proposal),
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
    form = _ledger_form(ExpenditureForm, ledger, "budget_line")
    if request.method != "POST":
        return _render_expenditure(proposal, form, ledger)
    return run(
        lambda: ledger_svc.log_expenditure(proposal, current_user, **form.expenditure(),
                                           max_bytes=current_app.config["MAX_UPLOAD_BYTES"]),
        form=form, done=url_for(".spending", proposal_id=proposal_id),
        success=lambda expenditure: f"Logged {money(expenditure.amount)} paid to {expenditure.payee}.",
        again=lambda refusal: _render_expenditure(get_or_404(Proposal, proposal_id), form, None, 422,
                                                  show_refusal(form, refusal)),
        once=True,
    )


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


def _render_void(proposal: Proposal, expenditure, form: VoidExpenditureForm, status: int = 200, errors=None):
    return render_template("grants/void_expenditure.html", proposal=proposal, expenditure=expenditure, form=form,
                           errors=errors or []), status


@bp.route("/spending/<int:expenditure_id>/void", methods=["GET", "POST"])
@login_required
def void_expenditure(proposal_id: int, expenditure_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    expenditure = ledger_svc.expenditure_of(proposal, expenditure_id)
    if expenditure is None:
        abort(404)
    if not permissions.can_void_spending(current_user, proposal):
        _forbid(ledger_svc.void_refusal(proposal) or "Team members and program staff void a mistaken expenditure.")
    form = VoidExpenditureForm() if request.method == "POST" else VoidExpenditureForm(formdata=None)
    if request.method != "POST":
        return _render_void(proposal, expenditure, form)
    return run(
        lambda: ledger_svc.void_expenditure(proposal, expenditure, current_user, reason=form.reason.data),
        form=form, done=url_for(".spending", proposal_id=proposal_id, _anchor=f"expenditure-{expenditure_id}"),
        success=lambda e: (f"Voided {money(e.amount)} paid to {e.payee}: it stays on the ledger, marked void, "
                           "and no total counts it."),
        again=lambda refusal: _render_void(get_or_404(Proposal, proposal_id), expenditure, form, 422,
                                           show_refusal(form, refusal)),
        once=True,
    )


def _render_reallocate(proposal: Proposal, form: ReallocationForm, ledger=None, status: int = 200, errors=None):
    ledger = ledger if ledger is not None else ledger_svc.ledger_for(proposal)
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
    form = _ledger_form(ReallocationForm, ledger, "from_line", "to_line")
    if request.method != "POST":
        return _render_reallocate(proposal, form, ledger)
    return run(
        lambda: ledger_svc.reallocate(proposal, current_user, **form.reallocation()), form=form,
        done=url_for(".spending", proposal_id=proposal_id),
        success=lambda realloc: f"Moved {money(realloc.amount)} between budget lines. The award's total is unchanged.",
        again=lambda refusal: _render_reallocate(get_or_404(Proposal, proposal_id), form, None, 422,
                                                 show_refusal(form, refusal)),
        once=True,
    )


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
        data = report_svc.sections_of(proposal.progress_report, PROGRESS_SECTIONS)
        return _render_progress(proposal, ProgressForm(formdata=None, data=data))
    _check_report_writer(proposal, "progress update", "read it")
    form = ProgressForm()
    return run(
        lambda: report_svc.save_progress(proposal, current_user, form.sections(), submit=bool(form.submit.data)),
        form=form, done=url_for(".progress", proposal_id=proposal_id),
        success=lambda report: ("Progress update submitted. Thank you." if report.submitted_at is not None
                                else "Progress update saved as a draft."),
        again=lambda refusal: _render_progress(get_or_404(Proposal, proposal_id), form, 422,
                                               show_refusal(form, refusal)),
    )


# -- the final report ------------------------------------------------------------------------
def _render_final(proposal: Proposal, form: FinalReportForm, status: int = 200, errors=None):
    editable = permissions.can_write_reports(current_user, proposal)
    is_lead = permissions.is_team_lead(current_user, proposal)
    submit_t = PROPOSAL.transition("submit_final_report")
    return render_template(
        "grants/final_report.html", proposal=proposal, form=form, report=proposal.final_report,
        errors=errors or [], editable=editable, is_lead=is_lead, ledger=ledger_svc.ledger_for(proposal),
        submit_transition=submit_t,
        submit_blockers=refusals(proposal, submit_t.trigger, current_user) if editable and is_lead else [],
        staff_actions=[(a, action_form_class(a.action.trigger, a.action.fields)(formdata=None))
                       for a in report_svc.staff_actions(proposal, current_user)],
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
    if (permissions.is_staff(current_user) and "summaries.preview" in endpoints
            and proposal.learning_summary is not None):  # the preview of no summary is a 404
        return url_for("summaries.preview", proposal_id=proposal.id), "Read the learning summary"
    return None


@bp.route("/final-report", methods=["GET", "POST"])
@login_required
def final_report(proposal_id: int):
    proposal = _load_visible(proposal_id, REPORTING, "final report")
    if request.method != "POST":
        data = report_svc.sections_of(proposal.final_report, FINAL_REPORT_SECTIONS)
        return _render_final(proposal, FinalReportForm(formdata=None, data=data))
    _check_report_writer(proposal, "final report", "read it and accept or return it")
    form = FinalReportForm()
    return run(
        lambda: report_svc.save_final_report(proposal, current_user, form.sections()), form=form,
        done=url_for(".final_report", proposal_id=proposal_id), success="Final report saved.",
        again=lambda refusal: _render_final(get_or_404(Proposal, proposal_id), form, 422,
                                            show_refusal(form, refusal)),
    )
