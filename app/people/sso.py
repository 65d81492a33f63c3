"""Single sign-on with OpenID Connect (Authlib's Flask client), and the admins' sign-in policy.

* **Configured from the environment** for any OpenID Provider, through its discovery document:
  ``OIDC_ISSUER`` (or ``OIDC_DISCOVERY_URL``), ``OIDC_CLIENT_ID``, ``OIDC_CLIENT_SECRET``; the button
  says "Sign in with ``OIDC_PROVIDER_NAME``". Off while ``OIDC_CLIENT_ID`` is empty; a half
  configuration stops ``create_app`` outside debug and tests (``check_configuration``).
* **The flow**: authorization code with PKCE (S256), ``state`` and ``nonce`` (kept in the signed session
  by Authlib); Authlib checks the ID token's signature against the provider's keys, its issuer,
  audience, expiry and nonce. Scopes ``openid email profile``; when the ID token carries no email, it is
  read from the userinfo endpoint (whose ``sub`` must be the ID token's).
* **Who is signed in**: the active person whose email is the verified email, compared case-insensitively.
  Verified means ``email_verified`` is true; Microsoft Entra ID never sends that claim, so when it is
  absent, Entra's ``xms_edov`` ("email domain owner verified") optional claim stands in for it. An
  explicit ``email_verified: false`` is never overridden. A verified email with no account is let in
  as a new educator only when its domain is in ``OIDC_ALLOWED_DOMAINS`` (empty: nobody new, the default).
* **Sign-in** goes through ``signin.start_session`` like a password sign-in (recorded as "signed_in",
  method "sso"); a refusal of someone with an account is recorded like a failed password sign-in.
* **Requiring SSO** (``SignInPolicy``, set on /admin/sign-in): password sign-in is then refused for
  everyone but the break-glass admins. ``password_allowed(user)`` is the one question every way of
  using a password asks (sign-in, password reset, invitations).
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, session
from joserfc.errors import JoseError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import BreakGlassAccount, Role, SignInPolicy, User, UserRole
from app.people import history

log = logging.getLogger("app.security")

NAME = "oidc"  # Authlib's name for the provider; its state keys in the session start "_state_oidc_"
SCOPES = "openid email profile"
CALLBACK_PATH = "/login/sso/callback"
NEXT_KEY = "sso_next"
POLICY_ID = 1

# Reasons, for the log and the person's history.
STATE, CODE, PROVIDER_ERROR, PROVIDER_DOWN, TOKEN = (
    "wrong or missing state", "code refused", "provider error", "provider unreachable", "invalid ID token")
NO_EMAIL, UNVERIFIED, NO_ACCOUNT, INACTIVE = "no email", "email not verified", "no account", "inactive account"
PASSWORD_OFF = "password sign-in not allowed"


class SsoRefused(FormError):
    """Single sign-on did not sign anyone in: ``messages`` say why to the person; ``reason``, ``user``
    (None when no account was found) and ``email`` are for the log and the person's history; ``status``
    is the page's HTTP status."""

    def __init__(self, message: str, reason: str, *, status: int = 403, user: User | None = None,
                 email: str = ""):
        super().__init__(message)
        self.reason, self.user, self.email, self.status = reason, user, email, status


# -- configuration ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    discovery_url: str
    client_id: str
    client_secret: str
    timeout: float


def _text(app: Flask, key: str) -> str:
    return str(app.config.get(key) or "").strip()


def configuration_problems(app: Flask) -> list[str]:
    """What is missing or wrong in the OIDC_* settings (none when SSO is off: no OIDC_CLIENT_ID)."""
    if not _text(app, "OIDC_CLIENT_ID"):
        set_anyway = [k for k in ("OIDC_ISSUER", "OIDC_DISCOVERY_URL", "OIDC_CLIENT_SECRET") if _text(app, k)]
        return [f"{', '.join(set_anyway)} set but OIDC_CLIENT_ID is not: set it too (single sign-on), "
                "or unset them."] if set_anyway else []
    problems = []
    if not _text(app, "OIDC_CLIENT_SECRET"):
        problems.append("OIDC_CLIENT_SECRET is not set: the client secret the provider gave for OIDC_CLIENT_ID.")
    url = _text(app, "OIDC_DISCOVERY_URL") or _text(app, "OIDC_ISSUER")
    if not url:
        problems.append("OIDC_ISSUER is not set: the provider's issuer, e.g. https://accounts.google.com "
                        "(or set OIDC_DISCOVERY_URL to its discovery document).")
    elif urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        problems.append(f"OIDC_ISSUER / OIDC_DISCOVERY_URL is not an http(s) address ({url!r}).")
    return problems


