"""The co-chair's decision form: outcome, award (approvals only), conditions, feedback to the team."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField, RadioField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional
from wtforms.widgets import TextInput

from app.models import DecisionOutcome

MONEY_RE = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


class MoneyField(DecimalField):
    """Dollars and cents. Accepts "12500", "12,500.00" or "$12,500"; refuses anything else clearly."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("places", 2)
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip().replace(",", "").replace("$", "").strip()
        if raw == "":
            self.data = None
            return
        if raw.startswith("-"):
            self.data = None
            raise ValueError("The amount cannot be negative.")
        if not MONEY_RE.match(raw):
            self.data = None
            raise ValueError("Enter an amount in dollars and cents, for example 12500.00.")
        self.data = Decimal(raw)


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
