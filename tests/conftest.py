"""Shared fixtures: the app on a migrated database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), a client, sign-in, factories, the standard cast (``world``) and the demo
data (``seeded``, ``ctx``).

How a test gets its database
----------------------------
Each pytest-xdist worker has a database of its own (SQLite: a file in the worker's temp folder;
PostgreSQL: ``<TEST_DATABASE_URL's database>_gw0``, ``_gw1``...), migrated once, and one connection to
it that the tests share (``_Database``).

* **By default a test runs inside a transaction that is rolled back after it.** The app's session
  is bound to that connection with ``join_transaction_mode="create_savepoint"``, so the views' and
  services' own ``commit()`` and ``rollback()`` work on savepoints, exactly as they would on a
  database of their own; nothing a test writes outlives it. SQLite gets SQLAlchemy's documented
  workaround for pysqlite (no driver-managed transactions, an explicit BEGIN) on that one
  connection only.
* ``world`` (the standard cast, ~200 rows) is built once per worker, in the outer transaction;
  each test that asks for it runs in a savepoint on top and gets the cast's objects attached to its
  own session, expired, as if it had just built and committed them.
* The demo is seeded (and committed) once per run: its modules share one xdist worker
  (``XDIST_GROUPS``, with ``--dist loadgroup`` as scripts/test runs it); each test on it runs in a
  savepoint that is rolled back.
* **``@pytest.mark.commits``**: the test needs real commits, because another connection or thread
  must see its data (PostgreSQL races in threads, a second ``Session(db.engine)``, row locks, the
  browser tests' live server). It runs on the engine as the app does in production, and every table
  is emptied after it (the way every test used to run). A test that opens a second connection
  without the mark fails at once and says so. For example::

      @pytest.mark.commits
      def test_two_people_at_once(app, world):
          db.session.commit()  # a real commit: the threads' own sessions see the cast
          ...

Tests run in this order (each worker keeps it): those without a database, ``commits`` tests, then
tests on an empty database, then ``world`` tests, then the demo's; so each worker builds the world
about once.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import threading
import time
from contextlib import contextmanager
from datetime import datetime

import pytest
from flask import current_app, g
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, event, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import make_transient_to_detached

from app import _normalise_url, create_app
from app.config import TestConfig
from app.core import clock
from app.extensions import db, limiter
from tests.factories import PASSWORD, Factory, World

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... under pytest-xdist


# -- the database of this worker -----------------------------------------------------------------
def _prepare_postgres(url: str) -> str:
    """This worker's database on the TEST_DATABASE_URL server (created when missing), with a new
    empty ``public`` schema."""
    url = make_url(_normalise_url(url))
    if WORKER:
        url = url.set(database=f"{url.database}_{WORKER}")
    # Any database of the server will do for CREATE DATABASE: the maintenance one always exists.
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for attempt in range(10):
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}):
                break
            try:
                conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
                break
            except Exception:  # another worker creating its own database at the same moment
                if attempt == 9:
                    raise
                time.sleep(0.5)
    admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url.render_as_string(hide_password=False)


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
    with app.app_context():  # close the pool's connections (race tests' threads leave theirs checked in)
        db.engine.dispose()


def _postgres_restart_sql(tables) -> str:
    """Restart every id sequence of ``tables`` at 1 (one round trip)."""
    return "SELECT " + ", ".join(
        f"setval(pg_get_serial_sequence('\"{t.name}\"', '{c.name}'), 1, false)"
        for t in tables for c in t.primary_key.columns
        if c.autoincrement is True or (c.autoincrement == "auto" and len(t.primary_key.columns) == 1
                                       and c.type.python_type is int))


_RESET_SQL: dict[tuple[str, ...], str] = {}


def _postgres_reset_sql(tables) -> str:
    """One round trip that empties every table (children first) and restarts every id sequence at 1.

    DELETE on the few rows a test leaves is far cheaper than TRUNCATE, which gives each of the ~60
    tables new files on disk.
    """
    key = tuple(t.name for t in tables)
    if key not in _RESET_SQL:
        deletes = [f'DELETE FROM "{t.name}"' for t in tables]
        _RESET_SQL[key] = ";\n".join([*deletes, _postgres_restart_sql(tables)])
    return _RESET_SQL[key]


def _clean(app) -> None:
    """Empty every table, for real (after a ``commits`` test, and after the demo)."""
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(_postgres_reset_sql(tables))
            else:
                for t in tables:
                    conn.execute(t.delete())


# -- binding the app's session to the test's connection ----------------------------------------
class _Bound:
    """The connection the app's session uses in this thread, for this app (while a test runs)."""

    app = None
    conn = None
    thread: int | None = None


