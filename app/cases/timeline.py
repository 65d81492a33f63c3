"""A case's timeline: its audit events as a viewer reads them, oldest first (newest last).

Proposals and PL requests build theirs the same way; each passes its workflow (for the state and
transition labels), its labels for the events that are not transitions, how it describes an
event's data, and the triggers this viewer may not see.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from workflows import Workflow


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor_name: str
    label: str
    from_label: str | None
    to_label: str | None
    is_transition: bool
    comment: str
    detail: str


def state_label(workflow: Workflow, value: str | None) -> str | None:
    """The label of a stored state value; an unknown value as it is; None for None."""
    if value is None:
        return None
    try:
        return workflow.state_labels[workflow.states(value)]
    except ValueError:
        return value


def event_label(workflow: Workflow, event_labels: dict[str, str], event: AuditEvent,
                transitions_only: bool = False) -> str:
    """A transition's button words; else the event's own label; else the trigger in words.

    ``transitions_only``: a trigger of the workflow's is labelled as the transition only when the
    event is a transition.
    """
    t = workflow.by_trigger.get(event.trigger)
    if t is not None and (event.is_transition or not transitions_only):
        return t.label
    return event_labels.get(event.trigger, event.trigger.replace("_", " ").capitalize())


def build(
    case_type: str,
    case_id: int,
    *,
    workflow: Workflow,
    event_labels: dict[str, str],
    detail: Callable[[AuditEvent], str],
    hidden: Collection[str] = (),
    transitions_only: bool = False,
) -> list[TimelineEntry]:
    """The case's audit events but those whose trigger is in ``hidden``, oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.case_type == case_type, AuditEvent.case_id == case_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    if hidden:
        query = query.where(AuditEvent.trigger.not_in(hidden))
    return [
        TimelineEntry(
            at=e.at,
            actor_name=e.actor.name if e.actor is not None else "The system",
            label=event_label(workflow, event_labels, e, transitions_only),
            from_label=state_label(workflow, e.from_state),
            to_label=state_label(workflow, e.to_state),
            is_transition=e.is_transition,
            comment=e.comment or "",
            detail=detail(e),
        )
        for e in db.session.scalars(query).unique()
    ]
