"""Program staff: cycles and their rubric, the staff proposal list, screening and the staff panel."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import render_template
from sqlalchemy import func, select

from app.cases import advance as workflow
from app.cases.panels import proposal_panels
from app.extensions import db
from app.models import (
    AuditEvent,
    CriterionScore,
    Cycle,
    GrantType,
    ProposalState,
    ReviewAssignment,
    RubricCriterion,
)
from workflows import TransitionRefused

S = ProposalState


def text(resp) -> str:
    return resp.get_data(as_text=True)


def cycle_form(**over) -> dict:
    data = {
        "name": "2027-28 Teacher Leadership Fund", "opens_on": "2027-09-01", "closes_on": "2027-11-01",
        "revision_deadline": "2027-12-01", "review_due_on": "2027-11-20", "pool": "300000",
        "max_award": "15000", "reviews_per_side": "2",
        "criteria-0-position": "1", "criteria-0-name": "Focus on students", "criteria-0-weight": "2",
        "criteria-0-description": "Who the work is for",
        "criteria-1-position": "2", "criteria-1-name": "Feasible plan", "criteria-1-weight": "1",
        "criteria-2-position": "3", "criteria-2-name": "", "criteria-2-weight": "",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def edit_form(cycle: Cycle, **over) -> dict:
    data = {
        "name": cycle.name, "opens_on": cycle.opens_on.isoformat(), "closes_on": cycle.closes_on.isoformat(),
        "revision_deadline": cycle.revision_deadline.isoformat(), "review_due_on": cycle.review_due_on.isoformat(),
        "pool": str(cycle.pool), "max_award": str(cycle.max_award), "reviews_per_side": str(cycle.reviews_per_side),
    }
    for i, c in enumerate(cycle.criteria):
        data.update({f"criteria-{i}-id": str(c.id), f"criteria-{i}-position": str(i + 1),
                     f"criteria-{i}-name": c.name, f"criteria-{i}-description": c.description,
                     f"criteria-{i}-weight": str(c.weight)})
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def cycle_count() -> int:
    return db.session.scalar(select(func.count(Cycle.id)))


@pytest.fixture
def staff(browser, world):
    browser.login(world.staff)
    return browser


# -- cycles --------------------------------------------------------------------------------------
def test_new_cycle_starts_from_the_programs_figures(staff):
    page = text(staff.get("/staff/cycles/new"))
    assert 'value="300000.00"' in page
    assert 'value="15000.00"' in page
    assert page.count("<h1") == 1


def test_create_a_cycle_with_a_rubric_in_the_order_typed(staff, world):
    data = cycle_form(**{"criteria-0-position": "2", "criteria-1-position": "1"})
    resp = staff.post("/staff/cycles/new", data)
    assert resp.status_code == 302, text(resp)[:2000]
    cycle = db.session.scalar(select(Cycle).where(Cycle.name == "2027-28 Teacher Leadership Fund"))
    assert cycle.pool == Decimal("300000.00") and cycle.max_award == Decimal("15000.00")
    assert cycle.reviews_per_side == 2
    assert [(c.name, c.weight) for c in cycle.criteria] == [("Feasible plan", Decimal("1.00")),
                                                            ("Focus on students", Decimal("2.00"))]
    listing = text(staff.get("/staff/cycles"))
    assert "2027-28 Teacher Leadership Fund" in listing and "2 criteria" in listing


def _typed_values(page: str) -> dict[str, str]:
    """What the page's form holds, as a browser would send it back (text inputs and text areas)."""
    import html
    import re
    values = {m[1]: html.unescape(m[2]) for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
              if 'type="checkbox"' not in m[0]}  # an unticked box is not sent
    values.update({m[1]: html.unescape(m[2]).lstrip("\r\n")
                   for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)})
    return {k: v for k, v in values.items() if k != "csrf_token"}