def _session_get_bind(self, mapper=None, clause=None, bind=None, **kw):
    if (bind is None and _Bound.conn is not None and threading.get_ident() == _Bound.thread
            and current_app and current_app._get_current_object() is _Bound.app):
        return _Bound.conn
    return _FSA_GET_BIND(self, mapper=mapper, clause=clause, bind=bind, **kw)


_FSA_GET_BIND = None


def _note_session_savepoint(session, transaction, connection) -> None:
    """Remember the savepoint each session transaction opens on the test's connection, so that
    ``tests.sqlcount`` counts only the statements the app would send on a database of its own."""
    if transaction.parent is None and connection is _Bound.conn:
        nested = connection.get_nested_transaction()
        if nested is not None:
            connection.info.setdefault("harness_savepoints", set()).add(nested._savepoint)


@pytest.fixture(scope="session")
def _session_binding(app):
    """The app's session class learns to use the test's connection (only while one is bound)."""
    global _FSA_GET_BIND
    factory = db.session.session_factory
    cls = factory.class_
    _FSA_GET_BIND = cls.get_bind
    old_kw = dict(factory.kw)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cls, "get_bind", _session_get_bind)
        factory.configure(join_transaction_mode="create_savepoint")
        event.listen(cls, "after_begin", _note_session_savepoint)
        try:
            yield
        finally:
            event.remove(cls, "after_begin", _note_session_savepoint)
            factory.kw.clear()
            factory.kw.update(old_kw)


