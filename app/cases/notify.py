"""Who is told, and what they read: email through the outbox, and the same words in the app.

Every transition declares whose turn it is afterwards (``T.notify``: "team", "staff",
"reviewers" for a proposal; "requester", "school_leaders", "co_chairs" for a PL request).
``transition_fired`` is called by ``advance`` inside the same transaction, for either kind of
case: it queues one ``OutboxMessage`` per recipient and one in-app ``Notification``, never for
the actor themself. Two acts that are not transitions tell someone too: assigning a reviewer (the
reviewer) and recording a joint decision (the other side's co-chairs, who must confirm it; for a
proposal or a PL request).

Bodies are plain text rendered from ``templates/email/*.txt`` (autoescape is off for .txt;
no HTML mail). Nothing here sends: the mailer sends after commit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import exists, func, select, update

from app.core import clock
from app.extensions import db
from app.models import (
    Decision,
    Notification,
    OutboxMessage,
    PLDecision,
    PLRequest,
    Proposal,
    ReviewAssignment,
    Role,
    Side,
    User,
    UserRole,
)
from workflows.pl_request import STATE_LABELS as PL_STATE_LABELS
from workflows.proposal import STATE_LABELS, money

MAX_SUBJECT = 250
PER_PAGE = 20

# "Proposal approved: <title>": the subject's words before the title, per trigger.
SUBJECTS = {
    "submit": "Proposal submitted",
    "return_for_revision": "Proposal returned for revision",
    "begin_review": "Proposal in review",
    "request_revisions": "Revisions requested",
    "resubmit": "Proposal resubmitted",
    "approve": "Proposal approved",
    "decline": "Proposal declined",
    "withdraw": "Proposal withdrawn",
    "activate": "Grant activated",
    "submit_final_report": "Final report submitted",
    "return_report": "Final report returned",
    "accept_report": "Final report accepted",
    "publish": "Learning summary published",
    "unpublish": "Learning summary unpublished",
}
# A subject that differs for one audience.
AUDIENCE_SUBJECTS = {("begin_review", "reviewers"): "Ready for your review"}

# "<actor> <verb> “<title>”": what happened, per trigger.
VERBS = {
    "submit": "submitted the proposal",
    "return_for_revision": "asked for revisions to the proposal",
    "begin_review": "opened the committee's review of the proposal",
    "request_revisions": "confirmed the committee's joint decision to request revisions to the proposal",
    "resubmit": "resubmitted the proposal",
    "approve": "confirmed the committee's joint decision to approve the proposal",
    "decline": "confirmed the committee's joint decision to decline the proposal",
    "withdraw": "withdrew the proposal",
    "activate": "activated the grant for",
    "submit_final_report": "submitted the final report for",
    "return_report": "returned the final report for",
    "accept_report": "accepted the final report for",
    "publish": "published the learning summary of",
    "unpublish": "unpublished the learning summary of",
}


def _d(value: date | None) -> str:
    return f"{value:%B %-d, %Y}" if value else "the date program staff set"


def _next_step(trigger: str, audience: str, case: Proposal) -> str:
    """What the recipient does now, in a sentence."""
    c = case.cycle
    screen = ("Screen it: assign reviewers from both sides and begin the review, "
              "or return it to the team for revision with a comment.")
    steps = {
        ("submit", "staff"): screen,
        ("resubmit", "staff"): screen,
        ("return_for_revision", "team"): (
            f"Revise the proposal as asked; the team lead resubmits it by {_d(c.revision_deadline)}."),
        ("begin_review", "reviewers"): (
            f"Read the proposal and submit your review by {_d(c.review_due_on)}. If you have a conflict "
            "of interest with this team, declare it on the proposal's page instead."),
        ("begin_review", "team"): "Nothing is needed from you now; you will hear when the committee decides.",
        ("request_revisions", "team"): (
            f"Revise the proposal as the committee asks; the team lead resubmits it by "
            f"{_d(c.revision_deadline)}."),
        ("request_revisions", "staff"): "Nothing is needed from you now; the team will revise and resubmit.",
        ("approve", "team"): (
            "The team lead reads and accepts the grant agreement on the proposal's page; "
            "program staff then activate the grant."),
        ("approve", "staff"): "Activate the grant once the team lead has accepted the grant agreement.",
        ("decline", "team"): "Read the committee's feedback; your team is welcome to apply in a later cycle.",
        ("decline", "staff"): "Nothing is needed from you; the proposal is closed.",
        ("withdraw", "staff"): "Nothing is needed from you; the proposal is closed.",
        ("withdraw", "reviewers"): "You no longer need to review this proposal.",
        ("activate", "team"): (
            f"Log your spending against the budget lines as you go. The progress report is due "
            f"{_d(case.progress_report_due or c.progress_report_due)} and the final report "
            f"{_d(case.final_report_due or c.final_report_due)}."),
        ("submit_final_report", "staff"): (
            "Read the final report, then accept it or return it to the team with a comment."),
        ("return_report", "team"): "Revise the final report as asked; the team lead submits it again.",
        ("accept_report", "team"): (
            "If you have not yet, give consent to publish your learning summary; program staff run the "
            "privacy check and publish it in the public gallery."),
        ("publish", "team"): "Nothing is needed from you: your learning summary is now public in the gallery.",
        ("unpublish", "team"): (
            "Program staff will tell you what needs to change before the summary can be published again."),
    }
    return steps.get((trigger, audience), "Open the proposal to see where it stands.")


# -- links -------------------------------------------------------------------------------------
def _adapter():
    base = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000")
    return current_app.url_map.bind(base.netloc or "127.0.0.1", script_name=base.path or "/",
                                    url_scheme=base.scheme or "http")


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link from PUBLIC_BASE_URL (works without a request, e.g. from the CLI)."""
    return _adapter().build(endpoint, values, force_external=True)


