"""CONNECT forms: the catalog's search and filters, the opportunity form and CSV upload, registration
buttons and attendance."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields import FieldList, SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import PLFormat, ProviderKind, TermKind
from forms.base import FlaskForm, Form
from forms.filters import FilterForm, search_field, tag_filter_fields

# -- catalog -----------------------------------------------------------------------------------------

# The PL catalog's forms: the public search and filters (GET), the staff opportunity form, the CSV upload.
#
# The opportunity form is shape only (its fields are text, as typed): every rule lives in
# ``app.catalog.opportunities.validate``, shared with the CSV import, which reports problems against these
# field names (``sessions-2-ends`` for a session row's end time).

COST_CHOICES = [SelectChoice("", "Free or paid"), SelectChoice("free", "Free"), SelectChoice("paid", "Paid")]


def _term_choices(terms, kind: TermKind, any_label: str):
    return [SelectChoice("", any_label)] + [SelectChoice(t.slug, t.name) for t in terms if t.kind is kind]


class CatalogFilterForm(FilterForm):
    q = search_field("Search the catalog",
                     description="Every word must appear (title, description, provider, topics).")
    topic, grade_band, subject = tag_filter_fields()
    provider = SelectField("Provider", choices=[SelectChoice("", "Any provider")] + [SelectChoice(k.value, k.label) for k in ProviderKind],
                           invalid_choice_message="Choose BTU, BPS or outside provider.")
    format = SelectField("Format", choices=[SelectChoice("", "Any format")] + [SelectChoice(f.value, f.label) for f in PLFormat],
                         invalid_choice_message="Choose in person, virtual or hybrid.")
    cost = SelectField("Cost", choices=COST_CHOICES, invalid_choice_message="Choose free or paid.")
    past = BooleanField("Include past opportunities")

    def __init__(self, *args, terms=(), **kw):
        super().__init__(*args, **kw)
        terms = list(terms)
        self.topic.choices = _term_choices(terms, TermKind.TOPIC, "Any topic")
        self.grade_band.choices = _term_choices(terms, TermKind.GRADE_BAND, "Any grade band")
        self.subject.choices = _term_choices(terms, TermKind.SUBJECT, "Any subject")


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (no JavaScript); unticked everything is an empty list."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):  # the service checks the names against the taxonomy
        pass


class SessionRowForm(Form):
    id = HiddenField()
    day = StringField("Date", render_kw={"type": "date"})
    starts = StringField("Starts", render_kw={"type": "time"})
    ends = StringField("Ends", render_kw={"type": "time"})
    location = StringField("Location")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class OpportunityForm(FlaskForm):
    title = StringField("Title", filters=[_strip])
    description = TextAreaField("Description", render_kw={"rows": 8},
                                description="Markdown: **bold**, *italic*, lists and links.")
    provider_kind = SelectField("Provider", choices=[SelectChoice(k.value, k.label) for k in ProviderKind], validate_choice=False)
    provider_name = StringField("Provider name", filters=[_strip],
                                description="Leave blank for the BTU or BPS to use their full name.")
    format = SelectField("Format", choices=[SelectChoice(f.value, f.label) for f in PLFormat], validate_choice=False)
    cost = StringField("Cost ($)", render_kw={"inputmode": "decimal"}, description="0 for free.")
    capacity = StringField("Capacity (seats)", render_kw={"inputmode": "numeric"},
                           description="Leave blank for no limit.")
    pdps = StringField("PDPs", render_kw={"inputmode": "numeric"})
    hours = StringField("Hours", render_kw={"inputmode": "decimal"})
    url = StringField("Web address", description="An http:// or https:// page about it (optional).")
    contact_email = StringField("Contact email", description="Optional.")
    published = BooleanField("Published (anyone can see it in the catalog)")
    topics = CheckboxesField("Topics", choices=[])
    grade_bands = CheckboxesField("Grade bands", choices=[])
    subjects = CheckboxesField("Subjects", choices=[])
    sessions = FieldList(FormField(SessionRowForm), min_entries=1)

    def set_term_choices(self, terms) -> None:
        """Active terms of each kind, plus any already chosen (an inactive term stays on what it tags)."""
        for name, kind in (("topics", TermKind.TOPIC), ("grade_bands", TermKind.GRADE_BAND),
                           ("subjects", TermKind.SUBJECT)):
            self[name].choices = [SelectChoice(t.name, t.name) for t in terms if t.kind is kind]

    def fields_dict(self) -> dict:
        """What was typed, in the shape ``app.catalog.opportunities.validate`` reads."""
        data = {name: self[name].data for name in (
            "title", "description", "provider_kind", "provider_name", "format", "cost", "capacity", "pdps",
            "hours", "url", "contact_email", "published", "topics", "grade_bands", "subjects")}
        data["sessions"] = [{k: (row.form[k].data or "") for k in ("id", "day", "starts", "ends", "location")}
                            for row in self.sessions]
        return data


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose the CSV file to import.")],
                     description="UTF-8 CSV with a header row; at most 1,000 opportunities and 2 MB.")


# -- registration ------------------------------------------------------------------------------------

# Forms for registration: the Register / Cancel buttons (a CSRF token and where to go back to) and
# the staff's attendance checklist (one checkbox per registered person).

class SeatForm(FlaskForm):
    """Register, join the waitlist or cancel: nothing to type; ``next`` is the page to go back to."""

    next = HiddenField()


class IdsField(SelectMultipleField):
    """Registration ids from ticked checkboxes; anything that is not a number is a clear error."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            self.data = [int(x) for x in valuelist]
        except (TypeError, ValueError):
            self.data = []
            raise ValueError("Each ticked box must be a person on the roster; reload the roster and try again.") \
                from None


class AttendanceForm(FlaskForm):
    """Who attended: the registered people's registration ids; an unticked box means "did not attend"."""

    attended = IdsField("Attended", coerce=int, validate_choice=False)

    def __init__(self, *args, registered_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.registered_ids = set(registered_ids)

    def validate_attended(self, field):
        strangers = sorted(set(field.data or ()) - self.registered_ids)
        if strangers:
            raise ValidationError(
                "Tick only people registered for this opportunity: "
                + ", ".join(f"registration {i}" for i in strangers)
                + (" is" if len(strangers) == 1 else " are") + " not on its roster."
            )
