"""The TLF proposal workflow, tested without Flask or a database, table-driven from its declaration."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.workflows.fakes import (
    ABLE,
    CLOSES,
    CO_CHAIR_BPS,
    CO_CHAIR_BTU,
    CYCLE_NAME,
    EVERYONE,
    LEAD,
    OPENS,
    REVISION_DEADLINE,
    STAFF_USER,
    FakeDecision,
    passing_case,
    passing_context,
)
from workflows import TransitionRefused
from workflows.proposal import (
    CO_CHAIRS_JOINTLY,
    PROPOSAL,
    STATE_LABELS,
    TRANSITIONS,
    ProposalState,
)

S = ProposalState
WHOS = {t.who for t in TRANSITIONS}
JOINT = [t for t in TRANSITIONS if t.joint]


def _id(t):
    return t.trigger


# -- the declaration ---------------------------------------------------------------------------
def test_every_kind_of_who_has_someone_able_in_these_tests():
    assert WHOS <= set(ABLE), f"add an able actor for {WHOS - set(ABLE)} in tests/workflows/fakes.py"


def test_the_declaration_holds_every_transition_of_the_product():
    """PRODUCT.md's table, written out independently of the declaration."""
    product = {
        "submit": ({S.DRAFT}, S.SUBMITTED, "team lead"),
        "return_for_revision": ({S.SUBMITTED}, S.REVISIONS_REQUESTED, "program staff"),
        "begin_review": ({S.SUBMITTED}, S.IN_REVIEW, "program staff"),
        "request_revisions": ({S.IN_REVIEW}, S.REVISIONS_REQUESTED, "joint"),
        "resubmit": ({S.REVISIONS_REQUESTED}, S.SUBMITTED, "team lead"),
        "approve": ({S.IN_REVIEW}, S.APPROVED, "joint"),
        "decline": ({S.IN_REVIEW}, S.DECLINED, "joint"),
        "withdraw": ({S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.REVISIONS_REQUESTED}, S.WITHDRAWN, "team lead"),
        "activate": ({S.APPROVED}, S.ACTIVE, "program staff"),
        "submit_final_report": ({S.ACTIVE}, S.FINAL_REPORT_SUBMITTED, "team lead"),
        "return_report": ({S.FINAL_REPORT_SUBMITTED}, S.ACTIVE, "program staff"),
        "accept_report": ({S.FINAL_REPORT_SUBMITTED}, S.COMPLETED, "program staff"),
        "publish": ({S.COMPLETED}, S.PUBLISHED, "program staff"),
        "unpublish": ({S.PUBLISHED}, S.COMPLETED, "program staff"),
    }
    declared = {
        t.trigger: (set(t.sources), t.dest, "joint" if t.joint else t.who.name) for t in TRANSITIONS
    }
    assert declared == product


def test_the_table_rows_match_the_declaration():
    rows = PROPOSAL.table()
    assert [r["trigger"] for r in rows] == [t.trigger for t in TRANSITIONS]
    for row, t in zip(rows, TRANSITIONS, strict=True):
        assert row["from"] == ", ".join(s.value for s in t.sources)
        assert row["to"] == t.dest.value
        assert row["who"] == t.who.name
        assert row["guards"] == ("; ".join(g.description for g in t.guards) or "-")
    approve = next(r for r in rows if r["trigger"] == "approve")
    assert approve["who"].startswith("co-chairs jointly")
    assert "award ≤ request and ≤ what is left of the pool" in approve["guards"]
    assert next(r for r in rows if r["trigger"] == "accept_report")["guards"] == "-"


def test_the_machine_holds_exactly_the_declared_edges():
    machine = PROPOSAL.machine
    assert set(machine.events) == {t.trigger for t in TRANSITIONS}
    for t in TRANSITIONS:
        edges = machine.events[t.trigger].transitions
        assert set(edges) == {s.name for s in t.sources}, t.trigger
        for source in t.sources:
            assert [tr.dest for tr in edges[source.name]] == [t.dest.name]
    assert set(PROPOSAL.edges()) == {(s, t.dest, t.trigger) for t in TRANSITIONS for s in t.sources}


def test_every_state_has_a_label_and_is_reachable_from_draft():
    assert set(STATE_LABELS) == set(ProposalState)
    seen, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        state = frontier.pop()
        for t in PROPOSAL.from_state(state):
            if t.dest not in seen:
                seen.add(t.dest)
                frontier.append(t.dest)
    assert seen == set(ProposalState)


