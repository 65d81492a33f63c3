"""Single sign-on against a real OpenID Provider (node-oidc-provider, started on 127.0.0.1 by the
``provider`` fixture): the whole flow over HTTP, with the app's test client as the person's browser on
our side and ``requests`` at the provider's sign-in and consent pages."""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select

from app import create_app
from app.core.security import InsecureConfiguration
from app.extensions import db
from app.models import AuditEvent, BreakGlassAccount, SignInPolicy, User
from app.people import sso
from tests.conftest import csrf_from
from tests.factories import PASSWORD
from tests.oidc_provider import CLIENT_ID, OpenIDProvider

ACCOUNTS = {
    # A login typed at the provider -> what the provider says about the person.
    "member": {"email": "Member@Example.org", "email_verified": True, "name": "Max Member"},
    "unverified": {"email": "member@example.org", "email_verified": False, "name": "Max Member"},
    "entra": {"email": "member@example.org", "xms_edov": True, "name": "Max Member"},
    "entra-denied": {"email": "member@example.org", "email_verified": False, "xms_edov": True},
    "outsider": {"email": "outsider@example.org", "email_verified": True, "name": "Olga Outsider"},
    "newcomer": {"email": "nora.newcomer@district.example", "email_verified": True, "name": "Nora  Newcomer"},
    "admin": {"email": "admin@example.org", "email_verified": True, "name": "Ada Admin"},
}


@pytest.fixture(scope="session")
def provider(app):
    """One provider per test worker, for the whole run."""
    started = OpenIDProvider(app.config["PUBLIC_BASE_URL"].rstrip("/") + "/login/sso/callback", ACCOUNTS).start()
    yield started
    started.stop()


@pytest.fixture
def sso_on(app, provider, monkeypatch):
    """The app configured for the provider (as the OIDC_* environment variables would)."""
    for key, value in {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                       "OIDC_CLIENT_SECRET": provider.client_secret, "OIDC_PROVIDER_NAME": "Test District",
                       "OIDC_ALLOWED_DOMAINS": ""}.items():
        monkeypatch.setitem(app.config, key, value)
    return provider


def start(browser, next_url: str | None = None) -> str:
    """Press "Sign in with ..." on our sign-in page: the provider's authorization URL."""
    resp = browser.get("/login/sso" + (f"?{urlencode({'next': next_url})}" if next_url else ""))
    assert resp.status_code == 302, resp.data[:500]
    return resp.headers["Location"]


def come_back(browser, callback_url: str):
    """The provider sent the browser to our callback."""
    parts = urlsplit(callback_url)
    resp = browser.get(f"{parts.path}?{parts.query}")
    resp.close()  # a refusal is recorded in the person's history once the answer is sent
    return resp


def sign_in_with_sso(browser, provider, login: str, next_url: str | None = None):
    return come_back(browser, provider.sign_in(start(browser, next_url), login))


def signed_in_as(browser) -> str | None:
    """Whose name the home page greets (None: sent to sign in)."""
    resp = browser.get("/account/password")
    if resp.status_code == 302:
        return None
    with browser.client.session_transaction() as sess:
        return db.session.get(User, int(sess["_user_id"].split(":")[0])).name


def events(user: User, trigger: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_type == "user", AuditEvent.case_id == user.id, AuditEvent.trigger == trigger)))


def page_text(resp) -> str:
    return " ".join(resp.get_data(as_text=True).split())


# -- the happy path -----------------------------------------------------------------------------------
def test_the_login_page_offers_the_provider_only_when_configured(app, browser, provider, monkeypatch):
    assert "Sign in with" not in page_text(browser.get("/login"))
    assert browser.get("/login/sso").status_code == 404
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", "x")
    monkeypatch.setitem(app.config, "OIDC_ISSUER", provider.issuer)
    monkeypatch.setitem(app.config, "OIDC_PROVIDER_NAME", "Boston Public Schools")
    text = page_text(browser.get("/login?next=/account/password"))
    assert "Sign in with Boston Public Schools" in text
    assert 'href="/login/sso?next=/account/password"' in browser.get("/login?next=/account/password").get_data(
        as_text=True)


