"""Fields shared by every form: text the user types that is parsed into a value (a date, money, hours, a
whole number), and the project's base form classes.

Each keeps what was typed (re-shown after an error), treats a blank as None and gives a clear message
when the text does not parse or falls outside the bounds the product and its columns allow
(``app.core.values``): ``1e309``, ``NaN``, ``Infinity``, a 30-digit number or the year 9999 are refused
with a message beside the field, never handed on. Minus zero is zero.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from wtforms import StringField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import DateInput

from app.core.values import (
    CENTS,
    DATE_WINDOW_MESSAGE,
    HOURS_MAX,
    MONEY_MAX,
    WHOLE_MAX,
    decimal_or_none,
    in_date_window,
    more_than_cents,
    whole_or_none,
)


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


def _shown(raw: str) -> str:
    return raw if len(raw) <= 40 else raw[:40] + "…"


class DayField(ParsedTextField):
    """A date typed as YYYY-MM-DD (what the browser's date picker sends), from 2000 to 2100; a clear
    message otherwise.

    ``window=False`` leaves the range to a service that sets a narrower one itself and says so in its
    own words (the licensure cycle's start: from 1990 to today)."""

    widget = DateInput()

    def __init__(self, label=None, validators=None, *, invalid_message: str | None = None, window: bool = True,
                 **kw):
        super().__init__(label, validators, **kw)
        self.invalid_message, self.window = invalid_message, window

    def parse(self, raw):
        try:
            day = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(self.invalid_message
                             or f"“{_shown(raw)}” is not a date. Enter it as year-month-day, like 2026-03-14.") from None
        if self.window and not in_date_window(day):
            raise ValueError(DATE_WINDOW_MESSAGE)
        return day

    def display(self, value):
        return value.isoformat() if isinstance(value, date) else str(value)


class NumberField(ParsedTextField):
    """A number of at most two decimal places from ``minimum`` to ``maximum`` (inclusive); ``more_than``
    instead of ``minimum`` makes the lower bound exclusive (None: no lower bound). ``round_to_cents``
    rounds to two places (half up) instead of refusing more, and judges the rounded value (0.001 is 0.00).

    Messages: ``invalid_message`` (not a number), ``small_message`` and ``large_message`` (outside the
    bounds; ``range_message`` sets both), each with a default that names ``what`` and the bounds.
    """

    what = "number"
    example = "2.5"
    unit = ""

    def __init__(self, label=None, validators=None, *, minimum: Decimal | None = Decimal("0"),
                 maximum: Decimal = HOURS_MAX, more_than: Decimal | None = None, round_to_cents: bool = False,
                 invalid_message: str | None = None, range_message: str | None = None,
                 small_message: str | None = None, large_message: str | None = None, **kw):
        super().__init__(label, validators, **kw)
        self.minimum = None if more_than is not None else minimum
        self.maximum, self.more_than, self.round_to_cents = maximum, more_than, round_to_cents
        self.invalid_message = invalid_message
        self.small_message = small_message or range_message or self._default_small()
        self.large_message = large_message or range_message or (
            f"That {self.what} is too large: enter at most {self.unit}{self.maximum:,}.")

    def _default_small(self) -> str:
        if self.more_than is not None:
            return f"Enter a {self.what} more than {self.unit}{self.more_than:,}."
        return f"Enter a {self.what} of {self.unit}{self.minimum:,} or more."

    def parse(self, raw):
        value = decimal_or_none(raw)
        if value is None:
            raise ValueError(self.invalid_message
                             or f"“{_shown(raw)}” is not a {self.what}. Enter it like {self.example}.")
        return value

    def _too_small(self, value: Decimal) -> bool:
        if self.more_than is not None:
            return value <= self.more_than
        return self.minimum is not None and value < self.minimum

    def pre_validate(self, form):
        if self.process_errors or self.data is None:
            return
        if self.data > self.maximum:
            raise StopValidation(self.large_message)
        if self._too_small(self.data):
            raise StopValidation(self.small_message)
        if self.round_to_cents:
            self.data = self.data.quantize(CENTS, rounding=ROUND_HALF_UP)
            if self._too_small(self.data):
                raise StopValidation(self.small_message)
        elif more_than_cents(self.data):
            raise StopValidation(self.cents_message)

    @property
    def cents_message(self) -> str:
        return f"Use at most two decimal places for the {self.what}."

    def display(self, value):
        return format(Decimal(value).normalize(), "f") if isinstance(value, Decimal) else str(value)


class MoneyField(NumberField):
    """Dollars and cents typed as text ("1250", "1,250.00", "$1,250.50"), from $0 (or, with
    ``positive=True``, more than $0) up to $1,000,000,000.

    ``data`` is a ``Decimal`` (or None when blank); what the user typed is always re-shown.
    """

    what = "amount"
    unit = "$"

    def __init__(self, label=None, validators=None, *, positive: bool = False, maximum: Decimal = MONEY_MAX, **kw):
        kw.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        if positive:
            kw.setdefault("more_than", Decimal("0"))
            kw.setdefault("small_message", "Enter an amount more than $0.00.")
        kw.setdefault("small_message", "Enter an amount of $0.00 or more, not a negative amount.")
        kw.setdefault("large_message", f"That amount is too large; check the number of digits (at most ${maximum:,}).")
        super().__init__(label, validators, maximum=maximum, **kw)

    def parse(self, raw):
        value = decimal_or_none(raw)
        if value is None:
            raise ValueError(self.invalid_message
                             or f"“{_shown(raw)}” is not an amount of money. Enter dollars and cents, like 1250.00.")
        return value

    @property
    def cents_message(self) -> str:
        return "Use at most two decimal places (dollars and cents)."

    def display(self, value):
        return str(Decimal(value).quantize(CENTS)) if isinstance(value, Decimal) else str(value)


class HoursField(NumberField):
    """Hours as a number with at most two decimals ("6", "7.5"), more than 0 and fewer than 1,000."""

    what = "number of hours"
    example = "6 or 7.5"

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("more_than", Decimal("0"))
        kw.setdefault("maximum", HOURS_MAX - CENTS)
        kw.setdefault("small_message", "Enter a number of hours more than 0.")
        kw.setdefault("large_message", f"Enter fewer than {HOURS_MAX:,} hours.")
        super().__init__(label, validators, **kw)


class WholeNumberField(ParsedTextField):
    """A whole number from ``minimum`` to ``maximum`` ("1,000" reads as 1000); anything else, or a number
    outside the bounds, gets a message saying what to type (what was typed is kept)."""

    def __init__(self, label=None, validators=None, *, minimum: int = 0, maximum: int = WHOLE_MAX,
                 range_message: str | None = None, invalid_message: str | None = None, **kw):
        kw.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(label, validators, **kw)
        self.minimum, self.maximum = minimum, maximum
        self.range_message, self.invalid_message = range_message, invalid_message

    def parse(self, raw):
        value = whole_or_none(raw)
        if value is None:
            raise ValueError(self.invalid_message
                             or f"“{_shown(raw)}” is not a whole number. Enter a whole number, like 3.")
        return value

    def pre_validate(self, form):
        if self.process_errors or self.data is None:
            return
        if not self.minimum <= self.data <= self.maximum:
            raise StopValidation(self.range_message
                                 or f"Enter a whole number from {self.minimum:,} to {self.maximum:,}.")


class PDPField(WholeNumberField):
    """Professional development points: a whole number from 0 to 1,000."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("maximum", 1000)
        kw.setdefault("range_message", "Enter a number of PDPs from 0 to 1,000.")
        super().__init__(label, validators, **kw)

    def parse(self, raw):
        value = whole_or_none(raw)
        if value is None or value < 0:
            raise ValueError(f"“{_shown(raw)}” is not a whole number. Enter 0 or more, like 10.")
        return value


__all__ = ["DayField", "HoursField", "MoneyField", "NumberField", "PDPField", "ParsedTextField",
           "ValidationError", "WholeNumberField"]
