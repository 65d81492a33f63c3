"""The professional-learning (PL) request workflow, declared once.

An educator asks to attend outside or paid PL; the school leader of their school endorses it (or
returns or denies it), and program staff do when the school has no school leader; when it costs money the committee's co-chairs decide jointly (one side
records, the other side confirms) against the year's PL budget, which cannot be over-committed;
when it costs nothing it is approved on endorsement. Afterwards the educator records attendance, a
reflection, hours and PDPs, and it lands on their PL transcript.

Guards and who-checks read a case through plain attributes, so this module runs without Flask or
a database. A case (``app.models.PLRequest`` in the app, a fake in the tests) offers:

``state``; ``requester_id``, ``requester_name``, ``school_id``, ``school_name``, ``school_has_leader``
(whether the school has an active school leader: when it has none, program staff endorse); ``opportunity_id``
and ``title`` / ``provider_name`` (the opportunity is chosen from the catalog, or described);
``cost`` (Decimal or None), ``starts_on``, ``ends_on`` (dates or None), ``rationale``,
``need_term_id`` (the survey topic it addresses); ``is_free`` (cost == 0); ``budget_year``
("2026-27"), ``budget_remaining()`` (Decimal, or None when no PL budget is set for that year, and
counting every approved or completed request of that year except this one); the completion record
``attended`` (bool or None), ``reflection``, ``hours_completed``, ``pdps_earned``; ``ends_at`` (when the PL
is over: a catalog opportunity's last session's end, or the start of a described PL's end date in Boston;
an aware datetime, or None) and ``scheduled_hours`` (a catalog opportunity's hours, or None when unknown);
``conflicted_user_ids()`` is not needed: PL requests have no conflicts.

An actor offers ``id``, ``name``, ``side`` ("BTU"/"BPS"/None), ``school_id``, ``role_names`` and
``has_role()``. ``ctx`` carries ``today``, ``now`` (an aware datetime), ``comment``, ``reason``; ``automatic=True`` when the
app approves a free request on endorsement; and for joint decisions ``decision`` (with
``outcome``, ``proposed_side``, ``proposed_by_name``, ``feedback``). After-steps also get ``now``
and ``advance(trigger, **data)``, and write ``submitted_at``, ``decided_at`` and ``completed_at``.
"""
from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from workflows.engine import T, Who, Workflow, guard, states
from workflows.joint import co_chair_joint_refusal, text_required
from workflows.proposal import money

BOSTON = ZoneInfo("America/New_York")
PDPS_PER_LICENSE_CYCLE = 150  # Massachusetts licensure renewal: 150 PDPs per five-year cycle


class PLRequestState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ENDORSED = "endorsed"
    APPROVED = "approved"
    DENIED = "denied"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


S = PLRequestState

STATE_LABELS = {
    S.DRAFT: "Draft",
    S.SUBMITTED: "Submitted",
    S.ENDORSED: "Endorsed",
    S.APPROVED: "Approved",
    S.DENIED: "Denied",
    S.COMPLETED: "Completed",
    S.CANCELLED: "Cancelled",
}

# -- state groups: declared once, asked everywhere (templates: ``pl_states.OPEN``) -----------------
# A request's cost counts against the year's PL budget.
COMMITTED = states(S.APPROVED, S.COMPLETED)
# Still going somewhere: the educator may cancel it.
OPEN = states(S.DRAFT, S.SUBMITTED, S.ENDORSED, S.APPROVED)
# Never put forward, or taken back (left out of the priorities' counts).
NOT_PUT_FORWARD = states(S.DRAFT, S.CANCELLED)
# Where a decision lands: approved (jointly, or automatically when free) or denied (the PL report's
# "time to decision" ends on entering one of these).
DECISIONS = states(S.APPROVED, S.DENIED)

GROUPS = {"COMMITTED": COMMITTED, "OPEN": OPEN, "NOT_PUT_FORWARD": NOT_PUT_FORWARD, "DECISIONS": DECISIONS}