def test_a_new_cycle_copies_the_last_cycles_rubric(staff, world):
    last = world.cycle
    last.criteria[0].description = "Who the work is for, named plainly."
    db.session.commit()
    page = text(staff.get("/staff/cycles/new"))
    assert f"The rubric is copied from <strong>{last.name}</strong>" in page
    typed = _typed_values(page)
    copied = [(typed[f"criteria-{i}-name"], Decimal(typed[f"criteria-{i}-weight"]))
              for i in range(len(last.criteria))]
    assert copied == [(c.name, c.weight) for c in last.criteria]
    assert typed["criteria-0-description"] == "Who the work is for, named plainly."
    assert not any(typed.get(f"criteria-{i}-id") for i in range(len(last.criteria)))  # new criteria, not the old

    # the staff member keeps it, removes one criterion and adds one, then creates the cycle
    n = len(last.criteria)
    cycle_fields = {k: v for k, v in cycle_form().items() if not k.startswith("criteria-")}
    data = {**typed, **cycle_fields, "criteria-1-remove": "y",
            f"criteria-{n}-name": "Shared learning", f"criteria-{n}-weight": "1.5"}
    resp = staff.post("/staff/cycles/new", data)
    assert resp.status_code == 302, text(resp)[:3000]
    new = db.session.scalar(select(Cycle).where(Cycle.name == "2027-28 Teacher Leadership Fund"))
    kept = [c for i, c in enumerate(last.criteria) if i != 1]
    assert [(c.name, c.weight, c.description) for c in new.criteria] == (
        [(c.name, c.weight, c.description) for c in kept] + [("Shared learning", Decimal("1.50"), "")])
    assert not {c.id for c in new.criteria} & {c.id for c in last.criteria}
    db.session.refresh(last)
    assert len(last.criteria) == len(kept) + 1  # the old cycle's rubric is untouched


def test_a_new_cycle_can_start_with_an_empty_rubric(staff, world):
    page = text(staff.get("/staff/cycles/new?rubric=blank"))
    typed = _typed_values(page)
    assert not any(v for k, v in typed.items() if k.endswith("-name"))
    assert "The rubric starts empty." in page and "Copy the last cycle's rubric instead" in page


def test_money_may_be_typed_with_dollar_sign_and_commas(staff, world):
    resp = staff.post("/staff/cycles/new", cycle_form(pool="$250,000", max_award="12,500.50"))
    assert resp.status_code == 302, text(resp)[:2000]
    cycle = db.session.scalar(select(Cycle).where(Cycle.name == "2027-28 Teacher Leadership Fund"))
    assert (cycle.pool, cycle.max_award) == (Decimal("250000.00"), Decimal("12500.50"))


@pytest.mark.parametrize("over,message,kept", [
    ({"name": ""}, "Give the cycle a name.", None),
    ({"name": "x" * 121}, "Keep the name to 120 characters or fewer.", "x" * 121),
    ({"pool": "lots"}, "Enter an amount in dollars", 'value="lots"'),
    ({"pool": "-5"}, "The budget pool cannot be negative.", 'value="-5"'),
    ({"pool": "NaN"}, "Enter an amount in dollars", 'value="NaN"'),
    ({"max_award": "-100"}, "The maximum award must be more than $0.00.", 'value="-100"'),
    ({"max_award": "0.001"}, "The maximum award must be more than $0.00.", 'value="0.001"'),
    ({"pool": "1e400"}, "The budget pool is too large", 'value="1e400"'),
    ({"pool": "9" * 40}, "The budget pool is too large", "9" * 40),
    ({"reviews_per_side": "9" * 40}, "Each side completes from 1 to 10 reviews.", None),
    ({"criteria-1-weight": "0.001"}, "The weight must be more than 0.", None),
    ({"criteria-1-weight": "1e9"}, "The weight must be 1,000 or less.", None),
    ({"criteria-1-position": "x"}, "Enter a whole number", 'value="x"'),
    ({"max_award": "ten thousand"}, "Enter an amount in dollars", 'value="ten thousand"'),
    ({"max_award": "500000"}, "The maximum award of $500,000.00 is more than the whole budget pool of "
                              "$300,000.00.", 'value="500000"'),
    ({"pool": ""}, "Enter the budget pool.", None),
    ({"closes_on": "2027-08-01"}, "The cycle cannot close (August 1, 2027) before it opens (September 1, 2027).",
     'value="2027-08-01"'),
    ({"revision_deadline": "2027-10-01"}, "The revision deadline (October 1, 2027) cannot be before the cycle "
                                          "closes (November 1, 2027).", 'value="2027-10-01"'),
    ({"opens_on": "01/09/2027"}, "Enter a date as YYYY-MM-DD", 'value="01/09/2027"'),
    ({"opens_on": ""}, "Enter the date the cycle opens.", None),
    ({"reviews_per_side": "0"}, "Each side completes from 1 to 10 reviews.", None),
    ({"reviews_per_side": "two"}, "Enter a whole number, like 2.", 'value="two"'),
    ({"criteria-0-name": "", "criteria-0-weight": "", "criteria-0-description": "", "criteria-1-name": "",
      "criteria-1-weight": ""}, "The rubric needs at least one criterion", None),
    ({"criteria-1-name": "focus on Students"}, "Two criteria are called", 'value="focus on Students"'),
    ({"criteria-1-weight": "0"}, "The weight must be more than 0.", None),
    ({"criteria-1-weight": "-1"}, "The weight must be more than 0.", None),
    ({"criteria-1-weight": "heavy"}, "Enter the weight as a number", 'value="heavy"'),
    ({"criteria-1-weight": ""}, "Give the criterion a weight", 'value="Feasible plan"'),
    ({"criteria-1-name": "", "criteria-1-weight": "3"}, "Give the criterion a name.", 'value="3"'),
    ({"criteria-1-name": "n" * 121}, "Keep the criterion", "n" * 121),
])
def test_bad_cycle_input_is_refused_and_kept(staff, world, over, message, kept):
    before = cycle_count()
    resp = staff.post("/staff/cycles/new", cycle_form(**over))
    page = text(resp)
    assert resp.status_code == 422
    assert message in page
    assert "There is a problem" in page or "problems to fix" in page
    assert "criteria-0-name" in over or 'value="Focus on students"' in page  # the rubric is kept
    if kept:
        assert kept in page
    assert cycle_count() == before


