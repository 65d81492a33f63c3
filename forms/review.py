"""Reviewer forms: declaring a conflict of interest and scoring a proposal on the cycle's rubric.

Shape only: lengths, the allowed scores and recommendations. Completeness on submit (every
criterion scored, a recommendation) is the review service's rule.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.models import Recommendation

SCORE_CHOICES = [SelectChoice("1", "1 – Beginning"), SelectChoice("2", "2 – Developing"),
                 SelectChoice("3", "3 – Proficient"), SelectChoice("4", "4 – Exemplary")]
MAX_COMMENT = 2000
MAX_COMMENTS = 10000
MAX_REASON = 2000


class ConflictForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the conflict of interest",
        validators=[DataRequired("Give the reason for the conflict of interest."),
                    Length(max=MAX_REASON, message=f"Keep the reason to {MAX_REASON:,} characters.")],
        description="Seen only by program staff. For example: a relative or close colleague is on the team.",
    )
    submit = SubmitField("Declare conflict and recuse me")


class _ReviewBase(FlaskForm):
    recommendation = RadioField(
        "Recommendation",
        choices=[SelectChoice(r.value, r.label) for r in Recommendation],
        validate_choice=False,
        validators=[Optional(), AnyOf([r.value for r in Recommendation],
                                      message="Choose fund, fund with changes or do not fund.")],
    )
    comments = TextAreaField(
        "Overall comments",
        validators=[Optional(), Length(max=MAX_COMMENTS, message=f"Keep the comments to {MAX_COMMENTS:,} characters.")],
    )
    save = SubmitField("Save draft")
    submit_review = SubmitField("Submit review")


def review_form_class(criteria) -> type[FlaskForm]:
    """A form with, per rubric criterion, a 1-4 radio group ``score_<id>`` and a comment ``comment_<id>``."""
    attrs = {}
    for c in criteria:
        attrs[f"score_{c.id}"] = RadioField(
            f"{c.name} (weight {c.weight.normalize():f})",
            choices=SCORE_CHOICES,
            validate_choice=False,
            validators=[Optional(), AnyOf(["1", "2", "3", "4"], message=f"Score “{c.name}” 1, 2, 3 or 4.")],
            description=c.description,
        )
        attrs[f"comment_{c.id}"] = TextAreaField(
            f"Comment on “{c.name}” (optional)",
            validators=[Optional(), Length(max=MAX_COMMENT,
                                           message=f"Keep each comment to {MAX_COMMENT:,} characters.")],
            render_kw={"rows": 2},
        )
    return type("ReviewForm", (_ReviewBase,), attrs)