def school_year_of(day: date) -> str:
    """The school year a day falls in: July 1 to June 30 ("2026-27")."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


# -- who -------------------------------------------------------------------------------------
def _requester(case, actor, ctx):
    if actor is None or actor.id != case.requester_id:
        return f"Only the educator who made this request, {case.requester_name}, can do this."
    return None


def _school_leader(case, actor, ctx):
    if actor is None or not actor.has_role("school_leader"):
        return f"Only the school leader of {case.school_name} can do this."
    if case.school_id is None or actor.school_id != case.school_id:
        return f"Only the school leader of {case.school_name} can do this."
    return None


def endorser_words(case) -> str:
    """Who endorses this request, in words: its school's leader, or program staff when there is none."""
    if case.school_has_leader:
        return f"the school leader of {case.school_name}"
    return f"program staff ({case.school_name} has no school leader)"


def _endorser(case, actor, ctx):
    """The school leader of the educator's school; program staff when the school has no school leader."""
    if case.school_has_leader:
        return _school_leader(case, actor, ctx)
    if actor is not None and actor.has_role("staff"):
        return None
    return f"Only program staff can do this: {case.school_name} has no school leader, so program staff endorse its requests."


def costs_money(case) -> bool:
    return (case.cost or 0) > 0


def decided_jointly_once_endorsed(case) -> bool:
    """Deny is the endorser's while the request waits for endorsement, and a joint decision of the
    co-chairs once it is endorsed."""
    return S(case.state) is not S.SUBMITTED


def _co_chair_joint(case, actor, ctx):
    """One side's co-chair recorded the decision (``ctx['decision']``); the other side's confirms."""
    return co_chair_joint_refusal(
        actor, ctx,
        not_co_chair="Only the committee's co-chairs decide PL requests that cost money, and they decide jointly.",
    )


def _approver(case, actor, ctx):
    if case.is_free:
        if not ctx.get("automatic"):
            return "A request that costs nothing is approved automatically when it is endorsed."
        return None
    return _co_chair_joint(case, actor, ctx)


def _endorser_or_co_chair(case, actor, ctx):
    if actor is not None and actor.has_role("co_chair") and case.state != S.DRAFT:
        return None
    if _endorser(case, actor, ctx) is None:
        return None
    return f"Only {endorser_words(case)} or a co-chair of the committee can do this."


def _denier(case, actor, ctx):
    if S(case.state) is S.SUBMITTED:
        if _endorser(case, actor, ctx) is None:
            return None
        return f"While a request waits for endorsement, only {endorser_words(case)} can deny it."
    return _co_chair_joint(case, actor, ctx)


REQUESTER = Who("the educator who requested it", frozenset({"educator"}), _requester)
ENDORSER = Who("the school leader of the educator's school; program staff when the school has none",
               frozenset({"school_leader", "staff"}), _endorser)
APPROVER = Who(
    "co-chairs jointly when it costs money (one side records, the other confirms); automatic when it is free",
    frozenset({"co_chair"}),
    _approver,
)
ENDORSER_OR_CO_CHAIR = Who("the endorser (the school leader; program staff when the school has none) or a co-chair",
                           frozenset({"school_leader", "staff", "co_chair"}), _endorser_or_co_chair)
DENIER = Who(
    "the endorser (while submitted) or the co-chairs jointly (once endorsed)",
    frozenset({"school_leader", "staff", "co_chair"}),
    _denier,
)


# -- guards ----------------------------------------------------------------------------------
@guard("opportunity chosen from the catalog or described", fields=("opportunity", "title", "provider_name"))
def opportunity_given(case, ctx):
    if case.opportunity_id is None and not ((case.title or "").strip() and (case.provider_name or "").strip()):
        return "Choose the opportunity from the catalog, or describe it: its title and its provider."
    return None


@guard("cost given", fields=("cost",))
def cost_given(case, ctx):
    if case.cost is None:
        return "Give the cost (enter 0 if it is free)."
    if case.cost < 0:
        return "The cost cannot be negative."
    return None


@guard("dates given", fields=("starts_on", "ends_on"))
def dates_given(case, ctx):
    if case.starts_on is None or case.ends_on is None:
        return "Give the dates: when it starts and when it ends."
    if case.ends_on < case.starts_on:
        return f"The end date ({case.ends_on:%B %-d, %Y}) is before the start date ({case.starts_on:%B %-d, %Y})."
    return None


