"""The committee through its pages: the two-key decision, bad input, cohort ranking, balance, conflicts."""
from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import (
    AuditEvent,
    CriterionScore,
    Decision,
    DecisionOutcome,
    GrantType,
    Proposal,
    ProposalState,
    ReviewStatus,
    SchoolLevel,
    TeamScope,
)

S = ProposalState


def text(resp) -> str:
    """The page as a user reads it: entities decoded, runs of white space as one space."""
    return re.sub(r"\s+", " ", html.unescape(resp.get_data(as_text=True)))


def events(proposal, trigger=None):
    q = select(AuditEvent).where(AuditEvent.case_type == "proposal", AuditEvent.case_id == proposal.id)
    if trigger:
        q = q.where(AuditEvent.trigger == trigger)
    return db.session.scalars(q.order_by(AuditEvent.id)).all()


def reload(proposal) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)


def decide_url(p) -> str:
    return f"/committee/proposals/{p.id}/decide"


def scored(f, proposal, reviewer, scores, submitted=True):
    """A review by ``reviewer`` scoring the cycle's criteria in order with ``scores``."""
    a = f.assign(proposal, reviewer)
    for c, s in zip(proposal.cycle.criteria, scores, strict=True):
        a.scores.append(CriterionScore(criterion=c, score=s))
    a.status = ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT
    a.submitted_at = clock.now() if submitted else None
    db.session.flush()
    return a


# -- the two-key rule, end to end --------------------------------------------------------------
def test_two_key_approval_end_to_end(browser, world, factory):
    p = world.in_review
    second_btu = factory.user("co_chair", name="Bea Btu", email="bea@example.org", side="BTU")
    db.session.commit()

    browser.login(world.co_chair_btu)
    resp = browser.post(decide_url(p), {"outcome": "approve", "award": "9,500.00",
                                        "conditions": "Share at the spring showcase.",
                                        "feedback": "A strong, focused plan."}, follow_redirects=True)
    page = text(resp)
    assert "Decision recorded" in page
    assert "Carla Chair (BTU side)" in page
    assert "it is waiting for the other side's co-chair (BPS) to confirm" in page
    assert "Confirm: Approve" not in page  # the recorder's side cannot confirm
    (d,) = db.session.scalars(select(Decision).where(Decision.proposal_id == p.id)).all()
    assert d.is_pending and d.award == Decimal("9500.00") and d.proposed_side.value == "BTU"
    assert reload(p).state is S.IN_REVIEW
    assert len(events(p, "record_decision")) == 1

    # the same person tries to confirm: the workflow's who-check refuses, nothing changes
    resp = browser.post(f"/committee/decisions/{d.id}/confirm", follow_redirects=True)
    assert ("Carla Chair of the BTU side recorded this decision, so a co-chair of the BPS side must confirm it."
            in text(resp))
    # another BTU co-chair: refused the same way
    browser.reset().login(second_btu)
    page = text(browser.get(f"/proposals/{p.id}"))
    assert "waiting for the other side's co-chair" in page and "Confirm: Approve" not in page
    resp = browser.post(f"/committee/decisions/{d.id}/confirm", follow_redirects=True)
    assert "so a co-chair of the BPS side must confirm it." in text(resp)
    p = reload(p)
    assert p.state is S.IN_REVIEW and p.award is None and p.decided_at is None
    assert db.session.get(Decision, d.id).confirmed_at is None
    assert not events(p, "approve")

    # the BPS co-chair sees the pending decision with a Confirm button, and confirms
    browser.reset().login(world.co_chair_bps)
    page = text(browser.get(f"/proposals/{p.id}"))
    assert "A decision is waiting for confirmation." in page and "Confirm: Approve" in page
    assert "$9,500.00" in page and "A strong, focused plan." in page
    resp = browser.post(f"/committee/decisions/{d.id}/confirm", follow_redirects=True)
    page = text(resp)
    assert "Decision confirmed" in page and "is now approved" in page
    p = reload(p)
    assert p.state is S.APPROVED
    assert p.award == Decimal("9500.00") and p.conditions == "Share at the spring showcase."
    assert p.feedback == "A strong, focused plan." and p.decided_at is not None
    d = db.session.get(Decision, d.id)
    assert d.confirmed_by_id == world.co_chair_bps.id and d.confirmed_side.value == "BPS" and d.confirmed_at
    # both names and times on the record
    assert "Carla Chair (BTU side), " + _local(d.proposed_at) in page
    assert "Colin Chair (BPS side), " + _local(d.confirmed_at) in page
    (approve,) = events(p, "approve")
    assert approve.actor_id == world.co_chair_bps.id and approve.from_state == "in_review"
    assert approve.to_state == "approved" and approve.data["decision_id"] == d.id
    assert "recorded by Carla Chair (BTU), confirmed by Colin Chair (BPS)" in approve.comment
    assert [e.trigger for e in events(p)][-2:] == ["record_decision", "approve"]
    # the confirmed decision can no longer be confirmed or withdrawn
    resp = browser.post(f"/committee/decisions/{d.id}/confirm", follow_redirects=True)
    assert "already confirmed by Colin Chair" in text(resp)