def app_path(endpoint: str, **values: Any) -> str:
    """The in-app path (without the public host) stored on an in-app notification."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def case_links(proposal_id: int) -> tuple[str, str]:
    return (absolute_url("proposals.show", proposal_id=proposal_id),
            app_path("proposals.show", proposal_id=proposal_id))


def pl_links(request_id: int) -> tuple[str, str]:
    return absolute_url("pl.show", id=request_id), app_path("pl.show", id=request_id)


def case_type_of(case: Any) -> str | None:
    if isinstance(case, PLRequest):
        return "pl_request"
    if isinstance(case, Proposal):
        return "proposal"
    return None


# -- queueing ----------------------------------------------------------------------------------
def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """A subject line: no line breaks (header injection), at most ``limit`` characters."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def subject_for(prefix: str, case: Proposal | PLRequest) -> str:
    return one_line(f"{prefix}: {case.display_title}")


@dataclass
class Queued:
    message: OutboxMessage
    notification: Notification


def queue(user: User, subject: str, body: str, case: Proposal | PLRequest | None = None, link: str = "",
          dedupe_key: str | None = None) -> Queued:
    """One email in the outbox and the same words in the user's in-app notifications."""
    subject = one_line(subject)
    msg = OutboxMessage(
        to_email=user.email, to_user_id=user.id, subject=subject, body=body, dedupe_key=dedupe_key,
        case_type=case_type_of(case), case_id=case.id if case is not None else None,
        created_at=clock.now(), attempts=0, last_error="", next_attempt_at=None,
    )
    note = Notification(user_id=user.id, subject=subject, body=body, link=link, created_at=clock.now())
    db.session.add_all([msg, note])
    return Queued(msg, note)


def render_body(template: str, **context: Any) -> str:
    """A plain-text body from templates/email/ (tidied: no run of blank lines, one final newline)."""
    text = render_template(f"email/{template}", **context)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n"


# -- audiences ---------------------------------------------------------------------------------
def _active_with_role(role: Role, *where: Any) -> list[User]:
    """Active users who hold ``role`` (and match ``where``), by id."""
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), *where,
                           exists().where(UserRole.user_id == User.id, UserRole.role == role))
        .order_by(User.id)
    ))


def active_staff() -> list[User]:
    return _active_with_role(Role.STAFF)


