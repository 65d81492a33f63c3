"""Logs (app/core/logs.py): JSON lines in production, each naming its request; one access line a request; each
500 logged once with its traceback; the request id echoed to the caller; nothing anyone typed.

The routes here belong to test-only apps (``create_app`` plus a blueprint registered here) on an
in-memory database, never to the product."""
from __future__ import annotations

import io
import json
import logging
import re
import sys
from datetime import datetime, timedelta

import pytest
from flask import Blueprint
from pythonjsonlogger.json import JsonFormatter

from app import create_app
from app.config import TestConfig
from app.core import logs
from app.extensions import db
from app.models import User

PRODUCTION = {
    "TESTING": False, "DEBUG": False, "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "SECRET_KEY": "x" * 40, "PUBLIC_BASE_URL": "https://tlf.example.org", "LOG_FORMAT": "", "LOG_LEVEL": "INFO",
}
UUID_HEX = re.compile(r"[0-9a-f]{32}")


def _routes() -> Blueprint:
    bp = Blueprint("test_only_logs", __name__)

    @bp.get("/test-only/ok")
    def ok():
        logging.getLogger("app.test_only").warning("something worth a look")
        return "ok"

    @bp.post("/test-only/form")
    def form():
        return "thanks"

    @bp.get("/test-only/boom")
    def boom():
        raise RuntimeError("the test-only route failed")

    return bp


@pytest.fixture(scope="module")
def log_app():
    """A test-only app (errors handled as in production) on an in-memory database with one person."""
    made = create_app(type("LogsConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://",
                                                          "PROPAGATE_EXCEPTIONS": False}))
    made.register_blueprint(_routes())
    with made.app_context():
        db.create_all()
        person = User(name="Lou Logged", email="lou@example.org", password_hash="!")  # signs in by cookie only
        db.session.add(person)
        db.session.commit()
        made.config["PERSON_ID"] = person.id
        db.session.remove()
    yield made
    with made.app_context():
        db.engine.dispose()


