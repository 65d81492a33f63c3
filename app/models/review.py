"""Review: assignments with criterion scores, declared conflicts, joint decisions."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, and_, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.grants import Proposal, RubricCriterion
from app.models.people import Side, User, enum_column
from app.models.types import MONEY, UTCDateTime, utcnow


class ReviewStatus(enum.StrEnum):
    ASSIGNED = "assigned"
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return {"assigned": "Not started", "draft": "Draft saved", "submitted": "Submitted"}[self.value]


class Recommendation(enum.StrEnum):
    FUND = "fund"
    FUND_WITH_CHANGES = "fund_with_changes"
    DO_NOT_FUND = "do_not_fund"

    @property
    def label(self) -> str:
        return {"fund": "Fund", "fund_with_changes": "Fund with changes", "do_not_fund": "Do not fund"}[self.value]


class ReviewAssignment(db.Model):
    """One reviewer's assignment to one proposal, and the review they write."""

    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    side: Mapped[Side] = mapped_column(enum_column(Side, "review_side"))
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus, "review_status"), default=ReviewStatus.ASSIGNED
    )
    recommendation: Mapped[Recommendation | None] = mapped_column(
        enum_column(Recommendation, "recommendation"), nullable=True
    )
    comments: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None]
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship(back_populates="assignments")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    scores: Mapped[list[CriterionScore]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_submitted(self) -> bool:
        return self.status is ReviewStatus.SUBMITTED

    def score_for(self, criterion_id: int) -> CriterionScore | None:
        for s in self.scores:
            if s.criterion_id == criterion_id:
                return s
        return None


class CriterionScore(db.Model):
    __tablename__ = "criterion_score"
    __table_args__ = (
        UniqueConstraint("assignment_id", "criterion_id"),
        CheckConstraint("score IS NULL OR (score >= 1 AND score <= 4)", name="score_1_to_4"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("review_assignment.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criterion.id", ondelete="CASCADE"), index=True)
    score: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    assignment: Mapped[ReviewAssignment] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()


class ConflictOfInterest(db.Model):
    """A reviewer's declared conflict with a proposal: recuses them and hides its scores and rank."""

    __tablename__ = "conflict_of_interest"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="conflicts")
    user: Mapped[User] = relationship(lazy="joined")


class DecisionOutcome(enum.StrEnum):
    APPROVE = "approve"
    REQUEST_REVISIONS = "request_revisions"
    DECLINE = "decline"

    @property
    def label(self) -> str:
        return {"approve": "Approve", "request_revisions": "Request revisions", "decline": "Decline"}[self.value]


# A decision recorded and neither confirmed, withdrawn nor sent back (``is_pending``), as the partial
# indexes of ``decision`` and ``pl_decision`` state it.
PENDING_SQL = "confirmed_at IS NULL AND withdrawn_at IS NULL AND not_confirmed_at IS NULL"


class Decision(db.Model):
    """A joint decision: one side's co-chair records it; the other side's co-chair confirms it.

    Only the confirmation fires the proposal's transition; both names and times stay on the record.
    """

    __tablename__ = "decision"
    __table_args__ = (
        CheckConstraint("award IS NULL OR award > 0", name="award_positive"),
        # The few decisions still waiting (the home pages and the cohort ask for them): a partial index,
        # so they are found without reading every confirmed decision of the years (migration 11a1e0000010).
        Index("ix_decision_pending", "proposal_id", postgresql_where=text(PENDING_SQL), sqlite_where=text(PENDING_SQL)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_column(DecisionOutcome, "decision_outcome"))
    award: Mapped[Decimal | None] = mapped_column(MONEY)
    conditions: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    proposed_side: Mapped[Side] = mapped_column(enum_column(Side, "proposed_side"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_side: Mapped[Side | None] = mapped_column(enum_column(Side, "confirmed_side"), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The other side's co-chair sent it back ("not confirmed"), with a comment for the co-chair who recorded it.
    not_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    not_confirmed_comment: Mapped[str] = mapped_column(Text, default="", server_default="")

    proposal: Mapped[Proposal] = relationship(back_populates="decisions")
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id], lazy="joined")
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id], lazy="joined")
    not_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[not_confirmed_by_id])

    @hybrid_property
    def is_pending(self) -> bool:
        """Waiting for the other side: neither confirmed, withdrawn nor sent back (also a SQL condition)."""
        return self.confirmed_at is None and self.withdrawn_at is None and self.not_confirmed_at is None

    @is_pending.inplace.expression
    @classmethod
    def _is_pending_expression(cls):
        return and_(cls.confirmed_at.is_(None), cls.withdrawn_at.is_(None), cls.not_confirmed_at.is_(None))

    @property
    def proposed_by_name(self) -> str:
        return self.proposed_by.name
