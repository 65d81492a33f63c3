"""Users and schools: creation and updates with clear refusals.

Used by the admin screens and by the CLI (``flask --app app create-user``). A refusal is a
``PeopleError`` whose ``field`` names the form field it concerns (or None).
"""
from __future__ import annotations

from sqlalchemy import Select, exists, func, or_, select

from app.core.errors import FormError
from app.extensions import db
from app.models import Role, School, SchoolLevel, Side, User, UserRole
from app.models.people import SIDED_ROLES, normalised, verify_password
from app.people import history
from app.people.passwords import check_new_password


class PeopleError(FormError):
    """A refusal a user reads (``str(exc)``); ``field`` names the form field it concerns (or None)."""


# -- rules shared by create and update ---------------------------------------------------------
def _clean_email(email: str | None, user: User | None = None) -> str:
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise PeopleError("Enter a valid email address.", "email")
    other = User.by_email(email)
    if other is not None and other is not user:
        raise PeopleError(f"A user with the email {email} already exists.", "email")
    return email


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise PeopleError("Enter the person's name.", "name")
    if len(name) > 120:
        raise PeopleError("Keep the name to 120 characters or fewer.", "name")
    return name


def _clean_roles_and_side(roles, side) -> tuple[list[Role], Side | None]:
    try:
        roles = sorted({Role(r) for r in roles or ()}, key=lambda r: r.value)
    except ValueError:
        raise PeopleError("Choose roles from the list.", "roles") from None
    if not roles:
        raise PeopleError("Give the user at least one role.", "roles")
    try:
        side = Side(side) if side else None
    except ValueError:
        raise PeopleError("The side is BTU or BPS.", "side") from None
    sided = [r for r in roles if r in SIDED_ROLES]
    if sided and side is None:
        raise PeopleError("Reviewers and co-chairs belong to a side: choose BTU or BPS.", "side")
    if side is not None and not sided:
        raise PeopleError("Only reviewers and co-chairs belong to a side: choose “No side”, "
                          "or give the person the reviewer or co-chair role.", "side")
    return roles, side


def find_school(school_name: str) -> School:
    school = db.session.scalar(select(School).where(func.lower(School.name) == school_name.strip().lower()))
    if school is None:
        raise PeopleError(f"There is no school called {school_name!r}.", "school_id")
    return school


# -- users -------------------------------------------------------------------------------------
class SignInRefused(PeopleError):
    """A refused sign-in: one message whatever the reason (nothing tells whether an account exists);
    ``reason`` and ``user`` (None for an unknown email) are for the log and the person's history."""

    def __init__(self, reason: str, user: User | None, email: str, message: str | None = None):
        super().__init__(message or "That email and password do not match an active account.", "password")
        self.reason, self.user, self.email = reason, user, email


UNKNOWN, WRONG_PASSWORD, INACTIVE = "unknown account", "wrong password", "inactive account"


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def authenticate(email: str, password: str) -> User:
    """The active account with this email and password; else a ``SignInRefused`` (shown beside the
    password). The password is verified exactly once whatever the case, against a throw-away hash when
    no account has the email, so that the time taken tells nothing. A hash of an older scheme, or of
    weaker parameters, is replaced by one at the current parameters."""
    email = normalise_email(email)
    user = User.by_email(email)
    if user is None:
        verify_password(None, password or "")
        raise SignInRefused(UNKNOWN, None, email)
    if not user.check_password(password or ""):
        raise SignInRefused(WRONG_PASSWORD, user, email)
    if not user.active:
        raise SignInRefused(INACTIVE, user, email)
    if user.password_needs_rehash:
        user.set_password(password)
    return user


def change_own_password(user: User, *, current: str, new: str, again: str) -> User:
    """The signed-in person replaces their password: the current one first (someone at an unattended,
    signed-in computer cannot take the account over), then the new one twice. Every other session and
    remember-me cookie of theirs stops working; this one goes on (``signin.stay_signed_in``)."""
    if not user.check_password(current or ""):
        raise PeopleError("That is not your current password.", "current_password")
    new = check_new_password(new, email=user.email, name=user.name, field="new_password")
    if new != normalised(again or ""):
        raise PeopleError("The two new passwords are not the same: type it again in both boxes.", "new_password_again")
    if new == normalised(current):
        raise PeopleError("The new password is your current one: choose another.", "new_password")
    user.set_password(new)
    user.rotate_session_token()
    history.record(user, "password_changed", user)
    db.session.flush()
    return user


def sign_out_everywhere(user: User, actor: User | None) -> User:
    """Every session and remember-me cookie of ``user`` stops working."""
    user.rotate_session_token()
    if actor is not None:
        history.record(user, "signed_out_everywhere", actor)
    db.session.flush()
    return user


