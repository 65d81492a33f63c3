"""gunicorn's settings for the app (docs: https://docs.gunicorn.org/en/stable/settings.html).

    gunicorn -c gunicorn.conf.py            # from the repository, or with the path of this file
    gunicorn -c /etc/tlf/gunicorn.conf.py   # deploy/tlf-web.service: an installed copy

The app's own settings (SECRET_KEY, DATABASE_URL, ...) come from the environment as always; this file
reads only these, each with its default:

    WEB_BIND          127.0.0.1:8000   where to listen: host:port, or unix:/run/tlf/web.sock; a comma
                                       separates several. Keep it on the loopback behind the proxy.
    WEB_CONCURRENCY   2 x CPUs + 1, at most 8   worker processes (each about 90 MB)
    WEB_TIMEOUT       60               seconds a request may take before its worker is restarted (a PDF
                                       of a long proposal takes a few)
    WEB_GRACEFUL_TIMEOUT 30            seconds a stopping or restarting worker has to finish its requests
    WEB_PRELOAD       1                1: the master imports the app once (``preload_app``) and forks
                                       workers that share that code copy-on-write; 0: each worker
                                       imports it itself (README, Production, says when to choose which)

Forwarded headers: gunicorn believes none of them (``forwarded_allow_ips`` is empty). The app alone
decides, from ``TRUSTED_PROXIES`` (app/config.py): the number of reverse proxies in front of it, whose
X-Forwarded-For/-Proto/-Host it reads through Werkzeug's ProxyFix. One setting, one place.

Logs: no gunicorn access log, since the app writes one line per request itself (logger ``app.access``,
JSON outside debug: app/core/logs.py); gunicorn's own messages (workers starting, timing out) go to
stderr, as JSON with the same fields unless ``LOG_FORMAT=text``. Under systemd both reach the journal.
"""
import multiprocessing
import os

wsgi_app = "app:create_app()"

bind = [part.strip() for part in os.environ.get("WEB_BIND", "127.0.0.1:8000").split(",") if part.strip()]
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Preload: create_app() runs once in the master and workers are forked from it. They share the imported
# code (copy-on-write) and a worker replaced after max_requests starts in milliseconds instead of
# re-importing everything. create_app() opens no database connection; post_fork below drops any the
# master's pool may hold all the same, so that no two processes ever share a socket. The price: a reload
# (HUP) forks from the old code, so after an upgrade restart the service instead.
preload_app = os.environ.get("WEB_PRELOAD", "1").strip().lower() not in ("0", "false", "no", "off", "")
# A worker is replaced after about this many requests: memory a long-lived process gathers (WeasyPrint,
# once a PDF was made) is given back. The jitter keeps the workers from restarting together.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in memory, not on a disk that may stall (gunicorn's advice for containers and VMs).
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

# No control socket (recent gunicorn opens one in $HOME/.gunicorn by default): systemd manages the server.
control_socket_disable = True

# The app, not gunicorn, reads forwarded headers (TRUSTED_PROXIES above).
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if os.environ.get("LOG_FORMAT", "json").strip().lower() != "text":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"json": {"()": "app.core.logs.handler", "fmt": "json"}},
        # The root logger is the app's: create_app puts its own handler there (app/core/logs.py).
        "root": {"level": loglevel.upper(), "handlers": []},
        "loggers": {
            "gunicorn.error": {"handlers": ["json"], "level": loglevel.upper(), "propagate": False},
            "gunicorn.access": {"handlers": [], "propagate": False},
        },
    }


def when_ready(server):
    """In the master, once the preloaded app is built: collect once and freeze what is left
    (app/core/heap.py), so that no full collection walks the app's long-lived objects again in the
    master or in the workers forked from it (whose pages stay shared with it)."""
    from app.core import heap

    heap.settle()


def post_worker_init(worker):
    """In each worker, ready to serve (with ``WEB_PRELOAD=0`` it built its own app): the same."""
    from app.core import heap

    heap.settle()


def post_fork(server, worker):
    """In each new worker: forget the database connections the master's pool may hold (preload)."""
    flask_app = getattr(worker.app, "callable", None)
    if flask_app is None or not hasattr(flask_app, "app_context"):
        return
    from app.extensions import db

    with flask_app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
