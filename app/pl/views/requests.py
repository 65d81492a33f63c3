"""PL requests: draft, submit, endorse, joint approval against the PL budget, completion, queues, budgets.

Each view loads (404), checks (403 with a reason), picks its form and hands one operation to
``app.web.run``, which commits or rolls back once.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from app.cases import advance, joint
from app.cases.advance import transition_or_404
from app.cases.panels import case_actions, pl_request_panels
from app.cases.permissions import (
    can_complete_pl_request,
    can_edit_pl_request,
    can_view_pl_request,
    is_pl_requester,
)
from app.core.urls import parse_id
from app.extensions import db
from app.jinja import money
from app.models import Opportunity, PLDecision, PLRequest
from app.pl import budgets as budget_ops
from app.pl import certificates, decisions, requests
from app.web import csv_download, download, get_or_404, page_number, reader, roles_required, run, show_refusal
from forms.pl import (
    CertificateRequestForm,
    CertificateUploadForm,
    CompletionForm,
    PLBudgetForm,
    PLDecisionForm,
    PLQueueFilterForm,
    PLRequestForm,
    action_form_class,
)
from forms.review import NotConfirmedForm
from workflows.pl_request import PL_REQUEST, endorser_words

bp = Blueprint("pl", __name__, url_prefix="/pl")


def _load(id: int) -> PLRequest:
    row = requests.load_for_case_page(id)
    if row is None:
        abort(404)
    return row


def _viewable(id: int) -> PLRequest:
    row = _load(id)
    if not can_view_pl_request(current_user, row):
        abort(403, description="Only the educator who made this request, their school leader, the committee's "
                               "co-chairs and program staff can see it.")
    return row


# -- the draft ----------------------------------------------------------------------------------
def _form(row: PLRequest | None = None, data: dict | None = None, formdata=True) -> PLRequestForm:
    """The request form (posted, or filled from ``data``) with its lists: the opportunities that take
    requests and the needs, keeping what the draft already names."""
    form = PLRequestForm() if formdata else PLRequestForm(formdata=None, data=data or {})
    opps = requests.requestable_opportunities(row.opportunity_id if row is not None else None)
    form.opportunity.choices = [SelectChoice("", "None: I describe it below")] + [
        SelectChoice(str(o.id), f"{o.title} ({o.provider_name}, {money(o.cost)})") for o in opps]
    form.need.choices = [SelectChoice("", "Choose a need")] + [
        SelectChoice(str(t.id), t.name) for t in requests.need_terms(row.need_term_id if row is not None else None)]
    return form


def _render_form(form: PLRequestForm, row: PLRequest | None, status: int = 200, errors: list[str] | None = None):
    return render_template("pl/edit.html", form=form, row=row, errors=errors or []), status


def _save(form: PLRequestForm, row: PLRequest | None):
    """Save (and, when asked, submit) the draft; a refusal brings the page back with what was typed."""
    submitting = "submit" in request.form
    row_id = row.id if row is not None else None
    return run(
        lambda: requests.save(row, current_user, reader(form), submit=submitting),
        done=lambda saved: url_for(".show" if submitting else ".edit", id=saved.id),
        success=(requests.submitted_message if submitting else "Your draft is saved. Submit it when it is ready."),
        again=lambda refusal: _render_form(form, row_id and requests.load_for_case_page(row_id), 422,
                                           show_refusal(form, refusal)),
        once=True,
    )


@bp.route("/requests/new", methods=["GET", "POST"])
@roles_required("educator")
def new():
    if request.method == "POST":
        return _save(_form(), None)
    opp = db.session.get(Opportunity, parse_id(request.args.get("opportunity")) or 0)
    data = requests.prefill_from(opp) if opp is not None and opp.published else {}
    form = _form(data=data, formdata=False)
    if data and data["opportunity"] not in {str(c.value) for c in form.opportunity.choices}:
        form.opportunity.data = ""  # it no longer takes requests (started, or free in-district): kept, unchosen
    return _render_form(form, None)


@bp.route("/requests/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id: int):
    row = _load(id)
    if not can_edit_pl_request(current_user, row):
        if not is_pl_requester(current_user, row):
            abort(403, description="Only the educator who made this request can edit it.")
        abort(403, description=f"This request is {row.state_label.lower()}, so it can no longer be edited.")
    if request.method == "POST":
        return _save(_form(row), row)
    return _render_form(_form(row, requests.form_data(row), formdata=False), row)


# -- the case page ------------------------------------------------------------------------------
def _render_case(row: PLRequest, status: int = 200, refusal=None, fired: str | None = None, fired_form=None,
                 decision_form=None, errors: list[str] | None = None, send_back_form=None,
                 certificate_forms: dict | None = None):
    actions, forms = case_actions(row, current_user, action_form_class, fired, fired_form, refusal)
    cert_forms = {"ask": CertificateRequestForm(formdata=None), "upload": CertificateUploadForm(formdata=None),
                  **(certificate_forms or {})}
    return render_template(
        "pl/show.html", row=row, actions=actions, action_forms=forms, fired=fired, fired_form=fired_form,
        errors=errors if errors is not None else (refusal.messages if refusal else []),
        timeline=requests.timeline(row, current_user), can_edit=can_edit_pl_request(current_user, row),
        endorser=endorser_words(row), certificate=certificates.panel(row, current_user), cert_forms=cert_forms,
        can_complete=can_complete_pl_request(current_user, row), panels=pl_request_panels(row, current_user),
        decision_form=decision_form or PLDecisionForm(formdata=None),
        send_back_form=send_back_form or NotConfirmedForm(formdata=None),
    ), status


@bp.get("/requests/<int:id>")
@login_required
def show(id: int):
    return _render_case(_viewable(id))


@bp.post("/requests/<int:id>/actions/<trigger>")
@login_required
def fire(id: int, trigger: str):
    row = _viewable(id)
    t = transition_or_404(PL_REQUEST, trigger)
    form = action_form_class(trigger, t.fields)()
    return run(
        lambda: advance.fire(row, trigger, current_user, reader(form)),
        done=url_for(".show", id=id),
        success=lambda _: f"{t.label}: done. The request is now {_load(id).state_label.lower()}.",
        again=lambda refusal: _render_case(_load(id), 422, refusal, trigger, form),
    )


# -- the joint decision -------------------------------------------------------------------------
@bp.post("/requests/<int:id>/decision")
@roles_required("co_chair")
def decide(id: int):
    row = _viewable(id)
    form = PLDecisionForm()
    return run(
        lambda: decisions.propose(row, current_user, fields=reader(form)),
        done=url_for(".show", id=id, _anchor="decision-panel"),
        success="Decision recorded. It takes effect when a co-chair of the other side confirms it.",
        again=lambda refusal: _render_case(_load(id), 422, fired="decision", decision_form=form,
                                           errors=show_refusal(form, refusal)),
        once=True,
    )


@bp.post("/decisions/<int:decision_id>/confirm")
@roles_required("co_chair")
def confirm(decision_id: int):
    decision = get_or_404(PLDecision, decision_id)
    request_id = decision.request_id
    return run(
        lambda: decisions.confirm(decision, current_user),
        done=url_for(".show", id=request_id, _anchor="decision-panel"),
        success=lambda _: (f"Decision confirmed: “{_load(request_id).display_title}” is now "
                           f"{_load(request_id).state_label.lower()}."),
    )


@bp.post("/decisions/<int:decision_id>/withdraw")
@roles_required("co_chair")
def withdraw_decision(decision_id: int):
    decision = get_or_404(PLDecision, decision_id)
    return run(
        lambda: decisions.withdraw(decision, current_user),
        done=url_for(".show", id=decision.request_id, _anchor="decision-panel"),
        success="Your recorded decision is withdrawn. A new decision can be recorded.",
    )


@bp.post("/decisions/<int:decision_id>/not-confirmed")
@roles_required("co_chair")
def not_confirm(decision_id: int):
    decision = get_or_404(PLDecision, decision_id)
    request_id, form = decision.request_id, NotConfirmedForm()
    return run(
        lambda: decisions.not_confirm(decision, current_user, fields=reader(form)),
        done=url_for(".show", id=request_id, _anchor="decision-panel"),
        success=joint.SENT_BACK_DONE,
        again=lambda refusal: _render_case(_load(request_id), 422, fired="not_confirmed", send_back_form=form,
                                           errors=show_refusal(form, refusal)),
        once=True,
    )


# -- completion ---------------------------------------------------------------------------------
@bp.route("/requests/<int:id>/complete", methods=["GET", "POST"])
@login_required
def complete(id: int):
    row = _load(id)
    if not can_complete_pl_request(current_user, row):
        if not is_pl_requester(current_user, row):
            abort(403, description="Only the educator who made this request records its completion.")
        abort(403, description=f"Completion is recorded once a request is approved; this one is "
                               f"{row.state_label.lower()}.")
    if request.method != "POST":
        form = CompletionForm(formdata=None, data={"hours_completed": row.hours, "pdps_earned": row.pdps})
        return render_template("pl/complete.html", row=row, form=form, errors=[])
    form = CompletionForm()
    return run(
        lambda: requests.complete(row, current_user, fields=reader(form)),
        done=url_for(".show", id=id), success="Completion recorded. It is on your PL transcript.",
        again=lambda refusal: (render_template("pl/complete.html", row=_load(id), form=form,
                                               errors=show_refusal(form, refusal)), 422),
    )


# -- the certificate ------------------------------------------------------------------------------
def _certificate_refused(id: int, name: str, form, refusal):
    """The case page again (422), the certificate form as it was filled, its messages beside its fields."""
    return _render_case(_load(id), 422, fired="certificate", errors=show_refusal(form, refusal),
                        certificate_forms={name: form})


@bp.post("/requests/<int:id>/certificate/ask")
@roles_required("staff")
def ask_certificate(id: int):
    row = _viewable(id)
    form = CertificateRequestForm()
    return run(
        lambda: certificates.ask(row, current_user, fields=reader(form)),
        done=url_for(".show", id=id, _anchor="certificate"),
        success=f"We asked {row.requester_name} for the certificate.",
        again=lambda refusal: _certificate_refused(id, "ask", form, refusal),
        once=True,
    )


@bp.route("/requests/<int:id>/certificate", methods=["GET", "POST"])
@login_required
def certificate(id: int):
    """GET: the certificate file, to whoever may see the request. POST: the educator uploads it."""
    row = _viewable(id)
    if request.method != "POST":
        cert = certificates.file_of(row, current_user)
        if cert is None:
            abort(404, description="No certificate has been uploaded for this request.")
        return download(cert.data, cert.filename, cert.content_type)
    form = CertificateUploadForm()
    return run(
        lambda: certificates.upload(row, current_user, reader(form), current_app.config["MAX_UPLOAD_BYTES"]),
        done=url_for(".show", id=id, _anchor="certificate"), success="Certificate uploaded.",
        again=lambda refusal: _certificate_refused(id, "upload", form, refusal),
        once=True,
    )


# -- lists --------------------------------------------------------------------------------------
@bp.get("/requests")
@roles_required("educator")
def mine():
    return render_template("pl/mine.html", rows=requests.requests_of(current_user))


def _filters() -> tuple[PLQueueFilterForm, dict[str, str]]:
    """Staff's list filters as chosen (state, year, endorser), only those given; none when one is invalid."""
    form = PLQueueFilterForm(request.args, years=requests.budget_years())
    if request.args and not form.validate():
        return form, {}
    return form, {k: v for k in ("state", "year", "endorser") if (v := getattr(form, k).data)}