class _Database:
    """This worker's one connection, always inside an outer transaction (``base``) that holds the
    prepared state: an empty database, the world, or (committed) the demo. Each test runs in a
    savepoint on top of it."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.engine = db.engine
        self.postgres = self.engine.dialect.name == "postgresql"
        self.conn = None
        self.base = None
        self.state: str | None = None  # None (nothing open), "empty", "world", "demo"
        self.demo_committed = False
        self.demo_output = ""
        self.made_on = None
        self.world: World | None = None
        self._sequences_sql = ""
        event.listen(self.engine, "checkout", self._second_connection)

    @staticmethod
    def _second_connection(dbapi_connection, record, proxy) -> None:
        """A test in a rolled-back transaction that opens another connection would not see its own
        data (and on SQLite would wait for the lock; on PostgreSQL it could wait for a row forever)."""
        if _Bound.conn is not None:
            raise RuntimeError(
                "This test opened a second database connection (a thread, Session(db.engine), "
                "db.engine.connect(), a live server...) while its own data sits in a transaction that "
                "will be rolled back. Mark it @pytest.mark.commits (see tests/conftest.py).")

    # -- the connection and its outer transaction ---------------------------------------------
    def _open(self) -> None:
        if self.conn is None:
            self.conn = self.engine.connect()
            if not self.postgres:
                # pysqlite's own transaction handling would let a SAVEPOINT outside BEGIN commit for
                # real; on this connection only, SQLAlchemy's documented workaround: BEGIN ourselves.
                self.conn.connection.dbapi_connection.isolation_level = None
        self.base = self.conn.begin()
        if not self.postgres:
            self.conn.exec_driver_sql("BEGIN")

    def release(self) -> None:
        """Roll back the outer transaction: the database is what is committed (empty, or the demo)."""
        if self.base is not None:
            try:
                self.base.rollback()
                if self.state == "world" and self.postgres:
                    self.conn.exec_driver_sql(_postgres_restart_sql(db.metadata.sorted_tables))
                    self.conn.commit()
            except Exception:
                self.close()
            self.base = None
        self.state = None
        self.world = None

    def close(self) -> None:
        if self.conn is not None:
            try:
                if not self.postgres:
                    self.conn.connection.dbapi_connection.isolation_level = ""
                self.conn.close()
            except Exception:
                self.conn.invalidate()
            self.conn = None
            self.base = None

    def _snapshot_sequences(self) -> None:
        """PostgreSQL sequences ignore rollbacks: note where they stand, to put them back after each
        test (ids then run as they did when each test had an empty database)."""
        if not self.postgres:
            return
        rows = self.conn.execute(text(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema()")).all()
        self._sequences_sql = "SELECT " + ", ".join(
            f"setval('\"{schema}\".\"{name}\"', {value}, true)" if value is not None
            else f"setval('\"{schema}\".\"{name}\"', 1, false)"
            for schema, name, value in rows)

    # -- states -----------------------------------------------------------------------------------
    def prepare(self, want: str | None) -> None:
        """Make the base hold ``want``: "empty", "world", "demo"; None: nothing open and nothing
        committed (for a ``commits`` test). The world and the demo are made again when the day
        (in Boston) has changed since they were made: their dates count from the day they were made."""
        today = datetime.now(clock.BOSTON).date()
        stale = self.made_on != today
        if want == self.state and (want is not None or not self.demo_committed) and not stale:
            return
        self.release()
        if self.demo_committed and (want != "demo" or stale):
            _clean(self.app)
            self.demo_committed = False
        self.made_on = today
        if want is None:
            return
        if want == "demo" and not self.demo_committed:
            self._seed_demo()
        self._open()
        if want == "world":
            with self.bound(), self.app.app_context():
                self.world = Factory().world()
                db.session.remove()  # the cast's objects stay, detached and expired
        self.state = want
        self._snapshot_sequences()

    def _seed_demo(self) -> None:
        """The demo data seeded (and committed) through the CLI, as ``flask --app app seed-demo``."""
        result = self.app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        self.demo_output = result.output
        self.demo_committed = True

    @contextmanager
    def bound(self):
        """The app's session (in this thread) uses this connection."""
        _Bound.app, _Bound.conn, _Bound.thread = self.app, self.conn, threading.get_ident()
        try:
            yield
        finally:
            _Bound.app = _Bound.conn = _Bound.thread = None

    @contextmanager
    def test(self):
        """One test: a savepoint on the base, rolled back (and released) after it."""
        self.conn.info.pop("harness_savepoints", None)
        savepoint = self.conn.begin_nested()
        name = savepoint._savepoint
        try:
            with self.bound():
                yield
        finally:
            try:
                if savepoint.is_active:
                    savepoint.rollback()
                self.conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
                if self.postgres and self._sequences_sql:
                    self.conn.exec_driver_sql(self._sequences_sql)
            except Exception:
                # Something left the connection unusable: start afresh for the next test.
                self.close()
                self.state = None
                self.world = None

    def world_for_test(self) -> World:
        """The cast, in the current session: new objects that know only their identity (every other
        attribute expired, read when first used), as a freshly built and committed world would be."""
        assert self.world is not None
        made: dict[int, object] = {}

        def attach(obj):
            if id(obj) not in made:
                mapper = sa_inspect(obj).mapper
                fresh = mapper.class_manager.new_instance()
                for column, value in zip(mapper.primary_key, sa_inspect(obj).identity, strict=True):
                    setattr(fresh, mapper.get_property_by_column(column).key, value)
                make_transient_to_detached(fresh)
                db.session.add(fresh)
                made[id(obj)] = fresh
            return made[id(obj)]

        values = {}
        for f in dataclasses.fields(World):
            if f.name == "proposals":
                values[f.name] = {state: attach(p) for state, p in self.world.proposals.items()}
            elif f.name != "_learning":
                values[f.name] = attach(getattr(self.world, f.name))
        return World(**values)