def team_members(case: Proposal) -> list[User]:
    return [u for u in case.team.members if u.active]


def assigned_reviewers(case: Proposal) -> list[User]:
    """The proposal's assigned reviewers who declared no conflict with it."""
    conflicted = case.conflicted_user_ids()
    return [a.reviewer for a in case.assignments if a.reviewer_id not in conflicted and a.reviewer.active]


def _once_each(audiences: tuple[str, ...], people_of: dict[str, Any], actor: Any) -> list[tuple[User, str]]:
    """(user, audience) once per person, in the declared order of audiences, never the actor.
    ``people_of`` maps each audience to a function returning its people."""
    actor_id = getattr(actor, "id", None)
    out: dict[int, tuple[User, str]] = {}
    for audience in audiences:
        if audience not in people_of:
            raise ValueError(f"unknown audience {audience!r}")
        for user in people_of[audience]():
            if user.id != actor_id and user.id not in out:
                out[user.id] = (user, audience)
    return list(out.values())


def recipients(case: Proposal, audiences: tuple[str, ...], actor: Any) -> list[tuple[User, str]]:
    """(user, audience) once per person, in the declared order of audiences, never the actor."""
    return _once_each(audiences, {
        "team": lambda: team_members(case),
        "staff": active_staff,
        "reviewers": lambda: assigned_reviewers(case),
    }, actor)


# -- what happened: transitions ----------------------------------------------------------------
def _joint_details(decision: Any, actor: Any, actor_name: str) -> list[str]:
    """Who recorded and who confirmed a joint decision, as the first detail lines (none without one)."""
    if decision is None:
        return []
    return [f"Recorded by {decision.proposed_by_name} ({decision.proposed_side.value}), "
            f"confirmed by {actor_name}"
            + (f" ({actor.side_name})" if getattr(actor, "side_name", None) else "") + "."]


def _feedback(t, data: dict, comment: str) -> tuple[str, str]:
    """(heading, text) of what the actor wrote for the recipients, or ("", "")."""
    decision = data.get("decision")
    if decision is not None and (getattr(decision, "feedback", "") or "").strip():
        return "The committee's feedback", decision.feedback.strip()
    if (data.get("reason") or "").strip():
        return "Reason given", data["reason"].strip()
    if "comment" in t.fields and (comment or "").strip():
        return "Comment", comment.strip()
    return "", ""


def _queue_each(case: Proposal | PLRequest, t, people: list[tuple[User, str]], subjects: dict[str, str],
                audience_subjects: dict[tuple[str, str], str], next_step: Any, path: str, template: str,
                **context: Any) -> list[Queued]:
    """One message per (user, audience) for transition ``t``: the audience's subject, the template
    rendered with ``context`` and the audience's next step."""
    out = []
    for user, audience in people:
        prefix = audience_subjects.get((t.trigger, audience), subjects.get(t.trigger, t.label))
        body = render_body(template, recipient=user, case=case, next_step=next_step(t.trigger, audience, case),
                           audience=audience, **context)
        out.append(queue(user, subject_for(prefix, case), body, case, path))
    return out


def transition_fired(case: Any, t, actor: Any, comment: str = "", data: dict | None = None) -> list[Queued]:
    """Queue the declared audiences' messages for transition ``t`` just fired on ``case``."""
    if isinstance(case, PLRequest):
        return pl_transition_fired(case, t, actor, comment, data)
    if not isinstance(case, Proposal) or not t.notify:
        return []
    data = data or {}
    decision = data.get("decision")
    heading, feedback = _feedback(t, data, comment)
    link, path = case_links(case.id)
    actor_name = getattr(actor, "name", None) or "The system"
    verb = VERBS.get(t.trigger, f"took the action “{t.label}” on")
    details = _joint_details(decision, actor, actor_name)
    if decision is not None:
        if getattr(decision, "award", None) is not None and t.trigger == "approve":
            details.append(f"Award: {money(decision.award)}")
        if (getattr(decision, "conditions", "") or "").strip() and t.trigger == "approve":
            details.append(f"Conditions: {decision.conditions.strip()}")
    return _queue_each(
        case, t, recipients(case, t.notify, actor), SUBJECTS, AUDIENCE_SUBJECTS, _next_step, path,
        "transition.txt", actor_name=actor_name, verb=verb, state_label=STATE_LABELS[case.state],
        details=details, feedback_heading=heading, feedback=feedback, link=link,
    )


# -- what happened: other acts -----------------------------------------------------------------
def reviewer_assigned(assignment: ReviewAssignment, actor: Any) -> list[Queued]:
    """Tell a reviewer they were assigned (not when they assigned themselves)."""
    reviewer, case = assignment.reviewer, assignment.proposal
    if reviewer is None or not reviewer.active or reviewer.id == getattr(actor, "id", None):
        return []
    link, path = case_links(case.id)
    due = assignment.due_on or case.cycle.review_due_on
    body = render_body("reviewer_assigned.txt", recipient=reviewer, case=case, assignment=assignment,
                       actor_name=getattr(actor, "name", None) or "Program staff", due=_d(due) if due else "",
                       review_open=case.state.value == "in_review", link=link)
    return [queue(reviewer, subject_for("Review assigned", case), body, case, path)]


OTHER_SIDE = {"BTU": Side.BPS, "BPS": Side.BTU}


def other_side_co_chairs(case: Proposal, side: str) -> list[User]:
    """Active co-chairs of the side opposite ``side`` with no declared conflict with the case."""
    conflicted = case.conflicted_user_ids()
    return [u for u in active_co_chairs(OTHER_SIDE[side]) if u.id not in conflicted]


def _waiting_for_confirmation(decision: Decision | PLDecision, case: Proposal | PLRequest, actor: Any,
                              people: list[User], template: str, links: tuple[str, str],
                              **context: Any) -> list[Queued]:
    """Tell ``people`` (the other side's co-chairs, but the actor) that ``decision`` waits for them."""
    side = decision.proposed_side.value
    link, path = links
    out = []
    for user in people:
        if user.id == getattr(actor, "id", None):
            continue
        body = render_body(template, recipient=user, case=case, decision=decision, **context,
                           link=link, confirm_side=OTHER_SIDE[side].value)
        subject = subject_for(f"Waiting for your confirmation ({decision.outcome.label.lower()})", case)
        out.append(queue(user, subject, body, case, path))
    return out


def decision_recorded(decision: Decision, actor: Any) -> list[Queued]:
    """A co-chair recorded a joint decision: the other side's co-chairs must confirm it."""
    case = decision.proposal
    return _waiting_for_confirmation(
        decision, case, actor, other_side_co_chairs(case, decision.proposed_side.value), "decision_recorded.txt",
        case_links(case.id), award=money(decision.award) if decision.award is not None else "",
    )


# -- PL requests -------------------------------------------------------------------------------
PL_SUBJECTS = {
    "submit": "PL request submitted",
    "endorse": "PL request endorsed",
    "return": "PL request returned to you",
    "approve": "PL request approved",
    "deny": "PL request denied",
    "complete": "PL completed",
    "cancel": "PL request cancelled",
}
PL_AUDIENCE_SUBJECTS = {
    ("submit", "school_leaders"): "PL request waiting for your endorsement",
    ("endorse", "co_chairs"): "PL request waiting for the committee's decision",
}
PL_VERBS = {
    "submit": "submitted the PL request",
    "endorse": "endorsed the PL request",
    "return": "returned the PL request",
    "approve": "approved the PL request",
    "deny": "denied the PL request",
    "complete": "recorded the completion of",
    "cancel": "cancelled the PL request",
}
JOINT_PL_VERBS = {
    "approve": "confirmed the committee's joint decision to approve the PL request",
    "deny": "confirmed the committee's joint decision to deny the PL request",
}


