"""Printed documents: ``render(template_name, **context) -> bytes`` with WeasyPrint.

The HTML comes from a Jinja template in ``templates/pdf/`` (autoescaped, so whatever a user
typed is text, never markup). WeasyPrint fetches resources only through ``StaticFetcher``, which
serves the app's own stylesheets from ``app/static`` under the internal scheme ``tlf-static:``
and refuses everything else: ``file:``, ``http(s):``, ``ftp:``, ``data:`` and any other scheme,
paths that leave ``app/static``, and anything that is not a stylesheet. It never opens a
socket and never reads a file outside ``app/static``. Fonts are the system's (DejaVu through
fontconfig); no ``@font-face`` is ever fetched.

The PDF is tagged (PDF/UA-1) and carries the document's ``<title>`` and ``<html lang>``.
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from flask import render_template
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SCHEME = "tlf-static"
PDF_VARIANT = "pdf/ua-1"
# What may be served: a plain file name, no directories, a stylesheet.
_SERVABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.css")
_CONTENT_TYPES = {".css": "text/css"}


class RefusedURL(ValueError):
    """A resource the PDF renderer asked for and may not have."""


class StaticFetcher(URLFetcher):
    """A WeasyPrint URL fetcher (v70+: a ``URLFetcher`` whose ``fetch`` returns a
    ``URLFetcherResponse``) that serves ``tlf-static:<name>.css`` from ``app/static`` only.

    A refusal raises ``RefusedURL``; WeasyPrint then logs a warning and goes on without the
    resource. ``requested`` lists every URL asked for (tests spy on it).
    """

    def __init__(self, root: Path = STATIC_DIR):
        # No redirects, one allowed scheme; ``fetch`` below never reaches urllib's handlers.
        super().__init__(timeout=1, allowed_protocols=(SCHEME,), allow_redirects=False)
        self.root = root.resolve()
        self.requested: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        self.requested.append(url)
        path = self.resolve(url)
        return URLFetcherResponse(
            url, body=path.read_bytes(),
            headers={"Content-Type": f"{_CONTENT_TYPES[path.suffix]}; charset=utf-8"},
        )

    def open(self, url, data=None, timeout=None):  # urllib's entry point: same rules
        return self.fetch(getattr(url, "full_url", url))

    def resolve(self, url: str) -> Path:
        """The file under ``root`` that ``url`` names, or ``RefusedURL``."""
        if not isinstance(url, str) or not url.startswith(f"{SCHEME}:"):
            raise RefusedURL(f"The PDF renderer may not fetch {str(url)[:200]!r}: only {SCHEME}: URLs are served.")
        name = url[len(SCHEME) + 1:].lstrip("/")
        if not _SERVABLE.fullmatch(name):
            raise RefusedURL(f"The PDF renderer may not fetch {url[:200]!r}: not one of the app's stylesheets.")
        path = (self.root / name).resolve()
        if path.parent != self.root or not path.is_file():
            raise RefusedURL(f"The PDF renderer may not fetch {url[:200]!r}: no such stylesheet.")
        return path


def static_url(name: str) -> str:
    """The URL a PDF template uses for one of the app's stylesheets."""
    return f"{SCHEME}:{name}"


_local = threading.local()


def _fonts() -> FontConfiguration:
    # fontconfig's scan of the system fonts is the slow part of a first render: keep one
    # configuration per thread (the Pango objects behind it are not shared across threads).
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def render_html(template_name: str, **context) -> str:
    """The document's HTML (what ``render`` prints), autoescaped by Jinja."""
    return render_template(template_name, pdf_static=static_url, **context)


def render(template_name: str, *, fetcher: StaticFetcher | None = None, **context) -> bytes:
    """Render a ``templates/pdf/`` template to a tagged PDF. Needs an app context."""
    html = render_html(template_name, **context)
    document = HTML(string=html, base_url=None, url_fetcher=fetcher or StaticFetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT, font_config=_fonts())
