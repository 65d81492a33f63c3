"""Conditional GET for the public pages anyone can hit: ``ETag``/``Last-Modified``, and ``304 Not Modified``
without rendering the page when the visitor already has it.

A view names its page's *version*: a few values read in one small query (how many rows the page can show,
the newest change among them...) that change whenever what the page shows changes. ``respond`` makes the
ETag from that version, the request's path and query string and the release's signature (its modules
and templates), and answers 304 to a matching ``If-None-Match`` (or, without one, to an
``If-Modified-Since`` not older than ``last_modified``) before ``render`` is called.

Only pages that are the same for every visitor are validated: a signed-in visitor's page (their name,
their menu; ``Cache-Control: no-store`` from app/core/security.py) and a page carrying a one-time flash
message are rendered as always, without validators. Validated responses say ``Cache-Control: no-cache``
(keep it, but ask each time) and ``Vary: Cookie``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, make_response, request, session
from flask_login import current_user
from werkzeug.http import is_resource_modified

_SIGNATURE_KEY = "conditional.signature"


def signature() -> str:
    """This release: the name, size and modification time of every template and every module of the app
    (the same in every worker of a deployment; a new release or an edited template changes it)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get(_SIGNATURE_KEY)
    if cached is None:
        digest = hashlib.sha256()
        package = Path(__file__).resolve().parents[1]
        for folder, pattern in ((Path(app.template_folder or ""), "*"), (package, "*.py"),
                                (package.parent / "forms", "*.py")):
            for path in sorted(folder.rglob(pattern)) if folder.is_dir() else ():
                if path.is_file():
                    stat = path.stat()
                    digest.update(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        cached = app.extensions[_SIGNATURE_KEY] = digest.hexdigest()[:16]
    return cached


def shareable() -> bool:
    """The page is the same for every visitor: nobody is signed in and no flash message waits to be shown."""
    return not current_user.is_authenticated and "_flashes" not in session


def etag_for(version: Iterable) -> str:
    parts = [signature(), request.full_path, *(_text(v) for v in version)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def respond(validators: Callable[[], tuple[Iterable, datetime | None]], render: Callable[[], object]):
    """``render()``'s response with validators, or 304 when the visitor's copy is this version.

    ``validators()`` (called only for a page every visitor sees alike) gives the page's version, plain
    values (numbers, strings, datetimes, None) that change when the page does, and the newest change the
    page shows (UTC) for ``Last-Modified``, or None for an ETag alone.
    """
    if not shareable():
        return render()
    version, last_modified = validators()
    etag = etag_for(version)
    stamp = _whole_seconds(last_modified)
    if not is_resource_modified(request.environ, etag=etag, last_modified=stamp):
        response = current_app.response_class(status=304)
    else:
        response = make_response(render())
        if response.status_code != 200:
            return response
    response.set_etag(etag)
    if stamp is not None:
        response.last_modified = stamp
    response.cache_control.no_cache = True
    response.cache_control.public = True
    response.vary.add("Cookie")
    return response


def by_content(response):
    """``response`` with an ETag made from its own body, or 304 when the visitor already has that body: for an
    answer computed from so much (the priorities: every survey answer, proposal and PL request) that no small
    version says when it changed. It saves the visitor the transfer, not the server the work."""
    if not shareable() or response.status_code != 200:
        return response
    response.add_etag()
    response.cache_control.no_cache = True
    response.cache_control.public = True
    response.vary.add("Cookie")
    return response.make_conditional(request)


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


def _whole_seconds(dt: datetime | None) -> datetime | None:
    # HTTP dates have whole seconds. A naive datetime is UTC (SQLite hands them back naive).
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0)
