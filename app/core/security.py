"""Fail closed, and security headers on every response.

``init_app`` runs in ``create_app`` right after the settings are read:

* **Fail closed.** Outside debug and tests the app refuses to start (``InsecureConfiguration``) when
  ``SECRET_KEY`` is unset, a publicly known default or short, or when ``PUBLIC_BASE_URL`` is unset:
  a key anyone can read in this repository would let anyone sign a session cookie for any user.
  Debug (``FLASK_DEBUG=1``, ``flask run --debug``) and tests get development values: a random key
  for the process and ``http://127.0.0.1:5000``.
* **Headers** (Flask-Talisman): the Content-Security-Policy of ``CONTENT_SECURITY_POLICY`` with a
  per-request nonce in ``style-src`` (``style_nonce()``, put on the charts' inline ``<style>``),
  ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``REFERRER_POLICY``; HSTS on
  HTTPS requests when the app is served over HTTPS. A response that comes with its own
  Content-Security-Policy (a download's ``default-src 'none'; sandbox``) keeps it.
* **Signed-in pages are not stored** (``Cache-Control: no-store``): after signing out, Back or a
  shared computer's cache does not show them. Anonymous pages (sign-in, the public catalog and
  gallery) are left to the browser's defaults; static files are cached as Flask serves them.
* **HTTPS behind a proxy**: an https ``PUBLIC_BASE_URL`` (or ``PREFER_SECURE``) makes the session
  and remember-me cookies ``Secure``; ``TRUSTED_PROXIES`` > 0 applies Werkzeug's ``ProxyFix`` so
  that ``request.is_secure`` and ``request.remote_addr`` are the visitor's. The app never redirects
  to https itself: TLS ends at the proxy.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from flask_talisman import DENY, Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

MIN_SECRET_LENGTH = 32
# Keys that have been published: this repository's old default, the tests' key, and the usual sample values.
KNOWN_SECRETS = frozenset({
    "dev-only-change-me", "test-secret", "change-me", "changeme", "secret", "dev", "development",
})
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_hex(32))'"
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
CSP = "Content-Security-Policy"
STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})


class InsecureConfiguration(RuntimeError):
    """The settings would run the app with a public or missing secret: set what the message says."""


def init_app(app: Flask) -> None:
    _fail_closed(app)
    https = is_served_over_https(app)
    if https:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
    proxies = _trusted_proxies(app)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    # after_request hooks run in reverse order of registration: this one runs after Talisman's.
    app.after_request(_restore_own_policy)
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,
        frame_options=DENY,
        strict_transport_security=https,
        strict_transport_security_max_age=365 * 24 * 3600,
        strict_transport_security_include_subdomains=True,
        content_security_policy=app.config["CONTENT_SECURITY_POLICY"],
        content_security_policy_nonce_in=["style-src"],
        referrer_policy=app.config["REFERRER_POLICY"],
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        x_content_type_options=True,
    )
    # ...and these run before Talisman's.
    app.after_request(_keep_own_policy)
    app.after_request(_no_store_when_signed_in)


def style_nonce() -> str:
    """This request's CSP nonce for inline ``<style>`` elements; empty outside a request (a PDF, the CLI),
    where no policy applies."""
    if not has_request_context():
        return ""
    return getattr(request, "csp_nonce", "") or ""


def is_served_over_https(app: Flask) -> bool:
    return bool(app.config.get("PREFER_SECURE")) or str(app.config.get("PUBLIC_BASE_URL") or "").startswith("https://")


# -- fail closed ---------------------------------------------------------------------------------
def _fail_closed(app: Flask) -> None:
    if app.debug or app.testing:
        # Development values: never a published key (a random one, for this process only).
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = secrets.token_hex(32)
        if not app.config.get("PUBLIC_BASE_URL"):
            app.config["PUBLIC_BASE_URL"] = DEVELOPMENT_BASE_URL
        return
    problems = [p for p in (_secret_key_problem(app.config.get("SECRET_KEY")),
                            _base_url_problem(app.config.get("PUBLIC_BASE_URL"))) if p]
    if problems:
        raise InsecureConfiguration("The app will not start:\n" + "\n".join(f"- {p}" for p in problems))


def _secret_key_problem(key) -> str | None:
    how = f"Set it to a long random value, for example the output of: {MAKE_A_KEY}"
    if not key:
        return f"SECRET_KEY is not set. {how}"
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    if key.strip().lower() in KNOWN_SECRETS:
        return f"SECRET_KEY is a publicly known default ({key!r}), so anyone could sign a session cookie. {how}"
    if len(key) < MIN_SECRET_LENGTH:
        return f"SECRET_KEY is too short ({len(key)} characters; at least {MIN_SECRET_LENGTH}). {how}"
    return None


def _base_url_problem(url) -> str | None:
    how = ("Set it to the app's public address, as people reach it, e.g. https://tlf.example.org "
           "(links in mail and the Atom feed use it; https also makes the cookies Secure).")
    if not url:
        return f"PUBLIC_BASE_URL is not set. {how}"
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"PUBLIC_BASE_URL is not an http(s) address ({url!r}). {how}"
    return None


def _trusted_proxies(app: Flask) -> int:
    value = app.config.get("TRUSTED_PROXIES") or 0
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise InsecureConfiguration(
            f"TRUSTED_PROXIES must be the number of reverse proxies in front of the app (0, 1, 2...), not {value!r}.")
    return count


# -- response headers ----------------------------------------------------------------------------
OWN_POLICIES = (CSP, "Referrer-Policy")


def _keep_own_policy(response):
    """Before Talisman: remember a policy the view set itself (a download's sandbox; no referrer from a
    page whose address holds a secret, such as a link to set a password)."""
    own = {name: response.headers[name] for name in OWN_POLICIES if name in response.headers}
    if own:
        g.own_policies = own
    return response


def _restore_own_policy(response):
    """After Talisman: put those policies back."""
    for name, value in g.pop("own_policies", {}).items():
        response.headers[name] = value
    return response


def _no_store_when_signed_in(response):
    if request.endpoint not in STATIC_ENDPOINTS and current_user.is_authenticated:
        response.cache_control.no_store = True
    return response
