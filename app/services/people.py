"""Users and schools: creation and updates with clear refusals."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Role, School, Side, User


class PeopleError(ValueError):
    pass


def create_user(*, email: str, name: str, password: str, roles, side: str | None = None,
                school_name: str | None = None, school: School | None = None,
                job_title: str = "Classroom teacher") -> User:
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise PeopleError("Enter a valid email address.")
    if User.by_email(email) is not None:
        raise PeopleError(f"A user with the email {email} already exists.")
    if not (name or "").strip():
        raise PeopleError("Enter the person's name.")
    if len(password or "") < 8:
        raise PeopleError("The password must be at least 8 characters.")
    roles = [Role(r) for r in roles]
    if not roles:
        raise PeopleError("Give the user at least one role.")
    if any(r in (Role.REVIEWER, Role.CO_CHAIR) for r in roles) and not side:
        raise PeopleError("Reviewers and co-chairs belong to a side: choose BTU or BPS.")
    if school is None and school_name:
        school = db.session.scalar(select(School).where(func.lower(School.name) == school_name.strip().lower()))
        if school is None:
            raise PeopleError(f"There is no school called {school_name!r}.")
    user = User(email=email, name=name.strip(), side=Side(side) if side else None, school=school,
                job_title=job_title or "Classroom teacher")
    user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    return user
