"""Registration for free in-district PL: register, cancel, the waitlist, rosters and attendance.

Load (404) -> check (403 with a reason) -> validate -> one service call -> commit -> redirect with a
flash. The seat and waitlist rules live in ``app.catalog.registrations``.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from app.catalog import matching as match_svc
from app.catalog import registrations as reg_svc
from app.core import clock
from app.extensions import db
from app.models import Opportunity
from app.web import download, flash_refusal, get_or_404, roles_required, safe_next
from forms.catalog import AttendanceForm, SeatForm

bp = Blueprint("registrations", __name__)


# -- template globals: the catalog page's panel and the recommendations -----------------------
@bp.app_template_global()
def registration_panel(opportunity: Opportunity, user) -> dict:
    """What ``registrations/_panel.html`` shows: seats, the viewer's status and their button."""
    signed_in = bool(user and user.is_authenticated)
    direct = opportunity.direct_registration
    taken, waiting = reg_svc.counts_for([opportunity.id])[opportunity.id] if direct else (0, 0)
    left = reg_svc.seats_left(opportunity, taken) if direct else None
    reg = reg_svc.registration_of(opportunity, user) if (signed_in and direct) else None
    status = reg.status.value if reg is not None and reg.status is not reg_svc.CANCELLED else None
    started = reg_svc.has_started(opportunity)
    is_educator = signed_in and user.has_role("educator")
    open_ = direct and opportunity.published and not started
    return {
        "direct": direct,
        "signed_in": signed_in,
        "capacity": opportunity.capacity,
        "taken": taken,
        "waiting": waiting,
        "seats_left": left,
        "full": left == 0,
        "started": started,
        "open": open_,
        "status": status,
        "place": reg_svc.waitlist_place(reg) if status == "waitlisted" else None,
        "attended": reg.attended if status == "registered" else None,
        "can_register": open_ and is_educator and status is None,
        "can_cancel": is_educator and (status == "waitlisted" or (status == "registered" and not started)),
        "is_educator": is_educator,
        "is_staff": signed_in and user.has_role("staff"),
    }


@bp.app_template_global()
def recommendations_for(user, limit: int = 6) -> dict | None:
    """What ``registrations/_recommended.html`` shows to a signed-in educator, or None for anyone else."""
    if not (user and user.is_authenticated and user.has_role("educator")):
        return None
    signals = match_svc.signals_for(user)
    return {
        "items": match_svc.recommend(user, limit=limit, signals=signals),
        "has_profile": not signals.empty,
        "survey_url": url_for("surveys.answer") if "surveys.answer" in current_app.config["_ENDPOINTS"] else None,
    }


# -- register and cancel -----------------------------------------------------------------------
def _back(opportunity_id: int, form: SeatForm):
    return redirect(safe_next(form.next.data) or url_for(".mine"))


def _seat_action(opportunity_id: int, act):
    """Register or cancel: ``act(opportunity)`` does it and returns the message to show once it is saved."""
    opportunity = get_or_404(Opportunity, opportunity_id)
    form = SeatForm()
    if not form.validate_on_submit():
        abort(400, description="The form expired. Reload the page and try again.")
    try:
        message = act(opportunity)
    except reg_svc.RegistrationError as exc:
        db.session.rollback()
        flash_refusal(exc)
        return _back(opportunity_id, form)
    db.session.commit()
    flash(message, "success")
    return _back(opportunity_id, form)


def _register(opportunity: Opportunity) -> str:
    place = reg_svc.waitlist_place(reg_svc.register(opportunity, current_user))
    if place is None:
        return f"You are registered for “{opportunity.title}”."
    return (f"“{opportunity.title}” is full: you are on the waitlist, place {place} in line. "
            "You will get an email if a seat opens up.")


def _cancel(opportunity: Opportunity) -> str:
    reg, _promoted = reg_svc.cancel(opportunity, current_user)
    if reg.registered_at is None:
        return f"You left the waitlist for “{opportunity.title}”."
    return (f"Your registration for “{opportunity.title}” is cancelled; your seat goes to the next person "
            "in line.")


@bp.post("/catalog/<int:opportunity_id>/register")
@roles_required("educator")
def register(opportunity_id: int):
    return _seat_action(opportunity_id, _register)


@bp.post("/catalog/<int:opportunity_id>/cancel")
@roles_required("educator")
def cancel(opportunity_id: int):
    return _seat_action(opportunity_id, _cancel)


