"""The grant agreement and activation.

The team lead accepts the agreement for an approved proposal (an audited act, not a transition);
program staff then fire ``activate`` through ``app.cases.advance.fire``, whose guards read
``agreement_accepted_at`` and the cycle's report dates. The step registered below runs right after
that transition, in the same transaction: it stamps the activation and gives the grant its report
due dates from the cycle.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.cases import permissions
from app.cases.advance import lock, record_event
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import BudgetLine, Proposal, ProposalState, User
from workflows.proposal import AWARDED, FINAL_REPORT_IN, budget_within_award, money

S = ProposalState

# The program's terms, as the team reads them in the agreement.
TERMS = (
    "Carry out the work together as a team, as the proposal describes; tell program staff early if the plan "
    "has to change.",
    "Share what you learn: file the progress update and the final report by their due dates, and write a "
    "learning summary for the district.",
    "Spend grant funds only on the approved budget lines, and only up to the award; ask program staff to "
    "reallocate between lines before spending differently.",
    "Keep a receipt for every expenditure and upload it when you log the spending.",
)

# States in which a proposal has an agreement to read.


class GrantError(FormError):
    """A refusal the user reads (``str(exc)``, ``messages``)."""


@dataclass(frozen=True)
class Agreement:
    proposal: Proposal
    award: Decimal | None
    conditions: str
    lines: list[BudgetLine]
    progress_report_due: date | None
    final_report_due: date | None
    terms: tuple[str, ...]
    accepted_at: object
    accepted_by: User | None

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None


def agreement_for(proposal: Proposal) -> Agreement:
    """What the team agrees to: the award and conditions, the budget lines, the reporting dates and terms.

    The dates are the grant's once activation has copied them from the cycle; the cycle's before that.
    """
    accepted_by = db.session.get(User, proposal.agreement_accepted_by_id) if proposal.agreement_accepted_by_id else None
    return Agreement(
        proposal=proposal,
        award=proposal.award,
        conditions=(proposal.conditions or "").strip(),
        lines=list(proposal.budget_lines),
        progress_report_due=proposal.progress_report_due or proposal.cycle.progress_report_due,
        final_report_due=proposal.final_report_due or proposal.cycle.final_report_due,
        terms=TERMS,
        accepted_at=proposal.agreement_accepted_at,
        accepted_by=accepted_by,
    )


def accept_agreement(proposal: Proposal, actor: User) -> Proposal:
    """The team lead accepts the grant agreement on behalf of the team (audited as "accept_agreement")."""
    row = lock(proposal)
    if not permissions.is_team_lead(actor, row):
        raise GrantError(f"Only the team lead, {row.team.lead_name}, accepts the grant agreement.")
    if row.agreement_accepted_at is not None:
        by = db.session.get(User, row.agreement_accepted_by_id) if row.agreement_accepted_by_id else None
        when = clock.local(row.agreement_accepted_at)
        raise GrantError(f"The agreement was already accepted on {when:%B %-d, %Y}"
                         f"{' by ' + by.name if by else ''}.")
    if row.state is not S.APPROVED:
        raise GrantError(f"The agreement is accepted once the grant is approved; this proposal is "
                         f"{row.state_label.lower()}.")
    refusal = budget_within_award(row, {})  # a partial award: the budget is revised to it first
    if refusal:
        raise GrantError(refusal)
    row.agreement_accepted_at = clock.now()
    row.agreement_accepted_by_id = actor.id
    record_event(row, "accept_agreement", actor, data={"award": str(row.award) if row.award is not None else ""})
    db.session.flush()
    return row


def is_overdue(due: date | None, done: bool) -> bool:
    return due is not None and not done and due < clock.today()


@dataclass(frozen=True)
class GrantPanel:
    """What the case page's grant panel shows."""

    agreement_accepted: bool
    agreement_accepted_at: object
    activated_at: object
    progress_report_due: date | None
    progress_submitted: bool
    progress_overdue: bool
    final_report_due: date | None
    final_report_submitted: bool
    final_report_overdue: bool
    ledger: object
    return_comment: object
    can_log_spending: bool
    can_reallocate: bool
    shows_final_report: bool


