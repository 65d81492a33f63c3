"""What the two joint (two-key) decisions share: a proposal's and a PL request's.

One side's co-chair records a decision; a co-chair of the other side confirms it, and only the
confirmation fires the case's transition. The models stay apart (``Decision``, ``PLDecision``);
both have ``proposed_by_id``/``_name``/``_side``, ``outcome`` (with ``label``), ``confirmed_*``,
``withdrawn_*``, ``not_confirmed_*`` and ``is_pending`` (a SQL condition too). Each service passes its own
error class (a ``FormError``) and records its own events (``record_event`` with the comments made here).

Two keys both ways: the co-chair who could confirm a decision may send it back instead ("not confirmed",
with a comment for the co-chair who recorded it); the decision then waits for no one and a new one can be
recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from workflows.joint import send_back_refusal

OTHER_SIDE = {"BTU": "BPS", "BPS": "BTU"}


@dataclass(frozen=True)
class OtherSideCoChair:
    """A stand-in for 'a co-chair of the other side', to ask the workflow whether the decision
    could be confirmed now (state and guards), without anyone's conflict or side in the way."""

    side: str
    id: int = 0
    name: str = "the other side's co-chair"
    school_id: int | None = None
    role_names: frozenset = frozenset({"co_chair"})

    def has_role(self, *names: str) -> bool:
        return bool(self.role_names & set(names))


def other_side_co_chair(side: str) -> OtherSideCoChair:
    """The stand-in for a co-chair of the side opposite ``side`` (the recording co-chair's)."""
    return OtherSideCoChair(OTHER_SIDE[side])


def refuse_if_pending(model: Any, case_column: Any, case_id: int, error: type[FormError]) -> None:
    """Raise ``error`` when the case already has a decision waiting for confirmation."""
    pending = db.session.scalars(select(model).where(case_column == case_id, model.is_pending)).first()
    if pending is not None:
        raise error(
            f"{pending.proposed_by_name} ({pending.proposed_side.value}) already recorded a decision "
            f"({pending.outcome.label.lower()}) that is waiting for confirmation. "
            "It must be withdrawn before another decision is recorded."
        )


def recorded_comment(actor: Any, side: str) -> str:
    """The comment on the case's ``record_decision`` event: recorded, waiting for the other side."""
    return f"Decision recorded by {actor.name} ({side}); waiting for a {OTHER_SIDE[side]} co-chair to confirm."


def refuse_unless_pending(decision: Any, error: type[FormError]) -> None:
    """Raise ``error`` for a decision that was withdrawn, sent back or already confirmed."""
    if decision.withdrawn_at is not None:
        raise error("This decision was withdrawn, so there is nothing to confirm.")
    if decision.not_confirmed_at is not None:
        by = decision.not_confirmed_by
        raise error(f"This decision was already sent back (not confirmed) by {by.name if by else 'a co-chair'}; "
                    "a new decision can be recorded.")
    if decision.confirmed_at is not None:
        raise error(
            f"This decision was already confirmed by {decision.confirmed_by.name} "
            f"({decision.confirmed_side.value})."
        )


def confirmation_comment(decision: Any, actor: Any) -> str:
    """The comment on the transition a confirmation fires."""
    return (f"Joint decision ({decision.outcome.label.lower()}): recorded by {decision.proposed_by_name} "
            f"({decision.proposed_side.value}), confirmed by {actor.name} ({actor.side_name}).")


def confirm(case: Any, decision: Any, actor: Any, error: type[FormError]) -> Any:
    """The other side's co-chair confirms ``decision``: the transition named by its outcome fires on ``case``
    (its declared text fields, a reason, are the decision's feedback), then the decision is marked
    confirmed. Raises ``error`` for a decision no longer pending, and the workflow's ``TransitionRefused``
    (same side, conflict, state, guards) with its messages."""
    from app.cases.advance import advance, workflow_for

    decision = hold(decision)
    refuse_unless_pending(decision, error)
    t = workflow_for(case).transition(decision.outcome.value)
    now = clock.now()
    advance(case, t.trigger, actor, comment=confirmation_comment(decision, actor), decision=decision, now=now,
            **{name: decision.feedback for name in t.fields})
    decision.confirmed_by_id = actor.id
    decision.confirmed_side = actor.side
    decision.confirmed_at = now
    db.session.flush()
    return decision


