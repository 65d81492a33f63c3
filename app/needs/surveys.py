"""Needs surveys (ASK): staff set one up per school year and open it; educators (and team leads, for
their team) rate each topic's need for their own practice from 1 to 5 and may change their answers
until it closes.

A survey is answerable while it is open: opened by staff, not closed early, and today between its
open and close dates (``NeedsSurvey.is_open``). Only one survey may be opened-and-not-yet-closed at
a time, so "the open survey" is never ambiguous.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import (
    SURVEY_CLOSABLE,
    SURVEY_EDITABLE,
    NeedsSurvey,
    SurveyRating,
    SurveyResponse,
    SurveyStatus,
    Team,
    Term,
    TermKind,
    User,
)
from app.needs import taxonomy

TITLE_MAX = 160
INTRO_MAX = 5000
COMMENT_MAX = 5000
THRESHOLD_MAX = 100
RATING_LABELS = {
    1: "1: little or no need",
    2: "2: some need",
    3: "3: moderate need",
    4: "4: high need",
    5: "5: very high need",
}
HIGH_NEED = 4  # a rating of 4 or 5 counts as "high need"
PROFILE_KINDS = (TermKind.GRADE_BAND, TermKind.SUBJECT)
_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


class SurveyError(FormError):
    """A refusal: a sentence (and the field it is about), or (field name or None, sentence) pairs."""


def status_of(survey: NeedsSurvey, today: date) -> SurveyStatus:
    return survey.status(today)


# -- reading -------------------------------------------------------------------------------------
@dataclass
class SurveyRow:
    survey: NeedsSurvey
    individual: int
    teams: int
    status: SurveyStatus

    @property
    def can_open(self) -> bool:
        return self.status is SurveyStatus.DRAFT

    @property
    def can_close(self) -> bool:
        return self.status in SURVEY_CLOSABLE


def survey_rows(today: date) -> list[SurveyRow]:
    surveys = db.session.scalars(select(NeedsSurvey).order_by(NeedsSurvey.opens_on.desc())).all()
    counts = {(sid, is_team): n for sid, is_team, n in db.session.execute(
        select(SurveyResponse.survey_id, SurveyResponse.team_id.is_not(None), func.count())
        .group_by(SurveyResponse.survey_id, SurveyResponse.team_id.is_not(None)))}
    return [SurveyRow(s, counts.get((s.id, False), 0), counts.get((s.id, True), 0), status_of(s, today))
            for s in surveys]


def opened_surveys(today: date) -> list[NeedsSurvey]:
    """Every survey that was ever opened, newest first (those the priorities page offers)."""
    return [row.survey for row in survey_rows(today) if row.survey.opened_at is not None]


def status_label(status: SurveyStatus) -> str:
    return status.label


def open_survey_on(today: date) -> NeedsSurvey | None:
    """The survey educators can answer today, if any."""
    candidates = db.session.scalars(select(NeedsSurvey).where(
        NeedsSurvey.opened_at.is_not(None), NeedsSurvey.closed_at.is_(None),
        NeedsSurvey.opens_on <= today, NeedsSurvey.closes_on >= today).order_by(NeedsSurvey.opens_on.desc())).all()
    return candidates[0] if candidates else None


def next_survey(today: date) -> NeedsSurvey | None:
    """An opened survey whose open date is still to come."""
    return db.session.scalar(select(NeedsSurvey).where(
        NeedsSurvey.opened_at.is_not(None), NeedsSurvey.closed_at.is_(None), NeedsSurvey.opens_on > today)
        .order_by(NeedsSurvey.opens_on).limit(1))


def latest_survey(today: date) -> NeedsSurvey | None:
    """The survey priorities are shown for by default: the open one, else the latest that was opened."""
    return open_survey_on(today) or db.session.scalar(
        select(NeedsSurvey).where(NeedsSurvey.opened_at.is_not(None), NeedsSurvey.opens_on <= today)
        .order_by(NeedsSurvey.opens_on.desc()).limit(1))


def last_answered(user: User, today: date) -> SurveyResponse | None:
    """The user's own answers to the most recent survey that is no longer open (for the read-only view)."""
    return db.session.scalar(
        select(SurveyResponse).join(NeedsSurvey).where(SurveyResponse.respondent_id == user.id,
                                                       NeedsSurvey.opened_at.is_not(None))
        .order_by(NeedsSurvey.opens_on.desc()).limit(1))


