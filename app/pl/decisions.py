"""Joint decisions on PL requests that cost money: one side's co-chair records approve or deny with
feedback, a co-chair of the other side confirms it, and only the confirmation fires the request's
transition (through ``advance``). Both names and times stay on the record.

A decision whose confirmation could not pass now (the request is no longer endorsed, or its cost is
more than is left of the year's PL budget) is refused when it is recorded. An approval's
confirmation locks the year's PL budget row before the workflow's guard reads what is left, so
two confirmations at once can never over-commit it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.cases import joint, notify
from app.cases.advance import lock, record_event
from app.cases.joint import OTHER_SIDE
from app.cases.permissions import can_take_part_in_pl_decision
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import PLDecision, PLDecisionOutcome, PLRequest, PLRequestState, User
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
    """What the guards read when the other side confirms: the decision, and its feedback as the text
    fields the transition asks for (a denial's reason)."""
    fields = PL_REQUEST.transition(stand_in.outcome).fields
    return {"today": clock.today(), "decision": stand_in, **{name: stand_in.feedback for name in fields}}


def refuse_unless_participant(actor: User | None) -> None:
    """A refusal of the person (403 on a page) unless ``actor`` takes part in the committee's decisions."""
    refusal = participation_refusal(actor)
    if refusal:
        raise DecisionError(refusal, forbidden=True)


def propose(request: PLRequest, actor: User, outcome: str = "", feedback: str = "",
            fields: Callable[[], dict] | None = None) -> PLDecision:
    """Record ``actor``'s side's decision on ``request``; it waits for the other side's co-chair.
    ``fields``, a form's reader, gives the outcome and feedback once the actor is known to take part."""
    refuse_unless_participant(actor)
    if fields is not None:
        data = fields()
        outcome, feedback = data.get("outcome") or "", data.get("feedback") or ""
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
    """The other side's co-chair confirms: the request's transition fires. An approval locks the year's
    PL budget row before its guard reads what is left (the transition declares ``locks=("budget",)``),
    so two approvals at once cannot over-commit it."""
    refuse_unless_participant(actor)
    return joint.confirm(decision.request, decision, actor, DecisionError)


def withdraw(decision: PLDecision, actor: User) -> PLDecision:
    """The co-chair who recorded a pending decision takes it back (no one else may: 403 on a page)."""
    refuse_unless_participant(actor)
    if decision.proposed_by_id != actor.id:
        raise DecisionError(f"Only {decision.proposed_by_name}, who recorded this decision, can withdraw it.",
                            forbidden=True)
    event = joint.mark_withdrawn(decision.request, decision, actor, DecisionError)
    record_event(decision.request, "withdraw_decision", actor, **event)
    db.session.flush()
    return decision


def not_confirm(decision: PLDecision, actor: User, comment: str = "", fields: Callable[[], dict] | None = None
                ) -> PLDecision:
    """The other side's co-chair sends the recorded decision back ("not confirmed") with a comment: audited,
    told to the co-chair who recorded it; the request stays endorsed and waits for a new decision. Only those
    who could confirm it may (403 for anyone else). ``fields``, a form's reader, gives the comment."""
    refuse_unless_participant(actor)
    if fields is not None:
        comment = fields().get("comment") or ""
    event = joint.mark_not_confirmed(decision.request, decision, actor, comment, DecisionError)
    record_event(decision.request, "not_confirm_decision", actor, **event)
    notify.decision_not_confirmed(decision, actor)
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


__all__ = ["DecisionError", "confirm", "not_confirm", "panel", "participation_refusal", "propose", "withdraw"]