@guard("rationale tied to a need", fields=("rationale", "need"))
def rationale_tied_to_need(case, ctx):
    missing = []
    if not (case.rationale or "").strip():
        missing.append("write the rationale")
    if case.need_term_id is None:
        missing.append("choose the need it addresses")
    if missing:
        return "Explain why: " + " and ".join(missing) + "."
    return None


comment_required = text_required("comment", "Write a comment telling the educator what to change.")
reason_required = text_required("reason", "Give a reason.")


@guard("funds left in the PL budget")
def budget_fits(case, ctx):
    cost = case.cost or Decimal("0")
    if cost <= 0:
        return None
    left = case.budget_remaining()
    if left is None:
        return f"No PL budget is set for {case.budget_year}; program staff set it first."
    if cost > left:
        return f"The cost of {money(cost)} is more than the {money(left)} left in the {case.budget_year} PL budget."
    return None


@guard("attendance confirmed", fields=("attended",))
def attendance_confirmed(case, ctx):
    if not case.attended:
        return "Confirm that you attended."
    return None


@guard("reflection written", fields=("reflection",))
def reflection_written(case, ctx):
    if not (case.reflection or "").strip():
        return "Write a reflection on what you learned and how you will use it."
    return None


def _moment(ends_at: datetime) -> str:
    local = ends_at.astimezone(BOSTON)
    return f"{local:%A, %B %-d, %Y at %-I:%M %p}"


@guard("after the PL has ended (its last session; for a described PL, its end date)")
def after_it_ends(case, ctx):
    ends = case.ends_at
    if ends is None:
        return None  # a submitted request has its dates (``dates_given``)
    now = ctx.get("now") or datetime.now(UTC)
    if now >= ends:
        return None
    if case.opportunity_id is not None:
        return (f"Record completion after the PL has ended: its last session ends on {_moment(ends)}. "
                "Come back then.")
    return (f"Record completion once the PL has ended: it ends on {ends.astimezone(BOSTON):%B %-d, %Y}. "
            "Come back on that day or later.")