def check_configuration(app: Flask) -> None:
    """At start: outside debug and tests, a half configuration stops the app with what to set; in debug
    and tests SSO stays off and the log says why."""
    problems = configuration_problems(app)
    if not problems:
        return
    if app.debug or app.testing:
        log.warning("single sign-on is off: %s", " ".join(problems))
        return
    from app.core.security import InsecureConfiguration

    raise InsecureConfiguration("The app will not start: single sign-on is half configured:\n"
                                + "\n".join(f"- {p}" for p in problems))


def settings(app: Flask | None = None) -> Settings | None:
    """The provider's settings, or None when single sign-on is off (or half configured)."""
    app = app or current_app
    if not _text(app, "OIDC_CLIENT_ID") or configuration_problems(app):
        return None
    discovery = _text(app, "OIDC_DISCOVERY_URL") or (
        _text(app, "OIDC_ISSUER").rstrip("/") + "/.well-known/openid-configuration")
    return Settings(discovery, _text(app, "OIDC_CLIENT_ID"), _text(app, "OIDC_CLIENT_SECRET"),
                    float(app.config.get("OIDC_TIMEOUT") or 10))


def configured() -> bool:
    return settings() is not None


def provider_name() -> str:
    return _text(current_app, "OIDC_PROVIDER_NAME") or "your district account"


def allowed_domains() -> frozenset[str]:
    raw = _text(current_app, "OIDC_ALLOWED_DOMAINS")
    return frozenset(d.strip().lstrip("@").lower() for d in raw.split(",") if d.strip())


def _client():
    """Authlib's client for the configured provider (made once per app and settings; it caches the
    provider's discovery document and keys)."""
    found = settings()
    if found is None:
        abort(404, description="Single sign-on is not set up here. Sign in with your email and password.")
    cached = current_app.extensions.get("tlf_sso")
    if cached is not None and cached[0] == found:
        return cached[1]
    oauth = OAuth(current_app)
    client = oauth.register(
        NAME, client_id=found.client_id, client_secret=found.client_secret,
        server_metadata_url=found.discovery_url,
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "default_timeout": found.timeout})
    current_app.extensions["tlf_sso"] = (found, client)
    return client


def redirect_uri() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + CALLBACK_PATH


# -- the flow ---------------------------------------------------------------------------------------
def start(next_url: str | None) -> str:
    """Where to send the person to sign in at the provider. The state, nonce and PKCE verifier are kept
    in the session (an earlier unfinished attempt's are dropped, so the cookie stays small)."""
    client = _client()
    for key in [k for k in session if k.startswith(f"_state_{NAME}_")]:
        session.pop(key)
    try:
        found = client.create_authorization_url(redirect_uri())
    except (requests.RequestException, ValueError, AuthlibBaseError, RuntimeError) as exc:
        log.warning("single sign-on: the provider could not be reached: %s", exc)
        raise _provider_down() from None
    client.save_authorize_data(redirect_uri=redirect_uri(), **found)
    if next_url:
        session[NEXT_KEY] = next_url
    else:
        session.pop(NEXT_KEY, None)
    return found["url"]


def _provider_down() -> SsoRefused:
    return SsoRefused(f"{provider_name()} could not be reached just now. Try again in a few minutes; if it "
                      "goes on, sign in with your email and password or ask an administrator.",
                      PROVIDER_DOWN, status=502)


