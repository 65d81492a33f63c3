"""Browser fixtures: the app served on a free local port, Debian's Chromium through Playwright,
and for every page a test visits an accessibility check (axe-core) and a check that the browser
reported no Content-Security-Policy violation (a blocked inline style or script, a refused load).

Data is made with the ``factory`` fixture and committed before the browser asks for it; the
server runs in a thread of this process on the same test database.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "password123"


@pytest.fixture(scope="module")
def live_server(app) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, started once per module."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. Install Debian's package "
            "(apt-get install -y chromium); the browser tests do not download a browser."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Visitor:
    """One person at the keyboard: their own browser context (cookies), a page, and helpers
    that check every page they land on with axe."""

    def __init__(self, chromium, base_url: str):
        self.context = chromium.new_context(base_url=base_url, accept_downloads=True)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.checked: list[str] = []
        # Chromium reports each thing the page's Content-Security-Policy blocked on the console.
        self.csp_violations: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def goto(self, path: str):
        resp = self.page.goto(path)
        assert resp is not None and resp.status < 400, f"GET {path} answered {resp and resp.status}"
        self.check_a11y()
        return resp

    def check_a11y(self) -> None:
        """axe-core on the page as it is now: no violations allowed; and no CSP violation so far."""
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state()
        self.check_csp()
        results = Axe().run(self.page)
        self.checked.append(self.page.url)
        assert results.violations_count == 0, (
            f"axe found accessibility problems on {self.page.url}:\n{results.generate_report()}"
        )

    def check_csp(self) -> None:
        """The pages seen so far loaded everything they use under the Content-Security-Policy."""
        assert not self.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(self.csp_violations)

    def click(self, locator):
        """Click something that loads a page (a form's button, a link), then check that page."""
        with self.page.expect_navigation() as nav:
            locator.click()
        resp = nav.value
        assert resp is None or resp.status < 500, f"{self.page.url} answered {resp.status}"
        self.check_a11y()
        return resp

    def login(self, user, password: str = PASSWORD) -> Visitor:
        self.goto("/login")
        self.page.get_by_label("Email").fill(user.email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, f"{user.email} could not sign in"
        self.check_a11y()
        return self

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(chromium, live_server):
    """A factory: ``visitor()`` opens a fresh browser context; ``visitor(user)`` also signs in."""
    opened: list[Visitor] = []

    def open_(user=None) -> Visitor:
        v = Visitor(chromium, live_server)
        opened.append(v)
        return v.login(user) if user is not None else v

    yield open_
    for v in opened:
        v.close()
    for v in opened:  # reported after the last check (console messages arrive asynchronously)
        v.check_csp()
