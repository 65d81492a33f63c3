"""ASK and CONNECT: the topic taxonomy, needs surveys and their answers, the PL catalog with
sessions and registrations, the PL budget, PL requests and their joint decisions.
"""
from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    exists,
    func,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

from app.extensions import db
from app.models.grants import Proposal
from app.models.people import Role, School, Side, Team, User, UserRole, enum_column
from app.models.review import PENDING_SQL
from app.models.types import MONEY, UTCDateTime, utcnow
from workflows.pl_request import COMMITTED, STATE_LABELS, PLRequestState, school_year_of

HOURS = Numeric(6, 2, asdecimal=True)
BOSTON = ZoneInfo("America/New_York")


# -- taxonomy ---------------------------------------------------------------------------------
class TermKind(enum.StrEnum):
    TOPIC = "topic"
    GRADE_BAND = "grade_band"
    SUBJECT = "subject"

    @property
    def label(self) -> str:
        return {"topic": "Topic", "grade_band": "Grade band", "subject": "Subject"}[self.value]

    @property
    def plural(self) -> str:
        return {"topic": "Topics", "grade_band": "Grade bands", "subject": "Subjects"}[self.value]


class Term(db.Model):
    """One entry of the taxonomy staff manage: a PL topic, a grade band or a subject."""

    __tablename__ = "taxonomy_term"
    __table_args__ = (UniqueConstraint("kind", "name"), UniqueConstraint("kind", "slug"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TermKind] = mapped_column(enum_column(TermKind, "term_kind"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(90))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Term {self.kind.value}:{self.name}>"


# An educator's own grade bands and subjects (their profile, used for matching).
educator_term = Table(
    "educator_term",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("taxonomy_term.id", ondelete="CASCADE"), primary_key=True),
)

# The priorities (survey topics) a proposal says it addresses.
proposal_priority = Table(
    "proposal_priority",
    db.metadata,
    Column("proposal_id", ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("taxonomy_term.id", ondelete="CASCADE"), primary_key=True, index=True),
)

User.profile_terms = relationship(Term, secondary=educator_term, order_by=(Term.kind, Term.position, Term.name))
Proposal.priorities = relationship(Term, secondary=proposal_priority, order_by=(Term.position, Term.name))


# -- needs survey (ASK) -----------------------------------------------------------------------
survey_topic = Table(
    "survey_topic",
    db.metadata,
    Column("survey_id", ForeignKey("needs_survey.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("taxonomy_term.id", ondelete="CASCADE"), primary_key=True),
)


class SurveyStatus(enum.StrEnum):
    """Where a needs survey is on a given day (``NeedsSurvey.status``)."""

    DRAFT = "draft"  # not opened yet
    SCHEDULED = "scheduled"  # opened, before its open date
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"draft": "Not opened yet", "scheduled": "Opened; starts on its open date", "open": "Open",
                "closed": "Closed"}[self.value]


# Staff change a survey's setup until it opens; they close it early while it is opened and not yet closed.
SURVEY_EDITABLE = frozenset({SurveyStatus.DRAFT, SurveyStatus.SCHEDULED})
SURVEY_CLOSABLE = frozenset({SurveyStatus.SCHEDULED, SurveyStatus.OPEN})


class NeedsSurvey(db.Model):
    """A needs survey for one school year over a set of topics. Staff open it; it closes on
    ``closes_on`` (end of that day in Boston) or when staff close it early."""

    __tablename__ = "needs_survey"
    __table_args__ = (
        CheckConstraint("privacy_threshold >= 1", name="threshold_positive"),
        CheckConstraint("closes_on >= opens_on", name="closes_after_opens"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[str] = mapped_column(String(9), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    intro: Mapped[str] = mapped_column(Text, default="")
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_threshold: Mapped[int] = mapped_column(default=5)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topics: Mapped[list[Term]] = relationship(secondary=survey_topic, order_by=(Term.position, Term.name),
                                              lazy="selectin")
    responses: Mapped[list[SurveyResponse]] = relationship(back_populates="survey", cascade="all, delete-orphan")

    def is_open(self, today: date) -> bool:
        return self.opened_at is not None and self.closed_at is None and self.opens_on <= today <= self.closes_on

    def status(self, today: date) -> SurveyStatus:
        """Where the survey is on ``today``: not opened yet, opened before its open date, open or closed."""
        if self.opened_at is None:
            return SurveyStatus.DRAFT
        if self.closed_at is not None or today > self.closes_on:
            return SurveyStatus.CLOSED
        if today < self.opens_on:
            return SurveyStatus.SCHEDULED
        return SurveyStatus.OPEN


class SurveyResponse(db.Model):
    """One educator's answers to a survey (or one team's: exactly one of respondent and team)."""

    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("survey_id", "respondent_id"),
        UniqueConstraint("survey_id", "team_id"),
        CheckConstraint(
            "(respondent_id IS NULL AND team_id IS NOT NULL) OR (respondent_id IS NOT NULL AND team_id IS NULL)",
            name="one_respondent",
        ),
        Index("ix_survey_response_survey_school", "survey_id", "school_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("needs_survey.id", ondelete="CASCADE"))
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    # The school the answer speaks for, as it was when answered (None for a cross-school team).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    survey: Mapped[NeedsSurvey] = relationship(back_populates="responses")
    respondent: Mapped[User | None] = relationship(foreign_keys=[respondent_id])
    team: Mapped[Team | None] = relationship()
    school: Mapped[School | None] = relationship()
    ratings: Mapped[list[SurveyRating]] = relationship(back_populates="response", cascade="all, delete-orphan",
                                                       lazy="selectin")

    def rating_for(self, term_id: int) -> int | None:
        for r in self.ratings:
            if r.term_id == term_id:
                return r.rating
        return None


class SurveyRating(db.Model):
    """How much a respondent needs PL on one topic for their own practice: 1 (little) to 5 (a lot)."""

    __tablename__ = "survey_rating"
    __table_args__ = (CheckConstraint("rating >= 1 AND rating <= 5", name="rating_1_to_5"),)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"),
                                             primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("taxonomy_term.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    rating: Mapped[int]
    response: Mapped[SurveyResponse] = relationship(back_populates="ratings")
    term: Mapped[Term] = relationship(lazy="joined")


# -- the PL catalog (CONNECT) -----------------------------------------------------------------
class ProviderKind(enum.StrEnum):
    BTU = "btu"
    BPS = "bps"
    OUTSIDE = "outside"

    @property
    def label(self) -> str:
        return {"btu": "BTU", "bps": "BPS", "outside": "Outside provider"}[self.value]


class PLFormat(enum.StrEnum):
    IN_PERSON = "in_person"
    VIRTUAL = "virtual"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return {"in_person": "In person", "virtual": "Virtual", "hybrid": "Hybrid"}[self.value]


opportunity_term = Table(
    "opportunity_term",
    db.metadata,
    Column("opportunity_id", ForeignKey("pl_opportunity.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("taxonomy_term.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Opportunity(db.Model):
    """A PL opportunity in the catalog: offered by the BTU, BPS or an outside provider."""

    __tablename__ = "pl_opportunity"
    __table_args__ = (
        # The catalog lists published opportunities whose last session is not over (or that have none),
        # by first session: read off this index, never a min/max over every session of the history.
        Index("ix_pl_opportunity_published_last_ends", "published", "last_ends_at"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        CheckConstraint("pdps >= 0", name="pdps_not_negative"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
        # A catalog import finds the row it updates by it (NULLs do not collide).
        Index("ix_pl_opportunity_external_id", "external_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # The provider's or the district's own id for it, from a CSV import (None when made in the app).
    external_id: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    provider_kind: Mapped[ProviderKind] = mapped_column(enum_column(ProviderKind, "provider_kind"), index=True)
    provider_name: Mapped[str] = mapped_column(String(160))
    format: Mapped[PLFormat] = mapped_column(enum_column(PLFormat, "pl_format"))
    cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    capacity: Mapped[int | None]  # None: no limit
    pdps: Mapped[int] = mapped_column(default=0)
    hours: Mapped[Decimal] = mapped_column(HOURS, default=Decimal("0"))
    url: Mapped[str] = mapped_column(String(500), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    published: Mapped[bool] = mapped_column(default=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Its sessions' first start and last end (None without sessions): kept by app/core/changes.py on
    # every flush that adds, moves or removes a session, so that lists filter and sort on columns.
    first_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    terms: Mapped[list[Term]] = relationship(secondary=opportunity_term, lazy="selectin",
                                             order_by=(Term.kind, Term.position, Term.name))
    sessions: Mapped[list[OpportunitySession]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan", lazy="selectin",
        order_by="OpportunitySession.starts_at",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_free(self) -> bool:
        return (self.cost or 0) == 0

    @property
    def in_district(self) -> bool:
        return self.provider_kind in (ProviderKind.BTU, ProviderKind.BPS)

    @property
    def direct_registration(self) -> bool:
        """Free in-district PL takes registration in the app; anything else goes through a PL request."""
        return self.is_free and self.in_district

    @property
    def starts_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    @property
    def ends_at(self) -> datetime | None:
        return max((s.ends_at for s in self.sessions), default=None)

    def terms_of(self, kind: TermKind) -> list[Term]:
        return [t for t in self.terms if t.kind is kind]

    @property
    def scheduled_hours(self) -> Decimal | None:
        """Its stated hours, or when it states none its sessions' total length (None without either)."""
        if self.hours:
            return self.hours
        seconds = sum((s.ends_at - s.starts_at).total_seconds() for s in self.sessions)
        return (Decimal(int(seconds)) / 3600).quantize(Decimal("0.01")) if seconds > 0 else None


class OpportunitySession(db.Model):
    __tablename__ = "pl_session"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_starts"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("pl_opportunity.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200), default="")
    opportunity: Mapped[Opportunity] = relationship(back_populates="sessions")


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"registered": "Registered", "waitlisted": "On the waitlist", "cancelled": "Cancelled"}[self.value]


class Registration(db.Model):
    """A seat (or a place on the waitlist) in a free in-district opportunity. One row per person
    and opportunity: registering again after cancelling reuses it (and goes to the back of the line)."""

    __tablename__ = "pl_registration"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "user_id"),
        Index("ix_pl_registration_opportunity_status", "opportunity_id", "status", "queued_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("pl_opportunity.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus, "registration_status"))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # place in line
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # moved off the waitlist
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool | None]  # recorded by staff after the sessions
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    opportunity: Mapped[Opportunity] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


# -- PL budget and PL requests -----------------------------------------------------------------
class PLBudget(db.Model):
    """The year's budget for PL requests that cost money; approvals can never over-commit it."""

    __tablename__ = "pl_budget"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[str] = mapped_column(String(9), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}


class PLRequest(db.Model):
    """An educator's request to attend outside or paid PL (``workflows/pl_request.py``)."""

    __tablename__ = "pl_request"
    __table_args__ = (
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        CheckConstraint("hours_completed IS NULL OR hours_completed > 0", name="hours_positive"),
        CheckConstraint("pdps_earned IS NULL OR pdps_earned >= 0", name="pdps_not_negative"),
        Index("ix_pl_request_year_state", "budget_year", "state"),
        # The staff's list, newest first, alone and per filter; each person's own list; the queues.
        Index("ix_pl_request_created", text("created_at DESC"), text("id DESC")),
        Index("ix_pl_request_state_created", "state", text("created_at DESC"), text("id DESC")),
        Index("ix_pl_request_year_created", "budget_year", text("created_at DESC"), text("id DESC")),
        Index("ix_pl_request_requester_created", "requester_id", text("created_at DESC"), text("id DESC")),
        Index("ix_pl_request_state_submitted", "state", "submitted_at", "id"),
        Index("ix_pl_request_school_state_submitted", "school_id", "state", "submitted_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)  # the requester's, at creation
    state: Mapped[PLRequestState] = mapped_column(
        enum_column(PLRequestState, "pl_request_state"), default=PLRequestState.DRAFT, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    # What: chosen from the catalog, or described.
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("pl_opportunity.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    provider_name: Mapped[str] = mapped_column(String(160), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    cost: Mapped[Decimal | None] = mapped_column(MONEY)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    hours: Mapped[Decimal | None] = mapped_column(HOURS)  # expected
    pdps: Mapped[int | None]  # expected
    rationale: Mapped[str] = mapped_column(Text, default="")
    need_term_id: Mapped[int | None] = mapped_column(ForeignKey("taxonomy_term.id"))

    # The school year whose PL budget pays for it (from the start date).
    budget_year: Mapped[str] = mapped_column(String(9), default="")

    # Completion, written by the educator.
    attended: Mapped[bool | None]
    reflection: Mapped[str] = mapped_column(Text, default="")
    hours_completed: Mapped[Decimal | None] = mapped_column(HOURS)
    pdps_earned: Mapped[int | None]
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Program staff may ask the educator for a certificate file (audited; the upload is ``certificate``).
    certificate_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    certificate_request_note: Mapped[str] = mapped_column(Text, default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined", innerjoin=True)
    school: Mapped[School | None] = relationship(lazy="joined")
    opportunity: Mapped[Opportunity | None] = relationship(lazy="joined")
    need: Mapped[Term | None] = relationship(lazy="joined")
    decisions: Mapped[list[PLDecision]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="PLDecision.proposed_at"
    )
    certificate: Mapped[PLCertificate | None] = relationship(
        back_populates="request", cascade="all, delete-orphan", uselist=False
    )
    certificate_requested_by: Mapped[User | None] = relationship(foreign_keys=[certificate_requested_by_id])

    __mapper_args__ = {"version_id_col": version}

    # -- what the workflow reads -------------------------------------------------------------
    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def display_title(self) -> str:
        if self.opportunity is not None:
            return self.opportunity.title
        return self.title or f"Untitled PL request #{self.id}"

    @property
    def display_provider(self) -> str:
        if self.opportunity is not None:
            return self.opportunity.provider_name
        return self.provider_name

    @property
    def requester_name(self) -> str:
        return self.requester.name

    @property
    def school_name(self) -> str:
        return self.school.name if self.school is not None else "the educator's school"

    @property
    def is_free(self) -> bool:
        return self.cost is not None and self.cost == 0

    def set_budget_year(self) -> None:
        self.budget_year = school_year_of(self.starts_on) if self.starts_on else ""

    @property
    def ends_at(self) -> datetime | None:
        """When the PL is over, for its completion: a catalog opportunity's last session's end; for a
        described PL, the start of its end date in Boston (the time of day is not known)."""
        if self.opportunity is not None and self.opportunity.sessions:
            return self.opportunity.ends_at
        if self.ends_on is None:
            return None
        return datetime.combine(self.ends_on, time(0), tzinfo=BOSTON).astimezone(UTC)

    @property
    def scheduled_hours(self) -> Decimal | None:
        """The hours the PL is scheduled for, when known: a catalog opportunity's stated hours (or, when it
        states none, its sessions' total length); None for a described PL."""
        if self.opportunity is None:
            return None
        return self.opportunity.scheduled_hours

    @property
    def budget(self) -> PLBudget | None:
        """This request's year's PL budget row (None when none is set): what an approval locks."""
        return db.session.scalar(select(PLBudget).where(PLBudget.school_year == self.budget_year))

    def budget_remaining(self) -> Decimal | None:
        """What is left of this request's year's PL budget, not counting this request."""
        budget = self.budget
        if budget is None:
            return None
        committed = db.session.scalar(
            select(func.coalesce(func.sum(PLRequest.cost), 0)).where(
                PLRequest.budget_year == self.budget_year,
                PLRequest.state.in_(COMMITTED),
                PLRequest.id != self.id,
            )
        )
        return budget.amount - Decimal(committed)

    @property
    def pending_decision(self) -> PLDecision | None:
        return next((d for d in self.decisions if d.is_pending), None)


class PLCertificate(db.Model):
    """The certificate file an educator uploads for a PL request (one per request; a new upload replaces it),
    checked by ``app.core.uploads``."""

    __tablename__ = "pl_certificate"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("pl_request.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    request: Mapped[PLRequest] = relationship(back_populates="certificate")
    uploaded_by: Mapped[User] = relationship()


# Whether the request's school has an active school leader (who endorses it; program staff do when there is
# none). Read with the row, in the same statement, so a list of requests asks nothing more per row.
PLRequest.school_has_leader = column_property(
    exists().where(User.school_id == PLRequest.school_id, User.active.is_(True), UserRole.user_id == User.id,
                   UserRole.role == Role.SCHOOL_LEADER).correlate_except(User, UserRole)
)


class PLDecisionOutcome(enum.StrEnum):
    APPROVE = "approve"
    DENY = "deny"

    @property
    def label(self) -> str:
        return {"approve": "Approve", "deny": "Deny"}[self.value]


class PLDecision(db.Model):
    """A joint decision on an endorsed PL request that costs money: one side's co-chair records it,
    the other side's co-chair confirms it; only the confirmation fires the transition."""

    __tablename__ = "pl_decision"
    __table_args__ = (Index("ix_pl_decision_pending", "request_id", postgresql_where=text(PENDING_SQL),
                            sqlite_where=text(PENDING_SQL)),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("pl_request.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[PLDecisionOutcome] = mapped_column(enum_column(PLDecisionOutcome, "pl_decision_outcome"))
    feedback: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    proposed_side: Mapped[Side] = mapped_column(enum_column(Side, "pl_proposed_side"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_side: Mapped[Side | None] = mapped_column(enum_column(Side, "pl_confirmed_side"), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The other side's co-chair sent it back ("not confirmed"), with a comment for the co-chair who recorded it.
    not_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    not_confirmed_comment: Mapped[str] = mapped_column(Text, default="", server_default="")

    request: Mapped[PLRequest] = relationship(back_populates="decisions")
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
