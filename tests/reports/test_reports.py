"""The cycle report and the PL report, checked against a small world whose every figure is known: the
audit events' times (so the medians and 90th percentiles), the awards (so the funding tables, in exact
Decimal), the scores and when each review came in; then the pages, every table's CSV and the PDFs."""
from __future__ import annotations

import csv
import io
import random
import statistics
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import literal, select, union_all

from app.extensions import db
from app.models import (
    AuditEvent,
    GrantType,
    PLRequestState,
    ProposalState,
    SchoolLevel,
    TeamScope,
)
from app.reports import cycle as cycle_report
from app.reports import pl as pl_report
from app.reports.figures import spreads
from tests.pdfs import pdf_is_tagged, pdf_lang, pdf_text, pdf_title

S = ProposalState
P = PLRequestState
DAY, HOUR = 86_400, 3_600
T0 = datetime(2026, 2, 2, 14, 0, tzinfo=UTC)
DUE = date(2026, 3, 10)
TODAY = date(2026, 3, 25)
YEAR = "2026-27"


def _event(case, case_type, frm, to, at, trigger="move"):
    db.session.add(AuditEvent(case_type=case_type, case_id=case.id, trigger=trigger, from_state=frm.value,
                              to_state=to.value, at=at, comment="", data={}))


def _path(case, steps, case_type="proposal"):
    """Audit events along ``steps``: (state, seconds after T0 it was entered); the first is the creation."""
    (first, _), *rest = steps
    _event(case, case_type, first, first, T0, trigger="create")
    before = first
    for state, secs in rest:
        _event(case, case_type, before, state, T0 + timedelta(seconds=secs))
        before = state
    db.session.flush()


def _known(f):
    """Two cycles; five proposals in this one (three with a grant, one of them cross-school), scores,
    reviews on time, late and missing, and audit events a stage at a time."""
    elem = f.school("Hale Elementary", level=SchoolLevel.ELEMENTARY)
    high = f.school("Ruiz High", level=SchoolLevel.HIGH)
    lead1, lead2, lead3 = f.user(school=elem), f.user(school=high), f.user(school=elem)
    t1, t2 = f.team(lead1, name="Hale readers"), f.team(lead2, name="Ruiz makers")
    t3 = f.team(lead3, f.user(school=high), name="Across town", scope=TeamScope.CROSS_SCHOOL, school=None)
    t3.school = None
    earlier = f.cycle(name="Last year", opens_on=date(2025, 1, 5), closes_on=date(2025, 2, 5),
                      revision_deadline=date(2025, 3, 5))
    this = f.cycle(name="This year", opens_on=date(2026, 1, 5), closes_on=date(2026, 2, 5),
                   revision_deadline=date(2026, 3, 5))
    this.review_due_on = DUE
    p1 = f.proposal(t1, this, S.APPROVED, award=Decimal("1000.10"))
    p2 = f.proposal(t2, this, S.ACTIVE, award=Decimal("2000.20"), grant_type=GrantType.STUDY)
    p3 = f.proposal(t3, this, S.PUBLISHED, award=Decimal("3000.30"))
    p4 = f.proposal(t1, this, S.DECLINED)
    p5 = f.proposal(t2, this, S.DRAFT)
    old = f.proposal(t1, earlier, S.DECLINED)
    # Submitted for 1, 2, 10 and 5 days (median 3.5, p90 8.5); in review 1, 2, 3 and 10 hours (median 2.5 h,
    # p90 7.9 h); every draft one day. A reviewer's assignment in between changes no stage.
    for p, submitted, review, end in ((p1, DAY, HOUR, S.APPROVED), (p2, 2 * DAY, 2 * HOUR, S.APPROVED),
                                      (p3, 10 * DAY, 3 * HOUR, S.APPROVED), (p4, 5 * DAY, 10 * HOUR, S.DECLINED)):
        _path(p, [(S.DRAFT, 0), (S.SUBMITTED, DAY), (S.IN_REVIEW, DAY + submitted),
                  (end, DAY + submitted + review)])
    _event(p1, "proposal", S.SUBMITTED, S.SUBMITTED, T0 + timedelta(seconds=DAY + 10), trigger="assign_reviewer")
    _path(p5, [(S.DRAFT, 0)])
    _path(old, [(S.DRAFT, 0), (S.SUBMITTED, 3 * DAY), (S.IN_REVIEW, 8 * DAY), (S.DECLINED, 9 * DAY)])

    btu, bps, btu2 = f.user("reviewer", side="BTU", name="Ann Btu"), f.user("reviewer", side="BPS", name="Bob Bps"), \
        f.user("reviewer", side="BTU", name="Cy Conflicted")
    boston = lambda d, h: datetime(d.year, d.month, d.day, h, tzinfo=cycle_report.clock.BOSTON)  # noqa: E731
    for p, who, score, at in ((p1, btu, 4, boston(DUE, 23)), (p2, btu, 2, boston(DUE + timedelta(days=2), 6)),
                              (p1, bps, 3, boston(DUE + timedelta(days=9), 11)), (p1, btu2, 1, boston(DUE, 9))):
        a = f.review(f.assign(p, who), score=score)
        a.submitted_at = at.astimezone(UTC)
    f.assign(p3, bps)  # never submitted: overdue by TODAY
    f.conflict(p1, btu2)
    db.session.flush()
    return SimpleNamespace(this=this, earlier=earlier, p=(p1, p2, p3, p4, p5), elem=elem, high=high)


