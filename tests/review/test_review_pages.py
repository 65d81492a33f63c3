"""Reviewers: the queue, scoring (draft, submit, bad input), declaring a conflict and what it hides."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import (
    AuditEvent,
    ConflictOfInterest,
    CriterionScore,
    ProposalState,
    Recommendation,
    ReviewAssignment,
    ReviewStatus,
)

S = ProposalState


def text(resp) -> str:
    """The page as a user reads it: entities decoded, runs of white space as one space."""
    return re.sub(r"\s+", " ", html.unescape(resp.get_data(as_text=True)))


def _radio_checked(page: str, name: str, value: str) -> bool:
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag and "checked" in tag:
            return True
    return False


def events(proposal, trigger):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == proposal.id, AuditEvent.trigger == trigger)
    ).all()


@pytest.fixture
def fresh(world, factory):
    """A proposal in review with a fresh (not started) assignment for a new BTU reviewer."""
    reviewer = factory.user("reviewer", name="Nia Newreviewer", email="nia@example.org", side="BTU")
    p = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW, title="Latin lab notebooks")
    a = factory.assign(p, reviewer, world.staff)
    db.session.commit()
    return p, a, reviewer


def criteria_ids(world):
    return [c.id for c in world.cycle.criteria]


# -- the queue --------------------------------------------------------------------------------
def test_queue_lists_my_assignments_with_status_due_and_cycle(browser, world, factory):
    r = world.reviewer_btu
    ahead = factory.proposal(world.other_team, world.cycle, state=S.SUBMITTED, title="Assigned ahead of review")
    factory.assign(ahead, r, world.staff)
    late = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW, title="An overdue one")
    a = factory.assign(late, r, world.staff)
    a.due_on = clock.today() - timedelta(days=2)
    db.session.commit()

    page = text(browser.login(r).get("/review/"))
    assert "Mather in_review proposal" in page
    assert "Assigned ahead of review" in page and "Scoring opens when review begins" in page
    assert "An overdue one" in page and "(overdue)" in page
    assert "Not started" in page and "Submitted" in page
    assert world.cycle.name in page
    assert f'href="/review/proposals/{late.id}"' in page
    # decided proposals are not in the queue
    assert "Mather approved proposal" not in page
    assert "Mather revisions_requested proposal" not in page


def test_queue_is_empty_for_an_unassigned_reviewer(browser, world):
    page = text(browser.login(world.reviewer_unassigned).get("/review/"))
    assert "You have no review assignments right now." in page


# -- scoring ------------------------------------------------------------------------------------
def test_the_review_page_shows_the_proposal_beside_the_rubric(browser, world, fresh):
    p, a, reviewer = fresh
    p.challenge = "Half of our ninth graders lose a lab notebook by November."
    p.plan = "Weekly notebook circles in every science section."
    db.session.commit()
    browser.login(reviewer)
    raw = browser.get(f"/review/proposals/{p.id}").get_data(as_text=True)
    page = text(browser.get(f"/review/proposals/{p.id}"))
    # one page: the proposal's sections, budget and team, then the rubric form, in two columns on wide screens
    beside = raw[raw.index('id="the-proposal"'):raw.index('id="rubric-title"')]
    assert "Half of our ninth graders lose a lab notebook" in beside and "Weekly notebook circles" in beside
    for line in p.budget_lines:
        assert html.escape(line.description) in beside
    for member in p.team.members:
        assert html.escape(member.name) in beside
    assert raw.count('class="col-lg-6"') == 2 and raw.index('id="the-proposal"') < raw.index("<form method=\"post\" novalidate>")
    assert "Focus on students (weight 2)" in page and page.count("<h1") == 1
    # a refused form keeps the proposal beside it and its summary at the top
    resp = browser.post(f"/review/proposals/{p.id}", {"submit_review": "Submit review"})
    assert resp.status_code == 422
    raw = resp.get_data(as_text=True)
    assert "Weekly notebook circles" in raw and raw.index("error-summary") < raw.index('id="the-proposal"')


def test_save_draft_keeps_partial_input(browser, world, fresh):
    p, a, reviewer = fresh
    c1, c2, c3 = criteria_ids(world)
    browser.login(reviewer)
    form = browser.get(f"/review/proposals/{p.id}")
    assert form.status_code == 200
    page = text(form)
    # radio buttons labelled with the criterion's name and description
    assert 'type="radio"' in page and "Focus on students (weight 2)" in page and "How well: focus on students" in page
    resp = browser.post(f"/review/proposals/{p.id}", {f"score_{c1}": "3", f"comment_{c1}": "Clear focus.",
                                                      "save": "Save draft"})
    assert resp.status_code == 302
    db.session.expire_all()
    a = db.session.get(ReviewAssignment, a.id)
    assert a.status is ReviewStatus.DRAFT
    assert a.score_for(c1).score == 3 and a.score_for(c1).comment == "Clear focus."
    assert a.score_for(c2) is None and a.recommendation is None
    page = text(browser.get(f"/review/proposals/{p.id}"))
    assert _radio_checked(page, f"score_{c1}", "3")
    assert not _radio_checked(page, f"score_{c2}", "3")
    assert "Clear focus." in page
    assert not events(p, "submit_review")


def test_submit_needs_every_criterion_and_a_recommendation(browser, world, fresh):
    p, a, reviewer = fresh
    c1, c2, c3 = criteria_ids(world)
    browser.login(reviewer)
    resp = browser.post(f"/review/proposals/{p.id}", {f"score_{c1}": "4", f"comment_{c2}": "Needs a calendar.",
                                                      "comments": "Promising.", "submit_review": "Submit review", "confirm_step": "yes"})
    assert resp.status_code == 422
    page = text(resp)
    # Each problem once: the two unscored criteria and the recommendation, beside their fields and
    # linked from the summary (the radio groups' links lead to their first radio).
    assert "There are 3 problems to fix" in page
    assert page.count("Score “Feasible plan” before submitting.") == 2
    assert page.count("Score “Sharing the learning” before submitting.") == 2
    assert page.count("Choose a recommendation before submitting.") == 2
    assert f'href="#score_{c2}-0"' in page and 'href="#recommendation-0"' in page
    assert "Needs a calendar." in page and "Promising." in page  # input kept
    assert _radio_checked(page, f"score_{c1}", "4")
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, a.id).status is ReviewStatus.ASSIGNED
    assert not events(p, "submit_review")


def test_submit_review_then_it_is_read_only(browser, world, fresh):
    p, a, reviewer = fresh
    c1, c2, c3 = criteria_ids(world)
    browser.login(reviewer)
    data = {f"score_{c1}": "4", f"score_{c2}": "3", f"score_{c3}": "2", "recommendation": "fund_with_changes",
            "comments": "Tighten the timeline.", "submit_review": "Submit review", "confirm_step": "yes"}
    resp = browser.post(f"/review/proposals/{p.id}", data, follow_redirects=True)
    assert resp.status_code == 200 and "is submitted" in text(resp)
    db.session.expire_all()
    a = db.session.get(ReviewAssignment, a.id)
    assert a.status is ReviewStatus.SUBMITTED and a.submitted_at is not None
    assert a.recommendation is Recommendation.FUND_WITH_CHANGES
    assert [a.score_for(c).score for c in (c1, c2, c3)] == [4, 3, 2]
    (event,) = events(p, "submit_review")
    assert event.actor_id == reviewer.id
    assert set(event.data) == {"assignment_id", "side"}  # no scores in the audit trail

    page = text(browser.get(f"/review/proposals/{p.id}"))
    assert "You have submitted this review; it can no longer be changed." in page
    assert 'type="radio"' not in page and "Tighten the timeline." in page
    again = browser.post(f"/review/proposals/{p.id}", {**data, f"score_{c1}": "1"})
    assert again.status_code == 422
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, a.id).score_for(c1).score == 4
    assert len(events(p, "submit_review")) == 1


@pytest.mark.parametrize("field,value,message", [
    ("score", "5", "1, 2, 3 or 4"),
    ("score", "0", "1, 2, 3 or 4"),
    ("score", "abc", "1, 2, 3 or 4"),
    ("comment", "x" * 2001, "Keep each comment to 2,000 characters."),
    ("recommendation", "maybe", "Choose fund, fund with changes or do not fund."),
    ("comments", "y" * 10001, "Keep the comments to 10,000 characters."),
])
def test_bad_review_input_is_refused_and_kept(browser, world, fresh, field, value, message):
    p, a, reviewer = fresh
    c1, c2, c3 = criteria_ids(world)
    data = {f"comment_{c2}": "Kept comment.", "save": "Save draft"}
    name = {"score": f"score_{c1}", "comment": f"comment_{c1}"}.get(field, field)
    data[name] = value
    resp = browser.login(reviewer).post(f"/review/proposals/{p.id}", data)
    assert resp.status_code == 422
    page = text(resp)
    assert message in page and "Kept comment." in page
    db.session.expire_all()
    a = db.session.get(ReviewAssignment, a.id)
    assert a.status is ReviewStatus.ASSIGNED and not a.scores


def test_scoring_only_while_in_review(browser, world, factory):
    p = factory.proposal(world.other_team, world.cycle, state=S.SUBMITTED, title="Not yet in review")
    factory.assign(p, world.reviewer_btu, world.staff)
    db.session.commit()
    browser.login(world.reviewer_btu)
    page = text(browser.get(f"/review/proposals/{p.id}"))
    assert "Scoring opens when staff begin the review of this proposal." in page
    assert 'type="radio"' not in page
    c1 = world.cycle.criteria[0].id
    resp = browser.post(f"/review/proposals/{p.id}", {f"score_{c1}": "3", "save": "Save draft"})
    assert resp.status_code == 422
    assert db.session.scalar(select(CriterionScore).join(ReviewAssignment).where(
        ReviewAssignment.proposal_id == p.id)) is None


def test_another_reviewer_cannot_score(browser, world, fresh):
    p, a, reviewer = fresh
    assert browser.login(world.reviewer_bps).get(f"/review/proposals/{p.id}").status_code == 403


# -- conflicts ---------------------------------------------------------------------------------
def test_declare_conflict_recuses_the_reviewer(browser, world, fresh):
    p, a, reviewer = fresh
    browser.login(reviewer)
    assert "Reason for the conflict of interest" in text(browser.get(f"/review/proposals/{p.id}/conflict"))
    resp = browser.post(f"/review/proposals/{p.id}/conflict", {"reason": "I coach the team lead's daughter."},
                        follow_redirects=True)
    page = text(resp)
    assert "Conflict declared" in page
    assert "Recused (conflict declared)" in page  # the queue
    assert f'href="/review/proposals/{p.id}"' not in page
    (coi,) = db.session.scalars(select(ConflictOfInterest).where(ConflictOfInterest.proposal_id == p.id)).all()
    assert coi.user_id == reviewer.id and coi.reason == "I coach the team lead's daughter."
    (event,) = events(p, "declare_conflict")
    assert event.comment == "Reviewer recused"
    assert event.data["reason"] == "I coach the team lead's daughter."
    db.session.expire_all()
    assert db.session.get(type(p), p.id).assigned_reviewer_counts().get("BTU", 0) == 0
    # the review form is closed to them now
    assert browser.get(f"/review/proposals/{p.id}").status_code == 403

    # declaring twice: a message, no second record
    again = browser.post(f"/review/proposals/{p.id}/conflict", {"reason": "Again."}, follow_redirects=True)
    assert "You have already declared a conflict of interest with this proposal" in text(again)
    assert len(db.session.scalars(select(ConflictOfInterest).where(ConflictOfInterest.proposal_id == p.id)).all()) == 1
    assert len(events(p, "declare_conflict")) == 1
    assert "You declared a conflict of interest with this proposal on" in text(
        browser.get(f"/review/proposals/{p.id}/conflict"))


@pytest.mark.parametrize("reason,message", [
    ("", "Give the reason for the conflict of interest."),
    ("   ", "Give the reason for the conflict of interest."),
    ("z" * 2001, "Keep the reason to 2,000 characters."),
])
def test_conflict_needs_a_reason(browser, world, fresh, reason, message):
    p, a, reviewer = fresh
    resp = browser.login(reviewer).post(f"/review/proposals/{p.id}/conflict", {"reason": reason})
    assert resp.status_code == 422
    page = text(resp)
    assert message in page
    if reason.strip():
        assert reason in page  # kept
    assert not db.session.scalars(select(ConflictOfInterest)).all()


def test_conflict_hides_scores_on_the_case_page(browser, world):
    p = world.in_review
    browser.login(world.co_chair_bps)
    page = text(browser.get(f"/proposals/{p.id}"))
    assert "Mean weighted score" in page and "Rita Btu (BTU)" in page and "overall <strong>3.00</strong>" in page

    browser.reset().login(world.co_chair_btu)
    page = text(browser.get(f"/proposals/{p.id}"))
    assert "Rita Btu (BTU)" in page  # before the conflict, the BTU co-chair sees the reviews too
    browser.post(f"/review/proposals/{p.id}/conflict", {"reason": "Former colleague."})
    page = text(browser.get(f"/proposals/{p.id}"))
    assert "You are recused: its reviews, scores and ranking are hidden from you." in page
    assert "Mean weighted score" not in page and "Rita Btu (BTU)" not in page and "3.00" not in page

    browser.reset().login(world.co_chair_bps)
    assert "Mean weighted score" in text(browser.get(f"/proposals/{p.id}"))


def test_review_panel_for_the_assigned_reviewer_and_nothing_for_the_team(browser, world, fresh):
    p, a, reviewer = fresh
    page = text(browser.login(reviewer).get(f"/proposals/{p.id}"))
    assert "My review: <strong>Not started</strong>" in page
    assert f'href="/review/proposals/{p.id}"' in page and f'href="/review/proposals/{p.id}/conflict"' in page
    assert "Mean weighted score" not in page  # a reviewer does not see the others' scores

    page = text(browser.reset().login(world.outsider).get(f"/proposals/{p.id}"))
    assert 'id="review-panel"' not in page
