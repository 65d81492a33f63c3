"""The joint decision service: propose, confirm (two keys), withdraw."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Decision, DecisionOutcome, ProposalState
from app.review import decisions
from app.review.decisions import DecisionError
from app.review.reviews import declare_conflict
from workflows import TransitionRefused

S = ProposalState


def events(proposal, trigger):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == proposal.id, AuditEvent.trigger == trigger)
    ).all()


def test_propose_then_confirm_by_the_other_side(world):
    p = world.in_review
    d = decisions.propose(p, world.co_chair_bps, "approve", award="8000", conditions="Report in June.",
                          feedback="Well argued.")
    assert d.is_pending and d.proposed_side.value == "BPS" and d.award == Decimal("8000.00")
    (rec,) = events(p, "record_decision")
    assert rec.data["decision_id"] == d.id and rec.data["outcome"] == "approve"
    assert rec.from_state == rec.to_state == "in_review"
    assert "Well argued." not in rec.comment  # feedback reaches the team with the confirmed decision only

    decisions.confirm(d, world.co_chair_btu)
    assert p.state is S.APPROVED
    assert (p.award, p.conditions, p.feedback) == (Decimal("8000.00"), "Report in June.", "Well argued.")
    assert p.decided_at == d.confirmed_at and d.confirmed_by_id == world.co_chair_btu.id
    assert d.confirmed_side.value == "BTU" and not d.is_pending


def test_same_side_confirmation_is_refused_by_the_workflow(world, factory):
    p = world.in_review
    other_btu = factory.user("co_chair", name="Bea Btu", side="BTU")
    d = decisions.propose(p, world.co_chair_btu, DecisionOutcome.DECLINE, feedback="Not this round.")
    for actor in (world.co_chair_btu, other_btu):
        with pytest.raises(TransitionRefused) as exc:
            decisions.confirm(d, actor)
        assert exc.value.messages == [
            "Carla Chair of the BTU side recorded this decision, so a co-chair of the BPS side must confirm it."
        ]
    assert p.state is S.IN_REVIEW and d.confirmed_at is None and not events(p, "decline")


def test_only_co_chairs_with_a_side_and_no_conflict_propose(world, factory):
    p = world.in_review
    with pytest.raises(DecisionError, match="Only the committee's co-chairs decide proposals"):
        decisions.propose(p, world.staff, "decline", feedback="No.")
    sideless = factory.user("co_chair", name="No Side")
    with pytest.raises(DecisionError, match="must belong to the BTU or the BPS side"):
        decisions.propose(p, sideless, "decline", feedback="No.")
    factory.conflict(p, world.co_chair_btu)
    with pytest.raises(DecisionError, match="You declared a conflict of interest"):
        decisions.propose(p, world.co_chair_btu, "decline", feedback="No.")


@pytest.mark.parametrize("outcome,award,feedback,message", [
    ("approve", None, "Good.", "An approval needs an award."),
    ("approve", "0", "Good.", "The award must be more than $0.00."),
    ("approve", "-5", "Good.", "The award must be more than $0.00."),
    ("approve", "Infinity", "Good.", "Enter the award in dollars"),
    ("approve", "abc", "Good.", "Enter the award in dollars"),
    ("approve", "10000.01", "Good.", "The award of $10,000.01 is more than the $10,000.00 requested."),
    ("approve", "5000", "  ", "Write feedback for the team."),
    ("decline", "5000", "No.", "An award is only given with an approval"),
    ("shrug", None, "Hm.", "Choose an outcome"),
])
def test_bad_decisions_are_refused_early(world, outcome, award, feedback, message):
    p = world.in_review
    with pytest.raises(DecisionError) as exc:
        decisions.propose(p, world.co_chair_btu, outcome, award=award, feedback=feedback)
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert not db.session.scalars(select(Decision).where(Decision.proposal_id == p.id)).all()


def test_award_within_what_is_left_of_the_pool(world, factory):
    cycle = factory.cycle("Tight cycle", pool="20000.00")
    p = factory.proposal(world.other_team, cycle, state=S.IN_REVIEW, amount="12000.00")
    funded = factory.proposal(world.team, cycle, state=S.ACTIVE, amount="10000.00")
    funded.award = Decimal("10000.00")
    for r in (world.reviewer_btu, world.reviewer_bps):
        factory.review(factory.assign(p, r))
    with pytest.raises(DecisionError) as exc:
        decisions.propose(p, world.co_chair_btu, "approve", award="12000", feedback="Good.")
    assert exc.value.messages == ["The award of $12,000.00 is more than the $10,000.00 left in the Tight cycle pool."]
    assert exc.value.fields["award"] == exc.value.messages[0]
    d = decisions.propose(p, world.co_chair_btu, "approve", award="10000", feedback="Good.")
    # the pool shrinks before the confirmation: the guard runs again and refuses
    other = factory.proposal(world.team, cycle, state=S.APPROVED, amount="5000.00")
    other.award = Decimal("1.00")
    db.session.flush()
    with pytest.raises(TransitionRefused, match=r"more than the \$9,999.00 left"):
        decisions.confirm(d, world.co_chair_bps)
    assert p.state is S.IN_REVIEW


def test_approval_needs_complete_reviews(world, factory):
    p = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW)
    factory.review(factory.assign(p, world.reviewer_btu))
    with pytest.raises(DecisionError) as exc:
        decisions.propose(p, world.co_chair_btu, "approve", award="5000", feedback="Good.")
    assert exc.value.messages == ["Reviews are not complete: the BPS side has 0 of 1 submitted."]
    # decline needs no complete reviews
    assert decisions.propose(p, world.co_chair_btu, "decline", feedback="No.").is_pending


def test_one_pending_decision_at_a_time_and_withdraw(world):
    p = world.in_review
    d = decisions.propose(p, world.co_chair_btu, "decline", feedback="No.")
    with pytest.raises(DecisionError, match="must be withdrawn before another decision is recorded"):
        decisions.propose(p, world.co_chair_bps, "approve", award="5000", feedback="Yes.")
    with pytest.raises(DecisionError, match="Only Carla Chair, who recorded this decision, can withdraw it."):
        decisions.withdraw(d, world.co_chair_bps)
    decisions.withdraw(d, world.co_chair_btu)
    assert d.withdrawn_at is not None and d.withdrawn_by_id == world.co_chair_btu.id
    assert len(events(p, "withdraw_decision")) == 1
    with pytest.raises(DecisionError, match="withdrawn, so there is nothing to confirm"):
        decisions.confirm(d, world.co_chair_bps)
    with pytest.raises(DecisionError, match="Only a decision waiting for confirmation can be withdrawn."):
        decisions.withdraw(d, world.co_chair_btu)
    d2 = decisions.propose(p, world.co_chair_bps, "approve", award="5000", feedback="Yes.")
    decisions.confirm(d2, world.co_chair_btu)
    assert p.state is S.APPROVED and p.award == Decimal("5000.00")


def test_not_in_review_is_refused(world):
    p = world.proposals[S.SUBMITTED]
    with pytest.raises(DecisionError) as exc:
        decisions.propose(p, world.co_chair_btu, "decline", feedback="No.")
    assert exc.value.messages == ["“Decline” is not possible while this proposal is Submitted."]


def test_declaring_a_conflict_withdraws_my_pending_decision(world):
    p = world.in_review
    d = decisions.propose(p, world.co_chair_btu, "decline", feedback="No.")
    declare_conflict(p, world.co_chair_btu, "My sister joined the team.")
    assert d.withdrawn_at is not None
    with pytest.raises(DecisionError, match="withdrawn"):
        decisions.confirm(d, world.co_chair_bps)


def _two_approvals_of(world, factory, pool: str, award: str):
    """Two in-review proposals of one cycle, reviewed on both sides, each with a BTU approval of ``award``
    recorded and waiting for the BPS side."""
    cycle = factory.cycle("Race cycle", pool=pool)
    proposals = [factory.proposal(team, cycle, state=S.IN_REVIEW, amount=award)
                 for team in (world.team, world.other_team)]
    for p in proposals:
        for r in (world.reviewer_btu, world.reviewer_bps):
            factory.review(factory.assign(p, r))
    return cycle, proposals, [decisions.propose(p, world.co_chair_btu, "approve", award=award, feedback="Yes.")
                              for p in proposals]


def test_the_cycle_row_is_locked_before_the_pool_is_read(world, factory):
    """The approve row declares locks=("cycle",): advance locks the cycle before the guard sums the awards."""
    from tests.sqlcount import statements as sql_statements

    _, _, (d, _) = _two_approvals_of(world, factory, pool="30000.00", award="10000.00")
    with sql_statements() as seen:
        decisions.confirm(d, world.co_chair_bps)
    sums = [i for i, s in enumerate(seen) if "sum(proposal.award)" in s.lower()]
    if db.engine.dialect.name == "postgresql":
        locks = [i for i, s in enumerate(seen) if "FROM cycle" in s and "FOR UPDATE OF cycle" in s]
    else:  # SQLite has no row locks (it serialises writers); the locking read still comes first
        locks = [i for i, s in enumerate(seen) if "FROM cycle" in s and "WHERE cycle.id" in s]
    assert sums and locks and locks[0] < min(sums), "the cycle row is locked before the pool is read"


@pytest.mark.commits
@pytest.mark.parametrize("trial", range(5))
def test_two_approvals_at_once_cannot_over_commit_the_pool(app, world, factory, trial):
    """$15,000 left, two approvals of $10,000 confirmed at the same moment: A holds the cycle's lock, B waits
    for it, then reads A's award and is refused with the figures. The pool is never over-committed."""
    from app.models import Cycle, Proposal, User

    cycle, proposals, pending = _two_approvals_of(world, factory, pool="15000.00", award="10000.00")
    db.session.commit()
    ids, proposal_ids, cycle_id, chair_id = [d.id for d in pending], [p.id for p in proposals], cycle.id, \
        world.co_chair_bps.id
    a_fired, a_commit = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def confirm(name, decision_id, before_commit=None):
        with app.app_context():
            try:
                decisions.confirm(db.session.get(Decision, decision_id), db.session.get(User, chair_id))
                if before_commit:
                    before_commit()
                db.session.commit()
                results[name] = "approved"
            except TransitionRefused as exc:
                db.session.rollback()
                results[name] = exc.messages
            finally:
                db.session.remove()

    def a_waits():
        a_fired.set()
        a_commit.wait(10)

    a = threading.Thread(target=confirm, args=("A", ids[0], a_waits))
    b = threading.Thread(target=confirm, args=("B", ids[1]))
    db.session.remove()
    a.start()
    assert a_fired.wait(10)
    b.start()
    b.join(1.0)
    assert b.is_alive(), "B should wait for A's lock on the cycle row"
    a_commit.set()
    a.join(10)
    b.join(10)
    assert results["A"] == "approved"
    assert results["B"] == ["The award of $10,000.00 is more than the $5,000.00 left in the Race cycle pool."]
    assert [db.session.get(Proposal, pid).state for pid in proposal_ids] == [S.APPROVED, S.IN_REVIEW]
    assert db.session.get(Cycle, cycle_id).pool_remaining() == Decimal("5000.00")


