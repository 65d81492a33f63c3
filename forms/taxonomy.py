"""The taxonomy form: a topic, grade band or subject. Shape only; unique names are the service's rule."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.models import TermKind
from app.services.taxonomy import DESCRIPTION_MAX, NAME_MAX, POSITION_MAX


class WholeNumberField(IntegerField):
    """A whole number; anything else gets a message saying what to type (the input is kept)."""

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number, like 3.") from None


class TermForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in TermKind],
                       invalid_choice_message="Choose topic, grade band or subject.")
    name = StringField("Name", validators=[
        DataRequired("Enter a name."),
        Length(max=NAME_MAX, message=f"Keep the name to {NAME_MAX} characters or fewer."),
    ], filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v])
    description = TextAreaField("Description (optional)", render_kw={"rows": 3}, validators=[
        Length(max=DESCRIPTION_MAX, message=f"Keep the description to {DESCRIPTION_MAX:,} characters or fewer.")])
    position = WholeNumberField(
        "Position in lists (optional)", validators=[
            Optional()],
        description="Lower numbers come first. Leave blank to put a new term at the end.",
    )

    def validate_position(self, field):
        if field.data is not None and not 0 <= field.data <= POSITION_MAX:
            raise ValidationError(f"Enter a position from 0 to {POSITION_MAX:,}.")
