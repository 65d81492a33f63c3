"""Every list staff and co-chairs see downloads as CSV with the page's filters (app.web.csv_download and the
one rule, app/core/csvfile.py): each file's header, a row outside the filter absent, the BOM, a formula-like
name kept as text, accents intact, a dated attachment. Who may download is in tests/access/."""
from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal

import pytest

from app.core import clock
from app.extensions import db
from app.models import Expenditure, ProposalState
from app.proposals import exports as proposal_exports
from app.review import exports as review_exports

S = ProposalState
TEAM_NAME = '=HYPERLINK("http://x") Équipe Nguyễn'  # a spreadsheet would run it; accents must survive
TITLE = "@Lectura en español"
REVIEWER = "-Zoë Ødegaard"


def fetch(browser, url: str) -> list[list[str]]:
    resp = browser.get(url)
    assert resp.status_code == 200, url
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and disposition.endswith(f"-{clock.today().isoformat()}.csv"), url
    data = resp.get_data()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data, url  # Excel reads UTF-8 (BOM); RFC 4180 lines
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def risky(world, factory):
    """The cast with names a spreadsheet would run, and a second team with a proposal in review."""
    world.team.name = TEAM_NAME
    world.in_review.title = TITLE
    world.reviewer_btu.name = REVIEWER
    latin = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW, title="Latin lab notebooks")
    db.session.commit()
    return latin


def test_all_proposals_and_their_teams_with_the_lists_filters(login_as, world, risky):
    browser = login_as(world.staff)
    page = browser.get("/staff/proposals?cycle=all&state=in_review").get_data(as_text=True)
    assert 'href="/staff/proposals.csv?cycle=all&amp;state=in_review"' in page  # the page's own filters
    rows = fetch(browser, "/staff/proposals.csv?cycle=all&state=in_review")
    assert rows[0] == proposal_exports.PROPOSAL_HEADER
    by_title = {r[2]: r for r in rows[1:]}
    assert set(by_title) == {"'" + TITLE, "Latin lab notebooks"}  # the other states are left out
    mine = by_title["'" + TITLE]
    assert mine[3] == "'" + TEAM_NAME and mine[5] == "In review" and mine[7] == "10000.00"
    assert mine[10:] == ["1", "1", "1", "1"]  # BTU and BPS: one assigned, one submitted
    assert [r[2] for r in fetch(browser, "/staff/proposals.csv?cycle=all&q=latin")[1:]] == ["Latin lab notebooks"]
    assert {r[3] for r in fetch(browser, f"/staff/proposals.csv?cycle=all&school_id={world.other_school.id}")[1:]} \
        == {"Latin Scientists"}

    teams = fetch(browser, "/staff/teams.csv?cycle=all&state=in_review")
    assert teams[0] == proposal_exports.TEAM_HEADER
    assert [(r[0], r[-1]) for r in teams[1:]] == [("'" + TEAM_NAME, "1"), ("Latin Scientists", "1")]
    assert teams[1][4:7] == ["Lena Lead", "lead@example.org", "Lena Lead; Max Member"]
    assert [r[0] for r in fetch(browser, "/staff/teams.csv?cycle=all&q=latin")[1:]] == ["Latin Scientists"]


def test_a_filter_the_list_refuses_is_a_400_with_its_reason_not_a_bigger_file(login_as, world, risky):
    browser = login_as(world.staff)
    page = browser.get("/staff/proposals?cycle=all&state=bogus&q=latin").get_data(as_text=True)
    assert "Choose a state from the list." in page  # the page says so and lists without it
    assert 'href="/staff/proposals.csv?cycle=all&amp;q=latin"' in page  # its downloads carry what it applied
    for url in ("/staff/proposals.csv?cycle=all&state=bogus", "/staff/teams.csv?cycle=all&state=bogus",
                f"/staff/proposals.csv?school_id={'9' * 40}", f"/staff/proposals.csv?q={'q' * 121}"):
        resp = browser.get(url)
        text = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "text/csv" not in resp.content_type, url
        assert "Choose the filters from the lists on the proposals page." in text, url
    assert "Choose a state from the list." in browser.get("/staff/teams.csv?state=bogus").get_data(as_text=True)
    pl = browser.get("/pl/queue.csv?state=bogus")  # the PL queue's download, the same way
    assert pl.status_code == 400 and "Choose the filters from the lists on the PL requests page." in pl.get_data(True)


def test_cycles(login_as, world, factory):
    factory.cycle("+Ciclo de otoño", criteria=[("Équité", "2")])
    db.session.commit()
    rows = fetch(login_as(world.staff), "/staff/cycles.csv")
    assert rows[0] == proposal_exports.CYCLE_HEADER
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["'+Ciclo de otoño"][8] == "Équité × 2" and by_name["'+Ciclo de otoño"][9] == "0"
    assert by_name["2026-27 Teacher Leadership Fund"][9] == str(len(S))


