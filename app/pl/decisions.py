"""Joint decisions on PL requests that cost money: one side's co-chair records approve or deny with
feedback, a co-chair of the other side confirms it, and only the confirmation fires the request's
transition (through ``advance``). Both names and times stay on the record.

A decision whose confirmation could not pass now (the request is no longer endorsed, or its cost is
more than is left of the year's PL budget) is refused when it is recorded. An approval's
confirmation locks the year's PL budget row before the workflow's guard reads what is left, so
two confirmations at once can never over-commit it.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.cases import joint, notify
from app.cases.advance import advance, lock, record_event
from app.cases.joint import OTHER_SIDE
from app.cases.permissions import can_take_part_in_pl_decision
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import PLDecision, PLDecisionOutcome, PLRequest, PLRequestState, User
from app.pl import budgets as pl_budgets
from workflows.pl_request import PL_REQUEST

S = PLRequestState
MAX_FEEDBACK = 10000


class DecisionError(FormError):
    """A refusal a user reads. ``fields`` maps form fields to the message shown beside them."""


@dataclass(frozen=True)
class _Proposed:
    """What the workflow's who-check reads of a decision before it is saved."""

    outcome: str
    feedback: str
    proposed_side: str
    proposed_by_name: str


def participation_refusal(actor: User | None) -> str | None:
    if actor is None or not actor.has_role("co_chair"):
        return "Only the committee's co-chairs decide PL requests that cost money, and they decide jointly."
    if actor.side_name not in OTHER_SIDE:
        return "A co-chair must belong to the BTU or the BPS side to take part in a decision."
    return None


def _ctx(request: PLRequest, stand_in) -> dict:
    ctx = {"today": clock.today(), "decision": stand_in}
    if stand_in.outcome == "deny":
        ctx["reason"] = stand_in.feedback
    return ctx


def propose(request: PLRequest, actor: User, outcome: str, feedback: str = "") -> PLDecision:
    """Record ``actor``'s side's decision on ``request``; it waits for the other side's co-chair."""
    refusal = participation_refusal(actor)
    if refusal:
        raise DecisionError(refusal)
    try:
        outcome = PLDecisionOutcome(outcome)
    except ValueError:
        raise DecisionError("Choose an outcome: approve or deny.", {"outcome": "Choose approve or deny."}) from None
    request = lock(request)  # one decision at a time: two co-chairs recording at once queue here
    if request.state is not S.ENDORSED:
        raise DecisionError(f"Only an endorsed request is decided by the committee; this one is "
                            f"{request.state_label.lower()}.")
    if request.is_free:
        raise DecisionError("A request that costs nothing is approved automatically when it is endorsed.")
    joint.refuse_if_pending(PLDecision, PLDecision.request_id, request.id, DecisionError)
    feedback = (feedback or "").strip()
    if not feedback:
        msg = "Write feedback for the educator (for a denial, it is the reason they read)."
        raise DecisionError(msg, {"feedback": msg})
    if len(feedback) > MAX_FEEDBACK:
        msg = f"Keep the feedback to {MAX_FEEDBACK:,} characters."
        raise DecisionError(msg, {"feedback": msg})

    side = actor.side_name
    stand_in = _Proposed(outcome.value, feedback, side, actor.name)
    problems = PL_REQUEST.refusals(request, outcome.value, joint.other_side_co_chair(side),
                                   _ctx(request, stand_in))
    if problems:
        raise DecisionError(problems)

    decision = PLDecision(request_id=request.id, outcome=outcome, feedback=feedback, proposed_by_id=actor.id,
                          proposed_side=actor.side, proposed_at=clock.now())
    db.session.add(decision)
    db.session.flush()
    record_event(
        request, "record_decision", actor, comment=joint.recorded_comment(actor, side),
        data={"decision_id": decision.id, "outcome": outcome.value, "side": side},
    )
    notify.pl_decision_recorded(decision, actor)
    db.session.flush()
    db.session.expire(request, ["decisions"])
    return decision


def confirm(decision: PLDecision, actor: User) -> PLDecision:
    """The other side's co-chair confirms: the request's transition fires.

    An approval first locks the year's PL budget row, so what the guard reads as left cannot change
    under it. Raises ``DecisionError`` for a decision that is no longer pending, and the workflow's
    ``TransitionRefused`` (same side, state, budget) with its messages.
    """
    joint.refuse_unless_pending(decision, DecisionError)
    request = decision.request
    if decision.outcome is PLDecisionOutcome.APPROVE:
        pl_budgets.lock_year(request.budget_year)
    now = clock.now()
    data = {"decision": decision}
    if decision.outcome is PLDecisionOutcome.DENY:
        data["reason"] = decision.feedback
    advance(
        request, decision.outcome.value, actor,
        comment=joint.confirmation_comment(decision, actor),
        **data,
    )
    joint.mark_confirmed(decision, actor, now)
    row = db.session.get(PLRequest, request.id)
    row.decided_at = now
    db.session.flush()
    return decision


def withdraw(decision: PLDecision, actor: User) -> PLDecision:
    """The co-chair who recorded a pending decision takes it back."""
    event = joint.mark_withdrawn(decision, actor, DecisionError)
    record_event(decision.request, "withdraw_decision", actor, **event)
    db.session.flush()
    return decision


def panel(request: PLRequest, user) -> dict | None:
    """What ``pl/_decision_panel.html`` shows ``user``, or None when it is not for them.

    Co-chairs of an endorsed request that costs money: the pending decision and what they may do with
    it. Everyone who may see the request, once decided jointly: the decision with both names and times.
    """
    if not (user and getattr(user, "is_authenticated", False)):
        return None
    confirmed = next((d for d in request.decisions if d.confirmed_at is not None), None)
    open_ = request.state is S.ENDORSED and not request.is_free
    if not open_:
        return {"open": False, "confirmed": confirmed} if confirmed is not None else None
    if not user.has_role("co_chair", "staff"):
        return None
    pending = request.pending_decision
    takes_part = can_take_part_in_pl_decision(user)
    return {
        "open": True,
        "pending": pending,
        "confirmed": confirmed,
        "budget_left": request.budget_remaining(),
        "can_record": takes_part and pending is None,
        "can_confirm": bool(pending and takes_part and pending.proposed_side != user.side),
        "can_withdraw": bool(pending and pending.proposed_by_id == user.id),
        "waiting": bool(pending and takes_part and pending.proposed_side == user.side),
    }


__all__ = ["DecisionError", "confirm", "panel", "participation_refusal", "propose", "withdraw"]
