"""Who is told: real transitions through the app, mail sent by the worker's pass to a real SMTP server on
127.0.0.1."""
from __future__ import annotations

from sqlalchemy import select

from app.cases import advance as workflow
from app.cases import notify
from app.extensions import db
from app.models import Notification, OutboxMessage, ProposalState
from tests.smtp_server import smtp_fixture  # noqa: F401  (the smtp fixture)

S = ProposalState


def outbox_to(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == user.id)
                                   .order_by(OutboxMessage.id)))


def notes_of(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def test_submit_emails_staff_and_gives_the_team_a_receipt(browser, world, smtp):
    p = world.draft
    browser.login(world.lead)
    resp = browser.post(f"/proposals/{p.id}/actions/submit", {"confirm_step": "yes"})
    assert resp.status_code == 302
    db.session.refresh(p)
    assert p.state is S.SUBMITTED
    assert smtp.messages == [] and outbox_to(world.staff)[0].sent_at is None  # queued; the worker sends

    assert smtp.deliver().sent == 3
    assert smtp.subjects_to(world.staff.email) == [f"Proposal submitted: {p.title}"]
    # staff screen it; the lead who submitted and the member get the team's receipt
    assert smtp.recipients() == {world.staff.email, world.lead.email, world.member.email}
    mail = smtp.to(world.staff.email)[0]
    body = smtp.body_to(world.staff.email)
    assert mail.get_content_type() == "text/plain"
    assert "Lena Lead submitted the proposal" in body
    assert "Its status is now: Submitted." in body
    assert "What to do next: Screen it: assign reviewers" in body
    assert f"https://tlf.example.org/proposals/{p.id}" in body
    assert mail["From"] and "tlf@btu.org" in mail["From"]

    # the outbox row is marked sent; the same words wait in the staff member's notifications
    (row,) = outbox_to(world.staff)
    assert row.sent_at is not None and row.attempts == 0
    (note,) = notes_of(world.staff)
    assert note.subject == row.subject and note.read_at is None
    assert note.link == f"/proposals/{p.id}"


def test_return_for_revision_tells_the_team_with_the_comment(browser, world, smtp):
    p = world.proposals[S.SUBMITTED]
    browser.login(world.staff)
    browser.post(f"/proposals/{p.id}/actions/return_for_revision",
                 {"comment": "Tie the budget to the plan's weekly circles."})
    smtp.deliver()
    assert smtp.recipients() == {world.lead.email, world.member.email}
    for person in (world.lead, world.member):
        (mail,) = smtp.to(person.email)
        assert mail["Subject"] == f"Proposal returned for revision: {p.title}"
        body = smtp.body_to(person.email)
        assert f"Hello {person.name}," in body
        assert "Comment:\nTie the budget to the plan's weekly circles." in body
        assert "resubmits it by" in body


def test_begin_review_tells_assigned_reviewers_and_team_not_the_actor(browser, world, factory, smtp):
    p = world.proposals[S.SUBMITTED]
    factory.assign(p, world.reviewer_btu, world.staff)
    factory.assign(p, world.reviewer_bps, world.staff)
    # a staff member who is also on the team fires it: they are not told of their own act
    world.member.set_roles(["educator", "staff"])
    db.session.commit()

    browser.login(world.member)
    resp = browser.post(f"/proposals/{p.id}/actions/begin_review")
    assert resp.status_code == 302
    db.session.refresh(p)
    assert p.state is S.IN_REVIEW

    smtp.deliver()
    for r in (world.reviewer_btu, world.reviewer_bps):
        assert smtp.subjects_to(r.email) == [f"Ready for your review: {p.title}"]
        assert "submit your review by" in smtp.body_to(r.email)
    assert smtp.subjects_to(world.lead.email) == [f"Proposal in review: {p.title}"]
    assert smtp.recipients() == {world.reviewer_btu.email, world.reviewer_bps.email, world.lead.email}
    assert smtp.to(world.member.email) == []  # the actor
    assert outbox_to(world.member) == [] and notes_of(world.member) == []


def test_each_reviewer_gets_one_email_per_assignment(browser, world, smtp):
    """Assigned while the proposal is screened, then the review begins: one email, when they can act."""
    p = world.proposals[S.SUBMITTED]
    browser.login(world.staff)
    for r in (world.reviewer_btu, world.reviewer_bps):
        resp = browser.post(f"/staff/proposals/{p.id}/reviewers", {"reviewers": [str(r.id)]})
        assert resp.status_code == 302
    smtp.deliver()
    assert smtp.messages == []  # nothing to do yet: the review is not open
    resp = browser.post(f"/proposals/{p.id}/actions/begin_review")
    assert resp.status_code == 302
    smtp.deliver()
    for r in (world.reviewer_btu, world.reviewer_bps):
        (mail,) = smtp.to(r.email)
        assert mail["Subject"] == f"Ready for your review: {p.title}"
        assert "You are assigned to review it" in smtp.body_to(r.email)
        assert [n.subject for n in notes_of(r)] == [mail["Subject"]]


def test_reviewer_assigned_to_a_proposal_in_review_gets_one_email(browser, world, smtp):
    p = world.in_review
    browser.login(world.staff)
    resp = browser.post(f"/staff/proposals/{p.id}/reviewers", {"reviewers": [str(world.reviewer_unassigned.id)]})
    assert resp.status_code == 302
    smtp.deliver()
    (mail,) = smtp.to(world.reviewer_unassigned.email)
    assert mail["Subject"] == f"Review assigned: {p.title}"
    body = smtp.body_to(world.reviewer_unassigned.email)
    assert "Stan Staff assigned you to review" in body and "for the BTU side" in body
    assert "The review is open now" in body and "another email" not in body
    assert smtp.recipients() == {world.reviewer_unassigned.email}


def test_team_gets_a_receipt_when_it_submits_and_resubmits(browser, world, smtp):
    p = world.draft
    browser.login(world.lead)
    assert browser.post(f"/proposals/{p.id}/actions/submit", {"confirm_step": "yes"}).status_code == 302
    smtp.deliver()
    for person in (world.lead, world.member):
        assert smtp.subjects_to(person.email) == [f"Receipt: proposal submitted: {p.title}"]
    assert "You submitted the proposal" in smtp.body_to(world.lead.email)
    assert "Lena Lead submitted the proposal" in smtp.body_to(world.member.email)
    assert "This is your team's receipt" in smtp.body_to(world.lead.email)
    assert smtp.subjects_to(world.staff.email) == [f"Proposal submitted: {p.title}"]  # staff's words unchanged

    smtp.clear()
    browser.reset().login(world.staff)
    browser.post(f"/proposals/{p.id}/actions/return_for_revision", {"comment": "Tighten the budget."})
    smtp.deliver()
    smtp.clear()
    browser.reset().login(world.lead)
    assert browser.post(f"/proposals/{p.id}/actions/resubmit", {"confirm_step": "yes"}).status_code == 302
    db.session.refresh(p)
    assert p.state is S.SUBMITTED
    smtp.deliver()
    for person in (world.lead, world.member):
        assert smtp.subjects_to(person.email) == [f"Receipt: proposal resubmitted: {p.title}"]


def test_recorded_decision_asks_the_other_side_then_approval_tells_the_team(browser, world, factory, smtp):
    p = world.in_review
    other_bps = factory.user("co_chair", name="Bo Bps Chair", email="bobps@example.org", side="BPS")
    conflicted_bps = factory.user("co_chair", name="Cy Conflicted", email="cy@example.org", side="BPS")
    factory.conflict(p, conflicted_bps)
    db.session.commit()

    browser.login(world.co_chair_btu)
    browser.post(f"/committee/proposals/{p.id}/decide",
                 {"outcome": "approve", "award": "9,500.00", "conditions": "Share at the spring showcase.",
                  "feedback": "A strong, focused plan."})
    smtp.deliver()
    waiting = f"Waiting for your confirmation (approve): {p.title}"
    assert smtp.subjects_to(world.co_chair_bps.email) == [waiting]
    assert smtp.subjects_to(other_bps.email) == [waiting]
    assert smtp.recipients() == {world.co_chair_bps.email, other_bps.email}  # not BTU, not the conflicted
    body = smtp.body_to(world.co_chair_bps.email)
    assert "Carla Chair (BTU co-chair) recorded a decision" in body
    assert "Award: $9,500.00" in body and "A strong, focused plan." in body

    smtp.clear()
    decision = p.pending_decision
    browser.reset().login(world.co_chair_bps)
    resp = browser.post(f"/committee/decisions/{decision.id}/confirm")
    assert resp.status_code == 302
    db.session.refresh(p)
    assert p.state is S.APPROVED

    smtp.deliver()
    approved = f"Proposal approved: {p.title}"
    assert smtp.subjects_to(world.lead.email) == [approved]
    assert smtp.subjects_to(world.member.email) == [approved]
    assert smtp.subjects_to(world.staff.email) == [approved]
    assert smtp.to(world.co_chair_bps.email) == []  # the confirming co-chair
    body = smtp.body_to(world.lead.email)
    assert "Colin Chair confirmed the committee's joint decision to approve the proposal" in body
    assert "Recorded by Carla Chair (BTU), confirmed by Colin Chair (BPS)." in body
    assert "Award: $9,500.00" in body
    assert "The committee's feedback:\nA strong, focused plan." in body
    assert "accepts the grant agreement" in body


def test_withdraw_tells_staff_and_unconflicted_reviewers_with_the_reason(app_ctx, world, factory):
    p = world.in_review
    cora = factory.user("reviewer", name="Cora Conflicted", email="cora@example.org", side="BTU")
    factory.assign(p, cora, world.staff)
    factory.conflict(p, cora)  # declared a conflict: recused, not told
    workflow.advance(p, "withdraw", world.lead, reason="Our co-lead moved schools.")
    db.session.commit()
    people = {m.to_email: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(people) == {world.staff.email, world.reviewer_btu.email, world.reviewer_bps.email}
    assert "Reason given:\nOur co-lead moved schools." in people[world.staff.email].body
    assert "You no longer need to review" in people[world.reviewer_btu.email].body


def test_refused_transition_queues_nothing(app_ctx, world):
    p = world.draft
    p.title = ""  # a required section empty: submit is refused
    db.session.commit()
    try:
        workflow.advance(p, "submit", world.lead)
    except workflow.TransitionRefused:
        db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert db.session.scalars(select(Notification)).all() == []


def test_inactive_people_are_not_told(app_ctx, world):
    world.member.active = False
    db.session.commit()
    workflow.advance(world.proposals[S.SUBMITTED], "return_for_revision", world.staff, comment="Fix it.")
    assert {m.to_email for m in db.session.scalars(select(OutboxMessage))} == {world.lead.email}


def test_subject_is_one_line_and_body_is_unescaped_plain_text(app_ctx, world):
    p = world.proposals[S.SUBMITTED]
    p.title = "Readers & <writers>\r\nBcc: victim@example.org"
    db.session.commit()
    workflow.advance(p, "return_for_revision", world.staff, comment="Say \"why\" & <how>.")
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == world.lead.id)).one()
    assert "\n" not in row.subject and "\r" not in row.subject
    assert row.subject == "Proposal returned for revision: Readers & <writers> Bcc: victim@example.org"
    assert "“Readers & <writers>" in row.body  # text mail: no HTML escaping
    assert "Say \"why\" & <how>." in row.body
    assert "&amp;" not in row.body and "&lt;" not in row.body


def test_links_use_public_base_url(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "PUBLIC_BASE_URL", "https://apps.btu.org/tlf/")
    assert notify.absolute_url("proposals.show", proposal_id=7) == "https://apps.btu.org/tlf/proposals/7"
    assert notify.app_path("proposals.show", proposal_id=7) == "/proposals/7"


def test_every_declared_audience_is_known_and_every_notifying_trigger_has_a_subject():
    from workflows.proposal import AUDIENCES, TRANSITIONS

    for t in TRANSITIONS:
        assert set(t.notify) <= set(AUDIENCES), t.trigger
        if t.notify:
            # Its own subject and verb, not the engine's stand-ins made from the button's label.
            assert t.subject != t.label and not t.verb.startswith("took the action"), t.trigger
