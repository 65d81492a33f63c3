"""What the two-key (joint co-chair) decisions of every workflow share.

A joint decision is recorded by a co-chair of one side (BTU or BPS) and confirmed by a co-chair
of the other side; the confirmation fires the trigger. Each workflow says in its own words who
decides (``not_co_chair``) and may add a check of its own (``before_decision``, e.g. a declared
conflict of interest); the side checks and the "record, then the other side confirms" sentences
are the same everywhere and live here.

The other side's co-chair may also send a recorded decision back ("not confirmed", with a comment):
``send_back_refusal`` says who may, from the same declaration.

Also here: the guards that ask the actor for a piece of text (a comment, a reason), each
workflow giving the sentence its users read.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workflows.engine import Context, Guard

SIDES = ("BTU", "BPS")


def other_side(side: str | None) -> str:
    return {"BTU": "BPS", "BPS": "BTU"}.get(side or "", "other")


def co_chair_joint_refusal(
    actor: Any,
    ctx: Context,
    *,
    not_co_chair: str,
    before_decision: Callable[[], str | None] | None = None,
) -> str | None:
    """None when ``actor`` may confirm the decision in ``ctx['decision']``, else the reason they may not.

    ``not_co_chair`` is the sentence for someone who is not a co-chair; ``before_decision`` runs
    once the actor is known to be a co-chair of a side, before the recorded decision is checked.
    """
    if actor is None or not actor.has_role("co_chair"):
        return not_co_chair
    if actor.side not in SIDES:
        return "A co-chair must belong to the BTU or the BPS side to take part in a decision."
    if before_decision is not None and (refusal := before_decision()):
        return refusal
    decision = ctx.get("decision")
    if decision is None or decision.outcome != ctx.get("trigger"):
        return (
            "A co-chair of one side must first record this decision; "
            "a co-chair of the other side then confirms it."
        )
    if decision.proposed_side == actor.side:
        return (
            f"{decision.proposed_by_name} of the {decision.proposed_side} side recorded this decision, "
            f"so a co-chair of the {other_side(actor.side)} side must confirm it."
        )
    return None


def send_back_refusal(workflow: Any, case: Any, actor: Any, decision: Any) -> str | None:
    """None when ``actor`` may send ``decision`` back ("not confirmed"), else the reason they may not.

    Two keys both ways: whoever may confirm a recorded decision may decline to, so the people are the
    ones the decision's transition declares (its who-check: a co-chair of the other side, with no
    declared conflict where the workflow says so), and only while the case is still where that
    transition starts. The guards are not asked: a decision that could not pass them is one to send back.
    """
    trigger = getattr(decision.outcome, "value", decision.outcome)
    t = workflow.transition(trigger)
    state = workflow.state_of(case)
    if state not in t.sources:
        return (f"This {workflow.name} is {workflow.label(state).lower()}, so the recorded decision can no "
                "longer be confirmed or sent back.")
    return t.who.check(case, actor, {"trigger": t.trigger, "decision": decision})


def text_required(field: str, message: str) -> Guard:
    """A guard named ``<field>_required``: the actor must supply non-blank ``ctx[field]``; else ``message``."""

    def check(case: Any, ctx: Context) -> str | None:
        if not (ctx.get(field) or "").strip():
            return message
        return None

    return Guard(f"{field}_required", f"{field} required", check)
