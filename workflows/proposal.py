"""The TLF proposal workflow, declared once.

Guards and who-checks read a case through plain attributes, so this module runs without Flask
or a database. A case (``app.models.Proposal`` in the app, a small fake in the tests) offers:

``state``, ``title``; ``team`` with ``lead_id``, ``lead_name``, ``size``; ``cycle`` with ``name``,
``opens_on``, ``closes_on``, ``revision_deadline``, ``max_award``, ``reviews_per_side``, ``progress_report_due``,
``final_report_due`` and ``pool_remaining()``; ``missing_sections()`` (labels of empty required sections),
``budget_total``, ``amount_requested``; ``assigned_reviewer_counts()`` and
``submitted_review_counts()`` (by side, conflicted reviewers left out);
``conflicted_assignees()`` (names); ``conflicted_user_ids()``; ``agreement_accepted_at``;
``final_report_missing()`` (labels, or ["the final report"] when there is none); ``spent_total``;
``award``; ``summary_drafted``; ``summary_consented``; ``privacy_flags_open`` (a count, or None
when the privacy check has not run). The after-steps write ``submitted_at``, ``withdraw_reason``,
``award``, ``conditions``, ``feedback``, ``decided_at``, ``activated_at``, ``progress_report_due`` and
``final_report_due``, and call ``publish_summary(now)`` / ``unpublish_summary()``; the messages read
``cycle.review_due_on``.

An actor offers ``id``, ``name``, ``side`` ("BTU"/"BPS"/None), ``role_names`` and ``has_role()``.
The context ``ctx`` carries what the actor supplies: ``today`` (a date in Boston), ``comment``,
``reason``, and for joint decisions ``decision`` (with ``outcome``, ``award``, ``conditions``,
``feedback``, ``proposed_side``, ``proposed_by_name``); after-steps also get ``now`` (UTC).
"""
from __future__ import annotations

import enum
from decimal import Decimal

from workflows.engine import T, Who, Workflow, guard, states
from workflows.joint import SIDES, co_chair_joint_refusal, text_required


class ProposalState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVISIONS_REQUESTED = "revisions_requested"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    ACTIVE = "active"
    FINAL_REPORT_SUBMITTED = "final_report_submitted"
    COMPLETED = "completed"
    PUBLISHED = "published"


S = ProposalState

STATE_LABELS = {
    S.DRAFT: "Draft",
    S.SUBMITTED: "Submitted",
    S.REVISIONS_REQUESTED: "Revisions requested",
    S.IN_REVIEW: "In review",
    S.APPROVED: "Approved",
    S.DECLINED: "Declined",
    S.WITHDRAWN: "Withdrawn",
    S.ACTIVE: "Active",
    S.FINAL_REPORT_SUBMITTED: "Final report submitted",
    S.COMPLETED: "Completed",
    S.PUBLISHED: "Published",
}

# -- state groups: declared once, asked everywhere (code: ``state in AWARDED``; templates:
# ``proposal.state in proposal_states.AWARDED``) --------------------------------------------------
# The team writes the proposal: edits, files, priorities.
EDITABLE_BY_TEAM = states(S.DRAFT, S.REVISIONS_REQUESTED)
# Staff screen it and reviewers are at work on it (the reviewer's queue).
SCREENING = states(S.SUBMITTED, S.IN_REVIEW)
# Before a decision: a reviewer may still declare a conflict of interest.
UNDER_CONSIDERATION = states(S.SUBMITTED, S.REVISIONS_REQUESTED, S.IN_REVIEW)
# The committee's decision is in, and nothing has happened since (the team's "decisions received").
DECIDED = states(S.APPROVED, S.DECLINED)
# Approved or later: a grant. The award counts against the cycle's pool; the agreement and ledger exist.
AWARDED = states(S.APPROVED, S.ACTIVE, S.FINAL_REPORT_SUBMITTED, S.COMPLETED, S.PUBLISHED)
# Staff may move money between budget lines (before and while the grant runs).
REALLOCATABLE = states(S.APPROVED, S.ACTIVE)
# Activated or later: the team reports (progress update, final report).
REPORTING = states(S.ACTIVE, S.FINAL_REPORT_SUBMITTED, S.COMPLETED, S.PUBLISHED)
# The final report is in.
FINAL_REPORT_IN = states(S.FINAL_REPORT_SUBMITTED, S.COMPLETED, S.PUBLISHED)
# The team may edit its learning summary (until it is published).
SUMMARY_EDITABLE = states(S.ACTIVE, S.FINAL_REPORT_SUBMITTED, S.COMPLETED)
# The final report is in and the summary is not public yet: staff check it for private details.
TO_PUBLISH = states(S.FINAL_REPORT_SUBMITTED, S.COMPLETED)
# Never put before the committee (left out of the priorities' counts).
NOT_PUT_FORWARD = states(S.DRAFT, S.WITHDRAWN)
# Where a date can fall due for the team (a revision deadline; progress and final reports): the reminders.
WITH_TEAM_DEADLINES = states(S.REVISIONS_REQUESTED, S.ACTIVE)

