"""The rules a new password meets, after NIST SP 800-63B (section 5.1.1.2, memorized secrets).

``check_new_password`` is the one check every way of setting a password goes through: a person's own
change, a reset or invitation link, ``flask create-user``. NIST's rules, and nothing else:

* at least ``MIN_LENGTH`` (8) characters and at most ``MAX_LENGTH`` (256), counted as Unicode code
  points after NFKC normalisation (so "é" typed as one character or as "e" and an accent counts once);
  spaces and every printable character are allowed;
* no composition rules (no "a digit and a symbol"), no expiry;
* refused when it is a commonly used password, alone or wrapped in digits and symbols ("Password123!"):
  the 30,000 most common passwords that the ``zxcvbn`` package (Dropbox's strength estimator, from PyPI)
  ships, compared without regard to case; when it is one character repeated or a run such as "12345678"
  or "abcdefgh"; or when it is the person's own email address, name or a part of either, or the app's
  name ("Teacher Leadership Fund", "TLF", "BTU", "BPS"...).

Each refusal says what to do instead. Passwords are stored (hashed) in their NFKC form
(``app.models.people``).
"""
from __future__ import annotations

import re
from functools import cache

from app.core.errors import FormError
from app.models.people import normalised as normalise

MIN_LENGTH = 8
MAX_LENGTH = 256
ADVICE = "A few unrelated words you will remember make a good one."
HINT = f"At least {MIN_LENGTH} characters, any you like, spaces too. {ADVICE}"

# The app's own names, which anyone guessing a password here would try first.
APP_NAMES = ("Teacher Leadership Fund", "Teacher Leadership Fund and Professional Learning", "TLF", "BTU",
             "BPS", "Boston Teachers Union", "Boston Public Schools", "Professional Learning")

_WRAPPING = "0123456789!@#$%^&*()-_=+[]{};:'\",.<>/?\\|`~ "


class PasswordRefused(FormError):
    """A new password that breaks a rule; ``field`` names the form field (by default "password")."""


@cache
def common_passwords() -> frozenset[str]:
    """The zxcvbn package's list of the most common passwords, in lower case (loaded on first use)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _is_run(text: str) -> bool:
    """One character repeated ("aaaaaaaa"), or each character one after the other ("12345678", "hgfedcba")."""
    if len(set(text)) == 1:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return steps in ({1}, {-1})


def _personal(email: str | None, name: str | None) -> set[str]:
    """What a password must not be: the email, its local part, the name and its parts (letters and digits)."""
    words = set()
    email = (email or "").strip()
    if email:
        local = email.partition("@")[0]
        words |= {_letters(email), _letters(local), *(_letters(p) for p in re.split(r"[._+-]", local))}
    if name:
        words |= {_letters(name), *(_letters(p) for p in name.split())}
    return {w for w in words if len(w) >= 3}


def check_new_password(password: str | None, *, email: str | None = None, name: str | None = None,
                       field: str = "password") -> str:
    """The password (NFKC) if it meets the rules; else a ``PasswordRefused`` beside ``field``.

    ``email`` and ``name`` are the person's whose password it becomes."""
    text = normalise(password)
    if not text.strip():
        raise PasswordRefused(f"Enter a password of at least {MIN_LENGTH} characters.", field)
    if len(text) < MIN_LENGTH:
        raise PasswordRefused(f"Use at least {MIN_LENGTH} characters: that password has {len(text)}. {ADVICE}",
                              field)
    if len(text) > MAX_LENGTH:
        raise PasswordRefused(f"Keep the password to {MAX_LENGTH} characters or fewer: that one has {len(text)}.",
                              field)
    lowered = text.casefold()
    core = lowered.strip(_WRAPPING)
    common = common_passwords()
    if lowered in common or (len(core) >= 4 and core in common) or _is_run(lowered):
        raise PasswordRefused("That password is one of the most commonly used, so it is among the first "
                              f"anyone guessing would try. Choose another: {ADVICE[0].lower()}{ADVICE[1:]}", field)
    forms = {_letters(text), _letters(core)} - {""}  # as typed, and without the digits and symbols around it
    if forms & _personal(email, name):
        raise PasswordRefused("A password made of your own name or email address is easy to guess. "
                              f"Choose another: {ADVICE[0].lower()}{ADVICE[1:]}", field)
    if forms & {_letters(n) for n in APP_NAMES}:
        raise PasswordRefused("A password made of this app's name is easy to guess. "
                              f"Choose another: {ADVICE[0].lower()}{ADVICE[1:]}", field)
    return text
