"""Password guessing: the sign-in form's rate limits (per account, per address, shared through Redis),
one password verification whatever the email, and each failed sign-in logged and recorded."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User
from app.people import accounts
from tests.conftest import Browser, csrf_from
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_LIMITED = "Too many sign-in attempts for this account. Wait a few minutes, then try again."
ADDRESS_LIMITED = "Too many sign-in attempts from this network address. Wait a few minutes, then try again."
NO_MATCH = "That email and password do not match an active account."


def attempt(browser: Browser, email: str, password: str, address: str = "127.0.0.1"):
    """A sign-in from ``address``, answered and closed as a server closes it (a failure is recorded then)."""
    page = browser.get("/login", environ_base={"REMOTE_ADDR": address})
    resp = browser.open("/login", method="POST", environ_base={"REMOTE_ADDR": address},
                        data={"email": email, "password": password, "csrf_token": csrf_from(page.data)})
    resp.get_data()
    resp.close()
    return resp


def text(resp) -> str:
    return resp.get_data(as_text=True).replace("&#39;", "'")


# -- rate limits --------------------------------------------------------------------------------------
def test_the_sixth_wrong_password_for_an_account_in_a_minute_is_refused_with_429(app, browser, world):
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per minute; 20 per hour"
    for _ in range(5):
        resp = attempt(browser, world.member.email, "not-the-password")
        assert resp.status_code == 422 and NO_MATCH in text(resp)
    resp = attempt(browser, world.member.email.upper(), "not-the-password")  # the same account, however typed
    assert resp.status_code == 429
    page = text(resp)
    assert ACCOUNT_LIMITED in page and "<h1>Too many sign-in attempts</h1>" in page
    assert 1 <= int(resp.headers["Retry-After"]) <= 61
    resp = attempt(browser, world.member.email, PASSWORD)  # the right password too, until the minute is over
    assert resp.status_code == 429 and ACCOUNT_LIMITED in text(resp)
    assert browser.get("/login").status_code == 200  # the page itself is never limited


def test_another_account_from_another_address_is_unaffected(browser, world):
    for _ in range(6):
        attempt(browser, world.member.email, "not-the-password", address="10.0.0.1")
    assert attempt(browser, world.member.email, PASSWORD, address="10.0.0.1").status_code == 429
    resp = attempt(browser, world.lead.email, PASSWORD, address="10.0.0.2")
    assert resp.status_code == 302


def test_an_account_is_limited_whatever_the_address(browser, world):
    for n in range(5):
        attempt(browser, world.member.email, "not-the-password", address=f"10.0.1.{n}")
    assert attempt(browser, world.member.email, PASSWORD, address="10.0.1.99").status_code == 429


def test_the_per_address_limit_counts_failures_across_accounts(app, browser, world):
    assert app.config["LOGIN_LIMIT_PER_ADDRESS"] == "30 per minute; 200 per hour"
    for n in range(30):
        resp = attempt(browser, f"guess{n}@example.org", "not-the-password", address="10.0.2.1")
        assert resp.status_code == 422, n
    resp = attempt(browser, world.lead.email, PASSWORD, address="10.0.2.1")
    assert resp.status_code == 429 and ADDRESS_LIMITED in text(resp)
    assert attempt(browser, world.lead.email, PASSWORD, address="10.0.2.2").status_code == 302


def test_successful_sign_ins_from_one_address_do_not_use_up_its_limit(app, browser, world, monkeypatch):
    """A school (or the district) behind one address signs in many teachers at once."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per minute")
    people = [world.lead, world.member, world.outsider, world.staff, world.admin]
    for person in people:
        assert attempt(browser.reset(), person.email, PASSWORD, address="10.0.3.1").status_code == 302
    for n in range(3):
        attempt(browser.reset(), f"typo{n}@example.org", PASSWORD, address="10.0.3.1")
    assert attempt(browser.reset(), world.reviewer_btu.email, PASSWORD, address="10.0.3.1").status_code == 429