def create_user(*, email: str, name: str, password: str | None, roles, side: str | None = None,
                school_name: str | None = None, school: School | None = None,
                job_title: str = "Classroom teacher", active: bool = True, actor: User | None = None) -> User:
    """A new account. ``password`` None: none yet (no password signs in) until the person sets one from an
    invitation (``app.people.invitations.create_invited``); else it must meet the password rules."""
    email = _clean_email(email)
    name = _clean_name(name)
    if password is not None:
        password = check_new_password(password, email=email, name=name)
    roles, side_value = _clean_roles_and_side(roles, side)
    if school is None and school_name:
        school = find_school(school_name)
    user = User(email=email, name=name, side=side_value, school=school,
                job_title=(job_title or "Classroom teacher")[:80], active=active)
    if password is None:
        user.clear_password()
    else:
        user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    history.record(user, "account_created", actor, {"changes": {
        "email": {"before": None, "after": email}, "roles": {"before": [], "after": [r.value for r in roles]},
    }})
    return user


def update_user(user: User, *, actor: User | None, email: str, name: str, roles, side: str | None,
                school: School | None, job_title: str, active: bool) -> User:
    """Change a user's details. Never their password: the person sets it (an invitation, a reset link).

    An admin cannot take away their own admin role or deactivate themselves: the app would be left
    without anyone able to put it right.
    """
    email = _clean_email(email, user)
    name = _clean_name(name)
    roles, side_value = _clean_roles_and_side(roles, side)
    if actor is not None and actor.id == user.id:
        if Role.ADMIN not in roles:
            raise PeopleError("You cannot take away your own admin role; ask another admin.", "roles")
        if not active:
            raise PeopleError("You cannot deactivate your own account; ask another admin.", "active")
    before = _snapshot(user)
    was_active = user.active
    user.email = email
    user.name = name
    user.side = side_value
    user.school = school
    user.job_title = (job_title or "Classroom teacher")[:80]
    user.active = active
    user.set_roles(roles)
    _record_changes(user, actor, before, _snapshot(user))
    if was_active != active:
        history.record(user, "reactivated" if active else "deactivated", actor)
    if not active:
        # Whoever held a session or a remember-me cookie of this person is out.
        user.rotate_session_token()
    db.session.flush()
    return user


def _snapshot(user: User) -> dict:
    return {"email": user.email, "name": user.name, "roles": sorted(user.role_names),
            "side": user.side_name, "school": user.school.name if user.school else None,
            "job_title": user.job_title}


def _record_changes(user: User, actor: User | None, before: dict, after: dict) -> None:
    """One event per kind of change (email, roles, the other details), each with before and after."""
    for trigger, data in change_events(before, after):
        history.record(user, trigger, actor, data)


def change_events(before: dict, after: dict) -> list[tuple[str, dict]]:
    """The events (trigger, data) a change from ``before`` to ``after`` (``_snapshot``s) records."""
    changed = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
    events = []
    for trigger, keys in (("email_changed", ("email",)), ("roles_changed", ("roles", "side")),
                          ("details_changed", ("name", "school", "job_title"))):
        changes = {k: changed[k] for k in keys if k in changed}
        if changes:
            events.append((trigger, {"changes": changes}))
    return events


def users_query(*, role: str | None = None, side: str | None = None, school_id: int | None = None,
                q: str | None = None) -> Select:
    """People matching the filters, by name. Roles and school load with them (no query per row)."""
    stmt = select(User).order_by(func.lower(User.name), User.id)
    if role:
        stmt = stmt.where(exists().where(UserRole.user_id == User.id, UserRole.role == Role(role)))
    if side:
        stmt = stmt.where(User.side == Side(side))
    if school_id:
        stmt = stmt.where(User.school_id == school_id)
    if q and q.strip():
        like = "%" + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(func.lower(User.name).like(like, escape="\\"),
                              func.lower(User.email).like(like, escape="\\")))
    return stmt


# -- schools -----------------------------------------------------------------------------------
def all_schools() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.name)))


def school_choices() -> list:
    """Every school's id and name, by name (a filter's choices): plain rows."""
    return db.session.execute(select(School.id, School.name).order_by(School.name)).all()


def _check_school(name: str | None, level, neighborhood: str | None, school: School | None):
    name = (name or "").strip()
    if not name:
        raise PeopleError("Enter the school's name.", "name")
    if len(name) > 160:
        raise PeopleError("Keep the name to 160 characters or fewer.", "name")
    other = db.session.scalar(select(School).where(func.lower(School.name) == name.lower()))
    if other is not None and other is not school:
        raise PeopleError(f"There is already a school called “{other.name}”.", "name")
    try:
        level = SchoolLevel(level)
    except ValueError:
        raise PeopleError("Choose elementary, K-8, middle, high or other.", "level") from None
    neighborhood = (neighborhood or "").strip()
    if len(neighborhood) > 80:
        raise PeopleError("Keep the neighborhood to 80 characters or fewer.", "neighborhood")
    return name, level, neighborhood


def create_school(*, name: str, level, neighborhood: str = "") -> School:
    name, level, neighborhood = _check_school(name, level, neighborhood, None)
    school = School(name=name, level=level, neighborhood=neighborhood)
    db.session.add(school)
    db.session.flush()
    return school


def update_school(school: School, *, name: str, level, neighborhood: str = "") -> School:
    school.name, school.level, school.neighborhood = _check_school(name, level, neighborhood, school)
    db.session.flush()
    return school


def school_people_counts() -> dict[int, int]:
    return dict(db.session.execute(
        select(User.school_id, func.count(User.id)).where(User.school_id.is_not(None)).group_by(User.school_id)
    ).all())
