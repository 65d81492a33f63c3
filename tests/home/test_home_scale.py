"""Home pages with years of history: each section counts everything waiting, lists the first
``HOME_LIMIT`` and links to its full paged list; the statements a home page sends do not grow with
old cases, and the queues' queries read indexes (no scan of every proposal, no sort of all of them)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select

from app.core import clock
from app.extensions import db
from app.home.dashboard import HOME_LIMIT, PER_PAGE
from app.models import (
    Decision,
    DecisionOutcome,
    PLDecision,
    PLDecisionOutcome,
    PLRequest,
    PLRequestState,
    Proposal,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    Side,
)
from tests.home.test_home_pages import section
from tests.sqlcount import statements as count_statements

S = ProposalState


def bulk(world, factory, n: int, state: ProposalState, team=None, cycle=None, title="Bulk", days_ago=0) -> list[int]:
    """``n`` proposals in ``state`` in one INSERT (submitted ``days_ago`` days ago, in order), their ids."""
    team = team or world.other_team
    cycle = cycle or world.cycle
    now = clock.now()
    rows = [dict(cycle_id=cycle.id, team_id=team.id, state=state, title=f"{title} {i:03d}", created_by_id=team.lead_id,
                 submitted_at=now - timedelta(days=days_ago, minutes=n - i),
                 updated_at=now - timedelta(days=days_ago, minutes=n - i)) for i in range(n)]
    db.session.execute(insert(Proposal), rows)
    return list(db.session.scalars(select(Proposal.id).where(Proposal.title.like(f"{title} %")).order_by(Proposal.id)))


def bulk_reviews(ids, reviewers, staff, submitted=True, due_on=None) -> None:
    now = clock.now()
    db.session.execute(insert(ReviewAssignment), [
        dict(proposal_id=pid, reviewer_id=r.id, side=r.side, assigned_by_id=staff.id, due_on=due_on,
             status=ReviewStatus.SUBMITTED if submitted else ReviewStatus.ASSIGNED,
             submitted_at=now if submitted else None)
        for pid in ids for r in reviewers])


def history(world, factory, n: int = 300) -> None:
    """Years of closed cases: an old cycle's proposals, decided, with their reviews and decisions."""
    today = clock.today()
    old = factory.cycle("2019-20 Teacher Leadership Fund", opens_on=today - timedelta(days=2000),
                        closes_on=today - timedelta(days=1950), revision_deadline=today - timedelta(days=1940))
    db.session.flush()
    for k, state in enumerate((S.DECLINED, S.COMPLETED, S.WITHDRAWN)):
        ids = bulk(world, factory, n // 3, state, team=world.team if k < 2 else world.other_team, cycle=old,
                   title=f"Old {state.value}", days_ago=1900)
        if state is not S.WITHDRAWN:
            bulk_reviews(ids, [world.reviewer_btu, world.reviewer_bps], world.staff)
            now = clock.now()
            db.session.execute(insert(Decision), [
                dict(proposal_id=pid, outcome=DecisionOutcome.DECLINE, proposed_by_id=world.co_chair_btu.id,
                     proposed_side=Side.BTU, proposed_at=now, confirmed_by_id=world.co_chair_bps.id,
                     confirmed_side=Side.BPS, confirmed_at=now) for pid in ids])


def listed(html_section: str) -> int:
    return len(re.findall(r'data-proposal-id="\d+"', html_section))


def raw_section(resp, key: str) -> str:
    m = re.search(rf'<h2[^>]*id="{key}"[^>]*>.*?</section>', resp.data.decode(), flags=re.S)
    assert m, f"no section {key!r}"
    return m.group(0)


def home_statements(browser) -> int:
    db.session.expire_all()
    with count_statements() as seen:
        assert browser.get("/").status_code == 200
    return len(seen)


# persona, section key, what to add so that section has more than HOME_LIMIT items, heading
def _staff(world, factory):
    bulk(world, factory, 14, S.SUBMITTED, title="Waiting")  # + the world's own submitted proposal


def _co_chair(world, factory):
    ids = bulk(world, factory, 14, S.IN_REVIEW, title="Waiting")
    bulk_reviews(ids, [world.reviewer_btu, world.reviewer_bps], world.staff)  # + world.in_review: all reviews in


