"""The base of every form of the app: ``FlaskForm`` (a page's form, with its CSRF token) and ``Form`` (a
row inside one, such as a budget line), each refusing invisible control characters in every text field.

A NUL byte or another control character (pasted from somewhere, or sent on purpose) would be stored by
SQLite, refused by PostgreSQL with an error, and break what later draws the text (an SVG chart, a PDF, a
calendar file). Every text field of every form (each ``StringField``: text inputs, text areas, hidden
and password inputs, the typed numbers and dates of ``forms.fields``) gets, first among its validators,
a check that says which character to remove; tab is allowed everywhere, newline and carriage return in
multi-line text (a ``TextAreaField``). What was typed is kept and shown again.
"""
from __future__ import annotations

import flask_wtf
import wtforms
from markupsafe import Markup, escape
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation
from wtforms.widgets import Select

from app.core.values import control_character, control_character_message


class NoControlCharacters:
    """Refuse text with an invisible control character (beside the field, with what to remove)."""

    def __init__(self, multiline: bool):
        self.multiline = multiline

    def __call__(self, form, field):
        if field.process_errors:
            return  # the text did not even parse; that message says enough
        for raw in field.raw_data or ():
            if isinstance(raw, str) and (ch := control_character(raw, multiline=self.multiline)):
                raise StopValidation(control_character_message(ch))


class FastSelect(Select):
    """WTForms' ``Select`` with a plain option (a value, maybe ``selected``, a label and no other attribute)
    written in one f-string: the same HTML, without building and escaping an attribute dictionary per
    option (a filter form's cycle and school lists are a few hundred options, a fifth of a list page's
    time)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = escape(choice.label or choice.value)
        return Markup(f'<option {"selected " if choice.selected else ""}value="{escape(value)}">{label}</option>')


class RequiredSelect(FastSelect):
    """A required drop-down's first option is an empty "Choose one" (HTML asks for one on a ``required``
    select: without it the first real choice looks chosen although the person chose nothing). It stays
    chosen until they pick; a list that already starts with an empty value keeps its own wording."""

    PLACEHOLDER = "Choose one"

    def __call__(self, field, **kwargs):
        html = super().__call__(field, **kwargs)
        choices = list(field.iter_choices())
        if any(c[0] in ("", None) for c in choices):
            return html
        chosen = any(c[2] for c in choices)
        opening = html.index(">") + 1
        option = Markup('<option value=""{}>{}</option>').format(
            Markup("") if chosen else Markup(" selected"), self.PLACEHOLDER)
        return Markup(html[:opening]) + option + Markup(html[opening:])


class _Meta:
    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField):
            field.validators = [NoControlCharacters(isinstance(field, TextAreaField)), *field.validators]
        if isinstance(field, SelectField) and field.flags.required and type(field.widget) is Select:
            field.widget = RequiredSelect()
        elif type(field.widget) is Select:
            field.widget = FastSelect(multiple=field.widget.multiple)
        return field


class Form(wtforms.Form):
    """A part of a form (a row of a ``FieldList``), with the control-character check."""

    Meta = type("Meta", (_Meta, wtforms.Form.Meta), {})


class FlaskForm(flask_wtf.FlaskForm):
    """A page's form, with the control-character check. Its hidden CSRF token renders without an ``id``:
    a page with several forms would otherwise repeat ``id="csrf_token"`` (ids must be unique), and
    nothing points at it."""

    class Meta(_Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = self._fields.get(self.meta.csrf_field_name) if self.meta.csrf else None
        if token is not None:
            token.render_kw = {**(token.render_kw or {}), "id": False}


__all__ = ["FastSelect", "FlaskForm", "Form", "NoControlCharacters", "RequiredSelect"]
