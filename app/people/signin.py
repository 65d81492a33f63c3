"""Signing in and out: sessions checked against the person's session token, the sign-in form's rate
limits, and the record of failed sign-ins.

* A session (and a remember-me cookie) carries ``User.get_id()``: the id and the person's current
  session token. Signing out, an admin's new password, deactivation and an admin's "sign out
  everywhere" give the person a new token, so every copy of an older cookie is refused (``load_user``).
  Signing out therefore signs the person out on every device: what a shared school computer wants.
* A session lasts ``PERMANENT_SESSION_LIFETIME`` (SESSION_LIFETIME_HOURS) after the last request, and
  no session or remember-me cookie outlives ``REMEMBER_COOKIE_DURATION`` (REMEMBER_DAYS) from the
  sign-in that made it: ``get_id()`` carries the time of the sign-in.
* POST /login is limited per account (the email typed) and per client address (Flask-Limiter); the
  refusal is a 429 page with Retry-After. So is POST /password/forgot ("Forgot your password?"), so
  that it cannot be used to flood someone's inbox.
* A failed sign-in is logged (``app.security``) and, when the account exists, recorded in its history;
  a sign-in is recorded there too (``start_session``: with a password or single sign-on, app.people.sso).
  While an admin requires single sign-on, a correct password signs in only a break-glass admin
  (``sso.password_allowed``).
"""
from __future__ import annotations

import hmac
import logging
import math
import time

from flask import Flask, after_this_request, current_app, render_template, request, session
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db, limiter, login_manager
from app.models import User
from app.people import accounts, history, sso

log = logging.getLogger("app.security")

ACCOUNT_LIMITED = "Too many sign-in attempts for this account. Wait a few minutes, then try again."
ADDRESS_LIMITED = "Too many sign-in attempts from this network address. Wait a few minutes, then try again."
PASSWORD_LIMITED = "Too many tries at your current password. Wait a few minutes, then try again."
LINK_EMAIL_LIMITED = ("Links to set a password were asked for this address several times already. Use the "
                      "latest email we sent (check your spam folder), or try again in an hour.")
LINK_ADDRESS_LIMITED = ("Too many links to set a password were asked for from this network address. "
                        "Wait a few minutes, then try again.")
RATE_LIMITED = "rate limited"
EMAIL_LOGGED = 80  # characters of a typed email kept in the log


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    login_manager.user_loader(load_user)
    app.register_error_handler(RateLimitExceeded, _too_many_attempts)


# -- sessions --------------------------------------------------------------------------------------
# The person a request's session names, with their roles (every page asks them) and school, in one
# statement built once per process (its cache key is worked out once, not per request).
_SESSION_USER = (select(User).options(joinedload(User.roles))
                 .where(User.id == bindparam("user_id", type_=Integer)))


def load_user(user_id: str) -> User | None:
    """The person a session or remember-me cookie names, if its token is still theirs, they may sign in,
    and they signed in less than REMEMBER_DAYS ago (however active the session, and whatever the cookie's
    own expiry says: a copied remember-me cookie does not live for ever)."""
    parts = (user_id or "").split(":")
    if len(parts) != 3:
        return None
    ident, token, signed_in = parts
    if not (ident.isascii() and ident.isdigit() and len(ident) <= 9 and token
            and signed_in.isascii() and signed_in.isdigit() and len(signed_in) <= 12):
        return None
    age = time.time() - int(signed_in)
    if not -300 <= age <= current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds():
        return None
    user = db.session.execute(_SESSION_USER, {"user_id": int(ident)}).unique().scalar_one_or_none()
    if user is None or not user.active or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def sign_in(email: str, password: str, remember: bool) -> User:
    user = accounts.authenticate(email, password)
    if not sso.password_allowed(user):
        raise accounts.SignInRefused(sso.PASSWORD_OFF, user, accounts.normalise_email(email),
                                     sso.password_refused_message())
    return start_session(user, remember, method="password")


def start_session(user: User, remember: bool, *, method: str) -> User:
    """Sign ``user`` in on this device, whatever proved who they are (a password, single sign-on), and
    record it in their history."""
    login_user(user, remember=remember)
    session.permanent = True  # ends PERMANENT_SESSION_LIFETIME after the last request
    history.record(user, "signed_in", user, {"method": method, "address": request.remote_addr or ""})
    return user


def sign_out(user: User) -> User:
    """Sign out here and on every other device (the session token changes)."""
    user.rotate_session_token()
    db.session.flush()
    logout_user()
    return user


