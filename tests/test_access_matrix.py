"""Every route, every role, owner and non-owner: the expected 200 / 302-to-login / 403 / 404."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.access as access_pkg
from tests.access import PERSONAS, Case

# Endpoints that are not pages of ours.
EXEMPT = {"static", "bootstrap.static"}


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for mod in pkgutil.iter_modules(access_pkg.__path__):
        cases.extend(importlib.import_module(f"tests.access.{mod.name}").CASES)
    return cases


CASES = all_cases()


def test_every_route_is_in_the_matrix(app):
    covered = {(c.endpoint, c.method) for c in CASES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes missing from the access matrix:\n" + "\n".join(missing)


def _case_id(case: Case) -> str:
    return f"{case.method}-{case.endpoint}{'-' + case.label if case.label else ''}"


def _post_params():
    for case in CASES:
        if case.method != "GET":
            for persona in PERSONAS:
                yield pytest.param(case, persona, id=f"{_case_id(case)}-{persona}")


def _sign_in(browser, world, persona):
    if persona != "anon":
        browser.login(getattr(world, persona))


def _request(browser, case: Case, url: str, world):
    if case.method == "GET":
        return browser.get(url)
    data = case.data(world) if case.data else {}
    if "csrf_token" not in data:
        # The session's token, as any page we can reach would carry it (sign-in page for anon).
        data["csrf_token"] = browser.token()
    return browser.open(url, method=case.method, data=data)


def _check(browser, world, case: Case, persona: str) -> str | None:
    browser.reset()
    _sign_in(browser, world, persona)
    resp = _request(browser, case, case.url(world), world)
    want = case.expected(persona)
    wants = want if isinstance(want, tuple) else (want,)
    if resp.status_code not in wants:
        return f"{persona} got {resp.status_code}, expected {want}: {resp.data[:200]!r}"
    if resp.status_code == 302 and persona == "anon" and not case.public and "/login" not in resp.headers["Location"]:
        return f"anon was redirected to {resp.headers['Location']}, not to sign in"
    plain_visit = case.method == "GET" and "?" not in case.url(world)
    if plain_visit and resp.status_code == 200 and b'id="error-summary"' in resp.data:
        return f"{persona}: a plain visit shows 'problems to fix' before anything was sent"
    return None


@pytest.mark.parametrize("case", [c for c in CASES if c.method == "GET"], ids=_case_id)
def test_get_access(browser, world, case: Case):
    """GETs change nothing, so one world serves every persona."""
    problems = [p for persona in PERSONAS if (p := _check(browser, world, case, persona))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case,persona", list(_post_params()))
def test_post_access(browser, world, case: Case, persona: str):
    """A POST may change the world, so each persona gets a fresh one."""
    problem = _check(browser, world, case, persona)
    assert problem is None, problem


@pytest.mark.parametrize("case", [c for c in CASES if c.missing], ids=lambda c: f"{c.method}-{c.endpoint}")
def test_missing_object_is_404(browser, world, case: Case):
    _sign_in(browser, world, case.missing_as)
    resp = _request(browser, case, case.missing(world), world)
    assert resp.status_code == 404


def test_post_without_csrf_token_is_refused(browser, world):
    browser.login(world.staff)
    posts = [c for c in CASES if c.method == "POST" and c.expected("staff") not in (403, 404)]
    assert posts, "no POST routes to check"
    for case in posts:
        data = case.data(world) if case.data else {}
        data.pop("csrf_token", None)
        resp = browser.open(case.url(world), method="POST", data=data)
        assert resp.status_code == 400, f"{case.endpoint} accepted a POST without a CSRF token"