def test_a_person_signs_in_with_their_district_account(sso_on, browser, world):
    authorize = start(browser, next_url="/account/password")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["scope"] == ["openid email profile"]
    resp = come_back(browser, sso_on.sign_in(authorize, "member"))  # the provider's email is "Member@Example.org"
    assert resp.status_code == 302 and resp.headers["Location"] == "/account/password"
    assert signed_in_as(browser) == "Max Member"
    (event,) = events(world.member, "signed_in")
    assert event.data["method"] == "sso" and event.actor_id == world.member.id
    browser.reset().login(world.admin)  # what an admin reads in the person's history
    assert "<td>Signed in</td><td>Max Member</td><td>with single sign-on; from 127.0.0.1</td>" in page_text(
        browser.get(f"/admin/users/{world.member.id}/edit"))


def test_entra_ids_domain_verified_claim_stands_in_for_email_verified(sso_on, browser, world):
    sign_in_with_sso(browser, sso_on, "entra")
    assert signed_in_as(browser) == "Max Member"


def test_an_explicit_unverified_email_is_never_overridden(sso_on, browser, world):
    resp = sign_in_with_sso(browser, sso_on, "entra-denied")
    assert resp.status_code == 403 and signed_in_as(browser) is None


# -- refusals -----------------------------------------------------------------------------------------
def test_a_wrong_or_missing_state_signs_nobody_in(sso_on, browser, world):
    back = sso_on.sign_in(start(browser), "member")
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    forged = come_back(browser, f"{parts.path}?{urlencode({'code': query['code'][0], 'state': 'forged'})}")
    assert forged.status_code == 400
    assert "This sign-in did not start here, or it was already used or has expired." in page_text(forged)
    missing = come_back(browser, f"{parts.path}?{urlencode({'code': query['code'][0]})}")
    assert missing.status_code == 400
    assert signed_in_as(browser) is None
    assert events(world.member, "signed_in") == []


def test_a_state_from_another_browser_signs_nobody_in(sso_on, browser, client, world, app):
    back = sso_on.sign_in(start(browser), "member")
    with app.test_client() as other:  # someone else's browser, sent the same link
        resp = other.get(f"{urlsplit(back).path}?{urlsplit(back).query}")
    assert resp.status_code == 400
    assert events(world.member, "signed_in") == []


def test_a_replayed_code_signs_nobody_in(sso_on, browser, world):
    back = sso_on.sign_in(start(browser), "member")
    with browser.client.session_transaction() as sess:  # what the session held for this sign-in
        kept = {k: v for k, v in sess.items() if k.startswith("_state_oidc_")}
    assert kept
    assert come_back(browser, back).status_code == 302
    browser.reset()
    with browser.client.session_transaction() as sess:  # the same state, verifier and nonce again
        sess.update(kept)
    resp = come_back(browser, back)  # the same code, a second time
    assert resp.status_code == 400
    assert "This sign-in was already used or has expired." in page_text(resp)
    assert signed_in_as(browser) is None
    assert len(events(world.member, "signed_in")) == 1


def test_an_unverified_email_signs_nobody_in(sso_on, browser, world):
    resp = sign_in_with_sso(browser, sso_on, "unverified")
    assert resp.status_code == 403
    assert "Test District has not verified the email address member@example.org" in page_text(resp)
    assert signed_in_as(browser) is None
    (failed,) = events(world.member, "sign_in_failed")
    assert failed.data["reason"] == "email not verified" and failed.data["method"] == "sso"


def test_a_deactivated_person_is_refused(sso_on, browser, world):
    world.outsider.active = False
    db.session.flush()
    resp = sign_in_with_sso(browser, sso_on, "outsider")
    assert resp.status_code == 403
    assert "Your account here is deactivated. Ask an administrator to reactivate it." in page_text(resp)
    assert signed_in_as(browser) is None
    (failed,) = events(world.outsider, "sign_in_failed")
    assert failed.data == {"reason": "inactive account", "address": "127.0.0.1", "method": "sso"}


@pytest.mark.parametrize("domains", ["", "bostonpublicschools.org, btu.org"], ids=["off", "other-domains"])
def test_someone_without_an_account_from_a_domain_not_allowed_is_refused(sso_on, browser, world, app,
                                                                         monkeypatch, domains):
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", domains)
    resp = sign_in_with_sso(browser, sso_on, "newcomer")
    assert resp.status_code == 403
    assert "There is no account here for nora.newcomer@district.example." in page_text(resp)
    assert User.by_email("nora.newcomer@district.example") is None
    assert signed_in_as(browser) is None