def test_cycle_name_taken(staff, world):
    resp = staff.post("/staff/cycles/new", cycle_form(name=world.cycle.name.upper()))
    assert resp.status_code == 422
    assert "There is already a cycle called" in text(resp)


def test_edit_cycle_page_lists_the_rubric_with_spare_rows(staff, world):
    page = text(staff.get(f"/staff/cycles/{world.cycle.id}/edit"))
    for c in world.cycle.criteria:
        assert f'value="{c.name}"' in page
    assert 'name="criteria-5-name"' in page  # three criteria + three spare rows
    assert "Scored; cannot be removed" in page  # the world's reviews scored every criterion


def test_edit_keeps_criterion_identity_so_scores_stay(staff, world):
    cycle = world.cycle
    first = cycle.criteria[0]
    scores_before = db.session.scalar(select(func.count(CriterionScore.id)).where(
        CriterionScore.criterion_id == first.id))
    assert scores_before > 0
    data = edit_form(cycle, **{"criteria-0-name": "Focus on historically marginalized students",
                               "criteria-0-weight": "3", "criteria-0-position": "3",
                               "criteria-2-position": "1",
                               "criteria-3-name": "Sharing beyond the school", "criteria-3-weight": "1",
                               "criteria-3-position": "4"})
    resp = staff.post(f"/staff/cycles/{cycle.id}/edit", data)
    assert resp.status_code == 302, text(resp)[:3000]
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle.id)
    names = [c.name for c in cycle.criteria]
    assert names == ["Sharing the learning", "Feasible plan", "Focus on historically marginalized students",
                     "Sharing beyond the school"]
    renamed = db.session.get(RubricCriterion, first.id)
    assert renamed.name == "Focus on historically marginalized students" and renamed.weight == Decimal("3.00")
    assert db.session.scalar(select(func.count(CriterionScore.id)).where(
        CriterionScore.criterion_id == first.id)) == scores_before


def test_removing_a_scored_criterion_is_refused(staff, world):
    cycle = world.cycle
    first = cycle.criteria[0]
    resp = staff.post(f"/staff/cycles/{cycle.id}/edit", edit_form(cycle, **{"criteria-0-remove": "y"}))
    assert resp.status_code == 422
    assert f"The criterion “{first.name}” already has reviewers' scores, so it cannot be removed." \
        in text(resp).replace("&#39;", "'")
    db.session.expire_all()
    assert db.session.get(RubricCriterion, first.id) is not None