@bp.get("/queue")
@roles_required("school_leader", "co_chair", "staff")
def queue():
    ctx: dict = {"to_endorse": None, "to_decide": None, "page": None, "filter_form": None}
    if current_user.has_role("school_leader"):
        ctx["to_endorse"] = requests.waiting_for_endorsement(current_user, page_number("endorse_page"))
    if current_user.has_role("co_chair"):
        ctx["to_decide"] = requests.waiting_for_decision(page_number("decide_page"))
    if current_user.has_role("staff"):
        ctx["filter_form"], ctx["csv_args"] = _filters()
        ctx["page"] = requests.all_requests(**ctx["csv_args"], page=page_number())
        ctx["staff_to_endorse"] = requests.waiting_for_staff_count()
    return render_template("pl/queue.html", **ctx)


@bp.get("/queue.csv")
@roles_required("staff")
def queue_csv():
    form, chosen = _filters()
    if form.errors:
        abort(400, description="Choose the filters from the lists on the PL requests page.")
    stem = "pl-requests" + "".join(f"-{chosen[k]}" for k in ("year", "state", "endorser") if k in chosen)
    return csv_download(stem, requests.CSV_HEADERS, requests.queue_rows(**chosen))


# -- the PL budget ------------------------------------------------------------------------------
@bp.route("/budgets", methods=["GET", "POST"])
@roles_required("staff")
def budgets():
    def page(form, status=200, errors=()):
        return render_template("pl/budgets.html", form=form, years=budget_ops.overview(), errors=list(errors)), status

    if request.method != "POST":
        return page(PLBudgetForm(formdata=None,
                                 data={"school_year": request.args.get("year") or budget_ops.current_year()}))
    form = PLBudgetForm()
    return run(
        lambda: budget_ops.set_budget(form.school_year.data, form.amount.data, current_user), form=form,
        done=url_for(".budgets"),
        success=lambda budget: f"The {budget.school_year} PL budget is {money(budget.amount)}.",
        again=lambda refusal: page(form, 422, show_refusal(form, refusal)),
        once=True,
    )
