"""After the award: spending and reallocations, progress and final reports, the learning summary
with its tags (terms of the one taxonomy staff manage), public artifacts and privacy check."""
from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, ForeignKey, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.core import slugs
from app.core.markdown import plain_text
from app.extensions import db
from app.models.grants import BudgetLine, Proposal
from app.models.learning import Term, TermKind
from app.models.people import User, enum_column
from app.models.types import MONEY, UTCDateTime, utcnow
from workflows.expenditure import PAYMENT_LABELS, REALLOCATION_LABELS, PaymentState, ReallocationState
from workflows.proposal import REALLOCATABLE


class Expenditure(db.Model):
    """One purchase or payment logged against an approved budget line, with its receipt."""

    __tablename__ = "expenditure"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id"), index=True)
    spent_on: Mapped[date]
    payee: Mapped[str] = mapped_column(String(160))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    note: Mapped[str] = mapped_column(Text, default="")
    receipt_filename: Mapped[str] = mapped_column(String(200), default="")
    receipt_content_type: Mapped[str] = mapped_column(String(120), default="")
    receipt_size: Mapped[int] = mapped_column(default=0)
    receipt_sha256: Mapped[str] = mapped_column(String(64), default="")
    receipt_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A mistaken expenditure is voided with a reason, never deleted: it stays on the ledger, marked, and no
    # total counts it.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Its payment status (``workflows.expenditure.EXPENDITURE``): submitted -> approved -> paid, or returned
    # with a reason (kept here until the team resubmits it).
    state: Mapped[PaymentState] = mapped_column(
        "payment_state", enum_column(PaymentState, "payment_state"), default=PaymentState.SUBMITTED,
        server_default=PaymentState.SUBMITTED.value, index=True)
    return_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    proposal: Mapped[Proposal] = relationship(back_populates="expenditures")
    budget_line: Mapped[BudgetLine] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None

    @property
    def state_label(self) -> str:
        return PAYMENT_LABELS[self.state]

    @property
    def display_title(self) -> str:
        return f"{self.payee}, ${self.amount:,.2f} ({self.proposal.display_title})"

    def is_team_member(self, user) -> bool:
        return user is not None and user.id in self.proposal.team.member_ids

    @property
    def category(self):
        return self.budget_line.category


class BudgetReallocation(db.Model):
    """A team asks to move money from one budget line to another, with a reason; staff approve (the money
    moves, the award's total unchanged) or decline it (``workflows.expenditure.REALLOCATION``). Only an
    approved one counts on the ledger."""

    __tablename__ = "budget_reallocation"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("from_line_id <> to_line_id", name="different_lines"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    from_line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id"))
    to_line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="reallocations")
    from_line: Mapped[BudgetLine] = relationship(foreign_keys=[from_line_id])
    to_line: Mapped[BudgetLine] = relationship(foreign_keys=[to_line_id])
    state: Mapped[ReallocationState] = mapped_column(
        enum_column(ReallocationState, "reallocation_state"), default=ReallocationState.PENDING,
        server_default=ReallocationState.PENDING.value, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decline_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def state_label(self) -> str:
        return REALLOCATION_LABELS[self.state]

    @property
    def display_title(self) -> str:
        return f"${self.amount:,.2f} between budget lines ({self.proposal.display_title})"

    def is_team_member(self, user) -> bool:
        return user is not None and user.id in self.proposal.team.member_ids

    # -- what the workflow's guards read (after the grant's row is locked) ----------------------
    @property
    def grant_open(self) -> bool:
        return self.proposal.state in REALLOCATABLE

    def _source(self):
        from app.grants.ledger import ledger_for  # the ledger reads the models; read fresh, under the lock

        return ledger_for(self.proposal).balance_of(self.from_line_id)

    @property
    def source_left(self) -> Decimal:
        source = self._source()
        return source.left if source is not None else Decimal("0")

    @property
    def source_name(self) -> str:
        source = self._source()
        return source.name if source is not None else "The source line"


class _WrittenSections:
    """A report written in named sections: ``SECTIONS`` maps attribute -> label."""

    SECTIONS: dict[str, str] = {}

    def missing_sections(self) -> list[str]:
        return [label for attr, label in self.SECTIONS.items() if not (getattr(self, attr) or "").strip()]


PROGRESS_SECTIONS = {
    "progress_so_far": "What we have done so far",
    "early_evidence": "Early evidence for students",
    "challenges": "Challenges",
    "next_steps": "Next steps",
}


class ProgressReport(_WrittenSections, db.Model):
    """The mid-grant progress update."""

    __tablename__ = "progress_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    progress_so_far: Mapped[str] = mapped_column(Text, default="")
    early_evidence: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="progress_report")
    SECTIONS = PROGRESS_SECTIONS


FINAL_REPORT_SECTIONS = {
    "what_we_tried": "What we tried",
    "what_happened": "What happened for students",
    "what_we_learned": "What we learned",
    "what_we_would_change": "What we would change",
}


class FinalReport(_WrittenSections, db.Model):
    __tablename__ = "final_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    what_we_tried: Mapped[str] = mapped_column(Text, default="")
    what_happened: Mapped[str] = mapped_column(Text, default="")
    what_we_learned: Mapped[str] = mapped_column(Text, default="")
    what_we_would_change: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="final_report")
    SECTIONS = FINAL_REPORT_SECTIONS


