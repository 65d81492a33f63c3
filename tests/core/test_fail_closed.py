"""Fail closed: outside debug and tests the app does not start on a missing, published or short
SECRET_KEY, nor without PUBLIC_BASE_URL, and says what to set; a session cookie signed with the old
public default opens nothing."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from app import create_app
from app.core.security import InsecureConfiguration

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "9f2c0d5be4a1478e8c3b6a0f1d2e3c4b5a6978877665544332211000ffeeddcc"
OLD_DEFAULT = "dev-only-change-me"
HOW = "python -c 'import secrets; print(secrets.token_hex(32))'"


def production(**settings) -> dict:
    """Settings as a production server has them: neither TESTING nor DEBUG."""
    return {"TESTING": False, "DEBUG": False, "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": GOOD_KEY, "PUBLIC_BASE_URL": "https://tlf.example.org", **settings}


@pytest.mark.parametrize("key,words", [
    (None, "SECRET_KEY is not set."),
    ("", "SECRET_KEY is not set."),
    (OLD_DEFAULT, "SECRET_KEY is a publicly known default ('dev-only-change-me')"),
    ("test-secret", "SECRET_KEY is a publicly known default ('test-secret')"),
    ("a" * 31, "SECRET_KEY is too short (31 characters; at least 32)."),
], ids=["unset", "empty", "old-default", "tests-key", "short"])
def test_no_start_without_a_long_private_key(key, words):
    with pytest.raises(InsecureConfiguration) as refused:
        create_app(production(SECRET_KEY=key))
    assert isinstance(refused.value, RuntimeError)
    message = str(refused.value)
    assert words in message
    assert f"Set it to a long random value, for example the output of: {HOW}" in message


@pytest.mark.parametrize("url,words", [
    (None, "PUBLIC_BASE_URL is not set."),
    ("tlf.example.org", "PUBLIC_BASE_URL is not an http(s) address ('tlf.example.org')."),
], ids=["unset", "no-scheme"])
def test_no_start_without_the_public_address(url, words):
    with pytest.raises(InsecureConfiguration, match=r"PUBLIC_BASE_URL") as refused:
        create_app(production(PUBLIC_BASE_URL=url))
    assert words in str(refused.value)
    assert "Set it to the app's public address" in str(refused.value)


def test_both_problems_are_named_at_once():
    with pytest.raises(InsecureConfiguration) as refused:
        create_app(production(SECRET_KEY=None, PUBLIC_BASE_URL=None))
    assert "SECRET_KEY is not set." in str(refused.value) and "PUBLIC_BASE_URL is not set." in str(refused.value)


def test_starts_with_a_long_key_and_an_address():
    app = create_app(production())
    assert app.secret_key == GOOD_KEY and app.config["PUBLIC_BASE_URL"] == "https://tlf.example.org"


@pytest.mark.parametrize("mode", ["DEBUG", "TESTING"])
def test_debug_and_tests_start_with_development_values_never_a_published_key(mode):
    app = create_app({"TESTING": False, "DEBUG": False, mode: True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SECRET_KEY": None, "PUBLIC_BASE_URL": None})
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert app.secret_key not in (OLD_DEFAULT, "test-secret") and len(app.secret_key) >= 32
    again = create_app({"TESTING": False, "DEBUG": False, mode: True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                        "SECRET_KEY": None, "PUBLIC_BASE_URL": None})
    assert again.secret_key != app.secret_key  # made for each process, so nobody can know it


def _flask(*args, **env_changes):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "PUBLIC_BASE_URL", "FLASK_DEBUG", "FLASK_APP", "DATABASE_URL")}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.own_sqlite
def test_the_command_line_refuses_to_start_unset_and_says_what_to_set(tmp_path):
    """As an operator meets it: `flask --app app ...` with nothing set in the environment."""
    db = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    refused = _flask("routes", **db)
    assert refused.returncode != 0
    assert "SECRET_KEY is not set. Set it to a long random value, for example the output of: " + HOW in refused.stderr
    assert "PUBLIC_BASE_URL is not set." in refused.stderr
    # Set, it starts; in debug (flask --debug, FLASK_DEBUG=1) it starts on development values.
    started = _flask("routes", SECRET_KEY=GOOD_KEY, PUBLIC_BASE_URL="https://tlf.example.org", **db)
    assert started.returncode == 0, started.stderr
    assert "/admin/users" in started.stdout
    debug = _flask("--debug", "routes", **db)
    assert debug.returncode == 0 and "/admin/users" in debug.stdout, debug.stderr


def _resign(cookie: str, payload_from: Flask, key: str) -> str:
    """The session ``cookie`` read with ``payload_from``'s key, then signed again with ``key``."""
    payload = SecureCookieSessionInterface().get_signing_serializer(payload_from).loads(cookie)
    forger = Flask("forger")
    forger.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(payload)


def test_a_cookie_signed_with_the_old_default_key_opens_nothing(app_ctx, browser, world):
    """Before, an unset SECRET_KEY silently became the published "dev-only-change-me", so anyone could
    sign a session cookie saying "I am user 1" and open /admin/users. Now no app signs with it: a
    production app without a key does not start (above), and debug and test apps use a key of their own.
    Here the admin's real session cookie, signed again with the old default, is not believed: the
    signature does not verify against the app's key, so the session is empty and the visitor anonymous."""
    with pytest.raises(InsecureConfiguration):
        create_app(production(SECRET_KEY=None))  # what used to run on the public default

    browser.login_through_form(world.admin)
    genuine = browser.client.get_cookie("session").value
    assert browser.get("/admin/users").status_code == 200  # the real cookie does open it

    forged = _resign(genuine, app_ctx, OLD_DEFAULT)
    assert forged != genuine
    browser.reset()
    browser.client.set_cookie("session", forged)
    resp = browser.get("/admin/users")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
