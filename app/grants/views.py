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

from app.cases import advance, permissions
from app.cases.advance import refusals, transition_or_404
from app.grants import agreement as grant_svc
from app.grants import exports
from app.grants import ledger as ledger_svc
from app.grants import payments as payment_svc
from app.grants import reports as report_svc
from app.models import FINAL_REPORT_SECTIONS, PROGRESS_SECTIONS, BudgetReallocation, Proposal, ProposalState
from app.web import csv_download, download, get_or_404, page_number, reader, roles_required, run, show_refusal
from forms.grants import (
    AgreementForm,
    CorrectExpenditureForm,
    ExpenditureForm,
    FinalReportForm,
    ProgressForm,
    ReallocationForm,
    VoidExpenditureForm,
    revise_budget_form_class,
)
from forms.proposals import action_form_class
from workflows.expenditure import EXPENDITURE, REALLOCATION
from workflows.proposal import AWARDED, PROPOSAL, REPORTING, STATE_LABELS, money

bp = Blueprint("grants", __name__, url_prefix="/proposals/<int:proposal_id>")
payments = Blueprint("payments", __name__, url_prefix="/payments")
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
        needs_revision=grant_svc.needs_revised_budget(proposal),
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


def _render_revise(proposal: Proposal, form, status: int = 200, errors=None):
    return render_template("grants/revise_budget.html", proposal=proposal, form=form, errors=errors or [],
                           lines=list(proposal.budget_lines)), status


@bp.route("/budget/revise", methods=["GET", "POST"])
@login_required
def revise_budget(proposal_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "grant agreement")
    if not permissions.is_team_lead(current_user, proposal) or not grant_svc.needs_revised_budget(proposal):
        _forbid("The team lead revises the budget to a partial award, before accepting the agreement; "
                "this grant has nothing to revise.")
    form_class = revise_budget_form_class(proposal.budget_lines)
    form = form_class() if request.method == "POST" else form_class(
        formdata=None, data={f"line_{line.id}": line.amount for line in proposal.budget_lines})
    if request.method != "POST":
        return _render_revise(proposal, form)
    return run(
        lambda: grant_svc.revise_budget(proposal, current_user, form.amounts()), form=form,
        done=url_for(".agreement", proposal_id=proposal_id),
        success="Budget revised to the award. You can now accept the grant agreement.",
        again=lambda refusal: _render_revise(get_or_404(Proposal, proposal_id), form, 422, show_refusal(form, refusal)),
    )


# -- spending --------------------------------------------------------------------------------
def _case_forms(cases, fired=None, fired_form=None) -> dict:
    """(case id, trigger) -> the form of each action the viewer may take on each case (an expenditure's
    payment, a reallocation request); the one just refused keeps what was typed."""
    forms = {}
    for case in cases:
        for a in advance.actions_for(case, current_user):
            key = (case.id, a.trigger)
            forms[key] = (a, None if a.page else fired_form if key == fired else
                          action_form_class(f"{a.trigger}-{case.id}", a.fields)(formdata=None))
    return forms


def _render_spending(proposal: Proposal, status: int = 200, errors=None, fired=None, fired_form=None):
    ledger = ledger_svc.ledger_for(proposal)
    return render_template(
        "grants/spending.html", proposal=proposal, ledger=ledger, errors=errors or [], fired_form=fired_form,
        can_log=permissions.can_log_spending(current_user, proposal),
        can_reallocate=permissions.can_reallocate(current_user, proposal),
        can_void=permissions.can_void_spending(current_user, proposal),
        case_forms=_case_forms([*ledger.expenditures, *ledger.reallocations], fired, fired_form),
    ), status


@bp.get("/spending")
@login_required
def spending(proposal_id: int):
    return _render_spending(_load_visible(proposal_id, AWARDED, "spending ledger"))


def _act(proposal_id: int, case, wf, trigger: str):
    """Fire ``trigger`` of ``wf`` on ``case`` (an expenditure or a reallocation of the grant) by its button:
    the declared who-check (403), guards (the page again, 422, with what was typed), audit, notices."""
    t = transition_or_404(wf, trigger)
    form = action_form_class(f"{trigger}-{case.id}", t.fields)()
    staff = permissions.is_staff(current_user)
    return run(
        lambda: advance.fire(case, trigger, current_user, reader(form)),
        done=url_for("payments.index") if staff else url_for(".spending", proposal_id=proposal_id),
        success=lambda _: f"{t.label}: done. It is now {case.state_label.lower()}.",
        again=lambda refusal: (_render_payments(422, show_refusal(None, refusal), (case.id, trigger), form,
                                                payment_svc.list_of(case))
                               if staff else _render_spending(get_or_404(Proposal, proposal_id), 422,
                                                              show_refusal(None, refusal), (case.id, trigger), form)),
    )


