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
