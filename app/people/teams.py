"""Teams: created by an educator who becomes the lead; the lead adds and removes members."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Proposal, School, Team, TeamMember, TeamScope, User
from app.people.accounts import PeopleError


class TeamError(PeopleError):
    """A refusal a user can read (``str(exc)``); ``field`` names the form field it belongs to."""


def schools() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.name)))


def create_team(lead: User, name: str, scope: TeamScope, school: School | None) -> Team:
    name = (name or "").strip()
    if not lead.has_role("educator"):
        raise TeamError("Only educators form teams.")
    if not name:
        raise TeamError("Give the team a name.", "name")
    if db.session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower())) is not None:
        raise TeamError(f"There is already a team called “{name}”. Choose another name.", "name")
    if scope is TeamScope.SCHOOL:
        school = school or lead.school
        if school is None:
            raise TeamError("Choose the team's school.", "school")
        if lead.school is not None and lead.school.id != school.id:
            raise TeamError(
                f"You work at {lead.school.name}, so a school-based team of yours is at {lead.school.name}. "
                "For a team across schools, choose cross-school.", "school")
    else:
        school = None
    team = Team(name=name, scope=scope, school=school, lead=lead)
    team.memberships = [TeamMember(user=lead)]
    db.session.add(team)
    db.session.flush()
    return team


def add_member(team: Team, email: str) -> User:
    email = (email or "").strip()
    user = User.by_email(email)
    if user is None or not user.active:
        raise TeamError(f"No one with the email {email} has an account. "
                        "Check the address, or ask program staff to add them.", "email")
    if not user.has_role("educator"):
        raise TeamError(f"{user.name} ({user.email}) is not an educator; teams are made of educators.", "email")
    if user.id in team.member_ids:
        raise TeamError(f"{user.name} is already a member of {team.name}.", "email")
    if team.scope is TeamScope.SCHOOL and team.school is not None and (
        user.school is None or user.school.id != team.school.id
    ):
        where = f"works at {user.school.name}" if user.school is not None else "has no school on record"
        raise TeamError(
            f"{user.name} {where}, and {team.name} is a school-based team at {team.school.name}. "
            "A team with members from several schools must be cross-school: start a cross-school team.",
            "email")
    team.memberships.append(TeamMember(user=user))
    db.session.flush()
    return user


def remove_member(team: Team, user: User) -> None:
    if user.id == team.lead_id:
        raise TeamError(f"{user.name} leads {team.name} and cannot be removed.")
    membership = next((m for m in team.memberships if m.user_id == user.id), None)
    if membership is None:
        raise TeamError(f"{user.name} is not a member of {team.name}.")
    team.memberships.remove(membership)
    db.session.delete(membership)
    db.session.flush()


def proposals_of_team(team: Team) -> list[Proposal]:
    return list(db.session.scalars(
        select(Proposal).where(Proposal.team_id == team.id).order_by(Proposal.updated_at.desc())
    ).unique())