def test_an_allowed_domain_lets_a_new_person_in_as_an_educator(sso_on, browser, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", "btu.org, @District.example")
    resp = sign_in_with_sso(browser, sso_on, "newcomer")
    assert resp.status_code == 302
    user = User.by_email("nora.newcomer@district.example")
    assert user.name == "Nora Newcomer" and user.role_names == {"educator"} and user.active
    assert not user.check_password("")  # a password nobody knows
    assert signed_in_as(browser) == "Nora Newcomer"
    (created,) = events(user, "account_created_by_sso")
    assert created.actor_id is None
    assert created.data["changes"]["roles"] == {"before": [], "after": ["educator"]}
    assert [e.data["method"] for e in events(user, "signed_in")] == ["sso"]


def test_two_first_sign_ins_at_once_make_one_account(sso_on, browser, world, app, monkeypatch, factory):
    monkeypatch.setitem(app.config, "OIDC_ALLOWED_DOMAINS", "district.example")
    authorize = start(browser)
    back = sso_on.sign_in(authorize, "newcomer")
    factory.user("educator", name="Nora Newcomer", email="nora.newcomer@district.example")  # the other window
    monkeypatch.setattr(User, "by_email", staticmethod(lambda email: None))  # read before the other's insert
    resp = come_back(browser, back)
    assert resp.status_code == 409
    assert "Your account was being made at the same moment in another window." in page_text(resp)
    assert signed_in_as(browser) is None


def test_cancelling_at_the_provider_signs_nobody_in(sso_on, browser, world):
    resp = come_back(browser, sso_on.sign_in(start(browser), "member", cancel=True))
    assert resp.status_code == 403
    assert "Sign-in with Test District was cancelled or refused" in page_text(resp)
    assert signed_in_as(browser) is None


def test_a_provider_that_cannot_be_reached_gets_a_clear_page(sso_on, browser, app, monkeypatch):
    from tests.smtp_server import free_port

    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://127.0.0.1:{free_port()}")
    resp = browser.get("/login/sso")
    assert resp.status_code == 502
    assert "Test District could not be reached just now." in page_text(resp)


def test_the_callback_without_sso_set_up_is_not_found(browser):
    assert browser.get("/login/sso/callback?code=x&state=y").status_code == 404


# -- requiring single sign-on ---------------------------------------------------------------------------
def require_sso(browser, admin, break_glass: list[int]):
    browser.reset().login(admin)
    return browser.post("/admin/sign-in", data={"require_sso": "y", "break_glass": [str(i) for i in break_glass]})


def test_required_sso_refuses_passwords_but_the_break_glass_admins(sso_on, browser, world, factory):
    other_admin = factory.user("admin", name="Bea Backup", email="bea@example.org")
    assert require_sso(browser, world.admin, [world.admin.id]).status_code == 302
    assert sso.required()
    browser.reset()
    page = browser.get("/login")
    assert "Email and password below are only for the break-glass admin accounts." in page_text(page)
    resp = browser.open("/login", method="POST", data={
        "email": world.member.email, "password": PASSWORD, "csrf_token": csrf_from(page.data)})
    resp.close()
    assert resp.status_code == 422
    assert "Password sign-in is turned off for your account: use “Sign in with Test District” above." in page_text(resp)
    assert signed_in_as(browser) is None
    (failed,) = events(world.member, "sign_in_failed")
    assert failed.data["reason"] == "password sign-in not allowed"
    assert not sso.password_allowed(other_admin) and sso.password_allowed(world.admin)
    browser.login(world.admin, PASSWORD)  # the break-glass admin, through the form
    assert signed_in_as(browser) == "Ada Admin"
    browser.reset()
    sign_in_with_sso(browser, sso_on, "member")  # everyone else: single sign-on
    assert signed_in_as(browser) == "Max Member"


def test_a_wrong_password_is_not_told_that_sso_is_required(sso_on, browser, world):
    require_sso(browser, world.admin, [world.admin.id])
    browser.reset()
    page = browser.get("/login")
    resp = browser.open("/login", method="POST", data={
        "email": world.member.email, "password": "not the password", "csrf_token": csrf_from(page.data)})
    assert "That email and password do not match an active account." in page_text(resp)


def test_sso_cannot_be_required_without_a_break_glass_admin(sso_on, browser, world):
    resp = require_sso(browser, world.admin, [])
    assert resp.status_code == 422
    assert "Choose at least one break-glass admin who may still sign in with a password" in page_text(resp)
    assert db.session.get(SignInPolicy, sso.POLICY_ID) is None


def test_sso_cannot_be_required_when_it_is_not_set_up(browser, world):
    resp = require_sso(browser, world.admin, [world.admin.id])
    assert resp.status_code == 422
    assert "Single sign-on is not set up (the OIDC_* settings), so it cannot be required" in page_text(resp)
    assert 'checked' in resp.get_data(as_text=True)  # what was chosen is still chosen
    assert db.session.scalars(select(BreakGlassAccount)).all() == []


def test_only_active_admins_can_be_break_glass(sso_on, browser, world):
    resp = require_sso(browser, world.admin, [world.member.id])
    assert resp.status_code == 422
    assert "Choose break-glass accounts from the list." in page_text(resp)


def test_a_break_glass_admin_who_stops_being_one_loses_the_password(sso_on, browser, world):
    require_sso(browser, world.admin, [world.admin.id])
    assert sso.password_allowed(world.admin)
    world.admin.active = False
    assert not sso.password_allowed(world.admin)


def test_the_settings_page_shows_what_is_saved_and_records_it(sso_on, browser, world):
    require_sso(browser, world.admin, [world.admin.id])
    page = browser.get("/admin/sign-in").get_data(as_text=True)
    assert 'id="require_sso" name="require_sso" type="checkbox" value="y"' in page or "checked" in page
    assert f'value="{world.admin.id}" checked' in page
    assert [e.trigger for e in events(world.admin, "break_glass_added")] == ["break_glass_added"]
    assert events(world.admin, "sso_required")
    browser.post("/admin/sign-in", data={"break_glass": [str(world.admin.id)]})  # no longer required
    assert not sso.required() and sso.password_allowed(world.member)
    assert events(world.admin, "sso_no_longer_required")


def test_without_sso_settings_a_saved_requirement_locks_nobody_out(sso_on, browser, world, app, monkeypatch):
    require_sso(browser, world.admin, [world.admin.id])
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", "")
    assert not sso.required() and sso.password_allowed(world.member)


# -- configuration ------------------------------------------------------------------------------------
def production(**settings) -> dict:
    return {"TESTING": False, "DEBUG": False, "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "9f2c0d5be4a1478e8c3b6a0f1d2e3c4b5a6978877665544332211000ffeeddcc",
            "PUBLIC_BASE_URL": "https://tlf.example.org", **settings}


@pytest.mark.parametrize("settings,words", [
    ({"OIDC_CLIENT_ID": "abc"}, ["OIDC_CLIENT_SECRET is not set", "OIDC_ISSUER is not set"]),
    ({"OIDC_CLIENT_ID": "abc", "OIDC_CLIENT_SECRET": "s", "OIDC_ISSUER": "accounts.google.com"},
     ["OIDC_ISSUER / OIDC_DISCOVERY_URL is not an http(s) address ('accounts.google.com')"]),
    ({"OIDC_ISSUER": "https://accounts.google.com"}, ["OIDC_ISSUER set but OIDC_CLIENT_ID is not"]),
], ids=["no-secret-no-issuer", "issuer-not-a-url", "no-client-id"])
def test_a_half_configuration_stops_the_app(settings, words):
    with pytest.raises(InsecureConfiguration) as refused:
        create_app(production(**settings))
    message = str(refused.value)
    assert "single sign-on is half configured" in message
    for w in words:
        assert w in message


def test_a_full_configuration_or_none_starts():
    create_app(production())
    app = create_app(production(OIDC_CLIENT_ID="abc", OIDC_CLIENT_SECRET="s",
                                OIDC_ISSUER="https://login.microsoftonline.com/tenant/v2.0"))
    with app.app_context():
        assert sso.settings().discovery_url == (
            "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration")


@pytest.mark.parametrize("claims,verified", [
    ({"email_verified": True}, True), ({"email_verified": "true"}, True), ({"email_verified": False}, False),
    ({"email_verified": "false"}, False), ({}, False), ({"xms_edov": True}, True), ({"xms_edov": "1"}, True),
    ({"xms_edov": False}, False), ({"email_verified": False, "xms_edov": True}, False),
])
def test_what_counts_as_a_verified_email(claims, verified):
    assert sso.email_verified(claims) is verified
