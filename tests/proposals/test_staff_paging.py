"""The staff list's pages: a page of ids read off an index, then those rows. Every proposal appears once,
in the list's order (newest submission first, equal times by newest id, never-submitted last), on every
filter; the last page and a page past the end show the last rows."""
from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from app.core import clock
from app.extensions import db
from app.models import GrantType, Proposal, ProposalState
from app.proposals.screening import PER_PAGE, ProposalFilters, staff_page

S = ProposalState
ROW = re.compile(r'data-proposal-id="(\d+)"')


@pytest.fixture
def many(world, factory):
    """130 proposals over two cycles: drafts (never submitted), equal submission times, both grant types."""
    rng = random.Random(11)
    other = factory.cycle("Paging cycle")
    start = clock.now() - timedelta(days=30)
    made = []
    for i in range(130):
        state = rng.choice([S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.APPROVED])
        p = factory.proposal(rng.choice([world.team, world.other_team]), rng.choice([world.cycle, other]),
                             state=state, title=f"Paging proposal {i:03d}",
                             grant_type=rng.choice(list(GrantType)))
        p.submitted_at = None if state is S.DRAFT else start + timedelta(hours=rng.randint(0, 20))  # ties
        made.append(p)
    db.session.flush()
    return other


def expected(filters: ProposalFilters) -> list[int]:
    """The old definition: every matching row, sorted whole in Python."""
    rows = [p for p in db.session.query(Proposal).all()
            if (not filters.cycle_id or p.cycle_id == filters.cycle_id)
            and (not filters.state or p.state.value == filters.state)
            and (not filters.grant_type or p.grant_type and p.grant_type.value == filters.grant_type)]
    rows.sort(key=lambda p: (p.submitted_at is None, -(p.submitted_at.timestamp() if p.submitted_at else 0), -p.id))
    return [p.id for p in rows]


@pytest.mark.parametrize("which", ["all", "cycle", "state", "grant_type", "cycle_and_state"])
def test_pages_hold_every_row_once_in_order(world, many, which):
    filters = {
        "all": ProposalFilters(),
        "cycle": ProposalFilters(cycle_id=many.id),
        "state": ProposalFilters(state="submitted"),
        "grant_type": ProposalFilters(grant_type="study"),
        "cycle_and_state": ProposalFilters(cycle_id=world.cycle.id, state="draft"),
    }[which]
    want = expected(filters)
    first, _ = staff_page(filters, 1)
    assert first.total == len(want) and want  # the fixture makes rows for every filter
    got = []
    for n in range(1, first.pages + 1):
        page, tallies = staff_page(filters, n)
        assert len(page.items) == min(PER_PAGE, len(want) - (n - 1) * PER_PAGE)
        assert set(tallies) == {p.id for p in page.items}
        got += [p.id for p in page.items]
    assert got == want
    past, _ = staff_page(filters, first.pages + 5)  # past the end: the last page
    assert past.page == first.pages and [p.id for p in past.items] == want[(first.pages - 1) * PER_PAGE:]


def test_the_last_page_through_the_browser(browser, world, many):
    browser.login(world.staff)
    want = expected(ProposalFilters())
    last = (len(want) - 1) // PER_PAGE + 1
    body = browser.get(f"/staff/proposals?cycle=all&page={last}").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(body)] == want[(last - 1) * PER_PAGE:]
    assert f"{len(want)} proposals; showing {(last - 1) * PER_PAGE + 1}–{len(want)}." in body
    beyond = browser.get("/staff/proposals?cycle=all&page=99").get_data(as_text=True)
    assert ROW.findall(beyond) == ROW.findall(body)