def _local(dt) -> str:
    from app.jinja import local_dt

    return local_dt(dt)


@pytest.mark.parametrize("outcome,state", [("decline", S.DECLINED), ("request_revisions", S.REVISIONS_REQUESTED)])
def test_decline_and_request_revisions(browser, world, outcome, state):
    p = world.in_review
    browser.login(world.co_chair_bps)
    resp = browser.post(decide_url(p), {"outcome": outcome, "feedback": "Tell us more about the students."})
    assert resp.status_code == 302
    d = db.session.scalars(select(Decision).where(Decision.proposal_id == p.id)).one()
    browser.reset().login(world.co_chair_btu)
    browser.post(f"/committee/decisions/{d.id}/confirm")
    p = reload(p)
    assert p.state is state and p.award is None
    assert p.feedback == "Tell us more about the students."
    (event,) = events(p, outcome)
    assert event.actor_id == world.co_chair_btu.id and event.to_state == state.value


def test_withdraw_by_the_recorder_only(browser, world, factory):
    p = world.in_review
    browser.login(world.co_chair_btu)
    browser.post(decide_url(p), {"outcome": "decline", "feedback": "Not this round."})
    d = db.session.scalars(select(Decision).where(Decision.proposal_id == p.id)).one()
    # a second decision while one is pending: refused with a message
    resp = browser.post(decide_url(p), {"outcome": "request_revisions", "feedback": "Revise."})
    assert resp.status_code == 422
    assert "It must be withdrawn before another decision is recorded." in text(resp)
    assert len(db.session.scalars(select(Decision).where(Decision.proposal_id == p.id)).all()) == 1
    # the other side cannot withdraw it
    browser.reset().login(world.co_chair_bps)
    resp = browser.post(f"/committee/decisions/{d.id}/withdraw", follow_redirects=True)
    assert "Only Carla Chair, who recorded this decision, can withdraw it." in text(resp)
    assert db.session.get(Decision, d.id).withdrawn_at is None
    # the recorder can
    browser.reset().login(world.co_chair_btu)
    resp = browser.post(f"/committee/decisions/{d.id}/withdraw", follow_redirects=True)
    assert "Your recorded decision is withdrawn." in text(resp)
    db.session.expire_all()
    assert db.session.get(Decision, d.id).withdrawn_at is not None
    assert len(events(p, "withdraw_decision")) == 1
    # a withdrawn decision cannot be confirmed
    browser.reset().login(world.co_chair_bps)
    resp = browser.post(f"/committee/decisions/{d.id}/confirm", follow_redirects=True)
    assert "This decision was withdrawn, so there is nothing to confirm." in text(resp)
    assert reload(p).state is S.IN_REVIEW


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("data,message,field", [
    ({"outcome": "approve", "award": "", "feedback": "Good."}, "An approval needs an award.", "award"),
    ({"outcome": "approve", "award": "-100", "feedback": "Good."}, "The amount cannot be negative.", "award"),
    ({"outcome": "approve", "award": "ten thousand", "feedback": "Good."},
     "Enter an amount in dollars and cents, for example 12500.00.", "award"),
    ({"outcome": "approve", "award": "NaN", "feedback": "Good."},
     "Enter an amount in dollars and cents, for example 12500.00.", "award"),
    ({"outcome": "approve", "award": "0", "feedback": "Good."}, "The award must be more than $0.00.", "award"),
    ({"outcome": "approve", "award": "10000.01", "feedback": "Good."},
     "The award of $10,000.01 is more than the $10,000.00 requested.", "award"),
    ({"outcome": "approve", "award": "5000", "feedback": ""}, "Write feedback for the team.", "feedback"),
    ({"outcome": "approve", "award": "5000", "feedback": "f" * 10001},
     "Keep the feedback to 10,000 characters.", "feedback"),
    ({"outcome": "approve", "award": "5000", "conditions": "c" * 5001, "feedback": "Good."},
     "Keep the conditions to 5,000 characters.", "conditions"),
    ({"award": "5000", "feedback": "Good."}, "Choose an outcome.", "outcome"),
    ({"outcome": "fund_everything", "feedback": "Good."},
     "Choose approve, request revisions or decline.", "outcome"),
    ({"outcome": "decline", "award": "5000", "feedback": "No."},
     "An award is only given with an approval", "award"),
])
def test_bad_decision_input_is_refused_and_kept(browser, world, data, message, field):
    p = world.in_review
    resp = browser.login(world.co_chair_btu).post(decide_url(p), data)
    assert resp.status_code == 422
    page = text(resp)
    assert message in page
    target = f"{field}-0" if field == "outcome" else field  # a radio group: its first radio
    assert f'href="#{target}"' in page  # the error summary links to the field at fault
    for name in ("award", "feedback", "conditions"):
        if data.get(name) and len(data[name]) < 100:
            assert data[name] in page  # what the user typed is kept
    assert not db.session.scalars(select(Decision).where(Decision.proposal_id == p.id)).all()
    assert not events(p, "record_decision")


