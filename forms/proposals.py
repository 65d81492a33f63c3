"""Proposal forms: start a draft, edit it (with budget lines), attach a file, take an action; the cycle
form; staff screening's filters and reviewer assignment."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList, SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import BudgetCategory, GrantType, ProposalState
from forms.base import FlaskForm, Form
from forms.fields import DayField, MoneyField, NumberField, WholeNumberField
from forms.filters import FilterForm, FilterText
from workflows.proposal import STATE_LABELS

# -- proposal ----------------------------------------------------------------------------------------

# Proposal forms: start a draft, edit it (with budget lines), attach a file, take an action.
#
# Shape only: lengths, money that is a number >= 0 with at most two decimals, a row that is either
# blank or complete. Whether the proposal is complete enough to submit is the workflow's question.

TITLE_MAX = 200
TEXT_MAX = 10_000
DESCRIPTION_MAX = 200
BLANK_BUDGET_ROWS = 3
MAX_BUDGET_ROWS = 60


class PriorityCheckboxes(SelectMultipleField):
    """The district priorities (active survey topics) a proposal cites, as checkboxes. A choice that
    is not in the list is refused with ``invalid_choice_message``; none ticked is fine."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _category_choices():
    return [SelectChoice("", "Choose a category")] + [SelectChoice(c.value, c.label) for c in BudgetCategory]


class BudgetLineForm(Form):
    """One budget line. A blank row is ignored; a row with only some fields is an error on that row."""

    category = SelectField("Category", choices=_category_choices(), validate_choice=False)
    description = StringField("Description", validators=[Length(max=DESCRIPTION_MAX,
                              message=f"Keep the description to {DESCRIPTION_MAX} characters or fewer.")],
                              filters=[lambda v: v.strip() if isinstance(v, str) else v])
    amount = MoneyField("Amount ($)")

    @property
    def is_blank(self) -> bool:
        typed_amount = (self.amount.raw_data or [""])[0] or ""
        return not (self.category.data or (self.description.data or "").strip() or typed_amount.strip())

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.is_blank:
            return ok
        if not self.category.data:
            self.category.errors = [*self.category.errors, "Choose a category for this line."]
            ok = False
        elif self.category.data not in {c.value for c in BudgetCategory}:
            self.category.errors = [*self.category.errors, "Choose a category from the list."]
            ok = False
        if not (self.description.data or "").strip():
            self.description.errors = [*self.description.errors, "Describe what this line pays for."]
            ok = False
        if self.amount.data is None and not self.amount.errors:
            self.amount.errors = [*self.amount.errors, "Enter the amount for this line."]
            ok = False
        return ok


def _text(label: str):
    return TextAreaField(label, validators=[Length(max=TEXT_MAX, message=f"Keep this to {TEXT_MAX:,} characters or fewer.")],
                         render_kw={"rows": 5})


class ProposalForm(FlaskForm):
    version = HiddenField()
    grant_type = RadioField(
        "Grant type",
        choices=[SelectChoice(g.value, f"{g.label}: " + ("try something" if g is GrantType.ACTION
                                                         else "investigate something")) for g in GrantType],
        validate_choice=False,
    )
    title = StringField("Title", validators=[Length(max=TITLE_MAX,
                        message=f"Keep the title to {TITLE_MAX} characters or fewer.")])
    challenge = _text("The challenge")
    students = _text("The students it concerns")
    plan = _text("Plan")
    success_measures = _text("How success is measured")
    sharing_plan = _text("How the team will share its learning")
    timeline = _text("Timeline")
    amount_requested = MoneyField("Amount requested ($)")
    budget_lines = FieldList(FormField(BudgetLineForm), label="Budget lines", min_entries=BLANK_BUDGET_ROWS,
                             max_entries=MAX_BUDGET_ROWS)
    priorities = PriorityCheckboxes("Which district priorities does this proposal address?", coerce=int,
                                    invalid_choice_message="Choose priorities from the list.")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        from app.core import clock
        from app.needs.priorities import topic_order

        topics, self.priorities_ranked = topic_order(clock.today(), with_ranked=True)
        self.priorities.choices = [SelectChoice(t.id, t.name) for t in topics]

    def validate_grant_type(self, field):
        if field.data in (None, "", "None"):
            field.data = None
            return
        if field.data not in {g.value for g in GrantType}:
            raise ValidationError("Choose an action grant or a study grant.")

    def filled_lines(self):
        return [entry.form for entry in self.budget_lines if not entry.form.is_blank]

    def error_messages(self) -> list[tuple[str, str]]:
        """(field id, "label: message") for every error, budget rows included, for the summary."""
        out = []
        for f in self:
            if f.name == "csrf_token" or not f.errors:
                continue
            if f.type == "FieldList":
                for i, entry in enumerate(f.entries, start=1):
                    for sub in entry.form:
                        for e in sub.errors:
                            out.append((sub.id, f"Budget line {i}, {sub.label.text.lower()}: {e}"))
                for e in f.errors if isinstance(f.errors, list) else []:
                    if isinstance(e, str):
                        out.append((f.id, f"Budget lines: {e}"))
            else:
                out.extend((f.id, f"{f.label.text}: {e}") for e in f.errors)
        return out