GROUPS = {
    "EDITABLE_BY_TEAM": EDITABLE_BY_TEAM, "SCREENING": SCREENING, "UNDER_CONSIDERATION": UNDER_CONSIDERATION,
    "DECIDED": DECIDED, "AWARDED": AWARDED, "REALLOCATABLE": REALLOCATABLE, "REPORTING": REPORTING,
    "FINAL_REPORT_IN": FINAL_REPORT_IN, "SUMMARY_EDITABLE": SUMMARY_EDITABLE, "NOT_PUT_FORWARD": NOT_PUT_FORWARD,
    "WITH_TEAM_DEADLINES": WITH_TEAM_DEADLINES, "TO_PUBLISH": TO_PUBLISH,
}


def money(value: Decimal | int | None) -> str:
    return "$" + format(Decimal(value or 0).quantize(Decimal("0.01")), ",")


def day(value) -> str:
    """A due date in a message ("March 3, 2027"), or what stands in for one not set yet."""
    return f"{value:%B %-d, %Y}" if value else "the date program staff set"


# -- who -------------------------------------------------------------------------------------
def _team_lead(case, actor, ctx):
    if actor is None or actor.id != case.team.lead_id:
        return f"Only the team lead, {case.team.lead_name}, can do this."
    return None


def _staff(case, actor, ctx):
    if actor is None or not actor.has_role("staff"):
        return "Only program staff can do this."
    return None


def _co_chairs_jointly(case, actor, ctx):
    def not_conflicted():
        if actor.id in case.conflicted_user_ids():
            return "You declared a conflict of interest with this proposal, so you cannot take part in its decision."
        return None

    return co_chair_joint_refusal(
        actor, ctx,
        not_co_chair="Only the committee's co-chairs decide proposals, and they decide jointly.",
        before_decision=not_conflicted,
    )


TEAM_LEAD = Who("team lead", frozenset({"educator"}), _team_lead)
STAFF = Who("program staff", frozenset({"staff"}), _staff)
CO_CHAIRS_JOINTLY = Who(
    "co-chairs jointly (one side records, the other side confirms)",
    frozenset({"co_chair"}),
    _co_chairs_jointly,
)


# -- guards ----------------------------------------------------------------------------------
@guard("cycle open")
def cycle_is_open(case, ctx):
    today, c = ctx["today"], case.cycle
    if not (c.opens_on <= today <= c.closes_on):
        return (
            f"The {c.name} cycle accepts proposals from {c.opens_on:%B %-d, %Y} to "
            f"{c.closes_on:%B %-d, %Y}; today is {today:%B %-d, %Y}."
        )
    return None


@guard("before the cycle's revision deadline")
def before_revision_deadline(case, ctx):
    today, c = ctx["today"], case.cycle
    if today > c.revision_deadline:
        return f"The revision deadline for the {c.name} cycle was {c.revision_deadline:%B %-d, %Y}."
    return None


@guard("required sections filled")
def sections_complete(case, ctx):
    missing = case.missing_sections()
    if missing:
        return "Fill in these sections first: " + ", ".join(missing) + "."
    return None


@guard("team of 2 or more")
def team_of_two(case, ctx):
    if case.team.size < 2:
        return f"A team needs at least two educators; this team has {case.team.size}. Add a member first."
    return None


@guard("budget lines sum to the amount requested")
def budget_balances(case, ctx):
    requested = case.amount_requested
    if requested is None:
        return None  # reported by sections_complete
    total = case.budget_total
    if total != requested:
        return f"The budget lines add up to {money(total)} but the request is {money(requested)}."
    return None


@guard("request within the cycle's maximum award")
def within_max_award(case, ctx):
    requested = case.amount_requested
    if requested is not None and requested > case.cycle.max_award:
        return (
            f"The request of {money(requested)} is more than the cycle's maximum award "
            f"of {money(case.cycle.max_award)}."
        )
    if requested is not None and requested <= 0:
        return "The amount requested must be more than $0.00."
    return None


comment_required = text_required("comment", "Write a comment telling the team what to revise.")
reason_required = text_required("reason", "Give a reason.")