def test_ranking_and_reviews_hide_what_the_pages_hide(login_as, world, factory, risky):
    factory.conflict(world.in_review, world.reviewer_bps)  # the BPS review no longer counts
    factory.conflict(risky, world.co_chair_btu)  # Carla is recused from the Latin proposal
    db.session.commit()
    staff = login_as(world.staff)
    assert f"/committee/cycles/{world.cycle.id}/ranking.csv" in staff.get(f"/committee/cycles/{world.cycle.id}").text
    ranking = fetch(staff, f"/committee/cycles/{world.cycle.id}/ranking.csv")
    assert ranking[0] == review_exports.RANKING_HEADER
    assert [(r[0], r[2], r[3]) for r in ranking[1:]] == [
        ("1", "'" + TITLE, "'" + TEAM_NAME), ("Not yet scored", "Latin lab notebooks", "Latin Scientists")]
    assert ranking[1][9:14] == ["3.00", "", "1", "0", "1"] and ranking[1][14] == "3.00"  # BTU only

    reviews = fetch(staff, f"/committee/cycles/{world.cycle.id}/reviews.csv")
    assert reviews[0][:5] == ["Proposal", "Title", "Reviewer", "Side", "Status"]
    assert reviews[0][5] == "Focus on students (×2)"
    assert [r[1:4] for r in reviews[1:]] == [["'" + TITLE, "'" + REVIEWER, "BTU"]]  # not the conflicted one
    assert reviews[1][5:9] == ["3", "3", "3", "3.00"]
    assert fetch(staff, f"/committee/proposals/{world.in_review.id}/reviews.csv")[1:] == reviews[1:]

    carla = login_as(world.co_chair_btu)
    rows = fetch(carla, f"/committee/cycles/{world.cycle.id}/ranking.csv")[1:]
    assert rows[-1][:3] == ["Recused", str(risky.id), "Latin lab notebooks"] and set(rows[-1][9:15]) == {""}
    assert {r[0] for r in fetch(carla, f"/committee/cycles/{world.cycle.id}/reviews.csv")[1:]} \
        == {str(world.in_review.id)}
    assert carla.get(f"/committee/proposals/{risky.id}/reviews.csv").status_code == 403


def test_a_grants_spending_ledger(login_as, world):
    pdf = b"%PDF-1.4\n%%EOF\n"

    def spend(state, payee, **kw):
        p = world.proposals[state]
        db.session.add(Expenditure(
            proposal=p, budget_line=p.budget_lines[0], spent_on=clock.today(), payee=payee,
            amount=Decimal("120.00"), receipt_filename="recibo-año.pdf", receipt_content_type="application/pdf",
            receipt_size=len(pdf), receipt_sha256=hashlib.sha256(pdf).hexdigest(), receipt_data=pdf,
            recorded_by_id=world.lead.id, **kw))

    spend(S.ACTIVE, "=SUM(A1) Café Ñandú")
    spend(S.ACTIVE, "Wrong order", voided_at=clock.now(), voided_by_id=world.staff.id, void_reason="Duplicate")
    spend(S.COMPLETED, "Another grant's shop")
    db.session.commit()
    lead = login_as(world.lead)
    url = f"/proposals/{world.proposals[S.ACTIVE].id}/spending.csv"
    assert url in lead.get(url.removesuffix(".csv")).text
    rows = fetch(lead, url)
    assert rows[0][:6] == ["Date", "Paid to", "Budget line", "Line description", "Amount", "Counted in the totals"]
    assert [(r[1], r[4], r[5], r[6]) for r in rows[1:]] == [
        ("'=SUM(A1) Café Ñandú", "120.00", "yes", "recibo-año.pdf"), ("Wrong order", "120.00", "no", "recibo-año.pdf")]
    assert rows[2][-2:] == ["Stan Staff", "Duplicate"]


def test_people_with_the_lists_filters(login_as, world):
    world.reviewer_btu.name = REVIEWER
    db.session.commit()
    rows = fetch(login_as(world.staff), "/admin/people/export.csv?role=reviewer&side=BTU")
    assert rows[0] == ["name", "email", "school", "job_title", "roles", "side", "active"]
    names = [r[0] for r in rows[1:]]
    assert "'" + REVIEWER in names and "Ray Bps" not in names and "Lena Lead" not in names


@pytest.mark.parametrize("url, first", [
    (lambda w: (w.learning, "/pl/queue.csv?state=submitted")[1], "Request"),
    (lambda w: f"/catalog/{w.learning.free.id}/roster.csv", "Status"),
    (lambda w: f"/priorities.csv?survey={w.learning.survey.id}", "Scope"),
    (lambda w: "/catalog/export.csv", "title"),
])
def test_the_older_downloads_follow_the_same_rule(login_as, world, url, first):
    world.lead.name = "=Léna Lead"
    world.learning.topics[1].name = "@Lectura y escritura"
    db.session.commit()
    rows = fetch(login_as(world.staff), url(world))
    assert rows[0][0] == first
    cells = {c for r in rows[1:] for c in r}
    # the educator's name (PL requests, roster) or the topic's (priorities, catalog), as a spreadsheet must show it
    assert ("'=Léna Lead" if first in ("Request", "Status") else "'@Lectura y escritura") in cells
    if first == "Request":
        assert {r[9] for r in rows[1:]} == {"Submitted"}  # the queue's state filter


def test_a_big_file_goes_to_a_temporary_file_not_memory(monkeypatch):
    from io import BytesIO

    from app import web

    monkeypatch.setattr(web, "SPOOL_BYTES", 10)
    small, big = web._spooled(iter([b"a" * 8])), web._spooled(iter([b"a" * 8, b"b" * 8, b"c"]))
    assert isinstance(small, BytesIO) and small.read() == b"a" * 8
    with big:
        assert not isinstance(big, BytesIO) and big.read() == b"a" * 8 + b"b" * 8 + b"c"
