"""Security headers on every page: the Content-Security-Policy (no inline script or style but the
page's nonce), no framing, no sniffing, a referrer policy; signed-in pages are not stored; downloads
keep their own sandbox policy; behind an HTTPS proxy the cookies are Secure and HSTS is sent."""
from __future__ import annotations

import re

import pytest
from flask import request
from flask_migrate import upgrade

from app import create_app
from app.config import TestConfig
from app.core.charts import bar_chart
from app.core.security import InsecureConfiguration
from app.extensions import db
from tests.conftest import Browser
from tests.factories import PASSWORD
from tests.test_access_matrix import CASES

SANDBOX = "default-src 'none'; sandbox"
ONE_YEAR = 365 * 24 * 3600
PLAIN = "http://localhost"  # what reaches the app from the proxy (TLS ends at the proxy)
GET_CASES = [c for c in CASES if c.method == "GET"]


def policy(resp) -> dict[str, str]:
    header = resp.headers.get("Content-Security-Policy", "")
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in header.split(";")) if part}


def nonce_of(resp) -> str:
    found = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9_-]{16,})'", policy(resp)["style-src"])
    assert found, policy(resp)["style-src"]
    return found.group(1)


def is_download(resp) -> bool:
    return resp.headers.get("Content-Disposition", "").startswith("attachment")


# Pages whose address holds a secret (a link to set a password): no Referrer at all, and never stored.
SECRET_ADDRESSES = ("/password/reset/", "/invitation/")


def problems_with(resp, url: str) -> list[str]:
    """What is missing from ``resp``'s security headers (and from its HTML, what the policy would block)."""
    out = []
    if url.startswith(SECRET_ADDRESSES):
        if resp.headers.get("Referrer-Policy") != "no-referrer" or "no-store" not in resp.headers["Cache-Control"]:
            out.append(f"a secret address is told to other sites or stored: {resp.headers}")
        resp.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"  # checked: the rest as any page
    if resp.headers.get("X-Frame-Options") != "DENY":
        out.append("X-Frame-Options is not DENY")
    if resp.headers.get("X-Content-Type-Options") != "nosniff":
        out.append("X-Content-Type-Options is not nosniff")
    if resp.headers.get("Referrer-Policy") != "strict-origin-when-cross-origin":
        out.append(f"Referrer-Policy is {resp.headers.get('Referrer-Policy')!r}")
    if is_download(resp):
        if resp.headers.get("Content-Security-Policy") != SANDBOX:
            out.append(f"the download's own policy was replaced: {resp.headers.get('Content-Security-Policy')!r}")
        return [f"{url}: {p}" for p in out]
    csp = policy(resp)
    want = {"default-src": "'self'", "script-src": "'self'", "object-src": "'none'", "base-uri": "'self'",
            "form-action": "'self'", "frame-ancestors": "'none'", "img-src": "'self' data:"}
    out += [f"{name} is {csp.get(name)!r}, not {value!r}" for name, value in want.items() if csp.get(name) != value]
    header = resp.headers.get("Content-Security-Policy", "")
    if "unsafe-inline" in header or "unsafe-eval" in header:
        out.append(f"the policy allows unsafe code: {header}")
    if resp.status_code == 200 and resp.mimetype == "text/html":
        html = resp.get_data(as_text=True)
        nonce = nonce_of(resp)
        if re.search(r"<script\b", html, re.I):
            out.append("the page has a <script>")
        if re.search(r"""\sstyle\s*=\s*["']""", html, re.I):
            out.append("the page has a style=\"\" attribute (blocked by the policy)")
        for tag in re.findall(r"<style\b[^>]*>", html, re.I):
            if f'nonce="{nonce}"' not in tag:
                out.append(f"a <style> without this page's nonce: {tag}")
    return [f"{url}: {p}" for p in out]


def test_every_page_a_signed_in_person_visits_has_the_headers_and_is_not_stored(browser, world):
    browser.login(world.staff)
    seen, downloads, problems = 0, 0, []
    for case in GET_CASES:
        url = case.url(world)
        resp = browser.get(url)
        seen += 1
        downloads += is_download(resp)
        problems += problems_with(resp, url)
        if "no-store" not in resp.headers.get("Cache-Control", ""):
            problems.append(f"{url}: Cache-Control is {resp.headers.get('Cache-Control')!r}, not no-store")
    assert not problems, "\n".join(problems)
    assert seen == len(GET_CASES) > 50 and downloads >= 3  # the downloads were really looked at


def test_every_page_an_anonymous_visitor_sees_has_the_headers(browser, world):
    """Anonymous pages (sign-in, the public catalog and gallery, the redirects to sign in) get every header
    but no forced no-store: nothing on them is anyone's own; the browser's defaults apply."""
    problems, public_pages = [], 0
    for case in [*GET_CASES, *[c for c in GET_CASES if c.missing]]:
        url = case.url(world)
        resp = browser.get(url)
        problems += problems_with(resp, url)
        if case.public and resp.status_code == 200 and not is_download(resp) and not url.startswith(SECRET_ADDRESSES):
            public_pages += 1
            if "no-store" in resp.headers.get("Cache-Control", ""):
                problems.append(f"{url}: a public page was marked no-store")
    missing = browser.get("/no/such/page")
    assert missing.status_code == 404
    problems += problems_with(missing, "/no/such/page")
    assert not problems, "\n".join(problems)
    assert public_pages >= 5