class NewProposalForm(FlaskForm):
    team = SelectField("Team", validators=[DataRequired("Choose one of your teams.")],
                       invalid_choice_message="Choose one of your teams.")
    cycle = SelectField("Funding cycle", validators=[DataRequired("Choose a cycle that is open now.")],
                        invalid_choice_message="Choose a cycle that is open now.")


class UploadForm(FlaskForm):
    file = FileField("File (PDF, Word .docx, Excel .xlsx, PNG or JPEG)",
                     validators=[FileRequired("Choose a file to upload.")])


def action_form_class(trigger: str, fields: tuple[str, ...], *, comment_label: str = "Comment for the team",
                      class_prefix: str = "ActionForm") -> type[FlaskForm]:
    """A form for one action: the fields its declaration asks for (``comment`` / ``reason``).

    Field names are the contract (``comment``, ``reason``); ids carry the trigger so that two
    action forms on one page never share an id. ``comment_label`` names who reads the comment.
    """
    labels = {"comment": comment_label, "reason": "Reason"}
    attrs = {
        name: TextAreaField(
            labels.get(name, name.capitalize()), id=f"{trigger}-{name}", render_kw={"rows": 3},
            validators=[Optional(), Length(max=TEXT_MAX, message=f"Keep this to {TEXT_MAX:,} characters or fewer.")],
        )
        for name in fields
    }
    return type(f"{class_prefix}_{trigger}", (FlaskForm,), attrs)


__all__ = ["BudgetLineForm", "NewProposalForm", "ProposalForm", "UploadForm",
           "action_form_class"]


# -- cycle -------------------------------------------------------------------------------------------

# The cycle form: dates, money, reviews per side and the rubric's weighted criteria.
#
# Shape only (required, types, lengths, ranges). The rules across fields (dates in order, max
# award within the pool, unique names, criteria that already have scores) live in
# ``app.proposals.cycles`` so that every caller meets them.
# Numeric(12, 2) holds up to 9,999,999,999.99; refuse more before the database does.

CYCLE_MONEY_INVALID = "Enter an amount in dollars, like 15000 or 15,000.00."
CYCLE_DATE_INVALID = "Enter a date as YYYY-MM-DD, for example 2026-09-15."


class Present:
    """Required, for numbers: unlike DataRequired, a typed 0 counts as present."""

    def __init__(self, message: str):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        if field.data is None:
            # An input that could not be read already carries its own message.
            raise StopValidation(None if field.errors else self.message)


class CriterionRow(Form):
    """One row of the rubric. A row with no id and nothing typed is a spare blank row."""

    id = HiddenField()
    position = WholeNumberField("Order", validators=[Optional()], minimum=1, maximum=999,
                                range_message="The order is a number from 1 to 999.",
                                invalid_message="Enter a whole number, like 2.")
    name = StringField("Criterion", validators=[Length(max=120, message="Keep the criterion's name "
                                                                       "to 120 characters or fewer.")])
    description = TextAreaField("What reviewers look for", validators=[Length(max=2000, message=(
        "Keep the description to 2,000 characters or fewer."))])
    weight = NumberField("Weight", more_than=Decimal("0"), maximum=Decimal("1000"), round_to_cents=True,
                         invalid_message="Enter the weight as a number, like 1 or 2.5.",
                         small_message="The weight must be more than 0.",
                         large_message="The weight must be 1,000 or less.", render_kw={"inputmode": "decimal"})
    remove = BooleanField("Remove")

    @property
    def is_blank(self) -> bool:
        return (not self.id.data and not (self.name.data or "").strip()
                and not (self.description.data or "").strip() and self.weight.data is None
                and not (self.weight.raw_data and self.weight.raw_data[0].strip()))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.is_blank or self.remove.data:
            # A spare row, or one the user is removing: nothing in it needs to be right.
            for f in self:
                f.errors = []
            return True
        if not (self.name.data or "").strip():
            self.name.errors.append("Give the criterion a name" + (", or tick Remove." if self.id.data else "."))
            ok = False
        if self.weight.data is None and not self.weight.errors:
            self.weight.errors.append("Give the criterion a weight, like 1 or 2.")
            ok = False
        elif self.weight.data is not None and not self.weight.errors:
            if self.weight.data <= 0:
                self.weight.errors.append("The weight must be more than 0.")
                ok = False
            elif self.weight.data > 1000:
                self.weight.errors.append("The weight must be 1,000 or less.")
                ok = False
        return ok and not any(f.errors for f in self)