def response_of(survey: NeedsSurvey, user: User) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                                          SurveyResponse.respondent_id == user.id))


def team_response_of(survey: NeedsSurvey, team: Team) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                                          SurveyResponse.team_id == team.id))


def led_teams(user: User) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.lead_id == user.id).order_by(Team.name)))


def can_answer(user: User) -> bool:
    return user.has_role("educator")


def can_view_team_response(user: User, team: Team) -> bool:
    return user.id == team.lead_id or user.id in team.member_ids


def home_panel(user: User, today: date) -> dict | None:
    """What the home page says about the survey, for an educator: the open survey, its close date,
    whether they answered and when (None when they are not an educator or nothing is open)."""
    if user is None or not getattr(user, "is_authenticated", False) or not can_answer(user):
        return None
    survey = open_survey_on(today)
    if survey is None:
        return None
    response = response_of(survey, user)
    return {
        "survey": survey,
        "title": survey.title,
        "closes_on": survey.closes_on,
        "answered": response is not None,
        "answered_at": response.updated_at if response is not None else None,
        "topics": len(survey.topics),
    }


# -- staff: setting a survey up ----------------------------------------------------------------------
def _check_year(school_year: str) -> str | None:
    m = _YEAR.match((school_year or "").strip())
    if not m:
        return "Enter the school year as two years, like 2026-27."
    first, second = int(m.group(1)), int(m.group(2))
    if (first + 1) % 100 != second:
        return f"A school year runs over two consecutive years: {first}-{(first + 1) % 100:02d}, not {school_year}."
    return None


def _check_survey(survey: NeedsSurvey | None, *, school_year: str, title: str, intro: str, opens_on: date | None,
                  closes_on: date | None, threshold: int | None, topics: list[Term]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    school_year = (school_year or "").strip()
    if (msg := _check_year(school_year)) is not None:
        problems.append(("school_year", msg))
    else:
        clash = select(NeedsSurvey.id).where(NeedsSurvey.school_year == school_year)
        if survey is not None:
            clash = clash.where(NeedsSurvey.id != survey.id)
        if db.session.scalar(clash.limit(1)) is not None:
            problems.append(("school_year", f"There is already a survey for {school_year}; one survey per school "
                                            "year. Edit that one, or choose another year."))
    if not (title or "").strip():
        problems.append(("title", "Enter a title."))
    elif len(title.strip()) > TITLE_MAX:
        problems.append(("title", f"Keep the title to {TITLE_MAX} characters or fewer."))
    if len(intro or "") > INTRO_MAX:
        problems.append(("intro", f"Keep the introduction to {INTRO_MAX:,} characters or fewer."))
    if opens_on is None:
        problems.append(("opens_on", "Enter the date the survey opens."))
    if closes_on is None:
        problems.append(("closes_on", "Enter the date the survey closes."))
    if opens_on and closes_on and closes_on < opens_on:
        problems.append(("closes_on", f"The survey must close on or after the day it opens "
                                      f"({opens_on:%B %-d, %Y})."))
    if threshold is None or not 1 <= threshold <= THRESHOLD_MAX:
        problems.append(("privacy_threshold", f"Enter a privacy threshold from 1 to {THRESHOLD_MAX}."))
    if not topics:
        problems.append(("topics", "Choose at least one topic for the survey to ask about."))
    elif any(t.kind is not TermKind.TOPIC for t in topics):
        problems.append(("topics", "Choose topics from the list."))
    return problems


def _topics(topic_ids) -> list[Term]:
    ids = {int(i) for i in topic_ids or ()}
    if not ids:
        return []
    found = list(db.session.scalars(select(Term).where(Term.id.in_(ids), Term.kind == TermKind.TOPIC)))
    if len(found) != len(ids):
        raise SurveyError("Choose topics from the list.", "topics")
    return found


def create_survey(actor: User, *, school_year: str, title: str, intro: str = "", opens_on: date | None,
                  closes_on: date | None, threshold: int | None = 5, topic_ids=()) -> NeedsSurvey:
    topics = _topics(topic_ids)
    problems = _check_survey(None, school_year=school_year, title=title, intro=intro, opens_on=opens_on,
                             closes_on=closes_on, threshold=threshold, topics=topics)
    if problems:
        raise SurveyError(problems)
    survey = NeedsSurvey(school_year=school_year.strip(), title=title.strip(), intro=(intro or "").strip(),
                         opens_on=opens_on, closes_on=closes_on, privacy_threshold=threshold,
                         created_by_id=actor.id, topics=topics)
    db.session.add(survey)
    db.session.flush()
    return survey


def editable(survey: NeedsSurvey, today: date) -> bool:
    """Staff change a survey's setup until it opens (and never once anyone has answered)."""
    if status_of(survey, today) not in SURVEY_EDITABLE:
        return False
    return not db.session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id))


