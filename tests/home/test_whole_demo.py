""""What needs me now" is never wrong, across the whole demo: for every case and every demo user, every
action they may take is on the case page's first screen, what waits on them is on their home page (and
counted there), and nothing appears that they may not take.

"First screen" is concrete: the case page's action panel (``id="actions"``) comes right after the page's
header, before the workflow diagram and the long content (the proposal's sections, budget, files,
timeline; the request's details), so at 1280x800 it is above the fold (the browser journeys in
``tests/browser/test_journey_home.py`` check that with a real layout).

Computed with the engine and the Flask test client on the demo seeded once per run (no browser per case).
"""
from __future__ import annotations

import re
from collections import defaultdict

import pytest
from sqlalchemy import select

from app.cases import permissions, todo
from app.cases.advance import workflow_for
from app.demo.seeder import DEMO_PASSWORD, email_for
from app.extensions import db
from app.home.dashboard import home_for, section_page
from app.models import PLRequest, Proposal, ProposalState, User
from tests.conftest import Browser

S = ProposalState
TASK_RE = re.compile(r'data-task="([a-z_]+)" data-waiting="(yes|no)"')


def _cases() -> list:
    return list(db.session.scalars(select(Proposal).order_by(Proposal.id))) + list(
        db.session.scalars(select(PLRequest).order_by(PLRequest.id)))


def _kind(case) -> str:
    return "pl" if isinstance(case, PLRequest) else "proposal"


def _can_view(user, case) -> bool:
    if isinstance(case, PLRequest):
        return permissions.can_view_pl_request(user, case)
    return permissions.can_view_proposal(user, case)


def _page_url(case) -> str:
    return f"/pl/requests/{case.id}" if isinstance(case, PLRequest) else f"/proposals/{case.id}"


def _home_listing(user) -> tuple[dict[tuple[str, int], set[str]], int]:
    """What the home page lists as waiting on ``user`` (every page of every counted section): the task keys
    each listed case is there for, and the count the page states."""
    listed: dict[tuple[str, int], set[str]] = defaultdict(set)
    total = 0
    for block in home_for(user):
        for section in block.sections:
            if not section.counted:
                continue
            total += section.count
            page, seen = 1, 0
            while True:
                full, pager = section_page(user, section.key, page)
                for item in full.items:
                    listed[("pl" if item.is_pl else "proposal", item.proposal_id)].update(section.tasks)
                seen += len(full.items)
                if not pager.has_next:
                    break
                page += 1
            assert seen == section.count, f"{user.name}: {section.key} counts {section.count}, lists {seen}"
    return listed, total


def _engine_actions(case, user) -> set[str]:
    """What the engine alone says ``user`` may take on ``case`` now (independently of app.cases.todo): each
    transition from the current state whose declared who-check passes; a joint decision as record (when
    none is pending and they may take part) or confirm (the other side's pending decision)."""
    wf = workflow_for(case)
    out = set()
    for t in wf.from_state(wf.state_of(case)):
        if t.is_joint(case):
            continue
        if wf.who_refusal(case, t.trigger, user) is None:
            out.add(t.trigger)
    joint = [t for t in wf.from_state(wf.state_of(case)) if t.is_joint(case)]
    if joint and user.has_role("co_chair") and user.side is not None:
        takes_part = (permissions.can_take_part_in_decision(user, case) if isinstance(case, Proposal)
                      else permissions.can_take_part_in_pl_decision(user))
        pending = case.pending_decision
        if takes_part and pending is None:
            out.add("record_decision")
        elif takes_part and pending.proposed_side != user.side:
            out.add("confirm_decision")
        elif pending is not None and pending.proposed_by_id == user.id:
            out.add("withdraw_decision")
    return out


def _first_screen(html: str) -> str:
    """The action panel, checked to come before the diagram and the long content."""
    start = html.rindex("<section", 0, html.index('id="actions"'))
    for later in ('id="diagram-heading"', 'id="proposal-title"', 'id="request-title"', 'id="timeline-title"'):
        if later in html:
            assert start < html.index(later), f"the action panel comes after {later}"
    header = html.index("<h1")
    assert html[header:start].count("<section") == 0, "nothing but the header comes before the action panel"
    end = html.index("</section>", start)
    return html[start:end]


@pytest.fixture
def people(ctx):
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))


