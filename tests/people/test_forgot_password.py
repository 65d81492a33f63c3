""""Forgot your password?": the same answer whatever the address, one email in the outbox for an active
account, a link that works once and for one hour; expired, used and tampered links get a clear page and
change nothing; asking is limited per address typed and per network address."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.models import AuditEvent, Notification, OutboxMessage, User
from app.people import password_links
from tests.conftest import Browser, csrf_from
from tests.factories import PASSWORD

NEW = "blue heron over the harbor"
LINK = re.compile(r"https?://[^/\s]+(/password/reset/[A-Za-z0-9_.-]+)")


def ask(browser: Browser, email: str, address: str = "127.0.0.1"):
    """The forgot form sent as a person sends it, answered and closed as a server closes it."""
    page = browser.get("/password/forgot", environ_base={"REMOTE_ADDR": address})
    resp = browser.open("/password/forgot", method="POST", environ_base={"REMOTE_ADDR": address},
                        data={"email": email, "csrf_token": csrf_from(page.data)})
    resp.get_data()
    resp.close()
    return resp


def outbox(email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_email == email)
                                   .order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def set_password(browser: Browser, url: str, new: str = NEW, again: str | None = None):
    return browser.post(url, {"new_password": new, "new_password_again": new if again is None else again})


def can_sign_in(app, email: str, password: str) -> bool:
    other = Browser(app.test_client())
    page = other.get("/login")
    return other.open("/login", method="POST", data={"email": email, "password": password,
                                                     "csrf_token": csrf_from(page.data)}).status_code == 302


def shown(browser: Browser, resp) -> str:
    return browser.get(resp.location).get_data(as_text=True).replace("&#39;", "'")


@pytest.fixture
def later(monkeypatch):
    """Move the clock: ``later(minutes=61)``."""
    start = clock.now()

    def move(**delta):
        monkeypatch.setattr(clock, "now", lambda: start + timedelta(**delta))

    return move


# -- asking ------------------------------------------------------------------------------------------
def test_the_sign_in_page_links_to_the_form_which_labels_its_field(browser):
    login = browser.get("/login").get_data(as_text=True)
    assert '<a href="/password/forgot">Forgot your password?</a>' in login
    page = browser.get("/password/forgot").get_data(as_text=True)
    assert re.search(r'<label[^>]*for="email"[^>]*>\s*Email\s*<', page)
    assert page.count("<h1") == 1 and 'name="submission_token"' in page


def test_the_answer_is_the_same_for_an_active_an_inactive_and_an_unknown_address(app, browser, world):
    db.session.get(User, world.outsider.id).active = False
    db.session.commit()
    answers = []
    for email in (world.member.email, world.outsider.email, "nobody@example.org"):
        resp = ask(browser.reset(), email)
        assert resp.status_code == 302 and resp.location.endswith("/login")
        page = shown(browser, resp)
        assert password_links.SENT_IF_KNOWN in page
        answers.append((resp.status_code, resp.location, page.count("alert")))
    assert len(set(answers)) == 1
    assert len(outbox(world.member.email)) == 1
    assert outbox(world.outsider.email) == [] and outbox("nobody@example.org") == []


def test_an_active_account_gets_one_email_with_a_link_and_nothing_in_its_notifications(browser, world):
    ask(browser, "  Member@Example.org ")  # as typed on a phone
    [message] = outbox(world.member.email)
    assert message.to_user_id == world.member.id and message.sent_at is None  # queued, sent by the mail worker
    assert message.subject == "Set a new password for the Teacher Leadership Fund app"
    assert "Hello Max Member," in message.body and "within one hour" in message.body
    assert "If you did not ask for it, you can ignore this email" in message.body
    assert link_in(message).startswith("/password/reset/")
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == world.member.id)) == 0  # a live link stays out of the in-app list


def test_the_email_is_queued_only_once_the_answer_is_sent(browser, world):
    page = browser.get("/password/forgot")
    resp = browser.open("/password/forgot", method="POST",
                        data={"email": world.member.email, "csrf_token": csrf_from(page.data)})
    assert outbox(world.member.email) == []  # the answer took as long as for an unknown address
    resp.close()
    assert len(outbox(world.member.email)) == 1


def test_asking_is_recorded_in_the_persons_history_and_an_inactive_account_gets_no_link(browser, world):
    ask(browser, world.member.email, address="10.0.0.7")
    db.session.get(User, world.outsider.id).active = False
    db.session.commit()
    ask(browser.reset(), world.outsider.email)
    sent = db.session.scalar(select(AuditEvent).where(AuditEvent.case_id == world.member.id,
                                                      AuditEvent.case_type == "user"))
    assert (sent.trigger, sent.actor_id, sent.data) == ("password_link_sent", None, {"address": "10.0.0.7"})
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.case_id == world.outsider.id,
                                                         AuditEvent.case_type == "user"))
    assert refused.trigger == "password_link_refused" and refused.data["reason"] == "inactive account"


@pytest.mark.parametrize("email, message", [
    ("", "Enter the email address you sign in with."),
    ("not-an-address", "Enter a valid email address"),
    ("a\x00b@example.org", "Remove the"),
    ("ab\x1b@example.org", "Remove the"),
    ("a" * 10_000 + "@example.org", "An email address has at most 254 characters."),
])
def test_bad_input_is_explained_and_kept_and_nothing_is_queued(browser, world, email, message):
    resp = ask(browser, email)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="error-summary"' in page and message in page
    if email.isprintable() and len(email) < 300:
        assert f'value="{email}"' in page
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_asking_is_limited_per_address_typed_whether_or_not_an_account_uses_it(app, browser, world, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_LINK_LIMIT_PER_EMAIL", "3 per hour")
    for email in (world.member.email, "nobody@example.org"):
        statuses = [ask(browser, email, address=f"10.1.0.{n}").status_code for n in range(4)]
        assert statuses == [302, 302, 302, 429]
    page = ask(browser, world.member.email, address="10.1.0.9").get_data(as_text=True)
    assert "<h1>Too many requests for a link</h1>" in page and "Use the latest email we sent" in page
    assert len(outbox(world.member.email)) == 3
    assert ask(browser, world.lead.email).status_code == 302  # someone else's address is not held up


def test_asking_is_limited_per_network_address(app, browser, world, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_LINK_LIMIT_PER_ADDRESS", "2 per minute")
    assert ask(browser, "a@example.org", address="10.2.0.1").status_code == 302
    assert ask(browser, "b@example.org", address="10.2.0.1").status_code == 302
    limited = ask(browser, world.member.email, address="10.2.0.1")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert outbox(world.member.email) == []
    assert ask(browser, world.member.email, address="10.2.0.2").status_code == 302


# -- the link ------------------------------------------------------------------------------------------
def test_the_link_sets_a_new_password_once_and_ends_every_session(app, browser, world):
    ask(browser, world.member.email)
    url = link_in(outbox(world.member.email)[0])
    page = browser.get(url)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    text = page.get_data(as_text=True)
    assert "Choose a new password" in text and "Max Member &lt;member@example.org&gt;" in text
    token_before = db.session.get(User, world.member.id).session_token

    resp = set_password(browser, url)
    assert resp.status_code == 302 and resp.location.endswith("/login")
    assert "Your new password is set. Sign in with it." in shown(browser, resp)
    db.session.expire_all()
    member = db.session.get(User, world.member.id)
    assert member.session_token != token_before  # every session and remember-me cookie ends
    assert can_sign_in(app, member.email, NEW) and not can_sign_in(app, member.email, PASSWORD)
    assert db.session.scalars(select(AuditEvent.trigger).where(
        AuditEvent.case_id == member.id, AuditEvent.case_type == "user").order_by(AuditEvent.id.desc())
        .limit(3)).all() == ["signed_in", "password_reset_by_link", "password_link_sent"]  # then signed in with it

    again = browser.get(url)
    assert again.status_code == 410
    text = again.get_data(as_text=True)
    assert "This link has been used already" in text and 'href="/password/forgot"' in text
    reused = set_password(browser.reset(), url, "someone else's choice")
    assert reused.status_code == 410
    db.session.expire_all()
    assert can_sign_in(app, member.email, NEW)


def test_the_link_expires_after_one_hour_and_changes_nothing(app, browser, world, later):
    ask(browser, world.member.email)
    url = link_in(outbox(world.member.email)[0])
    later(minutes=59)
    assert browser.get(url).status_code == 200
    later(minutes=61)
    page = browser.get(url)
    assert page.status_code == 410
    assert "a link to reset a password works for one hour" in page.get_data(as_text=True)
    assert set_password(browser, url).status_code == 410
    db.session.expire_all()
    assert can_sign_in(app, world.member.email, PASSWORD)


def test_a_link_from_the_future_is_refused(browser, world, later):
    later(hours=2)
    url = f"/password/reset/{password_links.make_token(world.member, password_links.RESET)}"
    later(hours=0)
    assert browser.get(url).status_code == 410


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-3] + ("aaa" if not t.endswith("aaa") else "bbb"),  # the signature
    lambda t: "W1sxXSwgIngiXQ" + t[t.index("."):],  # another payload under the same signature
    lambda t: t.split(".")[0],  # cut short
    lambda t: "x" * 500,
    lambda t: "not-a-token",
])
def test_a_tampered_link_gets_a_clear_page_and_changes_nothing(app, browser, world, mangle):
    token = password_links.make_token(world.member, password_links.RESET)
    url = f"/password/reset/{mangle(token)}"
    page = browser.get(url)
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "This link is not complete or not valid." in text and "Nothing was changed." in text
    assert 'href="/password/forgot"' in text and text.count("<h1") == 1
    assert set_password(browser, url).status_code == 400
    assert can_sign_in(app, world.member.email, PASSWORD)


def test_an_invitation_link_is_not_a_reset_link(browser, world):
    token = password_links.make_token(world.member, password_links.INVITATION)
    assert browser.get(f"/password/reset/{token}").status_code == 400


def test_a_link_stops_working_when_the_email_changes_or_the_account_is_deactivated(browser, world):
    url = f"/password/reset/{password_links.make_token(world.member, password_links.RESET)}"
    member = db.session.get(User, world.member.id)
    member.email = "max.new@example.org"
    db.session.commit()
    assert browser.get(url).status_code == 410
    url = f"/password/reset/{password_links.make_token(member, password_links.RESET)}"
    member.active = False
    db.session.commit()
    page = browser.get(url)
    assert page.status_code == 403 and "This account is not active" in page.get_data(as_text=True)


@pytest.mark.parametrize("new, again, message", [
    ("short", "short", "Use at least 8 characters: that password has 5."),
    ("Password123!", "Password123!", "That password is one of the most commonly used"),
    ("Max Member", "Max Member", "A password made of your own name or email address"),
    (NEW, NEW + "!", "The two passwords are not the same: type it again in both boxes."),
    ("blue\x00heron harbor", "blue\x00heron harbor", "Remove the"),
    ("x" * 300 + "yz", "x" * 300 + "yz", "Keep the password to 256 characters or fewer"),
    ("", "", "Enter a new password."),
])
def test_a_refused_password_is_explained_and_the_link_still_works(app, browser, world, new, again, message):
    url = f"/password/reset/{password_links.make_token(world.member, password_links.RESET)}"
    resp = set_password(browser, url, new, again)
    page = resp.get_data(as_text=True).replace("&#39;", "'")
    assert resp.status_code == 422 and 'id="error-summary"' in page and message in page
    assert f'value="{new}"' not in page or not new  # a password is never shown back
    assert set_password(browser, url).status_code == 302
    assert can_sign_in(app, world.member.email, NEW)


def test_an_admin_sends_a_link_from_the_persons_page(app, browser, world):
    browser.login(world.admin)
    page = browser.get(f"/admin/users/{world.member.id}/edit").get_data(as_text=True)
    assert "Email a link to set a new password" in page
    resp = browser.post(f"/admin/users/{world.member.id}/password-link", {})
    assert resp.status_code == 302
    assert "Sent Max Member a link to set a new password (it works for one hour)." in shown(browser, resp)
    [message] = outbox(world.member.email)
    assert "Ada Admin, an admin of the Teacher Leadership Fund app, sent you this link" in message.body
    assert set_password(browser.reset(), link_in(message)).status_code == 302
    assert can_sign_in(app, world.member.email, NEW)


@pytest.mark.commits
def test_the_same_link_sent_from_two_tabs_at_the_same_moment_sets_one_password(app, world):
    """The person's row is locked while the link is checked and used: the second request waits for the
    first, then finds the link used (410). PostgreSQL only: SQLite, the demo's database, has no row locks."""
    import threading

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    url = f"/password/reset/{password_links.make_token(world.member, password_links.RESET)}"
    email = world.member.email
    db.session.commit()
    posts = []
    for choice in ("first choice of words", "second choice of words"):
        b = Browser(app.test_client())
        posts.append((b.client, {"new_password": choice, "new_password_again": choice, "csrf_token": b.token()}))
    db.session.remove()
    start, results = threading.Barrier(2), [None, None]

    def post(i, client, data):
        start.wait(10)
        results[i] = client.post(url, data=data).status_code

    threads = [threading.Thread(target=post, args=(i, c, d)) for i, (c, d) in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [302, 410], results
    assert [can_sign_in(app, email, f"{w} choice of words") for w in ("first", "second")].count(True) == 1
