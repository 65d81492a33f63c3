"""No link leads a person to "403 Forbidden" or "404 Not Found": for each demo login (and someone not signed
in), every link on their home page and on each page their home page and navigation lead to is followed,
as that person, and must answer neither. Downloads that are built on request (PDFs) are left out to keep
it fast; their pages are covered by their own tests."""
from __future__ import annotations

import re
import time
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.demo.seeder import DEMO_PASSWORD, demo_logins
from app.extensions import db
from app.models import User
from tests.conftest import Browser

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)(?:#[^"]*)?"')
SKIP = re.compile(r"\.(pdf)$|^/logout$|^/login/sso")


def links(html: str) -> list[str]:
    """The site's own addresses among a page's links (no other host, no mailto:, no fragment-only)."""
    out = []
    for href in HREF.findall(html):
        href = unescape(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(parts.path):
            out.append(path)
    return out


def walk(client: Browser) -> tuple[dict[str, tuple[int, str]], int]:
    """Every link on the home page and on the pages it links to: {address: (status, where it was found)}."""
    start = client.get("/", follow_redirects=True)  # someone not signed in is sent to a public page
    assert start.status_code == 200
    seen: dict[str, tuple[int, str]] = {"/": (200, "")}
    first = list(dict.fromkeys(links(start.get_data(as_text=True))))
    pages = 0
    for url in first:
        if url in seen:
            continue
        resp = client.get(url)
        seen[url] = (resp.status_code, "/")
        pages += 1
        if resp.status_code == 200 and resp.mimetype == "text/html":
            for link in dict.fromkeys(links(resp.get_data(as_text=True))):
                if link not in seen and link not in first:
                    seen[link] = (client.get(link).status_code, url)
                    pages += 1
    return seen, pages


PEOPLE = [(role, name) for role, name, _ in demo_logins()] + [("not signed in", None)]


@pytest.mark.parametrize("role,name", PEOPLE, ids=[name or "anonymous" for _, name in PEOPLE])
def test_no_link_on_a_persons_pages_answers_403_or_404(ctx, app, role, name):
    client = Browser(app.test_client())
    if name is not None:
        user = db.session.scalar(select(User).where(User.name == name))
        client.login(user, DEMO_PASSWORD)
    began = time.perf_counter()
    seen, pages = walk(client)
    dead = {url: found for url, found in seen.items() if found[0] in (403, 404)}
    assert not dead, f"{name or 'anonymous'} ({role}) is shown links that answer 403/404: {dead}"
    assert pages >= 5, f"too few pages walked for {name}: {sorted(seen)}"
    assert time.perf_counter() - began < 60, "keep the walk fast"