@pytest.fixture
def root_logger():
    """The root logger's handlers and level, put back after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


@pytest.fixture
def json_lines(root_logger):
    """What the production handler writes (its filter and JSON formatter), one parsed object a line."""
    stream = io.StringIO()
    root_logger.addHandler(logs.handler("json", stream))
    root_logger.setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    return read


def test_a_request_logs_json_lines_with_its_request_user_and_route(log_app, json_lines):
    client = log_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(log_app.config["PERSON_ID"])
    resp = client.get("/test-only/ok", headers={"X-Request-ID": "req-42.a_b"})
    assert resp.status_code == 200 and resp.headers["X-Request-ID"] == "req-42.a_b"
    warning, access = json_lines()
    assert warning["message"] == "something worth a look" and warning["level"] == "WARNING"
    assert warning["logger"] == "app.test_only"
    for line in (warning, access):
        assert line["request_id"] == "req-42.a_b"
        assert line["user_id"] == log_app.config["PERSON_ID"]
        assert (line["route"], line["method"], line["path"]) == ("test_only_logs.ok", "GET", "/test-only/ok")
        assert datetime.fromisoformat(line["time"]).utcoffset() == timedelta(0)
    assert access["logger"] == "app.access" and access["level"] == "INFO"
    assert access["status"] == 200 and access["duration_ms"] >= 0
    assert access["message"].startswith("GET /test-only/ok 200 ")


def test_a_500_is_logged_once_with_its_traceback_and_the_request_id_the_caller_got(log_app, json_lines):
    client = log_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(log_app.config["PERSON_ID"])
    resp = client.get("/test-only/boom")
    assert resp.status_code == 500 and "Something went wrong" in resp.get_data(as_text=True)
    request_id = resp.headers["X-Request-ID"]
    assert UUID_HEX.fullmatch(request_id)
    lines = json_lines()
    (error,) = [line for line in lines if line["level"] in ("ERROR", "CRITICAL")]
    assert "Traceback" in error["exc_info"] and "RuntimeError: the test-only route failed" in error["exc_info"]
    assert error["request_id"] == request_id
    assert error["user_id"] == log_app.config["PERSON_ID"] and error["route"] == "test_only_logs.boom"
    (access,) = [line for line in lines if line["logger"] == "app.access"]
    assert access["status"] == 500 and access["request_id"] == request_id


@pytest.mark.parametrize("given", ["x" * 65, "abc\ndef", "abc def", "<script>", ""])
def test_a_request_id_that_is_not_a_sane_token_is_replaced(log_app, json_lines, given):
    resp = log_app.test_client().get("/test-only/ok", environ_overrides={"HTTP_X_REQUEST_ID": given})
    request_id = resp.headers["X-Request-ID"]
    assert UUID_HEX.fullmatch(request_id)
    assert {line["request_id"] for line in json_lines()} == {request_id}


def test_nothing_typed_is_logged(log_app, json_lines):
    """No form body, no password, no query string: only the method, the path and the status."""
    client = log_app.test_client()
    resp = client.post("/test-only/form?token=query-secret-123",
                       data={"email": "lou@example.org", "password": "hunter2-passphrase"})
    assert resp.status_code in (200, 400)  # 400: no CSRF token; either way the request is logged
    written = json.dumps(json_lines())
    assert "/test-only/form" in written
    for typed in ("hunter2-passphrase", "lou@example.org", "query-secret-123"):
        assert typed not in written


def test_a_request_outside_any_route_still_gets_an_id(log_app, json_lines):
    resp = log_app.test_client().get("/no-such-page")
    assert resp.status_code == 404 and UUID_HEX.fullmatch(resp.headers["X-Request-ID"])
    (access,) = json_lines()
    assert (access["status"], access["route"], access["path"]) == (404, None, "/no-such-page")


def test_static_files_have_no_access_line(log_app, json_lines):
    resp = log_app.test_client().get("/bootstrap/static/css/bootstrap.min.css")
    resp.close()
    assert resp.status_code == 200 and resp.headers["X-Request-ID"]
    assert json_lines() == []


# -- which handler an app installs -----------------------------------------------------------------
def _our_handlers(root) -> list[logging.Handler]:
    return [h for h in root.handlers if h.get_name() == logs.HANDLER_NAME]


def test_in_production_the_root_logger_writes_json_lines_to_stderr(root_logger):
    made = create_app(dict(PRODUCTION))
    (handler,) = _our_handlers(root_logger)
    assert isinstance(handler.formatter, JsonFormatter) and handler.stream is sys.stderr
    assert root_logger.level == logging.INFO
    handler.setStream(io.StringIO())
    out = handler.stream
    resp = made.test_client().get("/healthz")
    (line,) = [json.loads(s) for s in out.getvalue().splitlines()]
    assert line["logger"] == "app.access" and line["status"] == resp.status_code
    assert line["path"] == "/healthz" and line["request_id"] == resp.headers["X-Request-ID"]
    create_app(dict(PRODUCTION))  # a second app replaces the handler: still one line a record
    assert len(_our_handlers(root_logger)) == 1
    with made.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("config", "formatter"), [
    ({"DEBUG": True}, logging.Formatter),  # readable lines when debugging
    ({"LOG_FORMAT": "text"}, logging.Formatter),
    ({"DEBUG": True, "LOG_FORMAT": "json"}, JsonFormatter),
])
def test_log_format_and_level_follow_the_settings(root_logger, config, formatter):
    made = create_app({**PRODUCTION, **config, "LOG_LEVEL": "warning"})
    (handler,) = _our_handlers(root_logger)
    assert type(handler.formatter) is formatter
    assert root_logger.level == logging.WARNING
    with made.app_context():
        db.engine.dispose()


def test_tests_leave_logging_alone_unless_told(root_logger):
    before = list(root_logger.handlers)
    create_app(type("Quiet", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_FORMAT": ""}))
    assert root_logger.handlers == before