def finish(remember: bool = False) -> User:
    """The provider sent the person back: check everything, then sign them in (or refuse, saying why)."""
    from app.people import signin

    claims = _verified_claims()
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email or len(email) > 254:
        raise SsoRefused(f"{provider_name()} did not tell us your email address, so we cannot tell who you "
                         "are here. Ask an administrator.", NO_EMAIL)
    user = User.by_email(email)
    if not email_verified(claims):
        raise SsoRefused(f"{provider_name()} has not verified the email address {email}, so it cannot sign "
                         "you in here. Verify it with your district's IT department, or sign in with your "
                         "password.", UNVERIFIED, user=user, email=email)
    if user is None:
        user = _new_educator(email, claims)
    if not user.active:
        raise SsoRefused("Your account here is deactivated. Ask an administrator to reactivate it.",
                         INACTIVE, user=user, email=email)
    signin.start_session(user, remember, method="sso")
    return user


def next_url() -> str | None:
    return session.pop(NEXT_KEY, None)


def _verified_claims() -> dict:
    """The ID token's claims once Authlib has checked state, code, signature, issuer, audience, expiry and
    nonce; with the userinfo endpoint's when the ID token carries no email."""
    client = _client()
    try:
        token = client.authorize_access_token()
    except MismatchingStateError:
        raise SsoRefused("This sign-in did not start here, or it was already used or has expired. "
                         "Start again with the sign-in button.", STATE, status=400) from None
    except AuthlibBaseError as exc:
        raise _provider_refusal(exc) from None
    except requests.RequestException as exc:
        log.warning("single sign-on: the provider could not be reached: %s", exc)
        raise _provider_down() from None
    except (JoseError, ValueError) as exc:
        log.warning("single sign-on: the ID token was refused: %s", exc)
        raise SsoRefused("The answer from the sign-in service could not be checked, so nobody is signed in. "
                         "Start again with the sign-in button.", TOKEN, status=400) from None
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise SsoRefused("The sign-in service sent no ID token, so nobody is signed in.", TOKEN, status=400)
    if not claims.get("email"):
        claims = _with_userinfo(client, claims)
    return claims


def _with_userinfo(client, claims: dict) -> dict:
    try:
        extra = dict(client.userinfo())
    except (requests.RequestException, AuthlibBaseError, ValueError) as exc:
        log.warning("single sign-on: the userinfo endpoint failed: %s", exc)
        raise _provider_down() from None
    if extra.get("sub") != claims["sub"]:
        raise SsoRefused("The sign-in service's answers did not agree, so nobody is signed in.", TOKEN, status=400)
    return {**extra, **{k: v for k, v in claims.items() if v is not None}}


def _provider_refusal(exc: AuthlibBaseError) -> SsoRefused:
    error = getattr(exc, "error", "") or ""
    log.warning("single sign-on refused by the provider: %s (%s)", error, getattr(exc, "description", ""))
    if error == "access_denied":
        return SsoRefused(f"Sign-in with {provider_name()} was cancelled or refused, so nobody is signed in. "
                          "Start again, or sign in with your email and password.", PROVIDER_ERROR, status=403)
    if error in ("invalid_grant", "invalid_request"):
        return SsoRefused("This sign-in was already used or has expired. Start again with the sign-in button.",
                          CODE, status=400)
    return SsoRefused(f"{provider_name()} could not sign you in ({error or 'no reason given'}). Try again; if "
                      "it goes on, ask an administrator.", PROVIDER_ERROR, status=502)


def email_verified(claims: dict) -> bool:
    """True only when the provider says the email is verified: ``email_verified`` true (a JSON boolean,
    or the string "true" some providers send); with no ``email_verified`` at all, Entra ID's
    ``xms_edov`` (the email's domain is verified by the tenant's owner)."""
    if "email_verified" in claims:
        return _true(claims["email_verified"])
    return _true(claims.get("xms_edov"))


def _true(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1")) or (
        isinstance(value, int) and not isinstance(value, bool) and value == 1)


