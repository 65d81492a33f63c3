"""Forms for registration: the Register / Cancel buttons (a CSRF token and where to go back to) and
the staff's attendance checklist (one checkbox per registered person)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, widgets
from wtforms.validators import ValidationError


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
