"""The base of every list's filter form (sent by GET)."""
from __future__ import annotations

from wtforms import SearchField, SelectField, StringField
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

    def validate(self, extra_validators=None) -> bool:
        """As any form; then an invalid text filter (too long, a control character) is ignored: its data
        is empty, so no query ever sees it (PostgreSQL refuses a NUL in a LIKE pattern), while its box
        still shows what was typed, with the message beside it."""
        ok = super().validate(extra_validators)
        for field in self:
            if field.errors and isinstance(field, StringField):
                field.data = ""
        return ok

    def value(self, name: str) -> str:
        """The field's value when it is valid, else empty (an invalid filter is reported and ignored)."""
        f = self[name]
        if f.errors:
            return ""
        return (f.data or "").strip()


class FilterText(StringField):
    """A text filter: its box shows what was typed, even when ``FilterForm.validate`` set it aside."""

    def _value(self):
        return self.raw_data[0] if self.raw_data else super()._value()


class FilterSearch(FilterText, SearchField):
    """A search box (``type="search"``) that shows what was typed."""


def search_field(label: str, description: str) -> SearchField:
    """A public list's free-text search (at most ``SEARCH_MAX`` characters)."""
    return FilterSearch(label, description=description, validators=[
        Length(max=SEARCH_MAX, message=f"Search with {SEARCH_MAX} characters or fewer.")])


def tag_filter_fields() -> tuple[SelectField, SelectField, SelectField]:
    """The topic, grade band and subject filters (the form sets their choices), in that order:
    ``topic, grade_band, subject = tag_filter_fields()`` in the form's body, where they should sit."""
    return (
        SelectField("Topic", choices=[], invalid_choice_message="Choose a topic from the list."),
        SelectField("Grade band", choices=[], invalid_choice_message="Choose a grade band from the list."),
        SelectField("Subject", choices=[], invalid_choice_message="Choose a subject from the list."),
    )
