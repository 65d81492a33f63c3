"""Teams: my teams, forming a team, its page with members; the lead adds and removes members.

Each view loads (404), checks (403 with a reason), picks its form and hands one operation to
``app.web.run``, which commits or rolls back once (a refused form comes back with what was typed).
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from wtforms.fields import SelectChoice

from app.cases.permissions import can_manage_team, can_view_team
from app.extensions import db
from app.models import School, Team, TeamScope, User
from app.people import teams as team_svc
from app.proposals import drafting
from app.web import get_or_404, roles_required, run, show_refusal
from forms.people import AddMemberForm, TeamForm

bp = Blueprint("teams", __name__, url_prefix="/teams")


@bp.get("/", endpoint="list")
@roles_required("educator")
def list_teams():
    return render_template("people/teams.html", teams=drafting.teams_of(current_user))


def _create_team(form: TeamForm) -> Team:
    school = db.session.get(School, int(form.school.data)) if form.school.data else None
    return team_svc.create_team(current_user, form.name.data, TeamScope(form.scope.data), school)


def _render_new(form: TeamForm, status: int = 200, errors: list[str] | None = None):
    return render_template("people/team_new.html", form=form, errors=errors or []), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required("educator")
def new():
    form = TeamForm()
    form.school.choices = [SelectChoice("", "Choose a school")] + [
        SelectChoice(str(s.id), s.name) for s in team_svc.schools()]
    if request.method != "POST":
        if current_user.school is not None:
            form.school.data = str(current_user.school.id)
        return _render_new(form)
    return run(
        lambda: _create_team(form), form=form, done=lambda team: url_for(".show", team_id=team.id),
        success=lambda team: f"Team {team.name} is formed, and you lead it. Add your colleagues by email.",
        again=lambda refusal: _render_new(form, 422, show_refusal(form, refusal)),
        once=True,
    )


def _render_team(team: Team, add_form: AddMemberForm | None = None, status: int = 200, errors=None):
    return render_template(
        "people/team.html", team=team, add_form=add_form or AddMemberForm(formdata=None),
        can_manage=can_manage_team(current_user, team), proposals=team_svc.proposals_of_team(team),
        errors=errors or [],
    ), status


def _load_team(team_id: int) -> Team:
    team = get_or_404(Team, team_id)
    if not can_view_team(current_user, team):
        abort(403)
    return team


def _managed_team(team_id: int, what: str) -> Team:
    """The team, if the signed-in person leads it; else 403 naming who does ``what``."""
    team = _load_team(team_id)
    if not can_manage_team(current_user, team):
        abort(403, description=f"Only the team lead, {team.lead_name}, {what}.")
    return team


@bp.get("/<int:team_id>")
@roles_required("educator", "staff", "admin")
def show(team_id: int):
    return _render_team(_load_team(team_id))


@bp.post("/<int:team_id>/members")
@roles_required("educator")
def add_member(team_id: int):
    team = _managed_team(team_id, "adds members")
    form = AddMemberForm()
    return run(
        lambda: team_svc.add_member(team, form.email.data), form=form,
        done=url_for(".show", team_id=team_id), success=lambda user: f"{user.name} joined {team.name}.",
        again=lambda refusal: _render_team(_load_team(team_id), form, 422, show_refusal(form, refusal)),
        once=True,
    )


@bp.post("/<int:team_id>/members/<int:user_id>/remove")
@roles_required("educator")
def remove_member(team_id: int, user_id: int):
    team = _managed_team(team_id, "removes members")
    user = get_or_404(User, user_id)
    if user.id not in team.member_ids:
        abort(404)
    return run(
        lambda: team_svc.remove_member(team, user), done=url_for(".show", team_id=team_id),
        success=f"{user.name} is no longer a member of {team.name}.",
        again=lambda refusal: _render_team(_load_team(team_id), status=422, errors=refusal.messages),
    )
