"""Small helpers every view uses: role checks, 404 loading, flashing refusals, paging, safe redirects."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, request
from flask_login import current_user, login_required

from app.extensions import db


def roles_required(*roles: str):
    """Signed in (else redirect to sign-in) and holding one of ``roles`` (else 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def flash_refusal(exc) -> None:
    for message in exc.messages:
        flash(message, "danger")


def download(data: bytes, filename: str, mimetype: str, *, private: bool = True):
    """A stored file or a generated document, served as a download and never rendered by the browser:
    attachment disposition (filename encoded by Werkzeug), ``nosniff``, a sandboxing CSP, and for
    anything that is not public, no caching."""
    from io import BytesIO

    from flask import send_file

    resp = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return resp


def page_number() -> int:
    """The ``page`` query argument, within sense (garbage or absurd numbers give a valid page)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (a ``next`` to go back to), else None: never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
