"""A signed-in person changes their own password: the current one first, the new one twice; they stay
signed in here and are signed out everywhere else; the act is in their history."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import Browser, csrf_from
from tests.factories import PASSWORD
from tests.people.test_sessions import copied_cookies, refused, replay, sign_in_through_form

PAGE = "/account/password"
NEW = "blue heron over the harbor"


def change(browser: Browser, current=PASSWORD, new=NEW, again=NEW):
    token = csrf_from(browser.get(PAGE).data)
    return browser.open(PAGE, method="POST", data={"csrf_token": token, "current_password": current,
                                                   "new_password": new, "new_password_again": again})


def can_sign_in(app, user: User, password: str) -> bool:
    other = Browser(app.test_client())
    page = other.get("/login")
    resp = other.open("/login", method="POST", data={"email": user.email, "password": password,
                                                     "csrf_token": csrf_from(page.data)})
    return resp.status_code == 302


def test_the_page_is_linked_from_every_signed_in_page_and_labels_its_fields(browser, world):
    browser.login(world.member)
    home = browser.get("/").get_data(as_text=True)
    assert 'href="/account/password"' in home and "Change password" in home
    page = browser.get(PAGE).get_data(as_text=True)
    for name, label in (("current_password", "Current password"), ("new_password", "New password"),
                        ("new_password_again", "New password again")):
        assert re.search(rf'<label[^>]*for="{name}"[^>]*>\s*{label}\s*<', page), label
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page


def test_changing_it_keeps_me_signed_in_here_and_signs_out_my_other_devices(app, browser, world):
    elsewhere = Browser(app.test_client())
    sign_in_through_form(elsewhere, world.member, remember=True)
    stolen = copied_cookies(elsewhere)
    browser.login(world.member)

    resp = change(browser)
    assert resp.status_code == 302
    home = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Your password is changed. You stay signed in here; everywhere else you are signed out." in home
    assert browser.get("/notifications").status_code == 200  # still signed in here
    assert refused(replay(app, stolen))  # the other computer's session and remember-me cookie are out

    member = db.session.get(User, world.member.id)
    assert member.password_hash.startswith("$argon2id$")
    assert can_sign_in(app, member, NEW) and not can_sign_in(app, member, PASSWORD)
    (event,) = db.session.query(AuditEvent).filter_by(case_type="user", case_id=member.id,
                                                      trigger="password_changed").all()
    assert event.actor_id == member.id


@pytest.mark.parametrize("current, new, again, field, message", [
    ("not my password", NEW, NEW, "current_password", "That is not your current password."),
    (PASSWORD, "short", "short", "new_password", "Use at least 8 characters: that password has 5."),
    (PASSWORD, "Baseball2024!", "Baseball2024!", "new_password", "That password is one of the most commonly used"),
    (PASSWORD, "Max Member", "Max Member", "new_password", "A password made of your own name or email address"),
    (PASSWORD, NEW, NEW + "!", "new_password_again",
     "The two new passwords are not the same: type it again in both boxes."),
    # the factories' password is a common one: the rules refuse it before noticing it is the current one
    (PASSWORD, PASSWORD, PASSWORD, "new_password", "That password is one of the most commonly used"),
    ("", NEW, NEW, "current_password", "Enter your current password."),
])
def test_a_refusal_is_explained_beside_its_field_and_nothing_changes(app, browser, world, current, new, again,
                                                                     field, message):
    browser.login(world.member)
    resp = change(browser, current, new, again)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="error-summary"' in page and message in page
    assert f'href="#{field}"' in page  # the summary links to the field
    assert browser.get("/notifications").status_code == 200
    member = db.session.get(User, world.member.id)
    assert can_sign_in(app, member, PASSWORD)
    assert not db.session.query(AuditEvent).filter_by(case_type="user", trigger="password_changed").count()


def test_guessing_the_current_password_is_slowed(browser, world):
    browser.login(world.member)
    statuses = [change(browser, current=f"guess {n}").status_code for n in range(6)]
    assert statuses == [422] * 5 + [429]
    assert "Too many tries at your current password." in change(browser).get_data(as_text=True)


def test_someone_signed_out_is_sent_to_sign_in(browser):
    resp = browser.get(PAGE)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
