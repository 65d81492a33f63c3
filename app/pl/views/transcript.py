"""PL transcripts: each educator's completed PL, hours and PDPs toward 150 per licensure cycle.

An educator reads (and downloads as PDF) their own transcript and says when their licensure cycle
started; program staff read any educator's, a school leader those of their own school's educators.
Saving the cycle's start is one operation handed to ``app.web.run``, which commits or rolls back once.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.core import clock, pdf
from app.models import User
from app.pl import transcript as transcript_svc
from app.web import download, get_or_404, roles_required, run, show_refusal
from forms.pl import CycleStartForm

bp = Blueprint("transcript", __name__)
bp.add_app_template_filter(transcript_svc.hours_text, "pl_hours")


def _render(educator: User, form: CycleStartForm | None, status: int = 200, errors: list[str] | None = None):
    transcript = transcript_svc.transcript_for(educator, clock.today())
    own = educator.id == current_user.id
    return render_template("pl/transcript.html", transcript=transcript, educator=educator, own=own,
                           form=form, errors=errors or []), status


def _pdf(educator: User):
    transcript = transcript_svc.transcript_for(educator, clock.today())
    body = pdf.render("pdf/transcript.html", transcript=transcript, educator=educator, printed_at=clock.now())
    slug = re.sub(r"[^a-z0-9]+", "-", educator.name.lower()).strip("-") or f"educator-{educator.id}"
    return download(body, f"pl-transcript-{slug}.pdf", "application/pdf")


def _load_educator(user_id: int) -> User:
    """The educator whose transcript is asked for (404 for no such person or one who is not an
    educator), if the signed-in user may read it (403 with the reason)."""
    if current_user.id != user_id and not current_user.has_role("staff", "school_leader"):
        abort(403, description=transcript_svc.OTHERS_REFUSAL)
    educator = get_or_404(User, user_id)
    if not educator.has_role("educator"):
        abort(404)
    refusal = transcript_svc.refusal_to_view(current_user, educator)
    if refusal:
        abort(403, description=refusal)
    return educator


@bp.get("/pl/transcript")
@roles_required("educator")
def mine():
    form = CycleStartForm(formdata=None, starts_on=current_user.license_cycle_starts_on)
    return _render(current_user, form)


@bp.get("/pl/transcript.pdf")
@roles_required("educator")
def mine_pdf():
    return _pdf(current_user)


@bp.post("/pl/transcript/cycle")
@roles_required("educator")
def cycle():
    form = CycleStartForm()
    return run(
        lambda: transcript_svc.set_cycle_start(current_user, form.starts_on.data, clock.today()), form=form,
        done=url_for(".mine"),
        success=lambda _: f"Your licensure cycle now counts from {form.starts_on.data:%B %-d, %Y}.",
        again=lambda refusal: _render(current_user, form, 422, show_refusal(form, refusal)),
    )


@bp.get("/people/<int:user_id>/transcript")
@login_required
def person(user_id: int):
    educator = _load_educator(user_id)
    if educator.id == current_user.id:
        return redirect(url_for(".mine"))
    return _render(educator, None)


@bp.get("/people/<int:user_id>/transcript.pdf")
@login_required
def person_pdf(user_id: int):
    return _pdf(_load_educator(user_id))
