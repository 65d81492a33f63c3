"""Needs survey pages as users see them: staff set up, open and close a survey; an educator answers,
comes back to update, and sees a read-only copy after close; a team lead answers for the team;
everyone sees priorities (chart and table), with the privacy threshold; bad input is kept with messages."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.core import clock
from app.extensions import db
from app.models import NeedsSurvey, SurveyResponse
from tests.sqlcount import statements as counting


@pytest.fixture
def lw(world):
    return world.learning


def _ratings(lw, value="3"):
    return {f"topic_{t.id}": value for t in lw.topics}


def _text(resp) -> str:
    return resp.get_data(as_text=True)


# -- answering ---------------------------------------------------------------------------------
def test_answer_page_has_a_labelled_radio_group_per_topic(login_as, world, lw):
    page = _text(login_as(world.member).get("/survey"))
    assert 'id="error-summary"' not in page
    for t in lw.topics:
        assert f'<legend class="form-label fs-6 fw-semibold" id="topic_{t.id}">{t.name}' in page
        for v in range(1, 6):
            assert f'id="topic_{t.id}-{v - 1}"' in page
    assert "5: very high need" in page and "for your own practice" in page
    assert "Grade bands you teach" in page and 'name="grade_bands"' in page


def test_missing_and_out_of_range_ratings_are_refused_and_input_kept(login_as, world, lw):
    b = login_as(world.member)
    data = {**_ratings(lw), "comment": "Please more co-teaching", "grade_bands": [str(lw.grade_band.id)]}
    del data[f"topic_{lw.topics[0].id}"]
    data[f"topic_{lw.topics[1].id}"] = "7"
    resp = b.post("/survey", data, token_from="/survey")
    page = _text(resp)
    assert resp.status_code == 422
    assert f"Rate “{lw.topics[0].name}” from 1 to 5." in page
    assert f"Rate “{lw.topics[1].name}” with a whole number from 1 to 5." in page
    assert f'href="#topic_{lw.topics[0].id}-0"' in page  # the summary links to the group's first radio
    assert "Please more co-teaching" in page
    assert re.search(r'value="3"[^>]*checked|checked[^>]*value="3"', page)
    assert f'id="grade_bands-{lw.grade_band.id}" value="{lw.grade_band.id}" checked' in page
    assert db.session.scalar(db.select(SurveyResponse).where(SurveyResponse.respondent_id == world.member.id)) is None


def test_educator_answers_updates_until_close_then_sees_read_only(login_as, world, lw):
    b = login_as(world.member)
    data = {**_ratings(lw, "2"), "comment": "Co-teaching", "grade_bands": [str(lw.grade_band.id)],
            "subjects": [str(lw.subject.id)]}
    resp = b.post("/survey", data, token_from="/survey")
    assert resp.status_code == 302
    page = _text(b.get("/survey"))
    assert "last updated" in page and "Update my answers" in page and "Co-teaching" in page
    assert f'id="subjects-{lw.subject.id}" value="{lw.subject.id}" checked' in page
    data[f"topic_{lw.topics[3].id}"] = "5"
    assert b.post("/survey", data, token_from="/survey").status_code == 302
    response = db.session.scalar(db.select(SurveyResponse).where(SurveyResponse.respondent_id == world.member.id))
    db.session.refresh(response)
    assert response.rating_for(lw.topics[3].id) == 5 and response.school_id == world.school.id
    assert [t.name for t in world.member.profile_terms] == ["Grades 3-5", "English language arts"]

    staff = login_as(world.staff)
    assert staff.post(f"/surveys/{lw.survey.id}/close", token_from="/surveys/").status_code == 302
    b = login_as(world.member)
    page = _text(b.get("/survey"))
    assert "No needs survey is open right now" in page
    assert "can no longer be changed" in page and "5: very high need" in page and 'name="topic_' not in page
    token = b.token("/priorities")
    resp = b.open("/survey", method="POST", data={**_ratings(lw, "1"), "csrf_token": token})
    assert resp.status_code == 409 and "not saved" in _text(resp)
    db.session.refresh(response)
    assert response.rating_for(lw.topics[0].id) == 2


def test_no_survey_open_page_says_when_the_next_opens(login_as, world, factory):
    topic = factory.term("Family engagement")
    factory.survey([topic], school_year="2027-28", opens_on=clock.today() + timedelta(days=30),
                   closes_on=clock.today() + timedelta(days=60))
    db.session.commit()
    resp = login_as(world.lead).get("/survey")
    assert resp.status_code == 200
    page = _text(resp)
    assert "No needs survey is open right now" in page and "opens on" in page


def test_non_educator_is_told_why(login_as, world, lw):
    resp = login_as(world.co_chair_btu).get("/survey")
    assert resp.status_code == 403 and "answered by educators" in _text(resp)


def test_team_lead_answers_for_the_team_and_members_see_it(login_as, world, lw):
    b = login_as(world.lead)
    assert f"/survey/teams/{world.team.id}" in _text(b.get("/survey"))
    url = f"/survey/teams/{world.team.id}"
    assert 'name="grade_bands"' not in _text(b.get(url))
    bad = b.post(url, {"comment": "x"}, token_from=url)
    assert bad.status_code == 422 and "from 1 to 5" in _text(bad) and "x</textarea>" in _text(bad)
    assert b.post(url, {**_ratings(lw, "4"), "comment": "As a team"}, token_from=url).status_code == 302
    member = login_as(world.member)
    page = _text(member.get(url))
    assert "As a team" in page and "4: high need" in page and 'name="topic_' not in page
    assert member.post(url, _ratings(lw, "1"), token_from=url).status_code == 403
    assert login_as(world.outsider).get(url).status_code == 403


# -- staff -------------------------------------------------------------------------------------
def _survey_form(lw, **over):
    today = clock.today()
    data = {"school_year": "2027-28", "title": "Needs survey 2027-28", "intro": "Tell us.",
            "opens_on": str(today + timedelta(days=200)), "closes_on": str(today + timedelta(days=230)),
            "privacy_threshold": "5", "topics": [str(t.id) for t in lw.topics]}
    data.update(over)
    return data


def test_staff_set_up_edit_open_and_close_a_survey(login_as, world, lw):
    b = login_as(world.staff)
    page = _text(b.get("/surveys/new"))
    assert all(f'value="{t.id}" checked' in page for t in lw.topics)  # all active topics by default
    assert 'value="5"' in page  # default threshold
    assert b.post("/surveys/new", _survey_form(lw), token_from="/surveys/new").status_code == 302
    survey = db.session.scalar(db.select(NeedsSurvey).where(NeedsSurvey.school_year == "2027-28"))
    assert survey.opened_at is None and len(survey.topics) == 4
    edit = f"/surveys/{survey.id}/edit"
    assert "Needs survey 2027-28" in _text(b.get(edit))
    assert b.post(edit, _survey_form(lw, title="Renamed", topics=[str(lw.topics[0].id)]),
                  token_from=edit).status_code == 302
    db.session.refresh(survey)
    assert survey.title == "Renamed" and [t.id for t in survey.topics] == [lw.topics[0].id]

    page = _text(b.get("/surveys/"))
    assert "Renamed" in page and "Not opened yet" in page and "Open" in page
    resp = b.post(f"/surveys/{survey.id}/open", token_from="/surveys/", follow_redirects=True)
    assert "is still open" in _text(resp)  # the 2026-27 one
    b.post(f"/surveys/{lw.survey.id}/close", token_from="/surveys/")
    resp = b.post(f"/surveys/{survey.id}/open", token_from="/surveys/", follow_redirects=True)
    assert "Opened “Renamed”" in _text(resp)
    db.session.refresh(survey)
    assert survey.opened_at is not None
    assert b.get(edit).status_code == 200  # opened, but its open date is still to come: dates can move
    refused = b.get(f"/surveys/{lw.survey.id}/edit")  # the closed one
    assert refused.status_code == 403 and "can no longer be changed" in _text(refused)


def test_survey_list_counts_responses(login_as, world, lw, factory):
    factory.response(lw.survey, {t: 3 for t in lw.topics}, respondent=world.member)
    factory.response(lw.survey, {t: 3 for t in lw.topics}, respondent=world.outsider)
    factory.response(lw.survey, {t: 3 for t in lw.topics}, team=world.team)
    db.session.commit()
    page = _text(login_as(world.staff).get("/surveys/"))
    row = page[page.index(f'data-survey-id="{lw.survey.id}"'):]
    row = row[:row.index("</tr>")]
    assert "<td>2</td>" in row and "<td>1</td>" in row and "Open" in row


@pytest.mark.parametrize("over,message", [
    ({"closes_on": "2020-01-01", "opens_on": "2020-02-01"}, "must close on or after the day it opens"),
    ({"school_year": "2026-27"}, "There is already a survey for 2026-27"),
    ({"school_year": "2027-29"}, "two consecutive years"),
    ({"opens_on": "next week"}, "is not a date"),
    ({"privacy_threshold": "zero"}, "Enter a whole number"),
    ({"privacy_threshold": "0"}, "from 1 to 100"),
    ({"topics": []}, "Choose at least one topic"),
    ({"title": ""}, "Enter a title."),
])
def test_bad_survey_input_shows_a_message_and_keeps_the_input(login_as, world, lw, over, message):
    b = login_as(world.staff)
    data = _survey_form(lw, intro="Keep this intro", **over)
    resp = b.post("/surveys/new", data, token_from="/surveys/new")
    page = _text(resp)
    assert resp.status_code == 422
    assert 'id="error-summary"' in page and message in page
    assert "Keep this intro" in page
    for key in ("school_year", "opens_on", "privacy_threshold"):
        if data.get(key):
            assert f'value="{data[key]}"' in page


# -- taxonomy ----------------------------------------------------------------------------------
def test_staff_manage_terms(login_as, world, lw):
    b = login_as(world.staff)
    page = _text(b.get("/taxonomy/"))
    assert "Topics" in page and "Grade bands" in page and "Subjects" in page and "Literacy" in page
    resp = b.post("/taxonomy/new", {"kind": "topic", "name": "  Family   engagement ", "description": "With families",
                                    "position": "9"}, token_from="/taxonomy/new")
    assert resp.status_code == 302
    page = _text(b.get("/taxonomy/"))
    assert "Family engagement" in page and "With families" in page

    literacy = lw.topics[1]
    edit = f"/taxonomy/{literacy.id}/edit"
    assert b.post(edit, {"name": "Early literacy", "description": "", "position": "1"},
                  token_from=edit).status_code == 302
    db.session.refresh(literacy)
    assert literacy.name == "Early literacy" and literacy.kind.value == "topic"

    b.post(f"/taxonomy/{literacy.id}/toggle", token_from="/taxonomy/")
    db.session.refresh(literacy)
    assert literacy.active is False
    assert f'value="{literacy.id}"' not in _text(b.get("/surveys/new"))  # no longer offered
    assert "Retired" in _text(b.get("/taxonomy/"))
    b.post(f"/taxonomy/{literacy.id}/toggle", token_from="/taxonomy/")
    db.session.refresh(literacy)
    assert literacy.active is True
    # Every act is on the term's record: who renamed, retired and brought it back, and what changed.
    history = _text(b.get(edit))
    for words in ("History", "Renamed", "name: Literacy → Early literacy", "Retired", "Reactivated",
                  world.staff.name):
        assert words in history, words


@pytest.mark.parametrize("data,message", [
    ({"kind": "topic", "name": "MATH"}, "There is already a topic called “Math”"),
    ({"kind": "topic", "name": ""}, "Enter a name."),
    ({"kind": "topic", "name": "Art", "position": "first"}, "Enter a whole number"),
    ({"kind": "topic", "name": "Art", "position": "-3"}, "Enter a position from 0"),
    ({"kind": "colour", "name": "Art"}, "Choose topic, grade band or subject."),
])
def test_bad_term_input_shows_a_message_and_keeps_the_input(login_as, world, lw, data, message):
    b = login_as(world.staff)
    resp = b.post("/taxonomy/new", {"description": "Kept description", **data}, token_from="/taxonomy/new")
    page = _text(resp)
    assert resp.status_code == 422 and 'id="error-summary"' in page and message in page
    assert "Kept description" in page
    if data["name"]:
        assert f'value="{data["name"]}"' in page


def test_same_name_in_another_kind_is_fine(login_as, world, lw):
    b = login_as(world.staff)
    resp = b.post("/taxonomy/new", {"kind": "subject", "name": "Math"}, token_from="/taxonomy/new")
    assert resp.status_code == 302


# -- priorities --------------------------------------------------------------------------------
def _answers(factory, lw, school, n, values=(5, 4, 2, 1)):
    for _ in range(n):
        factory.response(lw.survey, dict(zip(lw.topics, values, strict=True)),
                         respondent=factory.user("educator", school=school))


def test_priorities_chart_and_table_for_everyone(login_as, world, lw, factory):
    _answers(factory, lw, world.school, 5)
    _answers(factory, lw, world.other_school, 2, values=(1, 1, 1, 5))
    factory.response(lw.survey, {t: 5 for t in lw.topics}, team=world.team)
    db.session.commit()
    resp = login_as(world.reviewer_btu).get("/priorities")
    page = _text(resp)
    assert resp.status_code == 200
    assert '<svg role="img" aria-label="Bar chart of the mean need rating' in page and "<script" not in page
    table = page[page.index('id="ranking"'):page.index("</table>", page.index('id="ranking"'))]
    names = re.findall(r'data-topic="([^"]+)"', table)
    # Means over 7: CRT (25+2)/7 = 3.86, Literacy (20+2)/7 = 3.14, Math (10+2)/7 = 1.71, Special ed (5+10)/7 = 2.14
    assert names == ["Culturally responsive teaching", "Literacy", "Special education", "Math"]
    assert "3.86" in table and "3.14" in table and "2.14" in table and "1.71" in table
    assert "Team responses" in page and 'id="team-figures"' in page
    schools = page[page.index('id="school-figures"'):]
    assert world.school.name in schools[:schools.index("</table>")]
    assert world.other_school.name not in schools[:schools.index("</table>")]
    assert f"Not shown, with fewer than 5 responses: {world.other_school.name}" in page
    assert "Download the rollup table" not in page  # staff only


def test_school_under_the_threshold_shows_no_breakdown(login_as, world, lw, factory):
    _answers(factory, lw, world.school, 4)
    db.session.commit()
    b = login_as(world.staff)
    url = f"/priorities?survey={lw.survey.id}&school={world.school.id}"
    page = _text(b.get(url))
    assert "No breakdown is shown for Mather Elementary" in page and "privacy threshold is 5" in page
    assert 'id="ranking"' not in page and "<svg" not in page
    _answers(factory, lw, world.school, 1)  # now at the threshold
    db.session.commit()
    page = _text(b.get(url))
    assert "No breakdown" not in page and 'id="ranking"' in page and "<svg" in page
    assert "5 individual responses from" in page


def test_priorities_bad_filter_is_reported_not_a_500(login_as, world, lw):
    resp = login_as(world.lead).get("/priorities?school=abc&survey=99999")
    assert resp.status_code == 200
    page = _text(resp)
    assert "Choose a school from the list." in page and "Choose a survey from the list." in page
    assert 'id="ranking"' in page  # falls back to the district and the current survey


def test_priorities_csv_for_staff(login_as, world, lw, factory):
    _answers(factory, lw, world.school, 5)
    db.session.commit()
    resp = login_as(world.staff).get(f"/priorities.csv?survey={lw.survey.id}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    text = resp.get_data().decode("utf-8-sig")
    assert text.startswith("Scope,Rank,Topic") and "District,1,Culturally responsive teaching,5,5.00" in text
    assert "Mather Elementary,1,Culturally responsive teaching" in text


def test_no_survey_yet(login_as, world):
    page = _text(login_as(world.lead).get("/priorities"))
    assert "No needs survey has been opened yet" in page


def _build(factory, lw, schools, per_school):
    for s in schools:
        _answers(factory, lw, s, per_school)
    db.session.commit()


def test_priorities_statements_do_not_grow_with_responses_or_schools(login_as, world, lw, factory):
    b = login_as(world.staff)
    _build(factory, lw, [factory.school(f"Count A{i}") for i in range(2)], 5)

    def count():
        b.get("/priorities")
        with counting() as seen:
            resp = b.get("/priorities")
        assert resp.status_code == 200
        return len(seen)

    few = count()
    _build(factory, lw, [factory.school(f"Count B{i}") for i in range(12)], 8)
    many = count()
    assert few == many, f"{few} statements with 2 schools but {many} with 14"
    assert many <= 20


# -- proposals cite priorities -------------------------------------------------------------------
def test_proposal_edit_offers_priorities_by_rank_and_case_page_lists_them(login_as, world, lw, factory):
    _answers(factory, lw, world.school, 1, values=(1, 2, 5, 3))  # Math first, then Special ed, Literacy, CRT
    world.draft.priorities = [lw.topics[2]]
    db.session.commit()
    b = login_as(world.lead)
    page = _text(b.get(f"/proposals/{world.draft.id}/edit"))
    assert "Which district priorities does this proposal address?" in page
    group = page[page.index('id="priorities"'):]
    order = [int(i) for i in re.findall(r'id="priorities-(\d+)"', group)]
    assert order == [lw.topics[2].id, lw.topics[3].id, lw.topics[1].id, lw.topics[0].id]
    assert f'value="{lw.topics[2].id}" checked' in group
    page = _text(b.get(f"/proposals/{world.draft.id}"))
    cited = page[page.index('id="cited-priorities"'):]
    assert "Math" in cited[:cited.index("</dd>")]


def test_home_partial_renders_the_panel(app, world, lw):
    from flask import render_template

    from app.needs import surveys as survey_svc

    with app.test_request_context("/"):
        html = render_template("needs/_home.html", panel=survey_svc.home_panel(world.member, clock.today()))
        assert '<h2 id="survey-panel-title">' in html and "Answer the needs survey" in html
        assert "/survey" in html
        assert render_template("needs/_home.html", panel=None).strip() == ""
