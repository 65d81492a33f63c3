"""Who is told, and what they read: email through the outbox, and the same words in the app.

Every transition declares whose turn it is afterwards and what they read (``T.notify``: "team",
"staff", "reviewers" for a proposal; "requester", "endorsers", "co_chairs" for a PL request;
its subject, verb, detail lines and each audience's next step). ``transition_fired`` is called by
``advance`` inside the same transaction, for either kind of case: it queues one ``OutboxMessage``
per recipient and one in-app ``Notification``, never for the actor themself (but for a receipt audience,
whose point is to tell the actor their act went through). Two acts that are not transitions tell someone
too: assigning a reviewer (the reviewer), recording a joint decision (the other side's co-chairs, who must
confirm it; for a proposal or a PL request) and sending one back, "not confirmed" (the co-chair who
recorded it).

Bodies are plain text rendered from ``templates/email/*.txt`` (autoescape is off for .txt;
no HTML mail). Nothing here sends: the mail worker (app/worker.py) sends the outbox, never a request.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import bindparam, exists, func, select, update

from app.core import clock
from app.extensions import db
from app.models import (
    BudgetReallocation,
    Decision,
    Expenditure,
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
from workflows.proposal import STATE_LABELS, ProposalState, day, money

MAX_SUBJECT = 250
PER_PAGE = 20

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
    if isinstance(case, Expenditure):
        return "expenditure"
    if isinstance(case, BudgetReallocation):
        return "reallocation"
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


def held_for_digest(user: User) -> bool:
    """Whether a message to ``user`` waits for their daily digest (they chose it) rather than going at once."""
    return user.wants_daily_digest


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
        held_for_digest=held_for_digest(user),
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


def _once_each(audiences: tuple[str, ...], people_of: dict[str, Any], actor: Any,
               receipts: frozenset[str] = frozenset()) -> list[tuple[User, str]]:
    """(user, audience) once per person, in the declared order of audiences, never the actor unless the
    audience is a receipt (``receipts``: the actor is told of their own act). ``people_of`` maps each
    audience to a function returning its people."""
    actor_id = getattr(actor, "id", None)
    out: dict[int, tuple[User, str]] = {}
    for audience in audiences:
        if audience not in people_of:
            raise ValueError(f"unknown audience {audience!r}")
        for user in people_of[audience]():
            if (user.id != actor_id or audience in receipts) and user.id not in out:
                out[user.id] = (user, audience)
    return list(out.values())


# What a message about each kind of case needs: the people behind each audience a transition may name
# (``T.notify``), the link to the case, and the plain-text template with what it shows besides.
@dataclass(frozen=True)
class Kind:
    audiences: dict[str, Callable[[Any], list[User]]]
    links: Callable[[int], tuple[str, str]]
    template: str
    context: Callable[[Any], dict]
    receipts: frozenset[str] = frozenset()  # audiences that include the actor: a receipt of their own act


def _money_kind(case: Any) -> Kind:
    """An expenditure's payment or a reallocation request: told to the grant's team or to staff, with a
    link to the grant's spending page."""
    return Kind(
        audiences={"team": lambda c: team_members(c.proposal), "staff": lambda c: active_staff()},
        links=lambda _id: (absolute_url("grants.spending", proposal_id=case.proposal_id),
                           app_path("grants.spending", proposal_id=case.proposal_id)),
        template="money_transition.txt", context=lambda c: {"state_label": c.state_label, "grant": c.proposal},
    )


def _kind(case: Any) -> Kind:
    if isinstance(case, Expenditure | BudgetReallocation):
        return _money_kind(case)
    if isinstance(case, PLRequest):
        return Kind(
            audiences={
                "requester": lambda c: [c.requester] if c.requester.active else [],
                "endorsers": pl_endorsers,
                "co_chairs": lambda c: active_co_chairs(),
            },
            links=pl_links, template="pl_transition.txt",
            context=lambda c: {"state_label": PL_STATE_LABELS[c.state],
                               "cost": money(c.cost) if c.cost is not None else "not given"},
        )
    return Kind(
        audiences={"team": team_members, "team_receipt": team_members, "staff": lambda c: active_staff(),
                   "reviewers": assigned_reviewers},
        links=case_links, template="transition.txt",
        context=lambda c: {"state_label": STATE_LABELS[c.state]},
        receipts=frozenset({"team_receipt"}),
    )


def recipients(case: Any, t, actor: Any) -> list[tuple[User, str]]:
    """(user, audience) once per person, in the declared order of the transition's audiences (each when
    its ``notify_when`` holds), never the actor."""
    kind = _kind(case)
    audiences = tuple(a for a in t.notify if t.tells(a, case))
    return _once_each(audiences, {a: (lambda a=a: kind.audiences[a](case)) for a in audiences}, actor,
                      kind.receipts)


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


def transition_fired(case: Any, wf, t, actor: Any, comment: str = "", data: dict | None = None) -> list[Queued]:
    """Queue one message per person of the audiences transition ``t`` (of workflow ``wf``) declares, just
    fired on ``case``: the row's subject, verb, detail lines and each audience's next step."""
    if not t.notify:
        return []
    data = data or {}
    kind = _kind(case)
    decision = data.get("decision")
    heading, feedback = _feedback(t, data, comment)
    link, path = kind.links(case.id)
    actor_name = getattr(actor, "name", None) or "The system"
    details = _joint_details(decision, actor, actor_name) + [
        line for detail in t.details if (line := detail(case, data))]
    out = []
    for user, audience in recipients(case, t, actor):
        body = render_body(
            kind.template, recipient=user, case=case, audience=audience,
            next_step=t.next_step(audience, case, wf.default_next_step),
            actor_name="You" if user.id == getattr(actor, "id", None) else actor_name,
            verb=t.joint_verb if decision is not None else t.verb, details=details, feedback_heading=heading,
            feedback=feedback, link=link, **kind.context(case),
        )
        out.append(queue(user, subject_for(t.audience_subjects.get(audience, t.subject), case), body, case, path))
    return out


