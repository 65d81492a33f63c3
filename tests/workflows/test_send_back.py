"""Two keys both ways, from the declaration alone (no Flask, no database): who may send a recorded joint
decision back ("not confirmed") is who may confirm it: a co-chair of the other side (for a proposal, with
no declared conflict), only while the case is where the decision's transition starts. Guards are not asked:
a decision that could no longer pass them is one to send back."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.workflows.fakes import EVERYONE, FakeCase, FakeDecision
from tests.workflows.test_pl_request_workflow import PERSONAS, FakePLRequest
from tests.workflows.test_pl_request_workflow import FakeDecision as FakePLDecision
from workflows.joint import send_back_refusal
from workflows.pl_request import PL_REQUEST, PLRequestState
from workflows.proposal import PROPOSAL, ProposalState


@pytest.mark.parametrize("outcome", ["approve", "request_revisions", "decline"])
@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_only_the_other_sides_co_chair_may_send_a_proposal_decision_back(who, outcome):
    case = FakeCase(state=ProposalState.IN_REVIEW)
    refusal = send_back_refusal(PROPOSAL, case, EVERYONE[who], FakeDecision(outcome=outcome, proposed_side="BTU"))
    assert (refusal is None) == (who == "BPS co-chair"), refusal


def test_a_conflict_of_interest_keeps_a_co_chair_out_and_guards_are_not_asked():
    decision = FakeDecision(outcome="approve", award=Decimal("99999.00"))  # more than the pool: cannot pass
    case = FakeCase(state=ProposalState.IN_REVIEW)
    assert send_back_refusal(PROPOSAL, case, EVERYONE["BPS co-chair"], decision) is None
    case.conflicted_ids = {EVERYONE["BPS co-chair"].id}
    assert "declared a conflict of interest" in send_back_refusal(PROPOSAL, case, EVERYONE["BPS co-chair"], decision)


def test_not_once_the_case_moved_on():
    case = FakeCase(state=ProposalState.APPROVED)
    assert send_back_refusal(PROPOSAL, case, EVERYONE["BPS co-chair"], FakeDecision()) == (
        "This proposal is approved, so the recorded decision can no longer be confirmed or sent back.")


@pytest.mark.parametrize("outcome", ["approve", "deny"])
@pytest.mark.parametrize("who", sorted(PERSONAS))
def test_a_pl_request_decision_the_same_way(who, outcome):
    request = FakePLRequest(state=PLRequestState.ENDORSED)
    refusal = send_back_refusal(PL_REQUEST, request, PERSONAS[who], FakePLDecision(outcome=outcome))
    assert (refusal is None) == (who == "BPS co-chair"), refusal
