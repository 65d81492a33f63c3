"""Needs surveys (ASK): staff run them, educators and teams answer, everyone sees the priorities.

Each view loads (404), checks (403 with the reason), picks its form and hands one operation to
``app.web.run``, which commits or rolls back once (a refused form comes back with what was typed, 422).
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from app.core import clock
from app.models import NeedsSurvey, Team, TermKind
from app.needs import priorities as priority_svc
from app.needs import surveys as survey_svc
from app.needs import taxonomy
from app.people.accounts import all_schools
from app.web import csv_download, get_or_404, roles_required, run, show_refusal
from forms.needs import PriorityFilterForm, SurveyForm, answer_form_class

bp = Blueprint("surveys", __name__)


# -- staff: the surveys ------------------------------------------------------------------------
@bp.get("/surveys/")
@roles_required("staff")
def manage():
    today = clock.today()
    return render_template("needs/surveys.html", rows=survey_svc.survey_rows(today), today=today,
                           status_label=survey_svc.status_label, editable=survey_svc.editable)


def _render_survey_form(form, survey, status=200, errors=None):
    return render_template("needs/survey_form.html", form=form, survey=survey, errors=errors or []), status


def _survey_fields(form) -> dict:
    return dict(school_year=form.school_year.data, title=form.title.data, intro=form.intro.data or "",
                opens_on=form.opens_on.data, closes_on=form.closes_on.data, threshold=form.privacy_threshold.data,
                topic_ids=form.topics.data or [])


def _survey_data(survey: NeedsSurvey) -> dict:
    return dict(school_year=survey.school_year, title=survey.title, intro=survey.intro, opens_on=survey.opens_on,
                closes_on=survey.closes_on, privacy_threshold=survey.privacy_threshold,
                topics=[t.id for t in survey.topics])


@bp.route("/surveys/new", methods=["GET", "POST"])
@roles_required("staff")
def new():
    topics = survey_svc.offered_topics(None)
    if request.method != "POST":
        form = SurveyForm(formdata=None, topics=topics, data={"topics": [t.id for t in topics],
                                                               "privacy_threshold": 5})
        return _render_survey_form(form, None)
    form = SurveyForm(topics=topics)
    return run(
        lambda: survey_svc.create_survey(current_user, **_survey_fields(form)), form=form,
        done=url_for(".manage"),
        success=lambda survey: (f"Created “{survey.title}”. It is not open yet: open it from this list when it "
                                "is ready."),
        again=lambda refusal: _render_survey_form(form, None, 422, show_refusal(form, refusal)),
        once=True,
    )


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@roles_required("staff")
def edit(survey_id: int):
    survey = get_or_404(NeedsSurvey, survey_id)
    today = clock.today()
    if (refusal := survey_svc.edit_refusal(survey, today)) is not None:
        abort(403, description=refusal)
    topics = survey_svc.offered_topics(survey)
    if request.method != "POST":
        return _render_survey_form(SurveyForm(formdata=None, topics=topics, data=_survey_data(survey)), survey)
    form = SurveyForm(topics=topics)
    return run(
        lambda: survey_svc.update_survey(survey, today, **_survey_fields(form)), form=form,
        done=url_for(".manage"), success=lambda saved: f"Saved “{saved.title}”.",
        again=lambda refusal: _render_survey_form(form, get_or_404(NeedsSurvey, survey_id), 422,
                                                  show_refusal(form, refusal)),
    )


def _survey_action(survey_id: int, act, success):
    """Open or close a survey: ``act(survey, user, today)``; ``success(survey)`` is the message once it is done
    (a refusal is flashed); back to the list either way."""
    survey = get_or_404(NeedsSurvey, survey_id)
    return run(lambda: act(survey, current_user, clock.today()), done=url_for(".manage"), success=success)


@bp.post("/surveys/<int:survey_id>/open", endpoint="open")
@roles_required("staff")
def open_(survey_id: int):
    return _survey_action(survey_id, survey_svc.open_survey, lambda s: (
        f"Opened “{s.title}”: educators can answer from {s.opens_on:%B %-d, %Y} until {s.closes_on:%B %-d, %Y}."))


@bp.post("/surveys/<int:survey_id>/close")
@roles_required("staff")
def close(survey_id: int):
    return _survey_action(survey_id, survey_svc.close_survey, lambda s: (
        f"Closed “{s.title}”. Educators can no longer answer or change their answers."))


# -- answering ---------------------------------------------------------------------------------
NOT_EDUCATOR = ("The needs survey is answered by educators. Everyone signed in can see the results on the "
                "Priorities page.")


def _answer_form_class(survey: NeedsSurvey, with_profile: bool = True):
    return answer_form_class(
        survey.topics, with_profile=with_profile,
        grade_bands=taxonomy.active_terms(TermKind.GRADE_BAND) if with_profile else (),
        subjects=taxonomy.active_terms(TermKind.SUBJECT) if with_profile else (),
    )


def _prefill(survey: NeedsSurvey, response, user=None) -> dict:
    data = {}
    if response is not None:
        data = {f"topic_{t.id}": str(v) for t in survey.topics if (v := response.rating_for(t.id)) is not None}
        data["comment"] = response.comment
    if user is not None:
        data["grade_bands"] = [t.id for t in user.profile_terms if t.kind is TermKind.GRADE_BAND]
        data["subjects"] = [t.id for t in user.profile_terms if t.kind is TermKind.SUBJECT]
    return data


def _render_answer(survey, form, response, status=200, errors=None):
    return render_template(
        "needs/answer.html", survey=survey, form=form, response=response, errors=errors or [],
        teams=survey_svc.led_teams(current_user), scale=survey_svc.RATING_LABELS,
    ), status


def _render_not_open(today, refusal=None):
    """No survey is open: the educator's last answers, read only (409 with ``refusal`` when they had just sent some)."""
    response = survey_svc.last_answered(current_user, today)
    return render_template(
        "needs/not_open.html", response=response, next_survey=survey_svc.next_survey(today),
        refusal=refusal, scale=survey_svc.RATING_LABELS,
    ), 409 if refusal else 200


