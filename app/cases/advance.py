"""The one door through which a case changes state: ``advance``; and ``fire``, the case page's buttons.

``advance`` locks the case's row and the rows its transition declares it reads (``T.locks``), asks
the workflow whether the actor may fire the trigger and which guards fail, fires it, writes the
audit event, queues the declared audiences' messages, runs the declared after-steps (``T.after``)
and flushes. The request pipeline (``app.web``) commits once. Everything a trigger does is in its
row in ``workflows/``; nothing here or in the areas names a trigger.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.cases import notify
from app.core import clock
from app.extensions import db
from app.models import AuditEvent, BudgetReallocation, Expenditure, PLRequest, Proposal
from workflows import NotAllowed, T, TransitionRefused, Workflow
from workflows.expenditure import EXPENDITURE, REALLOCATION
from workflows.pl_request import PL_REQUEST
from workflows.proposal import PROPOSAL

WORKFLOWS: dict[type, tuple[str, Workflow]] = {
    Proposal: ("proposal", PROPOSAL),
    PLRequest: ("pl_request", PL_REQUEST),
    Expenditure: ("expenditure", EXPENDITURE),
    BudgetReallocation: ("reallocation", REALLOCATION),
}


def workflow_for(case: Any) -> Workflow:
    return WORKFLOWS[type(case)][1]


def case_type(case: Any) -> str:
    return WORKFLOWS[type(case)][0]


def lock(row: Any) -> Any:
    """Re-read the row FOR UPDATE (PostgreSQL) so that two people cannot change it at once.

    SQLite has no row locks: there the whole database's write lock is taken first (``begin_writing``).
    The version column catches the rest: a flush against a stale version raises StaleDataError.
    """
    begin_writing()
    model = type(row)
    return db.session.execute(
        select(model).where(model.id == row.id).with_for_update(of=model).execution_options(populate_existing=True)
    ).scalar_one()


def begin_writing() -> None:
    """On SQLite, take the database's write lock now (``BEGIN IMMEDIATE``) unless this transaction already
    holds it, so that what is read next under a "row lock" cannot change before the commit: a second
    request waits here (up to the driver's busy timeout) as it would for a row lock on PostgreSQL.

    pysqlite opens a transaction only at the first write; reads before it see each commit as it lands,
    which is how two requests could both read the same pool, seat count or pending decision and both
    act on it. Nothing to do on PostgreSQL (``FOR UPDATE`` locks the row) or inside a transaction that
    has written already (it holds the write lock)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


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
    """Fire ``trigger`` on ``case`` as ``actor`` (None: the system). Raises TransitionRefused with every reason.

    ``data`` is the context the guards read (``reason``, ``decision``...); ``today`` defaults to
    today's date in Boston, ``now`` (what the guards compare with, and the after-steps stamp) to this moment.
    """
    wf = workflow_for(case)
    t = wf.transition(trigger)
    row = lock(case)
    for name in t.locks:  # what the guards read that others may change at the same moment
        related = getattr(row, name)
        if related is not None:
            lock(related)
    ctx = {"today": clock.today(), "now": clock.now(), "comment": comment, **data}
    before, after = wf.fire(row, trigger, actor, ctx)
    audit_data = {k: str(v) for k, v in data.items() if k in ("reason",) and v}
    if data.get("decision") is not None:
        audit_data["decision_id"] = data["decision"].id
    event = record_event(row, trigger, actor, comment or data.get("reason", "") or "", audit_data,
                         from_state=before.value, to_state=after.value)
    # Whose turn it is now: their email (outbox) and in-app notification, in this transaction. (Not
    # flushed on the way, so that the transition and its after-steps are one UPDATE of the case.)
    with db.session.no_autoflush:
        notify.transition_fired(row, wf, t, actor, comment=comment, data=data)
    if t.after:
        ctx.setdefault("now", clock.now())
        ctx.update(trigger=trigger, actor=actor, advance=_follow_on(row))
        for step in t.after:
            step(row, ctx)
    db.session.flush()
    return event


def _follow_on(row: Any) -> Callable[..., AuditEvent]:
    """What an after-step calls to fire a follow-on transition on the same case, as the system."""

    def fire_next(trigger: str, comment: str = "", **data: Any) -> AuditEvent:
        return advance(row, trigger, None, comment=comment, **data)

    return fire_next


def refusals(case: Any, trigger: str, actor: Any, **data: Any) -> list[str]:
    """What would stop ``actor`` firing ``trigger`` now (for showing reasons before they try)."""
    ctx = {"today": clock.today(), "now": clock.now(), **data}
    return workflow_for(case).refusals(case, trigger, actor, ctx)


# -- the case page's buttons ----------------------------------------------------------------------
def transition_or_404(case: Any, trigger: str) -> T:
    """The declared transition called ``trigger`` of ``case``'s workflow (or of the workflow given), a 404
    when there is none."""
    wf = case if isinstance(case, Workflow) else workflow_for(case)
    t = wf.by_trigger.get(trigger)
    if t is None:
        raise NotFound()
    return t


def authorize(case: Any, trigger: str, actor: Any) -> T:
    """The transition ``actor`` may take by its button on the case page, whatever the state; raises
    NotAllowed (403) for a joint decision (taken in the decision panel), a transition with a page of
    its own, or someone the declaration's who-check refuses."""
    t = transition_or_404(case, trigger)
    refusal = workflow_for(case).by_hand_refusal(case, trigger, actor)
    if refusal:
        raise NotAllowed([refusal], trigger)
    return t


def fire(case: Any, trigger: str, actor: Any, fields: Callable[[], dict] | None = None,
         **given: str) -> AuditEvent:
    """A button on the case page: authorize (403), then read what the actor typed for the fields the
    transition declares (``comment``, ``reason``) and ``advance``. ``fields``, a form's reader, is asked
    only once the actor may act, so an invalid form from someone who may not act is still a 403.
    Raises ``TransitionRefused`` with every reason (nothing changes)."""
    t = authorize(case, trigger, actor)
    if fields is not None:
        given = {**fields(), **given}
    data = {name: (given.get(name) or "").strip() for name in t.fields}
    comment = data.pop("comment", "")
    return advance(case, trigger, actor, comment=comment, **data)


def actions_for(case: Any, user: Any) -> list[Action]:
    """The actions this user may take now by a button, with what would stop each if they clicked.

    Joint decisions have the decision panel. A transition with a page of its own lists no blockers
    (its page says what is missing). A field the user types in the action's own form (a comment, a
    reason) is supplied when they click, so it is not listed.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    out = []
    for t in workflow_for(case).actions_for(case, user):
        if t.is_joint(case):
            continue
        if t.page:
            out.append(Action(t, []))
            continue
        supplied = {name: "(typed when the action is taken)" for name in t.fields}
        out.append(Action(t, refusals(case, t.trigger, user, **supplied)))
    return out


__all__ = ["Action", "TransitionRefused", "actions_for", "advance", "authorize", "fire", "lock", "record_event",
           "refusals", "workflow_for"]


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

    @property
    def page(self) -> str:
        return self.transition.page
