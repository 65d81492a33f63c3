"""A real OpenID Provider for the single sign-on tests: node-oidc-provider (tests/oidc/provider.mjs, its
npm packages installed by scripts/bootstrap), started on 127.0.0.1 on a free port, and a person's
browser at its sign-in and consent pages (``requests``)."""
from __future__ import annotations

import html
import json
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "tlf-test"
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


class OpenIDProvider:
    """``issuer`` once started; ``accounts`` maps a login typed at the provider to its claims."""

    def __init__(self, redirect_uri: str, accounts: dict[str, dict]):
        self.redirect_uri = redirect_uri
        self.accounts = accounts
        self.client_secret = secrets.token_urlsafe(24)
        self.issuer = ""
        self._proc: subprocess.Popen | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="oidc-provider-")

    def start(self) -> OpenIDProvider:
        node = shutil.which("node")
        if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("The SSO tests need Node.js and tests/oidc/node_modules: run scripts/bootstrap "
                        "(it runs `npm ci` in tests/oidc).")
        config = Path(self._dir.name) / "config.json"
        config.write_text(json.dumps({
            "clients": [{"client_id": CLIENT_ID, "client_secret": self.client_secret,
                         "redirect_uris": [self.redirect_uri]}],
            "accounts": self.accounts,
        }))
        self._log = open(Path(self._dir.name) / "provider.log", "w+")  # noqa: SIM115 (closed in stop)
        self._proc = subprocess.Popen([node, str(HERE / "provider.mjs"), str(config)], cwd=HERE,
                                      stdout=subprocess.PIPE, stderr=self._log, text=True)
        line = self._proc.stdout.readline()
        if not line.startswith("listening "):
            self.stop()
            pytest.fail(f"the OpenID Provider did not start: {line!r} {self.log()}")
        self.issuer = line.split()[1]
        return self

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read()

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()
        self._log.close()
        self._dir.cleanup()

    # -- a person at the provider's pages ------------------------------------------------------------
    def sign_in(self, authorize_url: str, login: str, *, cancel: bool = False) -> str:
        """Follow ``authorize_url`` as a browser would: type ``login`` (any password) on the provider's
        sign-in page, agree on its consent page (or ``cancel`` there), and return the URL the provider
        sends the browser back to (the app's callback, with ``code`` and ``state``, or ``error``)."""
        person = requests.Session()
        url = authorize_url
        for _ in range(12):
            resp = person.get(url, allow_redirects=False, timeout=10)
            while resp.is_redirect:
                url = urljoin(url, resp.headers["Location"])
                if url.startswith(self.redirect_uri):
                    return url
                resp = person.get(url, allow_redirects=False, timeout=10)
            assert resp.status_code == 200, resp.text[:500]
            action = urljoin(url, html.unescape(FORM_ACTION.search(resp.text).group(1)))
            if cancel:
                url = action.rstrip("/") + "/abort"
                continue
            if 'name="prompt" value="login"' in resp.text:
                data = {"prompt": "login", "login": login, "password": "anything"}
            else:
                assert 'name="prompt" value="consent"' in resp.text, resp.text[:500]
                data = {"prompt": "consent"}
            resp = person.post(action, data=data, allow_redirects=False, timeout=10)
            assert resp.is_redirect, resp.text[:500]
            url = urljoin(action, resp.headers["Location"])
            if url.startswith(self.redirect_uri):
                return url
        raise AssertionError(f"the provider never sent the browser back; last at {url}")
