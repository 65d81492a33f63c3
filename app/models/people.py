"""People: schools, users and their roles, teams."""
from __future__ import annotations

import enum
import secrets
import time
import unicodedata
from datetime import date, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, func, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


def enum_column(enum_cls: type[enum.Enum], name: str, **kw) -> Enum:
    """A portable Enum column: stored as its value in a VARCHAR with a named CHECK constraint."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 8,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
        **kw,
    )


class SchoolLevel(enum.StrEnum):
    ELEMENTARY = "elementary"
    K8 = "k8"
    MIDDLE = "middle"
    HIGH = "high"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"k8": "K-8"}.get(self.value, self.value.capitalize())


class Side(enum.StrEnum):
    BTU = "BTU"
    BPS = "BPS"


class EmailDelivery(enum.StrEnum):
    """How a person gets the app's email: each message as it comes, or one digest a day (the worker's
    ``DIGEST_AT``). Links to set a password are always sent at once."""

    IMMEDIATE = "immediate"
    DAILY = "daily"

    @property
    def label(self) -> str:
        return {"immediate": "Each message as it comes (immediately)",
                "daily": "One email a day with everything since the last (daily digest)"}[self.value]


class Role(enum.StrEnum):
    EDUCATOR = "educator"
    SCHOOL_LEADER = "school_leader"
    REVIEWER = "reviewer"
    CO_CHAIR = "co_chair"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"co_chair": "Co-chair", "school_leader": "School leader", "staff": "Program staff"}.get(
            self.value, self.value.capitalize()
        )


# Roles that belong to a side (BTU or BPS).
SIDED_ROLES = {Role.REVIEWER, Role.CO_CHAIR}

EDUCATOR_ROLES = [
    "Classroom teacher",
    "Special educator",
    "ESL / multilingual learner teacher",
    "Paraprofessional",
    "School counselor",
    "Librarian / media specialist",
    "School nurse",
    "Instructional coach",
    "Other",
]


class School(db.Model):
    __tablename__ = "school"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    level: Mapped[SchoolLevel] = mapped_column(enum_column(SchoolLevel, "school_level"))
    neighborhood: Mapped[str] = mapped_column(String(80), default="")

    def __repr__(self) -> str:
        return f"<School {self.name}>"


# -- passwords ------------------------------------------------------------------------------------
# argon2id at OWASP's parameters (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1); the config's
# ARGON2_* values may raise them (or, in the tests, lower them). Hashes made before (Werkzeug's
# pbkdf2 or scrypt) still verify and are replaced at the next sign-in.
ARGON2_DEFAULTS = {"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_COST": 19456, "ARGON2_PARALLELISM": 1}


def password_hasher() -> PasswordHasher:
    """The hasher at the configured parameters (the defaults outside an application)."""
    conf = current_app.config if has_app_context() else {}
    return _hasher(*(int(conf.get(k, v)) for k, v in ARGON2_DEFAULTS.items()))


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def normalised(password: str) -> str:
    """A password as it is hashed: NFKC (NIST SP 800-63B), so that the same characters typed on another
    device, composed or not, give the same password."""
    return unicodedata.normalize("NFKC", password or "")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (argon2, or a Werkzeug hash from before).

    The password is compared in its NFKC form; a hash made before passwords were normalised is also
    tried against the password as typed (only when the two differ: a few non-ASCII passwords).
    Without a hash (no such account) the password is verified against a throw-away hash at the
    current parameters all the same: an unknown email costs what a known one does.
    """
    normal = normalised(password)
    if _verify(password_hash, normal):
        return True
    return normal != password and bool(password_hash) and _verify(password_hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    if not password_hash or password_hash.startswith("$argon2"):
        hasher = password_hasher()
        try:
            return hasher.verify(password_hash or _dummy_hash(hasher), password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(password_hash, password)


def new_session_token() -> str:
    return secrets.token_hex(32)


class UserRole(db.Model):
    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    # The people list's order (by name, whatever the case), alone and per school.
    __table_args__ = (
        Index("ix_user_name_lower", text("lower(name)"), text("id")),
        Index("ix_user_school_name_lower", "school_id", text("lower(name)"), text("id")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    side: Mapped[Side | None] = mapped_column(enum_column(Side, "side"), nullable=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    job_title: Mapped[str] = mapped_column(String(80), default="Classroom teacher")
    active: Mapped[bool] = mapped_column(default=True)
    # A random secret every session and "keep me signed in" cookie of this person carries (in get_id):
    # a new one (rotate_session_token) signs them out on every device.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The start of the educator's current five-year licensure cycle (their PL transcript counts PDPs from it).
    license_cycle_starts_on: Mapped[date | None]
    # Each message by email as it is queued, or one daily digest (the person chooses on their account page).
    email_delivery: Mapped[EmailDelivery] = mapped_column(
        enum_column(EmailDelivery, "email_delivery"), default=EmailDelivery.IMMEDIATE,
        server_default=EmailDelivery.IMMEDIATE.value)

    school: Mapped[School | None] = relationship(lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=UserRole.role
    )

    @property
    def wants_daily_digest(self) -> bool:
        """They chose one email a day (the daily digest) over each message as it comes."""
        return self.email_delivery is EmailDelivery.DAILY

    # -- roles ----------------------------------------------------------------------------
    @property
    def role_names(self) -> set[str]:
        return {r.role.value for r in self.roles}

    def has_role(self, *names: str | Role) -> bool:
        wanted = {n.value if isinstance(n, Role) else n for n in names}
        return bool(self.role_names & wanted)

    def set_roles(self, names) -> None:
        want = {Role(n) for n in names}
        self.roles = [r for r in self.roles if r.role in want] + [
            UserRole(role=r) for r in sorted(want - {r.role for r in self.roles}, key=lambda r: r.value)
        ]

    @property
    def side_name(self) -> str | None:
        return self.side.value if self.side else None

    # -- password -------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = password_hasher().hash(normalised(password))

    def clear_password(self) -> None:
        """No password signs in (an invited person until they set one): the empty hash matches nothing."""
        self.password_hash = ""

    @property
    def has_password(self) -> bool:
        """Whether a password can sign this person in (an invited person has none until they set one)."""
        return bool(self.password_hash)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    @property
    def password_needs_rehash(self) -> bool:
        """Made by an older scheme, or by argon2 at weaker parameters than the configured ones."""
        if not (self.password_hash or "").startswith("$argon2id$"):
            return True
        try:
            return password_hasher().check_needs_rehash(self.password_hash)
        except (InvalidHashError, ValueError):
            return True

    # -- sessions (Flask-Login) -----------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session and the remember-me cookie carry, made once at sign-in: the id, the current
        session token and when the person signed in (Unix seconds; a sign-in lasts at most REMEMBER_DAYS)."""
        if not self.session_token:
            self.session_token = new_session_token()
        return f"{self.id}:{self.session_token}:{int(time.time())}"

    def rotate_session_token(self) -> None:
        """Every session and remember-me cookie made before is refused from now on."""
        self.session_token = new_session_token()

    @staticmethod
    def by_email(email: str) -> User | None:
        return db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class TeamScope(enum.StrEnum):
    SCHOOL = "school"
    CROSS_SCHOOL = "cross_school"

    @property
    def label(self) -> str:
        return "School-based" if self is TeamScope.SCHOOL else "Cross-school"


class TeamMember(db.Model):
    __tablename__ = "team_member"
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user: Mapped[User] = relationship(lazy="joined")


class Team(db.Model):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    scope: Mapped[TeamScope] = mapped_column(enum_column(TeamScope, "team_scope"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School | None] = relationship()
    lead: Mapped[User] = relationship(foreign_keys=[lead_id])
    memberships: Mapped[list[TeamMember]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=TeamMember.added_at
    )

    @property
    def members(self) -> list[User]:
        return [m.user for m in self.memberships]

    @property
    def member_ids(self) -> set[int]:
        return {m.user_id for m in self.memberships}

    @property
    def size(self) -> int:
        return len(self.memberships)

    @property
    def lead_name(self) -> str:
        return self.lead.name

    @property
    def schools(self) -> list[School]:
        seen: dict[int, School] = {}
        for u in self.members:
            if u.school is not None:
                seen.setdefault(u.school.id, u.school)
        if self.school is not None:
            seen.setdefault(self.school.id, self.school)
        return sorted(seen.values(), key=lambda s: s.name)

    @property
    def school_names(self) -> str:
        """The schools' names, comma-separated (what a list's cell shows)."""
        return ", ".join(s.name for s in self.schools)

    def __repr__(self) -> str:
        return f"<Team {self.name}>"
