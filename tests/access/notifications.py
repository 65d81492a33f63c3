"""In-app notifications: every signed-in person has their own list; reading is for the owner only."""
from app.extensions import db
from app.models import Notification
from tests.access import Case


def _note_of(user) -> int:
    """A notification of ``user``'s (made on demand, so each persona's world gets its own)."""
    n = Notification(user_id=user.id, subject="Proposal approved: a test", body="Body", link="/")
    db.session.add(n)
    db.session.commit()
    return n.id


CASES = [
    Case("notifications.index", lambda w: "/notifications", default=200),
    # Every signed-in persona may mark a notification read; the one in the URL is the lead's, so
    # only the lead is its owner: anyone else gets 404 (someone else's does not exist for them).
    Case("notifications.read", lambda w: f"/notifications/{_note_of(w.lead)}/read", method="POST",
         default=404, expect={"lead": 302},
         missing=lambda w: "/notifications/999999/read", missing_as="lead"),
    Case("notifications.read_all", lambda w: "/notifications/read-all", method="POST", default=302),
    # Each signed-in person chooses their own email delivery (immediate or a daily digest).
    Case("notifications.email_settings", lambda w: "/account/email", default=200),
    Case("notifications.email_settings", lambda w: "/account/email", method="POST", data=lambda w: {"delivery": "daily"},
         default=302),
]
