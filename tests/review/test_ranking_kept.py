"""The cohort's ranking is kept per process until what it reads changes (app/review/cohort.py ``ranking``,
``changes.REVIEW``): each change a co-chair would look for shows on the next view, and one viewer's
recusals never leak into another's ranking."""
from __future__ import annotations

from decimal import Decimal

from app.extensions import db
from app.models import ProposalState
from app.review.cohort import cohort
from tests.review.test_cohort import scored, setup  # noqa: F401 (the fixture)

S = ProposalState
D = Decimal


def _ranks(cycle, viewer) -> dict[str, int | None]:
    return {r.title: r.rank for r in cohort(cycle, viewer).ranked}


def test_a_kept_ranking_follows_every_change_it_reads(world, factory, setup):  # noqa: F811
    cycle, p1, p2, p3 = setup
    db.session.commit()
    assert _ranks(cycle, world.co_chair_bps) == {"One": 1, "Two": 2, "Three": 2}
    assert _ranks(cycle, world.co_chair_bps) == {"One": 1, "Two": 2, "Three": 2}  # kept: the same

    # a viewer's conflict takes the proposal out of their ranking only
    factory.conflict(p1, world.co_chair_btu)
    db.session.commit()
    assert _ranks(cycle, world.co_chair_btu) == {"Two": 1, "Three": 1}
    assert [r.title for r in cohort(cycle, world.co_chair_btu).recused] == ["One"]
    assert _ranks(cycle, world.co_chair_bps) == {"One": 1, "Two": 2, "Three": 2}

    # a review submitted moves the ranks
    late = scored(factory, p3, factory.user("reviewer", name="BTU-c", side="BTU"), [4, 4])  # 4.0
    db.session.commit()
    assert _ranks(cycle, world.co_chair_bps) == {"Three": 1, "One": 2, "Two": 3}  # (2.5 + 2.5 + 4) / 3 = 3.0

    # scores changed, a selection, a title: each shows
    for s in late.scores:
        s.score = 1  # the review's 1.0: Three (2.5 + 2.5 + 1) / 3 = 2.0
    p2.tentatively_selected = True
    p2.title = "Two, renamed"
    db.session.commit()
    rows = {r.title: r for r in cohort(cycle, world.co_chair_bps).ranked}
    assert {t: r.rank for t, r in rows.items()} == {"One": 1, "Two, renamed": 2, "Three": 3}
    assert rows["Two, renamed"].selected and rows["Three"].overall == D("2.00")

    # a proposal leaving review leaves the ranking
    p1.state = S.APPROVED
    db.session.commit()
    assert set(_ranks(cycle, world.co_chair_bps)) == {"Three", "Two, renamed"}
