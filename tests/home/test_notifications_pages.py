"""In-app notifications: my own, newest first, unread marked in words; mark one or all read."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import Notification, ProposalState

S = ProposalState


def text(resp) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))


def note(user, subject: str, minutes_ago: int = 0, read: bool = False, body: str = "Body text.",
         link: str = "") -> Notification:
    at = clock.now() - timedelta(minutes=minutes_ago)
    n = Notification(user_id=user.id, subject=subject, body=body, link=link, created_at=at,
                     read_at=at if read else None)
    db.session.add(n)
    db.session.commit()
    return n


def test_my_notifications_newest_first_with_unread_in_words(browser, world):
    note(world.lead, "Proposal submitted: older", minutes_ago=30, read=True)
    note(world.lead, "Proposal approved: newest", minutes_ago=1, body="Line one.\nLine two.")
    note(world.member, "Not for the lead", minutes_ago=0)
    browser.login(world.lead)
    resp = browser.get("/notifications")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    page = text(resp)
    assert html.count("<h1") == 1
    assert "1 unread of 2." in page
    assert page.index("Proposal approved: newest") < page.index("Proposal submitted: older")
    assert "Unread Proposal approved: newest" in page
    assert "Read: Proposal submitted: older" in page  # read ones say so (visually hidden) too
    assert "Not for the lead" not in page
    assert "Line one.\nLine two." in html  # plain text kept as written
    assert "Notifications (1 unread)" in page  # the nav


def test_the_nav_counts_unread_for_everyone_signed_in(browser, world):
    browser.login(world.reviewer_btu)
    assert "Notifications (0 unread)" in text(browser.get("/"))
    note(world.reviewer_btu, "Ready for your review: x")
    assert "Notifications (1 unread)" in text(browser.get("/"))


def test_a_real_transition_lands_in_the_teams_notifications_with_a_link(browser, world):
    p = world.proposals[S.SUBMITTED]
    browser.login(world.staff)
    browser.post(f"/proposals/{p.id}/actions/return_for_revision", {"comment": "Show the weekly schedule."})
    browser.reset().login(world.member)
    resp = browser.get("/notifications")
    page = text(resp)
    assert f"Proposal returned for revision: {p.title}" in page
    assert "Show the weekly schedule." in page
    assert f'href="/proposals/{p.id}"' in resp.get_data(as_text=True)
    assert browser.get(f"/proposals/{p.id}").status_code == 200


def test_mark_one_read(browser, world):
    n = note(world.lead, "Proposal approved: mine")
    browser.login(world.lead)
    resp = browser.post(f"/notifications/{n.id}/read", follow_redirects=True)
    assert "Marked as read." in text(resp)
    assert "All 1 read." in text(resp)
    db.session.refresh(n)
    assert n.read_at is not None
    # again: already read, nothing changes
    resp = browser.post(f"/notifications/{n.id}/read", follow_redirects=True)
    assert "That notification was already read." in text(resp)


def test_someone_elses_notification_is_not_found(browser, world):
    theirs = note(world.member, "Proposal approved: the member's")
    browser.login(world.lead)
    assert browser.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert browser.post("/notifications/999999/read").status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read_touches_only_mine(browser, world):
    mine = [note(world.lead, f"Mine {i}") for i in range(3)]
    theirs = note(world.member, "Theirs")
    browser.login(world.lead)
    resp = browser.post("/notifications/read-all", follow_redirects=True)
    assert "Marked 3 notifications as read." in text(resp)
    db.session.expire_all()
    assert all(db.session.get(Notification, n.id).read_at is not None for n in mine)
    assert db.session.get(Notification, theirs.id).read_at is None
    resp = browser.post("/notifications/read-all", follow_redirects=True)
    assert "Nothing was unread." in text(resp)


def test_paginated_and_bad_page_numbers_are_harmless(browser, world):
    for i in range(25):
        note(world.lead, f"Item {i:02d}", minutes_ago=100 - i)
    browser.login(world.lead)
    first = text(browser.get("/notifications"))
    assert "Item 24" in first and "Item 05" in first and "Item 04" not in first
    second = text(browser.get("/notifications?page=2"))
    assert "Item 04" in second and "Item 00" in second and "Item 05" not in second
    for bad in ("abc", "-3", "99999999999", "0"):
        assert browser.get(f"/notifications?page={bad}").status_code == 200


def test_no_notifications_yet(browser, world):
    browser.login(world.admin)
    assert "You have no notifications yet." in text(browser.get("/notifications"))


def test_subjects_and_bodies_are_escaped_in_the_page(browser, world):
    note(world.lead, "Proposal approved: <script>alert(1)</script>", body="<img src=x onerror=alert(2)>")
    browser.login(world.lead)
    html = browser.get("/notifications").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_reading_via_the_page_form_needs_a_csrf_token(browser, world):
    n = note(world.lead, "Proposal approved: csrf")
    browser.login(world.lead)
    resp = browser.open(f"/notifications/{n.id}/read", method="POST", data={})
    assert resp.status_code == 400
    assert db.session.scalar(select(Notification.read_at).where(Notification.id == n.id)) is None
