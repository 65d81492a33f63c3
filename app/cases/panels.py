"""The case page's panels, in one place: what each area shows on a proposal's or a PL request's page
to this viewer (each None when it is not for them). The case views pass ``panels`` to the page; the
partials in ``templates/proposals/`` and ``templates/pl/`` read ``panels.<name>``.

Reading every area, this module is imported by the case views only; no area imports it.
"""
from __future__ import annotations

from types import SimpleNamespace

from flask import url_for

from app.cases import permissions, todo
from app.cases.advance import Action, workflow_for
from app.grants import agreement
from app.models import PLRequest, Proposal, ProposalState
from app.pl import decisions, transcript
from app.proposals import screening
from app.review import reviews
from app.sharing import summaries
from workflows.proposal import REPORTING, SCREENING, UNDER_CONSIDERATION


def case_actions(case, user, form_class, fired: str | None = None, fired_form=None, refusal=None):
    """The case page's "What you can do now": every task ``user`` has on the case now
    (``app.cases.todo.tasks_for``: the transitions they may fire, the joint decision, their duties), the
    waiting ones first, and an empty form for each transition taken by its button; after a refused attempt
    at ``fired``, its form as the user filled it (kept on the page beside the reasons even when the case
    moved on and the action is no longer theirs)."""
    tasks = todo.tasks_for(case, user)
    forms = {t.key: form_class(t.key, t.action.fields)(formdata=None)
             for t in tasks if t.action is not None and t.target is None}
    if fired is not None and fired_form is not None:
        if fired not in forms:
            action = Action(workflow_for(case).transition(fired), list(refusal.messages if refusal else []))
            tasks.append(todo.Task(fired, action.label, waiting=False, action=action, blockers=action.blockers))
        forms[fired] = fired_form
    return tasks, forms


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def proposal_panels(proposal: Proposal, user) -> SimpleNamespace:
    signed_in = _signed_in(user)
    return SimpleNamespace(
        grant=agreement.panel(proposal, user) if signed_in else None,
        summary=summary(proposal, user),
        staff=(screening.panel(proposal, user)
               if signed_in and user.has_role("staff") and proposal.state in SCREENING else None),
        review=review(proposal, user),
        decision=decision(proposal, user),
        documents=documents(proposal, user),
    )


def pl_request_panels(row: PLRequest, user) -> SimpleNamespace:
    return SimpleNamespace(
        decision=decisions.panel(row, user),
        transcript=_signed_in(user) and transcript.refusal_to_view(user, row.requester) is None,
    )


def review(proposal: Proposal, user) -> dict | None:
    """What ``proposals/_review_panel.html`` shows: the viewer's assignment, their conflict, the scores."""
    if not _signed_in(user):
        return None
    assignment = permissions.assignment_for(user, proposal)
    conflicted = permissions.is_conflicted(user, proposal)
    panel: dict = {
        "assignment": assignment,
        "conflicted": conflicted,
        "conflict": reviews.conflict_of(user, proposal) if conflicted else None,
        "can_declare": permissions.can_declare_conflict(user, proposal) and not conflicted
        and proposal.state in UNDER_CONSIDERATION,
        "summary": (reviews.review_summary(proposal)
                    if permissions.can_see_scores(user, proposal) and proposal.assignments else None),
    }
    if assignment is None and not conflicted and not panel["can_declare"] and panel["summary"] is None:
        return None
    return panel


def decision(proposal: Proposal, user) -> dict | None:
    """What ``proposals/_decision_panel.html`` shows.

    Co-chairs of an in-review proposal: the pending decision and what they may do with it.
    Co-chairs and staff, once decided: the joint decision with both names and times.
    """
    if not _signed_in(user) or not user.has_role("co_chair", "staff"):
        return None
    in_review = proposal.state is ProposalState.IN_REVIEW
    confirmed = proposal.confirmed_decision
    if not in_review and confirmed is None:
        return None
    if in_review and not user.has_role("co_chair"):
        return None
    pending = proposal.pending_decision if in_review else None
    takes_part = permissions.can_take_part_in_decision(user, proposal)
    return {
        "in_review": in_review,
        "pending": pending,
        "confirmed": confirmed,
        "conflicted": permissions.is_conflicted(user, proposal),
        "can_record": in_review and takes_part and pending is None,
        "can_confirm": bool(pending and takes_part and pending.proposed_side != user.side),
        "can_withdraw": bool(pending and pending.proposed_by_id == user.id),
        "waiting": bool(pending and takes_part and pending.proposed_side == user.side),
    }


def summary(proposal: Proposal, user) -> dict | None:
    """What ``proposals/_summary_panel.html`` shows: the learning summary's status and its pages."""
    if proposal.state not in REPORTING or not permissions.can_view_summary(user, proposal):
        return None
    st = summaries.status(proposal)
    links = []
    if permissions.can_edit_summary(user, proposal):
        links.append(("Write the learning summary" if not st.exists else "Edit the learning summary",
                      url_for("summaries.edit", proposal_id=proposal.id)))
    elif permissions.can_open_summary_editor(user, proposal) and st.exists:
        links.append(("Read the learning summary (read-only)", url_for("summaries.edit", proposal_id=proposal.id)))
    if st.exists:
        links.append(("Preview the learning summary", url_for("summaries.preview", proposal_id=proposal.id)))
        links.append(("Learning summary (PDF)", url_for("summaries.pdf", proposal_id=proposal.id)))
        if permissions.can_check_privacy(user, proposal):
            links.append(("Privacy check", url_for("summaries.privacy", proposal_id=proposal.id)))
    # Which passages the privacy check flagged, and why: the team's editor, staff's privacy check.
    flags_link = (url_for("summaries.edit", proposal_id=proposal.id, _anchor="privacy-flags")
                  if permissions.can_open_summary_editor(user, proposal) and st.exists else
                  url_for("summaries.privacy", proposal_id=proposal.id, _anchor="flags")
                  if permissions.can_check_privacy(user, proposal) and st.exists else None)
    return {"status": st, "summary": proposal.learning_summary, "links": links, "flags_link": flags_link}


def documents(proposal: Proposal, user) -> list[tuple[str, str]]:
    """(label, url) of the PDFs this user may download for this proposal."""
    docs = []
    if permissions.can_see_review_packet(user, proposal):
        docs.append(("Proposal packet for reviewers (PDF)", url_for("documents.packet", proposal_id=proposal.id)))
    if permissions.can_see_decision_letter(user, proposal):
        docs.append(("Decision letter (PDF)", url_for("documents.letter", proposal_id=proposal.id)))
    return docs


__all__ = ["pl_request_panels", "proposal_panels"]
