"""The committee's forms: a reviewer's conflict of interest and scores, the co-chair's decision."""
from __future__ import annotations

from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.models import DecisionOutcome, Recommendation
from forms.base import FlaskForm
from forms.fields import MoneyField

# -- review ------------------------------------------------------------------------------------------

# Reviewer forms: declaring a conflict of interest and scoring a proposal on the cycle's rubric.
#
# Shape only: lengths, the allowed scores and recommendations. Completeness on submit (every
# criterion scored, a recommendation) is the review service's rule.

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


# -- decision ----------------------------------------------------------------------------------------

# The co-chair's decision form: outcome, award (approvals only), conditions, feedback to the team.


class DecisionForm(FlaskForm):
    outcome = RadioField(
        "Outcome",
        choices=[SelectChoice(o.value, o.label) for o in DecisionOutcome],
        validators=[DataRequired("Choose an outcome."),
                    AnyOf([o.value for o in DecisionOutcome], message="Choose approve, request revisions or decline.")],
        validate_choice=False,
    )
    award = MoneyField(
        "Award (approvals only)",
        validators=[Optional()],
        invalid_message="Enter an amount in dollars and cents, for example 12500.00.",
        small_message="The amount cannot be negative.",
        description="In dollars. No more than the amount requested and what is left of the cycle's pool.",
    )
    conditions = TextAreaField(
        "Conditions of the award (approvals only, optional)",
        validators=[Optional(), Length(max=5000, message="Keep the conditions to 5,000 characters.")],
        render_kw={"rows": 3},
    )
    feedback = TextAreaField(
        "Feedback to the team",
        validators=[DataRequired("Write feedback for the team."),
                    Length(max=10000, message="Keep the feedback to 10,000 characters.")],
        render_kw={"rows": 6},
    )
    submit = SubmitField("Record decision")


class NotConfirmedForm(FlaskForm):
    """The other side's co-chair sends a recorded joint decision back (a proposal's or a PL request's). The
    comment is required by the operation, which says so beside the field after the person is checked."""

    comment = TextAreaField(
        "Why you do not confirm it (the co-chair who recorded it reads this)",
        validators=[Length(max=5000, message="Keep the comment to 5,000 characters.")],
        render_kw={"rows": 3},
    )