@pytest.fixture
def known(factory):
    return _known(factory)


def _rows(report, key):
    return report.table(key).rows


def test_counts_and_funding_add_up_exactly_in_decimal(known):
    r = cycle_report.report(known.this, today=TODAY)
    states = dict(map(tuple, _rows(r, "states")))
    assert (states["Approved"], states["Active"], states["Published"], states["Declined"], states["Draft"]) == (
        1, 1, 1, 1, 1)
    assert r.table("states").total == ["Total", 5] and r.proposals == 5
    assert _rows(r, "funding_school") == [["Ruiz High", 1, Decimal("2000.20")], ["Hale Elementary", 1, Decimal("1000.10")],
                                          ["Cross-school teams", 1, Decimal("3000.30")]]
    assert _rows(r, "funding_level") == [["Elementary", 1, Decimal("1000.10")], ["High", 1, Decimal("2000.20")],
                                         ["Cross-school teams", 1, Decimal("3000.30")]]
    assert _rows(r, "funding_type") == [["Action grant", 2, Decimal("4000.40")], ["Study grant", 1, Decimal("2000.20")]]
    assert _rows(r, "funding_kind") == [["School-based", 2, Decimal("3000.30")], ["Cross-school", 1, Decimal("3000.30")]]
    for key in ("funding_school", "funding_level", "funding_type", "funding_kind"):
        total = r.table(key).total
        assert total == ["Total", 3, Decimal("6000.60")] and isinstance(total[2], Decimal)
    assert r.awarded == Decimal("6000.60") == known.this.awarded_total()
    assert r.left == known.this.pool - Decimal("6000.60")


def test_scores_leave_out_conflicted_reviewers_and_the_readers_own_recusals(factory, known):
    r = cycle_report.report(known.this, today=TODAY)
    first = known.this.criteria[0].name
    rows = {(row[0], row[1]): row[2:] for row in _rows(r, "scores")}
    # BTU: a 4 (Ann, on P1) and a 2 (Ann, on P2); Cy's 1 on P1 does not count (his conflict). BPS: Bob's 3.
    assert rows[(first, "BTU")] == [0, 1, 0, 1, 2, Decimal("3.00")]
    assert rows[(first, "BPS")] == [0, 0, 1, 0, 1, Decimal("3.00")]
    # A co-chair who declared a conflict with P1 never sees its scores, not even inside a distribution.
    co_chair = factory.user("co_chair", side="BTU")
    factory.conflict(known.p[0], co_chair)
    theirs = cycle_report.report(known.this, today=TODAY, viewer=co_chair)
    rows = {(row[0], row[1]): row[2:] for row in _rows(theirs, "scores")}
    assert rows[(first, "BTU")] == [0, 1, 0, 0, 1, Decimal("2.00")] and rows[(first, "BPS")][4] == 0
    assert "you declared a conflict with" in theirs.table("scores").note