@guard("enough reviewers on each side, none with a declared conflict")
def reviewers_assigned(case, ctx):
    need = case.cycle.reviews_per_side
    counts = case.assigned_reviewer_counts()
    problems = [
        f"the {side} side has {counts.get(side, 0)} of {need}"
        for side in SIDES
        if counts.get(side, 0) < need
    ]
    out = []
    if problems:
        out.append("Assign more reviewers: " + "; ".join(problems) + ".")
    conflicted = case.conflicted_assignees()
    if conflicted:
        out.append(
            "These reviewers declared a conflict with this proposal; unassign them: "
            + ", ".join(conflicted) + "."
        )
    return " ".join(out) or None


@guard("joint decision recorded with feedback")
def decision_has_feedback(case, ctx):
    decision = ctx.get("decision")
    if decision is None or not (decision.feedback or "").strip():
        return "A joint decision needs feedback for the team."
    return None


@guard("required reviews complete on both sides", others=True)
def reviews_complete(case, ctx):
    need = case.cycle.reviews_per_side
    counts = case.submitted_review_counts()
    short = [f"the {side} side has {counts.get(side, 0)} of {need}" for side in SIDES if counts.get(side, 0) < need]
    if short:
        return "Reviews are not complete: " + "; ".join(short) + " submitted."
    return None


@guard("award ≤ request and ≤ what is left of the pool")
def award_fits(case, ctx):
    decision = ctx.get("decision")
    award = getattr(decision, "award", None)
    if award is None or award <= 0:
        return "An approval needs an award of more than $0.00."
    if case.amount_requested is not None and award > case.amount_requested:
        return f"The award of {money(award)} is more than the {money(case.amount_requested)} requested."
    left = case.cycle.pool_remaining()
    if award > left:
        return f"The award of {money(award)} is more than the {money(left)} left in the {case.cycle.name} pool."
    return None


@guard("the cycle has report due dates")
def report_dates_set(case, ctx):
    c = case.cycle
    if c.progress_report_due is None or c.final_report_due is None:
        return (
            f"Set the {c.name} cycle's progress report and final report due dates first: "
            "activation gives the team those dates."
        )
    return None


@guard("the team accepted the grant agreement", others=True)
def agreement_accepted(case, ctx):
    if case.agreement_accepted_at is None:
        return "The team lead has not accepted the grant agreement yet."
    return None


@guard("final report complete")
def final_report_complete(case, ctx):
    missing = case.final_report_missing()
    if missing:
        return "Finish the final report first: " + ", ".join(missing) + "."
    return None


@guard("budget lines sum to no more than the award (a partial award asks for a revised budget first)",
       fields=("lines",))
def budget_within_award(case, ctx):
    """A partial award (less than the lines add up to): the team revises its budget lines so that they sum to
    no more than the award before the agreement is accepted. "No more than", not "exactly": a team may
    leave part of the award unplanned, and spending is capped by the award anyway."""
    if case.award is None:
        return None
    total = case.budget_total
    if total > case.award:
        return (f"The award is {money(case.award)} but the budget lines add up to {money(total)}: revise your "
                f"budget to the award (take {money(total - case.award)} off the lines) before accepting the "
                "agreement.")
    return None


@guard("spending ≤ award")
def spending_within_award(case, ctx):
    if case.award is not None and case.spent_total > case.award:
        return f"Spending of {money(case.spent_total)} is more than the award of {money(case.award)}."
    return None


@guard("learning summary drafted")
def summary_drafted(case, ctx):
    if not case.summary_drafted:
        return "Draft the learning summary first."
    return None


@guard("the team consented to publish", others=True)
def team_consented(case, ctx):
    if not case.summary_consented:
        return "The team has not consented to publish its learning summary."
    return None


@guard("the summary passed the privacy check")
def privacy_check_passed(case, ctx):
    flags = case.privacy_flags_open
    if flags is None:
        return "Run the privacy check on the learning summary first."
    if flags:
        return f"The learning summary has {flags} unresolved privacy flag{'s' if flags != 1 else ''}."
    return None


# -- after-steps: what follows a transition in the same transaction --------------------------
def stamp_submitted(case, ctx):
    case.submitted_at = ctx["now"]


def keep_withdraw_reason(case, ctx):
    case.withdraw_reason = ctx["reason"]


def record_joint_decision(case, ctx):
    """The confirmed decision lands on the proposal: its conditions, feedback and time (and no award)."""
    decision = ctx["decision"]
    case.award = None
    case.conditions = decision.conditions or ""
    case.feedback = decision.feedback
    case.decided_at = ctx["now"]


def record_award(case, ctx):
    """An approval's award counts against the cycle's pool from now on."""
    case.award = ctx["decision"].award


