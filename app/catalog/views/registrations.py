"""Registration for free in-district PL: register, cancel, the waitlist, rosters and attendance.

Each view loads (404), checks (403 with a reason), picks its form and hands one operation to
``app.web.run``, which commits or rolls back once. The seat and waitlist rules (and what the catalog
page's registration panel shows) live in ``app.catalog.registrations``.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_login import current_user

from app.catalog import matching
from app.catalog import registrations as reg_svc
from app.core import clock
from app.models import Opportunity
from app.web import Confirm, csv_download, get_or_404, roles_required, run, safe_next
from forms.catalog import AttendanceForm, SeatForm

bp = Blueprint("registrations", __name__)

# -- template globals: the catalog page's panel and the recommendations -----------------------
bp.add_app_template_global(reg_svc.panel, "registration_panel")


@bp.app_template_global()
def recommendations_for(user, limit: int = 6) -> dict | None:
    """What ``registrations/_recommended.html`` shows to a signed-in educator, or None for anyone else."""
    if not (user and user.is_authenticated and user.has_role("educator")):
        return None
    signals = matching.signals_for(user)
    return {
        "items": matching.recommend(user, limit=limit, signals=signals),
        "has_profile": not signals.empty,
        "survey_url": url_for("surveys.answer") if "surveys.answer" in current_app.config["_ENDPOINTS"] else None,
    }


# -- register and cancel -----------------------------------------------------------------------
CANCEL = ("you give up your seat (it goes to the next person on the waitlist) or your place in line; if you "
          "register again, you join the end of the line.")


def _seat_action(opportunity_id: int, act, confirm: bool = False):
    """Register or cancel: ``act(opportunity)`` does it and returns the message to show once it is saved
    (a refusal is flashed); back to the page it was asked from, else to "My registrations"."""
    opportunity = get_or_404(Opportunity, opportunity_id)
    form = SeatForm()
    if not form.validate_on_submit():
        abort(400, description="The form expired. Reload the page and try again.")
    return run(lambda: act(opportunity), done=safe_next(form.next.data) or url_for(".mine"),
               success=lambda message: message,
               confirm=Confirm("Cancel registration", CANCEL, opportunity.title) if confirm else None)


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
    return _seat_action(opportunity_id, _cancel, confirm=True)


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
    rows = reg_svc.roster_rows(reg_svc.roster(opportunity))
    return csv_download(f"roster-{opportunity.slug}", reg_svc.ROSTER_HEADER, rows)


@bp.post("/catalog/<int:opportunity_id>/attendance")
@roles_required("staff")
def attendance(opportunity_id: int):
    opportunity = _direct_or_403(get_or_404(Opportunity, opportunity_id))
    roster_now = reg_svc.roster(opportunity)
    if not roster_now.started:
        abort(403, description=f"“{opportunity.title}” has not started yet: record attendance once the first "
                               "session has begun.")
    form = AttendanceForm(registered_ids=[r.id for r in roster_now.registered])
    registered = len(roster_now.registered)
    return run(
        lambda: reg_svc.record_attendance(opportunity, form.attended.data or [], current_user), form=form,
        done=url_for(".roster", opportunity_id=opportunity_id),
        success=lambda n: f"Attendance recorded: {n} of {registered} registered people attended.",
        again=lambda refusal: _render_roster(get_or_404(Opportunity, opportunity_id), form, 422,
                                             errors=refusal.messages),
    )


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