def _spending_entry(proposal_id: int, expenditure_id: int):
    """The grant (404 when it is not one this person may see) and one of its expenditures (404 when not)."""
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    expenditure = ledger_svc.expenditure_of(proposal, expenditure_id)
    if expenditure is None:
        abort(404)
    return proposal, expenditure


@bp.get("/spending.csv")
@login_required
def spending_csv(proposal_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    return csv_download(f"spending-{proposal.id}", exports.LEDGER_HEADER, exports.ledger_rows(proposal))


@bp.post("/spending/<int:expenditure_id>/actions/<trigger>")
@login_required
def expenditure_action(proposal_id: int, expenditure_id: int, trigger: str):
    _, expenditure = _spending_entry(proposal_id, expenditure_id)
    return _act(proposal_id, expenditure, EXPENDITURE, trigger)


@bp.post("/reallocations/<int:reallocation_id>/actions/<trigger>")
@login_required
def reallocation_action(proposal_id: int, reallocation_id: int, trigger: str):
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    realloc = _reallocation_of(proposal, reallocation_id)
    return _act(proposal_id, realloc, REALLOCATION, trigger)


def _render_correct(proposal: Proposal, expenditure, form, status: int = 200, errors=None):
    return render_template("grants/correct_expenditure.html", proposal=proposal, expenditure=expenditure, form=form,
                           errors=errors or []), status


@bp.route("/spending/<int:expenditure_id>/correct", methods=["GET", "POST"])
@login_required
def correct_expenditure(proposal_id: int, expenditure_id: int):
    proposal, expenditure = _spending_entry(proposal_id, expenditure_id)
    refusal = advance.refusals(expenditure, "resubmit", current_user, comment="(typed on this page)")
    if refusal:
        _forbid(" ".join(refusal))
    form = CorrectExpenditureForm() if request.method == "POST" else CorrectExpenditureForm(
        formdata=None, data={"payee": expenditure.payee, "amount": expenditure.amount, "note": expenditure.note})
    if request.method != "POST":
        return _render_correct(proposal, expenditure, form)
    return run(
        lambda: ledger_svc.correct_expenditure(proposal, expenditure, current_user, **form.correction(),
                                               max_bytes=current_app.config["MAX_UPLOAD_BYTES"]),
        form=form, done=url_for(".spending", proposal_id=proposal_id, _anchor=f"expenditure-{expenditure_id}"),
        success="Corrected and resubmitted: program staff check it again.",
        again=lambda refusal: _render_correct(get_or_404(Proposal, proposal_id), expenditure, form, 422,
                                              show_refusal(form, refusal)),
    )


def _reallocation_of(proposal: Proposal, reallocation_id: int) -> BudgetReallocation:
    realloc = get_or_404(BudgetReallocation, reallocation_id)
    if realloc.proposal_id != proposal.id:
        abort(404)
    return realloc


# -- staff: what awaits approval and payment -------------------------------------------------
def _render_payments(status: int = 200, errors=None, fired=None, fired_form=None, show: str | None = None):
    show = show or request.args.get("show", "approval")
    show = show if show in (*payment_svc.VIEWS, "reallocations") else "approval"
    page = (payment_svc.reallocation_page(page_number()) if show == "reallocations"
            else payment_svc.expenditure_page(show, page_number()))
    return render_template("grants/payments.html", queues=payment_svc.queues(), show=show, page=page,
                           case_forms=_case_forms(page.items, fired, fired_form), errors=errors or [],
                           fired_form=fired_form, line_label=payment_svc.line_label), status


@payments.get("/")
@roles_required("staff")
def index():
    return _render_payments()


@payments.get("/payments.csv")
@roles_required("staff")
def csv():
    return csv_download("reimbursements-awaiting-staff", payment_svc.CSV_COLUMNS, payment_svc.csv_rows())


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
    proposal, expenditure = _spending_entry(proposal_id, expenditure_id)
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
@login_required
def reallocate(proposal_id: int):
    proposal = _load_visible(proposal_id, AWARDED, "spending ledger")
    if not permissions.can_reallocate(current_user, proposal):
        _forbid(f"A reallocation is asked for while the grant is approved or active; this one is "
                f"{proposal.state_label.lower()}.")
    ledger = ledger_svc.ledger_for(proposal)
    form = _ledger_form(ReallocationForm, ledger, "from_line", "to_line")
    if request.method != "POST":
        return _render_reallocate(proposal, form, ledger)
    return run(
        lambda: ledger_svc.request_reallocation(proposal, current_user, **form.reallocation()), form=form,
        done=url_for(".spending", proposal_id=proposal_id),
        success=lambda realloc: (f"Asked to move {money(realloc.amount)} between budget lines. Program staff "
                                 "approve or decline it; nothing moves until they approve."),
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
