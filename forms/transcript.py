"""The educator's licensure cycle start (shape only: a real date; the range is the transcript service's)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from forms.fields import DayField


class CycleStartForm(FlaskForm):
    starts_on = DayField(
        "Start of your current licensure cycle",
        description="The date your current five-year license (or its last renewal) took effect, as year-month-day.",
        validators=[InputRequired("Enter the date your current licensure cycle started.")],
    )


__all__ = ["CycleStartForm"]
