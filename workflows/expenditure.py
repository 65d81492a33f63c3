"""Money out the door: the payment status of each expenditure a team logs, and a team's request to move
money between its budget lines. Two workflows, declared as rows like the proposal's and the PL request's.

Expenditure (the case is an ``Expenditure``; ``state`` is its payment status):
``submitted`` (logged by the team) -> ``approved`` (program staff checked it against the receipt) -> ``paid``
(staff recorded the payment); or ``returned`` by staff with a reason, which the team corrects and resubmits.
A voided expenditure (``voided_at`` set) is never approved or paid and no total counts it.

Reallocation (the case is a ``BudgetReallocation``): ``pending`` (the team asked, with a reason) ->
``approved`` (staff; the money moves, under the grant's row lock) or ``declined`` (staff, with a reason).

What the guards read on the case: Expenditure ``is_void``, ``voided_at``; Reallocation ``source_left``
(what is left unspent on the source line now, counting approved reallocations only), ``source_name``,
``amount``, ``grant_open`` (the grant is approved or active). Who: ``is_staff(actor)``,
``is_team_member(actor)`` are asked of the case.
"""
from __future__ import annotations

import enum
from decimal import Decimal

from workflows.engine import T, Who, Workflow, guard, states
from workflows.joint import text_required
from workflows.proposal import money


