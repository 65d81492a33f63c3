"""The password rules (NIST SP 800-63B): length counted after NFKC, no composition rules, common passwords,
the person's own name or email and the app's name refused, each with a message that says what to do; and
passwords stored in their NFKC form, so the same characters typed another way still sign in."""
from __future__ import annotations

import unicodedata

import pytest

from app.extensions import db
from app.models import User
from app.people import accounts
from app.people.passwords import MAX_LENGTH, PasswordRefused, check_new_password, common_passwords

PERSON = {"email": "maria.lopez@bostonpublicschools.org", "name": "Maria Lopez"}


def refusal(password: str, **who) -> str:
    with pytest.raises(PasswordRefused) as refused:
        check_new_password(password, **who)
    return refused.value.messages[0]


@pytest.mark.parametrize("password", [
    "blue heron over the harbor",  # a passphrase: spaces are characters like any other
    "correcthorsebatterystaple",
    "zzqvmtxh",  # eight lower-case letters: no rule asks for a digit, a capital or a symbol
    "Ünïcödé-pässwörd",
    "教師リーダーシップ基金です",  # 13 characters, none of them ASCII
])
def test_passwords_that_meet_the_rules_are_accepted_whatever_they_are_made_of(password):
    assert check_new_password(password, **PERSON) == unicodedata.normalize("NFKC", password)


def test_the_length_is_counted_in_characters_after_nfkc():
    assert "Use at least 8 characters: that password has 7." in refusal("seven77")
    # seven characters as typed, but the ligature ﬃ is three letters once normalised: nine in all
    assert check_new_password("ﬃ-quiet1") == "ffi-quiet1"
    decomposed = "cafe\u0301 noir"  # "café noir" with the accent typed as its own code point: 9 characters
    assert len(decomposed) == 10 and check_new_password(decomposed) == "café noir"
    long_enough = "q7" + "w" * (MAX_LENGTH - 2)
    assert check_new_password(long_enough) == long_enough
    assert (f"Keep the password to {MAX_LENGTH} characters or fewer: that one has {MAX_LENGTH + 1}."
            in refusal(long_enough + "z"))
    assert "Enter a password of at least 8 characters." in refusal("         ")


@pytest.mark.parametrize("password", [
    "password", "PASSWORD", "Password", "iloveyou", "sunshine", "Baseball", "12345678", "qwertyuiop",
    "Password123!", "football2024", "!!dragon!!",
])
def test_a_commonly_used_password_is_refused_whatever_its_case_or_the_digits_around_it(password):
    message = refusal(password)
    assert message.startswith("That password is one of the most commonly used")
    assert message.endswith("Choose another: a few unrelated words you will remember make a good one.")


def test_the_list_is_the_zxcvbn_packages_not_a_copy_in_the_repository():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    assert len(common_passwords()) >= 29_000
    assert common_passwords() == {p.lower() for p in FREQUENCY_LISTS["passwords"]}


@pytest.mark.parametrize("password", ["aaaaaaaa", "11111111", "abcdefghij", "98765432", "zyxwvuts"])
def test_a_run_or_a_repeated_character_is_refused(password):
    assert refusal(password).startswith("That password is one of the most commonly used")


@pytest.mark.parametrize("password", [
    "maria.lopez@bostonpublicschools.org", "Maria Lopez", "marialopez", "MariaLopez2026!", "lopez2024",
    "maria.lopez",
])
def test_the_persons_own_name_or_email_is_refused(password):
    assert refusal(password, **PERSON).startswith("A password made of your own name or email address is easy to guess.")


@pytest.mark.parametrize("password", ["Teacher Leadership Fund", "teacherleadershipfund1", "BostonTeachersUnion",
                                      "Boston Public Schools!"])
def test_the_apps_name_is_refused(password):
    assert refusal(password).startswith("A password made of this app's name is easy to guess.")


def test_a_refusal_names_the_field_it_belongs_to():
    with pytest.raises(PasswordRefused) as refused:
        check_new_password("short", field="new_password")
    assert refused.value.field == "new_password"


def test_a_password_is_stored_in_nfkc_so_either_way_of_typing_it_signs_in(world):
    composed, decomposed = "caf\u00e9 au lait", "cafe\u0301 au lait"
    user = accounts.create_user(email="nfkc@example.org", name="Nora Form", password=decomposed, roles=["educator"])
    db.session.flush()
    assert user.check_password(composed) and user.check_password(decomposed)
    assert not user.check_password("cafe au lait")


def test_a_hash_made_before_passwords_were_normalised_still_signs_in(world):
    from argon2 import PasswordHasher

    user = db.session.get(User, world.member.id)
    typed = "ﬁsh and chips"  # the old hash was of the password as typed, ligature and all
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(typed)
    assert user.check_password(typed) and not user.check_password("something else")


def test_create_user_applies_the_rules(world):
    with pytest.raises(PasswordRefused, match="most commonly used"):
        accounts.create_user(email="new@example.org", name="Nat New", password="letmein123", roles=["educator"])
    with pytest.raises(PasswordRefused, match="your own name or email"):
        accounts.create_user(email="nat.new@example.org", name="Nat New", password="NatNew2026", roles=["educator"])


def test_the_command_line_refuses_a_common_password_with_the_rules_message(app_ctx):
    result = app_ctx.test_cli_runner().invoke(args=[
        "create-user", "--email", "first.admin@example.org", "--name", "First Admin", "--password", "Password1",
        "--role", "admin"])
    assert result.exit_code == 1
    assert "That password is one of the most commonly used" in result.output
    assert User.by_email("first.admin@example.org") is None