def edit_refusal(survey: NeedsSurvey, today: date) -> str | None:
    """Why staff may no longer change the survey's setup (None while they may)."""
    if editable(survey, today):
        return None
    return (f"“{survey.title}” is {status_of(survey, today).label.lower()} or already has answers, so its "
            "questions and dates can no longer be changed.")


def offered_topics(survey: NeedsSurvey | None) -> list[Term]:
    """The topics the setup form offers: the active ones, plus any (now inactive) topic the survey
    already asks about."""
    topics = taxonomy.active_terms(TermKind.TOPIC)
    if survey is not None:
        ids = {t.id for t in topics}
        topics += [t for t in survey.topics if t.id not in ids]
    return topics


def update_survey(survey: NeedsSurvey, today: date, *, school_year: str, title: str, intro: str = "",
                  opens_on: date | None, closes_on: date | None, threshold: int | None, topic_ids=()) -> NeedsSurvey:
    if not editable(survey, today):
        raise SurveyError(f"This survey is {status_of(survey, today).label.lower()}; its questions and dates "
                          "can no longer be changed.")
    topics = _topics(topic_ids)
    problems = _check_survey(survey, school_year=school_year, title=title, intro=intro, opens_on=opens_on,
                             closes_on=closes_on, threshold=threshold, topics=topics)
    if problems:
        raise SurveyError(problems)
    survey.school_year, survey.title, survey.intro = school_year.strip(), title.strip(), (intro or "").strip()
    survey.opens_on, survey.closes_on, survey.privacy_threshold = opens_on, closes_on, threshold
    survey.topics = topics
    db.session.flush()
    return survey


def open_survey(survey: NeedsSurvey, actor: User, today: date) -> NeedsSurvey:
    """Open it (educators can answer from its open date to its close date)."""
    if survey.opened_at is not None:
        raise SurveyError(f"“{survey.title}” was already opened.")
    if survey.closes_on < today:
        raise SurveyError(f"“{survey.title}” was due to close on {survey.closes_on:%B %-d, %Y}, which has passed. "
                          "Change its dates before opening it.")
    other = db.session.scalar(select(NeedsSurvey).where(
        NeedsSurvey.id != survey.id, NeedsSurvey.opened_at.is_not(None), NeedsSurvey.closed_at.is_(None),
        NeedsSurvey.closes_on >= today).limit(1))
    if other is not None:
        raise SurveyError(f"“{other.title}” is still open until {other.closes_on:%B %-d, %Y}. Close it before "
                          "opening another survey.")
    if not survey.topics:
        raise SurveyError("Choose at least one topic before opening the survey.")
    survey.opened_at = clock.now()
    db.session.flush()
    return survey


def close_survey(survey: NeedsSurvey, actor: User, today: date) -> NeedsSurvey:
    """Close it early: no more answers or changes."""
    status = status_of(survey, today)
    if status not in SURVEY_CLOSABLE:
        raise SurveyError(f"“{survey.title}” is {status.label.lower()}, so there is nothing to close.")
    survey.closed_at = clock.now()
    db.session.flush()
    return survey


