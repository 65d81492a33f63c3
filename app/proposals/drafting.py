"""Proposals: creating a draft, saving it, the case page's data (timeline, who sees what).

Every state change goes through ``app.cases.advance`` (the case page's buttons: ``fire``); the
other acts here (create, edit) leave an audit event through ``record_event``. The request pipeline
commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from app.cases import permissions
from app.cases import timeline as case_timeline
from app.cases.advance import record_event
from app.cases.timeline import TimelineEntry
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import (
    REQUIRED_SECTIONS,
    AuditEvent,
    BudgetCategory,
    BudgetLine,
    Cycle,
    GrantType,
    Proposal,
    ProposalState,
    Team,
    TeamMember,
    Term,
    TermKind,
    User,
)
from workflows.proposal import EDITABLE_BY_TEAM, PROPOSAL

# The text sections a team writes, in the order they appear on the form and the case page.
TEXT_SECTIONS = ("challenge", "students", "plan", "success_measures", "sharing_plan", "timeline")
SECTION_LABELS = {attr: REQUIRED_SECTIONS[attr] for attr in TEXT_SECTIONS}

# Words for the audit events that are not transitions (the timeline shows them).
EVENT_LABELS = {
    "create": "Draft created",
    "edit": "Draft edited",
    "upload": "File attached",
    "delete_attachment": "File removed",
    "assign_reviewer": "Reviewer assigned",
    "unassign_reviewer": "Reviewer unassigned",
    "declare_conflict": "Conflict of interest declared",
    "submit_review": "Review submitted",
    "record_decision": "Decision recorded",
    "withdraw_decision": "Recorded decision withdrawn",
    "not_confirm_decision": "Recorded decision not confirmed",
    "confirm_decision": "Decision confirmed",
    "tentative_selection": "Tentative selection changed",
    "accept_agreement": "Grant agreement accepted",
    "log_expenditure": "Spending logged",
    "void_expenditure": "Expenditure voided",
    "reallocate": "Budget reallocated",
    "request_reallocation": "Budget reallocation asked for",
    "correct_expenditure": "Returned reimbursement corrected and resubmitted",
    "revise_budget": "Budget revised to the award",
    "edit_progress": "Progress update edited",
    "submit_progress": "Progress update submitted",
    "edit_final_report": "Final report edited",
    "edit_summary": "Learning summary edited",
    "upload_artifact": "Shared file added to the summary",
    "delete_artifact": "Shared file removed from the summary",
    "consent_to_publish": "Consent to publish given",
    "withdraw_consent": "Consent to publish withdrawn",
    "privacy_check": "Privacy check run",
    "block_name": "Name added to the privacy block list",
    "unblock_name": "Name removed from the privacy block list",
    "override_privacy_flag": "Privacy flag overridden",
}


class ProposalError(FormError):
    """A refusal a user can read (``str(exc)``); ``problems`` name the form field each concerns."""


class DraftChanged(ProposalError):
    """Someone on the team saved the draft after this form was opened: nothing is saved over their
    changes, and the page comes back with what was typed (409)."""

    def __init__(self) -> None:
        super().__init__("Someone on your team saved this draft after you opened it. Your text is kept below: "
                         "check the proposal's page for their changes. Saving again will replace their changes "
                         "with yours.")


# -- reading ---------------------------------------------------------------------------------
def open_cycles(today=None) -> list[Cycle]:
    """Cycles accepting proposals today (Boston date)."""
    today = today or clock.today()
    return list(db.session.scalars(
        select(Cycle).where(Cycle.opens_on <= today, Cycle.closes_on >= today).order_by(Cycle.closes_on, Cycle.name)
    ))


def teams_of(user: User) -> list[Team]:
    return list(db.session.scalars(
        select(Team).join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user.id).order_by(Team.name)
    ))


def has_team(user: User) -> bool:
    """Whether the user belongs to a team (one indexed lookup, not their teams loaded)."""
    return bool(db.session.scalar(select(exists().where(TeamMember.user_id == user.id))))


MINE_PER_PAGE = 20


def _proposals_of(user: User):
    team_ids = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    return (select(Proposal).where(Proposal.team_id.in_(team_ids))
            .order_by(Proposal.updated_at.desc(), Proposal.id.desc()))


def proposals_of(user: User) -> list[Proposal]:
    """Proposals of every team the user belongs to, most recently changed first."""
    return list(db.session.scalars(_proposals_of(user)).unique())


def my_proposals_page(user: User, page: int = 1):
    """One page (``MINE_PER_PAGE``) of ``proposals_of``, with the columns the list shows (not the proposals'
    texts, not the cycles' rubrics); a page past the end shows the last one."""
    stmt = _proposals_of(user).options(
        load_only(Proposal.id, Proposal.title, Proposal.state, Proposal.version, Proposal.team_id,
                  Proposal.cycle_id, Proposal.updated_at),
        joinedload(Proposal.cycle).options(load_only(Cycle.id, Cycle.name), lazyload(Cycle.criteria)),
        joinedload(Proposal.team).options(load_only(Team.id, Team.name), lazyload(Team.memberships)),
    )
    pagination = db.paginate(stmt, page=max(page, 1), per_page=MINE_PER_PAGE, error_out=False, count=True)
    if pagination.total and page > pagination.pages:
        pagination = db.paginate(stmt, page=pagination.pages, per_page=MINE_PER_PAGE, error_out=False, count=True)
    return pagination


def _event_detail(event: AuditEvent) -> str:
    data = event.data or {}
    if data.get("filename"):
        return str(data["filename"])
    if data.get("fields"):
        return "Changed: " + ", ".join(str(f) for f in data["fields"])
    return ""


# The committee's own acts on a case: who reviews it, conflicts, reviews in, tentative selection
# and decisions not yet confirmed. Only staff and the co-chairs see them on the timeline; the team
# and reviewers see every transition and the team's own acts.
COMMITTEE_EVENTS = frozenset({
    "assign_reviewer", "unassign_reviewer", "declare_conflict", "submit_review",
    "tentative_selection", "record_decision", "withdraw_decision", "not_confirm_decision",
})


def sees_committee_events(proposal: Proposal, viewer: User | None) -> bool:
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False)
                and not permissions.is_conflicted(viewer, proposal)
                and (permissions.is_staff(viewer) or viewer.has_role("co_chair")))


