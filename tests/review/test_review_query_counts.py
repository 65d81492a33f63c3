"""The reviewer queue and the cohort page issue the same number of SQL statements at 10 and 200."""
from __future__ import annotations

import re
from datetime import timedelta

from app.core import clock
from app.extensions import db
from app.models import (
    ConflictOfInterest,
    CriterionScore,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    SchoolLevel,
    TeamScope,
)
from tests.sqlcount import statements

S = ProposalState
ROW = r"Query proposal \d{4}</a>"


def count(browser, url: str, expect_rows: int, marker: str) -> int:
    db.session.expire_all()
    with statements() as seen:
        resp = browser.get(url)
    assert resp.status_code == 200
    assert len(re.findall(marker, resp.get_data(as_text=True))) == expect_rows  # one link per row
    return len(seen)


class Builder:
    """Proposals of varied teams, schools and review states, added in batches."""

    def __init__(self, factory, world):
        self.f, self.w = factory, world
        self.n = 0
        high = factory.school("Query High", SchoolLevel.HIGH)
        middle = factory.school("Query Middle", SchoolLevel.MIDDLE)
        a = factory.user("educator", school=high, job_title="Instructional coach")
        b = factory.user("educator", school=middle, job_title="Librarian / media specialist")
        cross = factory.team(a, b, name="Query Cross", scope=TeamScope.CROSS_SCHOOL)
        self.teams = [world.team, world.other_team, cross]
        self.btu = factory.user("reviewer", side="BTU")
        self.bps = factory.user("reviewer", side="BPS")

    def assign(self, proposal, reviewer):
        a = ReviewAssignment(proposal=proposal, reviewer=reviewer, side=reviewer.side, assigned_by_id=self.w.staff.id)
        db.session.add(a)
        return a

    def score(self, proposal, reviewer, value, submitted=True):
        a = self.assign(proposal, reviewer)
        for c in proposal.cycle.criteria:
            a.scores.append(CriterionScore(criterion=c, score=value))
        a.status = ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT
        return a

    def add(self, k: int, cycle, queue_reviewer=None, conflicted=None):
        for _ in range(k):
            i = self.n
            self.n += 1
            state = S.SUBMITTED if (queue_reviewer is not None and i % 7 == 3) else S.IN_REVIEW
            p = self.f.proposal(self.teams[i % 3], cycle, state=state, title=f"Query proposal {i:04d}",
                                tentatively_selected=(i % 4 == 0))
            self.score(p, self.btu, 1 + i % 4)
            self.score(p, self.bps, 1 + (i + 1) % 4, submitted=(i % 5 != 0))
            if queue_reviewer is not None:
                a = self.assign(p, queue_reviewer)
                a.status = [ReviewStatus.ASSIGNED, ReviewStatus.DRAFT, ReviewStatus.SUBMITTED][i % 3]
                a.due_on = clock.today() + timedelta(days=(i % 5) - 2)
            if conflicted is not None and i % 6 == 5:
                db.session.add(ConflictOfInterest(proposal=p, user=conflicted, reason="Test."))
        db.session.commit()


def test_reviewer_queue_statements_do_not_grow(browser, world, factory):
    reviewer = factory.user("reviewer", name="Quinn Queue", side="BTU")
    build = Builder(factory, world)
    build.add(10, world.cycle, queue_reviewer=reviewer, conflicted=reviewer)
    browser.login(reviewer)
    at_10 = count(browser, "/review/", 10, ROW)
    build.add(190, world.cycle, queue_reviewer=reviewer, conflicted=reviewer)
    at_200 = count(browser, "/review/", 200, ROW)
    assert at_10 == at_200, f"{at_10} statements for 10 assignments, {at_200} for 200"


def test_cohort_page_statements_do_not_grow(browser, world, factory):
    cycle = factory.cycle("Query cycle")
    build = Builder(factory, world)
    build.add(10, cycle, conflicted=world.co_chair_btu)
    url = f"/committee/cycles/{cycle.id}"
    browser.login(world.co_chair_btu)
    at_10 = count(browser, url, 10, ROW)
    build.add(190, cycle, conflicted=world.co_chair_btu)
    at_200 = count(browser, url, 50, ROW)  # a page of the ranking
    assert at_10 == at_200, f"{at_10} statements for 10 proposals, {at_200} for 200"
    assert count(browser, url + "?page=4", 50, ROW) == at_200  # the last page, where the recusals are
    page = browser.get(url + "?page=4").get_data(as_text=True)
    assert "Recused" in page and "50 proposals tentatively selected." in page  # every kind of row and the panel

    browser.reset().login(world.staff)
    assert count(browser, url, 50, ROW) == at_200
