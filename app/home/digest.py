"""Email delivery: each message at once, or one daily digest; the digest itself.

A person chooses on their account page (``/account/email``): ``immediate`` (the default) or ``daily``.
For a daily person every message the app queues for them (transitions, assignments, decisions waiting,
reminders) is written to the outbox as usual but ``held_for_digest``: the sender skips it. Once a day,
at ``DIGEST_AT`` (Boston time), the mail worker calls ``queue_digests``: for each person with held
messages not yet in a digest, one digest message (sent like any other) carries them all, oldest first,
and each held row records it (``digest_id``). Links to set a password are never held.

Never twice, and safe with several workers: a digest's dedupe key is the person and the Boston day
(unique; inserted with ON CONFLICT DO NOTHING), and each person's held rows are claimed with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers at the digest hour (or a worker restarted
later that day) make one digest per person per day, and a message is in exactly one digest.
Messages held after the day's digest wait for the next day's. In-app notifications are not affected:
they appear at once whatever the choice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from app.cases import notify
from app.core import clock
from app.extensions import db
from app.models import EmailDelivery, OutboxMessage, User
from app.people import history

MAX_IN_ONE = 500  # messages in one digest; more wait for the next day's (with a line saying so)


@dataclass
class Digest:
    user_id: int
    message_id: int
    count: int


def dedupe_key(user_id: int, day: date) -> str:
    return f"digest:{user_id}:{day.isoformat()}"


DELIVERY_WORDS = {EmailDelivery.IMMEDIATE: "each message as it comes", EmailDelivery.DAILY: "one daily digest"}


def set_delivery(user: User, choice: str) -> EmailDelivery:
    """The person's choice. Going back to immediate sends what was held for the digest without waiting."""
    delivery = EmailDelivery(choice)
    if delivery is EmailDelivery.IMMEDIATE and user.email_delivery is EmailDelivery.DAILY:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.to_user_id == user.id, OutboxMessage.held_for_digest.is_(True),
                   OutboxMessage.digest_id.is_(None), OutboxMessage.sent_at.is_(None))
            .values(held_for_digest=False)
        )
    if delivery is not user.email_delivery:
        history.record(user, "email_delivery_changed", user, {"changes": {"email": {
            "before": DELIVERY_WORDS[user.email_delivery], "after": DELIVERY_WORDS[delivery]}}})
    user.email_delivery = delivery
    db.session.flush()
    return delivery


def held_count(user: User) -> int:
    """Messages waiting for this person's next digest."""
    return db.session.scalar(_held(user.id).with_only_columns(func.count(OutboxMessage.id)).order_by(None)) or 0


def _held(user_id: int):
    return (select(OutboxMessage)
            .where(OutboxMessage.to_user_id == user_id, OutboxMessage.held_for_digest.is_(True),
                   OutboxMessage.digest_id.is_(None), OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.created_at, OutboxMessage.id))


def people_waiting(day: date) -> list[int]:
    """Ids of the people with held messages and no digest yet for ``day``."""
    waiting = set(db.session.scalars(
        select(OutboxMessage.to_user_id).distinct()
        .where(OutboxMessage.held_for_digest.is_(True), OutboxMessage.digest_id.is_(None),
               OutboxMessage.sent_at.is_(None), OutboxMessage.to_user_id.is_not(None))
    ))
    if not waiting:
        return []
    done: set[int] = set()
    ids = sorted(waiting)
    for i in range(0, len(ids), 500):  # by the unique key's index
        keys = [dedupe_key(uid, day) for uid in ids[i:i + 500]]
        done.update(db.session.scalars(select(OutboxMessage.to_user_id).where(OutboxMessage.dedupe_key.in_(keys))))
    return sorted(waiting - done)


def _without_signature(body: str) -> str:
    """A message's words without its signature (the digest has one of its own)."""
    return body.rsplit("\n--\n", 1)[0].strip()


def queue_digests(day: date | None = None) -> list[Digest]:
    """Queue ``day``'s digest (default: today in Boston) for everyone with held messages. Commits after
    each person (their rows stay locked only while their digest is made)."""
    from app.home.reminders import _insert_once

    day = day or clock.today()
    out: list[Digest] = []
    for user_id in people_waiting(day):
        digest = _one(user_id, day, _insert_once)
        db.session.commit()
        if digest is not None:
            out.append(digest)
    return out


def _one(user_id: int, day: date, insert_once) -> Digest | None:
    stmt = _held(user_id).limit(MAX_IN_ONE + 1)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # another worker holds them: it makes this digest
    rows = list(db.session.scalars(stmt.execution_options(populate_existing=True)))
    user = db.session.get(User, user_id)
    if not rows or user is None:
        return None
    more = len(rows) > MAX_IN_ONE
    rows = rows[:MAX_IN_ONE]
    count = len(rows)
    messages = [{"subject": r.subject, "created_at": r.created_at, "body": _without_signature(r.body)} for r in rows]
    body = notify.render_body("digest.txt", recipient=user, day=day, messages=messages, more=more,
                              settings=notify.absolute_url("notifications.email_settings"))
    subject = f"Your daily digest for {day:%B %-d, %Y}: {count} message{'' if count == 1 else 's'}"
    message_id = insert_once(dict(
        to_email=user.email, to_user_id=user.id, subject=notify.one_line(subject), body=body,
        dedupe_key=dedupe_key(user.id, day), case_type=None, case_id=None, created_at=clock.now(), attempts=0,
        last_error="", next_attempt_at=None, held_for_digest=False,
    ))
    if message_id is None:
        db.session.rollback()  # today's digest is out already (another worker): these wait for tomorrow's
        return None
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
                       .values(digest_id=message_id))
    return Digest(user.id, message_id, count)


__all__ = ["Digest", "dedupe_key", "held_count", "people_waiting", "queue_digests", "set_delivery"]
