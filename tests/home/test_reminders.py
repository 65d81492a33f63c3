"""Daily reminders of overdue reviews, revisions and reports: once per day per item and person."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.home import reminders
from app.models import Notification, OutboxMessage, ProgressReport, ProposalState
from tests.smtp_server import smtp_fixture  # noqa: F401  (the smtp fixture)
from tests.sqlcount import statements as sql_statements

S = ProposalState


@pytest.fixture(name="due")
def due_fixture(world, factory):
    """Overdue work of every kind, and look-alikes that are not overdue."""
    today = clock.today()
    w = world
    # reviews: one overdue and unsubmitted; the world's own reviews are submitted
    late_review = factory.assign(w.in_review, w.reviewer_unassigned, w.staff)
    late_review.due_on = today - timedelta(days=2)
    # a conflicted reviewer's overdue assignment is not reminded
    cora = factory.user("reviewer", name="Cora Conflicted", email="cora@example.org", side="BPS")
    factory.assign(w.in_review, cora, w.staff).due_on = today - timedelta(days=2)
    factory.conflict(w.in_review, cora)
    # a review not yet due
    ok_review = factory.assign(w.in_review, w.co_chair_bps, w.staff)
    ok_review.due_on = today + timedelta(days=5)

    # revisions: the world's proposal is due in 40 days (nothing); one past its deadline, one due in 3 days
    past = factory.cycle("Spring round", opens_on=today - timedelta(days=90), closes_on=today - timedelta(days=60),
                         revision_deadline=today - timedelta(days=1))
    soon = factory.cycle("Summer round", opens_on=today - timedelta(days=30), closes_on=today - timedelta(days=1),
                         revision_deadline=today + timedelta(days=3))
    late_revision = factory.proposal(w.team, past, state=S.REVISIONS_REQUESTED, title="Late revision")
    soon_revision = factory.proposal(w.team, soon, state=S.REVISIONS_REQUESTED, title="Revision due soon")

    # reports: the active grant's progress report is overdue; another grant's final report is overdue;
    # a third filed its progress report
    active = w.proposals[S.ACTIVE]
    active.progress_report_due = today - timedelta(days=3)
    active.final_report_due = today + timedelta(days=100)
    final_late = factory.proposal(w.other_team, w.cycle, state=S.ACTIVE, title="Final report late")
    final_late.progress_report_due = today - timedelta(days=200)
    final_late.final_report_due = today - timedelta(days=1)
    db.session.add(ProgressReport(proposal=final_late, progress_so_far="Done", early_evidence="Good",
                                  challenges="Time", next_steps="More", submitted_at=clock.now(),
                                  submitted_by_id=w.outsider.id))
    db.session.commit()
    return {"today": today, "late_review": late_review, "late_revision": late_revision,
            "soon_revision": soon_revision, "active": active, "final_late": final_late}


def keyed(queued) -> set[tuple[str, int, str]]:
    return {(q.item.kind, q.item.item_id, q.user.email) for q in queued}


def test_what_is_due_and_who_is_reminded(app_ctx, world, due):
    today = due["today"]
    queued = reminders.queue_reminders(today)
    db.session.commit()
    w = world
    assert keyed(queued) == {
        ("review", due["late_review"].id, w.reviewer_unassigned.email),
        ("revision", due["late_revision"].id, w.lead.email),
        ("revision_due_soon", due["soon_revision"].id, w.lead.email),
        ("progress_report", due["active"].id, w.lead.email),
        ("progress_report", due["active"].id, w.member.email),
        ("final_report", due["final_late"].id, w.outsider.email),
        ("final_report", due["final_late"].id, "peer@example.org"),
    }
    rows = {r.dedupe_key: r for r in db.session.scalars(select(OutboxMessage))}
    key = f"reminder:review:{due['late_review'].id}:{w.reviewer_unassigned.id}:{today.isoformat()}"
    assert rows[key].subject == f"Reminder: Overdue review: {w.in_review.title}"
    assert "Your review of this proposal is overdue." in rows[key].body
    assert "(2 days ago)" in rows[key].body
    soon = next(r for r in rows.values() if r.dedupe_key.startswith("reminder:revision_due_soon:"))
    assert soon.subject == f"Reminder: Revision due {due['soon_revision'].cycle.revision_deadline:%B %-d}: Revision due soon"
    assert "(in 3 days)" in soon.body
    # each reminder is also an in-app notification
    assert db.session.scalar(select(func.count(Notification.id))) == len(queued)


def test_running_twice_the_same_day_queues_nothing_new(app_ctx, world, due):
    first = reminders.queue_reminders(due["today"])
    db.session.commit()
    assert first
    assert reminders.queue_reminders(due["today"]) == []
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == len(first)
    assert db.session.scalar(select(func.count(Notification.id))) == len(first)


def test_the_next_day_they_are_sent_again(app_ctx, world, due):
    first = reminders.queue_reminders(due["today"])
    db.session.commit()
    second = reminders.queue_reminders(due["today"] + timedelta(days=1))
    db.session.commit()
    # the revision due "soon" is now due in 2 days: still reminded; everything else again too
    assert keyed(second) == keyed(first)


def test_done_work_is_not_reminded(app_ctx, world, due, factory):
    factory.review(due["late_review"])  # submitted
    due["active"].progress_report = ProgressReport(progress_so_far="x", early_evidence="x", challenges="x",
                                                   next_steps="x", submitted_at=clock.now())
    due["late_revision"].state = S.SUBMITTED  # resubmitted
    db.session.commit()
    kinds = {q.item.kind for q in reminders.queue_reminders(due["today"])}
    assert kinds == {"revision_due_soon", "final_report"}


def test_a_second_insert_of_the_same_key_is_a_no_op(app_ctx, world):
    """Two runs at once: the unique dedupe key and ON CONFLICT DO NOTHING keep one row."""
    values = dict(to_email=world.lead.email, to_user_id=world.lead.id, subject="Reminder", body="Body",
                  dedupe_key="reminder:final_report:1:1:2030-01-01", case_type="proposal", case_id=1,
                  created_at=clock.now(), attempts=0, last_error="", next_attempt_at=None)
    first = reminders._insert_once(values)
    assert first is not None
    assert reminders._insert_once(values) is None
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_send_reminders_command_queues_sends_and_does_not_repeat(app, world, due, smtp):
    runner = app.test_cli_runner()
    day = due["today"].isoformat()
    result = runner.invoke(args=["send-reminders", "--today", day])
    assert result.exit_code == 0, result.output
    assert f"Queued 7 reminders for {due['today']:%B %-d, %Y}:" in result.output
    assert "review (was due" in result.output and "Rita Btu" not in result.output
    assert "Sent 7 messages." in result.output
    assert smtp.subjects_to(world.reviewer_unassigned.email) == [
        f"Reminder: Overdue review: {world.in_review.title}"]
    assert sorted(smtp.subjects_to(world.lead.email)) == sorted([
        f"Reminder: Overdue progress report: {due['active'].title}",
        "Reminder: Revision deadline passed: Late revision",
        f"Reminder: Revision due {due['soon_revision'].cycle.revision_deadline:%B %-d}: Revision due soon",
    ])

    result = runner.invoke(args=["send-reminders", "--today", day])
    assert result.exit_code == 0, result.output
    assert "No new reminders" in result.output
    assert len(smtp.messages) == 7

    tomorrow = (due["today"] + timedelta(days=1)).isoformat()
    result = runner.invoke(args=["send-reminders", "--today", tomorrow])
    assert "Queued 7 reminders" in result.output and "Sent 7 messages." in result.output
    assert len(smtp.messages) == 14


def test_send_reminders_without_mail_only_queues(app, world, due, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ENABLED", False)
    result = app.test_cli_runner().invoke(args=["send-reminders", "--today", due["today"].isoformat()])
    assert result.exit_code == 0 and "Queued 7 reminders" in result.output and "Sent" not in result.output
    assert smtp.messages == []
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert "Sent 7 messages." in result.output


def test_send_reminders_rejects_a_bad_date(app, app_ctx):
    result = app.test_cli_runner().invoke(args=["send-reminders", "--today", "next tuesday"])
    assert result.exit_code == 2 and "Invalid value for '--today'" in result.output


# -- the home page shows the same overdue work ---------------------------------------------------
def page_text(resp) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))


def test_home_pages_show_overdue_work_per_role(browser, world, due):
    browser.login(world.lead)
    page = page_text(browser.get("/"))
    assert "Active grants: spending and reports due (1) 1 overdue." in page
    assert "Progress update: overdue: was due" in page and "(3 days ago)" in page
    assert "Revision deadline was" in page  # the late revision, flagged in the team's to-do list

    browser.reset().login(world.outsider)
    page = page_text(browser.get("/"))
    assert "Active grants: spending and reports due (1) 1 overdue." in page and "Final report: overdue: was due" in page

    browser.reset().login(world.reviewer_unassigned)
    page = page_text(browser.get("/"))
    assert "Reviews due (1)" in page and "Overdue" in page

    browser.reset().login(world.staff)
    page = page_text(browser.get("/"))
    assert "Overdue reviews, revisions and reports (4)" in page
    assert "Review by Una Unassigned (BTU): was due" in page
    assert "Revision: was due" in page and "Progress report: was due" in page and "Final report: was due" in page
    assert "Cora Conflicted" not in page  # recused: not overdue
    assert "once a day" in page


def test_home_overdue_sections_keep_a_constant_statement_count(app_ctx, world, due, factory):

    from app.home.dashboard import home_for
    from app.models import User

    def statements(user) -> int:
        db.session.expire_all()
        with sql_statements() as seen:
            home_for(db.session.get(User, user.id), due["today"])
        return len(seen)

    before = {p: statements(getattr(world, p)) for p in ("lead", "staff", "reviewer_unassigned")}
    today = due["today"]
    for i in range(12):
        p = factory.proposal(world.team, world.cycle, state=S.ACTIVE, title=f"Extra grant {i}")
        p.progress_report_due = today - timedelta(days=i + 1)
        p.final_report_due = today - timedelta(days=1) if i % 2 else today + timedelta(days=30)
        r = factory.proposal(world.team, world.cycle, state=S.IN_REVIEW, title=f"Extra review {i}")
        factory.assign(r, world.reviewer_unassigned, world.staff).due_on = today - timedelta(days=1)
    db.session.commit()
    after = {p: statements(getattr(world, p)) for p in before}
    assert after == before