def test_award_over_the_pool_is_refused(browser, world, factory):
    small = factory.cycle("Small pool cycle", pool="12000.00", max_award="15000.00")
    p = factory.proposal(world.other_team, small, state=S.IN_REVIEW, amount="10000.00", title="Big ask")
    done = factory.proposal(world.other_team, small, state=S.APPROVED, amount="5000.00", title="Funded")
    done.award = Decimal("5000.00")
    scored(factory, p, world.reviewer_btu, [3, 3, 3])
    scored(factory, p, world.reviewer_bps, [3, 3, 3])
    db.session.commit()
    resp = browser.login(world.co_chair_btu).post(decide_url(p), {"outcome": "approve", "award": "8000",
                                                                  "feedback": "Good."})
    assert resp.status_code == 422
    page = text(resp)
    assert "The award of $8,000.00 is more than the $7,000.00 left in the Small pool cycle pool." in page
    assert 'value="8000"' in page
    assert not db.session.scalars(select(Decision).where(Decision.proposal_id == p.id)).all()
    resp = browser.post(decide_url(p), {"outcome": "approve", "award": "7000", "feedback": "Good."})
    assert resp.status_code == 302


def test_approval_refused_until_reviews_are_complete(browser, world, factory):
    p = factory.proposal(world.other_team, world.cycle, state=S.IN_REVIEW, title="Half reviewed")
    scored(factory, p, world.reviewer_btu, [3, 3, 3])
    db.session.commit()
    resp = browser.login(world.co_chair_btu).post(decide_url(p), {"outcome": "approve", "award": "5000",
                                                                  "feedback": "Good."})
    assert resp.status_code == 422
    assert "Reviews are not complete: the BPS side has 0 of 1 submitted." in text(resp)


def test_conflicted_co_chair_takes_no_part(browser, world, factory):
    p = world.in_review
    factory.conflict(p, world.co_chair_btu)
    db.session.commit()
    browser.login(world.co_chair_btu)
    resp = browser.get(decide_url(p))
    assert resp.status_code == 403
    assert "You declared a conflict of interest with this proposal" in text(resp)
    assert "so you take no part in its decision" in text(browser.get(f"/proposals/{p.id}"))
    # and cannot confirm the other side's decision either
    browser.reset().login(world.co_chair_bps)
    browser.post(decide_url(p), {"outcome": "decline", "feedback": "No."})
    d = db.session.scalars(select(Decision).where(Decision.proposal_id == p.id)).one()
    browser.reset().login(world.co_chair_btu)
    resp = browser.post(f"/committee/decisions/{d.id}/confirm", follow_redirects=True)
    assert "so you cannot take part in its decision" in text(resp)
    assert reload(p).state is S.IN_REVIEW


def test_decide_page_on_a_decided_proposal_shows_the_record_and_no_form(browser, world):
    p = world.proposals[S.APPROVED]
    page = text(browser.login(world.co_chair_bps).get(decide_url(p)))
    assert "Confirmed by Colin Chair (BPS)" in page
    assert 'name="outcome"' not in page
    resp = browser.post(decide_url(p), {"outcome": "decline", "feedback": "No."})
    assert resp.status_code == 422
    assert "“Decline” is not possible while this proposal is Approved." in text(resp)