def timeline(proposal: Proposal, viewer: User | None = None) -> list[TimelineEntry]:
    """The case's audit events that ``viewer`` may see, oldest first (newest last)."""
    return case_timeline.build(
        "proposal", proposal.id, workflow=PROPOSAL, event_labels=EVENT_LABELS, detail=_event_detail,
        hidden=() if sees_committee_events(proposal, viewer) else COMMITTEE_EVENTS,
    )


# -- changing --------------------------------------------------------------------------------
def start_draft(actor: User, team_id: int, cycle_id: int) -> Proposal:
    """A new draft for one of the actor's teams in a cycle open today, both chosen by id (from a form)."""
    team, cycle = db.session.get(Team, team_id), db.session.get(Cycle, cycle_id)
    problems = ([("team", "Choose one of your teams.")] if team is None else []) + (
        [("cycle", "Choose a cycle that is open now.")] if cycle is None else [])
    if problems:
        raise ProposalError(problems)
    return create_draft(team, cycle, actor)


def create_draft(team: Team, cycle: Cycle, actor: User) -> Proposal:
    if actor.id not in team.member_ids:
        raise ProposalError([("team", "You can only start a proposal for a team you belong to.")])
    if not cycle.is_open(clock.today()):
        raise ProposalError([("cycle", f"The {cycle.name} cycle is not accepting proposals today.")])
    proposal = Proposal(team=team, cycle=cycle, state=ProposalState.DRAFT, created_by=actor)
    db.session.add(proposal)
    db.session.flush()
    record_event(proposal, "create", actor, data={"team": team.name, "cycle": cycle.name})
    db.session.flush()
    return proposal


@dataclass
class LineData:
    category: BudgetCategory
    description: str
    amount: Decimal


def save_draft(proposal: Proposal, actor: User, *, grant_type: GrantType | None, title: str,
               sections: dict[str, str], amount_requested: Decimal | None,
               lines: list[LineData], priorities: list[int] | None = None,
               version: str | int | None = None) -> AuditEvent:
    """Save the draft as typed (drafts may be partial); records an "edit" event naming what changed.

    ``priorities`` are the ids of the district priorities (active topics) the proposal cites; None
    leaves them as they are. A cited topic staff have since deactivated is not offered, so it stays.
    ``version``: the version the form was opened at; when someone saved since, ``DraftChanged``."""
    if proposal.state not in EDITABLE_BY_TEAM:
        raise ProposalError(f"A proposal that is {proposal.state_label.lower()} can no longer be edited.")
    if version is not None and str(version) != str(proposal.version):
        raise DraftChanged()
    changed = []
    if proposal.grant_type != grant_type:
        proposal.grant_type = grant_type
        changed.append("Grant type")
    if (proposal.title or "") != title:
        proposal.title = title
        changed.append("Title")
    for attr in TEXT_SECTIONS:
        value = sections.get(attr, "")
        if (getattr(proposal, attr) or "") != value:
            setattr(proposal, attr, value)
            changed.append(SECTION_LABELS[attr])
    if proposal.amount_requested != amount_requested:
        proposal.amount_requested = amount_requested
        changed.append("Amount requested")
    old = [(b.category, b.description, b.amount) for b in proposal.budget_lines]
    new = [(line.category, line.description, line.amount) for line in lines]
    if old != new:
        proposal.budget_lines = [
            BudgetLine(position=i, category=line.category, description=line.description, amount=line.amount)
            for i, line in enumerate(lines)
        ]
        changed.append("Budget lines")
    if priorities is not None:
        wanted = {int(i) for i in priorities}
        chosen = list(db.session.scalars(select(Term).where(
            Term.id.in_(wanted), Term.kind == TermKind.TOPIC, Term.active.is_(True)))) if wanted else []
        if len(chosen) != len(wanted):
            raise ProposalError([("priorities", "Choose the priorities from the list of district priorities.")])
        kept = [t for t in proposal.priorities if not t.active]
        new_priorities = sorted(kept + chosen, key=lambda t: (t.position, t.name))
        if {t.id for t in new_priorities} != {t.id for t in proposal.priorities}:
            proposal.priorities = new_priorities
            changed.append("Priorities")
    proposal.updated_at = clock.now()  # also bumps the version, so a stale form is noticed
    event = record_event(proposal, "edit", actor, data={"fields": changed})
    db.session.flush()
    return event


def load_for_case_page(proposal_id: int) -> Proposal | None:
    return db.session.scalar(
        select(Proposal).where(Proposal.id == proposal_id).options(
            selectinload(Proposal.budget_lines), selectinload(Proposal.attachments),
            selectinload(Proposal.decisions), selectinload(Proposal.assignments),
            selectinload(Proposal.conflicts),
        )
    )


__all__ = [
    "EVENT_LABELS", "DraftChanged", "LineData", "ProposalError", "SECTION_LABELS", "TEXT_SECTIONS", "TimelineEntry",
    "create_draft", "has_team", "my_proposals_page", "open_cycles", "proposals_of", "save_draft", "start_draft", "teams_of", "timeline",
]