class RowList(FieldList):
    """A FieldList whose errors read as sentences ("Criterion 2, Weight: ...") in the error summary."""

    def validate(self, form, extra_validators=()):
        ok = super().validate(form, extra_validators)
        flat = []
        for i, entry in enumerate(self.entries, start=1):
            for sub in entry.form:
                for message in sub.errors:
                    flat.append(f"row {i}, {sub.label.text}: {message}")
        self.errors = flat + [e for e in self.errors if isinstance(e, str)]
        return ok and not self.errors


class CycleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the cycle a name."), Length(
        max=120, message="Keep the name to 120 characters or fewer.")],
        description="For example “2026-27 Teacher Leadership Fund”.")
    opens_on = DayField("Opens on", invalid_message=CYCLE_DATE_INVALID, validators=[Present("Enter the date the cycle opens.")])
    closes_on = DayField("Closes on", invalid_message=CYCLE_DATE_INVALID, validators=[Present("Enter the date the cycle closes.")],
                               description="The last day teams can submit.")
    revision_deadline = DayField("Revision deadline", invalid_message=CYCLE_DATE_INVALID, validators=[Present(
        "Enter the revision deadline.")], description="The last day teams can resubmit a returned proposal.")
    review_due_on = DayField("Reviews due", invalid_message=CYCLE_DATE_INVALID, validators=[Present("Enter the date reviews are due.")])
    progress_report_due = DayField("Progress reports due", invalid_message=CYCLE_DATE_INVALID, validators=[Optional()],
                                         description="Funded teams file a progress update by this date.")
    final_report_due = DayField("Final reports due", invalid_message=CYCLE_DATE_INVALID, validators=[Optional()],
                                      description="Grants can be activated once both report dates are set.")
    pool = MoneyField("Budget pool ($)", validators=[Present("Enter the budget pool.")], round_to_cents=True,
                      invalid_message=CYCLE_MONEY_INVALID, small_message="The budget pool cannot be negative.",
                      large_message="The budget pool is too large; enter at most $1,000,000,000.")
    max_award = MoneyField("Maximum award per proposal ($)", validators=[Present("Enter the maximum award.")],
                           positive=True, round_to_cents=True, invalid_message=CYCLE_MONEY_INVALID,
                           small_message="The maximum award must be more than $0.00.",
                           large_message="The maximum award is too large; enter at most $1,000,000,000.")
    reviews_per_side = WholeNumberField("Reviews per side", validators=[
        Present("Enter how many reviews each side completes.")], minimum=1, maximum=10,
        range_message="Each side completes from 1 to 10 reviews.", invalid_message="Enter a whole number, like 2.",
        description="How many reviewers of the BTU side, and of the BPS side, score each proposal.")
    criteria = RowList(FormField(CriterionRow), label="Rubric criteria", min_entries=0, max_entries=40)


# -- screening ---------------------------------------------------------------------------------------

# Screening: the staff list's filters and the reviewer-assignment form.

def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


ALL_CYCLES = "all"


class ProposalFilterForm(FilterForm):
    """The staff list's filters (GET, no CSRF: it changes nothing)."""


    cycle = SelectField("Cycle", choices=[], invalid_choice_message="Choose a cycle from the list.")
    state = SelectField("State", choices=[SelectChoice("", "Any state")] + [SelectChoice(s.value, STATE_LABELS[s]) for s in ProposalState],
                        invalid_choice_message="Choose a state from the list.")
    school_id = SelectField("School", coerce=_optional_int, choices=[],
                            invalid_choice_message="Choose a school from the list.")
    grant_type = SelectField("Grant type", choices=[SelectChoice("", "Either type")] + [SelectChoice(g.value, g.label) for g in GrantType],
                             invalid_choice_message="Choose action or study.")
    q = FilterText("Title or team", validators=[Length(max=120, message="Search with 120 characters or fewer.")])

    def __init__(self, *args, cycles=(), schools=(), default_cycle=None, **kw):
        super().__init__(*args, **kw)
        self.cycle.choices = [SelectChoice(ALL_CYCLES, "All cycles")] + [SelectChoice(str(c.id), c.name) for c in cycles]
        self.school_id.choices = [SelectChoice("", "Any school")] + [SelectChoice(s.id, s.name) for s in schools]
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
        self.reviewers.choices = [SelectChoice(i, str(i)) for i in candidate_ids]

    def validate_reviewers(self, field):
        if not field.data:
            raise ValidationError("Choose at least one reviewer to assign.")
