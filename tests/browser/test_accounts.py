"""Accounts that run themselves, in Chromium with axe on every page: an admin invites a person, who sets a
password from the emailed link and signs in; someone who forgot theirs asks for a link and sets a new one;
a broken link gets a page that says what to do."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

NEW = "blue heron over the harbor"


def link_sent_to(email: str, kind: str) -> str:
    """The path of the newest link emailed to ``email`` ("invitation" or "password/reset")."""
    for _ in range(50):  # "Forgot your password?" queues its email once the answer is sent
        db.session.remove()
        body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.to_email == email)
                                  .order_by(OutboxMessage.id.desc())).first()
        found = re.search(rf"https?://[^/\s]+(/{kind}/[A-Za-z0-9_.-]+)", body or "")
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no {kind} link emailed to {email}")


def set_password(v, first: str, second: str) -> None:
    v.page.get_by_label("New password", exact=True).fill(first)
    v.page.get_by_label("New password again").fill(second)
    v.click(v.page.get_by_role("button", name="Set password"))


def test_an_admin_invites_a_person_who_sets_a_password_and_signs_in(visitor, factory):
    school = factory.school("Mather Elementary")
    admin = factory.user("admin", name="Ada Admin", email="ada@example.org", school=school)
    db.session.commit()
    v = visitor(admin)
    v.goto("/admin/users/new")
    v.page.get_by_label("Name").fill("Nia Newton")
    v.page.get_by_label("Email").fill("nia.newton@example.org")
    v.page.get_by_label("Educator").check()
    v.click(v.page.get_by_role("button", name="Create the account"))
    assert "emailed them an invitation to set a password" in v.page.content()
    assert v.page.get_by_role("button", name="Send the invitation again").is_visible()

    nia = visitor()
    nia.goto(link_sent_to("nia.newton@example.org", "invitation"))
    assert nia.page.get_by_role("heading", level=1).inner_text() == "Set your password"
    set_password(nia, NEW, NEW + "?")  # the error summary, checked with axe by click()
    assert nia.page.get_by_role("alert").get_by_role("link", name=re.compile("New password again")).is_visible()
    set_password(nia, NEW, NEW)
    assert "Your password is set. Sign in with it." in nia.page.content()
    nia.page.get_by_label("Email").fill("nia.newton@example.org")
    nia.page.get_by_label("Password").fill(NEW)
    nia.click(nia.page.get_by_role("button", name="Sign in"))
    assert "Signed in as Nia Newton." in nia.page.content()


def test_someone_who_forgot_their_password_sets_a_new_one(visitor, factory):
    member = factory.user("educator", name="Max Member", email="member@example.org")
    db.session.commit()
    v = visitor()
    v.goto("/login")
    v.click(v.page.get_by_role("link", name="Forgot your password?"))
    v.page.get_by_label("Email").fill("member@example.org")
    v.click(v.page.get_by_role("button", name="Email me a link"))
    assert "If an account uses that address, we have sent it a link" in v.page.content()

    url = link_sent_to(member.email, "password/reset")
    v.goto(url)
    set_password(v, "short", "short")
    assert "Use at least 8 characters" in v.page.content()
    set_password(v, NEW, NEW)
    assert "Your new password is set. Sign in with it." in v.page.content()

    used = v.page.goto(url)
    assert used.status == 410
    v.check_a11y()
    assert v.page.get_by_role("heading", level=1).inner_text() == "This link has been used"
    broken = v.page.goto(url[:-4])
    assert broken.status == 400
    v.check_a11y()
    v.click(v.page.get_by_role("link", name="Ask for a new link"))
    assert v.page.get_by_role("heading", level=1).inner_text() == "Forgot your password?"