def test_an_unknown_trigger_is_refused_with_a_sentence():
    case = passing_case()
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(case, "approve_everything", LEAD, passing_context("approve_everything"))
    assert err.value.messages == ["There is no action called 'approve_everything'."]
    assert case.state is S.DRAFT


# -- every (state, trigger) pair ----------------------------------------------------------------
PAIRS = [(state, t) for state in ProposalState for t in TRANSITIONS]


@pytest.mark.parametrize(("state", "t"), PAIRS, ids=[f"{s.value}-{t.trigger}" for s, t in PAIRS])
def test_every_state_and_trigger(state, t):
    case = passing_case(state)
    actor = ABLE[t.who]
    ctx = passing_context(t.trigger)
    if state in t.sources:
        assert PROPOSAL.refusals(case, t.trigger, actor, ctx) == []
        before, after = PROPOSAL.fire(case, t.trigger, actor, ctx)
        assert (before, after) == (state, t.dest)
        assert case.state is t.dest
    else:
        with pytest.raises(TransitionRefused) as err:
            PROPOSAL.fire(case, t.trigger, actor, ctx)
        assert err.value.messages == [
            f"“{t.label}” is not possible while this proposal is {STATE_LABELS[state]}."
        ]
        assert err.value.trigger == t.trigger
        assert case.state is state


def test_the_engine_keeps_one_class_level_machine_and_no_models():
    machine = PROPOSAL.machine
    cases = [passing_case() for _ in range(50)]
    for case in cases:
        PROPOSAL.fire(case, "submit", LEAD, passing_context("submit"))
        PROPOSAL.fire(case, "begin_review", STAFF_USER, passing_context("begin_review"))
    assert all(c.state is S.IN_REVIEW for c in cases)
    assert PROPOSAL.machine is machine
    assert machine.models == []
    # The fakes were not decorated with trigger methods either (that is what add_model does).
    assert not hasattr(cases[0], "submit") and not hasattr(cases[0], "to_draft")


def test_auto_transitions_are_off():
    assert not any(name.startswith("to_") for name in PROPOSAL.machine.events)


# -- every guard's failure message, each on its own ---------------------------------------------
def _today(days_after):
    def set_today(case, ctx):
        ctx["today"] = days_after

    return set_today


def _set(**attrs):
    def apply(case, ctx):
        for name, value in attrs.items():
            if "." in name:
                owner, attr = name.split(".")
                setattr(getattr(case, owner), attr, value)
            else:
                setattr(case, name, value)

    return apply


def _decision(**attrs):
    def apply(case, ctx):
        ctx["decision"] = replace(ctx["decision"], **attrs)

    return apply


def _ctx(**values):
    def apply(case, ctx):
        ctx.update(values)

    return apply


# guard name -> (break exactly this guard, the sentence a user reads)
GUARD_FAILURES = {
    "cycle_is_open": (
        _today(CLOSES + timedelta(days=1)),
        f"The {CYCLE_NAME} cycle accepts proposals from September 1, 2026 to October 31, 2026; "
        "today is November 1, 2026.",
    ),
    "before_revision_deadline": (
        _today(REVISION_DEADLINE + timedelta(days=1)),
        f"The revision deadline for the {CYCLE_NAME} cycle was November 30, 2026.",
    ),
    "sections_complete": (
        _set(missing=["Plan", "How success is measured"]),
        "Fill in these sections first: Plan, How success is measured.",
    ),
    "team_of_two": (
        _set(**{"team.size": 1}),
        "A team needs at least two educators; this team has 1. Add a member first.",
    ),
    "budget_balances": (
        _set(budget_total=Decimal("9500.00")),
        "The budget lines add up to $9,500.00 but the request is $10,000.00.",
    ),
    "within_max_award": (
        _set(amount_requested=Decimal("16000.00"), budget_total=Decimal("16000.00")),
        "The request of $16,000.00 is more than the cycle's maximum award of $15,000.00.",
    ),
    "comment_required": (_ctx(comment="   "), "Write a comment telling the team what to revise."),
    "reason_required": (_ctx(reason=""), "Give a reason."),
    "reviewers_assigned": (
        _set(assigned={"BTU": 1}),
        "Assign more reviewers: the BPS side has 0 of 1.",
    ),
    "decision_has_feedback": (_decision(feedback="  "), "A joint decision needs feedback for the team."),
    "reviews_complete": (
        _set(submitted_reviews={"BTU": 1, "BPS": 0}),
        "Reviews are not complete: the BPS side has 0 of 1 submitted.",
    ),
    "award_fits": (
        _decision(award=Decimal("12000.00")),
        "The award of $12,000.00 is more than the $10,000.00 requested.",
    ),
    "report_dates_set": (
        _set(**{"cycle.final_report_due": None}),
        "Set the 2026-27 Teacher Leadership Fund cycle's progress report and final report due dates first: "
        "activation gives the team those dates.",
    ),
    "agreement_accepted": (
        _set(agreement_accepted_at=None),
        "The team lead has not accepted the grant agreement yet.",
    ),
    "final_report_complete": (
        _set(report_missing=["the final report"]),
        "Finish the final report first: the final report.",
    ),
    "spending_within_award": (
        _set(spent_total=Decimal("10500.00")),
        "Spending of $10,500.00 is more than the award of $10,000.00.",
    ),
    "summary_drafted": (_set(summary_drafted=False), "Draft the learning summary first."),
    "team_consented": (
        _set(summary_consented=False),
        "The team has not consented to publish its learning summary.",
    ),
    "privacy_check_passed": (
        _set(privacy_flags_open=None),
        "Run the privacy check on the learning summary first.",
    ),
}