def test_reviewer_load_and_timeliness_against_the_due_date_in_boston(known):
    r = cycle_report.report(known.this, today=TODAY)
    load = {row[0]: row[1:] for row in _rows(r, "reviewers")}
    # side, assigned, submitted, on time, late, not submitted, most days late
    assert load["Ann Btu"] == ["BTU", 2, 2, 1, 1, 0, 2]  # 11 pm on the due day is on time
    assert load["Bob Bps"] == ["BPS", 2, 1, 0, 1, 1, 15]  # 9 days late; one still missing 15 days on
    assert "Cy Conflicted" not in load
    assert dict(map(tuple, _rows(r, "timeliness"))) == {
        "On time": 1, "1 to 7 days late": 1, "8 to 14 days late": 1, "More than 14 days late": 0,
        "Not submitted, overdue": 1}


def test_time_in_each_stage_from_the_audit_log_exact_medians_and_p90_beside_last_year(known):
    spreads_found = cycle_report.stage_spreads([known.this, known.earlier])
    sub = spreads_found[(known.this.id, S.SUBMITTED.value)]
    assert (sub.n, sub.median, sub.p90) == (4, Decimal(3.5 * DAY), Decimal(8.5 * DAY))  # 1, 2, 5, 10 days
    rev = spreads_found[(known.this.id, S.IN_REVIEW.value)]
    assert (rev.n, rev.median, rev.p90) == (4, Decimal(2.5 * HOUR), Decimal("28440.0"))  # 1, 2, 3, 10 hours
    draft = spreads_found[(known.this.id, S.DRAFT.value)]
    assert (draft.n, draft.median, draft.p90) == (4, DAY, DAY)  # the draft still being written is not counted
    last = spreads_found[(known.earlier.id, S.SUBMITTED.value)]
    assert (last.n, last.median) == (1, 5 * DAY)
    assert (known.this.id, S.APPROVED.value) not in spreads_found  # approved: nobody has moved on yet

    r = cycle_report.report(known.this, today=TODAY)
    assert [c.name for c in r.compared] == ["This year", "Last year"]
    rows = {row[0]: row[1:] for row in _rows(r, "stages")}
    assert rows["Submitted"] == [4, Decimal("3.50"), Decimal("8.50"), 1, Decimal("5.00"), Decimal("5.00")]
    assert rows["In review"] == [4, Decimal("0.10"), Decimal("0.33"), 1, Decimal("1.00"), Decimal("1.00")]
    assert rows["Approved"][0] == 0 and rows["Approved"][1] is None


def _pl_world(f, known):
    topic_a, topic_b = f.term("Literacy in every subject"), f.term("Restorative circles")
    leader_school = f.user(school=known.elem)
    other = f.user(school=known.high)
    f.pl_budget("5000.00", school_year=YEAR)
    r1 = f.pl_request(leader_school, P.APPROVED, cost="100.10", need=topic_a, budget_year=YEAR)
    r2 = f.pl_request(leader_school, P.DENIED, cost="900.00", need=topic_a, budget_year=YEAR)
    r3 = f.pl_request(other, P.APPROVED, cost="0.00", need=topic_b, budget_year=YEAR)
    f.pl_request(leader_school, P.COMPLETED, cost="200.20", need=topic_a, budget_year=YEAR)
    f.pl_request(other, P.SUBMITTED, cost="50.00", need=topic_b, budget_year="2025-26")
    # Endorsed after 1 day, 2 days (counted from the resubmission) and 4 hours; decided after 3 days,
    # 3 days, and 4 hours (the free one, approved on endorsement).
    _path(r1, [(P.DRAFT, 0), (P.SUBMITTED, DAY), (P.ENDORSED, 2 * DAY), (P.APPROVED, 4 * DAY)], "pl_request")
    _path(r2, [(P.DRAFT, 0), (P.SUBMITTED, DAY), (P.DRAFT, 2 * DAY), (P.SUBMITTED, 6 * DAY),
               (P.ENDORSED, 8 * DAY), (P.DENIED, 9 * DAY)], "pl_request")
    _path(r3, [(P.DRAFT, 0), (P.SUBMITTED, DAY), (P.ENDORSED, DAY + 4 * HOUR), (P.APPROVED, DAY + 4 * HOUR)],
          "pl_request")
    return topic_a, topic_b