def test_every_demo_user_sees_each_action_on_the_first_screen_and_each_waiting_task_at_home(app, ctx, people):
    cases = _cases()
    client = Browser(app.test_client())
    pages = 0
    waiting_anywhere = defaultdict(int)
    with app.test_request_context():
        for user in people:
            expected: dict[tuple[str, int], set[str]] = {}
            visible = []
            for case in cases:
                tasks = todo.tasks_for(case, user)
                keys = {t.key for t in tasks}
                # the one source agrees with the engine: every transition the declaration lets them take now
                # (and the joint decision) is a task, and nothing else of the workflow is
                engine = _engine_actions(case, user)
                transitions = keys - {d.key for d in todo.DUTIES}
                assert transitions == engine, f"{user.name} on {_kind(case)} {case.id}: {transitions} != {engine}"
                waiting = {t.key for t in tasks if t.waiting}
                if waiting:
                    expected[(_kind(case), case.id)] = waiting
                    for k in waiting:
                        waiting_anywhere[k] += 1
                if tasks or _can_view(user, case):
                    visible.append((case, tasks))
            listed, total = _home_listing(user)
            # the home page lists every case that waits on them, for each task that waits, and nothing else
            for ref, keys in expected.items():
                assert ref in listed, f"{user.name}: {ref} waits on them ({keys}) but is not on their home page"
                assert keys & listed[ref], f"{user.name}: {ref} is listed for {listed[ref]}, waits for {keys}"
            for ref, keys in listed.items():
                assert ref in expected, f"{user.name}: {ref} is on their home page ({keys}) but waits on others"
            assert total == len(listed), f"{user.name}: {total} counted for {len(listed)} cases (one counted twice)"
            # the case pages: the tasks, in the action panel, first
            client.reset().login(user, DEMO_PASSWORD)
            home = client.get("/").get_data(as_text=True)
            if total:
                stated = re.search(r"(\d+) items? needs? your attention", home)
                assert stated and int(stated.group(1)) == total, f"{user.name}: home states {stated and stated[0]}"
            else:
                assert "Nothing needs you now." in home
            for case, tasks in visible:
                if not _can_view(user, case):
                    assert not tasks, f"{user.name} has tasks on {_kind(case)} {case.id} they may not open"
                    continue
                resp = client.get(_page_url(case))
                pages += 1
                assert resp.status_code == 200, f"{user.name}: {_page_url(case)} answered {resp.status_code}"
                shown = dict(TASK_RE.findall(_first_screen(resp.get_data(as_text=True))))
                assert shown == {t.key: ("yes" if t.waiting else "no") for t in tasks}, (
                    f"{user.name} on {_page_url(case)}: the panel shows {shown}, may take {[t.key for t in tasks]}")
    assert pages > 100
    # the demo has something of each kind waiting on someone
    for key in ("accept_agreement", "review", "record_decision", "confirm_decision", "begin_review", "activate",
                "accept_report", "publish", "progress_update", "final_report", "submit", "resubmit", "endorse",
                "approve_payments", "decide_reallocation", "resubmit_expenditure"):
        assert waiting_anywhere[key], f"nothing in the demo waits for {key}"


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.email == email_for(name)))


def test_the_named_bugs_are_fixed(app, ctx):
    client = Browser(app.test_client())
    # Lan Nguyen's approved grant: she accepts the agreement, on the case page and from her home page
    lan = _user("Lan Nguyen")
    home = client.login(lan, DEMO_PASSWORD).get("/").get_data(as_text=True)
    agreement = re.search(r'id="agreement".*?</section>', home, flags=re.S).group(0)
    approved = db.session.scalars(select(Proposal).where(Proposal.state == S.APPROVED)).all()
    hers = [p for p in approved if p.team.lead_id == lan.id]
    assert hers and f'data-proposal-id="{hers[0].id}"' in agreement
    page = client.get(f"/proposals/{hers[0].id}").get_data(as_text=True)
    assert "There is nothing for you to do" not in page
    assert 'data-task="accept_agreement" data-waiting="yes"' in _first_screen(page)
    # a co-chair on a proposal in review with all its reviews in: "Record a decision" on the first screen
    chair = _user("David Chen")
    ready = [p for p in db.session.scalars(select(Proposal).where(Proposal.state == S.IN_REVIEW))
             if p.pending_decision is None and not permissions.is_conflicted(chair, p)]
    assert ready
    page = client.reset().login(chair, DEMO_PASSWORD).get(f"/proposals/{ready[0].id}").get_data(as_text=True)
    assert "Record a decision" in _first_screen(page)
    # staff: final reports to review, summaries to check or publish
    staff = _user("Rosa Delgado")
    home = client.reset().login(staff, DEMO_PASSWORD).get("/").get_data(as_text=True)
    for key in ("final_reports", "summaries"):
        assert re.search(rf'id="{key}"[^>]*>[^<]*\((\d+)\)', home), key
    # a team lead with an active grant: spending and reports due
    carlos = _user("Carlos Mendes")
    home = client.reset().login(carlos, DEMO_PASSWORD).get("/").get_data(as_text=True)
    grants = re.search(r'id="grants".*?</section>', home, flags=re.S).group(0)
    assert "Spent $" in grants and "Progress update" in grants and "Final report" in grants
