"""Settings, read from the environment. SQLite in instance/ is the default database."""
import os
from pathlib import Path


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None
    # Whole-request cap (HTTP 413 past it); each uploaded file is also checked against MAX_UPLOAD_BYTES.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    BOOTSTRAP_SERVE_LOCAL = True  # never load assets from a CDN
    DISPLAY_TIMEZONE = "America/New_York"
    # Logs on stderr (app/core/logs.py): "json", one object a line (the default outside debug and
    # tests), or "text"; and the level.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Mail: queued in the outbox table, sent by SMTP after each commit and by `flask send-mail`.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Teacher Leadership Fund <tlf@btu.org>")
    # Off: messages stay queued in the outbox (the demo and the tests that do not test mail).
    MAIL_ENABLED = os.environ.get("MAIL_ENABLED", "") == "1"
    MAIL_TIMEOUT = 10
    MAIL_MAX_ATTEMPTS = 8
    # Links in emails and the Atom feed are absolute: the app's public address.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = True


def sqlite_default(instance_path: str) -> str:
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(instance_path) / "tlf.sqlite3")
