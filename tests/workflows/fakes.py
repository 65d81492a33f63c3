"""Small stand-ins for a proposal, its team and cycle, a person and a joint decision.

They offer exactly the attributes ``workflows/proposal.py`` documents, so the workflow is tested
without Flask or a database. ``passing_case()`` and ``passing_context()`` pass every guard of every
transition; a test then breaks one thing at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from workflows.proposal import CO_CHAIRS_JOINTLY, STAFF, TEAM_LEAD, ProposalState

OPENS = date(2026, 9, 1)
CLOSES = date(2026, 10, 31)
REVISION_DEADLINE = date(2026, 11, 30)
TODAY = date(2026, 10, 1)
CYCLE_NAME = "2026-27 Teacher Leadership Fund"


@dataclass
class FakeTeam:
    lead_id: int = 1
    lead_name: str = "Lena Lead"
    size: int = 2


@dataclass
class FakeCycle:
    name: str = CYCLE_NAME
    opens_on: date = OPENS
    closes_on: date = CLOSES
    revision_deadline: date = REVISION_DEADLINE
    max_award: Decimal = Decimal("15000.00")
    reviews_per_side: int = 1
    remaining: Decimal = Decimal("300000.00")
    progress_report_due: date | None = date(2027, 2, 1)
    final_report_due: date | None = date(2027, 6, 30)

    def pool_remaining(self) -> Decimal:
        return self.remaining


@dataclass
class FakeCase:
    state: ProposalState = ProposalState.DRAFT
    title: str = "Reading circles for newcomers"
    team: FakeTeam = field(default_factory=FakeTeam)
    cycle: FakeCycle = field(default_factory=FakeCycle)
    missing: list[str] = field(default_factory=list)
    budget_total: Decimal = Decimal("10000.00")
    amount_requested: Decimal | None = Decimal("10000.00")
    assigned: dict[str, int] = field(default_factory=lambda: {"BTU": 1, "BPS": 1})
    submitted_reviews: dict[str, int] = field(default_factory=lambda: {"BTU": 1, "BPS": 1})
    conflicted_names: list[str] = field(default_factory=list)
    conflicted_ids: set[int] = field(default_factory=set)
    agreement_accepted_at: datetime | None = datetime(2026, 12, 1, 15, 0)
    report_missing: list[str] = field(default_factory=list)
    spent_total: Decimal = Decimal("9000.00")
    award: Decimal | None = Decimal("10000.00")
    summary_drafted: bool = True
    summary_consented: bool = True
    privacy_flags_open: int | None = 0

    def missing_sections(self) -> list[str]:
        return list(self.missing)

    def assigned_reviewer_counts(self) -> dict[str, int]:
        return dict(self.assigned)

    def submitted_review_counts(self) -> dict[str, int]:
        return dict(self.submitted_reviews)

    def conflicted_assignees(self) -> list[str]:
        return list(self.conflicted_names)

    def conflicted_user_ids(self) -> set[int]:
        return set(self.conflicted_ids)

    def final_report_missing(self) -> list[str]:
        return list(self.report_missing)


@dataclass
class FakeActor:
    id: int
    name: str
    roles: tuple[str, ...]
    side: str | None = None

    @property
    def role_names(self) -> set[str]:
        return set(self.roles)

    def has_role(self, *names: str) -> bool:
        return bool(self.role_names & set(names))


@dataclass
class FakeDecision:
    outcome: str = "approve"
    award: Decimal | None = Decimal("10000.00")
    feedback: str = "Strong plan; share what you learn."
    proposed_side: str = "BTU"
    proposed_by_name: str = "Carla Chair"


# The cast. The team lead's id matches FakeTeam.lead_id.
LEAD = FakeActor(1, "Lena Lead", ("educator",))
MEMBER = FakeActor(2, "Max Member", ("educator",))
SCHOOL_LEADER = FakeActor(3, "Sofia Principal", ("school_leader",))
REVIEWER_BTU = FakeActor(4, "Rita Btu", ("reviewer",), "BTU")
STAFF_USER = FakeActor(5, "Stan Staff", ("staff",))
ADMIN = FakeActor(6, "Ada Admin", ("admin",))
CO_CHAIR_BTU = FakeActor(7, "Carla Chair", ("co_chair", "reviewer"), "BTU")
CO_CHAIR_BPS = FakeActor(8, "Colin Chair", ("co_chair", "reviewer"), "BPS")

EVERYONE = {
    "team lead": LEAD,
    "team member (not the lead)": MEMBER,
    "school leader": SCHOOL_LEADER,
    "reviewer": REVIEWER_BTU,
    "program staff": STAFF_USER,
    "admin": ADMIN,
    "BTU co-chair": CO_CHAIR_BTU,
    "BPS co-chair": CO_CHAIR_BPS,
}

# Who may fire each kind of transition (for the joint kind: the confirming co-chair, whose
# side differs from the recorder's in passing_context()).
ABLE = {TEAM_LEAD: LEAD, STAFF: STAFF_USER, CO_CHAIRS_JOINTLY: CO_CHAIR_BPS}


def passing_case(state: ProposalState = ProposalState.DRAFT) -> FakeCase:
    return FakeCase(state=state)


def passing_context(trigger: str) -> dict:
    """What a careful actor supplies: today inside the cycle, a comment, a reason, and for a joint
    trigger a decision for that outcome recorded by the BTU side."""
    return {
        "today": TODAY,
        "comment": "Please tighten the budget narrative.",
        "reason": "We lost a team member.",
        "decision": FakeDecision(outcome=trigger),
    }
