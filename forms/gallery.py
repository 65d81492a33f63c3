"""The public gallery's search and filters (GET, no CSRF: it changes nothing)."""
from __future__ import annotations

from wtforms import SelectField

from app.models import GrantType, SchoolLevel, TagKind
from forms.filters import FilterForm, search_field, tag_filter_fields


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a year: refused with the field's own message


def _tag_choices(values, any_label: str):
    return [("", any_label)] + [(v, f"{v} ({n})") for v, n in values]


class GalleryFilterForm(FilterForm):
    q = search_field("Search the summaries", description="Every word must appear (titles, text, tags, schools).")
    topic, grade_band, subject = tag_filter_fields()
    school_level = SelectField("School level", choices=[("", "Any level")] + [(lvl.value, lvl.label) for lvl in SchoolLevel],
                               invalid_choice_message="Choose a school level from the list.")
    grant_type = SelectField("Grant type", choices=[("", "Either type")] + [(g.value, g.label) for g in GrantType],
                             invalid_choice_message="Choose action or study.")
    year = SelectField("Year published", coerce=_optional_int, choices=[],
                       invalid_choice_message="Choose a year from the list.")

    def __init__(self, *args, facets=None, **kw):
        super().__init__(*args, **kw)
        tags = facets.tags if facets else {}
        self.topic.choices = _tag_choices(tags.get(TagKind.TOPIC, []), "Any topic")
        self.grade_band.choices = _tag_choices(tags.get(TagKind.GRADE_BAND, []), "Any grade band")
        self.subject.choices = _tag_choices(tags.get(TagKind.SUBJECT, []), "Any subject")
        self.year.choices = [("", "Any year")] + [(y, f"{y} ({n})") for y, n in (facets.years if facets else [])]

    def value(self, name: str):
        """As ``FilterForm.value``; the year is a number (None when not chosen or invalid)."""
        if name == "year":
            return None if self.year.errors else self.year.data
        return super().value(name)