def test_no_store_only_while_signed_in_and_never_on_static_files(browser, world):
    assert "no-store" not in browser.get("/login").headers.get("Cache-Control", "")
    assert "no-store" in browser.login(world.member).get("/").headers["Cache-Control"]
    css = browser.get("/static/app.css")
    css.close()
    assert css.status_code == 200 and "no-store" not in css.headers.get("Cache-Control", "")
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    browser.logout()
    assert "no-store" not in browser.get("/catalog/").headers.get("Cache-Control", "")


def test_each_page_has_its_own_nonce(browser):
    first, second = browser.get("/login"), browser.get("/login")
    assert nonce_of(first) != nonce_of(second)


def test_the_chart_styles_carry_the_pages_nonce(login_as, world, factory):
    lw = world.learning
    for _ in range(5):
        factory.response(lw.survey, dict(zip(lw.topics, (5, 4, 2, 1), strict=True)),
                         respondent=factory.user("educator", school=world.school))
    db.session.commit()
    resp = login_as(world.reviewer_btu).get("/priorities")
    html = resp.get_data(as_text=True)
    assert '<svg role="img" aria-label="Bar chart of the mean need rating' in html
    assert f'<style nonce="{nonce_of(resp)}" type="text/css">' in html
    assert not problems_with(resp, "/priorities")


def test_a_chart_drawn_outside_a_request_has_no_nonce(app_ctx):
    """Outside a request (a PDF, the command line) no policy applies: no nonce, still no style attribute."""
    svg = str(bar_chart("T", ["a", "b"], [1, 2]))
    assert '<style type="text/css">' in svg and "nonce" not in svg and " style=" not in svg


def test_a_download_keeps_its_sandbox_policy(browser, world):
    browser.login(world.staff)
    downloads = [resp for case in GET_CASES if is_download(resp := browser.get(case.url(world)))]
    assert downloads
    for resp in downloads:
        assert resp.headers["Content-Security-Policy"] == SANDBOX
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in resp.headers["Cache-Control"]


# -- HTTPS behind a proxy -------------------------------------------------------------------------
def _app(tmp_path, **settings):
    """A fresh app on its own SQLite database, seen through ``request`` as each request arrives."""
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'https.sqlite3'}"

    for name, value in settings.items():
        setattr(Config, name, value)
    app = create_app(Config)
    seen: dict = {}

    @app.before_request
    def _look():
        seen.update(addr=request.remote_addr, secure=request.is_secure, host=request.host)

    with app.app_context():
        upgrade()
        from app.people.accounts import create_user
        create_user(email="ada@example.org", name="Ada Admin", password=None, roles=["admin"]).set_password(PASSWORD)
        db.session.commit()
    return app, seen


def _sign_in(app, **headers) -> tuple[list[str], object]:
    """Sign in through the form with "keep me signed in"; the Set-Cookie headers of the answer."""
    with app.app_context(), app.test_client() as client:
        client.environ_base.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        b = Browser(client)
        page = b.get("/login", base_url=PLAIN)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
        resp = b.open("/login", method="POST", data={"email": "ada@example.org", "password": PASSWORD,
                                                      "remember": "y", "csrf_token": token}, base_url=PLAIN)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        db.session.remove()
        return resp.headers.getlist("Set-Cookie"), page


def _cookie(cookies: list[str], name: str) -> str:
    return next(c for c in cookies if c.startswith(name + "="))


def test_behind_an_https_proxy_cookies_are_secure_and_hsts_is_sent(tmp_path):
    app, seen = _app(tmp_path, PUBLIC_BASE_URL="https://tlf.example.org", TRUSTED_PROXIES="1")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    # Over HTTPS, Flask-WTF also wants the form posted from this site (a same-origin Referer).
    cookies, page = _sign_in(app, **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
                                     "X-Forwarded-Host": "tlf.example.org", "Referer": "https://tlf.example.org/login"})
    assert seen == {"addr": "203.0.113.7", "secure": True, "host": "tlf.example.org"}  # ProxyFix believed it
    assert page.headers["Strict-Transport-Security"] == f"max-age={ONE_YEAR}; includeSubDomains"
    for name in ("session", "remember_token"):
        attributes = [a.strip().lower() for a in _cookie(cookies, name).split(";")]
        assert "secure" in attributes and "httponly" in attributes, (name, attributes)


def test_no_hsts_on_plain_http(tmp_path):
    app, seen = _app(tmp_path, PUBLIC_BASE_URL="https://tlf.example.org", TRUSTED_PROXIES="1")
    with app.app_context(), app.test_client() as client:
        resp = client.get("/login", base_url=PLAIN)
    assert seen["secure"] is False
    assert resp.status_code == 200  # served, not redirected to https: that is the proxy's business
    assert "Strict-Transport-Security" not in resp.headers


def test_an_http_app_sets_no_secure_cookie_and_believes_no_forwarded_header(tmp_path):
    """TRUSTED_PROXIES unset (0): X-Forwarded-* come from the visitor and are ignored."""
    app, seen = _app(tmp_path)
    cookies, page = _sign_in(app, **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
    assert seen == {"addr": "127.0.0.1", "secure": False, "host": "localhost"}
    assert "Strict-Transport-Security" not in page.headers
    assert "secure" not in [a.strip().lower() for a in _cookie(cookies, "session").split(";")]


def test_prefer_secure_makes_the_cookies_secure_without_an_https_address():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "PREFER_SECURE": True})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize("value", ["two", "-1"])
def test_trusted_proxies_must_be_a_count(value):
    with pytest.raises(InsecureConfiguration, match="TRUSTED_PROXIES must be the number of reverse proxies"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "TRUSTED_PROXIES": value})