def test_removing_an_unscored_criterion(staff, factory, world):
    cycle = factory.cycle("Spring pilot")
    db.session.commit()
    gone = cycle.criteria[1]
    resp = staff.post(f"/staff/cycles/{cycle.id}/edit", edit_form(cycle, **{"criteria-1-remove": "y"}))
    assert resp.status_code == 302, text(resp)[:2000]
    db.session.expire_all()
    assert db.session.get(RubricCriterion, gone.id) is None
    assert [c.name for c in db.session.get(Cycle, cycle.id).criteria] == ["Focus on students",
                                                                          "Sharing the learning"]


def test_a_row_from_another_cycle_is_refused(staff, factory, world):
    other = factory.cycle("Other cycle")
    db.session.commit()
    data = edit_form(world.cycle, **{"criteria-0-id": str(other.criteria[0].id)})
    resp = staff.post(f"/staff/cycles/{world.cycle.id}/edit", data)
    assert resp.status_code == 422
    assert "not part of this cycle" in text(resp)


def test_pool_cannot_drop_below_what_is_awarded(staff, world):
    resp = staff.post(f"/staff/cycles/{world.cycle.id}/edit", edit_form(world.cycle, pool="20000",
                                                                          max_award="15000"))
    assert resp.status_code == 422
    assert "$50,000.00 has already been awarded in this cycle" in text(resp)
    db.session.expire_all()
    assert db.session.get(Cycle, world.cycle.id).pool == Decimal("300000.00")


# -- the staff proposal list -----------------------------------------------------------------------
def test_staff_list_shows_the_current_cycle_with_tallies(staff, factory, world):
    old = factory.cycle("2020-21 Teacher Leadership Fund", opens_on=date(2020, 9, 1), closes_on=date(2020, 11, 1),
                        revision_deadline=date(2020, 12, 1))
    factory.proposal(world.other_team, old, state=S.SUBMITTED, title="An old proposal")
    db.session.commit()
    page = text(staff.get("/staff/proposals"))
    assert "Mather in_review proposal" in page
    assert "An old proposal" not in page  # default: the current cycle
    assert "Mather Readers" in page and "Mather Elementary" in page
    assert "BTU: 1 of 1 assigned, 1 submitted" in page
    assert f"/proposals/{world.in_review.id}" in page
    everything = text(staff.get("/staff/proposals?cycle=all"))
    assert "An old proposal" in everything
    only_old = text(staff.get(f"/staff/proposals?cycle={old.id}"))
    assert "An old proposal" in only_old and "Mather in_review proposal" not in only_old


def test_staff_list_filters(staff, factory, world):
    p = factory.proposal(world.other_team, world.cycle, state=S.SUBMITTED, title="Latin lab notebooks",
                         grant_type=GrantType.STUDY)
    db.session.commit()
    by_state = text(staff.get("/staff/proposals?state=submitted"))
    assert "Latin lab notebooks" in by_state and "Mather submitted proposal" in by_state
    assert "Mather draft proposal" not in by_state
    by_school = text(staff.get(f"/staff/proposals?school_id={world.other_school.id}"))
    assert "Latin lab notebooks" in by_school and "Mather submitted proposal" not in by_school
    by_type = text(staff.get("/staff/proposals?grant_type=study"))
    assert "Latin lab notebooks" in by_type and "Mather submitted proposal" not in by_type
    by_text = text(staff.get("/staff/proposals?q=latin+SCIENTISTS"))  # the team's name
    assert "Latin lab notebooks" in by_text and "Mather" not in by_text.split("<table", 1)[-1]
    by_title = text(staff.get("/staff/proposals?q=notebooks"))
    assert f'data-proposal-id="{p.id}"' in by_title and "1 proposal." in by_title
    huge = staff.get("/staff/proposals?page=" + "9" * 40)
    assert huge.status_code == 200 and "proposals" in text(huge).split('id="result-count"', 1)[1][:40]
    bad = staff.get("/staff/proposals?state=nonsense&school_id=abc&page=-3")
    assert bad.status_code == 200 and "Choose a state from the list." in text(bad)


def test_staff_list_paginates_50_a_page(staff, factory, world):
    for i in range(55):
        factory.proposal(world.other_team, world.cycle, state=S.SUBMITTED, title=f"Bulk proposal {i:02d}")
    db.session.commit()
    first = text(staff.get("/staff/proposals?state=submitted"))
    assert "56 proposals; showing 1–50." in first
    assert first.count('data-proposal-id="') == 50
    second = text(staff.get("/staff/proposals?state=submitted&page=2"))
    assert second.count('data-proposal-id="') == 6
    assert "state=submitted" in second  # the page links keep the filters


