"""Access matrix for PL requests: drafts, the case page and its actions, the joint decision, completion,
the lists and queues, the CSV and the PL budget.

``world.learning.pl_requests[state]`` is requested by ``lead`` (the owner); ``school_leader`` leads
``lead``'s school; ``member`` is a colleague at the same school and ``outsider`` an educator elsewhere
(non-owners). The requester and staff see a request in every state; the school leader and the
co-chairs once it has left the draft stage; nobody else.
"""
from __future__ import annotations

from app.core import clock
from app.extensions import db
from app.models import PLDecision, PLDecisionOutcome, PLRequestState, Side
from tests.access import Case

S = PLRequestState
EDUCATORS = {"lead": 200, "member": 200, "outsider": 200}
VIEWERS_PAST_DRAFT = {"lead": 200, "staff": 200, "school_leader": 200, "co_chair_btu": 200, "co_chair_bps": 200}


def _r(w, state=S.DRAFT) -> int:
    return w.learning.pl_requests[state].id


def _pending(w) -> int:
    """A decision to approve the endorsed request, recorded by the BTU co-chair (made on first use)."""
    r = w.learning.pl_requests[S.ENDORSED]
    d = next((d for d in r.decisions if d.is_pending), None)
    if d is None:
        d = PLDecision(request=r, outcome=PLDecisionOutcome.APPROVE, feedback="A good fit.",
                       proposed_by_id=w.co_chair_btu.id, proposed_side=Side.BTU, proposed_at=clock.now())
        db.session.add(d)
        db.session.commit()
    return d.id


def _draft_form(**extra) -> dict:
    return {"title": "Orton-Gillingham", "provider_name": "IMSE", "cost": "450.00", "save": "1", **extra}


def _completion(w) -> dict:
    return {"attended": "y", "reflection": "Daily phonics groups.", "hours_completed": "12", "pdps_earned": "12"}


def _show(state: S) -> Case:
    expect = {"lead": 200, "staff": 200} if state is S.DRAFT else VIEWERS_PAST_DRAFT
    return Case("pl.show", lambda w: f"/pl/requests/{_r(w, state)}", expect, label=state.value,
                missing=lambda w: "/pl/requests/999999")


