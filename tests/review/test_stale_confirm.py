"""Two co-chairs act on the same pending decision at the same moment, through the committee's pages.

Exactly one of them changes anything; the other is told, never shown a server error: the second waits
for the first's lock on the decision (PostgreSQL's row lock, SQLite's write lock), then reads what the
first did and is told that. (Were the lock missed, the proposal's version column would still refuse the
second's write: 409, ``CHANGED_MEANWHILE``, tested in tests/core/test_error_pages.py.)
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Decision, Proposal, ProposalState
from app.review import decisions
from tests.conftest import Browser

S = ProposalState

# What the second co-chair is told, once the first has committed.
TOLD_AFTER_WAITING = {
    ("confirm", "confirm"): "This decision was already confirmed by Colin Chair (BPS).",
    ("confirm", "withdraw"): "Only a decision waiting for confirmation can be withdrawn.",
    ("withdraw", "confirm"): "This decision was withdrawn, so there is nothing to confirm.",
}


@pytest.mark.commits
@pytest.mark.parametrize(("first", "second"), list(TOLD_AFTER_WAITING))
def test_two_co_chairs_at_once_one_acts_the_other_is_told(app, world, factory, first, second):
    """Carla (BTU) recorded an approval. Colin (BPS) confirms it; at the same moment Bea (BPS) confirms it
    too, or Carla withdraws it (or Carla withdraws first and Colin confirms)."""
    bea = factory.user("co_chair", "reviewer", name="Bea Bps", email="bea@example.org", side="BPS")
    decision = decisions.propose(world.in_review, world.co_chair_btu, "approve", award="8000", feedback="Yes.")
    db.session.commit()
    decision_id, proposal_id = decision.id, world.in_review.id
    who = {"confirm": [world.co_chair_bps, bea], "withdraw": [world.co_chair_btu, world.co_chair_btu]}
    a = Browser(app.test_client()).login(who[first][0])
    b = Browser(app.test_client()).login(who[second][1])
    tokens = {"A": a.token(), "B": b.token()}
    db.session.remove()

    thread_names: dict[int, str] = {}
    writing = {"A": threading.Event(), "B": threading.Event()}
    release_a, a_done = threading.Event(), threading.Event()

    def before_flush(session, flush_context, instances):
        """Each co-chair pauses just before writing the proposal or the decision (all reads done)."""
        name = thread_names.get(threading.get_ident())
        if name is None or writing[name].is_set():
            return
        if any(isinstance(o, Decision | Proposal) for o in session.dirty):
            writing[name].set()
            (release_a if name == "A" else a_done).wait(10)

    results: dict[str, object] = {}

    def act(name: str, browser: Browser, action: str):
        thread_names[threading.get_ident()] = name
        try:
            resp = browser.client.post(f"/committee/decisions/{decision_id}/{action}",
                                       data={"csrf_token": tokens[name]})
            results[name] = (resp.status_code, resp.get_data(as_text=True))
        except Exception as exc:  # noted, so that the assertion below shows it
            results[name] = exc
        finally:
            if name == "A":
                a_done.set()

    threads = {"A": threading.Thread(target=act, args=("A", a, first)),
               "B": threading.Thread(target=act, args=("B", b, second))}
    event.listen(db.session, "before_flush", before_flush)
    try:
        threads["A"].start()
        assert writing["A"].wait(10), "A should reach its write"
        threads["B"].start()
        threads["B"].join(1.0)  # B waits for A's lock on the decision
        assert threads["B"].is_alive() and not writing["B"].is_set(), "B should wait for A's lock"
        release_a.set()
        for t in threads.values():
            t.join(20)
    finally:
        release_a.set()
        a_done.set()
        event.remove(db.session, "before_flush", before_flush)

    assert not isinstance(results["A"], Exception) and not isinstance(results["B"], Exception), results
    (a_status, _), (b_status, b_page) = results["A"], results["B"]
    assert a_status == 302
    assert b_status == 302, b_page[:2000]
    page = b.get(f"/committee/proposals/{proposal_id}/decide").get_data(as_text=True)
    assert TOLD_AFTER_WAITING[(first, second)] in page

    db.session.expire_all()
    decision = db.session.get(Decision, decision_id)
    proposal = db.session.get(Proposal, proposal_id)
    if first == "confirm":
        assert decision.confirmed_at is not None and decision.withdrawn_at is None
        assert proposal.state is S.APPROVED and proposal.award == 8000
    else:
        assert decision.withdrawn_at is not None and decision.confirmed_at is None
        assert proposal.state is S.IN_REVIEW and proposal.award is None
