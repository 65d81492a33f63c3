"""The one door through which a case changes state: ``advance``.

It locks the row, asks the workflow whether the actor may fire the trigger and which guards
fail, fires it, writes the audit event and flushes. The caller (a view) commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.cases import notify
from app.core import clock
from app.extensions import db
from app.models import AuditEvent, PLRequest, Proposal
from workflows import T, TransitionRefused, Workflow
from workflows.pl_request import PL_REQUEST
from workflows.proposal import PROPOSAL

WORKFLOWS: dict[type, tuple[str, Workflow]] = {
    Proposal: ("proposal", PROPOSAL),
    PLRequest: ("pl_request", PL_REQUEST),
}


def workflow_for(case: Any) -> Workflow:
    return WORKFLOWS[type(case)][1]


def case_type(case: Any) -> str:
    return WORKFLOWS[type(case)][0]


def lock(case: Any) -> Any:
    """Re-read the row FOR UPDATE (PostgreSQL) so that two people cannot move it at once.

    The version column catches the rest: a flush against a stale version raises StaleDataError.
    """
    model = type(case)
    return db.session.execute(
        select(model).where(model.id == case.id).with_for_update(of=model).execution_options(populate_existing=True)
    ).scalar_one()


def record_event(case: Any, trigger: str, actor: Any, comment: str = "", data: dict | None = None,
                 from_state: str | None = None, to_state: str | None = None) -> AuditEvent:
    """An audit event on a case. Transitions pass their states; other acts leave the state as it is."""
    state = case.state.value
    event = AuditEvent(
        case_type=case_type(case),
        case_id=case.id,
        trigger=trigger,
        from_state=from_state or state,
        to_state=to_state or state,
        actor_id=actor.id if actor is not None else None,
        at=clock.now(),
        comment=comment or "",
        data=data or {},
    )
    db.session.add(event)
    return event


def advance(case: Any, trigger: str, actor: Any, comment: str = "", **data: Any) -> AuditEvent:
    """Fire ``trigger`` on ``case`` as ``actor``. Raises TransitionRefused with every reason.

    ``data`` is the context the guards read (``reason``, ``decision``...); ``today`` defaults to
    today's date in Boston.
    """
    wf = workflow_for(case)
    row = lock(case)
    ctx = {"today": clock.today(), "comment": comment, **data}
    before, after = wf.fire(row, trigger, actor, ctx)
    audit_data = {k: str(v) for k, v in data.items() if k in ("reason",) and v}
    if "decision" in data and data["decision"] is not None:
        audit_data["decision_id"] = data["decision"].id
    event = record_event(row, trigger, actor, comment or data.get("reason", "") or "", audit_data,
                         from_state=before.value, to_state=after.value)
    # Whose turn it is now: their email (outbox) and in-app notification, in this transaction.
    notify.transition_fired(row, wf.transition(trigger), actor, comment=comment, data=data)
    db.session.flush()
    return event


def refusals(case: Any, trigger: str, actor: Any, **data: Any) -> list[str]:
    """What would stop ``actor`` firing ``trigger`` now (for showing reasons before they try)."""
    ctx = {"today": clock.today(), **data}
    return workflow_for(case).refusals(case, trigger, actor, ctx)


__all__ = ["Action", "TransitionRefused", "advance", "lock", "record_event", "refusals", "workflow_for"]


@dataclass(frozen=True)
class Action:
    """A transition the viewer may take now, with what would stop it if they clicked."""

    transition: T
    blockers: list[str]

    @property
    def trigger(self) -> str:
        return self.transition.trigger

    @property
    def label(self) -> str:
        return self.transition.label

    @property
    def fields(self) -> tuple[str, ...]:
        return self.transition.fields