def copy_report_due_dates(case, ctx):
    """Activation stamps the time and gives the grant the cycle's report due dates."""
    case.activated_at = ctx["now"]
    case.progress_report_due = case.cycle.progress_report_due
    case.final_report_due = case.cycle.final_report_due


def date_the_summary(case, ctx):
    """Publishing gives the learning summary its public address (once) and date."""
    case.publish_summary(ctx["now"])


def undate_the_summary(case, ctx):
    case.unpublish_summary()


# -- what the people told read -----------------------------------------------------------------
def award_line(case, ctx):
    decision = ctx.get("decision")
    return f"Award: {money(decision.award)}" if decision is not None and decision.award is not None else None


def conditions_line(case, ctx):
    decision = ctx.get("decision")
    conditions = (getattr(decision, "conditions", "") or "").strip()
    return f"Conditions: {conditions}" if conditions else None


SCREEN = ("Screen it: assign reviewers from both sides and begin the review, "
          "or return it to the team for revision with a comment.")
NOTHING_CLOSED = "Nothing is needed from you; the proposal is closed."
RECEIVED = ("Nothing is needed from you now. This is your team's receipt: program staff screen the proposal, "
            "then send it to the committee's reviewers or back to the team with a comment; you will hear either way.")

SUBMIT_GUARDS = (sections_complete, team_of_two, budget_balances, within_max_award)