def test_pl_report_by_state_waits_and_budget_by_school_and_topic(factory, known):
    _pl_world(factory, known)
    r = pl_report.report(YEAR)
    states = dict(map(tuple, _rows(r, "states")))
    assert (states["Approved"], states["Denied"], states["Completed"], states["Submitted"]) == (2, 1, 1, 0)
    waits = {row[0]: row[1:] for row in _rows(r, "waits")}
    assert waits["Submission to endorsement"] == [3, Decimal("1.00"), Decimal("1.80")]
    assert waits["Submission to decision (approved or denied)"] == [3, Decimal("3.00"), Decimal("3.00")]
    assert _rows(r, "budget_school") == [["Hale Elementary", 2, Decimal("300.30")], ["Ruiz High", 1, Decimal("0.00")]]
    assert _rows(r, "budget_topic") == [["Literacy in every subject", 2, Decimal("300.30")],
                                        ["Restorative circles", 1, Decimal("0.00")]]
    assert r.used == Decimal("300.30") and r.left == Decimal("4699.70") and r.requests == 4
    assert pl_report.valid_year("2026-27") and not pl_report.valid_year("2026-28")
    assert not pl_report.valid_year("x" * 500) and not pl_report.valid_year("2026-27\x00")


def _csv(resp) -> list[list[str]]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))


def test_pages_link_every_table_to_its_csv_and_each_csv_holds_the_table(browser, factory, known):
    _pl_world(factory, known)
    browser.login(factory.user("staff"))
    page = browser.get(f"/reports/cycles/{known.this.id}")
    assert page.status_code == 200
    html = page.data.decode()
    assert html.count('<svg role="img"') >= 8 and "<script" not in html
    assert html.count('class="chart') == html.count('<svg role="img"')
    report = cycle_report.report(known.this)
    for t in report.tables:
        url = f"/reports/cycles/{known.this.id}/{t.key}.csv"
        assert f'href="{url}"' in html
        rows = _csv(browser.get(url))
        assert rows[0] == [c.name for c in t.columns]
        assert len(rows) == 1 + len(t.rows) + (1 if t.total else 0)
    funding = _csv(browser.get(f"/reports/cycles/{known.this.id}/funding_school.csv"))
    assert funding[1:] == [["Ruiz High", "1", "2000.20"], ["Hale Elementary", "1", "1000.10"],
                           ["Cross-school teams", "1", "3000.30"], ["Total", "3", "6000.60"]]
    stages = _csv(browser.get(f"/reports/cycles/{known.this.id}/stages.csv"))
    assert stages[0][:4] == ["Stage", "This year: stays", "This year: median (days)",
                             "This year: 90th percentile (days)"]
    assert ["Submitted", "4", "3.50", "8.50", "1", "5.00", "5.00"] in stages

    pl_page = browser.get(f"/reports/pl/{YEAR}").data.decode()
    for key in ("states", "waits", "budget_school", "budget_topic"):
        assert f'href="/reports/pl/{YEAR}/{key}.csv"' in pl_page
    assert _csv(browser.get(f"/reports/pl/{YEAR}/budget_topic.csv"))[1:] == [
        ["Literacy in every subject", "2", "300.30"], ["Restorative circles", "1", "0.00"], ["Total", "3", "300.30"]]
    assert browser.get(f"/reports/pl/{YEAR}/../../x.csv").status_code == 404
    index = browser.get("/reports/").data.decode()
    assert f'href="/reports/cycles/{known.this.id}"' in index and f'href="/reports/pl/{YEAR}"' in index
    assert f'href="/reports/cycles/{known.this.id}"' in browser.get("/staff/cycles").data.decode()


