"""A person's history: what admins did to their account, the failed sign-ins on it, and the links sent
to set a password.

Audit events on the person (``case_type`` "user", ``case_id`` their id). A user has no workflow, so
these are recorded acts, never transitions: no state before or after.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from app.core import clock
from app.extensions import db
from app.models import AuditEvent, User

CASE_TYPE = "user"
SHOWN = 20

# What each recorded act is called on the person's page.
LABELS = {
    "account_created": "Account created",
    "email_changed": "Email changed",
    "details_changed": "Details changed",
    "roles_changed": "Roles changed",
    "deactivated": "Deactivated",
    "reactivated": "Reactivated",
    "password_reset": "Password set by an admin",
    "password_changed": "Password changed by the person",
    "signed_out_everywhere": "Signed out on every device",
    "sign_in_failed": "Sign-in failed",
    "invitation_sent": "Invitation to set a password sent",
    "invitation_accepted": "Password set from the invitation",
    "password_link_sent": "Link to set a new password sent",
    "password_link_refused": "Link to set a new password asked for, not sent",
    "password_reset_by_link": "Password set from an emailed link",
    "signed_in": "Signed in",
    "account_created_by_sso": "Account created at a first single sign-on",
    "break_glass_added": "May sign in with a password while single sign-on is required",
    "break_glass_removed": "No longer a break-glass account",
    "sso_required": "Required single sign-on for everyone",
    "sso_no_longer_required": "Stopped requiring single sign-on",
    "email_delivery_changed": "Email delivery changed",
}
# How a person signed in (the "method" of a signed_in or sign_in_failed event).
METHODS = {"password": "with a password", "sso": "with single sign-on"}
# Who an act with no signed-in actor was by: a failed sign-in is someone at the sign-in page; anything
# else was done outside the web pages (``flask create-user``, the demo seeder).
NO_ACTOR = {"sign_in_failed": "No one signed in", "account_created_by_sso": "Single sign-on",
            "password_link_sent": "Someone at “Forgot your password?”",
            "password_link_refused": "Someone at “Forgot your password?”",
            "invitation_accepted": "The person, from the emailed link",
            "password_reset_by_link": "The person, from the emailed link"}


def last_at(user: User, trigger: str) -> datetime | None:
    """When ``trigger`` was last recorded on ``user`` (None: never): e.g. the latest invitation sent."""
    at = db.session.scalar(
        select(AuditEvent.at).where(AuditEvent.case_type == CASE_TYPE, AuditEvent.case_id == user.id,
                                    AuditEvent.trigger == trigger)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1))
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at


def record(user: User, trigger: str, actor: User | None, data: dict | None = None) -> AuditEvent:
    """An event on ``user``'s account, by ``actor`` (None: nobody signed in, or the system)."""
    event = AuditEvent(case_type=CASE_TYPE, case_id=user.id, trigger=trigger, from_state=None, to_state=None,
                       actor_id=actor.id if actor is not None else None, at=clock.now(), data=data or {})
    db.session.add(event)
    return event


@dataclass(frozen=True)
class Entry:
    at: datetime
    label: str
    who: str
    details: str


def _details(event: AuditEvent) -> str:
    data = event.data or {}
    parts = []
    for name, change in sorted(data.get("changes", {}).items()):
        before, after = change.get("before"), change.get("after")
        if isinstance(before, list) or isinstance(after, list):
            before, after = ", ".join(before or []) or "none", ", ".join(after or []) or "none"
        parts.append(f"{name.replace('_', ' ')}: {before or 'none'} → {after or 'none'}")
    if data.get("method") in METHODS:
        parts.append(METHODS[data["method"]])
    if data.get("reason"):
        parts.append(f"reason: {data['reason']}")
    if data.get("address"):
        parts.append(f"from {data['address']}")
    return "; ".join(parts)


def recent(user: User, limit: int = SHOWN) -> list[Entry]:
    """The person's latest events, newest first."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_type == CASE_TYPE, AuditEvent.case_id == user.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [Entry(at=e.at, label=LABELS.get(e.trigger, e.trigger.replace("_", " ").capitalize()),
                  who=e.actor.name if e.actor is not None else NO_ACTOR.get(e.trigger, "The command line"),
                  details=_details(e)) for e in events]


def record_many(entries: Iterable[tuple[int, str, dict]], actor: User | None) -> None:
    """Many events by ``actor`` at once, as (user id, trigger, data): what ``record`` makes, in one
    INSERT (an import of thousands of people)."""
    at = clock.now()
    rows = [{"case_type": CASE_TYPE, "case_id": user_id, "trigger": trigger, "from_state": None, "to_state": None,
             "actor_id": actor.id if actor is not None else None, "at": at, "comment": "", "data": data or {}}
            for user_id, trigger, data in entries]
    if rows:
        db.session.execute(insert(AuditEvent), rows)
