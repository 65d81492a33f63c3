"""The base of every list's filter form (sent by GET)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField


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