def change_password(user: User, form) -> User:
    """The person changes their own password; they stay signed in here (a new session with the new token,
    as permanent as before), and everywhere else they are signed out."""
    accounts.change_own_password(user, current=form.current_password.data, new=form.new_password.data,
                                 again=form.new_password_again.data)
    login_user(user)
    session.permanent = True
    return user


def note_refusal(refusal) -> None:
    """Log a refused sign-in and, when the account exists, record it in the account's history.

    The record is written once the answer has been sent (``call_on_close``, which the WSGI server calls
    after the last byte): the refusal's own transaction was rolled back, and a write before answering
    would make a known email answer later than an unknown one.
    """
    if not isinstance(refusal, accounts.SignInRefused | sso.SsoRefused):
        return  # the form itself was not filled in: no password was checked
    method = "sso" if isinstance(refusal, sso.SsoRefused) else "password"
    _log_failure(refusal.email, refusal.reason, method)
    if refusal.user is not None:
        app, user_id = current_app._get_current_object(), refusal.user.id
        data = {"reason": refusal.reason, "address": request.remote_addr or ""}
        if method == "sso":
            data["method"] = method

        @after_this_request
        def record_once_answered(response):
            response.call_on_close(lambda: _record_failure(app, user_id, data))
            return response


def _record_failure(app: Flask, user_id: int, data: dict) -> None:
    with app.app_context():
        try:
            user = db.session.get(User, user_id)
            if user is not None:
                history.record(user, "sign_in_failed", None, data)
                db.session.commit()
        except Exception:  # the answer is sent; the log keeps what the history could not
            db.session.rollback()
            log.exception("could not record a failed sign-in on user %s", user_id)


def _log_failure(email: str, reason: str, method: str = "password") -> None:
    log.warning("sign-in failed: %s (email %r, address %s, %s)", reason, email[:EMAIL_LOGGED],
                request.remote_addr or "unknown", method,
                extra={"event": "sign_in_failed", "reason": reason, "email": email[:EMAIL_LOGGED],
                       "client_address": request.remote_addr or "", "method": method})


# -- rate limits ------------------------------------------------------------------------------------
def _typed_email() -> str:
    return accounts.normalise_email(request.form.get("email"))[:254]


def _signed_someone_in(response) -> bool:
    return response.status_code == 302


per_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], scope="sign-in-account", key_func=_typed_email,
    methods=["POST"], error_message=ACCOUNT_LIMITED, exempt_when=lambda: not _typed_email())
"""Every POST for one email counts, signed in or not: a person needs only a few tries."""

per_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], scope="sign-in-address",
    methods=["POST"], error_message=ADDRESS_LIMITED, deduct_when=lambda response: not _signed_someone_in(response))
"""Only the POSTs that sign nobody in count: a school (or the whole district) behind one address signs
in dozens of teachers at 8 a.m."""


per_person_password = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], scope="password-change",
    key_func=lambda: str(current_user.get_id() or "").partition(":")[0], methods=["POST"],
    error_message=PASSWORD_LIMITED, deduct_when=lambda response: response.status_code != 302)
"""Tries at the current password on the change-password page, per person: the sign-in's account limit."""


link_per_email = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_LINK_LIMIT_PER_EMAIL"], scope="password-link-email", key_func=_typed_email,
    methods=["POST"], error_message=LINK_EMAIL_LIMITED, exempt_when=lambda: not _typed_email())
"""Links asked for one email, whether or not an account uses it (the answer must not tell)."""

link_per_address = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_LINK_LIMIT_PER_ADDRESS"], scope="password-link-address",
    methods=["POST"], error_message=LINK_ADDRESS_LIMITED)
"""Every POST from one client address counts."""

# The title of the 429 page, by the page that was limited (else the sign-in's).
LIMITED_TITLES = {"auth.forgot_password": "Too many requests for a link",
                  "auth.change_password": "Too many tries"}


def _too_many_attempts(exc: RateLimitExceeded):
    if request.endpoint == "auth.login":
        _log_failure(_typed_email(), RATE_LIMITED)
    limit = limiter.current_limit
    wait = math.ceil(limit.reset_at - time.time()) if limit is not None else 60
    page = render_template("errors/error.html", code=429, message=exc.description,
                           title=LIMITED_TITLES.get(request.endpoint or "", "Too many sign-in attempts"))
    return page, 429, {"Retry-After": str(max(wait, 1))}
