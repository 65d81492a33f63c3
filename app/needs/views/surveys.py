"""Needs surveys (ASK): staff run them, educators and teams answer, everyone sees the priorities.

Load (404) -> check (403 with the reason) -> validate the form (re-render with what was typed, 422)
-> one service call -> commit -> redirect with a flash.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.core import clock
from app.core.charts import bar_chart
from app.extensions import db
from app.models import NeedsSurvey, School, Team, TermKind
from app.needs import priorities as priority_svc
from app.needs import surveys as survey_svc
from app.needs import taxonomy as taxonomy_svc
from app.web import download, flash_refusal, get_or_404, roles_required
from forms.needs import PriorityFilterForm, SurveyForm, answer_form_class

bp = Blueprint("surveys", __name__)


def _apply_problems(form, problems) -> list[str]:
    """Put each (field, message) on its field; return the ones that belong to no field."""
    extra = []
    for name, message in problems:
        if name and name in form:
            if message not in form[name].errors:
                form[name].errors = [*form[name].errors, message]
        else:
            extra.append(message)
    return extra


# -- staff: the surveys ------------------------------------------------------------------------
@bp.get("/surveys/")
@roles_required("staff")
def manage():
    today = clock.today()
    return render_template("needs/surveys.html", rows=survey_svc.survey_rows(today), today=today,
                           status_label=survey_svc.status_label, editable=survey_svc.editable)


def _survey_form_topics(survey: NeedsSurvey | None):
    """Active topics, plus any (now inactive) topic the survey already asks about."""
    topics = taxonomy_svc.active_terms(TermKind.TOPIC)
    if survey is not None:
        ids = {t.id for t in topics}
        topics += [t for t in survey.topics if t.id not in ids]
    return topics


def _render_survey_form(form, survey, status=200, errors=None):
    return render_template("needs/survey_form.html", form=form, survey=survey, errors=errors or []), status


def _survey_fields(form) -> dict:
    return dict(school_year=form.school_year.data, title=form.title.data, intro=form.intro.data or "",
                opens_on=form.opens_on.data, closes_on=form.closes_on.data, threshold=form.privacy_threshold.data,
                topic_ids=form.topics.data or [])


@bp.route("/surveys/new", methods=["GET", "POST"])
@roles_required("staff")
def new():
    topics = _survey_form_topics(None)
    if request.method != "POST":
        form = SurveyForm(formdata=None, topics=topics, data={"topics": [t.id for t in topics],
                                                               "privacy_threshold": 5})
        return _render_survey_form(form, None)
    form = SurveyForm(topics=topics)
    if not form.validate_on_submit():
        return _render_survey_form(form, None, 422)
    try:
        survey = survey_svc.create_survey(current_user, **_survey_fields(form))
    except survey_svc.SurveyError as exc:
        db.session.rollback()
        return _render_survey_form(form, None, 422, _apply_problems(form, exc.problems))
    title = survey.title
    db.session.commit()
    flash(f"Created “{title}”. It is not open yet: open it from this list when it is ready.", "success")
    return redirect(url_for(".manage"))


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@roles_required("staff")
def edit(survey_id: int):
    survey = get_or_404(NeedsSurvey, survey_id)
    today = clock.today()
    if not survey_svc.editable(survey, today):
        abort(403, description=f"“{survey.title}” is {survey_svc.status_label(survey.status(today)).lower()} "
                               "or already has answers, so its questions and dates can no longer be changed.")
    topics = _survey_form_topics(survey)
    if request.method != "POST":
        form = SurveyForm(formdata=None, topics=topics, data=dict(
            school_year=survey.school_year, title=survey.title, intro=survey.intro, opens_on=survey.opens_on,
            closes_on=survey.closes_on, privacy_threshold=survey.privacy_threshold,
            topics=[t.id for t in survey.topics]))
        return _render_survey_form(form, survey)
    form = SurveyForm(topics=topics)
    if not form.validate_on_submit():
        return _render_survey_form(form, survey, 422)
    try:
        survey_svc.update_survey(survey, today, **_survey_fields(form))
    except survey_svc.SurveyError as exc:
        db.session.rollback()
        return _render_survey_form(form, get_or_404(NeedsSurvey, survey_id), 422,
                                   _apply_problems(form, exc.problems))
    title = survey.title
    db.session.commit()
    flash(f"Saved “{title}”.", "success")
    return redirect(url_for(".manage"))


def _survey_action(survey_id: int, act, success):
    """Open or close a survey: ``act(survey, user, today)``; ``success(survey)`` is the message once it is done."""
    survey = get_or_404(NeedsSurvey, survey_id)
    try:
        act(survey, current_user, clock.today())
    except survey_svc.SurveyError as exc:
        db.session.rollback()
        flash_refusal(exc)
        return redirect(url_for(".manage"))
    message = success(survey)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".manage"))


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
        grade_bands=taxonomy_svc.active_terms(TermKind.GRADE_BAND) if with_profile else (),
        subjects=taxonomy_svc.active_terms(TermKind.SUBJECT) if with_profile else (),
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


def _render_not_open(today, status=200, refusal=None):
    response = survey_svc.last_answered(current_user, today)
    return render_template(
        "needs/not_open.html", response=response, next_survey=survey_svc.next_survey(today),
        refusal=refusal, scale=survey_svc.RATING_LABELS,
    ), status


@bp.route("/survey", methods=["GET", "POST"])
@login_required
def answer():
    if not survey_svc.can_answer(current_user):
        abort(403, description=NOT_EDUCATOR)
    today = clock.today()
    survey = survey_svc.open_survey_on(today)
    if survey is None:
        refusal = ("The survey closed, so your answers were not saved. What you answered before is below."
                   if request.method == "POST" else None)
        return _render_not_open(today, 409 if refusal else 200, refusal)
    response = survey_svc.response_of(survey, current_user)
    Form = _answer_form_class(survey)
    if request.method != "POST":
        return _render_answer(survey, Form(formdata=None, data=_prefill(survey, response, current_user)), response)
    form = Form()
    if not form.validate_on_submit():
        return _render_answer(survey, form, response, 422)
    try:
        survey_svc.save_response(survey, current_user, today, ratings=form.ratings(), comment=form.comment.data,
                                 profile_term_ids=[*(form.grade_bands.data or []), *(form.subjects.data or [])])
    except survey_svc.SurveyError as exc:
        db.session.rollback()
        survey = survey_svc.open_survey_on(today)
        if survey is None:
            return _render_not_open(today, 409, " ".join(exc.messages))
        return _render_answer(survey, form, survey_svc.response_of(survey, current_user), 422,
                              _apply_problems(form, exc.problems))
    closes_on = survey.closes_on
    db.session.commit()
    flash(f"Thank you: your answers are saved. You can change them until {closes_on:%B %-d, %Y}.", "success")
    return redirect(url_for(".answer"))


@bp.route("/survey/teams/<int:team_id>", methods=["GET", "POST"])
@login_required
def team_answer(team_id: int):
    team = get_or_404(Team, team_id)
    if not survey_svc.can_view_team_response(current_user, team):
        abort(403, description=f"A team's survey response is seen by the members of {team.name}; its lead, "
                               f"{team.lead_name}, answers for the team.")
    is_lead = current_user.id == team.lead_id
    today = clock.today()
    survey = survey_svc.open_survey_on(today)
    if request.method == "POST" and not is_lead:
        abort(403, description=f"Only the team lead, {team.lead_name}, answers the survey for {team.name}.")
    shown = survey or survey_svc.latest_survey(today)
    response = survey_svc.team_response_of(shown, team) if shown is not None else None
    if survey is None or not is_lead:
        refusal = ("The survey closed, so the team's answers were not saved."
                   if request.method == "POST" else None)
        return render_template("needs/team_answer.html", team=team, survey=shown, response=response, form=None,
                               is_lead=is_lead, open_now=survey is not None, refusal=refusal, errors=[],
                               scale=survey_svc.RATING_LABELS), 409 if refusal else 200
    Form = _answer_form_class(survey, with_profile=False)

    def render(form, status=200, errors=None):
        return render_template("needs/team_answer.html", team=team, survey=survey, response=response, form=form,
                               is_lead=True, open_now=True, refusal=None, errors=errors or [],
                               scale=survey_svc.RATING_LABELS), status

    if request.method != "POST":
        return render(Form(formdata=None, data=_prefill(survey, response)))
    form = Form()
    if not form.validate_on_submit():
        return render(form, 422)
    try:
        survey_svc.save_team_response(survey, team, current_user, today, ratings=form.ratings(),
                                      comment=form.comment.data)
    except survey_svc.SurveyError as exc:
        db.session.rollback()
        return render(form, 422, _apply_problems(form, exc.problems))
    name = team.name
    db.session.commit()
    flash(f"Saved the survey response for {name}.", "success")
    return redirect(url_for(".team_answer", team_id=team_id))


# -- priorities --------------------------------------------------------------------------------
def _opened_surveys():
    return [row.survey for row in survey_svc.survey_rows(clock.today()) if row.survey.opened_at is not None]


@bp.get("/priorities")
@login_required
def priorities():
    today = clock.today()
    surveys = _opened_surveys()
    schools = db.session.scalars(db.select(School).order_by(School.name)).all()
    form = PriorityFilterForm(formdata=request.args, surveys=surveys, schools=schools)
    valid = form.validate() if request.args else True
    survey_id = form.survey.data if valid or not form.survey.errors else None
    school_id = form.school.data if valid or not form.school.errors else None
    survey = next((s for s in surveys if s.id == survey_id), None) if survey_id else survey_svc.latest_survey(today)
    if survey is None:
        return render_template("needs/priorities.html", form=form, survey=None, rollup=None, scope=None,
                               chart=None, is_staff=current_user.has_role("staff"))
    rollup = priority_svc.rollup(survey)
    scope = rollup.school(school_id) if school_id else rollup.district
    chart = None
    if scope is not None and not scope.suppressed and scope.responses:
        chart = bar_chart(
            f"Mean need rating by topic: {scope.name}",
            [f.term.name for f in scope.topics], [f.mean for f in scope.topics], series="Mean rating",
            max_value=5, name=f"Bar chart of the mean need rating (1 to 5) for each topic, {scope.name}, "
                              f"{survey.title}. The table below gives the same figures.")
    return render_template("needs/priorities.html", form=form, survey=survey, rollup=rollup, scope=scope,
                           chart=chart, is_staff=current_user.has_role("staff"))


@bp.get("/priorities.csv")
@roles_required("staff")
def priorities_csv():
    today = clock.today()
    surveys = _opened_surveys()
    form = PriorityFilterForm(formdata=request.args, surveys=surveys, schools=())
    survey_id = form.survey.data if form.survey.validate(form) else None
    survey = next((s for s in surveys if s.id == survey_id), None) if survey_id else survey_svc.latest_survey(today)
    if survey is None:
        abort(404)
    data = priority_svc.csv_bytes(priority_svc.rollup(survey))
    return download(data, f"priorities-{survey.school_year}.csv", "text/csv")
