"""A long queue on the home page in Chromium: program staff see the count and the first few, follow
"See all" to the paged list and page through it; each page is checked with axe."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.home.dashboard import HOME_LIMIT, PER_PAGE
from app.models import ProposalState

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections


def test_staff_follow_see_all_to_the_paged_queue(factory, visitor):
    staff = factory.user("staff", name="Stan Staff", email="stan@example.org")
    lead = factory.user("educator", name="Lena Lead", email="lena@example.org")
    team = factory.team(lead, name="Mather Readers")
    cycle = factory.cycle("2026-27 Teacher Leadership Fund")
    total = PER_PAGE + 3
    for i in range(total):
        factory.proposal(team, cycle, state=ProposalState.SUBMITTED, title=f"Waiting {i:02d}")
    db.session.commit()

    v = visitor(staff)
    main = v.page.locator("main")
    card = main.locator('section[aria-labelledby="screen"]')
    assert f"Submissions to screen ({total})" in card.inner_text()
    assert card.locator("li[data-proposal-id]").count() == HOME_LIMIT
    v.click(card.get_by_role("link", name=re.compile(f"See all {total}")))
    assert v.page.locator("main li[data-proposal-id]").count() == PER_PAGE
    assert f"1 to {PER_PAGE} of {total}" in main.inner_text()
    v.click(main.get_by_role("link", name=re.compile("Next")))
    assert v.page.locator("main li[data-proposal-id]").count() == 3
    assert f"{PER_PAGE + 1} to {total} of {total}" in main.inner_text()