def _reviewer(world, factory):
    ids = bulk(world, factory, 15, S.IN_REVIEW, title="Waiting")
    bulk_reviews(ids, [world.reviewer_unassigned], world.staff, submitted=False,
                 due_on=clock.today() - timedelta(days=2))


def _educator(world, factory):
    bulk(world, factory, 13, S.DECLINED, team=world.team, title="Waiting")  # + the world's approved and declined


ROLES = [
    ("staff", "screen", _staff, 15, "Submissions to screen"),
    ("co_chair_bps", "ready", _co_chair, 15, "In review with all reviews in, no decision yet"),
    ("reviewer_unassigned", "reviews_due", _reviewer, 15, "Reviews due"),
    ("lead", "decided", _educator, 15, "Decisions received"),
]


@pytest.mark.parametrize("persona,key,add,total,heading", ROLES, ids=[r[0] for r in ROLES])
def test_home_counts_everything_lists_the_first_few_and_links_to_all(browser, world, factory, persona, key, add,
                                                                     total, heading):
    browser.login(getattr(world, persona))
    before = home_statements(browser)
    history(world, factory)
    add(world, factory)
    db.session.commit()
    assert home_statements(browser) == before  # years of history and a long queue: the same statements

    resp = browser.get("/")
    html = raw_section(resp, key)
    text = section(resp, key)
    assert f"{heading} ({total})" in text
    assert listed(html) == HOME_LIMIT
    assert f"Showing the first {HOME_LIMIT} of {total}." in text and f"See all {total}" in text
    assert f'href="/home/{key}"' in html
    assert "Old " not in text  # nothing of the closed cycle
    if key == "reviews_due":
        assert f"{total} overdue." in text  # counted over all of them, not only those shown

    full = browser.get(f"/home/{key}")
    assert full.status_code == 200
    page = full.data.decode()
    assert len(re.findall(r"<h1[\s>]", page)) == 1
    assert f"{heading} ({total})" in page and f"1 to {total} of {total}" in page
    assert len(re.findall(r'data-proposal-id="\d+"', page)) == total
    assert "Old " not in page


def test_a_long_queue_is_paged(browser, world, factory):
    bulk(world, factory, PER_PAGE + 4, S.SUBMITTED, title="Queue")
    db.session.commit()
    browser.login(world.staff)
    total = PER_PAGE + 5
    first = browser.get("/home/screen").data.decode()
    assert len(re.findall(r'data-proposal-id="\d+"', first)) == PER_PAGE
    assert f"1 to {PER_PAGE} of {total}" in first and 'href="/home/screen?page=2"' in first
    # the longest waiting first: the world's own (submitted earlier), then the bulk ones in order
    assert first.index("Queue 000") < first.index("Queue 001")
    second = browser.get("/home/screen?page=2").data.decode()
    assert len(re.findall(r'data-proposal-id="\d+"', second)) == 5
    assert f"{PER_PAGE + 1} to {total} of {total}" in second and "Queue 053" in second
    beyond = browser.get("/home/screen?page=9")
    assert beyond.status_code == 200 and "There is no page 9; this list has 2 pages." in beyond.data.decode()


def test_sections_of_another_role_or_none_are_refused(browser, world):
    browser.login(world.lead)
    assert browser.get("/home/screen").status_code == 403
    assert browser.get("/home/nothing-here").status_code == 404
    assert browser.get("/home/to_finish").status_code == 200


# -- the query plans (SQLite) ----------------------------------------------------------------------
BIG = ("proposal", "review_assignment", "decision", "audit_event")


def _plans(browser) -> list[tuple[str, list[str]]]:
    seen: list[tuple[str, object]] = []
    engine = db.session.get_bind()

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        assert browser.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    conn = db.session.connection()
    return [(s, [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p).all()]) for s, p in seen]


