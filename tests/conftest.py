"""Shared fixtures: the app on a migrated database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), a clean database per test, a client, sign-in and factories; and the demo
data seeded once per module for the modules that check it (``seeded``, ``ctx``)."""
from __future__ import annotations

import os
import re

import pytest
from flask import g
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.factories import Factory


def _prepare_postgres(url: str) -> str:
    from app import _normalise_url

    url = _normalise_url(url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = _prepare_postgres(url)
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        upgrade()
    yield app


_RESET_SQL: dict[tuple[str, ...], str] = {}


def _postgres_reset_sql(tables) -> str:
    """One round trip that empties every table (children first) and restarts every id sequence at 1.

    DELETE on the few rows a test leaves is far cheaper than TRUNCATE, which gives each of the ~60
    tables new files on disk (about 0.7 s per test here, which made the PostgreSQL run several times
    slower than SQLite's).
    """
    key = tuple(t.name for t in tables)
    if key not in _RESET_SQL:
        deletes = [f'DELETE FROM "{t.name}"' for t in tables]
        restarts = [
            f"SELECT setval(pg_get_serial_sequence('\"{t.name}\"', '{c.name}'), 1, false)"
            for t in tables for c in t.primary_key.columns
            if c.autoincrement is True or (c.autoincrement == "auto" and len(t.primary_key.columns) == 1
                                           and c.type.python_type is int)
        ]
        _RESET_SQL[key] = ";\n".join(deletes + restarts)
    return _RESET_SQL[key]


def _clean(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(_postgres_reset_sql(tables))
            else:
                for t in tables:
                    conn.execute(t.delete())


@pytest.fixture
def app_ctx(app):
    """An application context on a clean database."""
    with app.app_context():
        yield app
        db.session.remove()
    _clean(app)


# -- the demo data (tests/test_demo.py, tests/test_demo_learning.py) ---------------------------
@pytest.fixture(scope="module")
def seeded(app):
    """The demo data seeded once (through the CLI) into the suite's database, for this module's tests."""
    _clean(app)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    yield result.output
    _clean(app)


@pytest.fixture
def ctx(seeded, app):
    """An application context on the seeded demo database (left as it is after the test)."""
    with app.app_context():
        yield seeded
        db.session.remove()


def all_(model):
    """Every row of ``model`` (in an application context)."""
    return list(db.session.scalars(select(model)))


@pytest.fixture
def factory(app_ctx) -> Factory:
    return Factory()


@pytest.fixture
def client(app_ctx):
    with app_ctx.test_client() as c:
        yield c


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str | bytes) -> str:
    if isinstance(html, bytes):
        html = html.decode()
    m = CSRF_RE.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def _clear_g() -> None:
    for key in list(vars(g)):
        g.pop(key, None)


class Browser:
    """A test client that signs in and posts forms with a real CSRF token.

    Tests run inside one app context, which Flask reuses for each request, so Flask-Login's
    and Flask-WTF's cached tokens in ``g`` are dropped around every request: each request sees
    only its cookies.
    """

    def __init__(self, client):
        self.client = client

    def open(self, url, method="GET", **kw):
        _clear_g()
        resp = self.client.open(url, method=method, **kw)
        _clear_g()
        return resp

    def login(self, user, password: str = "password123"):
        page = self.open("/login")
        resp = self.open("/login", method="POST", data={"email": user.email, "password": password,
                                                "csrf_token": csrf_from(page.data)})
        assert resp.status_code == 302, resp.data[:500]
        return self

    def reset(self):
        """Forget the session (sign out without a request)."""
        self.client.delete_cookie("session")
        self.client.delete_cookie("remember_token")
        return self

    def logout(self):
        self.post("/logout")
        return self

    def token(self, url: str = "/") -> str:
        resp = self.open(url, follow_redirects=True)
        return csrf_from(resp.data)

    def get(self, url, **kw):
        return self.open(url, **kw)

    def post(self, url, data=None, token_from: str | None = None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from or "/"))
        return self.open(url, method="POST", data=data, **kw)


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def login_as(browser):
    def _login(user):
        return browser.reset().login(user)

    return _login


@pytest.fixture
def world(factory):
    """A committee, a team and proposals in every state: the standard cast for view tests."""
    return factory.world()