def _new_educator(email: str, claims: dict) -> User:
    """A first sign-in from an allowed domain: an educator account (no school, a password nobody knows),
    recorded in the person's history."""
    domain = email.rpartition("@")[2]
    if domain not in allowed_domains():
        raise SsoRefused(f"There is no account here for {email}. Ask an administrator to add you, then sign in "
                         f"with {provider_name()} again.", NO_ACCOUNT, email=email)
    name = " ".join(str(claims.get("name") or "").split())[:120] or email.partition("@")[0][:120]
    user = User(email=email, name=name, job_title="Classroom teacher", active=True)
    user.set_password(secrets.token_urlsafe(32))
    user.set_roles([Role.EDUCATOR])
    try:
        with db.session.begin_nested():  # a first sign-in of the same person in another tab at the same moment
            db.session.add(user)
    except IntegrityError:
        raise SsoRefused("Your account was being made at the same moment in another window. Start again with "
                         "the sign-in button.", NO_ACCOUNT, status=409, email=email) from None
    history.record(user, "account_created_by_sso", None, {"changes": {
        "email": {"before": None, "after": email}, "roles": {"before": [], "after": [Role.EDUCATOR.value]}}})
    return user


# -- the sign-in policy ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Policy:
    require_sso: bool
    break_glass: tuple[User, ...]


def policy() -> Policy:
    row = db.session.get(SignInPolicy, POLICY_ID)
    accounts = db.session.scalars(select(BreakGlassAccount)).all()
    return Policy(require_sso=bool(row and row.require_sso),
                  break_glass=tuple(sorted((a.user for a in accounts), key=lambda u: u.name.lower())))


def is_break_glass(user: User) -> bool:
    return db.session.get(BreakGlassAccount, user.id) is not None


def required() -> bool:
    """Is single sign-on required (and set up)? Then passwords are for the break-glass admins only."""
    if not configured():  # asked first: without SSO settings, signing in reads nothing more
        return False
    row = db.session.get(SignInPolicy, POLICY_ID)
    return bool(row is not None and row.require_sso)


def password_allowed(user: User) -> bool:
    """May ``user`` use a password (sign in, reset it, accept an invitation by setting one)? Always, unless
    an admin requires single sign-on; then only an active admin chosen as a break-glass account. While the
    app has no SSO settings, passwords stay allowed for everyone (nobody is locked out)."""
    if not required():
        return True
    return bool(user.active and user.has_role(Role.ADMIN) and is_break_glass(user))


def password_refused_message() -> str:
    return (f"Password sign-in is turned off for your account: use “Sign in with {provider_name()}” "
            "above.")


def admin_choices() -> list[User]:
    """Who may be a break-glass account: the active admins."""
    return list(db.session.scalars(
        select(User).join(UserRole).where(User.active.is_(True), UserRole.role == Role.ADMIN)
        .order_by(func.lower(User.name), User.id)))


def save_policy(*, require_sso: bool, break_glass_ids, actor: User) -> Policy:
    """An admin sets whether SSO is required and who the break-glass admins are. Requiring SSO needs SSO
    set up and at least one break-glass admin (else nobody could put a broken provider right)."""
    admins = {u.id: u for u in admin_choices()}
    try:
        wanted = {int(i) for i in break_glass_ids or ()}
    except (TypeError, ValueError):
        raise FormError("Choose break-glass accounts from the list.", "break_glass") from None
    if wanted - admins.keys():
        raise FormError("Only active admins can be break-glass accounts: choose from the list.", "break_glass")
    if require_sso and not configured():
        raise FormError("Single sign-on is not set up (the OIDC_* settings), so it cannot be required: "
                        "people would have no way to sign in.", "require_sso")
    if require_sso and not wanted:
        raise FormError("Choose at least one break-glass admin who may still sign in with a password, "
                        "for the day the sign-in service is down.", "break_glass")
    before = policy()
    row = db.session.get(SignInPolicy, POLICY_ID) or SignInPolicy(id=POLICY_ID)
    row.require_sso, row.changed_at, row.changed_by_id = require_sso, clock.now(), actor.id
    db.session.add(row)
    had = {u.id for u in before.break_glass}
    for account in db.session.scalars(select(BreakGlassAccount)).all():
        if account.user_id not in wanted:
            db.session.delete(account)
            history.record(account.user, "break_glass_removed", actor)
    for user_id in sorted(wanted - had):
        db.session.add(BreakGlassAccount(user_id=user_id))
        history.record(admins[user_id], "break_glass_added", actor)
    if before.require_sso != require_sso:
        history.record(actor, "sso_required" if require_sso else "sso_no_longer_required", actor)
    db.session.flush()
    return policy()