# A summary's tags: topics, grade bands and subjects of the taxonomy the needs survey and the PL
# catalog use (app/needs/taxonomy.py), so the three speak one vocabulary.
summary_term = Table(
    "summary_term",
    db.metadata,
    Column("summary_id", ForeignKey("learning_summary.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("taxonomy_term.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class LearningSummary(db.Model):
    """What a funded team learned, written in Markdown, published to the public gallery."""

    __tablename__ = "learning_summary"
    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    slug: Mapped[str | None] = mapped_column(String(220), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitized
    # Plain lower-case text of title, body, tags, team and schools: what gallery search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    privacy_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    proposal: Mapped[Proposal] = relationship(back_populates="learning_summary")
    tags: Mapped[list[Term]] = relationship(
        Term, secondary=summary_term, lazy="selectin", order_by=(Term.kind, Term.position, Term.name)
    )
    artifacts: Mapped[list[SummaryArtifact]] = relationship(
        back_populates="summary", cascade="all, delete-orphan", order_by="SummaryArtifact.uploaded_at"
    )
    flags: Mapped[list[PrivacyFlag]] = relationship(
        back_populates="summary", cascade="all, delete-orphan", order_by="PrivacyFlag.id"
    )
    blocked_names: Mapped[list[BlockedName]] = relationship(
        back_populates="summary", cascade="all, delete-orphan", order_by="BlockedName.name"
    )

    def publish(self, now: datetime) -> None:
        """Published: a readable public address (kept when published again), the date, fresh search text."""
        if not self.slug:
            self.slug = unique_slug(slugify(self.title) or slugify(self.proposal.title), self.id)
        self.published_at = now
        self.search_text = build_search_text(self, self.proposal)

    def unpublish(self) -> None:
        self.published_at = None

    def tag_values(self, kind: TermKind) -> list[str]:
        """The names of its tags of one kind, in the taxonomy's order."""
        return [t.name for t in self.tags if t.kind is kind]

    @property
    def open_flag_count(self) -> int:
        return sum(1 for f in self.flags if f.status is FlagStatus.OPEN)


class SummaryArtifact(db.Model):
    """A file the team chose to share publicly with its summary."""

    __tablename__ = "summary_artifact"
    __table_args__ = (UniqueConstraint("summary_id", "filename"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("learning_summary.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(300), default="")
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[LearningSummary] = relationship(back_populates="artifacts")


class SummaryPdf(db.Model):
    """The public PDF of a published summary, made once per version of it (app/sharing/summaries.py):
    one row per summary, replaced when the summary changes or is published again."""

    __tablename__ = "summary_pdf"
    summary_id: Mapped[int] = mapped_column(ForeignKey("learning_summary.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CompendiumPdf(db.Model):
    """The annual compendium of a year's published summaries (app/sharing/compendium.py), made once per
    version of that year's set: one row per year, replaced by the next version."""

    __tablename__ = "compendium_pdf"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FlagKind(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    STUDENT_ID = "student_id"
    BLOCKED_NAME = "blocked_name"

    @property
    def label(self) -> str:
        return {"email": "Email address", "phone": "Phone number", "student_id": "Student-ID-like number",
                "blocked_name": "Name on the block list"}[self.value]


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"  # the text no longer holds it
    OVERRIDDEN = "overridden"  # staff kept it, with a reason

    @property
    def label(self) -> str:
        return {"open": "Open", "resolved": "Resolved", "overridden": "Overridden"}[self.value]


class PrivacyFlag(db.Model):
    __tablename__ = "privacy_flag"
    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("learning_summary.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind, "flag_kind"))
    match: Mapped[str] = mapped_column(String(200))
    context: Mapped[str] = mapped_column(String(400), default="")
    status: Mapped[FlagStatus] = mapped_column(enum_column(FlagStatus, "flag_status"), default=FlagStatus.OPEN)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    summary: Mapped[LearningSummary] = relationship(back_populates="flags")
    resolved_by: Mapped[User | None] = relationship()


class BlockedName(db.Model):
    """A name staff add for one summary's privacy check (a student's name, say)."""

    __tablename__ = "blocked_name"
    __table_args__ = (UniqueConstraint("summary_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("learning_summary.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[LearningSummary] = relationship(back_populates="blocked_names")


# -- the published summary's address and search text ------------------------------------------------
SLUG_MAX = 80


def school_levels(proposal: Proposal) -> list[str]:
    """The school levels of the team's schools (from the proposal, not edited with the summary)."""
    seen = []
    for school in proposal.team.schools:
        if school.level.label not in seen:
            seen.append(school.level.label)
    return seen


def build_search_text(summary: LearningSummary, proposal: Proposal | None = None) -> str:
    """Lower-case plain text of title, body, tags, team, schools, levels and grant type."""
    proposal = proposal or summary.proposal
    team = proposal.team
    parts = [summary.title or "", plain_text(summary.body or "")]
    parts += [t.name for t in summary.tags]
    parts.append(team.name)
    parts += [s.name for s in team.schools]
    parts += school_levels(proposal)
    if proposal.grant_type:
        parts.append(proposal.grant_type.label)
    return " ".join(" ".join(parts).split()).lower()


def slugify(text: str) -> str:
    """A readable URL part: "Family Literacy Nights, in 5 Languages!" -> "family-literacy-nights-in-5-languages"."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > SLUG_MAX:
            break
        slug = candidate
    return slug or (words[0][:SLUG_MAX] if words else "")


def unique_slug(base: str, summary_id: int | None = None) -> str:
    """A free slug from ``base``; never digits alone (``/learning/2026.pdf`` is the year's compendium)."""
    if base.isdigit():
        base = f"learning-summary-{base}"
    return slugs.unique(LearningSummary.slug, base or "learning-summary",
                        exclude=LearningSummary.id != (summary_id or -1))
