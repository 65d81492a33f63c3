"""The home page for my roles: what needs me now, with counts, per role."""
from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest

from app.core import clock
from app.extensions import db
from app.home.dashboard import home_for
from app.models import DecisionOutcome, ProposalState, ReviewStatus
from tests.sqlcount import statements as count_statements

S = ProposalState


def text_of(resp) -> str:
    """The page as a user reads it: tags dropped, whitespace collapsed."""
    html = resp.data.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def section(resp, key: str) -> str:
    """The text of one section of the home page (from its <h2 id=key> to the section's end)."""
    html = resp.data.decode()
    m = re.search(rf'<h2[^>]*id="{key}"[^>]*>.*?</section>', html, flags=re.S)
    assert m, f"no section {key!r} on the page"
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0))).strip())


def h1_count(resp) -> int:
    return len(re.findall(r"<h1[\s>]", resp.data.decode()))


def test_anonymous_is_sent_to_sign_in(browser, app_ctx):
    resp = browser.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_educator_sees_drafts_revisions_waiting_and_decisions(browser, world):
    browser.login(world.member)
    resp = browser.get("/")
    assert resp.status_code == 200
    assert h1_count(resp) == 1
    finish = section(resp, "to_finish")
    # the team's draft and its revisions_requested proposal, with the revision deadline
    assert "Drafts to finish and revisions requested (2)" in finish
    assert "Mather draft proposal" in finish
    assert "Mather revisions_requested proposal" in finish
    deadline = world.cycle.revision_deadline
    assert f"Revise and resubmit by {deadline:%b %-d, %Y}" in finish
    waiting = section(resp, "waiting")
    assert "Submitted and in review (2)" in waiting
    assert "Mather submitted proposal" in waiting and "Mather in_review proposal" in waiting
    decided = section(resp, "decided")
    assert "Decisions received (2)" in decided
    assert "Mather approved proposal" in decided and "Award $10,000.00" in decided
    assert "Mather declined proposal" in decided
    # withdrawn ones are not "needs me now"; the active grant is, with its spending and reports due
    page = text_of(resp)
    assert "Mather withdrawn proposal" not in page
    grants = section(resp, "grants")
    assert "Active grants: spending and reports due (1)" in grants and "Mather active proposal" in grants
    assert "Spent $0.00 of" in grants and "Final report:" in grants
    # only the team lead accepts the agreement: a member has none to accept
    assert "Grant agreements to accept (0)" in section(resp, "agreement")
    # nothing of another team's
    assert "Latin Scientists" not in page


def test_educator_of_another_team_sees_only_their_own(browser, world, factory):
    factory.proposal(world.other_team, world.cycle, title="Latin lab notebooks")
    db.session.commit()
    browser.login(world.outsider)
    finish = section(browser.get("/"), "to_finish")
    assert "(1)" in finish and "Latin lab notebooks" in finish and "Mather" not in finish


def test_revisions_show_what_staff_asked_for(browser, world):
    from app.cases.advance import advance

    p = world.proposals[S.SUBMITTED]
    advance(p, "return_for_revision", world.staff, comment="Name the partner employers.")
    db.session.commit()
    browser.login(world.member)
    finish = section(browser.get("/"), "to_finish")
    assert "Drafts to finish and revisions requested (3)" in finish
    assert "Program staff asked: Name the partner employers." in finish


def test_revisions_the_committee_asked_for_show_its_feedback_not_an_older_staff_comment(browser, world, factory):
    from app.models import AuditEvent, DecisionOutcome

    p = world.proposals[S.REVISIONS_REQUESTED]
    p.feedback = "Tie the plan to the spring assessment."
    decision = factory.decision(p, world.co_chair_btu, outcome=DecisionOutcome.REQUEST_REVISIONS,
                                feedback=p.feedback, confirmed_by=world.co_chair_bps)
    at = clock.now()
    # As advance() records them: staff's return carries its comment; the joint confirmation names its decision.
    for n, (trigger, source, comment, data) in enumerate((
            ("return_for_revision", S.SUBMITTED, "An old staff comment.", {}),
            ("request_revisions", S.IN_REVIEW, "Confirmed by BPS.", {"decision_id": decision.id}))):
        db.session.add(AuditEvent(case_type="proposal", case_id=p.id, trigger=trigger, from_state=source.value,
                                  to_state=S.REVISIONS_REQUESTED.value, actor_id=world.staff.id, comment=comment,
                                  data=data, at=at + timedelta(minutes=n)))
    db.session.commit()
    browser.login(world.member)
    finish = section(browser.get("/"), "to_finish")
    assert "Tie the plan to the spring assessment." in finish
    assert "An old staff comment." not in finish and "Confirmed by BPS." not in finish


