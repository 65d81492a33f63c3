"""Grants: cycles with their rubric, proposals with budget lines and attachments."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, object_session, relationship

from app.extensions import db
from app.models.people import Team, User, enum_column
from app.models.types import MONEY, UTCDateTime, to_money, utcnow
from workflows.proposal import AWARDED, STATE_LABELS, ProposalState


class GrantType(enum.StrEnum):
    ACTION = "action"
    STUDY = "study"

    @property
    def label(self) -> str:
        return "Action grant" if self is GrantType.ACTION else "Study grant"


class BudgetCategory(enum.StrEnum):
    STIPENDS = "stipends"
    SUBSTITUTES = "substitutes"
    MATERIALS = "materials"
    BOOKS = "books"
    TECHNOLOGY = "technology"
    PROFESSIONAL_LEARNING = "professional_learning"
    FAMILY_EVENTS = "family_events"
    STUDENT_EXPERIENCES = "student_experiences"
    CONSULTANTS = "consultants"
    OTHER = "other"

    @property
    def label(self) -> str:
        return BUDGET_LABELS[self]


BUDGET_LABELS = {
    BudgetCategory.STIPENDS: "Educator stipends",
    BudgetCategory.SUBSTITUTES: "Substitute coverage",
    BudgetCategory.MATERIALS: "Materials and supplies",
    BudgetCategory.BOOKS: "Books and curriculum",
    BudgetCategory.TECHNOLOGY: "Technology",
    BudgetCategory.PROFESSIONAL_LEARNING: "Professional learning and registration",
    BudgetCategory.FAMILY_EVENTS: "Family and community events",
    BudgetCategory.STUDENT_EXPERIENCES: "Student field experiences",
    BudgetCategory.CONSULTANTS: "Consultants and services",
    BudgetCategory.OTHER: "Other",
}


class Cycle(db.Model):
    __tablename__ = "cycle"
    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="closes_after_opens"),
        CheckConstraint("revision_deadline >= closes_on", name="revision_after_close"),
        CheckConstraint("pool >= 0", name="pool_not_negative"),
        CheckConstraint("max_award > 0", name="max_award_positive"),
        CheckConstraint("reviews_per_side >= 1", name="reviews_per_side_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    revision_deadline: Mapped[date]
    pool: Mapped[Decimal] = mapped_column(MONEY)
    max_award: Mapped[Decimal] = mapped_column(MONEY)
    reviews_per_side: Mapped[int] = mapped_column(Integer, default=2)
    review_due_on: Mapped[date | None]
    progress_report_due: Mapped[date | None]
    final_report_due: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="RubricCriterion.position", lazy="selectin"
    )

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on

    def awarded_total(self) -> Decimal:
        sess = object_session(self) or db.session
        total = sess.scalar(
            select(func.coalesce(func.sum(Proposal.award), 0)).where(
                Proposal.cycle_id == self.id, Proposal.state.in_(AWARDED)
            )
        )
        return to_money(total)

    def pool_remaining(self) -> Decimal:
        return to_money(self.pool - self.awarded_total())

    @property
    def total_weight(self) -> Decimal:
        return sum((c.weight for c in self.criteria), Decimal(0))

    def __repr__(self) -> str:
        return f"<Cycle {self.name}>"


class RubricCriterion(db.Model):
    __tablename__ = "rubric_criterion"
    __table_args__ = (CheckConstraint("weight > 0", name="weight_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    cycle: Mapped[Cycle] = relationship(back_populates="criteria")


# The proposal's required sections: attribute -> label a user reads.
REQUIRED_SECTIONS = {
    "grant_type": "Grant type",
    "title": "Title",
    "challenge": "The challenge",
    "students": "The students it concerns",
    "plan": "Plan",
    "success_measures": "How success is measured",
    "sharing_plan": "How the team will share its learning",
    "timeline": "Timeline",
    "amount_requested": "Amount requested",
}


# Newest submission first, never-submitted last: the same order on SQLite and PostgreSQL.
SUBMITTED_ORDER = (text("(submitted_at IS NULL)"), text("submitted_at DESC"), text("id DESC"))


class Proposal(db.Model):
    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("amount_requested IS NULL OR amount_requested >= 0", name="request_not_negative"),
        CheckConstraint("award IS NULL OR award > 0", name="award_positive"),
        # The home pages' queues (submissions to screen, in review, approved): a state, the longest waiting first.
        Index("ix_proposal_state_submitted_at", "state", "submitted_at", "id"),
        # A team's proposals in a state (the educator's home), however many years the team has.
        Index("ix_proposal_team_id_state", "team_id", "state"),
        # The staff list's order (newest submission first, drafts last), alone and after each filter it
        # offers: a page is read off the index, never sorted (app/proposals/screening.py STAFF_ORDER).
        *(Index(f"ix_proposal_{name}submitted", *lead, *SUBMITTED_ORDER)
          for name, lead in (("", ()), ("cycle_", ("cycle_id",)), ("state_", ("state",)),
                             ("type_", ("grant_type",)))),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    state: Mapped[ProposalState] = mapped_column(
        enum_column(ProposalState, "proposal_state"), default=ProposalState.DRAFT, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    grant_type: Mapped[GrantType | None] = mapped_column(enum_column(GrantType, "grant_type"), nullable=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    challenge: Mapped[str] = mapped_column(Text, default="")
    students: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    success_measures: Mapped[str] = mapped_column(Text, default="")
    sharing_plan: Mapped[str] = mapped_column(Text, default="")
    timeline: Mapped[str] = mapped_column(Text, default="")
    amount_requested: Mapped[Decimal | None] = mapped_column(MONEY)

    # Decision, copied from the confirmed joint decision.
    award: Mapped[Decimal | None] = mapped_column(MONEY)
    conditions: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tentatively_selected: Mapped[bool] = mapped_column(default=False)
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
    agreement_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agreement_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Set at activation from the cycle's dates.
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_report_due: Mapped[date | None]
    final_report_due: Mapped[date | None]

    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cycle: Mapped[Cycle] = relationship(lazy="joined", innerjoin=True)
    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="BudgetLine.position"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Attachment.uploaded_at"
    )
    assignments: Mapped[list[ReviewAssignment]] = relationship(  # noqa: F821
        back_populates="proposal", cascade="all, delete-orphan", order_by="ReviewAssignment.assigned_at"
    )
    conflicts: Mapped[list[ConflictOfInterest]] = relationship(  # noqa: F821
        back_populates="proposal", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[Decision]] = relationship(  # noqa: F821
        back_populates="proposal", cascade="all, delete-orphan", order_by="Decision.proposed_at"
    )
    expenditures: Mapped[list[Expenditure]] = relationship(  # noqa: F821
        back_populates="proposal", cascade="all, delete-orphan", order_by="Expenditure.spent_on"
    )
    final_report: Mapped[FinalReport | None] = relationship(  # noqa: F821
        back_populates="proposal", cascade="all, delete-orphan", uselist=False
    )
    learning_summary: Mapped[LearningSummary | None] = relationship(  # noqa: F821
        back_populates="proposal", cascade="all, delete-orphan", uselist=False
    )
    progress_report: Mapped[ProgressReport | None] = relationship(  # noqa: F821
        back_populates="proposal", cascade="all, delete-orphan", uselist=False
    )
    reallocations: Mapped[list[BudgetReallocation]] = relationship(  # noqa: F821
        back_populates="proposal", cascade="all, delete-orphan", order_by="BudgetReallocation.recorded_at"
    )

    __mapper_args__ = {"version_id_col": version}

    # -- display --------------------------------------------------------------------------
    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def display_title(self) -> str:
        return self.title or f"Untitled draft #{self.id}"

    # -- what the workflow's guards read --------------------------------------------------
    def missing_sections(self) -> list[str]:
        missing = []
        for attr, label in REQUIRED_SECTIONS.items():
            value = getattr(self, attr)
            if value is None or (isinstance(value, str) and not value.strip()):
                missing.append(label)
        if not self.budget_lines:
            missing.append("At least one budget line")
        return missing

    @property
    def budget_total(self) -> Decimal:
        return to_money(sum((line.amount for line in self.budget_lines), Decimal(0)))

    def conflicted_user_ids(self) -> set[int]:
        return {c.user_id for c in self.conflicts}

    def _active_assignments(self):
        conflicted = self.conflicted_user_ids()
        return [a for a in self.assignments if a.reviewer_id not in conflicted]

    def assigned_reviewer_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for a in self._active_assignments():
            counts[a.side.value] = counts.get(a.side.value, 0) + 1
        return counts

    def submitted_review_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for a in self._active_assignments():
            if a.is_submitted:
                counts[a.side.value] = counts.get(a.side.value, 0) + 1
        return counts

    def conflicted_assignees(self) -> list[str]:
        conflicted = self.conflicted_user_ids()
        return [f"{a.reviewer.name} ({a.side.value})" for a in self.assignments if a.reviewer_id in conflicted]

    @property
    def pending_decision(self) -> Decision | None:  # noqa: F821
        for d in self.decisions:
            if d.is_pending:
                return d
        return None

    @property
    def confirmed_decision(self) -> Decision | None:  # noqa: F821
        confirmed = [d for d in self.decisions if d.confirmed_at is not None]
        return confirmed[-1] if confirmed else None

    def final_report_missing(self) -> list[str]:
        if self.final_report is None:
            return ["the final report"]
        return self.final_report.missing_sections()

    @property
    def spent_total(self) -> Decimal:
        """What was spent: every expenditure but the voided ones."""
        return to_money(sum((e.amount for e in self.expenditures if e.voided_at is None), Decimal(0)))

    def publish_summary(self, now: datetime) -> None:
        """The workflow's ``publish`` after-step: the learning summary goes public (the guards require one)."""
        if self.learning_summary is not None:
            self.learning_summary.publish(now)

    def unpublish_summary(self) -> None:
        if self.learning_summary is not None:
            self.learning_summary.unpublish()

    @property
    def summary_drafted(self) -> bool:
        return self.learning_summary is not None and bool(self.learning_summary.body.strip())

    @property
    def summary_consented(self) -> bool:
        return self.learning_summary is not None and self.learning_summary.consent_given_at is not None

    @property
    def privacy_flags_open(self) -> int | None:
        s = self.learning_summary
        if s is None or s.privacy_checked_at is None:
            return None
        return s.open_flag_count

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state.value}>"


class BudgetLine(db.Model):
    __tablename__ = "budget_line"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    category: Mapped[BudgetCategory] = mapped_column(enum_column(BudgetCategory, "budget_category"))
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    proposal: Mapped[Proposal] = relationship(back_populates="budget_lines")


class Attachment(db.Model):
    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("proposal_id", "filename"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship()
