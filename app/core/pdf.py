"""Printed documents: ``render(template_name, **context) -> bytes`` with WeasyPrint.

The HTML comes from a Jinja template in ``templates/pdf/`` (autoescaped, so whatever a user
typed is text, never markup). WeasyPrint fetches resources only through ``pdf_engine.StaticFetcher``, which
serves the app's own stylesheets from ``app/static`` under the internal scheme ``tlf-static:``
and refuses everything else: ``file:``, ``http(s):``, ``ftp:``, ``data:`` and any other scheme,
paths that leave ``app/static``, and anything that is not a stylesheet. It never opens a
socket and never reads a file outside ``app/static``. Fonts are the system's (DejaVu through
fontconfig); no ``@font-face`` is ever fetched.

The PDF is tagged (PDF/UA-1) and carries the document's ``<title>`` and ``<html lang>``.

WeasyPrint itself (``app/core/pdf_engine.py``) is imported only when a PDF is made: a process that
never makes one (the mail worker, most web requests) does not pay its start-up time and memory.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, render_template

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SCHEME = "tlf-static"
PDF_VARIANT = "pdf/ua-1"


class RefusedURL(ValueError):
    """A resource the PDF renderer asked for and may not have."""


def static_url(name: str) -> str:
    """The URL a PDF template uses for one of the app's stylesheets."""
    return f"{SCHEME}:{name}"


def public_url(endpoint: str, **values) -> str:
    """An absolute address in the app, from ``PUBLIC_BASE_URL``: a printed page has no "current site" for a
    relative one (``/learning/slug``) to be read against. Works without a request (a worker)."""
    base = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(base.netloc or "127.0.0.1", script_name=base.path or "/",
                                       url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def render_html(template_name: str, **context) -> str:
    """The document's HTML (what ``render`` prints), autoescaped by Jinja."""
    return render_template(template_name, pdf_static=static_url, public_url=public_url, **context)


def render(template_name: str, *, fetcher=None, **context) -> bytes:
    """Render a ``templates/pdf/`` template to a tagged PDF. Needs an app context. ``fetcher``: a
    ``pdf_engine.StaticFetcher`` (tests spy on what is fetched); by default a new one."""
    from app.core import pdf_engine

    return pdf_engine.write(render_html(template_name, **context), fetcher)
