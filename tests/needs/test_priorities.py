"""The priorities rollup against figures worked out by hand, ties, the privacy threshold, team
responses kept apart, and the counts of proposals, opportunities and PL requests serving a topic."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.core import clock
from app.extensions import db
from app.models import PLRequestState, ProposalState
from app.needs import priorities as svc

D = Decimal

# Two schools, seven individual responses, three topics (A, B, C):
#   North (6 active educators, 4 answered)      South (6 active educators, 3 answered)
#     r1: A5 B3 C2   r2: A4 B4 C1                  r5: A2 B5 C4   r6: A3 B4 C5   r7: A4 B4 C1
#     r3: A3 B5 C2   r4: A4 B2 C3
#   (North's 6: the 4 who answered, one who did not, and a team lead whose team answered; not counted:
#   an inactive educator, a school leader, staff.)
# District: A = 25/7 = 3.57 (high 4 of 7 = 57%), B = 27/7 = 3.86 (high 5 = 71%), C = 18/7 = 2.57 (high 2 = 29%)
#           ranks B, A, C; response rate 7/12 = 58%.
# North:    A = 16/4 = 4.00 (3 high, 75%), B = 14/4 = 3.50 (2, 50%), C = 8/4 = 2.00 (0, 0%); ranks A, B, C; 4/6 = 67%.
# South:    A = 9/3 = 3.00 (1, 33%), B = 13/3 = 4.33 (3, 100%), C = 10/3 = 3.33 (2, 67%); ranks B, C, A; 3/6 = 50%.
NORTH = [(5, 3, 2), (4, 4, 1), (3, 5, 2), (4, 2, 3)]
SOUTH = [(2, 5, 4), (3, 4, 5), (4, 4, 1)]


@pytest.fixture
def data(factory):
    a, b, c = factory.term("Alpha literacy", position=0), factory.term("Beta math", position=1), \
        factory.term("Gamma SEL", position=2)
    north, south = factory.school("North School"), factory.school("South School")
    survey = factory.survey([a, b, c], threshold=3)
    for school, rows, extra in ((north, NORTH, 1), (south, SOUTH, 3)):
        for ra, rb, rc in rows:
            factory.response(survey, {a: ra, b: rb, c: rc}, respondent=factory.user("educator", school=school))
        for _ in range(extra):  # educators who did not answer (South: 3; North: 1, plus the team lead below)
            factory.user("educator", school=school)
    # Not counted as educators: an inactive educator, a school leader, staff.
    factory.user("educator", school=north).active = False
    factory.user("school_leader", school=north)
    factory.user("staff")
    # A team response: reported apart, never in the individual figures.
    lead = factory.user("educator", school=north)
    team = factory.team(lead, name="North team")
    factory.response(survey, {a: 1, b: 1, c: 5}, team=team)
    db.session.commit()
    return {"survey": survey, "a": a, "b": b, "c": c, "north": north, "south": south, "team_lead": lead}


def _row(scope, term):
    return next(f for f in scope.topics if f.term.id == term.id)


def test_district_figures_match_the_hand_computation(data):
    r = svc.rollup(data["survey"])
    d = r.district
    assert [f.term.name for f in d.topics] == ["Beta math", "Alpha literacy", "Gamma SEL"]
    assert [f.rank for f in d.topics] == [1, 2, 3]
    a, b, c = _row(d, data["a"]), _row(d, data["b"]), _row(d, data["c"])
    assert (a.responses, a.mean, a.high, a.high_percent) == (7, D("3.57"), 4, D("57"))
    assert (b.responses, b.mean, b.high, b.high_percent) == (7, D("3.86"), 5, D("71"))
    assert (c.responses, c.mean, c.high, c.high_percent) == (7, D("2.57"), 2, D("29"))
    # 7 individual responses; 12 active educators: 4+1 North, 3+3 South, and the team lead (North).
    assert (d.responses, d.educators) == (7, 12)
    assert d.rate_percent == D("58")  # 7/12


def test_school_figures_match_the_hand_computation(data):
    r = svc.rollup(data["survey"])
    north, south = r.school(data["north"].id), r.school(data["south"].id)
    assert [f.term.name for f in north.topics] == ["Alpha literacy", "Beta math", "Gamma SEL"]
    assert [(f.mean, f.high, f.high_percent) for f in north.topics] == [
        (D("4.00"), 3, D("75")), (D("3.50"), 2, D("50")), (D("2.00"), 0, D("0"))]
    assert (north.responses, north.educators, north.rate_percent) == (4, 6, D("67"))  # the team lead is a 6th
    assert [f.term.name for f in south.topics] == ["Beta math", "Gamma SEL", "Alpha literacy"]
    assert [(f.mean, f.high, f.high_percent) for f in south.topics] == [
        (D("4.33"), 3, D("100")), (D("3.33"), 2, D("67")), (D("3.00"), 1, D("33"))]
    assert (south.responses, south.educators, south.rate_percent) == (3, 6, D("50"))


def test_team_responses_are_reported_apart(data):
    r = svc.rollup(data["survey"])
    assert r.team_responses == 1
    teams = {t.term.name: (t.responses, t.mean) for t in r.teams}
    assert teams == {"Alpha literacy": (1, D("1.00")), "Beta math": (1, D("1.00")), "Gamma SEL": (1, D("5.00"))}
    assert _row(r.district, data["c"]).mean == D("2.57")  # the team's 5 is not in it


def test_ties_go_to_more_high_need_answers_then_name(factory):
    alpha, beta, gamma = factory.term("Alpha"), factory.term("Beta"), factory.term("Gamma")
    survey = factory.survey([gamma, beta, alpha])
    for ra, rb, rg in ((5, 3, 2), (1, 3, 4)):  # every mean is 3; Alpha and Gamma have one 4-5, Beta none
        factory.response(survey, {alpha: ra, beta: rb, gamma: rg}, respondent=factory.user("educator"))
    ranked = svc.rollup(survey).district.topics
    assert [(f.term.name, f.rank) for f in ranked] == [("Alpha", 1), ("Gamma", 2), ("Beta", 3)]


@pytest.mark.parametrize("threshold,shown", [(5, False), (4, True), (3, True)])
def test_privacy_threshold(data, threshold, shown):
    """North has 4 individual responses: hidden under a threshold of 5, shown at 4 and above 3."""
    data["survey"].privacy_threshold = threshold
    db.session.commit()
    r = svc.rollup(data["survey"])
    north = r.school(data["north"].id)
    assert north.suppressed is not shown
    assert (north.topics != []) is shown
    assert (north in r.shown_schools) is shown
    assert r.district.responses == 7  # the district always counts everyone
    csv = svc.csv_bytes(r).decode("utf-8-sig")
    assert ("North School" in csv) is shown


def test_counts_of_what_serves_each_priority(data, factory, world):
    a, b = data["a"], data["b"]
    submitted = world.proposals[ProposalState.SUBMITTED]
    submitted.priorities = [a, b]
    world.proposals[ProposalState.APPROVED].priorities = [a]
    world.draft.priorities = [a]  # drafts do not count
    world.proposals[ProposalState.WITHDRAWN].priorities = [a]  # nor withdrawn ones
    factory.opportunity("Literacy 1", terms=[a])
    factory.opportunity("Literacy 2", terms=[a, b])
    factory.opportunity("Unpublished", terms=[a], published=False)
    factory.pl_request(world.lead, PLRequestState.SUBMITTED, need=b)
    factory.pl_request(world.lead, PLRequestState.DENIED, need=b)
    factory.pl_request(world.lead, PLRequestState.DRAFT, need=b)
    factory.pl_request(world.lead, PLRequestState.CANCELLED, need=b)
    db.session.commit()
    r = svc.rollup(data["survey"])
    assert (r.proposals.get(a.id), r.proposals.get(b.id)) == (2, 1)
    assert (r.opportunities.get(a.id), r.opportunities.get(b.id)) == (2, 1)
    assert (r.pl_requests.get(a.id, 0), r.pl_requests.get(b.id)) == (0, 2)


def test_topic_order_follows_the_latest_survey_then_position(data, factory):
    extra = factory.term("Zeta not surveyed", position=-1)
    factory.term("Retired", position=-2, active=False)
    db.session.commit()
    names = [t.name for t in svc.topic_order(clock.today())]
    assert names == ["Beta math", "Alpha literacy", "Gamma SEL", extra.name]


def test_csv_has_the_district_and_schools_and_defuses_formulas(data, factory):
    data["a"].name = "=HYPERLINK(1)"
    db.session.commit()
    text = svc.csv_bytes(svc.rollup(data["survey"])).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Scope,Rank,Topic,Responses")
    assert "District,1,Beta math,7,3.86,5,71,58,1,1.00" in text
    assert "'=HYPERLINK(1)" in text
    assert sum(1 for ln in lines if ln.startswith("North School")) == 3