# -- cohort selection ---------------------------------------------------------------------------
@pytest.fixture
def ranked(world, factory):
    """A cycle with hand-computable scores. Weights 2, 1, 1.

    A: BTU (4,3,2) = 13/4 = 3.25; BPS (3,3,3) = 3.00; overall (3.25 + 3.00) / 2 = 3.125 -> 3.13
    B: BTU (2,2,2) = 2.00 and (4,4,4) = 4.00 -> BTU 3.00; BPS (4,4,1) = 13/4 = 3.25;
       overall (2 + 4 + 3.25) / 3 = 3.0833 -> 3.08
    C: BTU (4,4,4) = 4; BPS (4,4,4) = 4; a conflicted BTU reviewer's (1,1,1) is left out -> 4.00
    D: only a draft review -> not yet scored
    """
    cycle = factory.cycle("Ranking cycle", pool="40000.00")
    high = factory.school("Madison Park High", SchoolLevel.HIGH)
    k8 = factory.school("Hernandez K-8", SchoolLevel.K8)
    rs = {n: factory.user("reviewer", name=f"Reviewer {n}", side=n[:3]) for n in
          ("BTU1", "BTU2", "BTU3", "BPS1", "BPS2")}
    a_lead = factory.user("educator", name="Ana Lead", school=high, job_title="ESL / multilingual learner teacher")
    a_mem = factory.user("educator", name="Ann Member", school=k8, job_title="School counselor")
    team_a = factory.team(a_lead, a_mem, name="Cross Town", scope=TeamScope.CROSS_SCHOOL, school=None)
    A = factory.proposal(team_a, cycle, state=S.IN_REVIEW, title="A: newcomer mentoring", amount="15000.00")
    B = factory.proposal(world.team, cycle, state=S.IN_REVIEW, title="B: reading circles", amount="12000.00")
    B.grant_type = GrantType.STUDY
    C = factory.proposal(world.other_team, cycle, state=S.IN_REVIEW, title="C: lab notebooks", amount="14000.00")
    D = factory.proposal(world.other_team, cycle, state=S.IN_REVIEW, title="D: family nights", amount="5000.00")
    factory.proposal(world.team, cycle, state=S.SUBMITTED, title="E: not in review")
    scored(factory, A, rs["BTU1"], [4, 3, 2])
    scored(factory, A, rs["BPS1"], [3, 3, 3])
    scored(factory, B, rs["BTU1"], [2, 2, 2])
    scored(factory, B, rs["BTU2"], [4, 4, 4])
    scored(factory, B, rs["BPS1"], [4, 4, 1])
    scored(factory, C, rs["BTU1"], [4, 4, 4])
    scored(factory, C, rs["BPS2"], [4, 4, 4])
    scored(factory, C, rs["BTU3"], [1, 1, 1])
    factory.conflict(C, rs["BTU3"])
    scored(factory, D, rs["BPS1"], [4, 4, 4], submitted=False)
    db.session.commit()
    return cycle, A, B, C, D


def rows(page: str) -> list[tuple[int, str]]:
    """(proposal id, the row's text) in the order shown."""
    out = []
    for pid, body in re.findall(r'<tr id="p-(\d+)">(.*?)</tr>', page, re.S):
        out.append((int(pid), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()))
    return out


def test_ranking_arithmetic(browser, world, ranked):
    cycle, A, B, C, D = ranked
    page = text(browser.login(world.co_chair_btu).get(f"/committee/cycles/{cycle.id}"))
    shown = rows(page)
    assert [pid for pid, _ in shown] == [C.id, A.id, B.id, D.id]
    by_id = dict(shown)
    assert by_id[C.id].startswith("1 C: lab notebooks") and "4.00 (1 of 1) 4.00 (1 of 1) 4.00" in by_id[C.id]
    assert by_id[A.id].startswith("2 A: newcomer mentoring") and "3.25 (1 of 1) 3.00 (1 of 1) 3.13" in by_id[A.id]
    assert by_id[B.id].startswith("3 B: reading circles") and "3.00 (2 of 1) 3.25 (1 of 1) 3.08" in by_id[B.id]
    assert by_id[D.id].startswith("Not yet scored D: family nights") and "— (0 of 1) — (0 of 1) —" in by_id[D.id]
    assert "Hernandez K-8, Madison Park High" in by_id[A.id] and "K-8, High" in by_id[A.id]
    assert "Cross-school" in by_id[A.id] and "$15,000.00" in by_id[A.id] and "Study grant" in by_id[B.id]
    assert "E: not in review" not in page