def hold(decision: Any) -> Any:
    """Lock ``decision``'s row (``FOR UPDATE`` on PostgreSQL; SQLite's write lock, ``begin_writing``), then
    read it again, before asking whether it is still pending: of two co-chairs confirming or withdrawing it
    at once, the second waits for the first and then sees what the first did.

    The read comes after the lock, as a statement of its own: the locking statement would give the
    row's new columns but the people joined to it as they were when that statement began."""
    from app.cases.advance import begin_writing

    begin_writing()
    model = type(decision)
    db.session.execute(select(model.id).where(model.id == decision.id).with_for_update())
    db.session.refresh(decision)
    return decision


def mark_withdrawn(case: Any, decision: Any, actor: Any, error: type[FormError]) -> dict:
    """The co-chair who recorded a pending decision on ``case`` takes it back: raise ``error`` unless they
    may, mark it withdrawn, and return the comment and data of the case's ``withdraw_decision`` event.
    The case's row changes too (its update time, hence its version), so that a confirmation at the same
    moment, which changes the case, cannot also succeed."""
    decision = hold(decision)
    if not decision.is_pending:
        raise error("Only a decision waiting for confirmation can be withdrawn.")
    if actor is None or decision.proposed_by_id != actor.id:
        raise error(f"Only {decision.proposed_by_name}, who recorded this decision, can withdraw it.")
    decision.withdrawn_at = case.updated_at = clock.now()
    decision.withdrawn_by_id = actor.id
    return {
        "comment": f"Recorded decision withdrawn by {actor.name} ({actor.side_name}).",
        "data": {"decision_id": decision.id, "outcome": decision.outcome.value},
    }


MAX_SEND_BACK_COMMENT = 5000
# What the co-chair who sent a decision back reads (a proposal's or a PL request's alike).
SENT_BACK_DONE = ("Decision not confirmed: it is sent back to the co-chair who recorded it, with your comment. "
                  "A new decision can be recorded.")


def mark_not_confirmed(case: Any, decision: Any, actor: Any, comment: str, error: type[FormError]) -> dict:
    """The other side's co-chair sends back ``decision`` on ``case`` ("not confirmed") with ``comment``:
    raise ``error`` unless they may (the people who may confirm it, from the workflow's declaration: 403 for
    anyone else), mark it, and return the comment and data of the case's ``not_confirm_decision`` event.
    Like a withdrawal, the case's row changes too, so a confirmation at the same moment cannot also succeed."""
    from app.cases.advance import workflow_for

    decision = hold(decision)
    refuse_unless_pending(decision, error)
    wf = workflow_for(case)
    refusal = send_back_refusal(wf, case, actor, decision)
    if refusal:
        # The case moved on: a refusal of the act. Anyone else: a refusal of the person (403).
        moved_on = wf.state_of(case) not in wf.transition(decision.outcome.value).sources
        raise error(refusal, forbidden=not moved_on)
    comment = (comment or "").strip()
    if not comment:
        raise error("Write a comment for the co-chair who recorded it: why the decision is not confirmed.",
                    "comment")
    if len(comment) > MAX_SEND_BACK_COMMENT:
        raise error(f"Keep the comment to {MAX_SEND_BACK_COMMENT:,} characters.", "comment")
    decision.not_confirmed_at = case.updated_at = clock.now()
    decision.not_confirmed_by_id = actor.id
    decision.not_confirmed_comment = comment
    return {
        "comment": (f"Recorded decision ({decision.outcome.label.lower()}) by {decision.proposed_by_name} "
                    f"({decision.proposed_side.value}) not confirmed by {actor.name} ({actor.side_name}): {comment}"),
        "data": {"decision_id": decision.id, "outcome": decision.outcome.value, "side": actor.side_name},
    }

