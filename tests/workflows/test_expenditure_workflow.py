"""Money out the door, tested without Flask or a database, table-driven from the declarations: every
(state, trigger, persona) of an expenditure's payment status and of a reallocation request, the guards'
messages (voided, too much for the source line, reasons), and the partial award's budget guard."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from workflows import TransitionRefused
from workflows.expenditure import (
    EXPENDITURE,
    PAYMENT_TRANSITIONS,
    REALLOCATION,
    REALLOCATION_TRANSITIONS,
    PaymentState,
    ReallocationState,
)
from workflows.proposal import ProposalState, budget_within_award

P, R = PaymentState, ReallocationState
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
TEAM_IDS = {1, 2}


@dataclass
class Person:
    id: int
    roles: tuple[str, ...]

    def has_role(self, *names: str) -> bool:
        return bool(set(names) & set(self.roles))

    @property
    def role_names(self) -> set[str]:
        return set(self.roles)


PEOPLE = {"lead": Person(1, ("educator",)), "member": Person(2, ("educator",)),
          "outsider": Person(3, ("educator",)), "staff": Person(4, ("staff",)),
          "co_chair": Person(5, ("co_chair", "reviewer")), "admin": Person(6, ("admin",))}


@dataclass
class FakeExpenditure:
    """Offers what ``workflows/expenditure.py`` documents for an expenditure."""

    state: P = P.SUBMITTED
    amount: Decimal = Decimal("120.00")
    payee: str = "Frugal Books"
    voided_at: datetime | None = None
    return_reason: str = ""
    approved_at: datetime | None = None
    approved_by_id: int | None = None
    paid_at: datetime | None = None
    paid_by_id: int | None = None

    def is_team_member(self, user) -> bool:
        return user is not None and user.id in TEAM_IDS


@dataclass
class FakeReallocation:
    state: R = R.PENDING
    amount: Decimal = Decimal("400.00")
    source_left: Decimal = Decimal("1000.00")
    source_name: str = "Technology"
    grant_open: bool = True
    decided_at: datetime | None = None
    decided_by_id: int | None = None
    decline_reason: str = ""

    def is_team_member(self, user) -> bool:
        return user is not None and user.id in TEAM_IDS


# (trigger, who may fire it): everyone else is refused by the who-check
PAYMENT_WHO = {"approve": {"staff"}, "pay": {"staff"}, "return": {"staff"}, "resubmit": {"lead", "member"}}


def _data(trigger: str) -> dict:
    return {"now": NOW, "reason": "Receipt unreadable.", "comment": "New receipt attached."}


@pytest.mark.parametrize("state", list(P))
@pytest.mark.parametrize("trigger", [t.trigger for t in PAYMENT_TRANSITIONS])
@pytest.mark.parametrize("persona", list(PEOPLE))
def test_every_payment_trigger_from_every_state_by_every_persona(state, trigger, persona):
    case = FakeExpenditure(state=state)
    t = EXPENDITURE.transition(trigger)
    refusals = EXPENDITURE.refusals(case, trigger, PEOPLE[persona], _data(trigger))
    allowed = state in t.sources and persona in PAYMENT_WHO[trigger]
    assert (refusals == []) == allowed, (state, trigger, persona, refusals)
    if allowed:
        EXPENDITURE.fire(case, trigger, PEOPLE[persona], _data(trigger))
        assert case.state is t.dest


def test_submitted_approved_paid_or_returned_and_resubmitted():
    e, staff, lead = FakeExpenditure(), PEOPLE["staff"], PEOPLE["lead"]
    EXPENDITURE.fire(e, "return", staff, {"reason": "Which books?", "now": NOW})
    assert e.state is P.RETURNED
    with pytest.raises(TransitionRefused) as exc:
        EXPENDITURE.fire(e, "resubmit", lead, {"comment": " ", "now": NOW})
    assert exc.value.messages == ["Say what you corrected."]
    EXPENDITURE.fire(e, "resubmit", lead, {"comment": "Itemized receipt.", "now": NOW})
    EXPENDITURE.fire(e, "approve", staff, {"now": NOW})
    EXPENDITURE.fire(e, "pay", staff, {"now": NOW})
    assert e.state is P.PAID
    assert EXPENDITURE.refusals(e, "return", staff, {"reason": "x"}) == [
        "“Return to the team” is not possible while this expenditure is Paid."]


def test_a_return_needs_a_reason_and_a_voided_expenditure_is_never_approved_or_paid():
    staff = PEOPLE["staff"]
    assert EXPENDITURE.refusals(FakeExpenditure(), "return", staff, {"reason": "  "}) == [
        "Give the reason, so the team knows what to correct."]
    void = FakeExpenditure(voided_at=NOW)
    message = ("This expenditure of $120.00 to Frugal Books was voided, so it is not approved, paid or "
               "resubmitted.")
    assert EXPENDITURE.refusals(void, "approve", staff) == [message]
    assert EXPENDITURE.refusals(FakeExpenditure(state=P.APPROVED, voided_at=NOW), "pay", staff) == [message]


@pytest.mark.parametrize("state", list(R))
@pytest.mark.parametrize("trigger", [t.trigger for t in REALLOCATION_TRANSITIONS])
@pytest.mark.parametrize("persona", list(PEOPLE))
def test_every_reallocation_trigger_from_every_state_by_every_persona(state, trigger, persona):
    case = FakeReallocation(state=state)
    refusals = REALLOCATION.refusals(case, trigger, PEOPLE[persona], {"reason": "Not now.", "now": NOW})
    allowed = state is R.PENDING and persona == "staff"
    assert (refusals == []) == allowed, (state, trigger, persona, refusals)


def test_an_approval_moves_no_more_than_is_left_on_the_source_line():
    staff = PEOPLE["staff"]
    assert REALLOCATION.refusals(FakeReallocation(source_left=Decimal("400.00")), "approve", staff) == []
    assert REALLOCATION.refusals(FakeReallocation(source_left=Decimal("399.99")), "approve", staff) == [
        "Technology has $399.99 left unspent, so $400.00 cannot be moved from it."]
    assert REALLOCATION.refusals(FakeReallocation(source_left=Decimal("-5.00")), "approve", staff) == [
        "Technology has $0.00 left unspent, so $400.00 cannot be moved from it."]
    assert REALLOCATION.refusals(FakeReallocation(grant_open=False), "approve", staff) == [
        "Budget lines are reallocated while the grant is approved or active."]
    assert REALLOCATION.transition("approve").locks == ("proposal",)


@dataclass
class FakeGrant:
    award: Decimal | None
    budget_total: Decimal
    state: ProposalState = ProposalState.APPROVED


@pytest.mark.parametrize("award,lines,refused", [
    ("11000.00", "12000.00", True),  # the partial award
    ("11000.00", "11000.01", True),
    ("11000.00", "11000.00", False),  # exactly the award
    ("11000.00", "10500.00", False),  # less than the award: allowed ("no more than")
    (None, "12000.00", False),
])
def test_a_partial_award_asks_for_lines_no_more_than_the_award(award, lines, refused):
    grant = FakeGrant(Decimal(award) if award else None, Decimal(lines))
    message = budget_within_award(grant, {})
    assert (message is not None) == refused
    if award == "11000.00" and lines == "12000.00":
        assert message == ("The award is $11,000.00 but the budget lines add up to $12,000.00: revise your budget "
                           "to the award (take $1,000.00 off the lines) before accepting the agreement.")
