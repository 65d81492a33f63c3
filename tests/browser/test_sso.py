"""Single sign-on in Chromium, against a real OpenID Provider (tests/oidc): the sign-in page's button, the
provider's pages, back to the app signed in; a refusal's page; the admins' sign-in settings. Every page of
ours on the way is checked with axe (the provider's own development pages are not ours to check)."""
from __future__ import annotations

import pytest

from app.extensions import db
from tests.oidc_provider import CLIENT_ID, OpenIDProvider

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

ACCOUNTS = {
    "lena": {"email": "lena.sso@example.org", "email_verified": True, "name": "Lena Lead"},
    "unverified": {"email": "lena.sso@example.org", "email_verified": False, "name": "Lena Lead"},
}


@pytest.fixture(scope="module")
def browser_provider(live_server):
    started = OpenIDProvider(live_server + "/login/sso/callback", ACCOUNTS).start()
    yield started
    started.stop()


@pytest.fixture
def sso_on(app, live_server, browser_provider, monkeypatch):
    for key, value in {"OIDC_ISSUER": browser_provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                       "OIDC_CLIENT_SECRET": browser_provider.client_secret, "OIDC_PROVIDER_NAME": "Test District",
                       "PUBLIC_BASE_URL": live_server}.items():
        monkeypatch.setitem(app.config, key, value)
    return browser_provider


def at_the_provider(v, login: str) -> None:
    """Type the login on the provider's sign-in page, then agree on its consent page."""
    v.page.locator('input[name="login"]').fill(login)
    v.page.locator('input[name="password"]').fill("anything")
    with v.page.expect_navigation():
        v.page.locator('button[type="submit"]').click()
    with v.page.expect_navigation():
        v.page.locator('button[type="submit"]').click()
    v.page.wait_for_load_state()
    v.check_a11y()


def test_signing_in_with_the_district_account(sso_on, visitor, factory, live_server):
    factory.user("educator", name="Lena Lead", email="lena.sso@example.org")
    db.session.commit()
    v = visitor()
    v.goto("/login")
    with v.page.expect_navigation():
        v.page.get_by_role("link", name="Sign in with Test District").click()
    assert v.page.url.startswith(sso_on.issuer)
    at_the_provider(v, "lena")
    assert v.page.url == live_server + "/"
    assert "Signed in as Lena Lead." in v.page.inner_text("main")


def test_an_unverified_email_is_explained(sso_on, visitor, factory):
    factory.user("educator", name="Lena Lead", email="lena.sso@example.org")
    db.session.commit()
    v = visitor()
    v.goto("/login")
    with v.page.expect_navigation():
        v.page.get_by_role("link", name="Sign in with Test District").click()
    at_the_provider(v, "unverified")
    assert v.page.get_by_role("heading", level=1).inner_text() == "Single sign-on did not sign you in"
    assert "has not verified the email address lena.sso@example.org" in v.page.inner_text("main")


def test_the_sign_in_settings_page(sso_on, visitor, factory):
    admin = factory.user("admin", name="Ada Admin", email="ada@example.org")
    db.session.commit()
    v = visitor(admin)
    v.goto("/admin/users")
    v.click(v.page.get_by_role("link", name="Sign-in settings"))
    v.page.get_by_label("Require single sign-on").check()
    v.click(v.page.get_by_role("button", name="Save sign-in settings"))  # no break-glass admin: refused
    assert "Choose at least one break-glass admin" in v.page.inner_text("main")
    v.page.get_by_label("Ada Admin <ada@example.org>").check()
    v.click(v.page.get_by_role("button", name="Save sign-in settings"))
    assert "Saved the sign-in settings." in v.page.inner_text("main")
