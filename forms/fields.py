"""Fields shared by several forms: text the user types that is parsed into a value (a date, money).

Each keeps what was typed (re-shown after an error), treats a blank as None and gives a clear
message when the text does not parse.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from wtforms import StringField
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

MONEY_MAX = Decimal("1000000000")  # far above any grant; keeps a typo from overflowing the column


class ParsedTextField(StringField):
    """Text parsed by ``parse`` (which raises ``ValueError`` with the message to show); a blank is None.

    ``data`` is the parsed value; what the user typed is always re-shown, else ``display(data)``.
    Each kind of value (a day, money, hours, a count) says how it is read by overriding ``parse``;
    read as it is, the field's value is the text typed, trimmed.
    """

    def parse(self, raw: str):
        return raw

    def display(self, value) -> str:
        return str(value)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = self.parse(raw)
        except ValueError:
            self.data = None
            raise

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else self.display(self.data)


class DayField(ParsedTextField):
    """A date typed as YYYY-MM-DD (what the browser's date picker sends); a clear message otherwise."""

    widget = DateInput()

    def parse(self, raw):
        try:
            return datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(f"“{raw[:40]}” is not a date. Enter it as year-month-day, like 2026-03-14.") from None

    def display(self, value):
        return value.isoformat()


class MoneyField(ParsedTextField):
    """Dollars and cents typed as text ("1250", "1,250.00", "$1,250.50").

    ``data`` is a ``Decimal`` (or None when blank); what the user typed is always re-shown.
    Non-numeric, negative, more than two decimals and absurdly large amounts get a clear message.
    """

    def parse(self, raw):
        cleaned = raw.replace(",", "").replace("$", "").strip()
        try:
            value = Decimal(cleaned)
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite():
            raise ValueError(f"“{raw}” is not an amount of money. Enter dollars and cents, like 1250.00.")
        return value

    def display(self, value):
        return str(Decimal(value).quantize(Decimal("0.01")))

    def pre_validate(self, form):
        if self.process_errors or self.data is None:
            return
        if self.data < 0:
            raise ValidationError("Enter an amount of $0.00 or more, not a negative amount.")
        if self.data != self.data.quantize(Decimal("0.01")):
            raise ValidationError("Use at most two decimal places (dollars and cents).")
        if self.data >= MONEY_MAX:
            raise ValidationError("That amount is too large; check the number of digits.")


__all__ = ["MONEY_MAX", "DayField", "MoneyField", "ParsedTextField"]