# -- what happened: other acts -----------------------------------------------------------------
def reviewer_assigned(assignment: ReviewAssignment, actor: Any) -> list[Queued]:
    """Tell a reviewer they were assigned to a proposal already in review (not when they assigned themselves).

    One message per assignment, sent when the reviewer can act on it: a reviewer assigned while the
    proposal is still being screened hears of it once, from ``begin_review`` (its row tells the
    "reviewers" audience), not also here."""
    reviewer, case = assignment.reviewer, assignment.proposal
    if reviewer is None or not reviewer.active or reviewer.id == getattr(actor, "id", None):
        return []
    if case.state is not ProposalState.IN_REVIEW:
        return []
    link, path = case_links(case.id)
    due = assignment.due_on or case.cycle.review_due_on
    body = render_body("reviewer_assigned.txt", recipient=reviewer, case=case, assignment=assignment,
                       actor_name=getattr(actor, "name", None) or "Program staff", due=day(due) if due else "",
                       link=link)
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


def decision_not_confirmed(decision: Decision | PLDecision, actor: Any) -> list[Queued]:
    """The other side's co-chair sent back a joint decision ("not confirmed"): the co-chair who recorded
    it reads their comment (a proposal's or a PL request's)."""
    recorder = decision.proposed_by
    if recorder is None or not recorder.active or recorder.id == getattr(actor, "id", None):
        return []
    if isinstance(decision, PLDecision):
        case, (link, path), what, award = decision.request, pl_links(decision.request_id), "PL request", ""
    else:
        case, (link, path), what = decision.proposal, case_links(decision.proposal_id), "proposal"
        award = money(decision.award) if decision.award is not None else ""
    body = render_body("decision_not_confirmed.txt", recipient=recorder, case=case, decision=decision,
                       actor=actor, what=what, award=award, link=link)
    subject = subject_for(f"Decision not confirmed ({decision.outcome.label.lower()})", case)
    return [queue(recorder, subject, body, case, path)]


# -- PL requests -------------------------------------------------------------------------------
def active_school_leaders(school_id: int | None) -> list[User]:
    if school_id is None:
        return []
    return _active_with_role(Role.SCHOOL_LEADER, User.school_id == school_id)


def pl_endorsers(case: PLRequest) -> list[User]:
    """Who endorses a PL request: its school's active school leaders; program staff when it has none."""
    return active_school_leaders(case.school_id) or active_staff()


def active_co_chairs(side: Side | None = None) -> list[User]:
    return _active_with_role(Role.CO_CHAIR, *([User.side == side] if side is not None else []))


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


def closed_links(user: User, notes) -> dict[int, str]:
    """The notifications among ``notes`` whose case ``user`` may no longer open (a draft proposal they left,
    a request that moved on...), each with the reason the page gives instead of a link that would answer
    403 or 404. One statement per kind of case on the page, whatever the number of notifications."""
    from werkzeug.exceptions import HTTPException

    from app.cases import permissions
    from app.models import PLRequest, Proposal

    checks = {"proposals.show": (Proposal, "proposal_id", permissions.can_view_proposal),
              "pl.show": (PLRequest, "id", permissions.can_view_pl_request)}
    adapter = current_app.url_map.bind("localhost")
    wanted: dict[str, dict[int, list[int]]] = {}
    closed: dict[int, str] = {}
    for note in notes:
        if not note.link:
            continue
        try:
            endpoint, args = adapter.match(urlsplit(note.link).path, method="GET")
        except HTTPException:
            closed[note.id] = "That page no longer exists."
            continue
        if endpoint in checks:
            wanted.setdefault(endpoint, {}).setdefault(args[checks[endpoint][1]], []).append(note.id)
    for endpoint, by_case in wanted.items():
        model, _, may_view = checks[endpoint]
        found = {c.id: c for c in db.session.scalars(select(model).where(model.id.in_(by_case)))}
        for case_id, note_ids in by_case.items():
            case = found.get(case_id)
            reason = ("It has been deleted." if case is None else
                      None if may_view(user, case) else "You can no longer open it.")
            if reason:
                closed.update(dict.fromkeys(note_ids, reason))
    return closed


# Asked on every signed-in page (the nav's "Notifications (n unread)"): built once per process, on the
# table, so that a request neither builds it nor runs it through the ORM (about 100 us a request).
_UNREAD = (select(func.count()).select_from(Notification.__table__)
           .where(Notification.__table__.c.user_id == bindparam("user_id"),
                  Notification.__table__.c.read_at.is_(None)))


def unread_count(user: User) -> int:
    return db.session.execute(_UNREAD, {"user_id": user.id}).scalar() or 0


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
    "decision_not_confirmed", "decision_recorded", "mark_all_read", "mark_read", "notifications_page",
    "pl_decision_recorded", "pl_endorsers", "queue",
    "recipients", "render_body", "reviewer_assigned", "transition_fired", "unread_count",
]