CASES = [
    # -- drafting ---------------------------------------------------------------------------
    Case("pl.new", lambda w: "/pl/requests/new", EDUCATORS),
    Case("pl.new", lambda w: f"/pl/requests/new?opportunity={w.learning.paid.id}", EDUCATORS, label="prefilled"),
    Case("pl.new", lambda w: "/pl/requests/new", {"lead": 302, "member": 302, "outsider": 302}, method="POST",
         data=lambda w: _draft_form()),
    Case("pl.edit", lambda w: f"/pl/requests/{_r(w)}/edit", {"lead": 200},
         missing=lambda w: "/pl/requests/999999/edit", missing_as="lead"),
    Case("pl.edit", lambda w: f"/pl/requests/{_r(w, S.SUBMITTED)}/edit", {}, label="submitted"),
    Case("pl.edit", lambda w: f"/pl/requests/{_r(w)}/edit", {"lead": 302}, method="POST",
         data=lambda w: _draft_form(), missing=lambda w: "/pl/requests/999999/edit", missing_as="lead"),
    # -- the case page --------------------------------------------------------------------------
    *[_show(state) for state in S],
    Case("pl.fire", lambda w: f"/pl/requests/{_r(w)}/actions/submit", {"lead": 302}, method="POST",
         label="submit", missing=lambda w: "/pl/requests/999999/actions/submit", missing_as="lead"),
    Case("pl.fire", lambda w: f"/pl/requests/{_r(w, S.SUBMITTED)}/actions/endorse", {"school_leader": 302},
         method="POST", label="endorse"),
    Case("pl.fire", lambda w: f"/pl/requests/{_r(w, S.SUBMITTED)}/actions/deny", {"school_leader": 302},
         method="POST", label="deny-by-leader", data=lambda w: {"reason": "Not PDP-eligible."}),
    Case("pl.fire", lambda w: f"/pl/requests/{_r(w, S.ENDORSED)}/actions/return",
         {"school_leader": 302, "co_chair_btu": 302, "co_chair_bps": 302}, method="POST", label="return",
         data=lambda w: {"comment": "Add the syllabus."}),
    Case("pl.fire", lambda w: f"/pl/requests/{_r(w, S.APPROVED)}/actions/cancel", {"lead": 302}, method="POST",
         label="cancel"),
    # Joint and completion steps are never fired from a button; an unknown step does not exist.
    Case("pl.fire", lambda w: f"/pl/requests/{_r(w, S.ENDORSED)}/actions/approve", {}, method="POST",
         label="approve"),
    Case("pl.fire", lambda w: f"/pl/requests/{_r(w, S.ENDORSED)}/actions/deny", {}, method="POST",
         label="deny-endorsed", data=lambda w: {"reason": "No."}),
    Case("pl.fire", lambda w: f"/pl/requests/{_r(w, S.APPROVED)}/actions/complete", {}, method="POST",
         label="complete"),
    Case("pl.fire", lambda w: f"/pl/requests/{_r(w, S.SUBMITTED)}/actions/approve_everything",
         {k: 404 for k in VIEWERS_PAST_DRAFT}, method="POST", label="unknown"),
    # -- the joint decision -----------------------------------------------------------------------
    Case("pl.decide", lambda w: f"/pl/requests/{_r(w, S.ENDORSED)}/decision",
         {"co_chair_btu": 302, "co_chair_bps": 302}, method="POST",
         data=lambda w: {"outcome": "approve", "feedback": "A good fit."},
         missing=lambda w: "/pl/requests/999999/decision", missing_as="co_chair_btu"),
    Case("pl.decide", lambda w: f"/pl/requests/{_r(w)}/decision", {}, method="POST", label="draft",
         data=lambda w: {"outcome": "approve", "feedback": "A good fit."}),
    Case("pl.confirm", lambda w: f"/pl/decisions/{_pending(w)}/confirm", {"co_chair_btu": 302, "co_chair_bps": 302},
         method="POST", missing=lambda w: "/pl/decisions/999999/confirm", missing_as="co_chair_bps"),
    Case("pl.not_confirm", lambda w: f"/pl/decisions/{_pending(w)}/not-confirmed", {"co_chair_bps": 302},
         method="POST", data=lambda w: {"comment": "The budget is better spent on the cohort course."},
         missing=lambda w: "/pl/decisions/999999/not-confirmed", missing_as="co_chair_bps"),
    Case("pl.not_confirm", lambda w: f"/pl/decisions/{_pending(w)}/not-confirmed", {"co_chair_bps": 422},
         method="POST", label="no-comment", data=lambda w: {"comment": "  "}),
    Case("pl.withdraw_decision", lambda w: f"/pl/decisions/{_pending(w)}/withdraw", {"co_chair_btu": 302},
         method="POST", missing=lambda w: "/pl/decisions/999999/withdraw", missing_as="co_chair_btu"),
    # -- completion -----------------------------------------------------------------------------
    Case("pl.complete", lambda w: f"/pl/requests/{_r(w, S.APPROVED)}/complete", {"lead": 200},
         missing=lambda w: "/pl/requests/999999/complete", missing_as="lead"),
    Case("pl.complete", lambda w: f"/pl/requests/{_r(w, S.ENDORSED)}/complete", {}, label="endorsed"),
    Case("pl.complete", lambda w: f"/pl/requests/{_r(w, S.APPROVED)}/complete", {"lead": 302}, method="POST",
         data=_completion, missing=lambda w: "/pl/requests/999999/complete", missing_as="lead"),
    # -- lists ----------------------------------------------------------------------------------
    Case("pl.mine", lambda w: "/pl/requests", EDUCATORS),
    Case("pl.queue", lambda w: (w.learning, "/pl/queue")[1],
         {"school_leader": 200, "co_chair_btu": 200, "co_chair_bps": 200, "staff": 200}),
    Case("pl.queue", lambda w: f"/pl/queue?state=submitted&year={w.learning.pl_requests[S.DRAFT].budget_year}",
         {"school_leader": 200, "co_chair_btu": 200, "co_chair_bps": 200, "staff": 200}, label="filtered"),
    Case("pl.queue_csv", lambda w: (w.learning, "/pl/queue.csv")[1], {"staff": 200}),
    Case("pl.budgets", lambda w: (w.learning, "/pl/budgets")[1], {"staff": 200}),
    Case("pl.budgets", lambda w: "/pl/budgets", {"staff": 302}, method="POST",
         data=lambda w: {"school_year": w.learning.budget.school_year, "amount": "25000.00"}),
]
