"""iCalendar (RFC 5545) files for PL opportunities: one VEVENT per session, times in UTC.

Each event's UID is built from the session's id, so re-importing the file after an edit updates
the same event in the person's calendar instead of adding another.
"""
from __future__ import annotations

import re
from datetime import UTC

from app.core import clock
from app.core.markdown import plain_text
from app.models import Opportunity, OpportunitySession

PRODID = "-//Boston Teachers Union//Teacher Leadership Fund PL catalog//EN"
UID_DOMAIN = "tlf.btu.org"


def session_uid(session: OpportunitySession) -> str:
    return f"pl-session-{session.id}@{UID_DOMAIN}"


def _description(o: Opportunity, url: str) -> str:
    text = re.sub(r"\n{3,}", "\n\n", plain_text(o.description)).strip()
    lines = [f"Offered by {o.provider_name} ({o.provider_kind.label})."]
    if text:
        lines += ["", text]
    lines += ["", f"Details and registration: {url}"]
    return "\n".join(lines)


def calendar_for(o: Opportunity, url: str) -> bytes:
    """The .ics document for ``o``; ``url`` is the opportunity's absolute page address."""
    from icalendar import Calendar, Event  # loaded by the first .ics, not by every worker at start

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", o.title)
    stamp = clock.now().replace(microsecond=0)
    description = _description(o, url)
    count = len(o.sessions)
    for n, s in enumerate(o.sessions, start=1):
        event = Event()
        event.add("uid", session_uid(s))
        event.add("dtstamp", stamp)
        event.add("dtstart", clock.local(s.starts_at).astimezone(UTC))
        event.add("dtend", clock.local(s.ends_at).astimezone(UTC))
        event.add("summary", o.title if count == 1 else f"{o.title} (session {n} of {count})")
        if s.location:
            event.add("location", s.location)
        event.add("description", description)
        event.add("url", url)
        cal.add_component(event)
    return cal.to_ical()