def _hours_text(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@guard("hours attended recorded, within the PL's scheduled hours when known", fields=("hours_completed",))
def hours_recorded(case, ctx):
    hours = case.hours_completed
    if hours is None or hours <= 0:
        return "Record the hours you attended."
    scheduled = case.scheduled_hours
    if scheduled and hours > scheduled:
        return (f"You recorded {_hours_text(hours)} hours, more than the {_hours_text(scheduled)} hours "
                "this PL is scheduled for. Record the hours you actually attended.")
    return None


def pdps_over_hours(pdps, hours, hours_are: str = "hours", verb: str = "record") -> str | None:
    """Massachusetts gives one PDP per clock hour: the reason ``pdps`` is too many for ``hours``, or None.
    No hours yet (None or 0) sets no limit. The completion guard, the PL request form and the catalog all ask
    this one question."""
    if pdps is None or hours is None or hours <= 0:
        return None
    most = int(hours // 1)
    if pdps <= most:
        return None
    return (f"{pdps} PDPs is more than the {_hours_text(hours)} {hours_are}: Massachusetts gives one PDP per "
            f"clock hour, so {verb} at most {most} PDP{'s' if most != 1 else ''}.")


@guard("PDPs recorded: at most one per clock hour attended (Massachusetts' rule)", fields=("pdps_earned",))
def one_pdp_per_hour(case, ctx):
    pdps = case.pdps_earned
    if pdps is None or pdps < 0:
        return "Record the PDPs earned (0 if none)."
    return pdps_over_hours(pdps, case.hours_completed, "hours you attended")


# -- after-steps ------------------------------------------------------------------------------
def stamp_submitted(case, ctx):
    case.submitted_at = ctx["now"]


def stamp_decided(case, ctx):
    case.decided_at = ctx["now"]


def stamp_completed(case, ctx):
    case.completed_at = ctx["now"]


def approve_if_free(case, ctx):
    """A request that costs nothing is approved when it is endorsed, in the same transaction."""
    if case.is_free:
        ctx["advance"]("approve", comment="Approved automatically: it costs nothing.", automatic=True)


def approved_automatically(case, ctx):
    if ctx.get("automatic"):
        return "It costs nothing, so it was approved automatically when it was endorsed."
    return None


SUBMIT_GUARDS = (opportunity_given, cost_given, dates_given, rationale_tied_to_need)

TRANSITIONS = [
    T("submit", S.DRAFT, S.SUBMITTED, REQUESTER, SUBMIT_GUARDS, "Submit request", notify=("endorsers",),
      after=(stamp_submitted,),
      subject="PL request submitted", audience_subjects={"endorsers": "PL request waiting for your endorsement"},
      verb="submitted the PL request",
      next_steps={"endorsers": lambda case: (
          ("" if case.school_has_leader else
           f"{case.school_name} has no school leader, so program staff endorse its requests. ")
          + "Read the request, then endorse it, return it to the educator with a comment, or deny it with a reason.")}),
    T("endorse", S.SUBMITTED, S.ENDORSED, ENDORSER, (), "Endorse", notify=("requester", "co_chairs"),
      notify_when={"co_chairs": costs_money}, after=(approve_if_free,),
      subject="PL request endorsed",
      audience_subjects={"co_chairs": "PL request waiting for the committee's decision"},
      verb="endorsed the PL request",
      next_steps={
          "requester": lambda case: (
              "Nothing is needed from you now: it costs nothing, so it is approved on endorsement."
              if case.is_free else
              "Nothing is needed from you now: the committee's co-chairs decide requests that cost money."),
          "co_chairs": ("A co-chair of one side records a decision (approve or deny, with feedback); a co-chair "
                        "of the other side confirms it.")}),
    T("return", (S.SUBMITTED, S.ENDORSED), S.DRAFT, ENDORSER_OR_CO_CHAIR, (comment_required,), "Return to educator",
      fields=("comment",), optional=True, notify=("requester",),
      subject="PL request returned to you", verb="returned the PL request",
      next_steps={"requester": "Change the request as asked, then submit it again."}),
    T("approve", S.ENDORSED, S.APPROVED, APPROVER, (budget_fits,), "Approve", joint=costs_money, locks=("budget",),
      notify=("requester",), after=(stamp_decided,),
      subject="PL request approved", verb="approved the PL request",
      joint_verb="confirmed the committee's joint decision to approve the PL request",
      details=(approved_automatically,),
      next_steps={"requester": ("Attend, then record your attendance, a reflection, your hours and PDPs on the "
                                "request's page: it then appears on your PL transcript.")}),
    T("deny", (S.SUBMITTED, S.ENDORSED), S.DENIED, DENIER, (reason_required,), "Deny", fields=("reason",),
      joint=decided_jointly_once_endorsed, notify=("requester",), after=(stamp_decided,),
      subject="PL request denied", verb="denied the PL request",
      joint_verb="confirmed the committee's joint decision to deny the PL request",
      next_steps={"requester": "Read the reason given. You are welcome to make another request."}),
    T("complete", S.APPROVED, S.COMPLETED, REQUESTER,
      (after_it_ends, attendance_confirmed, reflection_written, hours_recorded, one_pdp_per_hour),
      "Record completion", page="pl.complete", after=(stamp_completed,),
      page_refusal="Record your attendance, reflection, hours and PDPs on the completion page.",
      subject="PL completed", verb="recorded the completion of"),
    T("cancel", (S.DRAFT, S.SUBMITTED, S.ENDORSED, S.APPROVED), S.CANCELLED, REQUESTER, (), "Cancel request",
      optional=True,
      notify=("endorsers",),
      subject="PL request cancelled", verb="cancelled the PL request",
      next_steps={"endorsers": "Nothing is needed from you; the request is closed."}),
]

# Outcomes a co-chair can record on an endorsed request that costs money; each is the trigger its
# confirmation fires.
DECISION_OUTCOMES = {"approve": "Approve", "deny": "Deny"}

AUDIENCES = {
    "requester": "the educator who made the request",
    "endorsers": "the school leaders of the educator's school, or program staff when it has none",
    "co_chairs": "the committee's co-chairs (only when the request costs money)",
}

PL_REQUEST = Workflow(
    "PL request", PLRequestState, S.DRAFT, TRANSITIONS, STATE_LABELS, groups=GROUPS, audiences=AUDIENCES,
    decision_outcomes=DECISION_OUTCOMES,
    joint_refusal=("The committee's co-chairs decide a request that costs money jointly, in the decision panel: "
                   "a co-chair of one side records the decision and a co-chair of the other side confirms it."),
    default_next_step="Open the request to see where it stands.",
)
