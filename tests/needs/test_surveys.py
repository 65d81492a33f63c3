"""Needs survey rules in the service: answers saved and updated until close, refused after; every
topic rated 1-5; one survey per school year; dates in order; one open survey at a time; the home
panel; and proposals citing priorities through save_draft."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.extensions import db
from app.models import TermKind
from app.needs import surveys
from app.proposals import drafting


@pytest.fixture
def lw(world):
    return world.learning


def _all(lw, value=3):
    return {t.id: value for t in lw.topics}


def test_educator_answers_then_updates_until_close_then_is_refused(world, lw):
    today = clock.today()
    first = surveys.save_response(lw.survey, world.member, today, ratings=_all(lw, 2), comment="Co-teaching",
                              profile_term_ids=[lw.grade_band.id, lw.subject.id])
    db.session.commit()
    assert first.school_id == world.member.school_id
    assert {t.name for t in world.member.profile_terms} == {"Grades 3-5", "English language arts"}
    second = surveys.save_response(lw.survey, world.member, today, ratings={**_all(lw, 2), lw.topics[1].id: 5},
                               comment="", profile_term_ids=[lw.grade_band.id])
    db.session.commit()
    assert second.id == first.id
    assert second.rating_for(lw.topics[1].id) == 5 and second.comment == ""
    assert [t.name for t in world.member.profile_terms] == ["Grades 3-5"]

    surveys.close_survey(lw.survey, world.staff, today)
    db.session.commit()
    with pytest.raises(surveys.SurveyError, match="closed"):
        surveys.save_response(lw.survey, world.member, today, ratings=_all(lw, 1))
    db.session.rollback()
    assert surveys.response_of(lw.survey, world.member).rating_for(lw.topics[0].id) == 2


def test_past_close_date_is_closed_too(world, lw):
    later = lw.survey.closes_on + timedelta(days=1)
    with pytest.raises(surveys.SurveyError, match="closed"):
        surveys.save_response(lw.survey, world.member, later, ratings=_all(lw))


def test_every_topic_needs_a_rating_from_1_to_5(world, lw):
    ratings = _all(lw)
    ratings[lw.topics[0].id] = None
    ratings[lw.topics[1].id] = 7
    with pytest.raises(surveys.SurveyError) as exc:
        surveys.save_response(lw.survey, world.member, clock.today(), ratings=ratings)
    fields = dict(exc.value.problems)
    assert fields[f"topic_{lw.topics[0].id}"] == f"Rate “{lw.topics[0].name}” from 1 to 5."
    assert "whole number from 1 to 5" in fields[f"topic_{lw.topics[1].id}"]


def test_only_educators_answer_and_only_the_lead_answers_for_a_team(world, lw):
    with pytest.raises(surveys.SurveyError, match="Only educators"):
        surveys.save_response(lw.survey, world.staff, clock.today(), ratings=_all(lw))
    with pytest.raises(surveys.SurveyError, match="Only the team lead"):
        surveys.save_team_response(lw.survey, world.team, world.member, clock.today(), ratings=_all(lw))
    r = surveys.save_team_response(lw.survey, world.team, world.lead, clock.today(), ratings=_all(lw, 4))
    assert r.team_id == world.team.id and r.respondent_id is None


def test_survey_setup_rules(world, lw):
    today = clock.today()
    topics = [t.id for t in lw.topics]
    with pytest.raises(surveys.SurveyError) as exc:
        surveys.create_survey(world.staff, school_year="2026-27", title="", opens_on=today, closes_on=today - timedelta(1),
                          threshold=0, topic_ids=[])
    fields = dict(exc.value.problems)
    assert "already a survey for 2026-27" in fields["school_year"]
    assert fields["title"] == "Enter a title."
    assert "close on or after the day it opens" in fields["closes_on"]
    assert "from 1 to 100" in fields["privacy_threshold"]
    assert "at least one topic" in fields["topics"]
    with pytest.raises(surveys.SurveyError, match="consecutive years"):
        surveys.create_survey(world.staff, school_year="2027-29", title="x", opens_on=today, closes_on=today,
                          topic_ids=topics)
    nxt = surveys.create_survey(world.staff, school_year="2027-28", title="Next", opens_on=today, closes_on=today,
                            topic_ids=topics)
    with pytest.raises(surveys.SurveyError, match="still open"):
        surveys.open_survey(nxt, world.staff, today)  # the 2026-27 one is open
    surveys.close_survey(lw.survey, world.staff, today)
    surveys.open_survey(nxt, world.staff, today)
    assert surveys.open_survey_on(today) == nxt
    with pytest.raises(surveys.SurveyError, match="no longer be changed"):
        surveys.update_survey(nxt, today, school_year="2027-28", title="Renamed", opens_on=today, closes_on=today,
                          threshold=5, topic_ids=topics)


def test_home_panel(world, lw):
    today = clock.today()
    panel = surveys.home_panel(world.member, today)
    assert panel["survey"] == lw.survey and panel["answered"] is False and panel["closes_on"] == lw.survey.closes_on
    surveys.save_response(lw.survey, world.member, today, ratings=_all(lw))
    db.session.commit()
    panel = surveys.home_panel(world.member, today)
    assert panel["answered"] is True and panel["answered_at"] is not None
    assert surveys.home_panel(world.staff, today) is None
    surveys.close_survey(lw.survey, world.staff, today)
    assert surveys.home_panel(world.member, today) is None


def test_save_draft_saves_cited_priorities_and_keeps_deactivated_ones(world, lw):
    p = world.draft
    kw = dict(grant_type=p.grant_type, title=p.title, amount_requested=p.amount_requested,
              sections={a: getattr(p, a) or "" for a in drafting.TEXT_SECTIONS},
              lines=[drafting.LineData(b.category, b.description, b.amount) for b in p.budget_lines])
    event = drafting.save_draft(p, world.lead, priorities=[lw.topics[0].id, lw.topics[2].id], **kw)
    db.session.commit()
    assert [t.name for t in p.priorities] == ["Culturally responsive teaching", "Math"]
    assert event.data["fields"] == ["Priorities"]
    lw.topics[0].active = False
    db.session.commit()
    drafting.save_draft(p, world.lead, priorities=[lw.topics[1].id], **kw)
    db.session.commit()
    assert [t.name for t in p.priorities] == ["Culturally responsive teaching", "Literacy"]
    drafting.save_draft(p, world.lead, **kw)  # not given: unchanged
    assert len(p.priorities) == 2
    with pytest.raises(drafting.ProposalError, match="from the list"):
        drafting.save_draft(p, world.lead, priorities=[lw.grade_band.id], **kw)
    assert lw.grade_band.kind is TermKind.GRADE_BAND