@pytest.fixture(scope="session")
def _database(app, _session_binding):
    database = _Database(app)
    yield database
    database.release()
    database.close()
    event.remove(database.engine, "checkout", database._second_connection)


def _needs(item) -> str:
    """What a test needs of the database: "none", "commits", "empty", "world" or "demo"."""
    names = item.fixturenames
    if "app_ctx" not in names:
        return "none"
    if item.get_closest_marker("commits"):
        return "commits"
    if "_demo" in names:
        return "demo"
    if "world" in names:
        return "world"
    return "empty"


_ORDER = {"none": 0, "commits": 1, "empty": 2, "world": 3, "demo": 4}


def pytest_collection_modifyitems(config, items):
    """Order the tests so that each worker prepares each state about once; on PostgreSQL, skip the tests
    marked ``own_sqlite`` (they build their own SQLite database whatever the run's database is, so the
    SQLite run has already run exactly them)."""
    items.sort(key=lambda item: _ORDER[_needs(item)])
    if os.environ.get("TEST_DATABASE_URL"):
        skip = pytest.mark.skip(reason="builds its own SQLite database: the SQLite run runs it")
        for item in items:
            if item.get_closest_marker("own_sqlite"):
                item.add_marker(skip)


# -- pytest-xdist: the groups that share a worker ---------------------------------------------------
# The demo's tests share one worker, so the demo is seeded once per run; the browser tests share one
# (and the 320 px crawl another), so each worker starts Chromium at most once. pytest-xdist's own grouping (xdist_group marks, --dist loadgroup) works
# by rewriting node ids, which pytest 9.2 no longer allows; so with --dist loadgroup this scheduler
# groups by module instead (and still honours an id's "@group" suffix where xdist manages one).
XDIST_GROUPS = {
    "tests/test_demo.py": "demo",
    "tests/test_demo_learning.py": "demo",
    "tests/home/test_whole_demo.py": "demo",
    "tests/api/test_api.py": "demo",
    "tests/api/test_api_schemathesis.py": "demo",
    "tests/browser/test_small_screens.py": "browser-crawl",  # the longest browser module: on a worker of its own
    "tests/browser/": "browser",
}
# Tests in those modules that use none of the group's data (they build databases of their own) and take long:
# each goes to whichever worker is free, so that it does not lengthen its group's worker.
XDIST_ALONE = {
    "tests/test_demo.py::test_demo_command_and_seed_give_the_same_data",
}


def xdist_scope(nodeid: str) -> str:
    """The unit of work a test belongs to: its group, or itself."""
    if nodeid.rfind("@") > nodeid.rfind("]"):
        return nodeid.rsplit("@", 1)[1]
    if nodeid in XDIST_ALONE:
        return nodeid
    path = nodeid.split("::", 1)[0]
    for prefix, group in XDIST_GROUPS.items():
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return group
    return nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """--dist loadgroup: the XDIST_GROUPS each on one worker (biggest first); every other test on
        its own, as with --dist load."""

        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return GroupScheduling(config, log)


@pytest.fixture
def app_ctx(app, _database, request):
    """An application context on the test's database (see the module's docstring)."""
    need = _needs(request.node)
    if need == "commits":
        _database.prepare(None)
        with app.app_context():
            yield app
            db.session.remove()
        _clean(app)
        return
    _database.prepare("demo" if need == "demo" else "world" if need == "world" else "empty")
    with _database.test(), app.app_context():
        yield app
        db.session.remove()


# -- the demo data (tests/test_demo.py, tests/test_demo_learning.py) ---------------------------
@pytest.fixture
def _demo(app_ctx, _database):
    """The demo data, seeded once per run; this test's changes are rolled back after it."""
    return _database.demo_output


@pytest.fixture
def seeded(_demo):
    """The output of ``seed-demo`` for the demo data in the test's database."""
    return _demo


