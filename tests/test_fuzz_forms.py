"""Hostile input in every form and every query string: never a 5xx, and what was typed is kept.

Built on the route x role matrix (``tests/access``): every POST case (so every POST route of
``app.url_map``) and every GET case.

* POST, "grid": for the first persona allowed on each route (its first case), the case's valid data with
  each hostile value put into each field in turn (the other fields stay valid), including the fields the
  form's page names when it has a GET page (one field per shape: a budget line's amount stands for every
  row's). The answer is never a 5xx; when it is the form again (200/422) and the value is printable, the
  field shows the value as typed.
* POST, "sweep": every other allowed (case, persona): each hostile value in every field at once, never a
  5xx (the grid already walked the route's fields one by one; this keeps the run time modest).
* POST, "others": each persona not allowed, with every field hostile at once, still gets the matrix's
  answer (403, or the redirect to sign in), never a 5xx.
* GET: each query argument (the case's own and those of the page's GET forms) gets each hostile value;
  and every integer segment of the path replaced by a 20-digit number is a 404.

Each request runs in a savepoint rolled back after it, so every one meets the same world (an accepted
value does not move the case on); the session cookie is put back before each, so a sign-out or a
sign-in by one request does not change who sends the next. Uploads (tuples in the data) stay as they are.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from app.extensions import db
from tests.access import PERSONAS, Case
from tests.conftest import _clear_g
from tests.test_access_matrix import CASES, _case_id

HOSTILE = (
    "1e309", "NaN", "-0", "Infinity", "-1", "123456789012345678901234567890", "9999-12-31", "0001-01-01",
    "a\x00b", "a\x01\x1b\x7fb", "99999999999999999999", "x" * 10_000,
)
HUGE_ID = "99999999999999999999"
SKIP_FIELDS = {"csrf_token", "submission_token"}
# Inputs whose value a page shows back as typed (not passwords, choices or hidden inputs).
TEXT_TYPES = {"text", "email", "search", "number", "date", "time", "datetime-local", "url", "tel", None}


def _printable(value: str) -> bool:
    return value.isprintable()


def _statuses(want) -> tuple[int, ...]:
    return want if isinstance(want, tuple) else (want,)


def _allowed(case: Case, persona: str) -> bool:
    """Whether ``persona`` gets past the door: not 403/404, and not anon's redirect to sign in."""
    want = _statuses(case.expected(persona))
    if set(want) <= {403, 404}:
        return False
    return not (persona == "anon" and not case.public and want == (302,))


class _Fields(HTMLParser):
    """The named fields of a page's forms: ``forms`` is a list of (method, action, {name: kind})."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(((a.get("method") or "get").lower(), a.get("action") or "", {}))
            return
        name = a.get("name")
        if tag not in ("input", "textarea", "select") or not name:
            return
        kind = tag if tag != "input" else (a.get("type") or "text").lower()
        if self.forms:
            self.forms[-1][2].setdefault(name, kind)
        if tag == "textarea":
            self._textarea, self._text = name, []
        elif tag == "input" and (a.get("type") or "text").lower() in TEXT_TYPES:
            self.values.setdefault(name, []).append(a.get("value") or "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text).replace("\r\n", "\n")  # as a browser reads it: one leading newline
            self.values.setdefault(self._textarea, []).append(text[1:] if text.startswith("\n") else text)
            self._textarea = None


def _parse(body: bytes) -> _Fields:
    parser = _Fields()
    parser.feed(body.decode("utf-8", "replace"))
    return parser


class Fuzzer:
    """One signed-in persona sending requests that are each undone afterwards."""

    def __init__(self, browser, database, persona: str, world):
        self.browser, self.database, self.persona = browser, database, persona
        browser.reset()
        if persona != "anon":
            browser.login(getattr(world, persona))
        self.token = browser.token()
        self.cookie = browser.client.get_cookie("session")
        self.problems: list[str] = []

    def send(self, url: str, method: str = "GET", data=None):
        """The answer to one request, or the exception it raised (what would be a 500)."""
        client = self.browser.client
        client.delete_cookie("remember_token")
        if isinstance(data, dict):
            data = _fresh(data)
        if self.cookie is None:
            client.delete_cookie("session")
        else:
            client.set_cookie("session", self.cookie.value)
        # The session's own savepoint ends first (what the test set up stays), so that the request's
        # work sits in a savepoint of its own that is rolled back after it.
        db.session.commit()
        db.session.remove()
        savepoint = self.database.conn.begin_nested()
        try:
            return self.browser.open(url, method=method, data=data)
        except Exception as exc:  # the test app propagates what would be a 500
            _clear_g()
            return exc
        finally:
            db.session.remove()
            if savepoint.is_active:
                savepoint.rollback()

    def check(self, resp, where: str, field: str | None = None, value: str | None = None,
              want: tuple[int, ...] | None = None) -> None:
        what = f"{self.persona} {where}" + (f" field {field!r} = {value[:40]!r}" if field else "")
        if isinstance(resp, Exception):
            self.problems.append(f"{what}: 500, raised {type(resp).__name__}: {str(resp)[:200]}")
        elif resp.status_code >= 500:
            self.problems.append(f"{what}: {resp.status_code}")
        elif want is not None and resp.status_code not in want:
            self.problems.append(f"{what}: {resp.status_code}, expected {want}")
        elif (field and value is not None and _printable(value) and resp.status_code in (200, 422)
              and resp.mimetype == "text/html"):
            shown = _parse(resp.data).values.get(field)
            if shown is not None and value not in shown:
                self.problems.append(f"{what}: the form came back ({resp.status_code}) without the typed value "
                                     f"(it shows {[s[:40] for s in shown]})")


def _post_data(case: Case, world) -> dict:
    """The case's valid data, its uploads read once (each request gets a fresh copy: ``_fresh``)."""
    data = dict(case.data(world)) if case.data else {}
    for name, value in data.items():
        if isinstance(value, tuple):
            data[name] = (value[0].read(), *value[1:])
    return data


