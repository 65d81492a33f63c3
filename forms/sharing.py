"""Sharing forms: the learning summary editor, its files, consent and privacy check; the public gallery's
search and filters."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import GrantType, SchoolLevel, TermKind
from app.sharing.privacy import NAME_MAX
from app.sharing.summaries import BODY_MAX, DESCRIPTION_MAX, TITLE_MAX, tag_choices
from forms.base import FlaskForm
from forms.filters import FilterForm, search_field, tag_filter_fields

# -- summary -----------------------------------------------------------------------------------------

# Learning summary forms: the editor, a public file, the team's consent, the privacy page's forms.
#
# Shape only (required, lengths, tag choices from the taxonomy); the rules (who, when) are the
# service's and the permissions module's.

REASON_MAX = 2_000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _tags(label: str, kind: TermKind) -> CheckboxesField:
    """Checkboxes of the taxonomy's terms of ``kind`` (set by ``SummaryForm``): each value a term's id."""
    return CheckboxesField(label, choices=[], invalid_choice_message=f"Choose {kind.label.lower()} tags from the list.")


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
    topics = _tags("Topics", TermKind.TOPIC)
    grade_bands = _tags("Grade bands", TermKind.GRADE_BAND)
    subjects = _tags("Subjects", TermKind.SUBJECT)

    TAG_FIELDS = {"topics": TermKind.TOPIC, "grade_bands": TermKind.GRADE_BAND, "subjects": TermKind.SUBJECT}

    def __init__(self, *args, summary=None, **kw):
        """``summary``: the summary being edited (a retired term it carries stays offered)."""
        super().__init__(*args, **kw)
        for name, kind in self.TAG_FIELDS.items():
            self[name].choices = [SelectChoice(str(t.id), t.name if t.active else f"{t.name} (retired)")
                                  for t in tag_choices(kind, summary)]

    def tags(self) -> dict[TermKind, list[str]]:
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


# -- gallery -----------------------------------------------------------------------------------------

# The public gallery's search and filters (GET, no CSRF: it changes nothing).

def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a year: refused with the field's own message


def _tag_choices(values, any_label: str):
    """``values``: (slug, name, count) of the taxonomy terms published summaries carry."""
    return [SelectChoice("", any_label)] + [SelectChoice(slug, f"{name} ({n})") for slug, name, n in values]


class GalleryFilterForm(FilterForm):
    q = search_field("Search the summaries", description="Every word must appear (titles, text, tags, schools).")
    topic, grade_band, subject = tag_filter_fields()
    school_level = SelectField("School level", choices=[SelectChoice("", "Any level")] + [SelectChoice(lvl.value, lvl.label) for lvl in SchoolLevel],
                               invalid_choice_message="Choose a school level from the list.")
    grant_type = SelectField("Grant type", choices=[SelectChoice("", "Either type")] + [SelectChoice(g.value, g.label) for g in GrantType],
                             invalid_choice_message="Choose action or study.")
    year = SelectField("Year published", coerce=_optional_int, choices=[],
                       invalid_choice_message="Choose a year from the list.")

    def __init__(self, *args, facets=None, **kw):
        super().__init__(*args, **kw)
        tags = facets.tags if facets else {}
        self.topic.choices = _tag_choices(tags.get(TermKind.TOPIC, []), "Any topic")
        self.grade_band.choices = _tag_choices(tags.get(TermKind.GRADE_BAND, []), "Any grade band")
        self.subject.choices = _tag_choices(tags.get(TermKind.SUBJECT, []), "Any subject")
        # field name -> {slug: term name}: what a chosen tag filter is called on the page
        self.tag_names = {name: {slug: term for slug, term, _ in tags.get(kind, [])} for name, kind in
                          (("topic", TermKind.TOPIC), ("grade_band", TermKind.GRADE_BAND),
                           ("subject", TermKind.SUBJECT))}
        self.year.choices = [SelectChoice("", "Any year")] + [SelectChoice(y, f"{y} ({n})") for y, n in (facets.years if facets else [])]

    def value(self, name: str):
        """As ``FilterForm.value``; the year is a number (None when not chosen or invalid)."""
        if name == "year":
            return None if self.year.errors else self.year.data
        return super().value(name)
