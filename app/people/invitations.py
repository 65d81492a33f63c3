"""Invitations: an admin (or an import) creates an account without a password, and the person sets one
from an emailed link, valid ``INVITATION_DAYS`` (7) days and once (``app.people.password_links``).

An admin never types a person's password: a new account gets an invitation, and someone who has
forgotten theirs gets a reset link (from the sign-in page, or sent by an admin from the person's page).

``invite(user, actor)`` is the one door: the admin's "new user" page, the "send again" button and
the CSV import call it. Whether an invitation is outstanding is read from the person's history (the
latest "invitation_sent" event) and their password: nothing else is stored.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from app.core import clock
from app.extensions import db
from app.models import OutboxMessage, User
from app.people import accounts, history, sso
from app.people.accounts import PeopleError
from app.people.password_links import INVITATION, days, invitation_lifetime, link_for, queue_email, send_reset

SENT = "invitation_sent"  # the event recorded on the person (app.people.history)


def invite(user: User, actor: User | None) -> OutboxMessage:
    """Queue an invitation to set a password for ``user`` (active, without a password yet); recorded in
    their history. Earlier invitations still work until they expire or one of them is used."""
    if not user.active:
        raise PeopleError(f"{user.name}'s account is not active: make it active first, then send the invitation.")
    if not sso.password_allowed(user):
        raise PeopleError(f"Single sign-on is required: {user.name} signs in with “Sign in with "
                          f"{sso.provider_name()}” and needs no password.")
    if user.has_password:
        raise PeopleError(f"{user.name} has already set a password: send them a link to set a new one instead.")
    lifetime = invitation_lifetime()
    expires = clock.local(clock.now() + lifetime)
    message = queue_email(user, "You are invited to the Teacher Leadership Fund app", "invitation.txt",
                          link=link_for(user, INVITATION), actor=actor, lifetime=days(lifetime),
                          expires=f"{expires:%A %B} {expires.day}, {expires:%Y}")
    history.record(user, SENT, actor)
    db.session.flush()
    return message


def invite_many(users: Iterable[User], actor: User | None) -> int:
    """Invitations for many people at once (an import): each active person without a password who may use
    one is sent the same email ``invite`` sends, and the events are written in one statement a thousand.
    Returns how many were queued."""
    lifetime = invitation_lifetime()
    expires = clock.local(clock.now() + lifetime)
    when = f"{expires:%A %B} {expires.day}, {expires:%Y}"
    sso_required = sso.required()
    sent: list[tuple[int, str, dict]] = []
    for user in users:
        if not user.active or user.has_password or (sso_required and not sso.password_allowed(user)):
            continue
        queue_email(user, "You are invited to the Teacher Leadership Fund app", "invitation.txt",
                    link=link_for(user, INVITATION), actor=actor, lifetime=days(lifetime), expires=when)
        sent.append((user.id, SENT, {}))
        if len(sent) % 1000 == 0:
            db.session.flush()
    db.session.flush()
    history.record_many(sent, actor)
    return len(sent)


def create_invited(*, actor: User | None, **fields) -> User:
    """A new account without a password (``accounts.create_user``); an active one is sent an invitation."""
    user = accounts.create_user(password=None, actor=actor, **fields)
    if user.active and sso.password_allowed(user):  # while SSO is required, they sign in with it: no password
        invite(user, actor)
    return user


def send_password_link(user: User, actor: User | None) -> str:
    """The admin's button: the invitation again for someone without a password, else a reset link.
    Returns what was done, in words."""
    if not user.has_password:
        invite(user, actor)
        return f"Sent {user.name} an invitation to set a password (the link works for {days(invitation_lifetime())})."
    if not user.active:
        raise PeopleError(f"{user.name}'s account is not active: make it active first, then send the link.")
    if not sso.password_allowed(user):
        raise PeopleError(f"Single sign-on is required: {user.name} signs in with “Sign in with "
                          f"{sso.provider_name()}” and needs no password.")
    send_reset(user, actor)
    return f"Sent {user.name} a link to set a new password (it works for one hour)."


@dataclass(frozen=True)
class Status:
    """Where a person stands with their invitation, for their page in the admin screens."""

    has_password: bool
    sent_at: datetime | None = None
    expires_at: datetime | None = None

    @property
    def outstanding(self) -> bool:
        return not self.has_password and self.expires_at is not None and self.expires_at > clock.now()

    @property
    def expired(self) -> bool:
        return not self.has_password and self.expires_at is not None and self.expires_at <= clock.now()


def status(user: User) -> Status:
    if user.has_password:
        return Status(True)
    sent = history.last_at(user, SENT)
    if sent is None:
        return Status(False)
    return Status(False, sent, sent + invitation_lifetime())
