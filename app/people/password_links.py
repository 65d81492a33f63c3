"""Emailed links that let a person set their password: "Forgot your password?" and invitations.

A link carries a signed, timed token (``itsdangerous``, salted per purpose, signed with SECRET_KEY) over
the person's id and a fingerprint of their account as it was when the link was made: their email,
password hash and session token (an HMAC of them, so the token shows none of them). So a link

* expires: a reset link after one hour, an invitation after ``INVITATION_DAYS`` (7) days;
* works once: setting the password changes the hash, and every link made before stops working; so
  does a change of email, "sign out everywhere", deactivation or a password changed any other way;
* cannot be altered (the signature) nor used for the other purpose (the salt): an invitation is
  not a reset link that lives a week.

Nothing is stored for a link; time comes from ``app.core.clock`` (tests move it). A refused link
raises ``LinkRefused``, whose page says why and what to do, with its HTTP status (400 for a link that
is not one of ours, 410 for an expired or used one, 403 for an inactive account). The emails go into
the outbox only (never sent inside the request, and not copied to in-app notifications: they carry a
live link).

"Forgot your password?" answers the same whatever the address: the account is looked up, and the
link queued, after the answer is sent (``call_on_close``), so that neither the page nor its timing tells
whether an account exists. After setting a password the person is sent to sign in with it (OWASP's
Forgot Password Cheat Sheet: no automatic sign-in), and every session of theirs has ended.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, after_this_request, current_app, request
from flask_login import current_user, logout_user
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.cases.notify import absolute_url, one_line, render_body
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import OutboxMessage, User
from app.models.people import normalised
from app.people import history, sso
from app.people.accounts import PeopleError, normalise_email
from app.people.passwords import check_new_password

log = logging.getLogger("app.security")

RESET_LIFETIME = timedelta(hours=1)
SENT_IF_KNOWN = ("If an account uses that address, we have sent it a link to set a new password. The link "
                 "works for one hour. If nothing arrives in a few minutes, check your spam folder, or ask an admin.")
TOKEN_MAX = 400  # characters: ours are about 110; anything much longer is not one of ours


@dataclass(frozen=True)
class Purpose:
    """What a link is for: its salt, page, lifetime and words."""

    name: str
    endpoint: str
    lifetime: Callable[[], timedelta]
    used_trigger: str  # recorded on the person when the link sets their password
    heading: str  # the page's title
    done: str  # said once the password is set
    expired: str
    used: str


def invitation_lifetime() -> timedelta:
    return timedelta(days=int(current_app.config.get("INVITATION_DAYS", 7)))


def days(lifetime: timedelta) -> str:
    n = lifetime.days
    return f"{n} day{'s' if n != 1 else ''}"


RESET = Purpose(
    "password-reset", "auth.reset_password", lambda: RESET_LIFETIME, "password_reset_by_link",
    "Choose a new password", "Your new password is set. Sign in with it.",
    "This link has expired: a link to reset a password works for one hour. Ask for a new one.",
    "This link has been used already, or the password has changed since it was sent. "
    "If you still need to, ask for a new one.")
INVITATION = Purpose(
    "invitation", "auth.accept_invitation", invitation_lifetime, "invitation_accepted",
    "Set your password", "Your password is set. Sign in with it.",
    "This invitation has expired. Ask for a new link below, or ask an admin to send the invitation again.",
    "This invitation has been used already: a password is set for this account. Sign in with it, or ask "
    "for a link below if you have forgotten it.")


class LinkRefused(FormError):
    """A link that cannot set a password: ``title`` and the message for its page, ``status`` the HTTP status."""

    def __init__(self, title: str, message: str, status: int):
        super().__init__(message)
        self.title, self.status = title, status


def not_ours() -> LinkRefused:
    return LinkRefused("This link does not work", "This link is not complete or not valid. Copy the whole link "
                       "from the email into your browser, or ask for a new one.", 400)


# -- tokens --------------------------------------------------------------------------------------
class _ClockSigner(TimestampSigner):
    """Timestamps from ``app.core.clock`` (tests move the clock)."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"set-password:{purpose.name}", signer=_ClockSigner)


def _fingerprint(user: User, purpose: Purpose) -> str:
    account = "\x00".join((purpose.name, str(user.id), (user.email or "").lower(), user.password_hash or "",
                           user.session_token or ""))
    key = str(current_app.secret_key).encode()
    return hmac.new(key, account.encode(), hashlib.sha256).hexdigest()[:32]


def make_token(user: User, purpose: Purpose) -> str:
    return _serializer(purpose).dumps([user.id, _fingerprint(user, purpose)])


