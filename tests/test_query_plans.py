"""The main lists' queries are served by indexes: SQLite's EXPLAIN QUERY PLAN of every SELECT a page runs.

Each page is requested through the test client while a listener records the statements and their
parameters; each SELECT is then explained. A page fails when a plan

- scans a big table whole (``SCAN proposal`` with no index: the table grows with every year), or
- sorts with a temporary B-tree (``USE TEMP B-TREE FOR ORDER BY``) in a paged query (one with LIMIT),
  where an index in the sort's order should hand the rows over already sorted,

and the message names the page, the SQL and the plan. Lists that are not paged (a person's own queue)
may sort the few rows an index found for them.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import ProposalState

# Tables that grow with the years: a full scan of one of them is a page that slows down every year.
BIG = {"proposal", "review_assignment", "criterion_score", "conflict_of_interest", "audit_event", "notification",
       "pl_request", "pl_decision", "decision", "user", "team", "team_member", "outbox_message", "learning_summary",
       "pl_registration", "attachment", "expenditure", "budget_line", "pl_opportunity", "pl_session", "summary_tag"}
FULL_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?$")
SCANNED = re.compile(r"^(?:SCAN|SEARCH) (\w+)")


@contextmanager
def recorded():
    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def plan(statement: str, parameters) -> list[str]:
    rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return [row[-1] for row in rows]


def table(name: str) -> str:
    """The table a plan line names: SQLAlchemy's aliases (``user_1``) name their table plus a number."""
    return re.sub(r"_\d+$", "", name)


def problems(statement: str, lines: list[str]) -> list[str]:
    found = []
    for line in lines:
        m = FULL_SCAN.match(line.strip())
        if m and table(m.group(1)) in BIG:
            found.append(f"full scan of {table(m.group(1))}")
    paged = re.search(r"\bLIMIT\b", statement, re.IGNORECASE)
    sorted_in_temp = any("USE TEMP B-TREE FOR ORDER BY" in line for line in lines)
    reads_big = any((m := SCANNED.match(line.strip())) and table(m.group(1)) in BIG for line in lines)
    if paged and sorted_in_temp and reads_big:
        found.append("a paged query sorted in a temporary B-tree")
    return found


def check_page(browser, url: str, may_sort: bool = False) -> None:
    """The page's statements on a second visit: what the public pages work out once per change (the
    gallery's facets and totals, app/core/changes.py) is not worked out again on every visit."""
    browser.get(url)
    db.session.expire_all()
    with recorded() as seen:
        resp = browser.get(url)
    assert resp.status_code == 200, f"{url}: {resp.status_code}"
    failures = []
    for statement, parameters in seen:
        lines = plan(statement, parameters)
        for problem in problems(statement, lines):
            if may_sort and problem == "a paged query sorted in a temporary B-tree":
                continue
            failures.append(f"{url}: {problem}\n  SQL: {' '.join(statement.split())}\n  plan: " + " | ".join(lines))
    assert not failures, "\n".join(failures)


