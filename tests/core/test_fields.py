"""The shared fields (forms/fields.py), the base forms' control-character check (forms/base.py) and the
bounded id converter (app/core/urls.py): hostile text gets a message a person understands and is kept."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

from app.core.urls import ID_MAX, parse_id
from forms.base import FlaskForm, Form
from forms.fields import DayField, HoursField, MoneyField, PDPField, WholeNumberField

HUGE = "123456789012345678901234567890"


class Numbers(Form):
    money = MoneyField("Money")
    payment = MoneyField("Payment", positive=True)
    hours = HoursField("Hours")
    pdps = PDPField("PDPs")
    count = WholeNumberField("Count", minimum=1, maximum=10)
    day = DayField("Day")


def _errors(**typed) -> tuple[Numbers, dict]:
    form = Numbers(formdata=MultiDict(typed))
    form.validate()
    return form, {k: v for k, v in form.errors.items() if k in typed}


@pytest.mark.parametrize("field", ["money", "payment", "hours", "pdps", "count"])
@pytest.mark.parametrize("typed", ["1e309", "NaN", "Infinity", HUGE, "99999999999999999999", "x" * 10_000, "-1"])
def test_every_number_field_refuses_absurd_numbers_with_a_message(field, typed):
    form, errors = _errors(**{field: typed})
    assert errors.get(field), f"{field} accepted {typed[:40]!r}"
    message = errors[field][0]
    assert "Enter" in message or "too large" in message, message
    assert form[field]._value() == typed  # what was typed is shown again


@pytest.mark.parametrize("field,typed,message", [
    ("money", "1e309", "That amount is too large; check the number of digits (at most $1,000,000,000)."),
    ("money", HUGE, "That amount is too large"),
    ("money", "NaN", "“NaN” is not an amount of money."),
    ("money", "-1", "Enter an amount of $0.00 or more, not a negative amount."),
    ("money", "12.345", "Use at most two decimal places (dollars and cents)."),
    ("payment", "0", "Enter an amount more than $0.00."),
    ("hours", "1e309", "Enter fewer than 1,000 hours."),
    ("hours", "Infinity", "“Infinity” is not a number of hours."),
    ("pdps", "-1", "“-1” is not a whole number."),
    ("pdps", HUGE, "Enter a number of PDPs from 0 to 1,000."),
    ("count", "99999999999999999999", "Enter a whole number from 1 to 10."),
    ("day", "9999-12-31", "Enter a date between 2000 and 2100."),
    ("day", "0001-01-01", "Enter a date between 2000 and 2100."),
])
def test_the_message_says_what_to_type(field, typed, message):
    _form, errors = _errors(**{field: typed})
    assert message in errors[field][0]


@pytest.mark.parametrize("field", ["money", "pdps"])
def test_minus_zero_is_zero(field):
    form, errors = _errors(**{field: "-0"})
    assert not errors and form[field].data == 0
    assert str(form[field].data) == "0"  # not "-0", stored and shown as plain zero


@pytest.mark.parametrize("field", ["payment", "hours", "count"])
def test_minus_zero_is_refused_as_zero_where_zero_is(field):
    _form, errors = _errors(**{field: "-0"})
    assert errors[field] == _errors(**{field: "0"})[1][field]


def test_good_values_still_read():
    form, errors = _errors(money="$1,250.50", payment="0.01", hours="7.5", pdps="10", count="3", day="2026-03-14")
    assert not errors
    assert (form.money.data, form.payment.data, form.hours.data) == (Decimal("1250.50"), Decimal("0.01"), Decimal("7.5"))
    assert (form.pdps.data, form.count.data, form.day.data) == (10, 3, date(2026, 3, 14))


class Texts(FlaskForm):
    class Meta:
        csrf = False

    line = StringField("Line")
    text = TextAreaField("Text")
    hidden = HiddenField()
    secret = PasswordField("Secret")
    money = MoneyField("Money")


@pytest.mark.parametrize("name", ["line", "text", "hidden", "secret"])
@pytest.mark.parametrize("typed,shown", [("a\x00b", "a NUL byte"), ("a\x01\x1b\x7fb", "U+0001"),
                                         ("x\x9fy", "U+009F")])
def test_every_text_field_refuses_control_characters_and_keeps_the_text(app, name, typed, shown):
    with app.test_request_context():
        form = Texts(formdata=MultiDict({name: typed}))
        assert not form.validate()
        assert form.errors[name] == [f"Remove the invisible control character ({shown}) from this text; it may "
                                     "have come in with something pasted."]
        assert form[name].raw_data == [typed]


def test_tab_is_fine_everywhere_and_newlines_in_multi_line_text(app):
    with app.test_request_context():
        form = Texts(formdata=MultiDict({"line": "a\tb", "text": "one\r\ntwo\n\tthree"}))
        assert form.validate(), form.errors
        form = Texts(formdata=MultiDict({"line": "one\ntwo"}))
        assert not form.validate() and "U+000A" in form.errors["line"][0]


def test_every_form_of_the_app_derives_from_the_base_forms():
    import importlib
    import pkgutil

    import wtforms

    import forms as forms_pkg
    from forms import base

    for mod in pkgutil.iter_modules(forms_pkg.__path__):
        module = importlib.import_module(f"forms.{mod.name}")
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, wtforms.Form) and obj.__module__ == module.__name__:
                assert issubclass(obj, (base.Form, base.FlaskForm)), f"forms.{mod.name}.{name}"


@pytest.mark.parametrize("url", ["/proposals/99999999999999999999", f"/proposals/{ID_MAX + 1}",
                                 "/catalog/99999999999999999999", "/catalog/99999999999999999999.ics",
                                 "/catalog/99999999999999999999/edit", "/people/99999999999999999999/transcript.pdf"])
def test_an_id_no_column_holds_is_404(browser, world, url):
    browser.login(world.staff)
    assert browser.get(url).status_code == 404


def test_the_converter_still_routes_real_ids(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/proposals/{ID_MAX}")[1] == {"proposal_id": ID_MAX}


@pytest.mark.parametrize("raw,expected", [("12", 12), ("0", None), ("-3", None), ("99999999999999999999", None),
                                          ("١٢", None), ("abc", None), (None, None), (str(ID_MAX), ID_MAX)])
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected
