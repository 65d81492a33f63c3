"""Cohort selection: weighted means per side and overall, ranking, recusal, the balance panel."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.core import clock
from app.extensions import db
from app.models import CriterionScore, ProposalState, ReviewStatus, SchoolLevel, TeamScope
from app.review.cohort import cohort, cycles_with_counts, toggle_selection
from app.review.reviews import ReviewError, review_summary

S = ProposalState
D = Decimal


def scored(f, proposal, reviewer, scores, submitted=True):
    a = f.assign(proposal, reviewer)
    for c, s in zip(proposal.cycle.criteria, scores, strict=True):
        a.scores.append(CriterionScore(criterion=c, score=s))
    a.status = ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT
    a.submitted_at = clock.now() if submitted else None
    db.session.flush()
    return a


@pytest.fixture
def setup(world, factory):
    # weights 3, 1 (sum 4), so scores (4, 2) -> 14/4 = 3.5 and (1, 3) -> 6/4 = 1.5
    cycle = factory.cycle("Service cycle", pool="30000.00", criteria=[("Impact", "3"), ("Plan", "1")])
    r = {n: factory.user("reviewer", name=n, side=n[:3]) for n in ("BTU-a", "BTU-b", "BPS-a", "BPS-b")}
    p1 = factory.proposal(world.team, cycle, state=S.IN_REVIEW, title="One", amount="9000.00")
    p2 = factory.proposal(world.other_team, cycle, state=S.IN_REVIEW, title="Two", amount="8000.00")
    p3 = factory.proposal(world.other_team, cycle, state=S.IN_REVIEW, title="Three", amount="7000.00")
    scored(factory, p1, r["BTU-a"], [4, 2])   # 3.5
    scored(factory, p1, r["BPS-a"], [1, 3])   # 1.5
    scored(factory, p1, r["BPS-b"], [3, 3])   # 3.0   -> BPS 2.25, overall (3.5+1.5+3)/3 = 2.6667
    scored(factory, p2, r["BTU-a"], [2, 4])   # 2.5
    scored(factory, p2, r["BPS-a"], [3, 1])   # 2.5  -> 2.5
    scored(factory, p2, r["BTU-b"], [4, 4])   # conflicted: left out
    factory.conflict(p2, r["BTU-b"])
    scored(factory, p3, r["BTU-a"], [2, 4])   # 2.5
    scored(factory, p3, r["BPS-a"], [3, 1])   # 2.5  -> tie with p2
    scored(factory, p3, r["BPS-b"], [4, 4], submitted=False)  # a draft: left out
    return cycle, p1, p2, p3


def test_means_per_side_and_overall(world, setup):
    cycle, p1, p2, p3 = setup
    c = cohort(cycle, world.co_chair_bps)
    by_id = {r.proposal_id: r for r in c.rows}
    one = by_id[p1.id]
    assert one.side_means == {"BTU": D("3.50"), "BPS": D("2.25")}
    assert one.side_counts == {"BTU": 1, "BPS": 2}
    assert one.overall == D("2.67")  # the mean of the three reviews, not of the two side means (2.875)
    two = by_id[p2.id]
    assert two.side_means == {"BTU": D("2.50"), "BPS": D("2.50")} and two.side_counts == {"BTU": 1, "BPS": 1}
    assert by_id[p3.id].side_counts == {"BTU": 1, "BPS": 1}
    # ties share a rank
    assert [(r.title, r.rank) for r in c.ranked] == [("One", 1), ("Three", 2), ("Two", 2)]
    # the case page's summary agrees with the cohort page
    s = review_summary(p1)
    assert (s.side_means, s.overall_mean) == ({"BTU": D("3.50"), "BPS": D("2.25")}, D("2.67"))


def test_a_recused_viewer_gets_no_scores_and_no_rank(world, setup, factory):
    cycle, p1, p2, p3 = setup
    factory.conflict(p1, world.co_chair_btu)
    c = cohort(cycle, world.co_chair_btu)
    assert [r.proposal_id for r in c.recused] == [p1.id]
    rec = c.recused[0]
    assert rec.rank is None and rec.overall is None and rec.side_means == {} and rec._exact is None
    assert [(r.title, r.rank) for r in c.ranked] == [("Three", 1), ("Two", 1)]


def test_balance_panel(world, setup, factory):
    cycle, p1, p2, p3 = setup
    high = factory.school("Balance High", SchoolLevel.HIGH)
    a = factory.user("educator", school=high, job_title="School nurse")
    b = factory.user("educator", school=world.school, job_title="Classroom teacher")
    cross = factory.team(a, b, name="Balance Cross", scope=TeamScope.CROSS_SCHOOL)
    p4 = factory.proposal(cross, cycle, state=S.IN_REVIEW, title="Four", amount="15000.00")
    done = factory.proposal(world.team, cycle, state=S.APPROVED, amount="10000.00")
    done.award = D("6000.00")
    for p in (p1, p3, p4):
        toggle_selection(p, world.co_chair_btu)
    b_ = cohort(cycle, world.staff).balance
    assert b_.count == 3
    assert b_.selected_total == D("31000.00") and b_.awarded == D("6000.00")
    assert b_.left_before == D("24000.00") and b_.left_after == D("-7000.00")
    assert b_.over and b_.over_by == D("7000.00")
    assert dict(b_.by_school) == {"Mather Elementary": 2, "Boston Latin Academy": 1, "Balance High": 1}
    assert dict(b_.by_level) == {"Elementary": 2, "High": 2}
    assert dict(b_.by_grant_type) == {"Action grant": 3}
    assert dict(b_.by_scope) == {"School-based": 2, "Cross-school": 1}
    # people counted once: Lena, Max (p1); Olga, Omar (p3); the nurse and a teacher (p4)
    assert dict(b_.by_role) == {"Classroom teacher": 4, "Special educator": 1, "School nurse": 1}


def test_toggle_selection_rules(world, setup, factory):
    cycle, p1, p2, p3 = setup
    assert toggle_selection(p1, world.co_chair_bps) is True
    assert toggle_selection(p1, world.co_chair_bps) is False
    with pytest.raises(ReviewError, match="Only the committee's co-chairs"):
        toggle_selection(p1, world.staff)
    factory.conflict(p2, world.co_chair_bps)
    with pytest.raises(ReviewError, match="cannot select it"):
        toggle_selection(p2, world.co_chair_bps)
    with pytest.raises(ReviewError, match="Only proposals in review can be selected"):
        toggle_selection(world.proposals[S.APPROVED], world.co_chair_bps)


def test_cycles_with_counts(world, setup):
    cycle, *_ = setup
    counts = {c.name: n for c, n in cycles_with_counts()}
    assert counts == {"Service cycle": 3, world.cycle.name: 1}


def test_ranks_match_the_definition_on_random_scores():
    """1 + how many scores are strictly higher, ties sharing a rank, unscored rows unranked."""
    import random

    from app.review.cohort import ranks

    rng = random.Random(11)
    for _ in range(200):
        scores = [rng.choice([None, *(D(v) / 4 for v in range(4, 17))]) for _ in range(rng.randint(0, 40))]
        scored_ = [s for s in scores if s is not None]
        expected = [None if s is None else 1 + sum(1 for o in scored_ if o > s) for s in scores]
        assert ranks(scores) == expected


def test_cohort_pages_hold_every_row_once_in_rank_order(world, setup, factory):
    cycle, p1, p2, p3 = setup
    factory.conflict(p1, world.co_chair_btu)
    whole = cohort(cycle, world.co_chair_btu)
    pages = [cohort(cycle, world.co_chair_btu, page=n, per_page=2) for n in (1, 2)]
    assert [p.page.total for p in pages] == [3, 3] and [p.page.pages for p in pages] == [2, 2]
    assert [r.proposal_id for p in pages for r in p.page.items] == [r.proposal_id for r in whole.rows]
    assert [r.proposal_id for r in pages[1].page.items] == [p1.id]  # the recusal comes last
    past = cohort(cycle, world.co_chair_btu, page=9, per_page=2)  # past the end: the last page
    assert past.page.page == 2 and [r.proposal_id for r in past.page.items] == [p1.id]
    # the rows on a page carry their team and schools
    assert all(r.team_name and r.schools for r in pages[0].page.items)