# -- screening -----------------------------------------------------------------------------------
def test_screening_page_shows_candidates_by_side_with_load_and_conflicts(staff, factory, world):
    p = world.proposals[S.SUBMITTED]
    factory.conflict(p, world.co_chair_btu, reason="I coached this team last year.")
    db.session.commit()
    page = text(staff.get(f"/staff/proposals/{p.id}/reviewers"))
    btu, bps = page.split("BTU reviewers", 1)[1].split("BPS reviewers", 1)
    assert "Rita Btu" in btu and "Una Unassigned" in btu and "Carla Chair" in btu and "Ray Bps" not in btu
    assert "Ray Bps" in bps and "Colin Chair" in bps
    # Rita reviews every world proposal from in_review on: eight in this cycle.
    rita_row = btu.split("Rita Btu", 1)[1].split("</tr>", 1)[0]
    assert "8 proposals" in rita_row
    carla_row = btu.split("Carla Chair", 1)[1].split("</tr>", 1)[0]
    assert "Conflict declared" in carla_row and "I coached this team last year." in carla_row
    assert f'value="{world.co_chair_btu.id}"' not in page  # no checkbox for a conflicted candidate
    assert "BTU: 0 of 1 assigned, BPS: 0 of 1 assigned" in page
    assert page.count("<h1") == 1


def test_assign_reviewers_records_audit_events(staff, world):
    p = world.proposals[S.SUBMITTED]
    resp = staff.post(f"/staff/proposals/{p.id}/reviewers",
                      {"reviewers": [str(world.reviewer_unassigned.id), str(world.reviewer_bps.id)]})
    assert resp.status_code == 302
    db.session.expire_all()
    got = {(a.reviewer.name, a.side.value, a.due_on) for a in db.session.get(type(p), p.id).assignments}
    assert got == {("Una Unassigned", "BTU", world.cycle.review_due_on),
                   ("Ray Bps", "BPS", world.cycle.review_due_on)}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == p.id,
                                                         AuditEvent.trigger == "assign_reviewer")).all()
    assert sorted((e.data["reviewer"], e.data["side"], e.actor_id) for e in events) == [
        ("Ray Bps", "BPS", world.staff.id), ("Una Unassigned", "BTU", world.staff.id)]
    assert all(e.from_state == e.to_state == "submitted" for e in events)
    page = text(staff.get(resp.headers["Location"]))
    assert "Assigned" in page and "BTU: 1 of 1 assigned, BPS: 1 of 1 assigned" in page


def test_assigning_a_conflicted_reviewer_is_refused(staff, factory, world):
    p = world.proposals[S.SUBMITTED]
    factory.conflict(p, world.reviewer_unassigned)
    db.session.commit()
    resp = staff.post(f"/staff/proposals/{p.id}/reviewers",
                      {"reviewers": [str(world.reviewer_unassigned.id), str(world.reviewer_bps.id)]})
    assert resp.status_code == 422
    assert "Una Unassigned declared a conflict of interest with this proposal, so they cannot review it." \
        in text(resp)
    assert db.session.scalar(select(func.count(ReviewAssignment.id)).where(
        ReviewAssignment.proposal_id == p.id)) == 0  # nothing assigned, not even Ray


def test_assigning_nobody_or_a_non_reviewer_is_refused(staff, factory, world):
    p = world.proposals[S.SUBMITTED]
    resp = staff.post(f"/staff/proposals/{p.id}/reviewers", {})
    assert resp.status_code == 422 and "Choose at least one reviewer to assign." in text(resp)
    resp = staff.post(f"/staff/proposals/{p.id}/reviewers", {"reviewers": [str(world.lead.id)]})
    assert resp.status_code == 422 and "Choose reviewers from the list." in text(resp)
    resp = staff.post(f"/staff/proposals/{p.id}/reviewers", {"reviewers": ["abc"]})
    assert resp.status_code == 422


def test_a_team_member_who_reviews_cannot_review_their_own_proposal(staff, factory, world):
    world.member.set_roles(["educator", "reviewer"])
    world.member.side = "BTU"
    db.session.commit()
    p = world.proposals[S.SUBMITTED]
    page = text(staff.get(f"/staff/proposals/{p.id}/reviewers"))
    assert "On the proposing team" in page
    resp = staff.post(f"/staff/proposals/{p.id}/reviewers", {"reviewers": [str(world.member.id)]})
    assert resp.status_code == 422
    assert "Max Member is on the proposing team, so they cannot review this proposal." in text(resp)


