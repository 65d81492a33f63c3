"""Sessions: signing out (and an admin's new password, deactivation, "sign out everywhere") ends every
copy of a session or remember-me cookie; a session ends after SESSION_LIFETIME_HOURS without a request."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from itsdangerous.timed import TimestampSigner

from app.extensions import db
from app.models import User
from tests.conftest import Browser, csrf_from
from tests.factories import PASSWORD

SIGNED_IN_PAGE = "/notifications"
ROOT = Path(__file__).resolve().parents[2]


def sign_in_through_form(browser: Browser, user: User, remember: bool = False):
    page = browser.get("/login")
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.data)}
    if remember:
        data["remember"] = "y"
    resp = browser.open("/login", method="POST", data=data)
    assert resp.status_code == 302, resp.data[:500]
    assert browser.get(SIGNED_IN_PAGE).status_code == 200


def copied_cookies(browser: Browser) -> dict[str, str]:
    cookies = {}
    for name in ("session", "remember_token"):
        cookie = browser.client.get_cookie(name)
        if cookie is not None:
            cookies[name] = cookie.value
    return cookies


def replay(app, cookies: dict[str, str]):
    """Another computer, holding copies of the cookies: where does a signed-in page send it?"""
    other = Browser(app.test_client())
    for name, value in cookies.items():
        other.client.set_cookie(name, value)
    return other.get(SIGNED_IN_PAGE)


def refused(resp) -> bool:
    return resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.fixture
def stolen(app, browser, world):
    """The member signed in with "keep me signed in"; copies of their session and of their remember-me
    cookie, each on its own, both still work before anything happens."""
    sign_in_through_form(browser, world.member, remember=True)
    cookies = copied_cookies(browser)
    assert set(cookies) == {"session", "remember_token"}
    assert not refused(replay(app, {"session": cookies["session"]}))
    assert not refused(replay(app, {"remember_token": cookies["remember_token"]}))
    return cookies


def assert_every_copy_refused(app, cookies):
    assert refused(replay(app, {"session": cookies["session"]})), "the copied session still works"
    assert refused(replay(app, {"remember_token": cookies["remember_token"]})), "the copied remember-me cookie still works"
    assert refused(replay(app, cookies))


def test_signing_out_ends_every_copy_of_the_session_and_the_remember_me_cookie(app, browser, stolen):
    resp = browser.post("/logout")
    assert refused(resp)
    assert "You are signed out." in browser.get("/login").get_data(as_text=True)
    assert_every_copy_refused(app, stolen)


def test_signing_out_signs_the_person_out_on_their_other_devices_too(app, browser, world):
    sign_in_through_form(browser, world.member)
    laptop = copied_cookies(browser)
    phone = Browser(app.test_client())
    sign_in_through_form(phone, world.member)
    phone.post("/logout")
    assert refused(replay(app, laptop))


def test_a_password_set_from_a_reset_link_ends_the_persons_sessions(app, browser, world, stolen):
    from app.people import password_links

    url = f"/password/reset/{password_links.make_token(world.member, password_links.RESET)}"
    other = Browser(app.test_client())
    resp = other.post(url, {"new_password": "blue heron over the harbor",
                            "new_password_again": "blue heron over the harbor"}, token_from=url)
    assert resp.status_code == 302 and resp.location.endswith("/login")
    assert_every_copy_refused(app, stolen)


def test_deactivation_ends_the_persons_sessions_for_good(app, browser, world, stolen):
    """Refused while deactivated, and still refused once reactivated: the person signs in afresh."""
    admin = Browser(app.test_client()).login(world.admin)
    member = world.member
    form = {"name": member.name, "email": member.email, "roles": ["educator"], "side": "",
            "school_id": str(member.school_id), "job_title": member.job_title}
    assert admin.post(f"/admin/users/{member.id}/edit", form).status_code == 302
    assert_every_copy_refused(app, stolen)
    assert admin.post(f"/admin/users/{member.id}/edit", {**form, "active": "y"}).status_code == 302
    assert_every_copy_refused(app, stolen)
    sign_in_through_form(Browser(app.test_client()), world.member)


def test_a_deactivated_person_holding_an_old_session_token_is_refused_anyway(app, browser, world):
    """Even a session whose token is still current names someone who may no longer sign in."""
    sign_in_through_form(browser, world.member)
    cookies = copied_cookies(browser)
    db.session.get(User, world.member.id).active = False
    db.session.flush()
    assert refused(replay(app, cookies))


def test_sign_out_everywhere_ends_the_persons_sessions_and_says_so(app, browser, world, stolen):
    admin = Browser(app.test_client()).login(world.admin)
    resp = admin.post(f"/admin/users/{world.member.id}/sign-out-everywhere")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/admin/users/{world.member.id}/edit")
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Max Member is signed out on every device: each must sign in again." in page
    assert_every_copy_refused(app, stolen)
    sign_in_through_form(Browser(app.test_client()), world.member)  # and may sign in again


def test_a_session_naming_only_the_id_as_before_is_refused(app, browser, world):
    """Sessions from before session tokens carried the bare id: they sign in again."""
    with browser.client.session_transaction() as sess:
        sess["_user_id"] = str(world.member.id)
        sess["_fresh"] = True
    assert refused(browser.get(SIGNED_IN_PAGE))
    token, now = db.session.get(User, world.member.id).session_token, int(time.time())
    for bad in (f"{world.member.id}:", f"{world.member.id}:nope", "99999999999999999999:x", ":", "x:y",
                f"{world.member.id}:{token}", f"{world.member.id}:{token}:", f"{world.member.id}:{token}:soon",
                f"{world.member.id}:{token}:{now}:{now}", f"{world.member.id}:nope:{now}"):
        with browser.client.session_transaction() as sess:
            sess["_user_id"] = bad
        assert refused(browser.get(SIGNED_IN_PAGE)), bad


def test_the_test_browser_signs_in_with_the_session_token(browser, world):
    browser.login(world.member)
    with browser.client.session_transaction() as sess:
        ident, token, signed_in = sess["_user_id"].split(":")
    assert (int(ident), token) == (world.member.id, db.session.get(User, world.member.id).session_token)
    assert abs(time.time() - int(signed_in)) < 60
    assert browser.get(SIGNED_IN_PAGE).status_code == 200


# -- how long a session lasts -------------------------------------------------------------------------
def at(monkeypatch, seconds_from_now: float):
    """Move the clock that signs and checks session cookies."""
    moment = int(time.time() + seconds_from_now)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: moment)


def test_a_session_ends_after_the_configured_hours_without_a_request(app, browser, world, monkeypatch):
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    assert lifetime == timedelta(hours=app.config["SESSION_LIFETIME_HOURS"]) == timedelta(hours=8)
    sign_in_through_form(browser, world.member)
    at(monkeypatch, lifetime.total_seconds() - 60)
    assert browser.get(SIGNED_IN_PAGE).status_code == 200  # fresh enough; and refreshed by this request
    at(monkeypatch, 2 * lifetime.total_seconds() - 120)
    assert browser.get(SIGNED_IN_PAGE).status_code == 200  # within the lifetime of the last request
    at(monkeypatch, 3 * lifetime.total_seconds())
    assert refused(browser.get(SIGNED_IN_PAGE))


def signed_in_days_ago(user: User, days: float) -> str:
    """What a session or remember-me cookie of ``user`` carries when they signed in ``days`` ago."""
    return f"{user.id}:{user.session_token}:{int(time.time() - days * 86400)}"


@pytest.mark.parametrize("days, kept", [(13.9, True), (14.1, False), (400, False)])
def test_no_session_outlives_remember_days_from_its_sign_in_however_active(app, browser, world, days, kept):
    """A person active every day, or a copied session cookie kept alive by a script, is signed out
    REMEMBER_DAYS after the sign-in (an absolute lifetime on top of the 8 hours of inactivity)."""
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    member = db.session.get(User, world.member.id)
    with browser.client.session_transaction() as sess:
        sess["_user_id"] = signed_in_days_ago(member, days)
        sess["_fresh"] = True
    assert refused(browser.get(SIGNED_IN_PAGE)) is not kept


@pytest.mark.parametrize("days, kept", [(13.9, True), (14.1, False), (400, False)])
def test_a_copied_remember_me_cookie_expires_on_the_server_too(app, world, days, kept):
    """The browser drops a remember-me cookie after REMEMBER_DAYS, but a copy sent by hand would be kept
    for ever were the server not to check when its sign-in was."""
    from flask_login.utils import encode_cookie

    member = db.session.get(User, world.member.id)
    with app.test_request_context():
        cookie = encode_cookie(signed_in_days_ago(member, days))
    assert refused(replay(app, {"remember_token": cookie})) is not kept


def test_the_session_cookie_is_permanent_and_refreshed_on_each_request(app, browser, world):
    assert app.config["SESSION_REFRESH_EACH_REQUEST"] is True
    sign_in_through_form(browser, world.member)
    cookie = browser.client.get_cookie("session")
    assert cookie.expires is not None  # a permanent session (ends with PERMANENT_SESSION_LIFETIME)
    resp = browser.get(SIGNED_IN_PAGE)
    assert "session=" in resp.headers.get("Set-Cookie", "")


def test_the_lifetimes_come_from_the_environment():
    script = ("from app.config import Config as C; "
              "print(C.PERMANENT_SESSION_LIFETIME.total_seconds(), C.REMEMBER_COOKIE_DURATION.days)")
    env = {**os.environ, "SESSION_LIFETIME_HOURS": "2", "REMEMBER_DAYS": "3", "SECRET_KEY": "x" * 40}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["7200.0", "3"]


def test_the_remember_me_checkbox_says_for_how_long_and_where(browser, world):
    page = browser.get("/login").get_data(as_text=True)
    assert "Keep me signed in on this device" in page
    assert "For 14 days, until you sign out. Only on a computer no one else uses; " \
           "otherwise you are signed out after 8 hours without activity." in page
    assert 'aria-describedby="remember-desc"' in page
