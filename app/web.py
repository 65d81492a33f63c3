"""The request pipeline every view goes through, and the small helpers views share.

A view names what to load (``get_or_404``, 404), what to check (``roles_required`` or a predicate,
403), which form, which one operation and where to go next; ``run`` does the rest, in the spirit of
Indico's ``RH.process``: it calls the operation, commits once on success (then flashes and
redirects), and on a refusal rolls back once and either shows the page again with the refusal and
everything the user typed (``again``, usually 422) or flashes it and redirects. Who may act is
asked by the operation itself: a ``NotAllowed`` answers 403 with its reason; a row someone else
changed meanwhile (``StaleDataError``) answers 409. No view commits or rolls back by hand.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, send_file
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from app.core import clock, csvfile
from app.core import once as submissions
from app.core.errors import FormError, InvalidInput
from app.extensions import db
from workflows import TransitionRefused

Refusal = FormError | TransitionRefused
# What a person is told when their write met a row someone else changed meanwhile (409), here and on
# every other route (the app's StaleDataError handler).
CHANGED_MEANWHILE = "Someone changed this a moment ago. Reload the page to see their change, then try again."


# -- asking first: "Are you sure?" before an act that cannot be undone -----------------------------
CONFIRM_FIELD = "confirm_step"  # "yes": confirmed; "back": the person chose to go back to the form


@dataclass(frozen=True)
class Confirm:
    """An act that cannot be undone: ``action`` is its button's words ("Submit proposal"), ``consequence``
    what cannot be undone ("the proposal goes to program staff..."), ``subject`` what it acts on (a title)."""

    action: str
    consequence: str
    subject: str = ""
    # Asked before the question: may this person act at all? A refusal of the person is a 403 at once
    # (nobody is asked to confirm what they may not do); any other refusal skips the question and the
    # operation says why it cannot happen.
    check: Callable[[], Any] | None = None


class GoingBack(FormError):
    """Not a refusal: the person chose "Go back" on the confirmation page; the form comes back as typed."""

    def __init__(self) -> None:
        super().__init__([])


def confirmation_page(confirm: Confirm):
    """The first POST of an irreversible act: "Are you sure? This cannot be undone: ...", carrying everything
    the person sent (their input, the CSRF and one-time submission tokens) in hidden fields, with Confirm and
    Go back buttons posting them to the same address. Works without script; nothing is saved yet."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k != CONFIRM_FIELD]
    return render_template("confirm.html", confirm=confirm, fields=fields, action=request.full_path.rstrip("?"),
                           field_name=CONFIRM_FIELD)


def _may_ask(confirm: Confirm) -> bool:
    """Whether to ask "Are you sure?": the person may act (else 403), and nothing else refuses it already."""
    if confirm.check is None:
        return True
    try:
        confirm.check()
    except (FormError, TransitionRefused) as exc:
        if getattr(exc, "forbidden", False):
            abort(403, description=" ".join(exc.messages))
        return False
    return True


def _would_succeed(operation: Callable[[], Any], form) -> bool:
    """The operation tried in a savepoint that is always rolled back: whether it would go through now
    (what it wrote, the audit events and notifications it queued, are undone; mail and PDFs only ever
    happen after a commit, in the worker)."""
    savepoint = db.session.begin_nested()
    try:
        if form is not None and not form.validate_on_submit():
            return False
        operation()
        db.session.flush()
        return True
    except (FormError, TransitionRefused, StaleDataError):
        return False
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def reader(form) -> Callable[[], dict]:
    """What an operation calls to read the actor's input once it knows they may act: the form's data,
    or ``InvalidInput`` when it does not validate (the form keeps its messages)."""

    def read() -> dict:
        if not form.validate_on_submit():
            raise InvalidInput()
        return form.data

    return read