def _pl_next_step(trigger: str, audience: str, case: PLRequest) -> str:
    steps = {
        ("submit", "school_leaders"): (
            "Read the request, then endorse it, return it to the educator with a comment, or deny it "
            "with a reason."),
        ("endorse", "requester"): (
            "Nothing is needed from you now: it costs nothing, so it is approved on endorsement."
            if case.is_free else
            "Nothing is needed from you now: the committee's co-chairs decide requests that cost money."),
        ("endorse", "co_chairs"): (
            "A co-chair of one side records a decision (approve or deny, with feedback); a co-chair of "
            "the other side confirms it."),
        ("return", "requester"): "Change the request as asked, then submit it again.",
        ("approve", "requester"): (
            "Attend, then record your attendance, a reflection, your hours and PDPs on the request's page: "
            "it then appears on your PL transcript."),
        ("deny", "requester"): "Read the reason given. You are welcome to make another request.",
        ("cancel", "school_leaders"): "Nothing is needed from you; the request is closed.",
    }
    return steps.get((trigger, audience), "Open the request to see where it stands.")


def active_school_leaders(school_id: int | None) -> list[User]:
    if school_id is None:
        return []
    return _active_with_role(Role.SCHOOL_LEADER, User.school_id == school_id)


def active_co_chairs(side: Side | None = None) -> list[User]:
    return _active_with_role(Role.CO_CHAIR, *([User.side == side] if side is not None else []))


def pl_recipients(case: PLRequest, audiences: tuple[str, ...], actor: Any) -> list[tuple[User, str]]:
    """(user, audience) once per person, in the declared order of audiences, never the actor.
    The co-chairs are told only about requests that cost money (a free one is approved on endorsement)."""
    return _once_each(audiences, {
        "requester": lambda: [case.requester] if case.requester.active else [],
        "school_leaders": lambda: active_school_leaders(case.school_id),
        "co_chairs": lambda: active_co_chairs() if (case.cost or 0) > 0 else [],
    }, actor)


def pl_transition_fired(case: PLRequest, t, actor: Any, comment: str = "", data: dict | None = None) -> list[Queued]:
    if not t.notify:
        return []
    data = data or {}
    decision = data.get("decision")
    heading, feedback = _feedback(t, data, comment)
    link, path = pl_links(case.id)
    actor_name = getattr(actor, "name", None) or "The system"
    verb = (JOINT_PL_VERBS if decision is not None else PL_VERBS).get(t.trigger, f"took the action “{t.label}” on")
    details = _joint_details(decision, actor, actor_name)
    if data.get("automatic"):
        details.append("It costs nothing, so it was approved automatically when it was endorsed.")
    return _queue_each(
        case, t, pl_recipients(case, t.notify, actor), PL_SUBJECTS, PL_AUDIENCE_SUBJECTS, _pl_next_step, path,
        "pl_transition.txt", actor_name=actor_name, verb=verb, state_label=PL_STATE_LABELS[case.state],
        details=details, feedback_heading=heading, feedback=feedback, link=link,
        cost=money(case.cost) if case.cost is not None else "not given",
    )


def pl_decision_recorded(decision: PLDecision, actor: Any) -> list[Queued]:
    """A co-chair recorded a joint decision on a PL request: the other side's co-chairs must confirm it."""
    case = decision.request
    return _waiting_for_confirmation(
        decision, case, actor, active_co_chairs(OTHER_SIDE[decision.proposed_side.value]),
        "pl_decision_recorded.txt", pl_links(case.id), cost=money(case.cost),
    )


# -- in-app notifications ----------------------------------------------------------------------
def notifications_page(user: User, page: int = 1):
    stmt = (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return db.paginate(stmt, page=max(page, 1), per_page=PER_PAGE, error_out=False, count=True)


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def mark_read(notification: Notification, user: User) -> bool:
    """Mark one of the user's own notifications read; False when it was already read."""
    if notification.user_id != user.id:
        raise PermissionError("not your notification")
    if notification.read_at is not None:
        return False
    notification.read_at = clock.now()
    db.session.flush()
    return True


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount or 0


__all__ = [
    "Queued", "absolute_url", "active_co_chairs", "active_school_leaders", "active_staff", "assigned_reviewers",
    "decision_recorded", "mark_all_read", "mark_read", "notifications_page", "pl_decision_recorded",
    "pl_recipients", "queue", "recipients", "render_body", "reviewer_assigned", "transition_fired",
    "unread_count",
]
