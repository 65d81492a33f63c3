"""The cycle form: dates, money, reviews per side and the rubric's weighted criteria.

Shape only (required, types, lengths, ranges). The rules across fields (dates in order, max
award within the pool, unique names, criteria that already have scores) live in
``app.services.cycles`` so that every caller meets them.
"""
from __future__ import annotations

import decimal
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, FormField, HiddenField, StringField, TextAreaField
from wtforms.fields import DateField, DecimalField, FieldList, IntegerField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

# Numeric(12, 2) holds up to 9,999,999,999.99; refuse more before the database does.
MONEY_MAX = Decimal("1000000000.00")


class BlankIsNone:
    """Mixin: an empty input is "no value" (so ``Present`` gives the one clear message)."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata([str(valuelist[0]).strip()])


class MoneyField(BlankIsNone, DecimalField):
    """Dollars and cents. Accepts "15000", "15,000.00" or "$15,000"; refuses words, NaN, Infinity.

    A text input (with a decimal keypad on phones): a number input would not take "15,000".
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("places", 2)
        kw.setdefault("invalid_value_message", "Enter an amount in dollars, like 15000 or 15,000.00.")
        kw.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kw)

    def process_formdata(self, valuelist):
        if valuelist and str(valuelist[0]).strip():
            valuelist = [str(valuelist[0]).strip().replace(",", "").lstrip("$").strip()]
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.invalid_value_message)
        if self.data is not None and abs(self.data) <= MONEY_MAX:
            # Cents are what is stored: 0.001 is $0.00, and is judged as such.
            self.data = self.data.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        try:
            return str(Decimal(self.data).quantize(Decimal("0.01")))
        except decimal.InvalidOperation:
            return str(self.data)


class PlainDateField(BlankIsNone, DateField):
    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("invalid_value_message", "Enter a date as YYYY-MM-DD, for example 2026-09-15.")
        super().__init__(label, validators, **kw)


class WholeNumberField(BlankIsNone, IntegerField):
    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("invalid_value_message", "Enter a whole number, like 2.")
        super().__init__(label, validators, **kw)


class Present:
    """Required, for numbers: unlike DataRequired, a typed 0 counts as present."""

    def __init__(self, message: str):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        if field.data is None:
            # An input that could not be read already carries its own message.
            raise StopValidation(None if field.errors else self.message)


def not_negative(what: str):
    def check(form, field):
        if field.data is not None and field.data < 0:
            raise ValidationError(f"The {what} cannot be negative.")
        if field.data is not None and field.data > MONEY_MAX:
            raise ValidationError(f"The {what} is too large; enter at most $1,000,000,000.")

    return check


def more_than_zero(what: str):
    def check(form, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(f"The {what} must be more than $0.00.")
        if field.data is not None and field.data > MONEY_MAX:
            raise ValidationError(f"The {what} is too large; enter at most $1,000,000,000.")

    return check


class CriterionRow(Form):
    """One row of the rubric. A row with no id and nothing typed is a spare blank row."""

    id = HiddenField()
    position = WholeNumberField("Order", validators=[Optional(), NumberRange(min=1, max=999,
                                message="The order is a number from 1 to 999.")])
    name = StringField("Criterion", validators=[Length(max=120, message="Keep the criterion's name "
                                                                       "to 120 characters or fewer.")])
    description = TextAreaField("What reviewers look for", validators=[Length(max=2000, message=(
        "Keep the description to 2,000 characters or fewer."))])
    weight = MoneyField("Weight", invalid_value_message="Enter the weight as a number, like 1 or 2.5.")
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
    opens_on = PlainDateField("Opens on", validators=[Present("Enter the date the cycle opens.")])
    closes_on = PlainDateField("Closes on", validators=[Present("Enter the date the cycle closes.")],
                               description="The last day teams can submit.")
    revision_deadline = PlainDateField("Revision deadline", validators=[Present(
        "Enter the revision deadline.")], description="The last day teams can resubmit a returned proposal.")
    review_due_on = PlainDateField("Reviews due", validators=[Present("Enter the date reviews are due.")])
    progress_report_due = PlainDateField("Progress reports due", validators=[Optional()],
                                         description="Funded teams file a progress update by this date.")
    final_report_due = PlainDateField("Final reports due", validators=[Optional()],
                                      description="Grants can be activated once both report dates are set.")
    pool = MoneyField("Budget pool ($)", validators=[Present("Enter the budget pool."),
                                                    not_negative("budget pool")])
    max_award = MoneyField("Maximum award per proposal ($)", validators=[
        Present("Enter the maximum award."), more_than_zero("maximum award")])
    reviews_per_side = WholeNumberField("Reviews per side", validators=[
        Present("Enter how many reviews each side completes."),
        NumberRange(min=1, max=10, message="Each side completes from 1 to 10 reviews.")],
        description="How many reviewers of the BTU side, and of the BPS side, score each proposal.")
    criteria = RowList(FormField(CriterionRow), label="Rubric criteria", min_entries=0, max_entries=40)