def run(operation: Callable[[], Any], *, done: str | Callable[[Any], str],
        success: str | Callable[[Any], str] | None = None,
        again: Callable[[Refusal], Any] | None = None, form=None, once: bool = False,
        confirm: Confirm | None = None) -> Any:
    """Run one operation and end the request.

    ``form``: validated first, when the view has checked who may act (a role, a predicate) and the
    operation takes plain values; an operation that asks who may act itself takes ``reader(form)``
    instead, so that someone who may not act is told so (403) whatever they sent.

    Success: commit once, flash ``success`` (words, or made from the operation's result), redirect to
    ``done`` (a URL, or made from the result). A refusal (``FormError``, ``TransitionRefused``,
    ``InvalidInput``): roll back once, then ``again(refusal)`` (the page again, with what was typed) or,
    without ``again``, flash its messages and redirect to ``done``. A refusal of the person (``NotAllowed``,
    or any refusal marked ``forbidden``): 403 with its reason. ``StaleDataError`` from the operation or
    from the commit's flush: rolled back, 409 with ``CHANGED_MEANWHILE``.

    ``once``: the view creates something, and its form carries a one-time submission token
    (``app.core.once``): claimed before the operation and committed with it, so the same form posted again
    saves nothing and is sent where the first was, with a note that it was already saved.

    ``confirm``: the act cannot be undone, so the first POST only shows ``confirmation_page`` (nothing runs,
    nothing is claimed); the operation runs when the POST comes back confirmed. "Go back" shows the form
    again as typed (``again(GoingBack())``), or without ``again`` returns to ``done``.
    """
    if confirm is not None and request.form.get(CONFIRM_FIELD) != "yes" and _may_ask(confirm):
        if request.form.get(CONFIRM_FIELD) == "back":
            if again is not None:
                return again(GoingBack())
            return redirect(done if isinstance(done, str) else url_root())
        if _would_succeed(operation, form):
            return confirmation_page(confirm)
        # Refused: fall through, so the operation runs for real, is refused the same way and rolled back,
        # and the page says why (nobody is asked "Are you sure?" about what cannot happen).
    claim = submissions.claim() if once else None
    if claim is not None and claim.first_result is not None:
        db.session.rollback()
        flash(submissions.ALREADY_SAVED, "info")
        return redirect(claim.first_result)
    try:
        if form is not None and not form.validate_on_submit():
            raise InvalidInput()
        result = operation()
        target = done(result) if callable(done) else done
        if claim is not None:
            claim.record(target)
        db.session.commit()  # its flush can still find a row someone changed meanwhile
    except (FormError, TransitionRefused) as exc:
        db.session.rollback()
        if getattr(exc, "forbidden", False):
            abort(403, description=" ".join(exc.messages))
        if again is not None:
            return again(exc)
        flash_refusal(exc)
        return redirect(done if isinstance(done, str) else done(None))
    except StaleDataError:
        db.session.rollback()
        abort(409, description=CHANGED_MEANWHILE)
    if success:
        flash(success(result) if callable(success) else success, "success")
    return redirect(target)


def url_root() -> str:
    return request.script_root + "/"


def show_refusal(form, exc: Refusal) -> list[str]:
    """Put each of the refusal's field messages beside its field on ``form``; return the messages for
    the summary at the top of the page (those that belong to no field of the form)."""
    placed = set()
    for name, message in getattr(exc, "problems", ()):
        field = getattr(form, name, None) if form is not None and name else None
        if field is not None:
            field.errors = [*field.errors, message]
            placed.add(message)
    return [m for m in exc.messages if m not in placed]


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
    resp = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    return _as_download(resp, private)


def _as_download(resp, private: bool = True):
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return resp


SPOOL_BYTES = 4 * 1024 * 1024  # a CSV bigger than this is written to a temporary file, not kept in memory


def csv_download(stem: str, header: Iterable, rows: Iterable[Iterable]):
    """A list as a spreadsheet: ``<stem>-<Boston date>.csv``, ``text/csv; charset=utf-8``, an attachment
    (as ``download``), written by the one CSV rule (app/core/csvfile.py). ``rows`` (a query read with
    ``yield_per``) is written in pieces, within the request and its session, to a file that stays in memory
    up to ``SPOOL_BYTES`` and goes to a temporary file beyond; the server then sends that file. So a list of
    100,000 proposals is never held whole, in objects or in text."""
    resp = send_file(_spooled(csvfile.chunks(header, rows)), mimetype="text/csv", as_attachment=True,
                     download_name=f"{stem}-{clock.today().isoformat()}.csv", max_age=0)
    return _as_download(resp)


def _spooled(pieces: Iterable[bytes]):
    """The pieces written to memory, or past ``SPOOL_BYTES`` to a temporary file (closed, and so deleted,
    when the response is); positioned at the start."""
    out = BytesIO()
    for piece in pieces:
        out.write(piece)
        if isinstance(out, BytesIO) and out.tell() > SPOOL_BYTES:
            spill = tempfile.TemporaryFile()  # the response closes it once sent
            spill.write(out.getbuffer())
            out = spill
    out.seek(0)
    return out


def page_number(name: str = "page") -> int:
    """The ``page`` (or ``name``) query argument, within sense (garbage or absurd numbers give a valid page)."""
    return min(max(request.args.get(name, 1, type=int) or 1, 1), 100_000)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (a ``next`` to go back to), else None: never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
