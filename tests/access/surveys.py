"""Access matrix for the taxonomy, needs surveys and priorities.

Program staff manage the taxonomy and the surveys (everyone else 403). Educators answer the open
survey (others 403: the survey is about educators' own practice). A team's response is seen by its
members; only its lead answers. Anyone signed in sees the priorities; only staff download the CSV.
"""
from __future__ import annotations

from datetime import timedelta

from app.core import clock
from app.extensions import db
from app.models import NeedsSurvey
from tests.access import Case

STAFF = {"staff": 200}
EDUCATORS = {"lead": 200, "member": 200, "outsider": 200}
EVERYONE = 200


def _draft(w) -> NeedsSurvey:
    """A survey set up for next year but not opened (made on first use)."""
    w.learning  # noqa: B018 - builds the topics and the open survey
    survey = db.session.scalar(db.select(NeedsSurvey).where(NeedsSurvey.school_year == "2027-28"))
    if survey is None:
        today = clock.today()
        survey = NeedsSurvey(school_year="2027-28", title="Next year's needs survey", opens_on=today + timedelta(days=300),
                             closes_on=today + timedelta(days=330), privacy_threshold=5, created_by_id=w.staff.id,
                             topics=list(w.learning.topics))
        db.session.add(survey)
        db.session.commit()
    return survey


def _ratings(w, value="4") -> dict:
    return {f"topic_{t.id}": value for t in w.learning.topics}


def _answer(w) -> dict:
    return {**_ratings(w), "comment": "More on co-teaching, please.", "grade_bands": [str(w.learning.grade_band.id)],
            "subjects": [str(w.learning.subject.id)]}


def _new_survey(w) -> dict:
    today = clock.today()
    return {"school_year": "2030-31", "title": "2030-31 needs survey", "intro": "", "opens_on": str(today + timedelta(days=900)),
            "closes_on": str(today + timedelta(days=930)), "privacy_threshold": "5",
            "topics": [str(t.id) for t in w.learning.topics]}


def _survey_edit(w) -> dict:
    d = _new_survey(w)
    d["school_year"] = "2027-28"
    return d


def _topic(w):
    return w.learning.topics[0]


CASES = [
    # -- taxonomy --
    Case("taxonomy.index", lambda w: "/taxonomy/", expect=STAFF),
    Case("taxonomy.new", lambda w: "/taxonomy/new", expect=STAFF),
    Case("taxonomy.new", lambda w: "/taxonomy/new?kind=subject", label="kind", expect=STAFF),
    Case("taxonomy.new", lambda w: "/taxonomy/new", method="POST",
         data=lambda w: {"kind": "topic", "name": "Family engagement", "description": "", "position": ""},
         expect={"staff": 302}),
    Case("taxonomy.new", lambda w: "/taxonomy/new", method="POST", label="duplicate",
         data=lambda w: {"kind": "topic", "name": _topic(w).name.upper(), "position": ""}, expect={"staff": 422}),
    Case("taxonomy.edit", lambda w: f"/taxonomy/{_topic(w).id}/edit", expect=STAFF,
         missing=lambda w: "/taxonomy/999999/edit"),
    Case("taxonomy.edit", lambda w: f"/taxonomy/{_topic(w).id}/edit", method="POST",
         data=lambda w: {"name": "Culturally responsive and sustaining teaching", "description": "CRT", "position": "0"},
         expect={"staff": 302}, missing=lambda w: "/taxonomy/999999/edit"),
    Case("taxonomy.toggle", lambda w: f"/taxonomy/{_topic(w).id}/toggle", method="POST", expect={"staff": 302},
         missing=lambda w: "/taxonomy/999999/toggle"),
    # -- surveys (staff) --
    Case("surveys.manage", lambda w: "/surveys/", expect=STAFF),
    Case("surveys.new", lambda w: "/surveys/new", expect=STAFF),
    Case("surveys.new", lambda w: "/surveys/new", method="POST", data=_new_survey, expect={"staff": 302}),
    Case("surveys.new", lambda w: "/surveys/new", method="POST", label="duplicate-year",
         data=lambda w: {**_new_survey(w), "school_year": "2026-27"}, expect={"staff": 422}),
    Case("surveys.edit", lambda w: f"/surveys/{_draft(w).id}/edit", expect=STAFF,
         missing=lambda w: "/surveys/999999/edit"),
    Case("surveys.edit", lambda w: f"/surveys/{w.learning.survey.id}/edit", label="already-open"),
    Case("surveys.edit", lambda w: f"/surveys/{_draft(w).id}/edit", method="POST", data=_survey_edit,
         expect={"staff": 302}, missing=lambda w: "/surveys/999999/edit"),
    Case("surveys.open", lambda w: f"/surveys/{_draft(w).id}/open", method="POST", expect={"staff": 302},
         missing=lambda w: "/surveys/999999/open"),
    Case("surveys.close", lambda w: f"/surveys/{w.learning.survey.id}/close", method="POST", expect={"staff": 302},
         missing=lambda w: "/surveys/999999/close"),
    # -- answering --
    Case("surveys.answer", lambda w: (w.learning, "/survey")[1], expect=EDUCATORS),
    Case("surveys.answer", lambda w: (w.learning, "/survey")[1], method="POST", data=_answer,
         expect={"lead": 302, "member": 302, "outsider": 302}),
    Case("surveys.answer", lambda w: (w.learning, "/survey")[1], method="POST", label="missing-ratings",
         data=lambda w: {"comment": "x"}, expect={"lead": 422, "member": 422, "outsider": 422}),
    Case("surveys.team_answer", lambda w: f"/survey/teams/{(w.learning, w.team)[1].id}",
         expect={"lead": 200, "member": 200}, missing=lambda w: "/survey/teams/999999", missing_as="lead"),
    Case("surveys.team_answer", lambda w: f"/survey/teams/{(w.learning, w.team)[1].id}", method="POST",
         data=lambda w: {**_ratings(w, "3"), "comment": "Team view"}, expect={"lead": 302},
         missing=lambda w: "/survey/teams/999999", missing_as="lead"),
    # -- priorities --
    Case("surveys.priorities", lambda w: (w.learning, "/priorities")[1], default=EVERYONE),
    Case("surveys.priorities", lambda w: f"/priorities?survey={w.learning.survey.id}&school={w.school.id}",
         label="school", default=EVERYONE),
    Case("surveys.priorities_csv", lambda w: (w.learning, "/priorities.csv")[1], expect=STAFF),
]