def test_the_limits_are_configurable(app, browser, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per minute")
    attempt(browser, world.member.email, "wrong-password")
    attempt(browser, world.member.email, "wrong-password")
    assert attempt(browser, world.member.email, PASSWORD).status_code == 429


def test_only_the_routes_that_check_a_password_or_send_a_link_are_limited(app):
    from flask_limiter.util import get_qualified_name

    from app.extensions import limiter

    limited = {endpoint for endpoint, view in app.view_functions.items()
               if get_qualified_name(view) in limiter._marked_for_limiting}
    assert limited == {"auth.login", "auth.change_password", "auth.forgot_password"}
    assert not limiter.limit_manager.default_limits and not limiter.limit_manager.application_limits


def test_each_test_starts_with_no_attempts_counted_first(browser, world):
    """Runs after (or before) the tests above on the same worker: limits never leak between tests."""
    for _ in range(5):
        attempt(browser, world.member.email, "not-the-password")
    assert attempt(browser, world.member.email, PASSWORD).status_code == 429


def test_each_test_starts_with_no_attempts_counted_second(browser, world):
    for _ in range(5):
        attempt(browser, world.member.email, "not-the-password")
    assert attempt(browser, world.member.email, PASSWORD).status_code == 429


# -- the count is shared by every worker and server through Redis -------------------------------------
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")

ONE_SERVER = r"""
import json, sys
from app import create_app
from app.config import TestConfig
from app.extensions import db

redis_url, prefix, tries = sys.argv[1], sys.argv[2], int(sys.argv[3])

class Config(TestConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = redis_url
    RATELIMIT_STORAGE_OPTIONS = {"key_prefix": prefix}
    WTF_CSRF_ENABLED = False

app = create_app(Config)
with app.app_context():
    db.create_all()
    client = app.test_client()
    codes = [client.post("/login", data={"email": "someone@example.org", "password": "guess-%d" % n}).status_code
             for n in range(tries)]
print(json.dumps(codes))
"""


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is expected at {REDIS_URL} (CI runs one): {exc}. Start it, point TEST_REDIS_URL at "
                    "another, or set TEST_REDIS_URL= (empty) to skip this test.")
    return client


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is set empty: no Redis to test against")
def test_two_app_servers_share_one_count_through_redis():
    """Two separate processes at once, each its own app and its own connection to Redis, as two servers
    (or two workers) are: three wrong passwords each for one account, six in all, and the sixth is refused
    whichever server it reached."""
    client = _redis()
    prefix = f"tlf-test-signin-{uuid.uuid4().hex}"
    servers = [subprocess.Popen([sys.executable, "-c", ONE_SERVER, REDIS_URL, prefix, "3"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "SECRET_KEY": "x" * 40}) for _ in range(2)]
    try:
        codes = []
        for server in servers:
            out, err = server.communicate(timeout=120)
            assert server.returncode == 0, err[-3000:]
            codes += json.loads(out.strip().splitlines()[-1])
        assert sorted(codes) == [422] * 5 + [429]
        assert list(client.scan_iter(f"{prefix}*")), "the count was kept in Redis"
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def test_the_limits_use_redis_when_redis_url_is_set():
    script = "from app.config import Config as C; print(C.RATELIMIT_STORAGE_URI)"
    for env, want in (({"REDIS_URL": "redis://cache:6379/0"}, "redis://cache:6379/0"), ({}, "memory://")):
        clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")}
        done = subprocess.run([sys.executable, "-c", script], env={**clean, "SECRET_KEY": "x" * 40, **env},
                              cwd=ROOT, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == want


# -- no account discovery by timing -----------------------------------------------------------------
@pytest.fixture
def verifications(monkeypatch):
    calls = []
    real = PasswordHasher.verify

    def spy(self, hash, password):
        calls.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return calls


@pytest.mark.parametrize("case", ["unknown", "inactive", "wrong password", "right password"])
def test_the_password_is_verified_exactly_once_whatever_the_email(browser, world, verifications, case):
    member = db.session.get(User, world.member.id)
    member.set_password(PASSWORD)  # an argon2 hash, as every account gets once it has signed in
    if case == "inactive":
        member.active = False
    db.session.flush()
    email = "nobody@example.org" if case == "unknown" else member.email
    password = "not-the-password" if case == "wrong password" else PASSWORD
    resp = attempt(browser, email, password)
    assert resp.status_code == (302 if case == "right password" else 422)
    assert len(verifications) == 1
    assert verifications[0].startswith("$argon2id$")


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(browser, world):
    unknown = text(attempt(browser, "nobody@example.org", "not-the-password"))
    wrong = text(attempt(browser, world.member.email, "not-the-password"))
    assert NO_MATCH in unknown and NO_MATCH in wrong
    strip = lambda page: page.replace("nobody@example.org", "").replace(world.member.email, "")  # noqa: E731
    assert strip(unknown).replace(csrf_from(unknown), "") == strip(wrong).replace(csrf_from(wrong), "")


# -- failed sign-ins logged and recorded -------------------------------------------------------------
def _security_records(caplog):
    return [r for r in caplog.records if r.name == "app.security"]


@pytest.mark.parametrize("case,reason", [("unknown", "unknown account"), ("wrong", "wrong password"),
                                         ("inactive", "inactive account")])
def test_a_failed_sign_in_is_logged_without_the_password(browser, world, caplog, case, reason):
    member = db.session.get(User, world.member.id)
    if case == "inactive":
        member.active = False
        db.session.flush()
    email = "  Nobody@Example.org " if case == "unknown" else member.email.upper()
    password = PASSWORD if case != "wrong" else "a-secret-guess"
    with caplog.at_level(logging.WARNING, logger="app.security"):
        attempt(browser, email, password, address="10.0.4.7")
    [record] = _security_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.reason == reason and record.client_address == "10.0.4.7"
    assert record.email == email.strip().lower()
    message = record.getMessage()
    assert reason in message and email.strip().lower() in message and "10.0.4.7" in message
    assert password not in message and password not in str(vars(record))


def test_a_rate_limited_sign_in_is_logged(browser, world, caplog):
    for _ in range(5):
        attempt(browser, world.member.email, "not-the-password", address="10.0.4.8")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.security"):
        attempt(browser, world.member.email, "a-secret-guess", address="10.0.4.8")
    [record] = _security_records(caplog)
    assert record.reason == "rate limited" and record.client_address == "10.0.4.8"
    assert "a-secret-guess" not in str(vars(record))


def test_a_very_long_typed_email_is_cut_short_in_the_log(browser, caplog):
    email = "a" * 240 + "@example.org"
    with caplog.at_level(logging.WARNING, logger="app.security"):
        attempt(browser, email, "whatever-it-is")
    [record] = _security_records(caplog)
    assert record.email == email[:80]


def test_a_failed_sign_in_on_an_account_is_recorded_on_it(browser, world):
    attempt(browser, world.member.email, "a-secret-guess", address="10.0.4.9")
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_type == "user", AuditEvent.case_id == world.member.id)).all()
    assert event.trigger == "sign_in_failed" and event.actor_id is None
    assert event.data == {"reason": "wrong password", "address": "10.0.4.9"}
    assert "a-secret-guess" not in json.dumps(event.data)


def test_the_failure_is_recorded_once_the_answer_is_sent_not_before(browser, world):
    """Recording it before answering would make a known email answer later than an unknown one."""
    page = browser.get("/login")
    resp = browser.open("/login", method="POST", data={"email": world.member.email, "password": "a-wrong-guess",
                                                       "csrf_token": csrf_from(page.data)})
    assert resp.status_code == 422

    def recorded() -> int:
        return len(db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "user",
                                                               AuditEvent.case_id == world.member.id)).all())

    assert recorded() == 0
    resp.close()  # the server has sent the last byte
    assert recorded() == 1


def test_authenticate_tells_the_reason_only_to_the_log(world):
    with pytest.raises(accounts.SignInRefused) as refused:
        accounts.authenticate("nobody@example.org", PASSWORD)
    assert refused.value.reason == accounts.UNKNOWN and refused.value.user is None
    assert str(refused.value) == NO_MATCH and refused.value.field == "password"
