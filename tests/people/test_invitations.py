"""Invitations: an admin creates an account without a password and the person sets one from an emailed
link (INVITATION_DAYS, once); the admin sees whether it is outstanding and can send it again."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import OutboxMessage, User
from app.people import accounts, invitations, password_links
from app.people.accounts import PeopleError
from tests.people.test_forgot_password import NEW, can_sign_in, outbox, set_password, shown

LINK = re.compile(r"https?://[^/\s]+(/invitation/[A-Za-z0-9_.-]+)")
FORM = {"name": "Nia Newton", "email": "nia.newton@example.org", "roles": ["educator"], "side": "",
        "job_title": "Special educator", "active": "y"}


def invitation_link(email: str = "nia.newton@example.org") -> str:
    message = outbox(email)[-1]
    assert message.subject == "You are invited to the Teacher Leadership Fund app"
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


@pytest.fixture
def admin(browser, world):
    browser.login(world.admin)
    return browser


def create(admin, world, **over):
    resp = admin.post("/admin/users/new", {**FORM, "school_id": str(world.school.id), **over})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    return resp


def test_an_invited_person_sets_a_password_and_signs_in_end_to_end(app, admin, browser, world):
    create(admin, world)
    user = User.by_email("nia.newton@example.org")
    assert not user.has_password and not can_sign_in(app, user.email, "")
    [message] = outbox(user.email)
    assert "Ada Admin has given you an account at the Teacher Leadership Fund app" in message.body
    assert "the link works once, for 7 days, until" in message.body
    url = invitation_link()

    visitor = browser.reset()
    page = visitor.get(url).get_data(as_text=True)
    assert "<h1 class=\"h2 mb-3\">Set your password</h1>" in page and "Nia Newton &lt;nia.newton@example.org&gt;" in page
    resp = set_password(visitor, url)
    assert resp.status_code == 302 and "Your password is set. Sign in with it." in shown(visitor, resp)
    db.session.expire_all()
    assert User.by_email("nia.newton@example.org").has_password
    assert can_sign_in(app, "nia.newton@example.org", NEW)
    used = visitor.get(url)
    assert used.status_code == 410 and "This invitation has been used already" in used.get_data(as_text=True)


def test_the_admin_sees_the_invitation_outstanding_then_expired_and_sends_it_again(admin, world, monkeypatch):
    start = clock.now()
    create(admin, world)
    user = User.by_email("nia.newton@example.org")
    page = admin.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert "Invitation sent" in page and "it has not been used yet" in page
    first = invitation_link()

    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=7, minutes=1))
    page = admin.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert "expired" in page and "without being used: send it again." in page
    expired = admin.get(first)
    assert expired.status_code == 410 and "This invitation has expired" in expired.get_data(as_text=True)

    resp = admin.post(f"/admin/users/{user.id}/password-link", {})
    assert resp.status_code == 302
    assert "Sent Nia Newton an invitation to set a password (the link works for 7 days)." in shown(admin, resp)
    assert len(outbox(user.email)) == 2
    page = admin.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert "it has not been used yet" in page and "Send the invitation again" in page
    assert admin.reset().get(invitation_link()).status_code == 200


def test_invitation_days_sets_how_long_the_link_works(app, admin, world, monkeypatch):
    monkeypatch.setitem(app.config, "INVITATION_DAYS", 2)
    start = clock.now()
    create(admin, world)
    url = invitation_link()
    assert "for 2 days" in outbox("nia.newton@example.org")[0].body
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=1, hours=23))
    assert admin.get(url).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=2, minutes=1))
    assert admin.get(url).status_code == 410


def test_an_account_created_inactive_gets_no_invitation_until_it_is_active(admin, world):
    resp = create(admin, world, active="")
    assert "It is not active, so no invitation was sent" in shown(admin, resp)
    assert outbox("nia.newton@example.org") == []
    user = User.by_email("nia.newton@example.org")
    page = admin.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert "has no password yet and no invitation has been sent" in page and "make it active" in page
    with pytest.raises(PeopleError, match="not active"):
        invitations.invite(user, world.admin)


def test_invite_refuses_someone_who_has_a_password(world):
    with pytest.raises(PeopleError, match="has already set a password"):
        invitations.invite(db.session.get(User, world.member.id), None)
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_invite_is_the_door_an_import_can_call(world):
    user = accounts.create_user(email="ian.import@example.org", name="Ian Import", password=None, roles=["educator"])
    message = invitations.invite(user, None)
    assert message.to_user_id == user.id and "You have an account at the Teacher Leadership Fund app" in message.body
    assert invitations.status(user).outstanding
    token = LINK.search(message.body).group(1).rsplit("/", 1)[1]
    assert password_links.holder(token, password_links.INVITATION) == user


def test_a_person_without_a_password_cannot_sign_in_with_an_empty_one(app, world):
    user = accounts.create_user(email="nopass@example.org", name="No Pass", password=None, roles=["educator"])
    db.session.commit()
    assert user.password_hash == "" and not user.has_password
    for guess in ("", " ", "None"):
        assert not can_sign_in(app, "nopass@example.org", guess)


def test_a_reset_link_also_lets_an_invited_person_set_a_password(app, browser, world):
    """Someone whose invitation expired asks "Forgot your password?" and gets a link all the same."""
    user = accounts.create_user(email="late@example.org", name="Lee Late", password=None, roles=["educator"])
    db.session.commit()
    url = f"/password/reset/{password_links.make_token(user, password_links.RESET)}"
    assert set_password(browser, url).status_code == 302
    assert can_sign_in(app, "late@example.org", NEW)
