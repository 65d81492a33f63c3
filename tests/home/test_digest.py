"""Immediate email or a daily digest: each person chooses on their account page; the worker sends one digest
a day at DIGEST_AT with everything held since the last, never twice (a real SMTP server on 127.0.0.1)."""
from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.models import EmailDelivery, Notification, OutboxMessage, ProposalState
from app.people import history, password_links
from app.worker import Worker, WorkerSettingError, digest_time
from tests.core.test_worker import _two_at_once, boston
from tests.smtp_server import smtp_fixture  # noqa: F401  (the smtp fixture)

S = ProposalState


@pytest.fixture
def at(monkeypatch):
    """Set the app's clock: ``at(datetime)``."""
    def move(moment):
        monkeypatch.setattr(clock, "now", lambda: moment.astimezone(UTC))

    return move


def checked(page: str) -> str:
    """The value of the delivery radio that is checked."""
    (value,) = [re.search(r'value="(\w+)"', tag)[1] for tag in re.findall(r'<input[^>]*name="delivery"[^>]*>', page)
                if re.search(r"\bchecked\b", tag)]
    return value


def choose(browser, user, delivery: str):
    browser.reset().login(user)
    resp = browser.post("/account/email", {"delivery": delivery})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()


def test_the_account_page_offers_immediate_or_daily_and_keeps_the_choice(browser, world):
    browser.login(world.member)
    page = browser.get("/account/email").get_data(as_text=True)
    assert page.count("<h1") == 1 and 'type="radio"' in page
    assert checked(page) == "immediate"  # the default
    resp = browser.post("/account/email", {"delivery": "daily"})
    assert resp.status_code == 302
    db.session.refresh(world.member)
    assert world.member.email_delivery is EmailDelivery.DAILY
    [entry] = [e for e in history.recent(world.member) if e.label == "Email delivery changed"]
    assert entry.who == world.member.name and entry.details == "email: each message as it comes → one daily digest"
    shown = browser.get("/account/email").get_data(as_text=True)
    assert checked(shown) == "daily"
    assert "0 messages waiting for your next digest." in shown
    assert "one daily digest" in browser.get("/notifications").get_data(as_text=True)
    # nonsense is refused on the page, nothing changes
    resp = browser.post("/account/email", {"delivery": "weekly"})
    assert resp.status_code == 422 and "Not a valid choice" in resp.get_data(as_text=True)
    db.session.refresh(world.member)
    assert world.member.email_delivery is EmailDelivery.DAILY


def test_a_digest_person_gets_one_email_a_day_with_everything_since_the_last(browser, world, smtp, at, app):
    choose(browser, world.member, "daily")
    p = world.draft
    day = (p.cycle.opens_on + timedelta(days=1))
    at(boston(day, 9))
    browser.reset().login(world.lead)
    assert browser.post(f"/proposals/{p.id}/actions/submit", {"confirm_step": "yes"}).status_code == 302
    browser.reset().login(world.staff)
    browser.post(f"/proposals/{p.id}/actions/return_for_revision", {"comment": "Tie the budget to the plan."})
    worker = Worker(app, digest_at="17:00")

    # before the digest hour: the lead (immediate) gets each message; the member (daily) none, though the
    # same words are in the member's in-app notifications at once
    r = worker.run_pass()
    assert r.digests is None
    assert smtp.subjects_to(world.lead.email) == [f"Receipt: proposal submitted: {p.title}",
                                                  f"Proposal returned for revision: {p.title}"]
    assert smtp.to(world.member.email) == []
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == world.member.id)) == 2

    # at the hour: one digest, both messages in it, oldest first
    at(boston(day, 17, 0))
    assert worker.run_pass().digests == 1
    (mail,) = smtp.to(world.member.email)
    assert mail["Subject"] == f"Your daily digest for {day:%B %-d, %Y}: 2 messages"
    body = smtp.body_to(world.member.email)
    first, second = body.index(f"Receipt: proposal submitted: {p.title}"), body.index("Proposal returned for revision")
    assert first < second and "Tie the budget to the plan." in body
    assert "Lena Lead submitted the proposal" in body and body.count("--\nTeacher Leadership Fund") == 1
    assert "https://tlf.example.org/account/email" in body

    # never twice: later passes, another worker, a restart the same day
    at(boston(day, 17, 30))
    assert worker.run_pass().digests is None
    assert Worker(app, digest_at="17:00").run_pass().digests == 0
    assert len(smtp.to(world.member.email)) == 1

    # a message after today's digest waits for tomorrow's, which holds only it
    browser.reset().login(world.lead)
    assert browser.post(f"/proposals/{p.id}/actions/resubmit", {"confirm_step": "yes"}).status_code == 302
    assert Worker(app, digest_at="17:00").run_pass().digests == 0
    assert len(smtp.to(world.member.email)) == 1
    at(boston(day + timedelta(days=1), 17, 1))
    assert worker.run_pass().digests == 1
    assert smtp.subjects_to(world.member.email)[1].endswith(": 1 message")
    assert f"Receipt: proposal resubmitted: {p.title}" in smtp.body_to(world.member.email, 1)
    held = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == world.member.id,
                                                          OutboxMessage.held_for_digest.is_(True))).all()
    assert len(held) == 3 and all(m.digest_id is not None and m.sent_at is None for m in held)


def test_going_back_to_immediate_sends_what_was_held(browser, world, smtp, app):
    choose(browser, world.member, "daily")
    browser.reset().login(world.lead)
    assert browser.post(f"/proposals/{world.draft.id}/actions/submit", {"confirm_step": "yes"}).status_code == 302
    smtp.deliver()
    assert smtp.to(world.member.email) == []
    choose(browser, world.member, "immediate")
    smtp.deliver()
    assert smtp.subjects_to(world.member.email) == [f"Receipt: proposal submitted: {world.draft.title}"]


def test_links_to_set_a_password_are_never_held(browser, world, smtp):
    choose(browser, world.member, "daily")
    password_links.send_reset(world.member, None, "127.0.0.1")  # "Forgot your password?"
    db.session.commit()
    smtp.deliver()
    assert len(smtp.to(world.member.email)) == 1 and "password" in smtp.subjects_to(world.member.email)[0].lower()


def test_digest_at_must_be_a_time_of_day():
    assert digest_time("17:00").hour == 17 and digest_time("") is None
    with pytest.raises(WorkerSettingError, match="DIGEST_AT must be a Boston time of day"):
        digest_time("5pm")


@pytest.mark.commits
def test_two_workers_at_the_digest_hour_make_one_digest_each(app, app_ctx, world, smtp):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two workers in one process at once need PostgreSQL (SQLite: one writer at a time)")
    from app.cases import notify

    people = [world.lead, world.member, world.staff, world.reviewer_btu]
    for u in people:
        u.email_delivery = EmailDelivery.DAILY
    db.session.commit()
    for i in range(5):
        for u in people:
            notify.queue(u, f"Proposal approved: number {i}", "Hello.\n")
    db.session.commit()

    counts = _two_at_once(app, lambda: Worker(app, digest_at="00:00", reminders_at="").run_pass().digests)
    assert sum(counts) == len(people)
    for u in people:
        (mail,) = smtp.to(u.email)
        assert str(mail["Subject"]).endswith(": 5 messages")
    digests = db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("digest:%"))).all()
    assert len(digests) == len(people)
    held = db.session.scalars(select(OutboxMessage).where(OutboxMessage.held_for_digest.is_(True))).all()
    assert len(held) == 20 and len({(m.id, m.digest_id) for m in held}) == 20 and all(m.digest_id for m in held)
