"""The progress update and the final report of an active grant.

The progress update is saved as a draft by any team member and submitted by the lead (every
section required); it is an audited act, not a transition. The final report is saved by the team
while the grant is active; the lead submits it with the ``submit_final_report`` transition (through
``app.cases.advance.fire``), whose guards check the report, the spending and the learning summary. Staff
accept or return it with the transitions the workflow declares from "final report submitted" (``staff_actions``);
one that makes the report the team's to edit again *sends it back* (``sends_back``), with a comment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.cases import permissions
from app.cases.advance import Action, actions_for, case_type, lock, record_event
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import (
    FINAL_REPORT_SECTIONS,
    PROGRESS_SECTIONS,
    AuditEvent,
    FinalReport,
    ProgressReport,
    Proposal,
    ProposalState,
    User,
)
from workflows import T
from workflows.proposal import PROPOSAL, STATE_LABELS

S = ProposalState
SECTION_MAX = 10_000
EDITABLE_STATES = (S.ACTIVE,)
# Once the report is in, the team and staff read the final report (and staff act on it).


class ReportError(FormError):
    """A refusal the user reads. ``problems`` are (form field name or None, sentence); ``messages`` the
    sentences."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        super().__init__(problems)


def sections_of(report: ProgressReport | FinalReport | None, labels: dict[str, str]) -> dict[str, str]:
    """What a report's form shows before anyone types: its sections as saved (none for a report not started)."""
    return {attr: getattr(report, attr) for attr in labels} if report is not None else {}


def _check_active(proposal: Proposal, what: str) -> None:
    if proposal.state not in EDITABLE_STATES:
        raise ReportError([(None, f"The {what} can be changed while the grant is active; this one is "
                                  f"{STATE_LABELS[proposal.state].lower()}.")])


def _check_lengths(sections: dict[str, str], labels: dict[str, str]) -> list[tuple[str | None, str]]:
    return [(attr, f"Keep “{labels[attr]}” to {SECTION_MAX:,} characters or fewer.")
            for attr, text in sections.items() if len(text) > SECTION_MAX]


# -- progress update -------------------------------------------------------------------------
def save_progress(proposal: Proposal, actor: User, sections: dict[str, str], submit: bool = False) -> ProgressReport:
    """Save the progress update; with ``submit`` the lead also hands it in (all sections required).

    Audited as "edit_progress" (a draft) or "submit_progress". Raises ``ReportError``.
    """
    row = lock(proposal)
    _check_active(row, "progress update")
    report = row.progress_report
    if report is not None and report.submitted_at is not None:
        raise ReportError([(None, f"The progress update was submitted on "
                                  f"{clock.local(report.submitted_at):%B %-d, %Y}; it can no longer be changed.")])
    if submit and not permissions.is_team_lead(actor, row):
        raise ReportError([(None, f"Only the team lead, {row.team.lead_name}, submits the progress update. "
                                  "Save your changes and let the lead know it is ready.")])
    cleaned = {attr: (sections.get(attr) or "").strip() for attr in PROGRESS_SECTIONS}
    problems = _check_lengths(cleaned, PROGRESS_SECTIONS)
    if submit:
        problems += [(attr, f"Write “{label}” before submitting.")
                     for attr, label in PROGRESS_SECTIONS.items() if not cleaned[attr]]
    if problems:
        raise ReportError(problems)
    if report is None:
        report = ProgressReport(proposal_id=row.id)
        db.session.add(report)
        row.progress_report = report
    changed = [PROGRESS_SECTIONS[a] for a, v in cleaned.items() if (getattr(report, a) or "") != v]
    for attr, text in cleaned.items():
        setattr(report, attr, text)
    if submit:
        report.submitted_at = clock.now()
        report.submitted_by_id = actor.id
        record_event(row, "submit_progress", actor)
    else:
        record_event(row, "edit_progress", actor, data={"fields": changed})
    db.session.flush()
    return report


