"""Phones and zoom (WCAG 2.1 AA 1.4.10 Reflow): on the demo data, at 320 CSS px wide (a small phone, or a
1280 px screen at 400 % zoom), every page each demo role reaches from its navigation and its home page,
and the pages those link to (case pages, forms), fits: nothing scrolls sideways
(``document.documentElement.scrollWidth <= 320``); data tables scroll inside their own box; and axe finds
no violation on any of them (``Visitor.check_a11y``); no page repeats an id; different kinds of page have
different titles.

One page per page type (route) per role keeps it to a few minutes: the crawl follows the header's and
the main content's links two steps from home, and skips a link whose route it has already checked for
that person. The navigation collapses behind a "Menu" disclosure that works without script.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from app.extensions import db
from tests.browser.conftest import Visitor
from tests.conftest import _clean

pytestmark = [pytest.mark.browser]

DEMO_PASSWORD = "tlf-demo-2026"
WIDTH = 320
# One person per role (and kind of educator) of the demo; the README's table of logins.
PEOPLE = {
    "team lead, approved grant": "lan.nguyen@example.org",
    "team lead, active grant": "carlos.mendes@example.org",
    "team member": "marie-claude.pierre@example.org",
    "reviewer": "ana.lucia.reyes@example.org",
    "co-chair BTU": "theresa.flanagan@example.org",
    "program staff": "rosa.delgado@example.org",
    "admin": "grace.whitfield@example.org",
    "school leader": "angela.brooks@example.org",
    "the public": None,
}
# Not pages: downloads (files, PDFs, CSVs, calendars), the feed, signing in and out.
SKIP = re.compile(r"\.(csv|pdf|ics|png|svg|zip|txt|atom)$|/attachments/|/artifacts/|/receipt$|/logout|/login")


@pytest.fixture(scope="module")
def demo_site(app, _database):
    """The demo data, seeded and committed once for this module (the live server reads it on its own
    connections); every table is emptied afterwards."""
    _database.prepare(None)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    yield app
    _clean(app)


DUPLICATE_IDS = """() => {
    const seen = {};
    for (const e of document.querySelectorAll('[id]')) seen[e.id] = (seen[e.id] || 0) + 1;
    return Object.keys(seen).filter(id => seen[id] > 1);
}"""


def _endpoint(app, path: str) -> str | None:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return endpoint


def _links(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")


def _narrow(chromium, live_server) -> Visitor:
    v = Visitor(chromium, live_server)
    v.page.set_viewport_size({"width": WIDTH, "height": 640})
    return v


def _fits(v: Visitor, path: str) -> None:
    width = v.page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{path} is {width} px wide at {WIDTH} px: the page scrolls sideways"


@pytest.mark.parametrize("who", list(PEOPLE))
def test_every_page_fits_320_px_and_passes_axe(who, demo_site, chromium, live_server):
    app = demo_site
    v = _narrow(chromium, live_server)
    try:
        email = PEOPLE[who]
        if email is not None:
            v.login(type("Person", (), {"email": email}), password=DEMO_PASSWORD)
        checked: dict[str, str] = {}
        titles: dict[str, set[str]] = {}
        queue = [("/", 0)] if email else [("/catalog/", 0), ("/learning", 0), ("/login", 2)]
        while queue:
            path, depth = queue.pop(0)
            endpoint = _endpoint(app, path)
            if endpoint is None or endpoint in checked:
                continue
            resp = v.page.goto(path)
            assert resp is not None and resp.status < 400, f"{who}: GET {path} answered {resp and resp.status}"
            if "text/html" not in resp.headers.get("content-type", ""):
                continue
            checked[endpoint] = path
            endpoint = _endpoint(app, urlsplit(v.page.url).path) or endpoint  # where a redirect led
            if endpoint in checked and checked[endpoint] != path:
                continue
            checked[endpoint] = path
            v.check_a11y()
            _fits(v, path)
            assert not (dups := v.page.evaluate(DUPLICATE_IDS)), f"{who}: {path} repeats the ids {dups}"
            titles.setdefault(v.page.title(), set()).add(endpoint)
            if depth < 2:
                for href in _links(v.page, "header a, main a" if depth == 0 else "main a"):
                    parts = urlsplit(href or "")
                    if (not href or href.startswith(("#", "mailto:")) or parts.netloc
                            and f"{parts.scheme}://{parts.netloc}" != live_server):
                        continue
                    target = parts.path + (f"?{parts.query}" if parts.query else "")
                    if SKIP.search(parts.path) or _endpoint(app, parts.path) in checked:
                        continue
                    queue.append((target, depth + 1))
        # Each kind of page has a title of its own (a screen reader's first words, a browser tab's label).
        shared = {title: sorted(endpoints) for title, endpoints in titles.items() if len(endpoints) > 1}
        assert not shared, f"{who}: different kinds of page with the same title: {shared}"
        # The crawl reached the kinds of page the role works on, not just the home page.
        assert len(checked) >= (4 if email is None else 10), f"{who}: only {sorted(checked.values())}"
        v.check_csp()
    finally:
        v.close()


def test_the_navigation_collapses_on_a_phone_and_opens_without_script(demo_site, chromium, live_server):
    context = chromium.new_context(base_url=live_server, java_script_enabled=False,
                                   viewport={"width": WIDTH, "height": 640})
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email").fill("rosa.delgado@example.org")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        nav = page.get_by_role("navigation", name="Main")
        # Closed: the bar is one line (the name and "Menu"), not 270 px of links above the page.
        assert nav.bounding_box()["height"] < 100
        assert not nav.get_by_role("link", name="All proposals").is_visible()
        nav.get_by_text("Menu").click()
        link = nav.get_by_role("link", name="All proposals")
        assert link.is_visible()
        link.click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text().startswith("All proposals")
        # Wide: the full bar, no disclosure.
        page.set_viewport_size({"width": 1280, "height": 800})
        assert not nav.get_by_text("Menu").is_visible()
        assert nav.get_by_role("link", name="All proposals").is_visible()
    finally:
        context.close()
