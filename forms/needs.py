"""ASK forms: the taxonomy term, the needs survey (set up, answered, filtered)."""
from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.models import TermKind
from app.needs.surveys import COMMENT_MAX, INTRO_MAX, RATING_LABELS, THRESHOLD_MAX, TITLE_MAX
from app.needs.taxonomy import DESCRIPTION_MAX, NAME_MAX, POSITION_MAX
from forms.base import FlaskForm
from forms.fields import DayField, WholeNumberField
from forms.filters import FilterForm
from forms.people import CheckboxesField

# -- taxonomy ----------------------------------------------------------------------------------------

# The taxonomy form: a topic, grade band or subject. Shape only; unique names are the service's rule.

class TermForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in TermKind],
                       invalid_choice_message="Choose topic, grade band or subject.")
    name = StringField("Name", validators=[
        DataRequired("Enter a name."),
        Length(max=NAME_MAX, message=f"Keep the name to {NAME_MAX} characters or fewer."),
    ], filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v])
    description = TextAreaField("Description (optional)", render_kw={"rows": 3}, validators=[
        Length(max=DESCRIPTION_MAX, message=f"Keep the description to {DESCRIPTION_MAX:,} characters or fewer.")])
    position = WholeNumberField(
        "Position in lists (optional)", validators=[Optional()], maximum=POSITION_MAX,
        range_message=f"Enter a position from 0 to {POSITION_MAX:,}.",
        description="Lower numbers come first. Leave blank to put a new term at the end.",
    )

    def validate_position(self, field):
        if field.data is not None and not 0 <= field.data <= POSITION_MAX:
            raise ValidationError(f"Enter a position from 0 to {POSITION_MAX:,}.")


# -- survey ------------------------------------------------------------------------------------------

# Needs survey forms: staff set a survey up; educators and team leads answer it; anyone filters the
# priorities. Shape only: one survey per year, close after open and "every topic rated" are also
# checked by ``app.needs.surveys`` (against the same field names).

def _strip(v):
    return v.strip() if isinstance(v, str) else v


class SurveyForm(FlaskForm):
    school_year = StringField("School year", validators=[DataRequired("Enter the school year, like 2026-27."),
                              Length(max=9, message="Enter the school year as two years, like 2026-27.")],
                              filters=[_strip], description="Like 2026-27. One survey per school year.")
    title = StringField("Title", validators=[DataRequired("Enter a title."), Length(
        max=TITLE_MAX, message=f"Keep the title to {TITLE_MAX} characters or fewer.")], filters=[_strip])
    intro = TextAreaField("Introduction for educators (optional)", render_kw={"rows": 4}, validators=[
        Length(max=INTRO_MAX, message=f"Keep the introduction to {INTRO_MAX:,} characters or fewer.")])
    opens_on = DayField("Opens on", validators=[InputRequired("Enter the date the survey opens.")])
    closes_on = DayField("Closes on", validators=[InputRequired("Enter the date the survey closes.")],
                         description="Educators can answer and change their answers until the end of this day.")
    privacy_threshold = WholeNumberField(
        "Privacy threshold", default=5, minimum=1, maximum=THRESHOLD_MAX,
        range_message=f"Enter a privacy threshold from 1 to {THRESHOLD_MAX}.", validators=[InputRequired("Enter the privacy threshold, like 5.")],
        description="A school with fewer individual responses than this shows no breakdown.")
    topics = CheckboxesField("Topics the survey asks about", coerce=int,
                             invalid_choice_message="Choose topics from the list.")

    def __init__(self, *args, topics=(), **kw):
        super().__init__(*args, **kw)
        self.topics.choices = [SelectChoice(t.id, t.name) for t in topics]

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(f"The survey must close on or after the day it opens "
                                  f"({self.opens_on.data:%B %-d, %Y}).")

    def validate_privacy_threshold(self, field):
        if field.data is not None and not 1 <= field.data <= THRESHOLD_MAX:
            raise ValidationError(f"Enter a privacy threshold from 1 to {THRESHOLD_MAX}.")

    def validate_topics(self, field):
        if not field.data:
            raise ValidationError("Choose at least one topic for the survey to ask about.")


def _rating_field(term) -> RadioField:
    return RadioField(
        term.name, description=term.description or None,
        choices=[SelectChoice(str(v), label) for v, label in RATING_LABELS.items()],
        validators=[InputRequired(f"Rate “{term.name}” from 1 to 5.")],
        invalid_choice_message=f"Rate “{term.name}” with a whole number from 1 to 5.",
    )


class _AnswerBase(FlaskForm):
    comment = TextAreaField("Anything else about your learning needs? (optional)", render_kw={"rows": 4},
                            validators=[Length(max=COMMENT_MAX,
                                               message=f"Keep the comment to {COMMENT_MAX:,} characters or fewer.")])

    topic_fields: list[str] = []

    def ratings(self) -> dict[int, int | None]:
        out = {}
        for name in self.topic_fields:
            raw = self[name].data
            out[int(name.removeprefix("topic_"))] = int(raw) if raw not in (None, "", "None") else None
        return out

    def rating_fields(self):
        return [self[name] for name in self.topic_fields]


def answer_form_class(topics, *, with_profile: bool = True, grade_bands=(), subjects=()):
    """A form with one required 1-5 radio group per topic (``topic_<id>``), a comment and, for an
    educator's own answers, their grade bands and subjects."""
    attrs = {f"topic_{t.id}": _rating_field(t) for t in topics}
    attrs["topic_fields"] = [f"topic_{t.id}" for t in topics]
    if with_profile:
        attrs["grade_bands"] = CheckboxesField("Grade bands you teach", coerce=int,
                                               choices=[SelectChoice(t.id, t.name) for t in grade_bands],
                                               invalid_choice_message="Choose grade bands from the list.")
        attrs["subjects"] = CheckboxesField("Subjects you teach", coerce=int,
                                            choices=[SelectChoice(t.id, t.name) for t in subjects],
                                            invalid_choice_message="Choose subjects from the list.")
    return type("AnswerForm", (_AnswerBase,), attrs)


def _optional_id(value):
    """An id, None for "any", and -1 for anything else (so it is refused as not in the list)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class PriorityFilterForm(FilterForm):
    survey = SelectField("Survey", coerce=_optional_id, invalid_choice_message="Choose a survey from the list.")
    school = SelectField("School", coerce=_optional_id, invalid_choice_message="Choose a school from the list.")

    def __init__(self, *args, surveys=(), schools=(), **kw):
        super().__init__(*args, **kw)
        self.survey.choices = [SelectChoice("", "The current survey")] + [
            SelectChoice(s.id, f"{s.title} ({s.school_year})") for s in surveys]
        self.school.choices = [SelectChoice("", "Whole district")] + [SelectChoice(s.id, s.name) for s in schools]