def test_assignment_only_while_submitted_or_in_review(staff, world):
    p = world.draft
    page = text(staff.get(f"/staff/proposals/{p.id}/reviewers"))
    assert "Reviewers are assigned while a proposal is submitted or in review; this one is draft." in page
    resp = staff.post(f"/staff/proposals/{p.id}/reviewers", {"reviewers": [str(world.reviewer_bps.id)]})
    assert resp.status_code == 422
    assert "this one is draft" in text(resp)
    assert not db.session.get(type(p), p.id).assignments


def test_unassign_a_reviewer(staff, factory, world):
    p = world.proposals[S.SUBMITTED]
    a = factory.assign(p, world.reviewer_unassigned, world.staff)
    db.session.commit()
    resp = staff.post(f"/staff/proposals/{p.id}/reviewers/{a.id}/unassign")
    assert resp.status_code == 302
    assert "Unassigned Una Unassigned." in text(staff.get(resp.headers["Location"]))
    assert db.session.get(ReviewAssignment, a.id) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "unassign_reviewer"))
    assert event.case_id == p.id and event.data["reviewer"] == "Una Unassigned" and event.data["side"] == "BTU"


def test_unassigning_after_a_submitted_review_is_refused(staff, world):
    p = world.in_review
    a = p.assignments[0]
    resp = staff.post(f"/staff/proposals/{p.id}/reviewers/{a.id}/unassign")
    assert resp.status_code == 302
    page = text(staff.get(resp.headers["Location"]))
    assert f"{a.reviewer.name} already submitted a review of this proposal, so they cannot be unassigned." in page
    assert db.session.get(ReviewAssignment, a.id) is not None


def test_unassign_an_assignment_of_another_proposal_is_404(staff, world):
    a = world.in_review.assignments[0]
    resp = staff.post(f"/staff/proposals/{world.proposals[S.SUBMITTED].id}/reviewers/{a.id}/unassign")
    assert resp.status_code == 404


# -- begin_review: refused until each side has its reviewers, none conflicted -------------------------
def test_begin_review_refused_until_both_sides_have_enough_unconflicted_reviewers(staff, factory, world):
    world.cycle.reviews_per_side = 2
    p = world.proposals[S.SUBMITTED]
    db.session.commit()

    def try_begin():
        with pytest.raises(TransitionRefused) as e:
            workflow.advance(p, "begin_review", world.staff)
        db.session.rollback()
        return e.value.messages

    assert try_begin() == ["Assign more reviewers: the BTU side has 0 of 2; the BPS side has 0 of 2."]
    staff.post(f"/staff/proposals/{p.id}/reviewers",
               {"reviewers": [str(world.reviewer_btu.id), str(world.reviewer_unassigned.id),
                              str(world.reviewer_bps.id)]})
    db.session.expire_all()
    assert "BTU: 2 of 2 assigned, BPS: 1 of 2 assigned" in text(staff.get(f"/staff/proposals/{p.id}/reviewers"))
    assert try_begin() == ["Assign more reviewers: the BPS side has 1 of 2."]

    staff.post(f"/staff/proposals/{p.id}/reviewers", {"reviewers": [str(world.co_chair_bps.id)]})
    # Una declares a conflict after being assigned: she no longer counts, and must be unassigned.
    factory.conflict(p, world.reviewer_unassigned)
    db.session.commit()
    db.session.expire_all()
    assert try_begin() == ["Assign more reviewers: the BTU side has 1 of 2. These reviewers declared a conflict "
                           "with this proposal; unassign them: Una Unassigned (BTU)."]
    una = next(a for a in p.assignments if a.reviewer_id == world.reviewer_unassigned.id)
    staff.post(f"/staff/proposals/{p.id}/reviewers/{una.id}/unassign")
    staff.post(f"/staff/proposals/{p.id}/reviewers", {"reviewers": [str(world.co_chair_btu.id)]})
    db.session.expire_all()

    event = workflow.advance(p, "begin_review", world.staff)
    db.session.commit()
    assert event.from_state == "submitted" and event.to_state == "in_review"
    assert db.session.get(type(p), p.id).state is S.IN_REVIEW