# -- answering ----------------------------------------------------------------------------------
def _check_ratings(survey: NeedsSurvey, ratings: dict[int, int | None]) -> list[tuple[str, str]]:
    problems = []
    for t in survey.topics:
        value = ratings.get(t.id)
        if value is None:
            problems.append((f"topic_{t.id}", f"Rate “{t.name}” from 1 to 5."))
        elif value not in RATING_LABELS:
            problems.append((f"topic_{t.id}", f"Rate “{t.name}” with a whole number from 1 to 5."))
    extra = set(ratings) - {t.id for t in survey.topics}
    if extra:
        problems.append((None, "Some answers were for topics this survey does not ask about."))
    return problems


def _must_be_open(survey: NeedsSurvey, today: date) -> None:
    if not survey.is_open(today):
        if status_of(survey, today) is SurveyStatus.CLOSED:
            raise SurveyError(f"“{survey.title}” closed, so answers can no longer be changed.")
        raise SurveyError(f"“{survey.title}” is not open yet.")


def _apply(response: SurveyResponse, ratings: dict[int, int], comment: str, now: datetime) -> None:
    by_term = {r.term_id: r for r in response.ratings}
    for term_id, value in ratings.items():
        if term_id in by_term:
            by_term[term_id].rating = value
        else:
            response.ratings.append(SurveyRating(term_id=term_id, rating=value))
    response.comment = comment
    response.updated_at = now


def save_response(survey: NeedsSurvey, user: User, today: date, *, ratings: dict[int, int | None],
                  comment: str = "", profile_term_ids=()) -> SurveyResponse:
    """Create or update the educator's own answers, and set their grade bands and subjects."""
    if not can_answer(user):
        raise SurveyError("Only educators answer the needs survey.")
    _must_be_open(survey, today)
    comment = (comment or "").strip()
    problems = _check_ratings(survey, ratings)
    if len(comment) > COMMENT_MAX:
        problems.append(("comment", f"Keep your comment to {COMMENT_MAX:,} characters or fewer."))
    wanted = {int(i) for i in profile_term_ids or ()}
    chosen = list(db.session.scalars(select(Term).where(Term.id.in_(wanted), Term.kind.in_(PROFILE_KINDS),
                                                        Term.active.is_(True)))) if wanted else []
    if len(chosen) != len(wanted):
        problems.append((None, "Choose grade bands and subjects from the lists."))
    if problems:
        raise SurveyError(problems)
    now = clock.now()
    response = response_of(survey, user)
    if response is None:
        response = SurveyResponse(survey=survey, respondent_id=user.id, submitted_by_id=user.id, submitted_at=now)
        db.session.add(response)
    response.school_id = user.school_id
    _apply(response, {k: int(v) for k, v in ratings.items()}, comment, now)
    # Grade bands and subjects no longer offered (inactive) stay on the profile: they were not shown.
    kept = [t for t in user.profile_terms if not t.active or t.kind not in PROFILE_KINDS]
    user.profile_terms = kept + chosen
    db.session.flush()
    return response


def save_team_response(survey: NeedsSurvey, team: Team, actor: User, today: date, *,
                       ratings: dict[int, int | None], comment: str = "") -> SurveyResponse:
    if actor.id != team.lead_id:
        raise SurveyError(f"Only the team lead, {team.lead_name}, answers for {team.name}.")
    _must_be_open(survey, today)
    comment = (comment or "").strip()
    problems = _check_ratings(survey, ratings)
    if len(comment) > COMMENT_MAX:
        problems.append(("comment", f"Keep the comment to {COMMENT_MAX:,} characters or fewer."))
    if problems:
        raise SurveyError(problems)
    now = clock.now()
    response = team_response_of(survey, team)
    if response is None:
        response = SurveyResponse(survey=survey, team_id=team.id, submitted_by_id=actor.id, submitted_at=now)
        db.session.add(response)
    response.school_id = team.school_id
    response.submitted_by_id = actor.id
    _apply(response, {k: int(v) for k, v in ratings.items()}, comment, now)
    db.session.flush()
    return response
