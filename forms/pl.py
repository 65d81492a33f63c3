"""PL forms: the request draft, an action with its comment or reason, the co-chairs' decision, completion,
the PL budget, the queue's filters, the educator's licensure cycle start."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from app.models import PLDecisionOutcome
from forms.base import FlaskForm
from forms.fields import DayField, HoursField, MoneyField, PDPField
from forms.filters import FilterForm
from forms.proposals import action_form_class as proposal_action_form_class
from workflows.pl_request import STATE_LABELS, PLRequestState, pdps_over_hours

# -- pl_request --------------------------------------------------------------------------------------

# PL request forms: the draft (save or submit), an action with its comment or reason, the co-chairs'
# decision, completion, the year's PL budget and staff's list filters.
#
# Shape only (types, lengths, a real date, money with at most two decimals, choices from the lists the
# view fills). Whether a request is complete enough to submit, or to complete, is the workflow's
# question: its guards give those messages.

TEXT_MAX = 10_000
TITLE_MAX = 200
PROVIDER_MAX = 160
URL_MAX = 500


def _values(field) -> set[str]:
    return {str(c.value) for c in field.choices}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PLRequestForm(FlaskForm):
    """The draft: save it as it is, or submit it (the workflow's guards then say what is missing)."""

    opportunity = SelectField(
        "Opportunity from the catalog", choices=[], validate_choice=False,
        description="Choose it from the catalog, or leave this and describe it below.",
    )
    title = StringField("Title", filters=[_strip], validators=[
        Length(max=TITLE_MAX, message=f"Keep the title to {TITLE_MAX} characters or fewer.")])
    provider_name = StringField("Provider", filters=[_strip], validators=[
        Length(max=PROVIDER_MAX, message=f"Keep the provider to {PROVIDER_MAX} characters or fewer.")])
    description = TextAreaField("Description", render_kw={"rows": 3}, filters=[_strip], validators=[
        Length(max=TEXT_MAX, message=f"Keep the description to {TEXT_MAX:,} characters or fewer.")])
    url = StringField("Web address", filters=[_strip], render_kw={"inputmode": "url"}, validators=[
        Length(max=URL_MAX, message=f"Keep the web address to {URL_MAX} characters or fewer.")])
    cost = MoneyField("Cost ($)", description="What the district would pay. Enter 0 if it is free.",
                      render_kw={"inputmode": "decimal", "autocomplete": "off"})
    starts_on = DayField("Start date")
    ends_on = DayField("End date")
    hours = HoursField("Expected hours", render_kw={"inputmode": "decimal"})
    pdps = PDPField("Expected PDPs", render_kw={"inputmode": "numeric"},
                      description="Professional development points toward licensure renewal.")
    rationale = TextAreaField("Rationale", render_kw={"rows": 5}, filters=[_strip],
                              description="Why this PL, and how you will use it with your students.",
                              validators=[Length(max=TEXT_MAX,
                                                 message=f"Keep the rationale to {TEXT_MAX:,} characters or fewer.")])
    need = SelectField("The need it addresses", choices=[], validate_choice=False,
                       description="A topic from the district's PL needs survey.")

    def validate_opportunity(self, field):
        if field.data and field.data not in _values(field):
            raise ValidationError("Choose an opportunity from the list, or describe it below.")

    def validate_need(self, field):
        if field.data and field.data not in _values(field):
            raise ValidationError("Choose a need from the list.")

    def validate_url(self, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError("Give a web address starting with http:// or https://.")

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The end date cannot be before the start date.")

    def validate_pdps(self, field):
        if not self.hours.errors:
            problem = pdps_over_hours(field.data, self.hours.data, "expected hours", "expect")
            if problem:
                raise ValidationError(problem)


def action_form_class(trigger: str, fields: tuple[str, ...]) -> type[FlaskForm]:
    """A form for one action on the case page: the fields its declaration asks for."""
    return proposal_action_form_class(trigger, fields, comment_label="Comment for the educator",
                                      class_prefix="PLActionForm")


class PLDecisionForm(FlaskForm):
    outcome = RadioField(
        "Outcome", choices=[SelectChoice(o.value, o.label) for o in PLDecisionOutcome], validate_choice=False,
        validators=[DataRequired("Choose an outcome."),
                    AnyOf([o.value for o in PLDecisionOutcome], message="Choose approve or deny.")],
    )
    feedback = TextAreaField(
        "Feedback for the educator", render_kw={"rows": 4},
        description="For a denial, this is the reason the educator reads.",
        validators=[DataRequired("Write feedback for the educator."),
                    Length(max=TEXT_MAX, message=f"Keep the feedback to {TEXT_MAX:,} characters.")],
    )


class CompletionForm(FlaskForm):
    attended = BooleanField("I attended")
    reflection = TextAreaField("Reflection", render_kw={"rows": 6}, filters=[_strip],
                               description="What you learned and how you will use it with your students.",
                               validators=[Length(max=TEXT_MAX,
                                                  message=f"Keep the reflection to {TEXT_MAX:,} characters or fewer.")])
    hours_completed = HoursField("Hours attended", render_kw={"inputmode": "decimal"})
    pdps_earned = PDPField("PDPs earned", render_kw={"inputmode": "numeric"},
                             description="As on your certificate; enter 0 if none were awarded.")


class CertificateRequestForm(FlaskForm):
    """Program staff ask the educator for the certificate: the note is required (the operation says so)."""

    note = TextAreaField("Note for the educator", render_kw={"rows": 3}, filters=[_strip],
                         description="What to send, e.g. the certificate with the hours the provider recorded.",
                         validators=[Length(max=2_000, message="Keep the note to 2,000 characters or fewer.")])


class CertificateUploadForm(FlaskForm):
    file = FileField("Certificate file", validators=[FileRequired("Choose the certificate file to upload.")],
                     description="PDF, Word (.docx), PNG or JPEG.")


class PLBudgetForm(FlaskForm):
    school_year = StringField("School year", filters=[_strip], description="Like 2026-27 (July 1 to June 30).",
                              validators=[DataRequired("Give the school year, like 2026-27."),
                                          Length(max=9, message="Write the school year as 2026-27.")])
    amount = MoneyField("PL budget ($)", render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def validate_amount(self, field):
        if field.data is None and not field.errors:
            raise ValidationError("Enter the budget in dollars, for example 20000.00.")


class PLQueueFilterForm(FilterForm):
    state = SelectField("State", choices=[SelectChoice("", "Any state")]
                        + [SelectChoice(s.value, STATE_LABELS[s]) for s in PLRequestState],
                        invalid_choice_message="Choose a state from the list.")
    year = SelectField("Budget year", choices=[], invalid_choice_message="Choose a school year from the list.")
    endorser = SelectField("Endorser", choices=[SelectChoice("", "Anyone"),
                                                SelectChoice("staff", "Program staff: the school has no leader")],
                           invalid_choice_message="Choose who endorses from the list.")

    def __init__(self, *args, years=(), **kw):
        super().__init__(*args, **kw)
        self.year.choices = [SelectChoice("", "Any year")] + [SelectChoice(y, y) for y in years]


# -- transcript --------------------------------------------------------------------------------------

# The educator's licensure cycle start (shape only: a real date; the range is the transcript service's).

class CycleStartForm(FlaskForm):
    starts_on = DayField(
        "Start of your current licensure cycle",
        description="The date your current five-year license (or its last renewal) took effect, as year-month-day.",
        validators=[InputRequired("Enter the date your current licensure cycle started.")],
        window=False,  # app.pl.transcript.set_cycle_start keeps it from January 1, 1990 to today
    )


__all__ = ["CertificateRequestForm", "CertificateUploadForm", "CompletionForm", "CycleStartForm", "PLBudgetForm", "PLDecisionForm", "PLQueueFilterForm",
           "PLRequestForm", "action_form_class"]