# -- my registrations ------------------------------------------------------------------------
@bp.get("/my/registrations")
@roles_required("educator")
def mine():
    rows = reg_svc.mine(current_user)
    now = clock.now()
    upcoming = [r for r in rows if not reg_svc.has_started(r.opportunity, now)]
    past = [r for r in rows if reg_svc.has_started(r.opportunity, now)]
    return render_template("catalog/my_registrations.html", upcoming=upcoming, past=past,
                           places=reg_svc.waitlist_places(rows), form=SeatForm(formdata=None))


# -- roster and attendance (staff) -------------------------------------------------------------
def _direct_or_403(opportunity: Opportunity) -> Opportunity:
    if not opportunity.direct_registration:
        abort(403, description=f"“{opportunity.title}” does not take direct registration, so it has no roster: "
                               "people attend it through PL requests.")
    return opportunity


def _render_roster(opportunity: Opportunity, form: AttendanceForm | None = None, status: int = 200, errors=None):
    roster = reg_svc.roster(opportunity)
    if form is None:
        form = AttendanceForm(formdata=None, registered_ids=[r.id for r in roster.registered])
        form.attended.data = [r.id for r in roster.registered if r.attended]
    ticked = set(form.attended.data or ())
    return render_template("catalog/roster.html", opportunity=opportunity, roster=roster, form=form,
                           ticked=ticked, errors=errors or []), status


@bp.get("/catalog/<int:opportunity_id>/roster")
@roles_required("staff")
def roster(opportunity_id: int):
    return _render_roster(_direct_or_403(get_or_404(Opportunity, opportunity_id)))


@bp.get("/catalog/<int:opportunity_id>/roster.csv")
@roles_required("staff")
def roster_csv(opportunity_id: int):
    opportunity = _direct_or_403(get_or_404(Opportunity, opportunity_id))
    r = reg_svc.roster(opportunity)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Status", "Place in line", "Name", "Email", "School", "Registered or queued (Boston time)",
                "Attended"])
    for reg in r.registered:
        w.writerow(["Registered", "", *_person(reg), _csv_dt(reg.registered_at or reg.queued_at),
                    "" if reg.attended is None else ("yes" if reg.attended else "no")])
    for place, reg in enumerate(r.waitlisted, start=1):
        w.writerow(["Waitlisted", place, *_person(reg), _csv_dt(reg.queued_at), ""])
    return download(("\ufeff" + out.getvalue()).encode("utf-8"), f"roster-{opportunity.slug}.csv", "text/csv")


def _cell(text: str) -> str:
    """No spreadsheet formulas from what people typed: a cell starting with = + - @ gets a leading '."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _person(reg) -> list[str]:
    u = reg.user
    return [_cell(u.name), _cell(u.email), _cell(u.school.name if u.school else "")]


def _csv_dt(dt) -> str:
    local = clock.local(dt)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


@bp.post("/catalog/<int:opportunity_id>/attendance")
@roles_required("staff")
def attendance(opportunity_id: int):
    opportunity = _direct_or_403(get_or_404(Opportunity, opportunity_id))
    roster_now = reg_svc.roster(opportunity)
    if not roster_now.started:
        abort(403, description=f"“{opportunity.title}” has not started yet: record attendance once the first "
                               "session has begun.")
    form = AttendanceForm(registered_ids=[r.id for r in roster_now.registered])
    if not form.validate_on_submit():
        return _render_roster(opportunity, form, 422)
    try:
        n = reg_svc.record_attendance(opportunity, form.attended.data or [], current_user)
    except reg_svc.RegistrationError as exc:
        db.session.rollback()
        return _render_roster(get_or_404(Opportunity, opportunity_id), form, 422, errors=exc.messages)
    db.session.commit()
    flash(f"Attendance recorded: {n} of {len(roster_now.registered)} registered people attended.", "success")
    return redirect(url_for(".roster", opportunity_id=opportunity_id))


@bp.app_template_global()
def opportunity_link(opportunity: Opportunity) -> str | None:
    """The catalog page of an opportunity (whatever its URL argument is called), or None without one."""
    from werkzeug.routing import IntegerConverter

    for rule in current_app.url_map.iter_rules("catalog.show") if "catalog.show" in current_app.view_functions else ():
        if len(rule.arguments) == 1:
            (arg,) = rule.arguments
            int_arg = isinstance(rule._converters.get(arg), IntegerConverter)
            return url_for("catalog.show", **{arg: opportunity.id if int_arg else opportunity.slug})
    return None
