"""One-time submission tokens: a create form sent twice (a double click, a resent page) is saved once.

Every create form carries a hidden ``submission_token`` (``submission_field()`` in its template: a new
random token when the page is first shown, the posted one when the page comes back after a refusal, so
fixing a mistake and sending again is still the same submission). The view passes ``once=True`` to
``app.web.run``, which calls ``claim()`` before the operation:

* the first request with a token inserts its ``Submission`` row, in the same transaction as what the form
  saves: on success ``Claim.record`` stores where the author was sent and both are committed at once; on a
  refusal the rollback removes the claim, so the corrected form can be sent with the same token;
* a repeated token is answered with the first result: the same redirect, with a note that it was already
  saved. On PostgreSQL two requests with the same token at the same moment queue on the row's primary key
  (``INSERT ... ON CONFLICT DO NOTHING`` waits for the first transaction): the second then reads the
  committed row and is sent where the first was; if the first was refused, the second inserts and goes on.
* a token that this site could not have made (wrong length or characters), or one that another person's
  request claimed, is refused (400).

A post without the field is processed as before (scripts, pages loaded before the tokens existed): the
guarantee is for the pages this app serves, which all send one. Claims older than ``KEEP`` are pruned,
a batch at a time, by the requests that claim new ones.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import abort, make_response, render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import delete, select, update

from app.core import clock
from app.extensions import db
from app.models import Submission

FIELD = "submission_token"
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEEP = timedelta(days=1)
PRUNE_BATCH = 200
ALREADY_SAVED = "This was already submitted; here is what was saved."
NOT_A_TOKEN = ("This form's submission token is not one this site made, so it was not saved. "
               "Reload the page and submit the form again.")
SOMEONE_ELSES = ("This form was first submitted by someone else, so it was not saved again. "
                 "Reload the page and submit the form again.")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_for(action: str | None = None) -> str:
    """The token a create form carries: the one posted, when this page answers a refused post of this
    form (``action``, the form's URL, is where this request was posted; None: the form posts to the page's
    own URL); else a new one."""
    if request.method == "POST" and (action is None or urlsplit(action).path == request.path):
        posted = request.form.get(FIELD, "")
        if TOKEN.fullmatch(posted):
            return posted
    return new_token()


def submission_field(action: str | None = None) -> Markup:
    """The hidden input a create form's template puts inside the form (a template global)."""
    token = token_for(action)  # URL-safe characters only (``TOKEN``): nothing to escape
    return Markup(f'<input type="hidden" name="{FIELD}" value="{token}">')


@dataclass
class Claim:
    """This request's hold on a posted token. ``first_result``: where the request that saved it first sent
    its author (this request is then a repeat and saves nothing); None when this request is the first."""

    token: str
    first_result: str | None = None

    def record(self, result_url: str) -> None:
        """Where this (first) request sends its author: repeats of the token are sent there too."""
        db.session.execute(update(Submission).where(Submission.token == self.token).values(result_url=result_url))


def claim() -> Claim | None:
    """Claim the posted token for the signed-in person (None when the form sent none)."""
    token = request.form.get(FIELD)
    if token is None:
        return None
    if not TOKEN.fullmatch(token):
        _refuse(NOT_A_TOKEN)
    user_id = current_user.id if current_user.is_authenticated else None
    now = clock.now()
    for _ in range(2):  # a row read as gone was older than KEEP and pruned meanwhile: claim it anew
        if _insert_if_new(token, user_id, now):
            _prune(now)
            return Claim(token)
        first = db.session.execute(
            select(Submission.user_id, Submission.result_url).where(Submission.token == token)).one_or_none()
        if first is not None:
            if first.user_id != user_id:
                _refuse(SOMEONE_ELSES)
            return Claim(token, first_result=first.result_url or request.path)
    abort(409)


def _refuse(message: str):
    """400, saying why (the generic 400 page would not say what to do)."""
    page = render_template("errors/error.html", code=400, title="Form not accepted", message=message)
    abort(make_response(page, 400))


def _insert_if_new(token: str, user_id: int | None, now) -> bool:
    """Insert the claim unless the token exists (waiting, on PostgreSQL, for a transaction inserting it
    to end); whether this request inserted it."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (insert(Submission).values(token=token, user_id=user_id, created_at=now)
            .on_conflict_do_nothing(index_elements=["token"]).returning(Submission.token))
    return db.session.execute(stmt).scalar() is not None


def _prune(now) -> None:
    """Delete a batch of claims older than ``KEEP`` (rows another request is deleting are skipped)."""
    old = (select(Submission.token).where(Submission.created_at < now - KEEP)
           .order_by(Submission.created_at).limit(PRUNE_BATCH).with_for_update(skip_locked=True))
    db.session.execute(delete(Submission).where(Submission.token.in_(old)),
                       execution_options={"synchronize_session": False})