TRANSITIONS = [
    T("submit", S.DRAFT, S.SUBMITTED, TEAM_LEAD, (cycle_is_open, *SUBMIT_GUARDS), "Submit proposal",
      confirm="the proposal goes to program staff and your team can no longer edit it, unless staff return it "
              "for revision.",
      notify=("staff", "team_receipt"), after=(stamp_submitted,),
      subject="Proposal submitted", audience_subjects={"team_receipt": "Receipt: proposal submitted"},
      verb="submitted the proposal", next_steps={"staff": SCREEN, "team_receipt": RECEIVED}),
    T("return_for_revision", S.SUBMITTED, S.REVISIONS_REQUESTED, STAFF, (comment_required,),
      "Return for revision", fields=("comment",), notify=("team",),
      subject="Proposal returned for revision", verb="asked for revisions to the proposal",
      next_steps={"team": lambda case: (f"Revise the proposal as asked; the team lead resubmits it by "
                                        f"{day(case.cycle.revision_deadline)}.")}),
    T("begin_review", S.SUBMITTED, S.IN_REVIEW, STAFF, (reviewers_assigned,), "Begin review",
      notify=("reviewers", "team"),
      subject="Proposal in review", audience_subjects={"reviewers": "Ready for your review"},
      verb="opened the committee's review of the proposal",
      next_steps={
          "reviewers": lambda case: (
              f"You are assigned to review it: read the proposal and submit your review by "
              f"{day(case.cycle.review_due_on)}. If you have a "
              "conflict of interest with this team, declare it on the proposal's page instead."),
          "team": "Nothing is needed from you now; you will hear when the committee decides."}),
    T("request_revisions", S.IN_REVIEW, S.REVISIONS_REQUESTED, CO_CHAIRS_JOINTLY, (decision_has_feedback,),
      "Request revisions", joint=True, notify=("team", "staff"), after=(record_joint_decision,),
      subject="Revisions requested",
      verb="confirmed the committee's joint decision to request revisions to the proposal",
      next_steps={
          "team": lambda case: (f"Revise the proposal as the committee asks; the team lead resubmits it by "
                                f"{day(case.cycle.revision_deadline)}."),
          "staff": "Nothing is needed from you now; the team will revise and resubmit."}),
    T("resubmit", S.REVISIONS_REQUESTED, S.SUBMITTED, TEAM_LEAD, (before_revision_deadline, *SUBMIT_GUARDS),
      "Resubmit proposal", notify=("staff", "team_receipt"),
      confirm="the revised proposal goes back to program staff and your team can no longer edit it.", after=(stamp_submitted,),
      subject="Proposal resubmitted", audience_subjects={"team_receipt": "Receipt: proposal resubmitted"},
      verb="resubmitted the proposal", next_steps={"staff": SCREEN, "team_receipt": RECEIVED}),
    T("approve", S.IN_REVIEW, S.APPROVED, CO_CHAIRS_JOINTLY, (reviews_complete, award_fits, decision_has_feedback),
      "Approve", joint=True, locks=("cycle",), notify=("team", "staff"),
      after=(record_joint_decision, record_award),
      subject="Proposal approved", verb="confirmed the committee's joint decision to approve the proposal",
      details=(award_line, conditions_line),
      next_steps={
          "team": ("The team lead reads and accepts the grant agreement on the proposal's page; "
                   "program staff then activate the grant."),
          "staff": "Activate the grant once the team lead has accepted the grant agreement."}),
    T("decline", S.IN_REVIEW, S.DECLINED, CO_CHAIRS_JOINTLY, (decision_has_feedback,), "Decline",
      joint=True, notify=("team", "staff"), after=(record_joint_decision,),
      subject="Proposal declined", verb="confirmed the committee's joint decision to decline the proposal",
      next_steps={"team": "Read the committee's feedback; your team is welcome to apply in a later cycle.",
                  "staff": NOTHING_CLOSED}),
    T("withdraw", (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.REVISIONS_REQUESTED), S.WITHDRAWN, TEAM_LEAD,
      (reason_required,), "Withdraw proposal", fields=("reason",), optional=True, notify=("staff", "reviewers"),
      after=(keep_withdraw_reason,),
      subject="Proposal withdrawn", verb="withdrew the proposal",
      next_steps={"staff": NOTHING_CLOSED, "reviewers": "You no longer need to review this proposal."}),
    T("activate", S.APPROVED, S.ACTIVE, STAFF, (agreement_accepted, report_dates_set), "Activate grant",
      notify=("team",), after=(copy_report_due_dates,),
      subject="Grant activated", verb="activated the grant for",
      next_steps={"team": lambda case: (
          f"Log your spending against the budget lines as you go. The progress report is due "
          f"{day(case.progress_report_due or case.cycle.progress_report_due)} and the final report "
          f"{day(case.final_report_due or case.cycle.final_report_due)}.")}),
    T("submit_final_report", S.ACTIVE, S.FINAL_REPORT_SUBMITTED, TEAM_LEAD,
      (final_report_complete, spending_within_award, summary_drafted), "Submit final report", notify=("staff",),
      confirm="the final report goes to program staff and your team can no longer edit it or log spending, "
              "unless staff return it.",
      subject="Final report submitted", verb="submitted the final report for",
      next_steps={"staff": "Read the final report, then accept it or return it to the team with a comment."}),
    T("return_report", S.FINAL_REPORT_SUBMITTED, S.ACTIVE, STAFF, (comment_required,), "Return report",
      fields=("comment",), notify=("team",),
      subject="Final report returned", verb="returned the final report for",
      next_steps={"team": "Revise the final report as asked; the team lead submits it again."}),
    T("accept_report", S.FINAL_REPORT_SUBMITTED, S.COMPLETED, STAFF, (), "Accept report", notify=("team",),
      confirm="the grant is completed: the report can no longer be returned to the team, and the team is told.",
      subject="Final report accepted", verb="accepted the final report for",
      next_steps={"team": ("If you have not yet, give consent to publish your learning summary; program staff "
                           "run the privacy check and publish it in the public gallery.")}),
    T("publish", S.COMPLETED, S.PUBLISHED, STAFF, (team_consented, privacy_check_passed), "Publish summary",
      confirm="the learning summary and its shared files become public in the gallery and its feed, and the "
              "team is told. You can unpublish it later, but anyone may already have read or copied it.",
      notify=("team",), after=(date_the_summary,),
      subject="Learning summary published", verb="published the learning summary of",
      next_steps={"team": "Nothing is needed from you: your learning summary is now public in the gallery."}),
    T("unpublish", S.PUBLISHED, S.COMPLETED, STAFF, (reason_required,), "Unpublish summary", fields=("reason",),
      optional=True,
      notify=("team",), after=(undate_the_summary,),
      subject="Learning summary unpublished", verb="unpublished the learning summary of",
      next_steps={"team": ("Program staff will tell you what needs to change before the summary can be "
                           "published again.")}),
]

# Outcomes a co-chair can record; each is the trigger its confirmation fires.
DECISION_OUTCOMES = {"approve": "Approve", "request_revisions": "Request revisions", "decline": "Decline"}

# Audiences a transition may notify: the app resolves each to people.
AUDIENCES = {
    "team": "the team's members",
    "team_receipt": "the team's members, the one who acted included (a receipt)",
    "staff": "program staff",
    "reviewers": "the proposal's assigned reviewers",
}

PROPOSAL = Workflow(
    "proposal", ProposalState, S.DRAFT, TRANSITIONS, STATE_LABELS, groups=GROUPS, audiences=AUDIENCES,
    decision_outcomes=DECISION_OUTCOMES,
    joint_refusal=("Decisions by the committee are recorded by a co-chair of one side and confirmed by a co-chair "
                   "of the other side on the decision page, not here."),
    default_next_step="Open the proposal to see where it stands.",
)