def test_ranking_marks_incomplete_reviews_and_links_each_to_its_decision(browser, world, ranked, factory):
    cycle, A, B, C, D = ranked
    cycle.reviews_per_side = 2
    db.session.commit()
    page = text(browser.login(world.co_chair_btu).get(f"/committee/cycles/{cycle.id}"))
    by_id = dict(rows(page))
    assert "Reviews incomplete: BTU 1 of 2, BPS 1 of 2" in by_id[A.id]
    assert "Reviews incomplete: BTU 2 of 2, BPS 1 of 2" in by_id[B.id]  # one side short is incomplete
    assert "Reviews incomplete: BTU 1 of 2, BPS 1 of 2" in by_id[C.id]  # the conflicted review does not count
    assert "Reviews incomplete: BTU 0 of 2, BPS 0 of 2" in by_id[D.id]  # a draft does not count
    for p in (A, B, C, D):
        assert f'href="/proposals/{p.id}#decision-panel"' in page
    assert page.count("Reviews incomplete") == 4

    scored(factory, B, factory.user("reviewer", name="Reviewer BPS3", side="BPS"), [3, 3, 3])
    db.session.commit()
    page = text(browser.get(f"/committee/cycles/{cycle.id}"))
    assert "Reviews incomplete" not in dict(rows(page))[B.id] and page.count("Reviews incomplete") == 3
    # the link leads to the case page's decision panel, where the co-chair records the decision
    case_page = text(browser.get(f"/proposals/{B.id}"))
    assert 'id="decision-panel"' in case_page and f"/committee/proposals/{B.id}/decide" in case_page


def test_conflicted_co_chair_sees_no_score_or_rank(browser, world, ranked, factory):
    cycle, A, B, C, D = ranked
    factory.conflict(C, world.co_chair_btu)
    db.session.commit()
    page = text(browser.login(world.co_chair_btu).get(f"/committee/cycles/{cycle.id}"))
    by_id = dict(rows(page))
    assert [pid for pid, _ in rows(page)][-1] == C.id  # listed last, out of the ranking
    assert by_id[C.id].startswith("Recused C: lab notebooks") and "scores hidden" in by_id[C.id]
    assert "4.00" not in page
    assert by_id[A.id].startswith("1 A:") and by_id[B.id].startswith("2 B:")  # C does not shift the ranks
    assert f'action="/committee/proposals/{C.id}/select"' not in page

    other = text(browser.reset().login(world.co_chair_bps).get(f"/committee/cycles/{cycle.id}"))
    assert dict(rows(other))[C.id].startswith("1 C: lab notebooks") and "4.00" in other


def test_staff_see_the_cohort_but_cannot_select(browser, world, ranked):
    cycle, A, B, C, D = ranked
    page = text(browser.login(world.staff).get(f"/committee/cycles/{cycle.id}"))
    assert "3.13" in page and "/select" not in page
    assert browser.post(f"/committee/proposals/{A.id}/select").status_code == 403


def test_tentative_selection_and_balance_panel(browser, world, ranked):
    cycle, A, B, C, D = ranked
    browser.login(world.co_chair_btu)
    for p in (A, B, C):
        resp = browser.post(f"/committee/proposals/{p.id}/select")
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/committee/cycles/{cycle.id}#p-{p.id}")
    assert [reload(p).tentatively_selected for p in (A, B, C, D)] == [True, True, True, False]
    (event,) = events(A, "tentative_selection")
    assert event.data == {"selected": True} and event.actor_id == world.co_chair_btu.id

    page = text(browser.get(f"/committee/cycles/{cycle.id}"))
    panel = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split('id="balance-title"')[1]))
    assert "3 proposals tentatively selected." in panel
    # money: 15,000 + 12,000 + 14,000 = 41,000 against a 40,000 pool
    assert "Requested by the selected proposals $41,000.00" in panel
    assert "Cycle pool $40,000.00" in panel and "Already awarded in this cycle $0.00" in panel
    assert "Pool left after this selection Over the pool by $1,000.00" in panel
    assert "Warning: the selection asks for $1,000.00 more than is left in the pool." in panel
    # schools: A is cross-school (Hernandez K-8 + Madison Park High), B Mather, C Boston Latin Academy
    for label in ("Boston Latin Academy 1", "Hernandez K-8 1", "Madison Park High 1", "Mather Elementary 1"):
        assert label in panel
    assert "High 2" in panel and "Elementary 1" in panel and "K-8 1" in panel
    assert "Action grant 2" in panel and "Study grant 1" in panel
    assert "School-based 2" in panel and "Cross-school 1" in panel
    # job titles of the six people on the selected teams
    assert "ESL / multilingual learner teacher 1" in panel and "School counselor 1" in panel
    assert "Special educator 1" in panel and "Classroom teacher 3" in panel

    # unselect one: the money comes back under the pool
    browser.post(f"/committee/proposals/{C.id}/select")
    panel = text(browser.get(f"/committee/cycles/{cycle.id}")).split('id="balance-title"')[1]
    panel = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", panel))
    assert "Requested by the selected proposals $27,000.00" in panel
    assert "Pool left after this selection $13,000.00" in panel and "Over the pool" not in panel