@pytest.mark.parametrize("persona", ["staff", "co_chair_bps", "reviewer_btu", "lead"])
def test_home_queries_read_indexes_not_every_proposal(browser, world, factory, persona):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's EXPLAIN QUERY PLAN")
    history(world, factory, 60)
    _staff(world, factory)
    db.session.commit()
    browser.login(getattr(world, persona))
    plans = _plans(browser)
    assert plans
    queues = 0
    for statement, plan in plans:
        scans = [line for line in plan if re.match(rf"SCAN ({'|'.join(BIG)})\b", line)]
        assert not scans, f"a full scan of a table that grows with the years:\n{statement}\n{plan}"
        if re.search(r"WHERE proposal\.state = \S+ .*ORDER BY proposal\.submitted_at, proposal\.id", statement, re.S):
            # a home queue (screen, in review, approved): its index gives the rows in order
            queues += 1
            assert not any("TEMP B-TREE FOR ORDER BY" in line for line in plan), f"{statement}\n{plan}"
    if persona in ("staff", "co_chair_bps"):
        assert queues >= 1  # the check above did read the queues' plans


# -- PL requests waiting: counted and paged by the database ------------------------------------------
def _pl_listed(html_section: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-pl-request-id="(\d+)"', html_section)]


def test_pl_requests_waiting_are_counted_and_paged_by_the_database(browser, world, factory):
    """A co-chair's endorsed requests: every one counts (but the one their own side's decision holds for
    the other side), the oldest HOME_LIMIT are listed, the rest are a paged list away, and a longer queue
    sends the same statements (nothing is asked per open request)."""
    chair, other = world.co_chair_bps, world.co_chair_btu
    browser.login(chair)
    educator = factory.user("educator", name="Pat Requester", school=world.school)
    now = clock.now()

    def endorsed(n: int, start: int) -> list[PLRequest]:
        return [factory.pl_request(educator, PLRequestState.ENDORSED, title=f"Course {start + i:02d}",
                                   submitted_at=now - timedelta(days=100 - start - i)) for i in range(n)]

    endorsed(2, 0)
    db.session.commit()
    before = home_statements(browser)
    reqs = endorsed(PER_PAGE + 3, 2)
    # ours, waiting for the other side: not ours to act on; the other side's: ours to confirm
    for r, by in ((reqs[0], chair), (reqs[1], other)):
        db.session.add(PLDecision(request=r, outcome=PLDecisionOutcome.APPROVE, proposed_by=by,
                                  proposed_side=by.side, proposed_at=now))
    db.session.commit()
    assert home_statements(browser) == before

    total = PER_PAGE + 4  # 2 + PER_PAGE + 3, less the one held by our own side's decision
    resp = browser.get("/")
    html, text = raw_section(resp, "pl_waiting"), section(resp, "pl_waiting")
    assert f"PL requests waiting for you ({total})" in text
    shown = _pl_listed(html)
    assert len(shown) == HOME_LIMIT and reqs[0].id not in shown and reqs[1].id in shown
    assert "Confirm the decision: Approve" in text and f"See all {total}" in text

    pages = [browser.get(f"/home/pl_waiting?page={n}").data.decode() for n in (1, 2)]
    listed = _pl_listed(pages[0]) + _pl_listed(pages[1])
    assert len(_pl_listed(pages[0])) == PER_PAGE and len(listed) == total == len(set(listed))
    assert reqs[0].id not in listed and listed[:HOME_LIMIT] == shown  # the same order: the oldest first


def test_staff_count_of_requests_without_a_school_leader_reads_the_schools_first(browser, world, factory):
    """Program staff endorse the requests of schools with no school leader (and of educators with no
    school): the count and the filtered list find those, not every submitted request of the district."""
    from app.pl import requests as pl_requests

    unled = factory.school("No Leader Elementary")
    led_teacher = factory.user("educator", name="Led Teacher", school=world.school)
    unled_teacher = factory.user("educator", name="Unled Teacher", school=unled)
    nowhere = factory.user("educator", name="No School Teacher")
    for who, n in ((led_teacher, 4), (unled_teacher, 2), (nowhere, 1)):
        for _ in range(n):
            factory.pl_request(who, PLRequestState.SUBMITTED)
    factory.pl_request(unled_teacher, PLRequestState.ENDORSED)  # endorsed already: not waiting
    db.session.commit()
    assert world.school_leader.school_id == world.school.id  # the world's school has its leader
    assert pl_requests.waiting_for_staff_count() == 3
    assert pl_requests.all_requests(endorser="staff").total == 3
    browser.login(world.staff)
    assert "PL requests waiting for you (3)" in section(browser.get("/"), "pl_waiting")