def _fresh(data: dict) -> dict:
    return {k: (BytesIO(v[0]), *v[1:]) if isinstance(v, tuple) else v for k, v in data.items()}


def _form_fields(fuzzer: Fuzzer, url: str) -> dict[str, str]:
    """The fields named by the POST forms of ``url``'s page that post back to it (when it has a page)."""
    resp = fuzzer.send(url)
    if isinstance(resp, Exception) or resp.status_code != 200 or resp.mimetype != "text/html":
        return {}  # no page here (its GET case fuzzes it)
    path = urlsplit(url).path
    fields: dict[str, str] = {}
    for method, action, names in _parse(resp.data).forms:
        if method == "post" and (not action or urlsplit(action).path == path):
            fields.update(names)
    return fields


def _with(data: dict, field: str, value: str) -> dict:
    out = dict(data)
    out[field] = [value] if isinstance(data.get(field), list) else value
    return out


def _huge_ids(url: str) -> list[str]:
    """``url`` with each of its integer path segments, in turn, replaced by a 20-digit number."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    out = []
    for i, seg in enumerate(segments):
        m = re.fullmatch(r"(\d+)(\.\w+)?", seg)
        if m:
            changed = segments[:i] + [HUGE_ID + (m.group(2) or "")] + segments[i + 1:]
            out.append(urlunsplit(parts._replace(path="/".join(changed))))
    return out


def _shapes(names) -> list[str]:
    """One field of each shape: ``sessions-0-day`` stands for every session row's date, ``score_12`` for
    every criterion's score (the same field class, made once per row)."""
    seen: dict[str, str] = {}
    for name in sorted(names):
        seen.setdefault(re.sub(r"\d+", "#", name), name)
    return sorted(seen.values())


def _grid_cases() -> set[tuple[int, str]]:
    """The (case, persona) that gets every value in every field: the first allowed persona of the first
    case of each route. The route's other cases and personas get every value in all fields at once."""
    chosen, routes = set(), set()
    for i, case in enumerate(CASES):
        if case.method == "GET" or (case.endpoint, case.method) in routes:
            continue
        persona = next((p for p in PERSONAS if _allowed(case, p)), None)
        if persona is not None:
            routes.add((case.endpoint, case.method))
            chosen.add((i, persona))
    return chosen


GRID = _grid_cases()


def _post_params():
    for i, case in enumerate(CASES):
        if case.method == "GET":
            continue
        for persona in PERSONAS:
            if _allowed(case, persona):
                mode = "grid" if (i, persona) in GRID else "sweep"
                yield pytest.param(case, persona, mode, id=f"{_case_id(case)}-{persona}")
        yield pytest.param(case, None, "others", id=f"{_case_id(case)}-others")