def link_for(user: User, purpose: Purpose) -> str:
    """The absolute link (PUBLIC_BASE_URL) that lets ``user`` set a password."""
    return absolute_url(purpose.endpoint, token=make_token(user, purpose))


def holder(token: str, purpose: Purpose, *, lock: bool = False) -> User:
    """The person whose link this is, when it may still set their password; else ``LinkRefused``."""
    if not token or len(token) > TOKEN_MAX:
        raise not_ours()
    try:
        payload = _serializer(purpose).loads(token, max_age=int(purpose.lifetime().total_seconds()))
    except SignatureExpired:
        raise LinkRefused("This link has expired", purpose.expired, 410) from None
    except BadData:
        raise not_ours() from None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)
            and isinstance(payload[1], str)):
        raise not_ours()
    # Locked, the person's row only (its school is joined, and may be missing).
    user = db.session.get(User, payload[0], with_for_update={"of": User.__table__} if lock else None,
                          populate_existing=lock)
    if user is None:
        raise not_ours()
    if not user.active:
        raise LinkRefused("This account is not active", "This account is not active, so its password cannot "
                          "be set. If you still work with the program, ask an admin to reactivate it.", 403)
    if not hmac.compare_digest(_fingerprint(user, purpose), payload[1]):
        raise LinkRefused("This link has been used", purpose.used, 410)
    if not sso.password_allowed(user):
        raise LinkRefused("Passwords are turned off", "Everyone signs in with single sign-on now, so this "
                          f"link cannot set a password. Use “Sign in with {sso.provider_name()}” on the sign-in "
                          "page.", 403)
    return user


# -- setting the password ----------------------------------------------------------------------
def set_password(token: str, purpose: Purpose, read: Callable[[], dict]) -> User:
    """Set the password of the link's holder from the form ``read`` returns (``new_password`` twice).

    The link is checked first, under a lock on the person's row (two tabs sending the same link: the
    second finds it used). Every session and remember-me cookie of theirs ends, this one too."""
    user = holder(token, purpose, lock=True)
    data = read()
    new = check_new_password(data.get("new_password"), email=user.email, name=user.name, field="new_password")
    if new != normalised(data.get("new_password_again") or ""):
        raise PeopleError("The two passwords are not the same: type it again in both boxes.", "new_password_again")
    user.set_password(new)
    user.rotate_session_token()
    history.record(user, purpose.used_trigger, None, {"address": request.remote_addr or ""})
    db.session.flush()
    if current_user.is_authenticated:
        logout_user()  # whoever was signed in on this browser: the next step is signing in with the new password
    return user


# -- the emails ------------------------------------------------------------------------------------
def queue_email(user: User, subject: str, template: str, **context) -> OutboxMessage:
    """One email to ``user`` in the outbox (not in their in-app notifications: it carries a live link)."""
    message = OutboxMessage(to_email=user.email, to_user_id=user.id, subject=one_line(subject),
                            body=render_body(template, recipient=user, **context), created_at=clock.now(),
                            attempts=0, last_error="", next_attempt_at=None)
    db.session.add(message)
    return message


def send_reset(user: User, actor: User | None, address: str = "") -> OutboxMessage:
    """Queue a link (one hour) for ``user`` to set a new password; recorded in their history."""
    message = queue_email(user, "Set a new password for the Teacher Leadership Fund app", "password_reset.txt",
                          link=link_for(user, RESET), actor=actor)
    history.record(user, "password_link_sent", actor, {"address": address} if address else None)
    db.session.flush()
    return message


def request_reset(email: str | None) -> None:
    """"Forgot your password?": once the answer is sent, queue a link for the active account with this
    email, if there is one (an unknown or inactive address is only logged, and noted in the history of
    an inactive account). The answer is the same in every case."""
    app, email, address = current_app._get_current_object(), normalise_email(email)[:254], request.remote_addr or ""

    @after_this_request
    def once_answered(response):
        response.call_on_close(lambda: _send_reset_later(app, email, address))
        return response


def _send_reset_later(app: Flask, email: str, address: str) -> None:
    with app.app_context():
        try:
            user = User.by_email(email)
            if user is None or not user.active or not sso.password_allowed(user):
                reason = ("unknown email" if user is None else "inactive account" if not user.active
                          else "single sign-on required")
                log.info("password link not sent: %s (email %r, address %s)", reason, email[:80], address,
                         extra={"event": "password_link_not_sent", "reason": reason, "email": email[:80],
                                "client_address": address})
                if user is not None:
                    history.record(user, "password_link_refused", None, {"reason": reason, "address": address})
            else:
                send_reset(user, None, address)
            db.session.commit()
        except Exception:  # the answer is sent; the log keeps what could not be done
            db.session.rollback()
            log.exception("could not queue a password link for %r", email[:80])
