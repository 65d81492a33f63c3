"""A person's history: each admin act on an account (and each failed sign-in on it) is an audit event on
the person, with who did it and what changed, shown newest first on the person's admin page."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import AuditEvent, User
from app.people import history
from tests.conftest import csrf_from
from tests.people.test_admin_pages import text, user_form


@pytest.fixture
def admin(browser, world):
    browser.login(world.admin)
    return browser


@pytest.fixture
def ticking(monkeypatch):
    """clock.now() is July 1, 2026, 16:05 UTC (12:05 PM in Boston)."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 7, 1, 16, 5, tzinfo=UTC))


def events(user_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "user",
                                                           AuditEvent.case_id == user_id)
                                   .order_by(AuditEvent.id)))


def history_rows(page: str) -> list[list[str]]:
    section = page[page.index('id="history-heading"'):]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", section)
    return [list(r) for r in rows]


def member_form(world, **over):
    m = world.member
    return user_form(world, **{"name": m.name, "email": m.email, "roles": ["educator"],
                               "school_id": str(m.school_id), "job_title": m.job_title, **over})


def test_creating_an_account_is_recorded_with_the_admin(admin, world, ticking):
    resp = admin.post("/admin/users/new", user_form(world))
    assert resp.status_code == 302
    user = User.by_email("nia.newton@example.org")
    event, invited = events(user.id)
    assert event.trigger == "account_created" and event.actor_id == world.admin.id
    assert event.data["changes"]["roles"] == {"before": [], "after": ["educator"]}
    assert invited.trigger == "invitation_sent" and invited.actor_id == world.admin.id
    page = text(admin.get(f"/admin/users/{user.id}/edit"))
    assert history_rows(page) == [
        ["Jul 1, 2026 12:05 PM EDT", "Invitation to set a password sent", "Ada Admin", ""],
        ["Jul 1, 2026 12:05 PM EDT", "Account created", "Ada Admin",
         "email: none → nia.newton@example.org; roles: none → educator"]]


def test_each_change_to_an_account_is_its_own_event_with_before_and_after(admin, world, ticking):
    resp = admin.post(f"/admin/users/{world.member.id}/edit", member_form(
        world, email="max.m@example.org", roles=["educator", "reviewer"], side="BTU", name="Max Member-Ruiz"))
    assert resp.status_code == 302, text(resp)[:500]
    by_trigger = {e.trigger: e for e in events(world.member.id)}
    assert set(by_trigger) == {"email_changed", "roles_changed", "details_changed"}
    assert all(e.actor_id == world.admin.id for e in by_trigger.values())
    assert by_trigger["email_changed"].data == {"changes": {"email": {
        "before": "member@example.org", "after": "max.m@example.org"}}}
    assert by_trigger["roles_changed"].data == {"changes": {
        "roles": {"before": ["educator"], "after": ["educator", "reviewer"]},
        "side": {"before": None, "after": "BTU"}}}
    assert by_trigger["details_changed"].data == {"changes": {"name": {
        "before": "Max Member", "after": "Max Member-Ruiz"}}}
    page = text(admin.get(f"/admin/users/{world.member.id}/edit"))
    rows = history_rows(page)
    assert [r[1] for r in rows] == ["Details changed", "Roles changed", "Email changed"]
    assert rows[1][3] == "roles: educator → educator, reviewer; side: none → BTU"
    assert rows[2][3] == "email: member@example.org → max.m@example.org"
    assert {r[2] for r in rows} == {"Ada Admin"}


def test_saving_without_changes_records_nothing(admin, world):
    assert admin.post(f"/admin/users/{world.member.id}/edit", member_form(world)).status_code == 302
    assert events(world.member.id) == []
    assert "Nothing recorded yet." in text(admin.get(f"/admin/users/{world.member.id}/edit"))


def test_deactivating_and_reactivating_are_recorded(admin, world, ticking):
    form = member_form(world)
    form.pop("active")
    assert admin.post(f"/admin/users/{world.member.id}/edit", form).status_code == 302
    assert admin.post(f"/admin/users/{world.member.id}/edit", member_form(world)).status_code == 302
    assert [(e.trigger, e.actor_id) for e in events(world.member.id)] == [
        ("deactivated", world.admin.id), ("reactivated", world.admin.id)]
    rows = history_rows(text(admin.get(f"/admin/users/{world.member.id}/edit")))
    assert [r[:3] for r in rows] == [["Jul 1, 2026 12:05 PM EDT", "Reactivated", "Ada Admin"],
                                     ["Jul 1, 2026 12:05 PM EDT", "Deactivated", "Ada Admin"]]


def test_sign_out_everywhere_is_recorded_and_shown(admin, world, ticking):
    resp = admin.post(f"/admin/users/{world.member.id}/sign-out-everywhere")
    assert resp.status_code == 302
    [event] = events(world.member.id)
    assert (event.trigger, event.actor_id) == ("signed_out_everywhere", world.admin.id)
    page = text(admin.get(f"/admin/users/{world.member.id}/edit"))
    assert history_rows(page) == [["Jul 1, 2026 12:05 PM EDT", "Signed out on every device", "Ada Admin", ""]]


def test_a_failed_sign_in_shows_in_the_history_with_the_address(admin, browser, world, ticking, app):
    other = browser.__class__(app.test_client())
    page = other.get("/login", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    other.open("/login", method="POST", environ_base={"REMOTE_ADDR": "10.9.8.7"},
               data={"email": world.member.email, "password": "a-wrong-guess", "csrf_token": csrf_from(page.data)}
               ).close()  # recorded once the answer is sent
    rows = history_rows(text(admin.get(f"/admin/users/{world.member.id}/edit")))
    assert rows == [["Jul 1, 2026 12:05 PM EDT", "Sign-in failed", "No one signed in",
                     "reason: wrong password; from 10.9.8.7"]]


def test_the_history_shows_the_latest_twenty_newest_first(admin, world, ticking):
    member = db.session.get(User, world.member.id)
    for n in range(25):
        history.record(member, "sign_in_failed", None, {"reason": "wrong password", "address": f"10.0.0.{n}"})
    db.session.flush()
    rows = history_rows(text(admin.get(f"/admin/users/{world.member.id}/edit")))
    assert len(rows) == 20
    assert rows[0][3].endswith("from 10.0.0.24") and rows[-1][3].endswith("from 10.0.0.5")


def test_a_new_account_page_has_no_history_or_sessions_section(admin):
    page = text(admin.get("/admin/users/new"))
    assert "History" not in page and "Sign out on every device" not in page


def test_staff_cannot_sign_people_out(browser, world):
    browser.login(world.staff)
    assert browser.post(f"/admin/users/{world.member.id}/sign-out-everywhere").status_code == 403
    assert events(world.member.id) == []


def test_an_account_made_on_the_command_line_says_so_in_its_history(app, browser, world):
    result = app.test_cli_runner().invoke(args=["create-user", "--email", "cli.made@example.org", "--name",
                                                "Cleo Line", "--password", "a-long-password", "--role", "staff"])
    assert result.exit_code == 0, result.output
    made = User.by_email("cli.made@example.org")
    browser.login(world.admin)
    page = browser.get(f"/admin/users/{made.id}/edit").get_data(as_text=True)
    assert "Account created" in page and "The command line" in page