def _answer_again(today, form, refusal):
    """The refused answers again: on the form (422), or, when the survey closed meanwhile, on the closed page."""
    survey = survey_svc.open_survey_on(today)
    if survey is None:
        return _render_not_open(today, " ".join(refusal.messages))
    return _render_answer(survey, form, survey_svc.response_of(survey, current_user), 422,
                          show_refusal(form, refusal))


@bp.route("/survey", methods=["GET", "POST"])
@login_required
def answer():
    if not survey_svc.can_answer(current_user):
        abort(403, description=NOT_EDUCATOR)
    today = clock.today()
    survey = survey_svc.open_survey_on(today)
    if survey is None:
        return _render_not_open(today, "The survey closed, so your answers were not saved. What you answered "
                                       "before is below." if request.method == "POST" else None)
    response = survey_svc.response_of(survey, current_user)
    Form = _answer_form_class(survey)
    if request.method != "POST":
        return _render_answer(survey, Form(formdata=None, data=_prefill(survey, response, current_user)), response)
    form = Form()
    return run(
        lambda: survey_svc.save_response(survey, current_user, today, ratings=form.ratings(),
                                         comment=form.comment.data,
                                         profile_term_ids=[*(form.grade_bands.data or []), *(form.subjects.data or [])]),
        form=form, done=url_for(".answer"),
        success=f"Thank you: your answers are saved. You can change them until {survey.closes_on:%B %-d, %Y}.",
        again=lambda refusal: _answer_again(today, form, refusal),
        once=True,
    )


def _render_team(team, survey, response, form, status=200, errors=(), *, is_lead=True, open_now=True, refusal=None):
    return render_template("needs/team_answer.html", team=team, survey=survey, response=response, form=form,
                           is_lead=is_lead, open_now=open_now, refusal=refusal, errors=list(errors),
                           scale=survey_svc.RATING_LABELS), status


def _render_team_read_only(team, survey, today, is_lead):
    """The team's answers to the open (else the latest) survey, read only: for members, or once it closed
    (409 when the lead had just sent answers)."""
    shown = survey or survey_svc.latest_survey(today)
    response = survey_svc.team_response_of(shown, team) if shown is not None else None
    refusal = "The survey closed, so the team's answers were not saved." if request.method == "POST" else None
    return _render_team(team, shown, response, None, 409 if refusal else 200, is_lead=is_lead,
                        open_now=survey is not None, refusal=refusal)


@bp.route("/survey/teams/<int:team_id>", methods=["GET", "POST"])
@login_required
def team_answer(team_id: int):
    team = get_or_404(Team, team_id)
    if not survey_svc.can_view_team_response(current_user, team):
        abort(403, description=f"A team's survey response is seen by the members of {team.name}; its lead, "
                               f"{team.lead_name}, answers for the team.")
    is_lead = current_user.id == team.lead_id
    if request.method == "POST" and not is_lead:
        abort(403, description=f"Only the team lead, {team.lead_name}, answers the survey for {team.name}.")
    today = clock.today()
    survey = survey_svc.open_survey_on(today)
    if survey is None or not is_lead:
        return _render_team_read_only(team, survey, today, is_lead)
    response = survey_svc.team_response_of(survey, team)
    Form = _answer_form_class(survey, with_profile=False)
    if request.method != "POST":
        return _render_team(team, survey, response, Form(formdata=None, data=_prefill(survey, response)))
    form = Form()
    return run(
        lambda: survey_svc.save_team_response(survey, team, current_user, today, ratings=form.ratings(),
                                              comment=form.comment.data),
        form=form, done=url_for(".team_answer", team_id=team_id),
        success=f"Saved the survey response for {team.name}.",
        again=lambda refusal: _render_team(team, survey, response, form, 422, show_refusal(form, refusal)),
        once=True,
    )


# -- priorities --------------------------------------------------------------------------------
def _render_priorities(form, survey=None, rollup=None, scope=None):
    return render_template("needs/priorities.html", form=form, survey=survey, rollup=rollup, scope=scope,
                           chart=priority_svc.chart(survey, scope) if survey is not None else None,
                           is_staff=current_user.has_role("staff"))


@bp.get("/priorities")
@login_required
def priorities():
    today = clock.today()
    surveys = survey_svc.opened_surveys(today)
    form = PriorityFilterForm(formdata=request.args, surveys=surveys, schools=all_schools())
    valid = form.validate() if request.args else True
    survey_id = form.survey.data if valid or not form.survey.errors else None
    school_id = form.school.data if valid or not form.school.errors else None
    survey = priority_svc.survey_shown(surveys, survey_id, today)
    if survey is None:
        return _render_priorities(form)
    rollup = priority_svc.rollup(survey)
    return _render_priorities(form, survey, rollup, rollup.school(school_id) if school_id else rollup.district)


@bp.get("/priorities.csv")
@roles_required("staff")
def priorities_csv():
    today = clock.today()
    surveys = survey_svc.opened_surveys(today)
    form = PriorityFilterForm(formdata=request.args, surveys=surveys, schools=())
    survey = priority_svc.survey_shown(surveys, form.survey.data if form.survey.validate(form) else None, today)
    if survey is None:
        abort(404)
    rows = priority_svc.csv_rows(priority_svc.rollup(survey))
    return csv_download(f"priorities-{survey.school_year}", priority_svc.CSV_HEADER, rows)