GUARD_PAIRS = [(t, g) for t in TRANSITIONS for g in t.guards]


def test_every_declared_guard_has_a_failure_case():
    declared = {g.name for t in TRANSITIONS for g in t.guards}
    assert declared - set(GUARD_FAILURES) == set(), "add a failure case for each new guard"
    assert set(GUARD_FAILURES) - declared == set(), "a failure case for a guard no longer declared"


@pytest.mark.parametrize(("t", "g"), GUARD_PAIRS, ids=[f"{t.trigger}-{g.name}" for t, g in GUARD_PAIRS])
def test_each_guard_alone_refuses_with_its_message(t, g):
    state = t.sources[0]
    case = passing_case(state)
    ctx = passing_context(t.trigger)
    breaker, message = GUARD_FAILURES[g.name]
    breaker(case, ctx)
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(case, t.trigger, ABLE[t.who], ctx)
    assert err.value.messages == [message]
    assert case.state is state
    assert g(case, {"trigger": t.trigger, **ctx}) == message


@pytest.mark.parametrize(
    ("trigger", "breaker", "message"),
    [
        ("submit", _set(amount_requested=Decimal("0.00"), budget_total=Decimal("0.00")),
         "The amount requested must be more than $0.00."),
        ("approve", _decision(award=None), "An approval needs an award of more than $0.00."),
        ("approve", _decision(award=Decimal("0.00")), "An approval needs an award of more than $0.00."),
        ("approve", _set(**{"cycle.remaining": Decimal("5000.00")}),
         f"The award of $10,000.00 is more than the $5,000.00 left in the {CYCLE_NAME} pool."),
        ("begin_review", _set(assigned={}),
         "Assign more reviewers: the BTU side has 0 of 1; the BPS side has 0 of 1."),
        ("begin_review", _set(conflicted_names=["Rita Btu (BTU)"]),
         "These reviewers declared a conflict with this proposal; unassign them: Rita Btu (BTU)."),
        ("begin_review", _set(assigned={"BTU": 0, "BPS": 1}, conflicted_names=["Rita Btu (BTU)"]),
         "Assign more reviewers: the BTU side has 0 of 1. "
         "These reviewers declared a conflict with this proposal; unassign them: Rita Btu (BTU)."),
        ("publish", _set(privacy_flags_open=1), "The learning summary has 1 unresolved privacy flag."),
        ("publish", _set(privacy_flags_open=3), "The learning summary has 3 unresolved privacy flags."),
        ("submit", _today(OPENS - timedelta(days=1)),
         f"The {CYCLE_NAME} cycle accepts proposals from September 1, 2026 to October 31, 2026; "
         "today is August 31, 2026."),
    ],
    ids=["zero-request", "no-award", "zero-award", "pool-short", "no-reviewers", "conflicted-reviewer",
         "short-and-conflicted", "one-flag", "three-flags", "before-opening"],
)
def test_more_guard_messages(trigger, breaker, message):
    t = PROPOSAL.transition(trigger)
    case = passing_case(t.sources[0])
    ctx = passing_context(trigger)
    breaker(case, ctx)
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(case, trigger, ABLE[t.who], ctx)
    assert err.value.messages == [message]
    assert case.state is t.sources[0]