def progress_overdue(proposal: Proposal) -> bool:
    report = proposal.progress_report
    done = report is not None and report.submitted_at is not None
    due = progress_due(proposal)
    return proposal.state is S.ACTIVE and not done and due is not None and due < clock.today()


def progress_due(proposal: Proposal) -> date | None:
    return proposal.progress_report_due or proposal.cycle.progress_report_due


def final_due(proposal: Proposal) -> date | None:
    return proposal.final_report_due or proposal.cycle.final_report_due


def final_overdue(proposal: Proposal) -> bool:
    due = final_due(proposal)
    return proposal.state is S.ACTIVE and due is not None and due < clock.today()


# -- final report ----------------------------------------------------------------------------
def save_final_report(proposal: Proposal, actor: User, sections: dict[str, str]) -> FinalReport:
    """Save the final report's sections (audited as "edit_final_report"). Raises ``ReportError``."""
    row = lock(proposal)
    _check_active(row, "final report")
    cleaned = {attr: (sections.get(attr) or "").strip() for attr in FINAL_REPORT_SECTIONS}
    problems = _check_lengths(cleaned, FINAL_REPORT_SECTIONS)
    if problems:
        raise ReportError(problems)
    report = row.final_report
    if report is None:
        report = FinalReport(proposal_id=row.id)
        db.session.add(report)
        row.final_report = report
    changed = [FINAL_REPORT_SECTIONS[a] for a, v in cleaned.items() if (getattr(report, a) or "") != v]
    for attr, text in cleaned.items():
        setattr(report, attr, text)
    record_event(row, "edit_final_report", actor, data={"fields": changed})
    db.session.flush()
    return report


@dataclass(frozen=True)
class ReturnNote:
    """Staff's comment when they last returned the final report."""

    comment: str
    at: datetime
    by: str


def sends_back(t: T) -> bool:
    """Whether ``t`` gives a submitted final report back to the team to revise (the report is theirs to edit
    again once it fires)."""
    return S.FINAL_REPORT_SUBMITTED in t.sources and t.dest in EDITABLE_STATES


# The triggers that send a submitted final report back, as the workflow declares them.
SENDS_BACK = tuple(t.trigger for t in PROPOSAL.transitions if sends_back(t))


@dataclass(frozen=True)
class ReportAction:
    """What program staff may do with a submitted final report: an action of the workflow, and whether it
    sends the report back to the team (then its comment tells the team what to change)."""

    action: Action
    sends_back: bool


def staff_actions(proposal: Proposal, user: User) -> list[ReportAction]:
    """Program staff's actions on a submitted final report, from the workflow: those that close the report
    first, then those that send it back to the team."""
    if proposal.state is not S.FINAL_REPORT_SUBMITTED or not permissions.is_staff(user):
        return []
    found = [ReportAction(a, sends_back(a.transition)) for a in actions_for(proposal, user)]
    return sorted(found, key=lambda a: a.sends_back)


def last_return(proposal: Proposal) -> ReturnNote | None:
    """Staff's comment the last time they sent the final report back, or None."""
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_type == case_type(proposal), AuditEvent.case_id == proposal.id,
                                 AuditEvent.trigger.in_(SENDS_BACK))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)
    ).first()
    if event is None:
        return None
    return ReturnNote(comment=event.comment or "", at=event.at,
                      by=event.actor.name if event.actor is not None else "Program staff")


def returned_since_last_submit(proposal: Proposal) -> ReturnNote | None:
    """The return comment the team still has to act on: shown while the grant is active again."""
    if proposal.state is not S.ACTIVE:
        return None
    return last_return(proposal)


def due_text(due: date | None, done: bool = False) -> str:
    """A due date in words, saying when it is overdue (not by colour alone)."""
    if due is None:
        return "No due date set yet"
    when = f"{due:%B %-d, %Y}"
    if done:
        return f"Due {when}; submitted"
    days = (due - clock.today()).days
    if days < 0:
        return f"Due {when}; overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return f"Due {when}; due today"
    return f"Due {when}; {days} day{'s' if days != 1 else ''} from now"