class PaymentState(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PAID = "paid"
    RETURNED = "returned"


P = PaymentState

PAYMENT_LABELS = {
    P.SUBMITTED: "Submitted: awaiting approval",
    P.APPROVED: "Approved: awaiting payment",
    P.PAID: "Paid",
    P.RETURNED: "Returned to the team",
}

# Staff owe something on these: approving (submitted) or paying (approved).
AWAITING_STAFF = states(P.SUBMITTED, P.APPROVED)
# The team owes a correction on these.
AWAITING_TEAM = states(P.RETURNED)


def _staff(case, actor, ctx):
    if actor is None or not actor.has_role("staff"):
        return "Only program staff approve, pay or return a reimbursement."
    return None


def _team(case, actor, ctx):
    if actor is None or not case.is_team_member(actor):
        return "Only a member of the grant's team resubmits a returned reimbursement."
    return None


STAFF = Who("program staff", frozenset({"staff"}), _staff)
TEAM = Who("a member of the grant's team", frozenset({"educator"}), _team)


@guard("not voided (a voided expenditure is counted nowhere and never paid)")
def not_void(case, ctx):
    if case.voided_at is not None:
        return (f"This expenditure of {money(case.amount)} to {case.payee} was voided, so it is not approved, "
                "paid or resubmitted.")
    return None


# -- after-steps ------------------------------------------------------------------------------
def stamp_approved(case, ctx):
    case.approved_at = ctx["now"]
    case.approved_by_id = getattr(ctx.get("actor"), "id", None)


def stamp_paid(case, ctx):
    case.paid_at = ctx["now"]
    case.paid_by_id = getattr(ctx.get("actor"), "id", None)


def keep_reason(case, ctx):
    case.return_reason = (ctx.get("reason") or "").strip()


def clear_reason(case, ctx):
    case.return_reason = ""


def stamp_decided(case, ctx):
    case.decided_at = ctx["now"]
    case.decided_by_id = getattr(ctx.get("actor"), "id", None)
    case.decline_reason = (ctx.get("reason") or "").strip()


reason_required = text_required("reason", "Give the reason, so the team knows what to correct.")
@guard("what was corrected said", fields=("comment",))
def correction_said(case, ctx):
    if not (ctx.get("comment") or "").strip():
        return "Say what you corrected."
    return None

PAYMENT_TRANSITIONS = [
    T("approve", P.SUBMITTED, P.APPROVED, STAFF, (not_void,), "Approve for payment", notify=("team",),
      after=(stamp_approved,),
      subject="Reimbursement approved", verb="approved for payment the expenditure",
      next_steps={"team": "Nothing is needed from you: program staff record the payment next."}),
    T("pay", P.APPROVED, P.PAID, STAFF, (not_void,), "Record payment", notify=("team",),
      after=(stamp_paid,),
      subject="Reimbursement paid", verb="recorded the payment of the expenditure",
      next_steps={"team": "Nothing is needed from you: the reimbursement is paid."}),
    T("return", (P.SUBMITTED, P.APPROVED), P.RETURNED, STAFF, (not_void, reason_required), "Return to the team",
      fields=("reason",), notify=("team",), after=(keep_reason,),
      subject="Reimbursement returned to you", verb="returned the expenditure",
      next_steps={"team": "Read the reason, correct the expenditure on the spending page and resubmit it."}),
    T("resubmit", P.RETURNED, P.SUBMITTED, TEAM, (not_void, correction_said), "Correct and resubmit",
      page="grants.correct_expenditure",
      page_refusal="Correct the expenditure and say what you corrected on its correction page.",
      notify=("staff",), after=(clear_reason,),
      subject="Reimbursement resubmitted", verb="corrected and resubmitted the expenditure",
      next_steps={"staff": "Check the correction against the receipt, then approve it or return it again."}),
]


class ReallocationState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


R = ReallocationState

REALLOCATION_LABELS = {R.PENDING: "Pending: awaiting staff", R.APPROVED: "Approved", R.DECLINED: "Declined"}
# Only an approved reallocation moves money (the ledger counts these).
MOVED = states(R.APPROVED)


def _staff_decides(case, actor, ctx):
    if actor is None or not actor.has_role("staff"):
        return "Only program staff approve or decline a reallocation between budget lines."
    return None


STAFF_DECIDES = Who("program staff", frozenset({"staff"}), _staff_decides)


@guard("the grant is approved or active")
def grant_open(case, ctx):
    if not case.grant_open:
        return "Budget lines are reallocated while the grant is approved or active."
    return None


@guard("amount ≤ what is left unspent on the source line (read under the grant's row lock)")
def source_has_it(case, ctx):
    left = case.source_left
    if case.amount > max(left, Decimal("0")):
        return (f"{case.source_name} has {money(max(left, Decimal('0')))} left unspent, so {money(case.amount)} "
                "cannot be moved from it.")
    return None


decline_reason = text_required("reason", "Give the reason for declining (the team reads it).")

REALLOCATION_TRANSITIONS = [
    T("approve", R.PENDING, R.APPROVED, STAFF_DECIDES, (grant_open, source_has_it), "Approve reallocation",
      locks=("proposal",), notify=("team",), after=(stamp_decided,),
      subject="Reallocation approved", verb="approved the reallocation",
      next_steps={"team": "The money is on the new budget line: spend it from there."}),
    T("decline", R.PENDING, R.DECLINED, STAFF_DECIDES, (decline_reason,), "Decline reallocation",
      fields=("reason",), notify=("team",), after=(stamp_decided,),
      subject="Reallocation declined", verb="declined the reallocation",
      next_steps={"team": "Read the reason; spend within the budget lines as they are, or ask again."}),
]

AUDIENCES = {"team": "the grant's team", "staff": "program staff"}


EXPENDITURE = Workflow(
    "expenditure", PaymentState, P.SUBMITTED, PAYMENT_TRANSITIONS, PAYMENT_LABELS,
    groups={"AWAITING_STAFF": AWAITING_STAFF, "AWAITING_TEAM": AWAITING_TEAM}, audiences=AUDIENCES,
    default_next_step="Open the grant's spending page to see where the reimbursement stands.",
)

REALLOCATION = Workflow(
    "reallocation", ReallocationState, R.PENDING, REALLOCATION_TRANSITIONS, REALLOCATION_LABELS,
    groups={"MOVED": MOVED}, audiences=AUDIENCES,
    default_next_step="Open the grant's spending page to see its budget lines.",
)
