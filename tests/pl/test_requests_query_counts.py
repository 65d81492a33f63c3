"""The PL request lists send as many SQL statements for 100 requests as for 10: my requests, the school
leader's and co-chairs' queues, and staff's list."""
from __future__ import annotations

import pytest

from app.core import clock
from app.extensions import db
from app.models import PLDecision, PLDecisionOutcome, PLRequestState, Side
from tests.sqlcount import statements as counting

S = PLRequestState
STATES = (S.DRAFT, S.SUBMITTED, S.ENDORSED, S.APPROVED, S.COMPLETED)


@pytest.fixture
def cast(factory):
    school = factory.school("Count School")
    leader = factory.user("school_leader", school=school)
    btu = factory.user("co_chair", side="BTU")
    bps = factory.user("co_chair", side="BPS")
    staff = factory.user("staff")
    need = factory.term("Counting topic")
    opp = factory.opportunity("Counted course", provider_kind="outside", cost="300.00", sessions=2)
    return {"school": school, "leader": leader, "btu": btu, "bps": bps, "staff": staff, "need": need, "opp": opp}


def build(factory, cast, n: int):
    """``n`` requests by one educator (and ``n`` by others), across the states; some from the catalog,
    some endorsed with a decision waiting."""
    me = factory.user("educator", school=cast["school"])
    for i in range(n):
        for requester in (me, factory.user("educator", school=cast["school"])):
            r = factory.pl_request(requester, STATES[i % len(STATES)], need=cast["need"],
                                   opportunity=cast["opp"] if i % 2 else None)
            if r.state is S.ENDORSED and i % 3 == 0:
                db.session.add(PLDecision(request=r, outcome=PLDecisionOutcome.APPROVE, feedback="ok",
                                          proposed_by_id=cast["btu"].id, proposed_side=Side.BTU,
                                          proposed_at=clock.now()))
    db.session.commit()
    return me


def count(browser, url: str) -> tuple[int, str]:
    browser.get(url)
    with counting() as seen:
        resp = browser.get(url)
    assert resp.status_code == 200
    return len(seen), resp.get_data(as_text=True)


@pytest.mark.parametrize("who", ["educator", "leader", "co_chair", "staff"])
def test_list_statements_do_not_grow_with_requests(login_as, factory, cast, who):
    small = build(factory, cast, 10)
    large = build(factory, cast, 100)
    urls = {"educator": "/pl/requests", "leader": "/pl/queue", "co_chair": "/pl/queue", "staff": "/pl/queue"}
    users = {"leader": cast["leader"], "co_chair": cast["bps"], "staff": cast["staff"]}
    counts = []
    for me, n in ((small, 10), (large, 100)):
        browser = login_as(me if who == "educator" else users[who])
        c, html = count(browser, urls[who])
        counts.append(c)
        if who == "educator":
            assert html.count('<th scope="row"><a href="/pl/requests/') == n
    if who == "co_chair":
        assert "waiting for your confirmation" in html
    assert counts[0] == counts[1], f"{who}: {counts[0]} statements for 10, {counts[1]} for 100"
