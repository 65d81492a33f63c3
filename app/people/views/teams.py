"""Teams: my teams, forming a team, its page with members; the lead adds and removes members."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields import SelectChoice

from app.cases.permissions import can_manage_team, can_view_team
from app.extensions import db
from app.models import School, Team, TeamScope, User
from app.people import teams as team_svc
from app.proposals import drafting as proposal_svc
from app.web import get_or_404, roles_required
from forms.people import AddMemberForm, TeamForm

bp = Blueprint("teams", __name__, url_prefix="/teams")


@bp.get("/", endpoint="list")
@roles_required("educator")
def list_teams():
    return render_template("people/teams.html", teams=proposal_svc.teams_of(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles_required("educator")
def new():
    form = TeamForm()
    form.school.choices = [SelectChoice("", "Choose a school")] + [
        SelectChoice(str(s.id), s.name) for s in team_svc.schools()]
    if request.method == "GET" and current_user.school is not None:
        form.school.data = str(current_user.school.id)
    if form.validate_on_submit():
        school = db.session.get(School, int(form.school.data)) if form.school.data else None
        try:
            team = team_svc.create_team(current_user, form.name.data, TeamScope(form.scope.data), school)
        except team_svc.TeamError as exc:
            form[exc.field or "name"].errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Team {team.name} is formed, and you lead it. Add your colleagues by email.", "success")
            return redirect(url_for(".show", team_id=team.id))
    return render_template("people/team_new.html", form=form), (422 if form.is_submitted() else 200)


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


@bp.get("/<int:team_id>")
@roles_required("educator", "staff", "admin")
def show(team_id: int):
    return _render_team(_load_team(team_id))


@bp.post("/<int:team_id>/members")
@roles_required("educator")
def add_member(team_id: int):
    team = _load_team(team_id)
    if not can_manage_team(current_user, team):
        abort(403, description=f"Only the team lead, {team.lead_name}, adds members.")
    form = AddMemberForm()
    if not form.validate_on_submit():
        return _render_team(team, form, 422)
    try:
        user = team_svc.add_member(team, form.email.data)
    except team_svc.TeamError as exc:
        db.session.rollback()
        form.email.errors.append(str(exc))
        return _render_team(_load_team(team_id), form, 422)
    db.session.commit()
    flash(f"{user.name} joined {team.name}.", "success")
    return redirect(url_for(".show", team_id=team.id))


@bp.post("/<int:team_id>/members/<int:user_id>/remove")
@roles_required("educator")
def remove_member(team_id: int, user_id: int):
    team = _load_team(team_id)
    if not can_manage_team(current_user, team):
        abort(403, description=f"Only the team lead, {team.lead_name}, removes members.")
    user = get_or_404(User, user_id)
    if user.id not in team.member_ids:
        abort(404)
    try:
        team_svc.remove_member(team, user)
    except team_svc.TeamError as exc:
        db.session.rollback()
        return _render_team(_load_team(team_id), status=422, errors=[str(exc)])
    db.session.commit()
    flash(f"{user.name} is no longer a member of {team.name}.", "success")
    return redirect(url_for(".show", team_id=team.id))