@pytest.mark.commits
@pytest.mark.parametrize("trial", range(3))
def test_lowering_the_pool_while_an_approval_is_confirmed_cannot_over_commit_it(app, world, factory, trial):
    """Staff lower the pool to $12,000 while a co-chair confirms a $10,000 award on top of $5,000 already
    awarded. The approval holds the cycle's lock; the edit waits for it, then counts the new award and is
    refused with the figures. Without the lock the edit read $5,000 awarded and left $15,000 awarded in a
    $12,000 pool."""
    from app.models import Cycle, User
    from app.proposals import cycles
    from app.proposals.cycles import CriterionInput, CycleError, CycleInput

    cycle, proposals, pending = _two_approvals_of(world, factory, pool="30000.00", award="10000.00")
    proposals[1].award = Decimal("5000.00")
    proposals[1].state = S.APPROVED
    db.session.commit()
    decision_id, cycle_id, chair_id = pending[0].id, cycle.id, world.co_chair_bps.id
    edit = CycleInput(name=cycle.name, opens_on=cycle.opens_on, closes_on=cycle.closes_on,
                      revision_deadline=cycle.revision_deadline, pool=Decimal("12000.00"),
                      max_award=Decimal("10000.00"), reviews_per_side=cycle.reviews_per_side,
                      review_due_on=cycle.review_due_on,
                      criteria=[CriterionInput(name=c.name, weight=c.weight, id=c.id) for c in cycle.criteria])
    a_fired, a_commit = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def approve():
        with app.app_context():
            try:
                decisions.confirm(db.session.get(Decision, decision_id), db.session.get(User, chair_id))
                a_fired.set()
                a_commit.wait(10)
                db.session.commit()
                results["approval"] = "approved"
            finally:
                db.session.remove()

    def lower_pool():
        with app.app_context():
            try:
                cycles.update_cycle(db.session.get(Cycle, cycle_id), edit)
                db.session.commit()
                results["edit"] = "saved"
            except CycleError as exc:
                db.session.rollback()
                results["edit"] = exc.messages
            finally:
                db.session.remove()

    a = threading.Thread(target=approve)
    b = threading.Thread(target=lower_pool)
    db.session.remove()
    a.start()
    assert a_fired.wait(10)
    b.start()
    b.join(1.0)
    assert b.is_alive(), "the edit should wait for the approval's lock on the cycle row"
    a_commit.set()
    a.join(10)
    b.join(10)
    assert results == {"approval": "approved", "edit": [
        "$15,000.00 has already been awarded in this cycle, so the pool cannot be less than that."]}
    saved = db.session.get(Cycle, cycle_id)
    assert saved.pool == Decimal("30000.00") and saved.awarded_total() == Decimal("15000.00")
