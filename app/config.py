"""Settings, read from the environment. SQLite in instance/ is the default database."""
import os
from datetime import timedelta
from pathlib import Path


class Config:
    # Required outside debug and tests: create_app refuses to start without a long random key
    # (app/core/security.py says what to set). Debug and tests use a key of their own.
    SECRET_KEY = os.environ.get("SECRET_KEY")
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
    # Mail: pages only queue it in the outbox table; the mail worker (`flask --app app worker`,
    # app/worker.py) sends it by SMTP, and so does `flask send-mail`. Never inside a request.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Teacher Leadership Fund <tlf@btu.org>")
    # 1: the worker sends the outbox. Off: the worker sends nothing and messages stay queued (the demo,
    # a staging copy of real data, the tests that do not test mail); `flask send-mail` still sends.
    MAIL_ENABLED = os.environ.get("MAIL_ENABLED", "") == "1"
    MAIL_TIMEOUT = 10
    MAIL_MAX_ATTEMPTS = 8
    # The worker's sleep when nothing is due (seconds), and the Boston time of day it queues the daily
    # reminders (HH:MM, 24-hour; empty: the worker queues none, for `flask send-reminders` from cron).
    WORKER_POLL_SECONDS = os.environ.get("WORKER_POLL_SECONDS", "5")
    REMINDERS_AT = os.environ.get("REMINDERS_AT", "07:00")
    # The Boston time of day the worker queues the daily digests of the people who chose one (HH:MM;
    # empty: none from the worker, for `flask send-digests` from cron).
    DIGEST_AT = os.environ.get("DIGEST_AT", "17:00")
    # Links in emails and the Atom feed are absolute: the app's public address.
    # Required outside debug and tests (debug and tests default to http://127.0.0.1:5000).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # HTTPS: an https PUBLIC_BASE_URL (or PREFER_SECURE=1) makes the session and remember-me cookies
    # Secure and sends HSTS on HTTPS requests. TLS ends at the proxy: the app never redirects to https.
    PREFER_SECURE = os.environ.get("PREFER_SECURE", "") == "1"
    # How many reverse proxies stand in front of the app (0: none, the default). Past 0, their
    # X-Forwarded-For/-Proto/-Host headers are believed (ProxyFix), so request.remote_addr and
    # request.is_secure are the visitor's.
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "0")
    # Content-Security-Policy of every page (downloads keep their own, stricter one). No inline script
    # and no JavaScript at all; inline <style> only with the page's nonce (the charts' SVG styles).
    CONTENT_SECURITY_POLICY = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",  # Bootstrap's CSS draws its form controls' icons as data: SVGs
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    REFERRER_POLICY = "strict-origin-when-cross-origin"
    # -- sign-in and sessions (app/people/signin.py) --------------------------------------------
    # School computers are shared: a session ends after this many hours without a request.
    SESSION_LIFETIME_HOURS = float(os.environ.get("SESSION_LIFETIME_HOURS", "8"))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_LIFETIME_HOURS)
    SESSION_REFRESH_EACH_REQUEST = True
    # "Keep me signed in on this device": two weeks, so a teacher's own laptop stays signed in
    # between the weekly meetings without the cookie living for a whole term.
    REMEMBER_DAYS = int(os.environ.get("REMEMBER_DAYS", "14"))
    REMEMBER_COOKIE_DURATION = timedelta(days=REMEMBER_DAYS)
    REMEMBER_COOKIE_HTTPONLY = True
    # Password guessing: POST /login per account (the email typed) and per client address.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute; 20 per hour")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per minute; 200 per hour")
    # "Forgot your password?" (POST /password/forgot): per email typed (so it cannot be used to flood
    # someone's inbox) and per client address.
    PASSWORD_LINK_LIMIT_PER_EMAIL = os.environ.get("PASSWORD_LINK_LIMIT_PER_EMAIL", "3 per hour; 10 per day")
    PASSWORD_LINK_LIMIT_PER_ADDRESS = os.environ.get("PASSWORD_LINK_LIMIT_PER_ADDRESS", "10 per minute; 50 per hour")
    # How long the link in an invitation to set a password works (a reset link: one hour).
    INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "7"))
    # Shared by every worker and server when REDIS_URL is set; else each process counts on its own.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    # -- single sign-on with OpenID Connect (app/people/sso.py) -----------------------------------
    # Off unless OIDC_CLIENT_ID is set; then OIDC_CLIENT_SECRET and OIDC_ISSUER (or OIDC_DISCOVERY_URL)
    # are required too, or create_app refuses to start (outside debug and tests).
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")  # e.g. https://accounts.google.com
    OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "")  # default: <issuer>/.well-known/openid-configuration
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your district account")  # "Sign in with <name>"
    # Comma-separated email domains whose people may sign in the first time with SSO and get an educator
    # account. Empty (the default): only people who already have an account may sign in with SSO.
    OIDC_ALLOWED_DOMAINS = os.environ.get("OIDC_ALLOWED_DOMAINS", "")
    OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT", "10"))  # seconds for each call to the provider
    # Password hashes: argon2id at OWASP's parameters (memory in KiB); raise them, never lower them.
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "2"))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", "19456"))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", "1"))


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"  # each test starts from zero (tests/conftest.py resets it)
    ARGON2_TIME_COST, ARGON2_MEMORY_COST = 1, 8  # cheap hashes keep the suite fast
    REMINDERS_AT = ""  # a worker pass in a test sends mail only; the reminder tests set their hour
    DIGEST_AT = ""  # likewise: the digest tests set their hour


def sqlite_default(instance_path: str) -> str:
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(instance_path) / "tlf.sqlite3")
