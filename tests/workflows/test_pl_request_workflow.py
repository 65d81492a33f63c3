"""The PL request workflow, tested without Flask or a database, table-driven from its declaration:
every (state, trigger, persona) with the expected outcome, the guards' messages and the joint decision."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from workflows import TransitionRefused
from workflows.pl_request import (
    AUDIENCES,
    PL_REQUEST,
    STATE_LABELS,
    TRANSITIONS,
    PLRequestState,
    school_year_of,
)

S = PLRequestState
TODAY = date(2026, 10, 1)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # after the PL ended
SCHOOL_ID, OTHER_SCHOOL_ID = 10, 20


@dataclass
class FakePLRequest:
    """Offers exactly what ``workflows/pl_request.py`` documents; passes every guard as built."""

    state: S = S.DRAFT
    requester_id: int = 1
    requester_name: str = "Lena Lead"
    school_id: int | None = SCHOOL_ID
    school_name: str = "Mather Elementary"
    school_has_leader: bool = True
    opportunity_id: int | None = 7
    title: str = ""
    provider_name: str = ""
    cost: Decimal | None = Decimal("450.00")
    starts_on: date | None = date(2026, 11, 2)
    ends_on: date | None = date(2026, 11, 4)
    rationale: str = "My second graders are still decoding below grade level."
    need_term_id: int | None = 3
    budget_year: str = "2026-27"
    left: Decimal | None = Decimal("20000.00")
    attended: bool | None = True
    reflection: str = "I now run structured phonics groups daily."
    hours_completed: Decimal | None = Decimal("12")
    pdps_earned: int | None = 12
    ends_at: datetime | None = datetime(2026, 11, 4, 22, 0, tzinfo=UTC)  # 5 pm in Boston, the last session's end
    scheduled_hours: Decimal | None = Decimal("12")

    @property
    def is_free(self) -> bool:
        return self.cost is not None and self.cost == 0

    def budget_remaining(self) -> Decimal | None:
        return self.left


@dataclass
class FakeActor:
    id: int
    name: str
    roles: tuple[str, ...]
    side: str | None = None
    school_id: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def role_names(self) -> set[str]:
        return set(self.roles)

    def has_role(self, *names: str) -> bool:
        return bool(self.role_names & set(names))


@dataclass
class FakeDecision:
    outcome: str
    proposed_side: str = "BTU"
    proposed_by_name: str = "Carla Chair"
    feedback: str = "A good fit for the school's literacy plan."


PERSONAS = {
    "requester": FakeActor(1, "Lena Lead", ("educator",), school_id=SCHOOL_ID),
    "colleague": FakeActor(2, "Max Member", ("educator",), school_id=SCHOOL_ID),
    "school leader": FakeActor(3, "Sofia Principal", ("school_leader",), school_id=SCHOOL_ID),
    "other school's leader": FakeActor(4, "Otto Principal", ("school_leader",), school_id=OTHER_SCHOOL_ID),
    "BTU co-chair (recorded it)": FakeActor(7, "Carla Chair", ("co_chair", "reviewer"), "BTU"),
    "BPS co-chair": FakeActor(8, "Colin Chair", ("co_chair", "reviewer"), "BPS"),
    "co-chair without a side": FakeActor(9, "Nadia Noside", ("co_chair",)),
    "reviewer": FakeActor(5, "Rita Btu", ("reviewer",), "BTU"),
    "program staff": FakeActor(6, "Stan Staff", ("staff",)),
    "admin": FakeActor(11, "Ada Admin", ("admin",)),
}

# Who may fire each trigger from each of its source states (with a decision recorded by the BTU side
# in the context): written out from PRODUCT.md, independently of the declaration.
ALLOWED = {
    ("submit", S.DRAFT): {"requester"},
    ("endorse", S.SUBMITTED): {"school leader"},
    ("return", S.SUBMITTED): {"school leader", "BTU co-chair (recorded it)", "BPS co-chair",
                              "co-chair without a side"},
    ("return", S.ENDORSED): {"school leader", "BTU co-chair (recorded it)", "BPS co-chair",
                             "co-chair without a side"},
    ("approve", S.ENDORSED): {"BPS co-chair"},
    ("deny", S.SUBMITTED): {"school leader"},
    ("deny", S.ENDORSED): {"BPS co-chair"},
    ("complete", S.APPROVED): {"requester"},
    ("cancel", S.DRAFT): {"requester"},
    ("cancel", S.SUBMITTED): {"requester"},
    ("cancel", S.ENDORSED): {"requester"},
    ("cancel", S.APPROVED): {"requester"},
}


def ctx_for(trigger: str, **extra) -> dict:
    return {"today": TODAY, "now": NOW, "trigger": trigger, "comment": "Please add the course syllabus.",
            "reason": "The course is not approved for PDPs.", "decision": FakeDecision(trigger), **extra}


def test_the_declaration_holds_every_transition_of_the_product():
    product = {
        "submit": ({S.DRAFT}, S.SUBMITTED),
        "endorse": ({S.SUBMITTED}, S.ENDORSED),
        "return": ({S.SUBMITTED, S.ENDORSED}, S.DRAFT),
        "approve": ({S.ENDORSED}, S.APPROVED),
        "deny": ({S.SUBMITTED, S.ENDORSED}, S.DENIED),
        "complete": ({S.APPROVED}, S.COMPLETED),
        "cancel": ({S.DRAFT, S.SUBMITTED, S.ENDORSED, S.APPROVED}, S.CANCELLED),
    }
    assert {t.trigger: (set(t.sources), t.dest) for t in TRANSITIONS} == product
    assert {(t.trigger, s) for t in TRANSITIONS for s in t.sources} == set(ALLOWED)


def test_every_state_has_a_label_and_is_reachable_and_audiences_are_known():
    assert set(STATE_LABELS) == set(S)
    seen, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for t in PL_REQUEST.from_state(frontier.pop()):
            if t.dest not in seen:
                seen.add(t.dest)
                frontier.append(t.dest)
    assert seen == set(S)
    for t in TRANSITIONS:
        assert set(t.notify) <= set(AUDIENCES), t.trigger


def test_the_machine_holds_exactly_the_declared_edges_and_no_models():
    machine = PL_REQUEST.machine
    assert set(machine.events) == {t.trigger for t in TRANSITIONS}
    for t in TRANSITIONS:
        assert set(machine.events[t.trigger].transitions) == {s.name for s in t.sources}
    case = FakePLRequest()
    PL_REQUEST.fire(case, "submit", PERSONAS["requester"], ctx_for("submit"))
    assert machine.models == []


# -- every (state, trigger, persona) ------------------------------------------------------------
TRIPLES = [(state, t, persona) for t in TRANSITIONS for state in S for persona in PERSONAS]


@pytest.mark.parametrize(("state", "t", "persona"), TRIPLES,
                         ids=[f"{s.value}-{t.trigger}-{p}" for s, t, p in TRIPLES])
def test_every_state_trigger_and_persona(state, t, persona):
    case = FakePLRequest(state=state)
    actor = PERSONAS[persona]
    ctx = ctx_for(t.trigger)
    if state not in t.sources:
        with pytest.raises(TransitionRefused) as err:
            PL_REQUEST.fire(case, t.trigger, actor, ctx)
        assert err.value.messages == [f"“{t.label}” is not possible while this PL request is {STATE_LABELS[state]}."]
        assert case.state is state
        return
    if persona in ALLOWED[(t.trigger, state)]:
        assert PL_REQUEST.refusals(case, t.trigger, actor, ctx) == []
        assert PL_REQUEST.fire(case, t.trigger, actor, ctx) == (state, t.dest)
        assert case.state is t.dest
    else:
        with pytest.raises(TransitionRefused) as err:
            PL_REQUEST.fire(case, t.trigger, actor, ctx)
        who = PL_REQUEST.who_refusal(case, t.trigger, actor, ctx)
        assert who and err.value.messages == [who]  # refused for who they are, not for a guard
        assert case.state is state


def test_who_messages_name_the_people():
    case = FakePLRequest(state=S.SUBMITTED)
    assert PL_REQUEST.refusals(case, "endorse", PERSONAS["other school's leader"], ctx_for("endorse")) == [
        "Only the school leader of Mather Elementary can do this."]
    assert PL_REQUEST.refusals(case, "deny", PERSONAS["BPS co-chair"], ctx_for("deny")) == [
        "While a request waits for endorsement, only the school leader of Mather Elementary can deny it."]
    assert PL_REQUEST.refusals(case, "cancel", PERSONAS["colleague"], ctx_for("cancel")) == [
        "Only the educator who made this request, Lena Lead, can do this."]
    assert PL_REQUEST.refusals(case, "return", PERSONAS["program staff"], ctx_for("return")) == [
        "Only the school leader of Mather Elementary or a co-chair of the committee can do this."]


# -- a school with no school leader: program staff endorse ------------------------------------
NO_LEADER_ALLOWED = {
    **ALLOWED,
    ("endorse", S.SUBMITTED): {"program staff"},
    ("return", S.SUBMITTED): {"program staff", "BTU co-chair (recorded it)", "BPS co-chair",
                              "co-chair without a side"},
    ("return", S.ENDORSED): {"program staff", "BTU co-chair (recorded it)", "BPS co-chair",
                             "co-chair without a side"},
    ("deny", S.SUBMITTED): {"program staff"},
}
NO_LEADER_TRIPLES = [(s, t, p) for (t, s) in [(PL_REQUEST.transition(tr), st) for tr, st in NO_LEADER_ALLOWED]
                     for p in PERSONAS]


@pytest.mark.parametrize(("state", "t", "persona"), NO_LEADER_TRIPLES,
                         ids=[f"{s.value}-{t.trigger}-{p}" for s, t, p in NO_LEADER_TRIPLES])
def test_program_staff_endorse_when_the_school_has_no_school_leader(state, t, persona):
    case = FakePLRequest(state=state, school_has_leader=False)
    actor = PERSONAS[persona]
    ctx = ctx_for(t.trigger)
    if persona in NO_LEADER_ALLOWED[(t.trigger, state)]:
        assert PL_REQUEST.fire(case, t.trigger, actor, ctx) == (state, t.dest)
    else:
        with pytest.raises(TransitionRefused) as err:
            PL_REQUEST.fire(case, t.trigger, actor, ctx)
        assert err.value.messages == [PL_REQUEST.who_refusal(case, t.trigger, actor, ctx)]
        assert case.state is state


def test_who_endorses_a_request_from_a_school_without_a_leader_is_said_in_words():
    case = FakePLRequest(state=S.SUBMITTED, school_has_leader=False)
    assert PL_REQUEST.refusals(case, "endorse", PERSONAS["school leader"], ctx_for("endorse")) == [
        "Only program staff can do this: Mather Elementary has no school leader, so program staff endorse its "
        "requests."]
    assert PL_REQUEST.refusals(case, "deny", PERSONAS["BPS co-chair"], ctx_for("deny")) == [
        "While a request waits for endorsement, only program staff (Mather Elementary has no school leader) can "
        "deny it."]
    assert [t.trigger for t in PL_REQUEST.actions_for(case, PERSONAS["program staff"])] == [
        "endorse", "return", "deny"]
    assert PL_REQUEST.actions_for(case, PERSONAS["school leader"]) == []
    submit = PL_REQUEST.transition("submit")
    assert submit.notify == ("endorsers",)
    assert submit.next_step("endorsers", case, "").startswith(
        "Mather Elementary has no school leader, so program staff endorse its requests.")
    assert "staff" in PL_REQUEST.transition("endorse").who.roles


# -- guards -------------------------------------------------------------------------------------
SUBMIT_BREAKS = [
    ({"opportunity_id": None}, "Choose the opportunity from the catalog, or describe it: its title and its provider."),
    ({"opportunity_id": None, "title": "Orton-Gillingham", "provider_name": "  "},
     "Choose the opportunity from the catalog, or describe it: its title and its provider."),
    ({"cost": None}, "Give the cost (enter 0 if it is free)."),
    ({"cost": Decimal("-1")}, "The cost cannot be negative."),
    ({"starts_on": None}, "Give the dates: when it starts and when it ends."),
    ({"ends_on": date(2026, 11, 1)}, "The end date (November 1, 2026) is before the start date (November 2, 2026)."),
    ({"rationale": " "}, "Explain why: write the rationale."),
    ({"need_term_id": None}, "Explain why: choose the need it addresses."),
    ({"rationale": "", "need_term_id": None}, "Explain why: write the rationale and choose the need it addresses."),
]


@pytest.mark.parametrize(("change", "message"), SUBMIT_BREAKS)
def test_submit_guards(change, message):
    case = replace(FakePLRequest(), **change)
    with pytest.raises(TransitionRefused) as err:
        PL_REQUEST.fire(case, "submit", PERSONAS["requester"], ctx_for("submit"))
    assert err.value.messages == [message]
    assert case.state is S.DRAFT


def test_a_described_opportunity_passes_and_every_problem_is_listed_at_once():
    described = FakePLRequest(opportunity_id=None, title="Orton-Gillingham", provider_name="IMSE")
    assert PL_REQUEST.refusals(described, "submit", PERSONAS["requester"], ctx_for("submit")) == []
    empty = FakePLRequest(opportunity_id=None, cost=None, starts_on=None, rationale="", need_term_id=None)
    assert len(PL_REQUEST.refusals(empty, "submit", PERSONAS["requester"], ctx_for("submit"))) == 4


@pytest.mark.parametrize(("trigger", "state", "actor", "message"), [
    ("return", S.SUBMITTED, "school leader", "Write a comment telling the educator what to change."),
    ("deny", S.SUBMITTED, "school leader", "Give a reason."),
])
def test_comment_and_reason_are_required(trigger, state, actor, message):
    case = FakePLRequest(state=state)
    ctx = ctx_for(trigger, comment="  ", reason="")
    assert PL_REQUEST.refusals(case, trigger, PERSONAS[actor], ctx) == [message]


def test_completion_guards():
    base = FakePLRequest(state=S.APPROVED)
    me = PERSONAS["requester"]
    now = {"now": NOW}
    assert PL_REQUEST.refusals(replace(base, attended=False), "complete", me, now) == ["Confirm that you attended."]
    assert PL_REQUEST.refusals(replace(base, reflection=" "), "complete", me, now) == [
        "Write a reflection on what you learned and how you will use it."]
    assert PL_REQUEST.refusals(replace(base, hours_completed=None, pdps_earned=None), "complete", me, now) == [
        "Record the hours you attended.", "Record the PDPs earned (0 if none)."]
    assert PL_REQUEST.refusals(replace(base, pdps_earned=0), "complete", me, now) == []


def test_a_completion_comes_after_the_last_session():
    me = PERSONAS["requester"]
    case = FakePLRequest(state=S.APPROVED)  # the last session ends November 4, 2026 at 5 pm in Boston
    before = {"now": datetime(2026, 11, 4, 21, 59, tzinfo=UTC)}
    assert PL_REQUEST.refusals(case, "complete", me, before) == [
        "Record completion after the PL has ended: its last session ends on Wednesday, November 4, 2026 at "
        "5:00 PM. Come back then."]
    with pytest.raises(TransitionRefused):
        PL_REQUEST.fire(case, "complete", me, before)
    assert case.state is S.APPROVED
    assert PL_REQUEST.refusals(case, "complete", me, {"now": datetime(2026, 11, 4, 22, 0, tzinfo=UTC)}) == []


def test_a_described_pl_is_completed_from_its_end_date():
    me = PERSONAS["requester"]
    # A described PL ends on its end date; the time is unknown, so from the start of that day in Boston.
    case = FakePLRequest(state=S.APPROVED, opportunity_id=None, title="Reading Recovery", provider_name="Lesley",
                         ends_at=datetime(2026, 11, 4, 5, 0, tzinfo=UTC), scheduled_hours=None)
    assert PL_REQUEST.refusals(case, "complete", me, {"now": datetime(2026, 11, 4, 4, 59, tzinfo=UTC)}) == [
        "Record completion once the PL has ended: it ends on November 4, 2026. Come back on that day or later."]
    assert PL_REQUEST.refusals(case, "complete", me, {"now": datetime(2026, 11, 4, 5, 0, tzinfo=UTC)}) == []


@pytest.mark.parametrize(("hours", "pdps", "scheduled", "problem"), [
    ("12", 40, "12", "40 PDPs is more than the 12 hours you attended: Massachusetts gives one PDP per clock hour, "
                     "so record at most 12 PDPs."),
    ("1.5", 2, None, "2 PDPs is more than the 1.5 hours you attended: Massachusetts gives one PDP per clock hour, "
                     "so record at most 1 PDP."),
    ("13", 12, "12", "You recorded 13 hours, more than the 12 hours this PL is scheduled for. Record the hours you "
                     "actually attended."),
    ("12", 12, "12", None),
    ("1.5", 1, None, None),
    ("40", 40, None, None),  # a described PL: the hours it is scheduled for are not known
])
def test_pdps_follow_one_per_clock_hour_and_hours_fit_the_schedule(hours, pdps, scheduled, problem):
    case = FakePLRequest(state=S.APPROVED, hours_completed=Decimal(hours), pdps_earned=pdps,
                         scheduled_hours=Decimal(scheduled) if scheduled else None)
    refused = PL_REQUEST.refusals(case, "complete", PERSONAS["requester"], {"now": NOW})
    assert refused == ([problem] if problem else [])
    if problem:
        with pytest.raises(TransitionRefused) as err:
            PL_REQUEST.fire(case, "complete", PERSONAS["requester"], {"now": NOW})
        field = "pdps_earned" if "PDP" in problem else "hours_completed"
        assert err.value.problems == [(field, problem)]  # the form puts it beside its field


# -- the budget and the joint decision ------------------------------------------------------------
def test_approval_needs_funds_left_in_the_years_budget():
    chair = PERSONAS["BPS co-chair"]
    short = FakePLRequest(state=S.ENDORSED, left=Decimal("449.99"))
    assert PL_REQUEST.refusals(short, "approve", chair, ctx_for("approve")) == [
        "The cost of $450.00 is more than the $449.99 left in the 2026-27 PL budget."]
    exact = FakePLRequest(state=S.ENDORSED, left=Decimal("450.00"))
    assert PL_REQUEST.refusals(exact, "approve", chair, ctx_for("approve")) == []
    unset = FakePLRequest(state=S.ENDORSED, left=None)
    assert PL_REQUEST.refusals(unset, "approve", chair, ctx_for("approve")) == [
        "No PL budget is set for 2026-27; program staff set it first."]


def test_joint_decision_needs_a_recorded_decision_for_that_outcome_from_the_other_side():
    case = FakePLRequest(state=S.ENDORSED)
    bps, btu = PERSONAS["BPS co-chair"], PERSONAS["BTU co-chair (recorded it)"]
    none = ctx_for("approve", decision=None)
    assert PL_REQUEST.refusals(case, "approve", bps, none) == [
        "A co-chair of one side must first record this decision; a co-chair of the other side then confirms it."]
    wrong = ctx_for("approve", decision=FakeDecision("deny"))
    assert PL_REQUEST.refusals(case, "approve", bps, wrong) == PL_REQUEST.refusals(case, "approve", bps, none)
    assert PL_REQUEST.refusals(case, "approve", btu, ctx_for("approve")) == [
        "Carla Chair of the BTU side recorded this decision, so a co-chair of the BPS side must confirm it."]
    assert PL_REQUEST.refusals(case, "deny", PERSONAS["co-chair without a side"], ctx_for("deny")) == [
        "A co-chair must belong to the BTU or the BPS side to take part in a decision."]
    # The school leader cannot deny once it is endorsed: that is the committee's, jointly.
    assert PL_REQUEST.refusals(case, "deny", PERSONAS["school leader"], ctx_for("deny")) == [
        "Only the committee's co-chairs decide PL requests that cost money, and they decide jointly."]


def test_a_free_request_is_approved_only_automatically():
    free = FakePLRequest(state=S.ENDORSED, cost=Decimal("0"), left=None)
    assert PL_REQUEST.refusals(free, "approve", PERSONAS["BPS co-chair"], ctx_for("approve")) == [
        "A request that costs nothing is approved automatically when it is endorsed."]
    assert PL_REQUEST.refusals(free, "approve", None, {"automatic": True}) == []  # no budget needed
    assert PL_REQUEST.fire(free, "approve", None, {"automatic": True}) == (S.ENDORSED, S.APPROVED)


def test_actions_for_shows_each_persona_only_their_own_steps():
    def triggers(state, persona):
        return [t.trigger for t in PL_REQUEST.actions_for(FakePLRequest(state=state), PERSONAS[persona])]

    assert triggers(S.DRAFT, "requester") == ["submit", "cancel"]
    assert triggers(S.SUBMITTED, "school leader") == ["endorse", "return", "deny"]
    assert triggers(S.SUBMITTED, "other school's leader") == []
    # A co-chair may take part in approve and deny, which are joint: taken in the decision panel, never a button.
    assert triggers(S.ENDORSED, "BPS co-chair") == ["return", "approve", "deny"]
    endorsed = FakePLRequest(state=S.ENDORSED)
    assert [t.trigger for t in PL_REQUEST.actions_for(endorsed, PERSONAS["BPS co-chair"])
            if t.is_joint(endorsed)] == ["approve", "deny"]
    assert triggers(S.APPROVED, "requester") == ["complete", "cancel"]
    assert triggers(S.COMPLETED, "requester") == []


@pytest.mark.parametrize(("day", "year"), [
    (date(2026, 6, 30), "2025-26"), (date(2026, 7, 1), "2026-27"), (date(2099, 12, 31), "2099-00"),
])
def test_school_year_runs_july_to_june(day, year):
    assert school_year_of(day) == year