def _figure_alts(body: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(body))
    out, todo = [], [reader.trailer["/Root"]["/StructTreeRoot"]]
    while todo:
        node = todo.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                out.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            todo += kids if isinstance(kids, list) else [kids] if kids is not None else []
        elif isinstance(node, list):
            todo += node
    return out


def test_the_pdfs_are_tagged_with_title_language_and_each_chart_named(browser, factory, known):
    _pl_world(factory, known)
    browser.login(factory.user("co_chair", side="BPS"))
    cycle_pdf = browser.get(f"/reports/cycles/{known.this.id}/report.pdf")
    assert cycle_pdf.status_code == 200 and cycle_pdf.mimetype == "application/pdf"
    body = cycle_pdf.data
    assert pdf_is_tagged(body) and pdf_lang(body) == "en" and pdf_title(body) == "Cycle report: This year"
    text = pdf_text(body)
    for words in ("Funding by school", "Cross-school teams", "$6,000.60", "Time in each stage", "Last year",
                  "Reviewer load and timeliness", "Bob Bps"):
        assert words in text
    alts = _figure_alts(body)
    assert len(alts) >= 8 and all(a.startswith("Chart: ") for a in alts)

    pl_pdf = browser.get(f"/reports/pl/{YEAR}/report.pdf").data
    assert pdf_is_tagged(pl_pdf) and pdf_lang(pl_pdf) == "en" and pdf_title(pl_pdf) == f"PL report: {YEAR}"
    assert "Restorative circles" in pdf_text(pl_pdf) and "$300.30" in pdf_text(pl_pdf)


def test_percentiles_are_postgresql_percentile_cont_on_either_database(app_ctx):
    rng = random.Random(13)
    groups = {f"g{n}": [rng.randrange(0, 10 * DAY) for _ in range(n)] for n in (1, 2, 3, 4, 7, 10, 11)}
    parts = [select(literal(k).label("k"), literal(v).label("secs")) for k, vals in groups.items() for v in vals]
    found = spreads(union_all(*parts).subquery(), ("k",))
    for k, vals in groups.items():
        s = found[(k,)]
        want_p90 = Decimal(str(statistics.quantiles(vals, n=10, method="inclusive")[8])) if len(vals) > 1 else vals[0]
        assert s.n == len(vals)
        assert s.median == Decimal(str(statistics.median(vals))), k
        assert abs(s.p90 - Decimal(want_p90)) < Decimal("0.001"), k
    if db.session.get_bind().dialect.name == "postgresql":
        for k, vals in groups.items():
            pg = db.session.execute(
                select(func_percentile(0.5), func_percentile(0.9)).select_from(union_all(*[
                    select(literal(v).label("secs")) for v in vals]).subquery())).one()
            # percentile_cont answers in double precision; ours is exact (tenths of a second at most)
            assert abs(Decimal(str(pg[0])) - found[(k,)].median) < Decimal("0.000001"), k
            assert abs(Decimal(str(pg[1])) - found[(k,)].p90) < Decimal("0.000001"), k


def func_percentile(p: float):
    from sqlalchemy import column, func

    return func.percentile_cont(p).within_group(column("secs"))


def test_only_the_cycles_and_the_years_own_audit_events_are_read(factory, known):
    """SQLite's plan: the audit log is searched by case (``ix_audit_event_case`` on type and id), for the
    cases of the cycles (the year) only; a search by case type alone would read every case's history."""
    from tests.test_query_plans import plan, recorded

    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plans")
    _pl_world(factory, known)
    with recorded() as seen:
        cycle_report.stage_spreads([known.this, known.earlier])
        pl_report.waits(YEAR)
    audits = [line for statement, params in seen for line in plan(statement, params) if "audit_event" in line]
    assert len(audits) == 2 and all("(case_type=? AND case_id=?)" in line for line in audits), audits
