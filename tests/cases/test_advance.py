"""``advance()``: the one door through which a proposal changes state, on the real models."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.cases.advance import advance, record_event, refusals
from app.extensions import db
from app.models import AuditEvent, Proposal, ProposalState
from workflows import TransitionRefused

S = ProposalState


@pytest.fixture
def cast(factory):
    lead = factory.user("educator", name="Lena Lead")
    member = factory.user("educator", name="Max Member")
    staff = factory.user("staff", name="Stan Staff")
    team = factory.team(lead, member, name="Mather Readers")
    cycle = factory.cycle("2026-27 Teacher Leadership Fund", reviews_per_side=1)
    draft = factory.proposal(team, cycle, title="Reading circles for newcomers")
    db.session.commit()
    return {"lead": lead, "member": member, "staff": staff, "team": team, "cycle": cycle, "draft": draft}


def _events(proposal_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_type == "proposal", AuditEvent.case_id == proposal_id)
        .order_by(AuditEvent.id)
    ))


def _fresh(proposal_id: int) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id)


def test_advance_moves_the_case_and_writes_exactly_one_audit_event(cast):
    p, lead = cast["draft"], cast["lead"]
    before = datetime.now(UTC)
    event = advance(p, "submit", lead, comment="Ready for screening.")
    db.session.commit()
    after = datetime.now(UTC)

    p = _fresh(p.id)
    assert p.state is S.SUBMITTED
    events = _events(p.id)
    assert len(events) == 1
    e = events[0]
    assert e.id == event.id
    assert (e.case_type, e.case_id) == ("proposal", p.id)
    assert (e.trigger, e.from_state, e.to_state) == ("submit", "draft", "submitted")
    assert e.actor_id == lead.id and e.actor.name == "Lena Lead"
    assert e.comment == "Ready for screening."
    assert e.is_transition
    assert e.at.tzinfo is not None and e.at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= e.at <= after + timedelta(seconds=1)


def test_a_reason_becomes_the_comment_and_is_kept_in_the_event_data(cast):
    p = cast["draft"]
    advance(p, "withdraw", cast["lead"], reason="Our principal left the school.")
    db.session.commit()
    (e,) = _events(p.id)
    assert (e.from_state, e.to_state) == ("draft", "withdrawn")
    assert e.comment == "Our principal left the school."
    assert e.data == {"reason": "Our principal left the school."}


def test_the_version_column_increments_with_each_transition(cast):
    p = cast["draft"]
    assert _fresh(p.id).version == 1
    advance(p, "submit", cast["lead"])
    db.session.commit()
    assert _fresh(p.id).version == 2
    advance(_fresh(p.id), "return_for_revision", cast["staff"], comment="Say more about the students.")
    db.session.commit()
    p = _fresh(p.id)
    assert (p.state, p.version) == (S.REVISIONS_REQUESTED, 3)
    assert [(e.trigger, e.from_state, e.to_state) for e in _events(p.id)] == [
        ("submit", "draft", "submitted"),
        ("return_for_revision", "submitted", "revisions_requested"),
    ]


@pytest.mark.parametrize(
    ("who", "spoil", "messages"),
    [
        ("member", None, ["Only the team lead, Lena Lead, can do this."]),
        ("staff", None, ["Only the team lead, Lena Lead, can do this."]),
        ("lead", "budget", ["The budget lines add up to $9,000.00 but the request is $10,000.00."]),
        ("lead", "title", ["Fill in these sections first: Title."]),
    ],
    ids=["team-member", "staff", "budget-off", "no-title"],
)
def test_a_refusal_changes_nothing_and_writes_nothing(cast, who, spoil, messages):
    p = cast["draft"]
    if spoil == "budget":
        p.budget_lines[0].amount = Decimal("5000.00")
    if spoil == "title":
        p.title = ""
    db.session.commit()
    version = _fresh(p.id).version

    p = _fresh(p.id)
    assert refusals(p, "submit", cast[who]) == messages
    with pytest.raises(TransitionRefused) as err:
        advance(p, "submit", cast[who], comment="Please take it.")
    assert err.value.messages == messages
    db.session.commit()  # what a careless caller might do after catching the refusal

    p = _fresh(p.id)
    assert p.state is S.DRAFT
    assert p.version == version
    assert p.submitted_at is None
    assert _events(p.id) == []


def test_a_refusal_from_the_wrong_state_says_so(cast):
    p = cast["draft"]
    with pytest.raises(TransitionRefused) as err:
        advance(p, "begin_review", cast["staff"])
    assert err.value.messages == ["“Begin review” is not possible while this proposal is Draft."]
    db.session.commit()
    assert _fresh(p.id).state is S.DRAFT
    assert _events(p.id) == []


def test_record_event_leaves_the_state_and_says_who_did_what(cast):
    p = cast["draft"]
    record_event(p, "upload", cast["member"], comment="budget.xlsx", data={"filename": "budget.xlsx"})
    db.session.commit()
    (e,) = _events(p.id)
    assert (e.trigger, e.from_state, e.to_state) == ("upload", "draft", "draft")
    assert not e.is_transition
    assert e.actor_id == cast["member"].id
    assert e.data == {"filename": "budget.xlsx"}
    assert _fresh(p.id).version == 1


@pytest.mark.commits
def test_a_stale_copy_cannot_overwrite_a_newer_row(cast, app):
    """Two sessions load version 1; the first moves the case; the second's flush is refused."""
    p = cast["draft"]
    mine = _fresh(p.id)
    assert mine.version == 1

    with Session(db.engine) as other:
        theirs = other.get(Proposal, p.id)
        theirs.title = "Reading circles, revised"
        theirs.state = S.SUBMITTED
        other.commit()

    mine.title = "My edit made on the old copy"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()

    p = _fresh(p.id)
    assert (p.title, p.version) == ("Reading circles, revised", 2)


