"""What a person may do on a case now, and what of it waits on them: the one source of the case page's
"What you can do now" and of every home page's "what needs me now".

A case's tasks for a viewer come from two declarations and nothing else:

- the workflow's transitions (``workflows/``) the viewer may fire now, as the engine checks them: the
  declared who-check passes; each guard that fails is listed as a reason. A transition is *waiting* on the
  viewer unless it is ``optional`` (withdraw, cancel, unpublish) or a guard declared ``others`` fails (the
  case waits on someone else: the team's acceptance, the reviewers' reviews). A joint decision (two keys)
  is one task, "Record a decision" or "Confirm the decision", checked by the same who-check with the
  decision it would carry;
- the ``DUTIES`` below: work that is not a transition but is someone's, often with a due date (accept the
  grant agreement, write the progress update, write a review...). Another area's new work is a new row.

The case page shows every task (waiting or not) in its first section; the home pages list and count the
waiting ones (``app.home.dashboard``, whose queries ``tests/home/test_whole_demo.py`` checks against this
module for every case and every person of the demo).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from flask import url_for

from app.cases import permissions
from app.cases.advance import Action, actions_for, workflow_for
from app.core import clock
from app.grants import payments as money_out
from app.grants.agreement import needs_revised_budget
from app.models import PLRequest, PLRequestState, Proposal, ProposalState
from workflows.joint import other_side
from workflows.proposal import AWARDED, EDITABLE_BY_TEAM, SCREENING, SUMMARY_EDITABLE, TO_PUBLISH

S = ProposalState


@dataclass(frozen=True)
class Duty:
    """Work on a case that is someone's but is not a transition: one row says whose it is, when it is
    open, where it is done and when it is due."""

    key: str
    label: str
    case_type: type
    whose: Callable[[Any, Any], bool]  # (user, case) -> it is this person's
    open: Callable[[Any], bool]  # (case) -> it is still to do now
    endpoint: str
    due: Callable[[Any], date | None] = lambda case: None
    optional: bool = False  # they may do it whenever it is open; the case never waits for it
    anchor: str = ""


def _assignment(user, proposal):
    a = permissions.assignment_for(user, proposal)
    return a if a is not None and not a.is_submitted and not permissions.is_conflicted(user, proposal) else None


def _review_due(proposal) -> date | None:
    return proposal.cycle.review_due_on


def _progress_open(p: Proposal) -> bool:
    return p.progress_report is None or p.progress_report.submitted_at is None


def _short_of_reviewers(p: Proposal) -> bool:
    counts = p.assigned_reviewer_counts()
    return any(counts.get(side, 0) < p.cycle.reviews_per_side for side in ("BTU", "BPS"))


def _privacy_to_check(p: Proposal) -> bool:
    return p.summary_drafted and p.summary_consented and p.privacy_flags_open != 0


DUTIES: tuple[Duty, ...] = (
    Duty("edit_proposal", "Edit the proposal", Proposal, permissions.is_team_member,
         lambda p: p.state in EDITABLE_BY_TEAM, "proposals.edit"),
    Duty("edit_request", "Edit the request", PLRequest, permissions.is_pl_requester,
         lambda r: r.state is PLRequestState.DRAFT, "pl.edit"),
    Duty("review", "Score this proposal", Proposal, lambda u, p: _assignment(u, p) is not None,
         lambda p: p.state is S.IN_REVIEW, "review.review", due=_review_due),
    Duty("assign_reviewers", "Assign reviewers", Proposal, lambda u, p: permissions.is_staff(u),
         lambda p: p.state in SCREENING and _short_of_reviewers(p), "staff.reviewers"),
    Duty("revise_budget", "Revise your budget to the award", Proposal, permissions.is_team_lead,
         needs_revised_budget, "grants.revise_budget"),
    Duty("accept_agreement", "Read and accept the grant agreement", Proposal, permissions.is_team_lead,
         lambda p: p.state is S.APPROVED and p.agreement_accepted_at is None, "grants.agreement"),
    Duty("progress_update", "Write the progress update", Proposal, permissions.is_team_member,
         lambda p: p.state is S.ACTIVE and _progress_open(p), "grants.progress",
         due=lambda p: p.progress_report_due),
    Duty("final_report", "Write the final report", Proposal, permissions.is_team_member,
         lambda p: p.state is S.ACTIVE, "grants.final_report", due=lambda p: p.final_report_due),
    Duty("learning_summary", "Write the learning summary", Proposal, permissions.is_team_member,
         lambda p: p.state is S.ACTIVE and not p.summary_drafted, "summaries.edit",
         due=lambda p: p.final_report_due),
    Duty("resubmit_expenditure", "Correct and resubmit a returned reimbursement", Proposal,
         permissions.is_team_member, lambda p: p.state is S.ACTIVE and money_out.returned_to_team(p.id),
         "grants.spending"),
    Duty("approve_payments", "Approve or pay the team's reimbursements", Proposal,
         lambda u, p: permissions.is_staff(u),
         lambda p: p.state in AWARDED and money_out.payments_waiting_on_staff(p.id), "grants.spending"),
    Duty("decide_reallocation", "Approve or decline a reallocation between budget lines", Proposal,
         lambda u, p: permissions.is_staff(u),
         lambda p: p.state in AWARDED and money_out.reallocations_pending(p.id), "grants.spending",
         anchor="reallocations-title"),
    Duty("log_spending", "Log an expenditure", Proposal, permissions.is_team_member,
         lambda p: p.state is S.ACTIVE, "grants.new_expenditure", optional=True),
    Duty("consent", "Give the team's consent to publish the learning summary", Proposal,
         permissions.is_team_lead, lambda p: p.state is S.COMPLETED and p.summary_drafted and not p.summary_consented,
         "summaries.edit", anchor="consent"),
    Duty("privacy_flags", "Take the flagged private details out of the learning summary", Proposal,
         permissions.can_edit_summary, lambda p: p.state in SUMMARY_EDITABLE and bool(p.privacy_flags_open),
         "summaries.edit", anchor="privacy-flags"),
    Duty("privacy_check", "Check the learning summary for private details", Proposal,
         lambda u, p: permissions.is_staff(u),
         lambda p: p.state in TO_PUBLISH and _privacy_to_check(p), "summaries.privacy"),
)


@dataclass
class Task:
    """One thing the viewer may do on a case now. ``action``: a transition taken by its button on the case
    page (its form); else ``url`` is where it is done. ``waiting``: the case waits on the viewer for it
    (counted on their home page); ``blockers``: what stops it now (the workflow's reasons)."""

    key: str
    label: str
    waiting: bool
    target: tuple[str, dict] | None = None  # (endpoint, its arguments): where it is done, unless by a button
    action: Action | None = None
    blockers: list[str] = field(default_factory=list)
    due_on: date | None = None
    note: str = ""

    @property
    def url(self) -> str | None:
        """The address where it is done (made when asked, so a home page needs no request to list tasks)."""
        return url_for(self.target[0], **self.target[1]) if self.target is not None else None


def _case_url(case: Any, endpoint: str, anchor: str = "") -> tuple[str, dict]:
    kwargs = {"proposal_id": case.id} if isinstance(case, Proposal) else {"id": case.id}
    return endpoint, {**kwargs, **({"_anchor": anchor} if anchor else {})}


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _transition_tasks(case, user, today: date) -> list[Task]:
    wf = workflow_for(case)
    out = []
    for a in actions_for(case, user):
        t = a.transition
        supplied = {name: "(typed when the action is taken)" for name in t.fields}
        elsewhere = wf.waits_on_others(case, t.trigger, {"today": today, **supplied})
        out.append(Task(t.trigger, t.label, waiting=not (t.optional or elsewhere), action=a,
                        target=_case_url(case, t.page) if t.page else None, blockers=a.blockers,
                        note=t.page_refusal if t.page else ""))
    return out


def _decision_tasks(case, user, today: date, reasons: bool = True) -> list[Task]:
    """The joint decision of the current state as one task: "Record a decision" (no decision recorded; the
    viewer may take part) or "Confirm the decision" (the other side recorded it). Who may take part is the
    declared who-check, asked with the decision the viewer would record or confirm."""
    wf = workflow_for(case)
    joint = [t for t in wf.from_state(wf.state_of(case)) if t.is_joint(case)]
    if not joint or not _signed_in(user) or not (set().union(*(t.who.roles for t in joint)) & set(user.role_names)):
        return []
    decide_url = (("committee.decide", {"proposal_id": case.id}) if isinstance(case, Proposal)
                  else _case_url(case, "pl.show", "decision-panel"))
    pending = case.pending_decision
    if pending is None:
        stand_in = SimpleNamespace(outcome="", proposed_side=other_side(user.side), proposed_by_name="",
                                   feedback="(typed)", award=None, conditions="")
        may = [t for t in joint
               if t.who.check(case, user, {"trigger": t.trigger, "decision": _as(stand_in, t.trigger)}) is None]
        if not may:
            return []
        # The committee waits for what others owe (the reviews) before it decides: the case waits on the
        # co-chairs once no outcome they could record is held up by someone else's work.
        held = [msg for t in joint for msg in wf.waits_on_others(case, t.trigger, {"today": today})]
        return [Task("record_decision", "Record a decision", waiting=not held, target=decide_url, blockers=held,
                     note="A co-chair of one side records it; a co-chair of the other side confirms it.")]
    t = wf.transition(pending.outcome.value)
    outcome = wf.decision_outcomes.get(t.trigger, t.label)
    if pending.proposed_by_id == user.id:
        return [Task("withdraw_decision", "Withdraw my recorded decision", waiting=False,
                     target=_case_url(case, "proposals.show" if isinstance(case, Proposal) else "pl.show",
                                   "decision-panel"))]
    ctx = {"today": today, "decision": pending, "trigger": t.trigger,
           **{name: pending.feedback for name in t.fields}}
    if t.who.check(case, user, ctx) is not None:
        return []
    blockers = wf.guard_failures(case, t.trigger, ctx) if reasons else []
    return [Task("confirm_decision", f"Confirm the decision: {outcome}", waiting=True,
                 target=_case_url(case, "proposals.show" if isinstance(case, Proposal) else "pl.show", "decision-panel"),
                 blockers=blockers,
                 note=f"Recorded by {pending.proposed_by_name} ({pending.proposed_side.value} side).")]


def _as(stand_in, trigger: str):
    return SimpleNamespace(**{**vars(stand_in), "outcome": trigger})


def _duty_tasks(case, user) -> list[Task]:
    out = []
    for d in DUTIES:
        if isinstance(case, d.case_type) and d.open(case) and d.whose(user, case):
            out.append(Task(d.key, d.label, waiting=not d.optional, target=_case_url(case, d.endpoint, d.anchor),
                            due_on=d.due(case)))
    return out


def tasks_for(case: Proposal | PLRequest, user, today: date | None = None, reasons: bool = True) -> list[Task]:
    """Everything ``user`` may do on ``case`` now, the waiting tasks first (declaration order within).
    ``reasons=False`` leaves out what would stop a confirmation (guards that read other rows, such as what
    is left of a budget): a home page asks only which tasks wait, in a fixed number of statements."""
    if not _signed_in(user):
        return []
    today = today or clock.today()
    found = (_decision_tasks(case, user, today, reasons) + _transition_tasks(case, user, today)
             + _duty_tasks(case, user))
    return sorted(found, key=lambda t: not t.waiting)


def waiting_keys(case, user, today: date | None = None) -> set[str]:
    """The keys of the tasks on ``case`` that wait on ``user`` (what their home page lists and counts)."""
    return {t.key for t in tasks_for(case, user, today, reasons=False) if t.waiting}


__all__ = ["DUTIES", "Duty", "Task", "tasks_for", "waiting_keys"]