def test_begin_review_through_the_case_page_shows_the_refusal(staff, world):
    p = world.proposals[S.SUBMITTED]
    resp = staff.post(f"/proposals/{p.id}/actions/begin_review")
    assert resp.status_code == 422
    assert "Assign more reviewers: the BTU side has 0 of 1; the BPS side has 0 of 1." in text(resp)
    staff.post(f"/staff/proposals/{p.id}/reviewers",
               {"reviewers": [str(world.reviewer_btu.id), str(world.reviewer_bps.id)]})
    resp = staff.post(f"/proposals/{p.id}/actions/begin_review")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(p), p.id).state is S.IN_REVIEW


def test_return_for_revision_from_the_panel_needs_a_comment(staff, world):
    p = world.proposals[S.SUBMITTED]
    resp = staff.post(f"/proposals/{p.id}/actions/return_for_revision", {"comment": "  "})
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(type(p), p.id).state is S.SUBMITTED
    resp = staff.post(f"/proposals/{p.id}/actions/return_for_revision",
                      {"comment": "Tie the budget to the plan's activities."})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(p), p.id).state is S.REVISIONS_REQUESTED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "return_for_revision"))
    assert event.comment == "Tie the budget to the plan's activities."


# -- the staff panel on the case page ------------------------------------------------------------------
def test_staff_panel_on_a_submitted_proposal(staff, world):
    p = world.proposals[S.SUBMITTED]
    page = text(staff.get(f"/proposals/{p.id}"))
    panel = page.split('id="staff-panel"', 1)[1].split("</section>", 1)[0]
    assert "Screening (program staff)</h2>" in panel
    assert "Reviewers: BTU: 0 of 1 assigned, BPS: 0 of 1 assigned." in panel
    assert "Review cannot begin yet" in panel
    assert "Assign more reviewers: the BTU side has 0 of 1; the BPS side has 0 of 1." in panel
    assert f'href="/staff/proposals/{p.id}/reviewers"' in panel
    # The two screening actions appear once on the page, under "What you can do now", not again here.
    assert 'action="/proposals/' not in panel
    assert page.count(f'action="/proposals/{p.id}/actions/begin_review"') == 1
    assert page.count(f'action="/proposals/{p.id}/actions/return_for_revision"') == 1


def test_staff_panel_on_an_in_review_proposal_lists_review_status(staff, factory, world):
    p = world.in_review
    factory.assign(p, world.reviewer_unassigned, world.staff)
    db.session.commit()
    page = text(staff.get(f"/proposals/{p.id}"))
    panel = page.split('id="staff-panel"', 1)[1].split("</section>", 1)[0]
    assert "Rita Btu" in panel and "Submitted" in panel
    assert "Una Unassigned" in panel and "Not started" in panel
    assert "Return for revision" not in panel


def test_staff_panel_renders_nothing_for_others(browser, world, app):
    p = world.proposals[S.SUBMITTED]
    for person in (world.lead, world.co_chair_btu, world.admin):
        with app.test_request_context():
            html = render_template("proposals/_staff_panel.html", proposal=p, current_user=person,
                                   panels=proposal_panels(p, person))
        assert html.strip() == "", person.name
    browser.login(world.lead)
    assert "staff-panel" not in text(browser.get(f"/proposals/{p.id}"))


def test_staff_panel_renders_without_the_case_page(app, world):
    """The partial stands on its own: rendered directly it shows the screening steps."""
    with app.test_request_context():
        p = world.proposals[S.SUBMITTED]
        html = render_template("proposals/_staff_panel.html", proposal=p, current_user=world.staff,
                               panels=proposal_panels(p, world.staff))
    assert "<h2" in html and "Review cannot begin yet" in html and "Assign reviewers" in html



def test_unassign_in_the_same_transaction_as_the_assignment(world):
    """Assign then unassign before any commit (as a script or the demo seeding would)."""
    from app.proposals import screening

    p = world.proposals[S.SUBMITTED]
    screening.assign(p, [world.reviewer_unassigned.id], world.staff)
    a = next(a for a in p.assignments if a.reviewer_id == world.reviewer_unassigned.id)
    screening.unassign(p, a, world.staff)
    db.session.commit()
    db.session.expire_all()
    assert [a.reviewer_id for a in db.session.get(type(p), p.id).assignments] == []
