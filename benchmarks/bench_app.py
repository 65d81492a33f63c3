"""The app as the benchmarks run it: a made-up secret (outside debug and tests the app refuses to start
without a long one), a public address, no CSRF tokens to fetch and no access-log line per request.

It imports nothing the app does not import at start (no Flask-Migrate, no Alembic), so the worker-start
probe of ``scale.py`` can build its app here and measure the app alone."""
from __future__ import annotations

import hashlib
import logging


def create(url: str, base: type | None = None, **settings):
    """``create_app`` on ``url`` with the benchmark's settings over ``base`` (default ``TestConfig`` with
    ``TESTING`` off), and ``settings`` over those."""
    from app import create_app
    from app.config import TestConfig

    values = {
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": hashlib.sha256(b"tlf benchmark, not a production secret").hexdigest(),
        "PUBLIC_BASE_URL": "http://localhost",
        "WTF_CSRF_ENABLED": False,
        **settings,
    }
    app = create_app(type("BenchConfig", (base or TestConfig,), values))
    logging.getLogger("app.access").disabled = True  # a line a request would drown the figures
    return app