def test_revision_deadline_passed_is_marked_in_words(browser, world):
    world.cycle.revision_deadline = clock.today() - timedelta(days=2)
    world.cycle.closes_on = clock.today() - timedelta(days=3)
    db.session.commit()
    browser.login(world.lead)
    finish = section(browser.get("/"), "to_finish")
    assert "Overdue" in finish
    assert f"Revision deadline was {world.cycle.revision_deadline:%b %-d, %Y}" in finish


def test_reviewer_sees_reviews_due_and_overdue_in_text(browser, world, factory):
    today = clock.today()
    one = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW, title="Newcomer math talk")
    two = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW, title="Restorative circles")
    late = factory.assign(one, world.reviewer_unassigned, world.staff)
    late.due_on = today - timedelta(days=3)
    soon = factory.assign(two, world.reviewer_unassigned, world.staff)
    soon.due_on = today + timedelta(days=5)
    soon.status = ReviewStatus.DRAFT
    done = factory.assign(world.in_review, world.reviewer_unassigned, world.staff)
    factory.review(done)  # submitted: not due
    # a proposal they declared a conflict with is not theirs to review
    three = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW, title="Conflicted one")
    factory.assign(three, world.reviewer_unassigned, world.staff)
    factory.conflict(three, world.reviewer_unassigned)
    db.session.commit()

    browser.login(world.reviewer_unassigned)
    resp = browser.get("/")
    due = section(resp, "reviews_due")
    assert "Reviews due (2)" in due
    assert "1 overdue." in due
    assert f"Overdue: was due {late.due_on:%b %-d, %Y} (3 days ago)" in due
    assert f"Due {soon.due_on:%b %-d, %Y} (in 5 days)" in due
    assert "Draft saved" in due
    assert due.index("Newcomer math talk") < due.index("Restorative circles")  # soonest first
    assert "Conflicted one" not in due
    assert world.in_review.title not in due


def test_reviewer_with_everything_submitted_has_nothing_due(browser, world):
    browser.login(world.reviewer_btu)
    due = section(browser.get("/"), "reviews_due")
    assert "Reviews due (0)" in due and "You have no reviews to write." in due


def test_co_chairs_see_decisions_by_side(browser, world, factory):
    pending = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW, title="Pending by BTU")
    for r in (world.reviewer_btu, world.reviewer_bps):
        factory.review(factory.assign(pending, r, world.staff))
    factory.decision(pending, world.co_chair_btu, outcome=DecisionOutcome.APPROVE, award="9000.00")
    db.session.commit()

    browser.login(world.co_chair_bps)
    resp = browser.get("/")
    assert h1_count(resp) == 1
    confirm = section(resp, "to_confirm")
    assert "Decisions waiting for your side's confirmation (1)" in confirm
    assert "Pending by BTU" in confirm and "Proposed outcome: Approve" in confirm
    assert "Award $9,000.00" in confirm and "Recorded by Carla Chair (BTU)" in confirm
    assert "(0)" in section(resp, "mine_waiting")
    # world.in_review has both sides' reviews in and no decision
    ready = section(resp, "ready")
    assert "(1)" in ready and world.in_review.title in ready and "Pending by BTU" not in ready
    assert "BTU 1 of 1 submitted; BPS 1 of 1 submitted" in ready

    browser.reset().login(world.co_chair_btu)
    resp = browser.get("/")
    assert "(0)" in section(resp, "to_confirm")
    mine = section(resp, "mine_waiting")
    assert "(1)" in mine and "Pending by BTU" in mine and "Recorded by you (BTU)" in mine
    assert "Waiting for a BPS co-chair to confirm." in mine


