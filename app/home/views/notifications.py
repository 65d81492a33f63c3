"""In-app notifications: the signed-in user's own, newest first; mark one or all as read.

The blueprint also installs the nav's unread count; staff see the outbox's messages that failed (the
mail worker retries them; nothing is sent from a page). Marking read is one operation handed to
``app.web.run``, which commits once.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from app.cases import notify, permissions
from app.core import mailer
from app.home import digest
from app.models import Notification
from app.web import get_or_404, page_number, run, show_refusal
from forms.people import EmailDeliveryForm

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return notify.unread_count(current_user)

    return {"unread_notifications": unread_notifications}


@bp.get("/notifications")
@login_required
def index():
    page = notify.notifications_page(current_user, page_number())
    undelivered = retrying = []
    if permissions.is_staff(current_user):
        undelivered = mailer.given_up(limit=50)
        retrying = mailer.retrying(limit=50)
    return render_template("home/notifications.html", page=page, unread=notify.unread_count(current_user),
                           undelivered=undelivered, retrying=retrying,
                           closed=notify.closed_links(current_user, page.items))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    note = get_or_404(Notification, notification_id)
    if note.user_id != current_user.id:
        abort(404)  # someone else's notification does not exist, as far as this user knows
    return run(
        lambda: notify.mark_read(note, current_user), done=url_for(".index", page=page_number()),
        success=lambda changed: "Marked as read." if changed else "That notification was already read.",
    )


def _marked(n: int) -> str:
    return f"Marked {n} notification{'s' if n != 1 else ''} as read." if n else "Nothing was unread."


@bp.post("/notifications/read-all")
@login_required
def read_all():
    return run(lambda: notify.mark_all_read(current_user), done=url_for(".index"), success=_marked)


# -- the person's choice: each email at once, or a daily digest ------------------------------------
def _email_page(form: EmailDeliveryForm, status: int = 200, errors: list[str] | None = None):
    return render_template("home/email_settings.html", form=form, errors=errors or [],
                           held=digest.held_count(current_user)), status


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def email_settings():
    if request.method != "POST":
        return _email_page(EmailDeliveryForm(data={"delivery": current_user.email_delivery.value}))
    form = EmailDeliveryForm()
    return run(
        lambda: digest.set_delivery(current_user._get_current_object(), form.delivery.data), form=form,
        done=url_for(".email_settings"), success=lambda chosen: f"Saved: {chosen.label[0].lower()}{chosen.label[1:]}.",
        again=lambda refusal: _email_page(form, 422, show_refusal(form, refusal)),
    )