def test_a_missing_request_is_reported_once_as_a_section():
    case = passing_case()
    case.amount_requested = None
    case.missing = ["Amount requested"]
    assert PROPOSAL.refusals(case, "submit", LEAD, passing_context("submit")) == [
        "Fill in these sections first: Amount requested."
    ]


def test_every_failing_guard_is_reported_at_once():
    case = passing_case()
    case.missing = ["Timeline"]
    case.team.size = 1
    case.budget_total = Decimal("9500.00")
    ctx = passing_context("submit")
    ctx["today"] = CLOSES + timedelta(days=1)
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(case, "submit", LEAD, ctx)
    assert err.value.messages == [
        GUARD_FAILURES["cycle_is_open"][1],
        "Fill in these sections first: Timeline.",
        GUARD_FAILURES["team_of_two"][1],
        GUARD_FAILURES["budget_balances"][1],
    ]
    assert case.state is S.DRAFT


def test_the_boundaries_of_the_dates_and_the_money_pass():
    case = passing_case()
    case.amount_requested = case.budget_total = Decimal("15000.00")
    ctx = passing_context("submit")
    ctx["today"] = CLOSES  # the last day still counts
    assert PROPOSAL.fire(case, "submit", LEAD, ctx) == (S.DRAFT, S.SUBMITTED)
    revising = passing_case(S.REVISIONS_REQUESTED)
    ctx = passing_context("resubmit")
    ctx["today"] = REVISION_DEADLINE
    assert PROPOSAL.fire(revising, "resubmit", LEAD, ctx) == (S.REVISIONS_REQUESTED, S.SUBMITTED)
    in_review = passing_case(S.IN_REVIEW)
    in_review.cycle.remaining = Decimal("10000.00")
    assert PROPOSAL.fire(in_review, "approve", CO_CHAIR_BPS, passing_context("approve"))[1] is S.APPROVED


def test_guards_are_not_run_for_someone_who_may_not_act():
    case = passing_case()
    case.team.size = 1
    assert PROPOSAL.refusals(case, "submit", STAFF_USER, passing_context("submit")) == [
        "Only the team lead, Lena Lead, can do this."
    ]


# -- who -----------------------------------------------------------------------------------------
WHO_MESSAGES = {
    "team lead": "Only the team lead, Lena Lead, can do this.",
    "program staff": "Only program staff can do this.",
    "joint": "Only the committee's co-chairs decide proposals, and they decide jointly.",
}


def _who_key(t):
    return "joint" if t.joint else t.who.name


def _may(t, persona):
    actor = EVERYONE[persona]
    if t.joint:
        return actor.has_role("co_chair")
    if t.who.name == "team lead":
        return actor.id == passing_case().team.lead_id
    return bool(t.who.roles & actor.role_names)


REFUSED = [(t, p) for t in TRANSITIONS for p in EVERYONE if not _may(t, p)]


@pytest.mark.parametrize(("t", "persona"), REFUSED, ids=[f"{t.trigger}-{p}" for t, p in REFUSED])
def test_everyone_else_is_refused_with_the_who_message(t, persona):
    state = t.sources[0]
    case = passing_case(state)
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(case, t.trigger, EVERYONE[persona], passing_context(t.trigger))
    assert err.value.messages == [WHO_MESSAGES[_who_key(t)]]
    assert case.state is state


@pytest.mark.parametrize("t", TRANSITIONS, ids=_id)
def test_nobody_signed_in_is_refused(t):
    case = passing_case(t.sources[0])
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(case, t.trigger, None, passing_context(t.trigger))
    assert err.value.messages == [WHO_MESSAGES[_who_key(t)]]


def test_each_transition_is_refused_to_someone():
    """The who-check is never a formality: every trigger has at least one persona refused."""
    refused_triggers = {t.trigger for t, _ in REFUSED}
    assert refused_triggers == {t.trigger for t in TRANSITIONS}


# -- the two-key rule ------------------------------------------------------------------------------
@pytest.mark.parametrize("t", JOINT, ids=_id)
def test_a_co_chair_cannot_decide_alone_without_a_recorded_decision(t):
    case = passing_case(S.IN_REVIEW)
    ctx = passing_context(t.trigger)
    ctx["decision"] = None
    for co_chair in (CO_CHAIR_BTU, CO_CHAIR_BPS):
        with pytest.raises(TransitionRefused) as err:
            PROPOSAL.fire(case, t.trigger, co_chair, ctx)
        assert err.value.messages == [
            "A co-chair of one side must first record this decision; "
            "a co-chair of the other side then confirms it."
        ]
    assert case.state is S.IN_REVIEW