@pytest.mark.parametrize("case,persona,mode", list(_post_params()))
def test_hostile_post(browser, world, _database, case: Case, persona: str | None, mode: str):
    url = case.url(world)
    data = _post_data(case, world)
    if mode == "others":
        _others(browser, world, _database, case, url, data)
        return
    fuzzer = Fuzzer(browser, _database, persona, world)
    names = {k for k, v in data.items() if not isinstance(v, tuple)}
    names |= {n for n, kind in _form_fields(fuzzer, url).items() if kind not in ("file", "submit")}
    names = _shapes(names - SKIP_FIELDS)
    if mode == "grid":
        for field in names:
            for value in HOSTILE:
                resp = fuzzer.send(url, case.method, {**_with(data, field, value), "csrf_token": fuzzer.token})
                fuzzer.check(resp, f"{case.method} {url}", field, value)
    else:
        for value in HOSTILE:
            hostile = {**data, **{k: _with(data, k, value)[k] for k in names}}
            resp = fuzzer.send(url, case.method, {**hostile, "csrf_token": fuzzer.token})
            fuzzer.check(resp, f"{case.method} {url} (every field {value[:40]!r})")
    for huge in _huge_ids(url):
        resp = fuzzer.send(huge, case.method, {**data, "csrf_token": fuzzer.token})
        fuzzer.check(resp, f"{case.method} {huge}", want=(404,))
    assert not fuzzer.problems, "\n".join(fuzzer.problems)


def _others(browser, world, database, case: Case, url: str, data: dict) -> None:
    """Every persona not allowed: every field hostile at once still gets the matrix's answer."""
    problems = []
    names = sorted(k for k, v in data.items() if not isinstance(v, tuple) and k not in SKIP_FIELDS)
    hostile = {**data, **{k: _with(data, k, HOSTILE[i % len(HOSTILE)])[k] for i, k in enumerate(names)}}
    fuzzers = [Fuzzer(browser, database, p, world) for p in PERSONAS if not _allowed(case, p)]
    for fuzzer in fuzzers:
        resp = fuzzer.send(url, case.method, {**hostile, "csrf_token": fuzzer.token})
        fuzzer.check(resp, f"{case.method} {url} (every field hostile)",
                     want=_statuses(case.expected(fuzzer.persona)))
        problems += fuzzer.problems
    assert not problems, "\n".join(problems)


def _get_persona(case: Case) -> str | None:
    for persona in PERSONAS:
        if 200 in _statuses(case.expected(persona)) and _allowed(case, persona):
            return persona
    return None


@pytest.mark.parametrize("case", [c for c in CASES if c.method == "GET"], ids=_case_id)
def test_hostile_query(browser, world, _database, case: Case):
    persona = _get_persona(case)
    if persona is None:
        pytest.skip("no persona sees this page")
    url = case.url(world)
    fuzzer = Fuzzer(browser, _database, persona, world)
    parts = urlsplit(url)
    args = parse_qsl(parts.query, keep_blank_values=True)
    names = {k for k, _ in args}
    page = fuzzer.send(url)
    if not isinstance(page, Exception) and page.status_code == 200 and page.mimetype == "text/html":
        for method, _action, fields in _parse(page.data).forms:
            if method == "get":
                names |= {n for n, kind in fields.items() if kind not in ("submit", "button")}
        if re.search(rb"[?&](amp;)?page=", page.data):
            names.add("page")
    for name in _shapes(names - SKIP_FIELDS):
        for value in HOSTILE:
            query = urlencode([(k, v) for k, v in args if k != name] + [(name, value)])
            target = urlunsplit(parts._replace(query=query))
            resp = fuzzer.send(target)
            fuzzer.check(resp, f"GET {parts.path}?{name}=", name, value)
    for huge in _huge_ids(url):
        fuzzer.check(fuzzer.send(huge), f"GET {huge}", want=(404,))
    assert not fuzzer.problems, "\n".join(fuzzer.problems)


def test_the_fuzzer_sees_a_typed_value_missing():
    """The check itself: a form that comes back without the typed value is reported (escaped values match)."""
    page = b'<form method="post"><input name="title" value="a &amp; b"><textarea name="body">\nx &lt; y</textarea></form>'
    values = _parse(page).values
    assert values == {"title": ["a & b"], "body": ["x < y"]}
    assert html.unescape("a &amp; b") in values["title"]