def test_select_refused_outside_review_and_on_conflict(browser, world, ranked, factory):
    cycle, A, B, C, D = ranked
    submitted = world.proposals[S.SUBMITTED]
    factory.conflict(A, world.co_chair_bps)
    db.session.commit()
    browser.login(world.co_chair_bps)
    resp = browser.post(f"/committee/proposals/{submitted.id}/select", follow_redirects=True)
    assert "Only proposals in review can be selected; this one is submitted." in text(resp)
    resp = browser.post(f"/committee/proposals/{A.id}/select", follow_redirects=True)
    assert "You declared a conflict of interest with this proposal, so you cannot select it." in text(resp)
    assert not reload(A).tentatively_selected and not reload(submitted).tentatively_selected


def test_committee_index_lists_cycles_with_counts(browser, world, ranked):
    cycle, *_ = ranked
    page = text(browser.login(world.co_chair_bps).get("/committee/"))
    assert "Ranking cycle" in page and "4 proposals" in page
    assert world.cycle.name in page and "1 proposal" in page
    assert f'href="/committee/cycles/{cycle.id}"' in page


def test_decision_panel_is_for_co_chairs_only(browser, world):
    p = world.in_review
    for persona in (world.lead, world.reviewer_btu, world.staff):
        page = text(browser.reset().login(persona).get(f"/proposals/{p.id}"))
        assert 'id="decision-panel"' not in page
    page = text(browser.reset().login(world.co_chair_btu).get(f"/proposals/{p.id}"))
    assert 'id="decision-panel"' in page and f'href="/committee/proposals/{p.id}/decide"' in page


def test_decided_proposal_shows_both_names_to_staff(browser, world):
    p = world.proposals[S.DECLINED]
    page = text(browser.login(world.staff).get(f"/proposals/{p.id}"))
    assert "Recorded by" in page and "Carla Chair (BTU side)" in page and "Colin Chair (BPS side)" in page
    d = p.confirmed_decision
    assert d.outcome is DecisionOutcome.DECLINE


def test_the_ranking_pages_and_selecting_on_a_later_page_returns_there(browser, world, ranked, monkeypatch):
    from app.review import cohort as cohort_module

    monkeypatch.setattr(cohort_module, "PER_PAGE", 2)
    cycle, A, B, C, D = ranked  # ranked C, A, B, then D (not yet scored)
    browser.login(world.co_chair_btu)
    first = text(browser.get(f"/committee/cycles/{cycle.id}"))
    assert re.findall(r'<tr id="p-(\d+)"', first) == [str(C.id), str(A.id)]
    assert "4 proposals in review; showing 1–2, page 1 of 2" in first
    assert browser.post(f"/committee/proposals/{C.id}/select").headers["Location"].endswith(
        f"/committee/cycles/{cycle.id}#p-{C.id}")
    second = text(browser.get(f"/committee/cycles/{cycle.id}?page=2"))
    assert re.findall(r'<tr id="p-(\d+)"', second) == [str(B.id), str(D.id)]
    assert f'action="/committee/proposals/{B.id}/select?page=2"' in second  # the form remembers the page
    resp = browser.post(f"/committee/proposals/{B.id}/select?page=2")
    assert resp.headers["Location"].endswith(f"/committee/cycles/{cycle.id}?page=2#p-{B.id}")
    second = text(browser.get(f"/committee/cycles/{cycle.id}?page=2"))
    assert "2 proposals tentatively selected." in second  # the panel counts the selection of every page
    assert re.findall(r'<tr id="p-(\d+)"', text(browser.get(f"/committee/cycles/{cycle.id}?page=9"))) == [
        str(B.id), str(D.id)]  # past the end: the last page
