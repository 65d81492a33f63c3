"""The committee's docket (PDF): what a co-chair checks in it. The order is the cohort page's ranking, the
pool figures add up, and a reviewer who declared a conflict is named but their review is neither counted
nor shown. One PDF is rendered in this module; the rest reads the docket's data and HTML."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.core import pdf
from app.extensions import db
from app.models import ProposalState, Recommendation
from app.review.cohort import cohort
from app.review.docket import docket
from tests.pdfs import pdf_is_tagged, pdf_lang, pdf_text, pdf_title
from tests.review.test_cohort import scored
from tests.sqlcount import statements

S = ProposalState
D = Decimal


@pytest.fixture
def cycle(world, factory):
    """Weights 3 and 1: (4, 2) -> 3.5, (1, 3) -> 1.5, (3, 3) -> 3.0, (2, 4) -> 2.5, (3, 1) -> 2.5."""
    cycle = factory.cycle("Docket cycle", pool="30000.00", criteria=[("Impact", "3"), ("Plan", "1")])
    r = {n: factory.user("reviewer", name=n, side=side) for n, side in (
        ("Bea Btu", "BTU"), ("Pat Bps", "BPS"), ("Pia Bps", "BPS"), ("Connie Conflicted", "BTU"))}
    p1 = factory.proposal(world.team, cycle, state=S.IN_REVIEW, title="One", amount="9000.00")
    p2 = factory.proposal(world.other_team, cycle, state=S.IN_REVIEW, title="Two", amount="8000.00")
    p3 = factory.proposal(world.other_team, cycle, state=S.IN_REVIEW, title="Three", amount="7000.00")
    p4 = factory.proposal(world.team, cycle, state=S.IN_REVIEW, title="Four", amount="15000.00")  # not scored
    reviews = [
        (p1, "Bea Btu", [4, 2], Recommendation.FUND), (p1, "Pat Bps", [1, 3], Recommendation.DO_NOT_FUND),
        (p1, "Pia Bps", [3, 3], Recommendation.FUND), (p2, "Bea Btu", [2, 4], Recommendation.FUND),
        (p2, "Pat Bps", [3, 1], Recommendation.FUND), (p3, "Bea Btu", [2, 4], Recommendation.FUND),
        (p3, "Pat Bps", [3, 1], Recommendation.DO_NOT_FUND),
        # The conflicted reviewer's review: 4.00 and "Fund with changes", which nobody else gave.
        (p2, "Connie Conflicted", [4, 4], Recommendation.FUND_WITH_CHANGES),
    ]
    for p, name, scores, rec in reviews:
        scored(factory, p, r[name], scores).recommendation = rec
    factory.conflict(p2, r["Connie Conflicted"], reason="My daughter is on this team.")
    factory.assign(p4, r["Pia Bps"])  # assigned, not reviewed
    approved = factory.proposal(world.team, cycle, state=S.APPROVED, title="Already funded")
    approved.award = D("6000.00")
    db.session.commit()
    cycle.in_review = {p.title: p for p in (p1, p2, p3, p4)}  # for the tests below (not a column)
    return cycle


def test_the_docket_pdf_a_co_chair_reads(browser, world, cycle):
    browser.login(world.co_chair_bps)
    resp = browser.get(f"/documents/cycles/{cycle.id}/docket.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Cache-Control"] == "private, no-store"
    body = resp.data
    assert pdf_title(body) == "Committee docket: Docket cycle" and pdf_lang(body) == "en" and pdf_is_tagged(body)
    text = pdf_text(body)

    # The pool: $30,000 less $6,000 awarded leaves $24,000; the ranked list asks $39,000.
    for figure in ("Cycle pool $30,000.00", "Awarded so far in this cycle $6,000.00", "Left in the pool $24,000.00",
                   "Requested by the ranked list (4 proposals) $39,000.00", "Over what is left by $15,000.00",
                   "3 of the 4 ranked proposals, from the top, fit what is left of the pool"):
        assert figure in text, figure

    # The ranking table first, in rank order with the running total, then one page per proposal in that order.
    ranking = text[text.index("Proposals in review, in rank order"):text.index("Rank 1: One")]
    rows = ["1 One", "2 Three", "2 Two", "Not yet scored Four"]
    assert [ranking.index(row) for row in rows] == sorted(ranking.index(row) for row in rows)
    assert "3.50 (1 of 1) 2.25 (2 of 1) 2.67 $9,000.00" in ranking
    assert "$24,000.00" in ranking and "$39,000.00 over the pool" in ranking
    pages = [text.index(h) for h in ("Rank 1: One", "Rank 2: Three", "Rank 2: Two", "Not yet scored: Four")]
    assert pages == sorted(pages)
    assert "Already funded" not in text  # approved: not in review

    one = text[pages[0]:pages[1]]
    assert "Mather Readers" in one and "Mather Elementary" in one and "Request $10,000.00" not in one
    assert "Request $9,000.00" in one and "Overall mean 2.67" in one
    assert "Bea Btu BTU Fund 3.50" in one and "Pat Bps BPS Do not fund 1.50" in one and "Pia Bps BPS Fund 3.00" in one
    four = text[pages[3]:]
    assert "Pia Bps BPS Review not submitted yet" in four

    # The conflicted reviewer: named under "Conflicts declared" on Two's page, never their review or score.
    two = text[pages[2]:pages[3]]
    assert "Connie Conflicted (BTU), declared" in two and "Overall mean 2.50" in two
    assert text.count("Connie Conflicted") == 1
    assert "4.00" not in text and "Fund with changes" not in text
    assert "My daughter is on this team." not in text  # the reason is for staff, on the proposal


def test_the_docket_and_the_cohort_page_rank_alike_and_a_recused_viewer_gets_no_scores(world, cycle, factory):
    """One computation: the docket's order and ranks are the cohort page's, for whoever reads them."""
    two = cycle.in_review["Two"]
    factory.conflict(two, world.co_chair_btu)
    for viewer in (world.staff, world.co_chair_btu):
        d, c = docket(cycle, viewer), cohort(cycle, viewer, per_page=1000)
        assert [(e.row.proposal_id, e.row.rank) for e in d.entries] == [(r.proposal_id, r.rank) for r in c.rows]
    d = docket(cycle, world.co_chair_btu)
    assert [e.row.title for e in d.recused] == ["Two"]
    assert d.recused[0].reviews == [] and d.recused[0].running_total is None
    assert d.requested == D("31000.00")  # the viewer's recusal is not in their ranked list
    html = pdf.render_html("pdf/docket.html", docket=d, viewer=world.co_chair_btu)
    recused_page = html[html.index("Recused: Two"):]
    assert "You declared a conflict of interest with this proposal" in recused_page
    assert "2.50" not in recused_page and "Bea Btu" not in recused_page


def test_a_cycle_with_nothing_in_review_has_no_docket(browser, world, factory):
    empty = factory.cycle("Quiet cycle")
    db.session.commit()
    browser.login(world.staff)
    resp = browser.get(f"/documents/cycles/{empty.id}/docket.pdf")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "No proposal of Quiet cycle is in review, so there is no docket to print." in resp.get_data(as_text=True)


def test_the_cohort_page_links_to_the_docket(browser, world, cycle):
    browser.login(world.co_chair_btu)
    html = browser.get(f"/committee/cycles/{cycle.id}").get_data(as_text=True)
    assert f'href="/documents/cycles/{cycle.id}/docket.pdf"' in html


def test_the_docket_reads_a_fixed_number_of_statements(world, cycle, factory):
    def count() -> int:
        db.session.expire_all()
        cycle.criteria, world.staff.has_role("staff")  # loaded before: not the docket's statements
        with statements() as sent:
            found = docket(cycle, world.staff)
        return len(found.entries), len(sent)

    assert count() == (4, 7)  # ranking 2, details 2, reviews 1, conflicts 1, awarded 1
    for i in range(6):
        p = factory.proposal(world.other_team, cycle, state=S.IN_REVIEW, title=f"More {i}", amount="12000.00")
        factory.review(factory.assign(p, world.reviewer_btu))
        factory.conflict(p, world.reviewer_bps)
    db.session.commit()
    assert count() == (10, 7)