@pytest.mark.commits
def test_advance_on_a_stale_copy_rereads_the_row_and_is_refused(cast):
    """advance() locks and re-reads the row, so it judges the state as it is now, not as loaded."""
    p = cast["draft"]
    mine = _fresh(p.id)
    with Session(db.engine) as other:
        other.get(Proposal, p.id).state = S.WITHDRAWN
        other.commit()

    with pytest.raises(TransitionRefused) as err:
        advance(mine, "submit", cast["lead"])
    assert err.value.messages == ["“Submit proposal” is not possible while this proposal is Withdrawn."]
    db.session.rollback()
    assert _fresh(p.id).state is S.WITHDRAWN
    assert _events(p.id) == []


@pytest.mark.commits
def test_two_people_firing_at_once_are_serialized_by_the_row_lock(cast, app):
    proposal_id, lead_id = cast["draft"].id, cast["lead"].id
    db.session.remove()  # hold no transaction while the threads race

    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def fire(comment: str) -> None:
        from app.models import User

        with app.app_context():
            try:
                p = db.session.get(Proposal, proposal_id)
                lead = db.session.get(User, lead_id)
                assert p.state is S.DRAFT  # both start from the same draft, version 1
                barrier.wait()
                try:
                    advance(p, "submit", lead, comment=comment)
                    db.session.commit()
                    result = "moved"
                except TransitionRefused as err:
                    db.session.rollback()
                    result = "refused: " + " ".join(err.messages)
                except StaleDataError:
                    db.session.rollback()
                    result = "stale"
            except Exception as err:  # surfaced below
                result = f"error: {err!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=fire, args=(f"from thread {i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == [
        "moved",
        "refused: “Submit proposal” is not possible while this proposal is Submitted.",
    ], outcomes

    p = _fresh(proposal_id)
    assert (p.state, p.version) == (S.SUBMITTED, 2)
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == proposal_id)
    ) == 1
