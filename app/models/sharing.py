"""After the award: spending, the final report and the learning summary.

The proposal workflow's post-award guards read these; their screens arrive with the post-award
work (see the README), the tables and rules exist now so the declared transitions are real.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.grants import BudgetLine, Proposal
from app.models.people import User
from app.models.types import MONEY, UTCDateTime, utcnow


class Expenditure(db.Model):
    __tablename__ = "expenditure"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id"), index=True)
    spent_on: Mapped[date]
    payee: Mapped[str] = mapped_column(String(160))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="expenditures")
    budget_line: Mapped[BudgetLine] = relationship()
    recorded_by: Mapped[User] = relationship()


FINAL_REPORT_SECTIONS = {
    "what_we_tried": "What we tried",
    "what_happened": "What happened for students",
    "what_we_learned": "What we learned",
    "what_we_would_change": "What we would change",
}


class FinalReport(db.Model):
    __tablename__ = "final_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    what_we_tried: Mapped[str] = mapped_column(Text, default="")
    what_happened: Mapped[str] = mapped_column(Text, default="")
    what_we_learned: Mapped[str] = mapped_column(Text, default="")
    what_we_would_change: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="final_report")

    def missing_sections(self) -> list[str]:
        return [label for attr, label in FINAL_REPORT_SECTIONS.items() if not (getattr(self, attr) or "").strip()]


class LearningSummary(db.Model):
    __tablename__ = "learning_summary"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    privacy_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_flags_open: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="learning_summary")
