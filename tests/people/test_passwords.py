"""Password hashes: argon2id at OWASP's parameters (the tests' config lowers them for speed); hashes of
an older scheme, or of weaker parameters, are replaced when their owner next signs in."""
from __future__ import annotations

from argon2 import PasswordHasher
from werkzeug.security import generate_password_hash

from app.config import Config
from app.extensions import db
from app.models import User
from app.models.people import password_hasher
from app.people import accounts
from tests.conftest import Browser, csrf_from
from tests.factories import PASSWORD


def sign_in(browser: Browser, email: str, password: str):
    page = browser.get("/login")
    return browser.open("/login", method="POST",
                        data={"email": email, "password": password, "csrf_token": csrf_from(page.data)})


def stored_hash(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).password_hash


def test_production_hashes_use_owasps_argon2id_parameters():
    assert (Config.ARGON2_TIME_COST, Config.ARGON2_MEMORY_COST, Config.ARGON2_PARALLELISM) == (2, 19456, 1)


def test_a_new_password_is_hashed_with_argon2id_at_the_configured_parameters(app, world, monkeypatch):
    user = accounts.create_user(email="new.person@example.org", name="New Person", password="a-long-password",
                                roles=["educator"])
    assert user.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")  # TestConfig's cheap parameters
    assert user.check_password("a-long-password") and not user.check_password("a-long-passwore")
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)
    monkeypatch.setitem(app.config, "ARGON2_MEMORY_COST", 19456)
    user.set_password("a-long-password")
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_pbkdf2_hash_becomes_argon2id_when_its_owner_signs_in(browser, world):
    old = world.member.password_hash
    assert old.startswith("pbkdf2:sha256:")  # the factories' precomputed hash
    assert sign_in(browser, world.member.email, PASSWORD).status_code == 302
    new = stored_hash(world.member.id)
    assert new.startswith("$argon2id$")
    assert PasswordHasher().verify(new, PASSWORD)
    assert browser.reset() and sign_in(browser, world.member.email, PASSWORD).status_code == 302


def test_a_scrypt_hash_still_signs_in_and_is_replaced(browser, world):
    member = db.session.get(User, world.member.id)
    member.password_hash = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
    db.session.flush()
    assert sign_in(browser, member.email, PASSWORD).status_code == 302
    assert stored_hash(member.id).startswith("$argon2id$")


def test_a_wrong_password_does_not_replace_the_hash(browser, world):
    old = world.member.password_hash
    assert sign_in(browser, world.member.email, "not-the-password").status_code == 422
    assert stored_hash(world.member.id) == old


def test_an_argon2_hash_of_weaker_parameters_is_replaced_at_sign_in(app, browser, world, monkeypatch):
    member = db.session.get(User, world.member.id)
    member.set_password(PASSWORD)  # m=8, t=1
    db.session.flush()
    weak = member.password_hash
    monkeypatch.setitem(app.config, "ARGON2_MEMORY_COST", 16)
    assert sign_in(browser, member.email, PASSWORD).status_code == 302
    new = stored_hash(member.id)
    assert new != weak and "$m=16,t=1,p=1$" in new
    assert not password_hasher().check_needs_rehash(new)


def test_an_argon2_hash_at_the_current_parameters_is_kept(browser, world):
    member = db.session.get(User, world.member.id)
    member.set_password(PASSWORD)
    db.session.flush()
    current = member.password_hash
    assert sign_in(browser, member.email, PASSWORD).status_code == 302
    assert stored_hash(member.id) == current


def test_a_garbled_hash_refuses_the_password_without_an_error(browser, world):
    member = db.session.get(User, world.member.id)
    for garbled in ("$argon2id$v=19$m=8,t=1,p=1$garbage", "not-a-hash", ""):
        member.password_hash = garbled
        db.session.flush()
        assert not member.check_password(PASSWORD)
        assert sign_in(browser, member.email, PASSWORD).status_code == 422