@pytest.fixture
def ctx(seeded):
    """An application context on the seeded demo database (this test's changes are rolled back)."""
    return seeded


def all_(model):
    """Every row of ``model`` (in an application context)."""
    return list(db.session.scalars(select(model)))


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Each test starts with no sign-in attempts counted (the limiter's memory storage is per process)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app")
        limiter.reset()
    yield


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

    ``login(user)`` writes the session a sign-in would leave (Flask-Login's keys, the CSRF token and
    the "Signed in as" message) without two requests; ``login(user, password)`` signs in through the
    form, for tests about signing in. ``post()`` signs the session's CSRF token as Flask-WTF does
    instead of fetching a page for it; ``post(..., token_from=url)`` still reads it from that page.
    """

    def __init__(self, client):
        self.client = client
        self._identifier: str | None = None

    def open(self, url, method="GET", **kw):
        _clear_g()
        resp = self.client.open(url, method=method, **kw)
        _clear_g()
        return resp

    def login(self, user, password: str | None = None):
        with self.client.session_transaction() as sess:
            signed_in = "_user_id" in sess
        if password is not None or signed_in:
            return self.login_through_form(user, PASSWORD if password is None else password)
        # What GET /login then POST /login would leave: checked the same way the sign-in form checks.
        assert user.active and user.check_password(PASSWORD), f"{user.email} could not sign in"
        app = self.client.application
        with self.client.session_transaction() as sess:
            sess.pop("_flashes", None)  # the sign-in page showed them
            self._raw_token(sess)
            sess["_user_id"] = user.get_id()  # the id and the session token, as the user loader checks
            sess["_fresh"] = True
            sess.permanent = True
            sess["_id"] = self._session_identifier(app)
            sess.setdefault("_flashes", []).append(("success", f"Signed in as {user.name}."))
        return self

    def login_through_form(self, user, password: str = PASSWORD):
        """Sign in as a person does: the sign-in page, then its form."""
        page = self.open("/login")
        resp = self.open("/login", method="POST", data={"email": user.email, "password": password,
                                                        "csrf_token": csrf_from(page.data)})
        assert resp.status_code == 302, resp.data[:500]
        return self

    def _session_identifier(self, app) -> str:
        """Flask-Login's session identifier for this client (its address and user agent)."""
        if self._identifier is None:
            with app.test_request_context(environ_base=self.client.environ_base):
                self._identifier = app.login_manager._session_identifier_generator()
        return self._identifier

    def _raw_token(self, sess) -> str:
        """The raw CSRF token Flask-WTF keeps in the session (made as Flask-WTF makes it when missing)."""
        field = self.client.application.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        if field not in sess:
            sess[field] = hashlib.sha1(os.urandom(64)).hexdigest()
        return sess[field]

    def reset(self):
        """Forget the session (sign out without a request)."""
        self.client.delete_cookie("session")
        self.client.delete_cookie("remember_token")
        return self

    def logout(self):
        self.post("/logout")
        return self

    def token(self, url: str | None = None) -> str:
        """A CSRF token for this session. With ``url``, read from that page (followed to the end).

        Without, signed from the session's raw token with Flask-WTF's serializer, as any page would
        carry it; and, as fetching a page for it used to, the messages waiting to be shown are
        taken (the page would have shown them)."""
        if url is not None:
            resp = self.open(url, follow_redirects=True)
            return csrf_from(resp.data)
        app = self.client.application
        with self.client.session_transaction() as sess:
            sess.pop("_flashes", None)
            raw = self._raw_token(sess)
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

    def get(self, url, **kw):
        return self.open(url, **kw)

    def post(self, url, data=None, token_from: str | None = None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))  # taken even when given, as it always was
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
def world(factory, _database, request):
    """A committee, a team and proposals in every state: the standard cast for view tests.

    Built once per worker and shared through savepoints; a ``commits`` test builds its own."""
    if request.node.get_closest_marker("commits"):
        return factory.world()
    return _database.world_for_test()
