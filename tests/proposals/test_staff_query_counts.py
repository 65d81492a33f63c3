"""The staff proposal list issues the same number of SQL statements for 10 proposals as for 200."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import ProposalState
from tests.sqlcount import statements as counting

S = ProposalState


@pytest.fixture
def cast(factory):
    schools = [factory.school(f"Count School {i}") for i in range(4)]
    staff = factory.user("staff", name="Sam Staff")
    btu = factory.user("reviewer", name="Bea Btu", side="BTU")
    bps = factory.user("reviewer", name="Bo Bps", side="BPS")
    return {"schools": schools, "staff": staff, "btu": btu, "bps": bps}


def build(factory, cast, n: int):
    """A cycle of ``n`` proposals, each with its own team across two schools; some with reviewers,
    a submitted review and a declared conflict."""
    schools, staff = cast["schools"], cast["staff"]
    cycle = factory.cycle(f"Counting cycle of {n}")
    states = (S.SUBMITTED, S.IN_REVIEW, S.DRAFT, S.REVISIONS_REQUESTED)
    for i in range(n):
        lead = factory.user("educator", school=schools[i % 4])
        member = factory.user("educator", school=schools[(i + 1) % 4])
        team = factory.team(lead, member, name=f"Count team {n}-{i}", school=schools[i % 4])
        p = factory.proposal(team, cycle, state=states[i % 4], title=f"Counted proposal {i}")
        if p.state in (S.IN_REVIEW, S.REVISIONS_REQUESTED):
            factory.review(factory.assign(p, cast["btu"], staff))
            factory.assign(p, cast["bps"], staff)
            if i % 3 == 0:
                factory.conflict(p, cast["bps"])
    db.session.commit()
    return cycle


def statements(browser, url: str) -> tuple[int, str]:
    browser.get(url)  # warm up: first-request work is not the page's
    with counting() as seen:
        resp = browser.get(url)
    assert resp.status_code == 200
    return len(seen), resp.get_data(as_text=True)


def test_staff_list_statements_do_not_grow_with_proposals(browser, factory, cast):
    small = build(factory, cast, 10)
    large = build(factory, cast, 200)
    browser.login(cast["staff"])

    few, page_few = statements(browser, f"/staff/proposals?cycle={small.id}")
    assert page_few.count('data-proposal-id="') == 10
    assert "BTU: 1 of 1 assigned, 1 submitted" in page_few
    assert "BPS: 0 of 1 assigned, 0 submitted" in page_few  # the conflicted reviewer does not count

    many, page_many = statements(browser, f"/staff/proposals?cycle={large.id}")
    assert page_many.count('data-proposal-id="') == 50  # one page of 50
    assert "200 proposals; showing 1–50." in page_many

    assert few == many, f"{few} statements for 10 proposals but {many} for 200"
    assert many <= 15, f"{many} statements for one page"


def test_staff_list_with_filters_and_all_cycles_is_constant_too(browser, factory, cast):
    small = build(factory, cast, 12)
    build(factory, cast, 120)
    browser.login(cast["staff"])
    school = cast["schools"][1].id
    few, _ = statements(browser, f"/staff/proposals?cycle={small.id}&state=in_review&q=counted&school_id={school}")
    many, page = statements(browser, f"/staff/proposals?cycle=all&state=in_review&q=counted&school_id={school}")
    assert 'data-proposal-id="' in page
    assert few == many
