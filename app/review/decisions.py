"""Joint decisions: one side's co-chair records a decision, the other side's co-chair confirms it.

Only the confirmation fires the proposal's transition (through ``advance``); the workflow's
who-check (``CO_CHAIRS_JOINTLY``) refuses a confirmation from the recording side. A decision
that would not pass the transition's guards now is refused when it is recorded, so the
committee does not confirm something that cannot happen.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.cases import joint, notify
from app.cases.advance import lock, record_event
from app.cases.joint import OTHER_SIDE
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import Decision, DecisionOutcome, Proposal, ProposalState, User
from app.models.types import to_money
from workflows.proposal import PROPOSAL, award_fits

S = ProposalState
MAX_FEEDBACK = 10000
MAX_CONDITIONS = 5000


class DecisionError(FormError):
    """A refusal a user reads. ``fields`` maps form fields to the message shown beside them."""


@dataclass(frozen=True)
class _Proposed:
    """What the workflow's guards read of a decision before it is saved."""

    outcome: str
    award: Decimal | None
    feedback: str
    conditions: str
    proposed_side: str
    proposed_by_name: str


def participation_refusal(proposal: Proposal, actor: User) -> str | None:
    """Why ``actor`` cannot take part in deciding ``proposal`` at all, or None."""
    if actor is None or not actor.has_role("co_chair"):
        return "Only the committee's co-chairs decide proposals, and they decide jointly."
    if actor.side_name not in OTHER_SIDE:
        return "A co-chair must belong to the BTU or the BPS side to take part in a decision."
    if actor.id in proposal.conflicted_user_ids():
        return "You declared a conflict of interest with this proposal, so you cannot take part in its decision."
    return None


def _money(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise DecisionError("Enter the award in dollars, for example 12500.00.",
                            {"award": "Enter an amount in dollars, for example 12500.00."}) from None
    if not amount.is_finite():
        raise DecisionError("Enter the award in dollars, for example 12500.00.",
                            {"award": "Enter an amount in dollars, for example 12500.00."})
    return to_money(amount)


def propose(proposal: Proposal, actor: User, outcome: str | DecisionOutcome = "", award=None,
            conditions: str = "", feedback: str = "", fields: Callable[[], dict] | None = None) -> Decision:
    """Record ``actor``'s side's decision on ``proposal``; it waits for the other side's co-chair.
    ``fields``, a form's reader, gives the outcome, award, conditions and feedback once the actor is
    known to take part (someone who may not is refused as a person: 403 on a page)."""
    refusal = participation_refusal(proposal, actor)
    if refusal:
        raise DecisionError(refusal, forbidden=True)
    if fields is not None:
        data = fields()
        outcome, award = data.get("outcome") or "", data.get("award")
        conditions, feedback = data.get("conditions") or "", data.get("feedback") or ""
    try:
        outcome = DecisionOutcome(outcome)
    except ValueError:
        raise DecisionError("Choose an outcome: approve, request revisions or decline.",
                            {"outcome": "Choose an outcome."}) from None
    proposal = lock(proposal)  # one decision at a time: two co-chairs recording at once queue here
    joint.refuse_if_pending(Decision, Decision.proposal_id, proposal.id, DecisionError)
    award = _money(award)
    feedback = (feedback or "").strip()
    conditions = (conditions or "").strip()
    problems: list[str] = []
    fields: dict[str, str] = {}
    if not feedback:
        problems.append("Write feedback for the team.")
        fields["feedback"] = "Write feedback for the team."
    elif len(feedback) > MAX_FEEDBACK:
        problems.append(f"Keep the feedback to {MAX_FEEDBACK:,} characters.")
        fields["feedback"] = f"At most {MAX_FEEDBACK:,} characters."
    if len(conditions) > MAX_CONDITIONS:
        problems.append(f"Keep the conditions to {MAX_CONDITIONS:,} characters.")
        fields["conditions"] = f"At most {MAX_CONDITIONS:,} characters."
    if outcome is DecisionOutcome.APPROVE:
        if award is None:
            problems.append("An approval needs an award.")
            fields["award"] = "Enter the award."
        elif award <= 0:
            problems.append("The award must be more than $0.00.")
            fields["award"] = "The award must be more than $0.00."
    else:
        if award is not None:
            problems.append(f"An award is only given with an approval; clear the award to "
                            f"{outcome.label.lower()}.")
            fields["award"] = "Leave the award empty unless you approve."
        if conditions:
            problems.append(f"Conditions only go with an approval; clear them to {outcome.label.lower()}.")
            fields["conditions"] = "Leave the conditions empty unless you approve."
    if problems:
        raise DecisionError(problems, fields)

    side = actor.side_name
    stand_in = _Proposed(outcome.value, award, feedback, conditions, side, actor.name)
    ctx = {"today": clock.today(), "decision": stand_in}
    # Would the other side's confirmation pass now? (the state, then every guard of the transition)
    problems = PROPOSAL.refusals(proposal, outcome.value, joint.other_side_co_chair(side), ctx)
    if problems:
        award_problem = award_fits(proposal, ctx) if outcome is DecisionOutcome.APPROVE else None
        raise DecisionError(problems, {"award": award_problem} if award_problem else {})

    decision = Decision(
        proposal_id=proposal.id, outcome=outcome, award=award, conditions=conditions, feedback=feedback,
        proposed_by_id=actor.id, proposed_side=actor.side, proposed_at=clock.now(),
    )
    db.session.add(decision)
    db.session.flush()
    record_event(
        proposal, "record_decision", actor, comment=joint.recorded_comment(actor, side),
        data={"decision_id": decision.id, "outcome": outcome.value,
              "award": str(award) if award is not None else None, "side": side},
    )
    notify.decision_recorded(decision, actor)  # the other side's co-chairs: waiting for your confirmation
    db.session.flush()
    db.session.expire(proposal, ["decisions"])
    return decision


def confirm(decision: Decision, actor: User) -> Decision:
    """The other side's co-chair confirms: the transition fires, and its after-steps put the decision on
    the proposal (award, conditions, feedback, time). An approval locks the cycle's row before its guard
    reads what is left of the pool (``locks=("cycle",)``)."""
    return joint.confirm(decision.proposal, decision, actor, DecisionError)


def withdraw(decision: Decision, actor: User) -> Decision:
    """The co-chair who recorded a pending decision takes it back."""
    event = joint.mark_withdrawn(decision.proposal, decision, actor, DecisionError)
    record_event(decision.proposal, "withdraw_decision", actor, **event)
    db.session.flush()
    return decision


def not_confirm(decision: Decision, actor: User, comment: str = "", fields: Callable[[], dict] | None = None
                ) -> Decision:
    """The other side's co-chair sends the recorded decision back ("not confirmed") with a comment: audited
    (on the committee's timeline), told to the co-chair who recorded it; the proposal stays in review and
    waits for a new decision. Only those who could confirm it may (403 for anyone else, a co-chair with a
    declared conflict included). ``fields``, a form's reader, gives the comment once that is known."""
    proposal = decision.proposal
    refusal = participation_refusal(proposal, actor)
    if refusal:
        raise DecisionError(refusal, forbidden=True)
    if fields is not None:
        comment = fields().get("comment") or ""
    event = joint.mark_not_confirmed(proposal, decision, actor, comment, DecisionError)
    record_event(proposal, "not_confirm_decision", actor, **event)
    notify.decision_not_confirmed(decision, actor)
    db.session.flush()
    return decision