@pytest.fixture
def sqlite_only(app_ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plans (the embedded default); PostgreSQL has its own planner")


PAGES = [
    # (who, url) - {cycle} is the world's cycle id, {school} a school id
    ("staff", "/staff/proposals"),
    ("staff", "/staff/proposals?page=3"),
    ("staff", "/staff/proposals?cycle=all"),
    ("staff", "/staff/proposals?cycle=all&page=2"),
    ("staff", "/staff/proposals?cycle=all&state=submitted"),
    ("staff", "/staff/proposals?cycle={cycle}&state=in_review"),
    ("staff", "/staff/proposals?cycle=all&grant_type=action"),
    ("staff", "/staff/proposals?cycle=all&school_id={school}"),
    ("co_chair_btu", "/committee/"),
    ("co_chair_btu", "/committee/cycles/{cycle}"),
    ("co_chair_btu", "/committee/cycles/{cycle}?page=2"),
    ("reviewer_btu", "/review/"),
    ("staff", "/pl/queue"),
    ("staff", "/pl/queue?state=submitted"),
    ("staff", "/pl/queue?page=2"),
    ("co_chair_btu", "/pl/queue"),
    ("school_leader", "/pl/queue"),
    ("lead", "/pl/requests"),
    ("lead", "/notifications"),
    ("lead", "/notifications?page=2"),
    ("staff", "/admin/users"),
    ("staff", "/admin/users?page=2"),
    ("staff", "/admin/users?school_id={school}"),
    (None, "/learning"),
    (None, "/learning?page=2"),
    (None, "/learning/feed.atom"),
    (None, "/api/v1/learning-summaries"),
    (None, "/api/v1/learning-summaries?page=2"),
]
# Pages that may sort, in a temporary B-tree, the rows an index found for them: what is still to come in
# the catalog (the index on the last session's end finds it; past PL is never read), and a person's own
# proposals (their teams' few, found by the index on the team).
SORTING = [
    (None, "/catalog/"),
    (None, "/api/v1/pl-opportunities"),
    ("lead", "/proposals/"),
    ("lead", "/proposals/?page=2"),
    # Reports: one cycle's (one school year's) cases by their index, then their audit events by the case's.
    ("staff", "/reports/cycles/{cycle}"),
    ("staff", "/reports/pl/2026-27"),
]


@pytest.mark.parametrize(("who", "url"), PAGES, ids=[f"{w or 'public'}:{u}" for w, u in PAGES])
def test_list_pages_use_indexes(sqlite_only, browser, world, factory, who, url):
    for i in range(3):  # enough rows that a second page exists where the test asks for one
        factory.proposal(world.team, world.cycle, state=ProposalState.SUBMITTED, title=f"Plan proposal {i}")
    db.session.flush()
    if who is not None:
        browser.login(getattr(world, who))
    check_page(browser, url.format(cycle=world.cycle.id, school=world.school.id))


@pytest.mark.parametrize(("who", "url"), SORTING, ids=[f"{w or 'public'}:{u}" for w, u in SORTING])
def test_pages_that_sort_what_an_index_found_scan_nothing_whole(sqlite_only, browser, world, factory, who, url):
    for i in range(3):
        factory.proposal(world.team, world.cycle, state=ProposalState.SUBMITTED, title=f"Plan proposal {i}")
    db.session.flush()
    if who is not None:
        browser.login(getattr(world, who))
    check_page(browser, url.format(cycle=world.cycle.id), may_sort=True)


def test_the_check_catches_a_full_scan_and_a_sort_of_a_big_table():
    """What the check reads in a plan, on plans SQLite gives for the queries this issue fixed."""
    sorted_scan = ["SCAN proposal USING INDEX ix_proposal_team_id", "SEARCH team USING INTEGER PRIMARY KEY (rowid=?)",
                   "USE TEMP B-TREE FOR ORDER BY"]
    assert problems("SELECT ... ORDER BY submitted_at DESC LIMIT ? OFFSET ?", sorted_scan) == [
        "a paged query sorted in a temporary B-tree"]
    assert problems("SELECT count(*) FROM proposal", ["SCAN proposal"]) == ["full scan of proposal"]
    assert problems("SELECT * FROM pl_request JOIN user AS user_1 ON ...", ["SCAN user_1"]) == ["full scan of user"]
    # served by indexes: an ordered index walk, a search; a small table may be sorted
    assert problems("SELECT id FROM proposal ORDER BY x LIMIT ?", ["SCAN proposal USING COVERING INDEX ix_a"]) == []
    assert problems("SELECT * FROM cycle ORDER BY opens_on LIMIT ?", ["SCAN cycle", "USE TEMP B-TREE FOR ORDER BY"]) == []
    # a person's own queue, not paged, may sort what an index found
    assert problems("SELECT * FROM review_assignment WHERE reviewer_id = ? ORDER BY due_on",
                    ["SEARCH review_assignment USING INDEX ix_r (reviewer_id=?)", "USE TEMP B-TREE FOR ORDER BY"]) == []


def test_a_last_page_is_read_backwards_off_the_same_index(sqlite_only, browser, world, factory):
    """The staff list's pages past the middle are read in the reversed order (app.core.paging.SelectPage):
    the index that serves the list's order serves it backwards, with no sort and no scan of the table."""
    from datetime import timedelta

    from sqlalchemy import insert

    from app.core import clock
    from app.models import Proposal

    now = clock.now()
    db.session.execute(insert(Proposal), [
        dict(cycle_id=world.cycle.id, team_id=world.team.id, state=ProposalState.SUBMITTED, title=f"Long list {i}",
             created_by_id=world.team.lead_id, submitted_at=now - timedelta(hours=i), updated_at=now)
        for i in range(130)])
    db.session.flush()
    browser.login(world.staff)
    for url in ("/staff/proposals?cycle=all&page=3", "/staff/proposals?cycle={cycle}&page=3"):
        check_page(browser, url.format(cycle=world.cycle.id))
