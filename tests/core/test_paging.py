"""``SelectPage``: a page in the second half of a list is read from its end (the order reversed, a small
offset) and must hold exactly the rows, in exactly the order, that an OFFSET from the start gives, on both
databases: NULLs (drafts never submitted) and ties (proposals submitted at the same moment) included."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from app.core import clock
from app.core.paging import SelectPage
from app.extensions import db
from app.models import Proposal, ProposalState
from app.proposals.screening import STAFF_ORDER


def test_every_page_read_from_either_end_is_the_offset_page(world, factory):
    now = clock.now()
    rows = [dict(cycle_id=world.cycle.id, team_id=world.team.id, state=ProposalState.SUBMITTED, title=f"Paged {i}",
                 created_by_id=world.team.lead_id,
                 # every third a draft never submitted (NULL); the others in pairs submitted at one moment
                 submitted_at=None if i % 3 == 0 else now - timedelta(hours=i // 2), updated_at=now)
            for i in range(23)]
    db.session.execute(insert(Proposal), rows)
    db.session.flush()
    ids = select(Proposal.id)
    expected = list(db.session.scalars(ids.order_by(*STAFF_ORDER)))
    per = 4
    pages = -(-len(expected) // per)
    for n in range(1, pages + 2):
        page = SelectPage(ids, STAFF_ORDER, n, per)
        shown = min(n, pages)  # a page past the end shows the last
        assert page.page == shown and page.total == len(expected) and page.pages == pages
        assert list(page.items) == expected[(shown - 1) * per:shown * per], f"page {n}"


def test_a_fetched_page_reads_its_window_and_a_page_past_the_end_shows_the_last():
    from app.core.paging import FetchedPage

    rows = list(range(103))
    asked = []

    def fetch(offset, limit):
        asked.append((offset, limit))
        return rows[offset:offset + limit]

    assert list(FetchedPage(len(rows), 2, 50, fetch).items) == rows[50:100]
    last = FetchedPage(len(rows), 9, 50, fetch)
    assert (last.page, last.pages, last.total, list(last.items)) == (3, 3, 103, rows[100:])
    assert asked == [(50, 50), (100, 50)]  # one window read per page, nothing else
    empty = FetchedPage(0, 4, 50, lambda offset, limit: rows[:0])
    assert (empty.page, list(empty.items)) == (1, [])
