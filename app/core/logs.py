"""Logs: one JSON object a line on stderr in production, each carrying the request it belongs to.

``init_app`` does three things:

* Every request gets an id: the caller's ``X-Request-ID`` when it is a sane token (at most 64 of
  ``A-Z a-z 0-9 . _ -``), else a new one; it is kept on ``flask.g`` and sent back in the response's
  ``X-Request-ID`` header, so a person reporting a problem and the log line name the same request.
* One access line a request (not for static files) on the ``app.access`` logger at INFO: method, path
  (never the query string or the body), status and duration.
* Outside debug and testing (or whenever ``LOG_FORMAT`` is ``json``), the root logger gets one handler on
  stderr with python-json-logger's ``JsonFormatter``: ``time`` (ISO 8601, UTC), ``level``, ``logger``,
  ``message``, then ``request_id``, ``user_id``, ``route`` (the endpoint), ``method`` and ``path`` inside a
  request, ``exc_info`` with the traceback when there is one, and whatever a call passed as ``extra``.
  ``LOG_FORMAT=text`` gives readable lines instead (the default in debug); ``LOG_LEVEL`` sets the level.

The request fields are read without touching the database (a failed statement may have aborted the
transaction): the user's id comes from the identity of the user Flask-Login already loaded, or from the
session cookie. An unhandled exception is logged once, by Flask (``Exception on <path>``), with these
fields; the error page itself logs nothing.
"""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import IO

from flask import Flask, g, has_request_context, request, session
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect as sa_inspect

HANDLER_NAME = "app.logs"
HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUEST_FIELDS = ("request_id", "user_id", "route", "method", "path")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(method)s %(path)s user=%(user_id)s] %(message)s"

access = logging.getLogger("app.access")


def request_id() -> str:
    """This request's id (made on first use): the caller's ``X-Request-ID`` if sane, else a new uuid4."""
    rid = g.get("request_id")
    if rid is None:
        given = request.headers.get(HEADER, "")
        rid = given if SANE_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_id = rid
    return rid


def _user_id() -> int | str | None:
    """The signed-in person's id, never by loading them: the identity of the user Flask-Login already
    loaded in this request (no SQL), else the id Flask-Login keeps in the session."""
    user = g.get("_login_user")
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    if state is not None and state.identity:
        return state.identity[0]
    # dict.get: reading the session for a log line must not mark it accessed (Vary: Cookie).
    raw = dict.get(session._get_current_object(), "_user_id")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else raw


class RequestFields(logging.Filter):
    """Puts the request's id, the signed-in person's id, the endpoint, method and path on each record
    logged inside a request (outside one, the formatters show none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = request_id()
            record.route = request.endpoint
            record.method = request.method
            record.path = request.path
            try:
                record.user_id = _user_id()
            except Exception:  # a log line never fails for want of a user id
                record.user_id = None
        return True


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        ["levelname", "name", "message", *REQUEST_FIELDS],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # datetime of the record in UTC, written in ISO 8601
    )


def text_formatter() -> logging.Formatter:
    return logging.Formatter(TEXT_FORMAT, defaults=dict.fromkeys(REQUEST_FIELDS, "-"))


def handler(fmt: str = "json", stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler (stderr by default) with the request fields and the ``fmt`` formatter."""
    h = logging.StreamHandler(stream if stream is not None else sys.stderr)
    h.set_name(HANDLER_NAME)
    h.addFilter(RequestFields())
    h.setFormatter(json_formatter() if fmt == "json" else text_formatter())
    return h


def log_format(app: Flask) -> str | None:
    """``json``, ``text``, or None to leave logging as it is (tests, unless LOG_FORMAT says otherwise)."""
    chosen = (app.config.get("LOG_FORMAT") or "").strip().lower()
    if chosen in ("json", "text"):
        return chosen
    if app.testing:
        return None
    return "text" if app.debug else "json"


def configure(app: Flask) -> None:
    """Install the one handler on the root logger (replacing one an earlier app installed)."""
    fmt = log_format(app)
    if fmt is None:
        return
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler(fmt))
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    # Flask's own handler on app.logger would write each of its records a second time, as plain text.
    app.logger.removeHandler(default_handler)


def init_app(app: Flask) -> None:
    configure(app)

    @app.before_request
    def start() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def finish(response):
        response.headers[HEADER] = request_id()
        if not (request.endpoint or "").rpartition(".")[2] == "static":
            started = g.get("request_started")
            ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
            access.info("%s %s %s %sms", request.method, request.path, response.status_code, ms,
                        extra={"status": response.status_code, "duration_ms": ms,
                               "remote_addr": request.remote_addr})
        return response
