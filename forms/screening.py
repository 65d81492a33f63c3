"""Screening: the staff list's filters and the reviewer-assignment form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import GrantType, ProposalState
from forms.filters import FilterForm
from workflows.proposal import STATE_LABELS


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


ALL_CYCLES = "all"


class ProposalFilterForm(FilterForm):
    """The staff list's filters (GET, no CSRF: it changes nothing)."""


    cycle = SelectField("Cycle", choices=[], invalid_choice_message="Choose a cycle from the list.")
    state = SelectField("State", choices=[("", "Any state")] + [(s.value, STATE_LABELS[s]) for s in ProposalState],
                        invalid_choice_message="Choose a state from the list.")
    school_id = SelectField("School", coerce=_optional_int, choices=[],
                            invalid_choice_message="Choose a school from the list.")
    grant_type = SelectField("Grant type", choices=[("", "Either type")] + [(g.value, g.label) for g in GrantType],
                             invalid_choice_message="Choose action or study.")
    q = StringField("Title or team", validators=[Length(max=120, message="Search with 120 characters or fewer.")])

    def __init__(self, *args, cycles=(), schools=(), default_cycle=None, **kw):
        super().__init__(*args, **kw)
        self.cycle.choices = [(ALL_CYCLES, "All cycles")] + [(str(c.id), c.name) for c in cycles]
        self.school_id.choices = [("", "Any school")] + [(s.id, s.name) for s in schools]
        if not self.cycle.raw_data:
            self.cycle.data = str(default_cycle.id) if default_cycle is not None else ALL_CYCLES

    def cycle_id(self) -> int | None:
        value = self.cycle.data
        if not value or value == ALL_CYCLES or self.cycle.errors:
            return None
        return int(value)


class AssignReviewersForm(FlaskForm):
    reviewers = SelectMultipleField("Reviewers to assign", coerce=int, choices=[],
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                    invalid_choice_message="Choose reviewers from the list.")

    def __init__(self, *args, candidate_ids=(), **kw):
        super().__init__(*args, **kw)
        self.reviewers.choices = [(i, str(i)) for i in candidate_ids]

    def validate_reviewers(self, field):
        if not field.data:
            raise ValidationError("Choose at least one reviewer to assign.")
