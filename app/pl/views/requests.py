"""PL requests: draft, submit, endorse, joint approval against the PL budget, completion.

Load (404) -> check (403 with a reason) -> validate the form (re-render with the user's input) ->
one service operation -> commit once -> redirect with a flash.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields import SelectChoice

from app.cases.permissions import (
    can_complete_pl_request,
    can_edit_pl_request,
    can_take_part_in_pl_decision,
    can_view_pl_request,
    is_pl_requester,
)
from app.core import clock
from app.extensions import db
from app.models import Opportunity, PLDecision, PLRequest
from app.pl import budgets as budget_svc
from app.pl import decisions as decision_svc
from app.pl import requests as svc
from app.pl import transcript as transcript_svc
from app.web import download, flash_refusal, get_or_404, roles_required
from forms.pl import (
    CompletionForm,
    PLBudgetForm,
    PLDecisionForm,
    PLQueueFilterForm,
    PLRequestForm,
    action_form_class,
)
from workflows import TransitionRefused
from workflows.pl_request import PL_REQUEST, PLRequestState

bp = Blueprint("pl", __name__, url_prefix="/pl")
S = PLRequestState


def _load(id: int) -> PLRequest:
    row = svc.load_for_case_page(id)
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
def _fill_choices(form: PLRequestForm, row: PLRequest | None = None) -> None:
    keep_opp = row.opportunity_id if row is not None else None
    keep_need = row.need_term_id if row is not None else None
    opps = svc.requestable_opportunities(keep_opp)
    form.opportunity.choices = [SelectChoice("", "None: I describe it below")] + [
        SelectChoice(str(o.id), f"{o.title} ({o.provider_name}, {_money(o.cost)})") for o in opps]
    form.need.choices = [SelectChoice("", "Choose a need")] + [
        SelectChoice(str(t.id), t.name) for t in svc.need_terms(keep_need)]


def _money(value) -> str:
    from app.jinja import money

    return money(value)


def _draft_data(form: PLRequestForm) -> svc.DraftData:
    return svc.DraftData(
        opportunity_id=int(form.opportunity.data) if form.opportunity.data else None,
        title=form.title.data or "", provider_name=form.provider_name.data or "",
        description=form.description.data or "", url=form.url.data or "", cost=form.cost.data,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, hours=form.hours.data, pdps=form.pdps.data,
        rationale=form.rationale.data or "", need_term_id=int(form.need.data) if form.need.data else None,
    )


def _form_data(row: PLRequest) -> dict:
    return {
        "opportunity": str(row.opportunity_id) if row.opportunity_id else "",
        "title": row.title, "provider_name": row.provider_name, "description": row.description, "url": row.url,
        "cost": row.cost, "starts_on": row.starts_on, "ends_on": row.ends_on, "hours": row.hours, "pdps": row.pdps,
        "rationale": row.rationale, "need": str(row.need_term_id) if row.need_term_id else "",
    }


def _render_form(form: PLRequestForm, row: PLRequest | None, status: int = 200, errors: list[str] | None = None):
    return render_template("pl/edit.html", form=form, row=row, errors=errors or []), status


def _save(form: PLRequestForm, row: PLRequest | None):
    """Save (and, when asked, submit) the draft. On a refusal nothing changes and the page comes back
    with what was typed and every reason."""
    submitting = "submit" in request.form
    try:
        if row is None:
            row = svc.create_draft(current_user, _draft_data(form))
        else:
            svc.save_draft(row, current_user, _draft_data(form))
        if submitting:
            svc.fire(row, "submit", current_user)
    except TransitionRefused as exc:
        db.session.rollback()
        return _render_form(form, _reload(row), 422, exc.messages)
    except svc.PLRequestError as exc:
        db.session.rollback()
        return _render_form(form, _reload(row), 422, [str(exc)])
    except StaleDataError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    if submitting:
        flash("Your request is submitted. Your school leader is asked to endorse it.", "success")
        return redirect(url_for(".show", id=row.id))
    flash("Your draft is saved. Submit it when it is ready.", "success")
    return redirect(url_for(".edit", id=row.id))


def _reload(row: PLRequest | None) -> PLRequest | None:
    if row is None or row.id is None:
        return None
    return svc.load_for_case_page(row.id)


@bp.route("/requests/new", methods=["GET", "POST"])
@roles_required("educator")
def new():
    if request.method != "POST":
        data = {}
        opp_id = request.args.get("opportunity", type=int)
        form = PLRequestForm(formdata=None)
        if opp_id:
            opp = db.session.get(Opportunity, opp_id)
            if opp is not None and opp.published:
                data = svc.prefill_from(opp)
                form = PLRequestForm(formdata=None, data=data)
        _fill_choices(form)
        if data and data["opportunity"] not in {str(c.value) for c in form.opportunity.choices}:
            # It no longer takes requests (started, or free in-district): keep what it says, unchosen.
            form.opportunity.data = ""
        return _render_form(form, None)
    form = PLRequestForm()
    _fill_choices(form)
    if not form.validate_on_submit():
        return _render_form(form, None, 422)
    return _save(form, None)


@bp.route("/requests/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id: int):
    row = _load(id)
    if not can_edit_pl_request(current_user, row):
        if not is_pl_requester(current_user, row):
            abort(403, description="Only the educator who made this request can edit it.")
        abort(403, description=f"This request is {row.state_label.lower()}, so it can no longer be edited.")
    if request.method != "POST":
        form = PLRequestForm(formdata=None, data=_form_data(row))
        _fill_choices(form, row)
        return _render_form(form, row)
    form = PLRequestForm()
    _fill_choices(form, row)
    if not form.validate_on_submit():
        return _render_form(form, row, 422)
    return _save(form, row)


# -- the case page ------------------------------------------------------------------------------
def _render_case(row: PLRequest, status: int = 200, errors: list[str] | None = None, fired: str | None = None,
                 fired_form=None, decision_form=None):
    actions = svc.actions_for(row, current_user)
    forms = {a.trigger: action_form_class(a.trigger, a.fields)(formdata=None) for a in actions}
    if fired is not None and fired_form is not None:
        if fired not in forms:
            actions.append(svc.Action(PL_REQUEST.transition(fired), list(errors or [])))
        forms[fired] = fired_form
    return render_template(
        "pl/show.html", row=row, actions=actions, action_forms=forms, fired=fired, fired_form=fired_form,
        errors=errors or [], timeline=svc.timeline(row, current_user),
        can_edit=can_edit_pl_request(current_user, row),
        can_complete=can_complete_pl_request(current_user, row),
        can_see_transcript=transcript_svc.refusal_to_view(current_user, row.requester) is None,
        dp=decision_svc.panel(row, current_user),
        decision_form=decision_form or PLDecisionForm(formdata=None),
    ), status


@bp.get("/requests/<int:id>")
@login_required
def show(id: int):
    return _render_case(_viewable(id))


@bp.post("/requests/<int:id>/actions/<trigger>")
@login_required
def fire(id: int, trigger: str):
    row = _viewable(id)
    t = PL_REQUEST.by_trigger.get(trigger)
    if t is None:
        abort(404)
    if svc.is_joint(row, trigger):
        abort(403, description=svc.JOINT_REFUSAL)
    if trigger == "complete":
        abort(403, description=svc.COMPLETE_ELSEWHERE)
    who = PL_REQUEST.who_refusal(row, trigger, current_user)
    if who:
        abort(403, description=who)
    form = action_form_class(trigger, t.fields)()
    if not form.validate_on_submit():
        return _render_case(row, 422, fired=trigger, fired_form=form)
    try:
        svc.fire(row, trigger, current_user,
                 comment=form.comment.data if "comment" in t.fields else "",
                 reason=form.reason.data if "reason" in t.fields else "")
    except TransitionRefused as exc:
        db.session.rollback()
        return _render_case(_load(id), 422, errors=exc.messages, fired=trigger, fired_form=form)
    except StaleDataError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    row = _load(id)
    flash(f"{t.label}: done. The request is now {row.state_label.lower()}.", "success")
    return redirect(url_for(".show", id=id))


# -- the joint decision -------------------------------------------------------------------------
@bp.post("/requests/<int:id>/decision")
@roles_required("co_chair")
def decide(id: int):
    row = _viewable(id)
    refusal = decision_svc.participation_refusal(current_user)
    if refusal:
        abort(403, description=refusal)
    form = PLDecisionForm()
    extra: list[str] = []
    if form.validate_on_submit():
        try:
            decision_svc.propose(row, current_user, form.outcome.data, feedback=form.feedback.data or "")
        except decision_svc.DecisionError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                f = getattr(form, name, None)
                if f is not None:
                    f.errors = [*f.errors, message]
            extra = [m for m in exc.messages if m not in exc.fields.values()]
        else:
            db.session.commit()
            flash("Decision recorded. It takes effect when a co-chair of the other side confirms it.", "success")
            return redirect(url_for(".show", id=id, _anchor="decision-panel"))
    return _render_case(_load(id), 422, errors=extra, fired="decision", decision_form=form)


def _decision(decision_id: int) -> PLDecision:
    decision = get_or_404(PLDecision, decision_id)
    if not can_take_part_in_pl_decision(current_user):
        abort(403, description=decision_svc.participation_refusal(current_user))
    return decision


@bp.post("/decisions/<int:decision_id>/confirm")
@roles_required("co_chair")
def confirm(decision_id: int):
    decision = _decision(decision_id)
    request_id = decision.request_id
    try:
        decision_svc.confirm(decision, current_user)
    except (TransitionRefused, decision_svc.DecisionError) as exc:
        db.session.rollback()
        flash_refusal(exc)
    except StaleDataError:
        db.session.rollback()
        abort(409)
    else:
        db.session.commit()
        row = _load(request_id)
        flash(f"Decision confirmed: “{row.display_title}” is now {row.state_label.lower()}.", "success")
    return redirect(url_for(".show", id=request_id, _anchor="decision-panel"))


@bp.post("/decisions/<int:decision_id>/withdraw")
@roles_required("co_chair")
def withdraw_decision(decision_id: int):
    decision = _decision(decision_id)
    request_id = decision.request_id
    if decision.proposed_by_id != current_user.id:
        abort(403, description=f"Only {decision.proposed_by_name}, who recorded this decision, can withdraw it.")
    try:
        decision_svc.withdraw(decision, current_user)
    except decision_svc.DecisionError as exc:
        db.session.rollback()
        flash_refusal(exc)
    else:
        db.session.commit()
        flash("Your recorded decision is withdrawn. A new decision can be recorded.", "success")
    return redirect(url_for(".show", id=request_id, _anchor="decision-panel"))


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
    if not form.validate_on_submit():
        return render_template("pl/complete.html", row=row, form=form, errors=[]), 422
    try:
        svc.complete(row, current_user, attended=form.attended.data, reflection=form.reflection.data or "",
                     hours=form.hours_completed.data, pdps=form.pdps_earned.data)
    except TransitionRefused as exc:
        db.session.rollback()
        return render_template("pl/complete.html", row=_load(id), form=form, errors=exc.messages), 422
    except StaleDataError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash("Completion recorded. It is on your PL transcript.", "success")
    return redirect(url_for(".show", id=id))


# -- lists --------------------------------------------------------------------------------------
@bp.get("/requests")
@roles_required("educator")
def mine():
    return render_template("pl/mine.html", rows=svc.requests_of(current_user))


def _filters() -> tuple[PLQueueFilterForm, str | None, str | None]:
    form = PLQueueFilterForm(request.args, years=svc.budget_years())
    if request.args and not form.validate():
        return form, None, None
    return form, form.state.data or None, form.year.data or None


@bp.get("/queue")
@roles_required("school_leader", "co_chair", "staff")
def queue():
    ctx: dict = {"to_endorse": None, "to_decide": None, "page": None, "filter_form": None}
    if current_user.has_role("school_leader"):
        ctx["to_endorse"] = svc.waiting_for_endorsement(current_user)
    if current_user.has_role("co_chair"):
        ctx["to_decide"] = svc.waiting_for_decision()
    if current_user.has_role("staff"):
        form, state, year = _filters()
        ctx["filter_form"] = form
        ctx["page"] = svc.all_requests(state, year, page=request.args.get("page", 1, type=int))
        ctx["csv_args"] = {k: v for k, v in (("state", state), ("year", year)) if v}
    return render_template("pl/queue.html", **ctx)


@bp.get("/queue.csv")
@roles_required("staff")
def queue_csv():
    form, state, year = _filters()
    if form.errors:
        abort(400, description="Choose the filters from the lists on the PL requests page.")
    name = "pl-requests" + (f"-{year}" if year else "") + (f"-{state}" if state else "") + ".csv"
    return download(svc.queue_csv(state, year).encode("utf-8-sig"), name, "text/csv")


# -- the PL budget ------------------------------------------------------------------------------
@bp.route("/budgets", methods=["GET", "POST"])
@roles_required("staff")
def budgets():
    if request.method != "POST":
        form = PLBudgetForm(formdata=None, data={"school_year": request.args.get("year") or budget_svc.current_year()})
        return render_template("pl/budgets.html", form=form, years=budget_svc.overview(), errors=[])
    form = PLBudgetForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            budget = budget_svc.set_budget(form.school_year.data, form.amount.data, current_user)
        except budget_svc.BudgetError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
            errors = [m for m in exc.messages if m not in exc.fields.values()]
        except StaleDataError:
            db.session.rollback()
            abort(409)
        else:
            db.session.commit()
            flash(f"The {budget.school_year} PL budget is {_money(budget.amount)}.", "success")
            return redirect(url_for(".budgets"))
    return render_template("pl/budgets.html", form=form, years=budget_svc.overview(), errors=errors), 422


@bp.app_template_global()
def pl_home_panel(user=None):
    """For the home page: ``{% set panel = pl_home_panel(current_user) %}{% include "pl/_home.html" %}``."""
    return svc.home_panel(user, clock.today())
