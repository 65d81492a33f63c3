"""The base of every list's filter form (sent by GET)."""
from __future__ import annotations

from wtforms import SearchField, SelectField
from wtforms.validators import Length

from forms.base import FlaskForm

SEARCH_MAX = 200


class FilterForm(FlaskForm):
    """Filters for a list, sent with GET: no CSRF token (they change nothing), and a filter the
    visitor did not send means "any" — the empty choice — rather than a wrong choice."""

    class Meta:
        csrf = False

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        for field in self:
            if isinstance(field, SelectField) and field.data is None and field.raw_data in (None, []):
                try:
                    field.data = field.coerce("")
                except (TypeError, ValueError):
                    continue

    def value(self, name: str) -> str:
        """The field's value when it is valid, else empty (an invalid filter is reported and ignored)."""
        f = self[name]
        if f.errors:
            return ""
        return (f.data or "").strip()


def search_field(label: str, description: str) -> SearchField:
    """A public list's free-text search (at most ``SEARCH_MAX`` characters)."""
    return SearchField(label, description=description, validators=[
        Length(max=SEARCH_MAX, message=f"Search with {SEARCH_MAX} characters or fewer.")])


def tag_filter_fields() -> tuple[SelectField, SelectField, SelectField]:
    """The topic, grade band and subject filters (the form sets their choices), in that order:
    ``topic, grade_band, subject = tag_filter_fields()`` in the form's body, where they should sit."""
    return (
        SelectField("Topic", choices=[], invalid_choice_message="Choose a topic from the list."),
        SelectField("Grade band", choices=[], invalid_choice_message="Choose a grade band from the list."),
        SelectField("Subject", choices=[], invalid_choice_message="Choose a subject from the list."),
    )
