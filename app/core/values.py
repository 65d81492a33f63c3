"""The bounds of what a person may type as a number or a date, shared by the forms (``forms/fields.py``)
and the services that read typed text themselves (the catalog's form and CSV import).

A value outside them is refused with a message before anything else sees it: nothing downstream (a
``Numeric`` or ``Integer`` column, ``Decimal.quantize``, ``timedelta`` arithmetic, the conversion to
Boston time, a calendar file) meets ``1e309``, ``NaN``, a 30-digit number or the year 9999.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Context, Decimal, InvalidOperation

CENTS = Decimal("0.01")
MONEY_MAX = Decimal("1000000000")  # far above any grant; Numeric(12, 2) holds 9,999,999,999.99
HOURS_MAX = Decimal("1000")  # hours and weights are Numeric(6, 2): at most 9,999.99
WHOLE_MAX = 2**31 - 1  # an INTEGER column
YEAR_MIN, YEAR_MAX = 2000, 2100
DATE_WINDOW_MESSAGE = f"Enter a date between {YEAR_MIN} and {YEAR_MAX}."

_WIDE = Context(prec=100)  # room to round any bounded number to cents
_WHOLE = re.compile(r"[+-]?\d{1,100}")
NUMBER_TEXT_MAX = 100  # digits enough for any number a person types; longer text is not read as one


def decimal_or_none(raw: str) -> Decimal | None:
    """A typed number ("1250", "1,250.00", "$1,250.50", "2.5e3") as a ``Decimal``; None for words, ``NaN``,
    ``Infinity`` and text longer than ``NUMBER_TEXT_MAX``. Its size is the caller's to bound (``1e309`` is a
    finite number, and too large for any of ours). Minus zero is zero."""
    cleaned = raw.replace(",", "").replace("$", "").strip()
    if not cleaned or len(cleaned) > NUMBER_TEXT_MAX or not cleaned.isascii():
        return None
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    return abs(value) if value == 0 else value


def whole_or_none(raw: str) -> int | None:
    """Typed digits (with an optional sign; "1,000" reads as 1000) as an int; None for anything else."""
    cleaned = raw.replace(",", "").strip()
    if not _WHOLE.fullmatch(cleaned):
        return None
    return int(cleaned)


def more_than_cents(value: Decimal) -> bool:
    """Whether ``value``, at most ``MONEY_MAX`` in size, has more than two decimal places ("1.50" and
    "1.500" have two, "1.505" three). Safe for any tiny value (``1e-400``)."""
    if value.as_tuple().exponent >= -2:
        return False
    return value != value.quantize(CENTS, context=_WIDE)


def in_date_window(day: date) -> bool:
    return YEAR_MIN <= day.year <= YEAR_MAX


def control_character(text: str, *, multiline: bool = True) -> str | None:
    """The first invisible control character in ``text`` (tab, and in multi-line text newline and carriage
    return, are allowed), or None."""
    allowed = "\t\n\r" if multiline else "\t"
    for ch in text:
        if ch not in allowed and (unicodedata.category(ch) == "Cc" or ch in "\ufffe\uffff"):
            return ch
    return None


def control_character_message(ch: str) -> str:
    name = {"\x00": "a NUL byte"}.get(ch, f"U+{ord(ch):04X}")
    return (f"Remove the invisible control character ({name}) from this text; it may have come in with "
            "something pasted.")


__all__ = ["CENTS", "DATE_WINDOW_MESSAGE", "HOURS_MAX", "MONEY_MAX", "WHOLE_MAX", "YEAR_MAX", "YEAR_MIN",
           "control_character", "control_character_message", "decimal_or_none", "in_date_window",
           "more_than_cents", "whole_or_none"]