@pytest.mark.parametrize("t", JOINT, ids=_id)
def test_the_recorders_own_side_cannot_confirm(t):
    case = passing_case(S.IN_REVIEW)
    ctx = passing_context(t.trigger)  # recorded by Carla Chair, BTU
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(case, t.trigger, CO_CHAIR_BTU, ctx)
    assert err.value.messages == [
        "Carla Chair of the BTU side recorded this decision, so a co-chair of the BPS side must confirm it."
    ]
    assert case.state is S.IN_REVIEW


@pytest.mark.parametrize("t", JOINT, ids=_id)
def test_the_other_side_confirms_and_the_transition_fires(t):
    case = passing_case(S.IN_REVIEW)
    assert PROPOSAL.fire(case, t.trigger, CO_CHAIR_BPS, passing_context(t.trigger)) == (S.IN_REVIEW, t.dest)
    # and the other way round: BPS records, BTU confirms
    case = passing_case(S.IN_REVIEW)
    ctx = passing_context(t.trigger)
    ctx["decision"] = FakeDecision(outcome=t.trigger, proposed_side="BPS", proposed_by_name="Colin Chair")
    assert PROPOSAL.fire(case, t.trigger, CO_CHAIR_BTU, ctx) == (S.IN_REVIEW, t.dest)
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(passing_case(S.IN_REVIEW), t.trigger, CO_CHAIR_BPS, ctx)
    assert err.value.messages == [
        "Colin Chair of the BPS side recorded this decision, so a co-chair of the BTU side must confirm it."
    ]


@pytest.mark.parametrize("t", JOINT, ids=_id)
def test_a_conflicted_co_chair_cannot_confirm(t):
    case = passing_case(S.IN_REVIEW)
    case.conflicted_ids = {CO_CHAIR_BPS.id}
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(case, t.trigger, CO_CHAIR_BPS, passing_context(t.trigger))
    assert err.value.messages == [
        "You declared a conflict of interest with this proposal, so you cannot take part in its decision."
    ]
    assert case.state is S.IN_REVIEW


@pytest.mark.parametrize("t", JOINT, ids=_id)
def test_a_decision_for_another_outcome_does_not_count(t):
    case = passing_case(S.IN_REVIEW)
    ctx = passing_context(t.trigger)
    for other in (j.trigger for j in JOINT if j is not t):
        ctx["decision"] = FakeDecision(outcome=other)
        with pytest.raises(TransitionRefused) as err:
            PROPOSAL.fire(case, t.trigger, CO_CHAIR_BPS, ctx)
        assert err.value.messages[0].startswith("A co-chair of one side must first record this decision")
    assert case.state is S.IN_REVIEW


def test_a_co_chair_without_a_side_cannot_take_part():
    sideless = replace(CO_CHAIR_BPS, side=None)
    case = passing_case(S.IN_REVIEW)
    with pytest.raises(TransitionRefused) as err:
        PROPOSAL.fire(case, "approve", sideless, passing_context("approve"))
    assert err.value.messages == [
        "A co-chair must belong to the BTU or the BPS side to take part in a decision."
    ]


def test_every_joint_transition_is_marked_joint_and_only_co_chairs_take_part():
    assert {t.trigger for t in JOINT} == {"approve", "request_revisions", "decline"}
    assert all(t.who is CO_CHAIRS_JOINTLY for t in JOINT)
    assert CO_CHAIRS_JOINTLY.roles == frozenset({"co_chair"})


# -- the buttons a user sees -------------------------------------------------------------------------
def test_actions_offered_are_only_what_the_viewer_may_do_now():
    def offered(state, actor):
        return [t.trigger for t in PROPOSAL.actions_for(passing_case(state), actor)]

    assert offered(S.DRAFT, LEAD) == ["submit", "withdraw"]
    assert offered(S.DRAFT, EVERYONE["team member (not the lead)"]) == []
    assert offered(S.DRAFT, STAFF_USER) == []
    assert offered(S.SUBMITTED, STAFF_USER) == ["return_for_revision", "begin_review"]
    assert offered(S.SUBMITTED, LEAD) == ["withdraw"]
    assert offered(S.IN_REVIEW, CO_CHAIR_BTU) == ["request_revisions", "approve", "decline"]
    assert offered(S.IN_REVIEW, EVERYONE["reviewer"]) == []
    assert offered(S.IN_REVIEW, None) == []
    assert offered(S.WITHDRAWN, LEAD) == []
    assert offered(S.DECLINED, STAFF_USER) == []
