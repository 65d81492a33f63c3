"""People: schools, users and their roles, teams."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

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


class UserRole(db.Model):
    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    side: Mapped[Side | None] = mapped_column(enum_column(Side, "side"), nullable=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    job_title: Mapped[str] = mapped_column(String(80), default="Classroom teacher")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The start of the educator's current five-year licensure cycle (their PL transcript counts PDPs from it).
    license_cycle_starts_on: Mapped[date | None]

    school: Mapped[School | None] = relationship(lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=UserRole.role
    )

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
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

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

    def __repr__(self) -> str:
        return f"<Team {self.name}>"
