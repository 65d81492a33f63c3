"""Learning summary forms: the editor, a public file, the team's consent, the privacy page's forms.

Shape only (required, lengths, choices from the vocabularies); the rules (who, when) are the
service's and the permissions module's.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import TagKind
from app.services.privacy import NAME_MAX
from app.services.summaries import BODY_MAX, DESCRIPTION_MAX, TITLE_MAX, VOCABULARIES

REASON_MAX = 2_000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _tags(label: str, kind: TagKind) -> CheckboxesField:
    return CheckboxesField(
        label, choices=[SelectChoice(v, v) for v in VOCABULARIES[kind]],
        invalid_choice_message=f"Choose {kind.label.lower()} tags from the list.",
    )


class SummaryForm(FlaskForm):
    # When the page was loaded (the summary's last change), to notice a teammate's save meanwhile.
    loaded = HiddenField()
    title = StringField(
        "Title", filters=[_strip],
        validators=[DataRequired("Give the summary a title."),
                    Length(max=TITLE_MAX, message=f"Keep the title to {TITLE_MAX} characters or fewer.")],
    )
    body = TextAreaField(
        "What your team learned (Markdown)",
        validators=[Length(max=BODY_MAX, message=f"Keep the summary to {BODY_MAX:,} characters or fewer.")],
        render_kw={"rows": 18},
    )
    topics = _tags("Topics", TagKind.TOPIC)
    grade_bands = _tags("Grade bands", TagKind.GRADE_BAND)
    subjects = _tags("Subjects", TagKind.SUBJECT)

    TAG_FIELDS = {"topics": TagKind.TOPIC, "grade_bands": TagKind.GRADE_BAND, "subjects": TagKind.SUBJECT}

    def tags(self) -> dict[TagKind, list[str]]:
        return {kind: list(self[name].data or []) for name, kind in self.TAG_FIELDS.items()}


class ArtifactForm(FlaskForm):
    file = FileField("File to share (PDF, Word .docx, Excel .xlsx, PNG or JPEG)",
                     validators=[FileRequired("Choose a file to share.")])
    description = StringField(
        "Description", filters=[_strip],
        validators=[DataRequired("Describe the file for the people who will read the summary."),
                    Length(max=DESCRIPTION_MAX,
                           message=f"Keep the description to {DESCRIPTION_MAX} characters or fewer.")],
    )


class ConsentForm(FlaskForm):
    """The lead ticks the box to consent, or presses "Withdraw consent" (``withdraw`` = "1")."""

    withdraw = HiddenField(default="")
    agree = BooleanField(
        "On behalf of the team, I consent to publishing this learning summary and its shared files in the "
        "public gallery, once program staff have checked it for privacy."
    )

    @property
    def withdrawing(self) -> bool:
        return self.withdraw.data == "1"

    def validate_agree(self, field):
        if not self.withdrawing and not field.data:
            raise ValidationError("Tick the box to give the team's consent.")


class RunCheckForm(FlaskForm):
    action = HiddenField(default="run")


class BlockedNameForm(FlaskForm):
    action = HiddenField(default="add_name")
    name = StringField(
        "Name to block", filters=[_strip],
        validators=[DataRequired("Type the name to block."),
                    Length(max=NAME_MAX, message=f"Keep the name to {NAME_MAX} characters or fewer.")],
    )


class RemoveNameForm(FlaskForm):
    action = HiddenField(default="remove_name")
    name_id = HiddenField()


class OverrideForm(FlaskForm):
    reason = TextAreaField(
        "Reason to publish it as it is",
        filters=[_strip],
        validators=[DataRequired("Give the reason this flag can be published as it is."),
                    Length(max=REASON_MAX, message=f"Keep the reason to {REASON_MAX:,} characters or fewer.")],
        render_kw={"rows": 2},
    )


__all__ = ["ArtifactForm", "BlockedNameForm", "CheckboxesField", "ConsentForm", "OverrideForm",
           "RemoveNameForm", "RunCheckForm", "SummaryForm"]