def test_co_chair_ready_list_needs_every_review_on_both_sides(browser, world, factory):
    half = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW, title="Half reviewed")
    factory.review(factory.assign(half, world.reviewer_btu, world.staff))
    factory.assign(half, world.reviewer_bps, world.staff)  # not submitted
    db.session.commit()
    browser.login(world.co_chair_btu)
    ready = section(browser.get("/"), "ready")
    assert "Half reviewed" not in ready


def test_staff_see_screening_missing_reviewers_and_activation(browser, world, factory):
    # a reviewer of world.in_review declares a conflict after review began: one side is short
    factory.conflict(world.in_review, world.reviewer_bps)
    db.session.commit()
    browser.login(world.staff)
    resp = browser.get("/")
    assert h1_count(resp) == 1
    screen = section(resp, "screen")
    assert "Submissions to screen (1)" in screen and "Mather submitted proposal" in screen
    assert "BTU 0 of 1 assigned; BPS 0 of 1 assigned" in screen
    short = section(resp, "short")
    assert "(1)" in short and "Mather in_review proposal" in short and "BPS 0 of 1 assigned" in short
    # the approved grant waits on its team lead (the agreement), not on staff, until it is accepted
    assert "(0)" in section(resp, "activate")
    from app.grants.agreement import accept_agreement

    accept_agreement(world.proposals[ProposalState.APPROVED], world.lead)
    db.session.commit()
    activate = section(browser.get("/"), "activate")
    assert "(1)" in activate and "Mather approved proposal" in activate
    assert "Grant agreement accepted" in activate
    assert "Mather active proposal" not in activate


def test_school_leader_is_told_nothing_needs_them(browser, world):
    browser.login(world.school_leader)
    resp = browser.get("/")
    page = text_of(resp)
    assert h1_count(resp) == 1
    assert "endorse (or return) professional-learning requests" in page
    assert "Nothing needs you now." in page
    assert "No request from your school waits for your endorsement." in section(resp, "pl-panel-title")
    assert "Recommended for you" not in page  # not an educator


def test_school_leader_sees_requests_waiting_for_endorsement(browser, world, factory):
    factory.pl_request(world.lead, "submitted", opportunity=world.learning.paid)
    db.session.commit()
    browser.login(world.school_leader)
    resp = browser.get("/")
    assert "2 requests wait for your endorsement" in section(resp, "pl-panel-title")  # with the world's own
    assert "2 items need your attention." in text_of(resp)


def test_user_with_two_roles_sees_both(browser, world):
    browser.login(world.co_chair_btu)  # co-chair and reviewer
    page = text_of(browser.get("/"))
    assert "As a reviewer" in page and "As a co-chair (BTU side)" in page
    assert "Reviews due (0)" in page


@pytest.mark.parametrize("persona", ["lead", "reviewer_btu", "co_chair_bps", "staff"])
def test_statement_count_does_not_grow_with_proposals(world, factory, persona):
    user = getattr(world, persona)

    def statements() -> list[str]:
        db.session.expire_all()
        with count_statements() as seen:
            home_for(db.session.get(type(user), user.id))
        return seen

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            state = [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.REVISIONS_REQUESTED][i % 5]
            team = world.team if i % 2 else world.other_team
            p = factory.proposal(team, world.cycle, state=state, title=f"Extra {i}")
            if state is S.IN_REVIEW:
                a = factory.assign(p, world.reviewer_btu, world.staff)
                b = factory.assign(p, world.reviewer_bps, world.staff)
                factory.review(a)
                if i % 4 == 2:
                    factory.review(b)
                    factory.decision(p, world.co_chair_btu if i % 8 == 2 else world.co_chair_bps)
        db.session.commit()

    # Some of every kind first, so the baseline already loads every kind of row it shows.
    add(20, 0)
    before = statements()
    add(60, 20)
    after = statements()
    assert len(after) <= len(before), (
        f"{persona}: {len(before)} statements with a few proposals, {len(after)} with 25 more:\n"
        + "\n".join(after))


# -- ASK and CONNECT on the home page --------------------------------------------------------------
def _rated_educator(world, factory):
    """``member`` rated Literacy 5 and Math 4 in the open survey and teaches grades 3-5."""
    lw = world.learning
    world.member.profile_terms = [lw.grade_band]
    factory.response(lw.survey, {lw.topics[1]: 5, lw.topics[2]: 4}, respondent=world.member)
    return lw