def panel(proposal: Proposal, user: User) -> GrantPanel | None:
    """The grant panel for team members and staff on an approved-or-later proposal, else None."""
    from app.grants import ledger as ledger_svc
    from app.grants import reports

    if proposal.state not in AWARDED:
        return None
    team = permissions.is_team_member(user, proposal)
    staff = permissions.is_staff(user)
    if not (team or staff):
        return None
    agreement = agreement_for(proposal)
    progress = proposal.progress_report
    progress_done = progress is not None and progress.submitted_at is not None
    final_done = proposal.state in FINAL_REPORT_IN
    return GrantPanel(
        agreement_accepted=agreement.is_accepted,
        agreement_accepted_at=agreement.accepted_at,
        activated_at=proposal.activated_at,
        progress_report_due=agreement.progress_report_due,
        progress_submitted=progress_done,
        progress_overdue=proposal.state is S.ACTIVE and is_overdue(agreement.progress_report_due, progress_done),
        final_report_due=agreement.final_report_due,
        final_report_submitted=final_done,
        final_report_overdue=proposal.state is S.ACTIVE and is_overdue(agreement.final_report_due, final_done),
        ledger=ledger_svc.ledger_for(proposal),
        return_comment=reports.last_return(proposal) if proposal.state is S.ACTIVE else None,
        can_log_spending=team and proposal.state in ledger_svc.SPENDING_STATES,
        can_reallocate=permissions.can_reallocate(user, proposal),
        shows_final_report=proposal.state is not S.APPROVED,
    )


# -- a partial award: the budget revised to the award ----------------------------------------------
def needs_revised_budget(proposal: Proposal) -> bool:
    """An approved grant whose award is less than its budget lines add up to, agreement not accepted yet:
    the team revises its budget to the award first (``workflows.proposal.budget_within_award``)."""
    return (proposal.state is S.APPROVED and proposal.agreement_accepted_at is None
            and budget_within_award(proposal, {}) is not None)


def revise_budget(proposal: Proposal, actor: User, amounts: dict[int, Decimal]) -> Proposal:
    """The team lead sets new amounts on the grant's budget lines (``amounts``: line id -> Decimal, at
    least $0.00) so that they sum to no more than the award, before accepting the agreement. Audited as
    "revise_budget" with each line's amount before and after. The proposal row is locked first."""
    row = lock(proposal)
    if not permissions.is_team_lead(actor, row):
        raise GrantError(f"Only the team lead, {row.team.lead_name}, revises the budget to the award.")
    if row.state is not S.APPROVED or row.agreement_accepted_at is not None:
        raise GrantError("The budget is revised to the award before the agreement is accepted, while the grant "
                         "is approved; this one is past that.")
    lines = list(db.session.scalars(select(BudgetLine).where(BudgetLine.proposal_id == row.id)
                                    .order_by(BudgetLine.position, BudgetLine.id)))
    problems: list[tuple[str | None, str]] = []
    for line in lines:
        new = amounts.get(line.id)
        if new is None or not isinstance(new, Decimal) or not new.is_finite() or new < 0:
            problems.append((f"line_{line.id}", f"Enter an amount of $0.00 or more for {line.description}."))
    if problems:
        raise GrantError(problems)
    total = sum((amounts[line.id] for line in lines), Decimal("0"))
    if row.award is not None and total > row.award:
        raise GrantError([(None, f"The revised lines add up to {money(total)}, more than the award of "
                                 f"{money(row.award)}: take {money(total - row.award)} more off.")])
    before = {str(line.id): str(line.amount) for line in lines}
    for line in lines:
        line.amount = amounts[line.id].quantize(Decimal("0.01"))
    record_event(row, "revise_budget", actor, data={
        "award": str(row.award), "before": before, "after": {str(line.id): str(line.amount) for line in lines}})
    db.session.flush()
    return row
