"""WeasyPrint, behind ``app.core.pdf``: the one module that imports it, loaded when a PDF is first made.

``StaticFetcher`` is the only way a document reaches a resource: the app's own stylesheets, by the
internal ``tlf-static:`` scheme (see ``app.core.pdf``).
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.core.pdf import PDF_VARIANT, SCHEME, STATIC_DIR, RefusedURL

# What may be served: a plain file name, no directories, a stylesheet.
_SERVABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.css")
_CONTENT_TYPES = {".css": "text/css"}

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


_local = threading.local()


def _fonts() -> FontConfiguration:
    # fontconfig's scan of the system fonts is the slow part of a first render: keep one
    # configuration per thread (the Pango objects behind it are not shared across threads).
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def write(html: str, fetcher: StaticFetcher | None = None) -> bytes:
    """``html`` printed as a tagged PDF (PDF/UA-1)."""
    document = HTML(string=html, base_url=None, url_fetcher=fetcher or StaticFetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT, font_config=_fonts())