def test_educator_sees_top_three_recommendations_with_reasons(browser, world, factory):
    lw = _rated_educator(world, factory)
    both = factory.opportunity("Literacy and math lab", terms=[lw.topics[1], lw.topics[2], lw.grade_band])
    math = factory.opportunity("Math talks", terms=[lw.topics[2]], starts_in_days=3)
    factory.opportunity("Math talks again", terms=[lw.topics[2]], starts_in_days=40)
    factory.opportunity("Past literacy", terms=[lw.topics[1], lw.grade_band], starts_in_days=-1)
    db.session.commit()
    browser.login(world.member)
    resp = browser.get("/")
    assert h1_count(resp) == 1
    rec = section(resp, "recommended-title")
    titles = [t for t in ("Literacy and math lab", "Orton-Gillingham course", "Math talks ", "Math talks again",
                          "Past literacy", "Culturally responsive read-alouds") if t in rec + " "]
    # lab: 6 + 4 + 3; Orton-Gillingham (paid; requested by lead, not member): 6 + 3; Math talks: 4
    assert titles == ["Literacy and math lab", "Orton-Gillingham course", "Math talks "]
    assert rec.index(both.title) < rec.index("Orton-Gillingham") < rec.index(math.title)
    assert (f"You rated Literacy 5 of 5 in the {lw.survey.school_year} needs survey; You rated Math 4 of 5 in the "
            f"{lw.survey.school_year} needs survey; For grades 3-5, your grade band") in rec


def test_educator_without_answers_is_invited_to_the_survey(browser, world):
    assert world.learning.survey is not None
    browser.login(world.outsider)
    resp = browser.get("/")
    assert "answer the needs survey" in section(resp, "recommended-title")
    survey = section(resp, "survey-panel-title")
    assert "Answer the needs survey" in survey and world.learning.survey.title in survey
    assert "You have no open PL request." in section(resp, "pl-panel-title")


def test_educator_sees_their_open_pl_requests(browser, world):
    lw = world.learning
    browser.login(world.lead)
    pl = section(browser.get("/"), "pl-panel-title")
    assert lw.pl_requests["submitted"].display_title in pl and "Waiting for your school leader's endorsement." in pl


def test_home_statement_count_does_not_grow_with_the_catalog(browser, world, factory):
    lw = _rated_educator(world, factory)
    browser.login(world.member)

    def count() -> int:
        db.session.expire_all()
        with count_statements() as seen:
            assert browser.get("/").status_code == 200
        return len(seen)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            o = factory.opportunity(f"Extra {i}", terms=[lw.topics[i % 4], lw.grade_band], capacity=2, sessions=2)
            factory.registration(o, factory.user("educator"))
            if i % 3 == 0:
                factory.pl_request(world.member, "submitted", opportunity=o)
        db.session.commit()

    add(4, 0)
    before = count()
    add(30, 4)
    assert count() <= before


@pytest.mark.parametrize("persona", ["school_leader", "co_chair_bps", "member"])
def test_pl_requests_waiting_statement_count_does_not_grow(world, factory, persona):
    """The PL section (found by the workflow's declaration, kept by app.cases.todo) sends the same
    statements with a few open requests or many, from every school, some with recorded decisions."""
    from app.models import PLDecision, PLDecisionOutcome, PLRequestState

    user = getattr(world, persona)
    P = PLRequestState

    def statements() -> list[str]:
        db.session.expire_all()
        with count_statements() as seen:
            home_for(db.session.get(type(user), user.id))
        return seen

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            state = [P.DRAFT, P.SUBMITTED, P.ENDORSED, P.APPROVED][i % 4]
            r = factory.pl_request(world.member if i % 2 else world.outsider, state=state)
            if state is P.ENDORSED and i % 3 == 0:
                by = world.co_chair_btu
                db.session.add(PLDecision(request=r, outcome=PLDecisionOutcome.APPROVE, feedback="Yes.",
                                          proposed_by_id=by.id, proposed_side=by.side))
        db.session.commit()

    add(12, 0)
    before = statements()
    add(40, 12)
    after = statements()
    assert len(after) <= len(before), f"{persona}: {len(before)} statements, then {len(after)}:\n" + "\n".join(after)
    waiting = next(s for b in home_for(db.session.get(type(user), user.id)) for s in b.sections
                   if s.key == "pl_waiting")
    assert waiting.count > 0
