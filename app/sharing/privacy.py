"""The privacy check on a learning summary, before it is published.

It looks at everything the public would read (the title, the Markdown body as typed, each public
artifact's description and file name) for:

- email addresses;
- US phone numbers: (617) 555-0123, 617-555-0123, 617.555.0123, 617 555 0123, +1 617 555 0123,
  1-617-555-0123 and a bare 10-digit 6175550123;
- student-ID-like numbers: BPS student IDs are 6 to 9 digits. Years (2026), money ($1,500,
  $150000, 1,250.00), dates (2026-09-15, 9/15/2026, 20260915) and numbers inside a phone number or
  an email address are not flagged;
- any name on the summary's block list (whole words, any case, any spacing between the words).

Each finding becomes a ``PrivacyFlag`` (kind, match, a short context). A flag is resolved when the
text no longer holds it (running the check again notices) or overridden by staff with a reason.

The team sees its flags (``for_team``: each flag's passage and why it was flagged, never the block list
itself) on its summary editor, and is told when a check raises new ones (``run_check``). Adding a name to
the block list, or taking one off, runs the check again at once (the list is the summary's own, so that
summary is the one it may affect).
``LearningSummary.privacy_checked_at`` is set when the check runs; any change to the text clears it
(the check is then out of date), keeping the overrides whose text is still there.

The operations here flush; the request pipeline (``app.web.run``) commits once. A refusal is a
``PrivacyError`` (an ``app.core.errors.FormError``) naming the form field it belongs beside.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.cases import notify
from app.cases.advance import record_event
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import BlockedName, FlagKind, FlagStatus, LearningSummary, PrivacyFlag, User

CONTEXT_CHARS = 40  # on each side of a match
NAME_MAX = 120
MATCH_MAX = 200
CONTEXT_MAX = 400

EMAIL_RE = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

# A US number: optional +1 / 1, area code (optionally in parentheses), exchange and line,
# separated by a space, a dot or a hyphen; or ten digits written together.
PHONE_RE = re.compile(
    r"""
    (?<![\w$.,/+-])
    (?:
        (?:\+?1[\s.-]?)?                      # country code
        (?:\(\d{3}\)\s?|\d{3}[\s.-])          # area code
        \d{3}[\s.-]\d{4}                      # exchange and line
      |
        (?:\+?1)?\d{10}                       # ten digits together
    )
    (?![\w]|[.,/-]\d)
    """,
    re.VERBOSE,
)

# Six to nine digits standing alone: not part of a longer number, a decimal, a money amount, a date.
STUDENT_ID_RE = re.compile(r"(?<![\w$.,/])(?<!\$\s)\d{6,9}(?![\w]|[.,/]\d)")
MONEY_WORDS = re.compile(r"\s*(?:dollars|usd)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: FlagKind
    match: str
    context: str

    @property
    def key(self) -> tuple[FlagKind, str]:
        return flag_key(self.kind, self.match)


def flag_key(kind: FlagKind, match: str) -> tuple[FlagKind, str]:
    """Two findings are the same flag when kind and text agree (any case, any spacing)."""
    return kind, " ".join(match.split()).casefold()


def _context(text: str, start: int, end: int, where: str) -> str:
    before = text[max(0, start - CONTEXT_CHARS):start]
    after = text[end:end + CONTEXT_CHARS]
    snippet = " ".join(
        (("…" if start > CONTEXT_CHARS else "") + before + text[start:end] + after
         + ("…" if end + CONTEXT_CHARS < len(text) else "")).split()
    )
    out = f"{where}: {snippet}" if where else snippet
    return out[:CONTEXT_MAX]


def _looks_like_date(digits: str) -> bool:
    """An eight-digit run such as 20260915 (year, month, day) is a date, not an ID."""
    if len(digits) != 8:
        return False
    try:
        d = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return 1900 <= d.year <= 2100


def scan_text(text: str, where: str = "", names: Iterable[str] = ()) -> list[Finding]:
    """Every finding in one piece of text, in order of appearance."""
    text = text or ""
    found: list[tuple[int, Finding]] = []
    taken: list[tuple[int, int]] = []

    def overlaps(start: int, end: int) -> bool:
        return any(start < e and s < end for s, e in taken)

    for m in EMAIL_RE.finditer(text):
        taken.append(m.span())
        found.append((m.start(), Finding(FlagKind.EMAIL, m.group()[:MATCH_MAX], _context(text, *m.span(), where))))
    for m in PHONE_RE.finditer(text):
        if overlaps(*m.span()):
            continue
        taken.append(m.span())
        found.append((m.start(), Finding(FlagKind.PHONE, m.group()[:MATCH_MAX], _context(text, *m.span(), where))))
    for m in STUDENT_ID_RE.finditer(text):
        if overlaps(*m.span()) or _looks_like_date(m.group()) or MONEY_WORDS.match(text, m.end()):
            continue
        found.append((m.start(), Finding(FlagKind.STUDENT_ID, m.group(), _context(text, *m.span(), where))))
    for name in names:
        words = name.split()
        if not words:
            continue
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)
        for m in pattern.finditer(text):
            found.append((m.start(), Finding(FlagKind.BLOCKED_NAME, m.group()[:MATCH_MAX],
                                             _context(text, *m.span(), where))))
    return [f for _, f in sorted(found, key=lambda pair: pair[0])]


def _parts(summary: LearningSummary) -> list[tuple[str, str]]:
    """(where, text) for everything the public would read."""
    parts = [("Title", summary.title or ""), ("Summary", summary.body or "")]
    for a in summary.artifacts:
        parts.append((f"Description of {a.filename}", a.description or ""))
        # File names join words with _ - or .: read them as words.
        parts.append(("File name", re.sub(r"[_.-]+", " ", a.filename.rsplit(".", 1)[0])))
    return parts


def find(summary: LearningSummary) -> list[Finding]:
    """Distinct findings (one per kind and text), each with the context of its first place."""
    names = [b.name for b in summary.blocked_names]
    seen: dict[tuple[FlagKind, str], Finding] = {}
    for where, text in _parts(summary):
        for f in scan_text(text, where, names):
            seen.setdefault(f.key, f)
    return list(seen.values())


@dataclass(frozen=True)
class CheckResult:
    new: int
    still_open: int
    resolved: int
    overridden: int

    @property
    def message(self) -> str:
        if not (self.new or self.still_open):
            kept = f" {self.overridden} overridden flag{'s' if self.overridden != 1 else ''} kept." \
                if self.overridden else ""
            return "Privacy check passed: nothing to resolve." + kept
        open_count = self.new + self.still_open
        return (f"Privacy check found {open_count} open flag{'s' if open_count != 1 else ''} "
                f"({self.new} new). Ask the team to fix the text, or override a flag with a reason.")


# Why each kind of flag matters, in the team's words (the block list's names are never listed).
TEAM_REASONS = {
    FlagKind.EMAIL: ("An email address: the public gallery would show it to anyone. Take it out, or ask "
                     "program staff to allow it if it is meant to be public (a school's main office, say)."),
    FlagKind.PHONE: ("A phone number: the public gallery would show it to anyone. Take it out, or ask program "
                     "staff to allow it if it is meant to be public (a school's main office, say)."),
    FlagKind.STUDENT_ID: ("A number that looks like a student ID (6 to 9 digits). Take it out; if it is not an "
                          "ID (a count, an amount), write it another way or ask program staff to allow it."),
    FlagKind.BLOCKED_NAME: ("A name program staff asked to keep out of this summary (a student's name, say). "
                            "Take it out, or describe the person without naming them."),
}


@dataclass(frozen=True)
class TeamFlag:
    """One flag as the team reads it: where, the passage (split around what was found), why, and what
    became of it (open; or allowed by staff, with their reason)."""

    id: int
    kind_label: str
    where: str
    before: str
    found: str
    after: str
    reason: str
    is_open: bool
    allowed_reason: str
    still_there: bool  # False: the team changed the text since; the next check resolves it


def _passage(flag: PrivacyFlag) -> tuple[str, str, str, str]:
    """(where, before, found, after) of a flag's context ("Where: …text…"), the found text picked out."""
    where, _, text = flag.context.partition(": ")
    if not text:
        where, text = "", flag.context
    at = text.casefold().find(" ".join(flag.match.split()).casefold())
    if at < 0:
        return where, text, "", ""
    end = at + len(" ".join(flag.match.split()))
    return where, text[:at], text[at:end], text[end:]


def for_team(summary: LearningSummary | None) -> list[TeamFlag]:
    """The flags the team has to act on (open), then those staff allowed (overridden); resolved ones are gone.
    Each with its passage and reason; the block list itself is not shown."""
    if summary is None:
        return []
    flags = [f for f in summary.flags if f.status is not FlagStatus.RESOLVED]
    flags.sort(key=lambda f: (f.status is not FlagStatus.OPEN, f.id or 0))
    present = {f.key for f in find(summary)} if flags else set()
    out = []
    for f in flags:
        where, before, found, after = _passage(f)
        out.append(TeamFlag(f.id, f.kind.label, where, before, found, after, TEAM_REASONS[f.kind],
                            f.status is FlagStatus.OPEN,
                            f.override_reason or "" if f.status is FlagStatus.OVERRIDDEN else "",
                            flag_key(f.kind, f.match) in present))
    return out


def _tell_team(summary: LearningSummary, result: CheckResult, actor: User) -> None:
    """New flags: each active team member (but the actor) is told how many passages to change, and where to
    see them (the mail names no passage: it may hold what must stay private)."""
    proposal = summary.proposal
    open_count = result.new + result.still_open
    link = notify.absolute_url("summaries.edit", proposal_id=proposal.id) + "#privacy-flags"
    path = notify.app_path("summaries.edit", proposal_id=proposal.id) + "#privacy-flags"
    for user in proposal.team.members:
        if not user.active or user.id == actor.id:
            continue
        body = notify.render_body("privacy_flags.txt", recipient=user, case=proposal, new=result.new,
                                  open_count=open_count, link=link)
        subject = f"Privacy check: {open_count} passage{'s' if open_count != 1 else ''} to change in your summary"
        notify.queue(user, notify.subject_for(subject, proposal), body, proposal, path)


def run_check(summary: LearningSummary, actor: User) -> CheckResult:
    """Check the summary now: new findings open, gone ones resolved, overrides kept while they match."""
    now = clock.now()
    findings = {f.key: f for f in find(summary)}
    existing = {flag_key(f.kind, f.match): f for f in summary.flags}
    new = still_open = resolved = overridden = 0
    for key, flag in existing.items():
        finding = findings.get(key)
        if finding is None:
            if flag.status is not FlagStatus.RESOLVED:
                flag.status = FlagStatus.RESOLVED
                flag.resolved_at = now
                flag.resolved_by_id = actor.id
                resolved += 1
            continue
        flag.context = finding.context
        if flag.status is FlagStatus.OVERRIDDEN:
            overridden += 1
        elif flag.status is FlagStatus.RESOLVED:
            # The text came back: the flag opens again.
            flag.status = FlagStatus.OPEN
            flag.resolved_at = None
            flag.resolved_by_id = None
            flag.found_at = now
            new += 1
        else:
            still_open += 1
    for key, finding in findings.items():
        if key not in existing:
            summary.flags.append(PrivacyFlag(kind=finding.kind, match=finding.match, context=finding.context,
                                             status=FlagStatus.OPEN, found_at=now))
            new += 1
    summary.privacy_checked_at = now
    result = CheckResult(new, still_open, resolved, overridden)
    record_event(summary.proposal, "privacy_check", actor, comment=result.message,
                 data={"open": new + still_open, "new": new, "resolved": resolved, "overridden": overridden})
    if new:
        _tell_team(summary, result, actor)
    db.session.flush()
    return result


def mark_stale(summary: LearningSummary) -> None:
    """The text changed: the last check no longer holds. Overrides stay while their text is still there."""
    summary.privacy_checked_at = None
    present = {f.key for f in find(summary)}
    now = clock.now()
    for flag in summary.flags:
        if flag.status is FlagStatus.OVERRIDDEN and flag_key(flag.kind, flag.match) not in present:
            flag.status = FlagStatus.RESOLVED
            flag.resolved_at = now


class PrivacyError(FormError):
    """A refusal staff read (``str(exc)``); given as [(field, sentence)], it belongs beside that field."""


def add_blocked_name(summary: LearningSummary, name: str, actor: User) -> CheckResult:
    """Add ``name`` to the summary's block list, then run the check again at once (the team is told of what
    it raises). Returns the check's result."""
    name = " ".join((name or "").split())
    if not name:
        raise PrivacyError([("name", "Type the name to block.")])
    if len(name) > NAME_MAX:
        raise PrivacyError([("name", f"Keep the name to {NAME_MAX} characters or fewer.")])
    if not re.search(r"\w", name):
        raise PrivacyError([("name", "A name needs at least one letter.")])
    if any(b.name.casefold() == name.casefold() for b in summary.blocked_names):
        raise PrivacyError([("name", f"“{name}” is already on the block list.")])
    blocked = BlockedName(name=name, added_by_id=actor.id, added_at=clock.now())
    summary.blocked_names.append(blocked)
    # The name itself may be a student's: it stays off the case's timeline.
    record_event(summary.proposal, "block_name", actor, comment="A name was added to the privacy block list.")
    db.session.flush()
    return run_check(summary, actor)  # the list changed: check again now


def remove_blocked_name(summary: LearningSummary, blocked: BlockedName, actor: User) -> CheckResult:
    """Take a name off the block list, then run the check again at once (its flag resolves)."""
    summary.blocked_names.remove(blocked)
    db.session.delete(blocked)
    record_event(summary.proposal, "unblock_name", actor, comment="A name was removed from the privacy block list.")
    db.session.flush()
    return run_check(summary, actor)


def override_flag(flag: PrivacyFlag, reason: str, actor: User) -> PrivacyFlag:
    reason = (reason or "").strip()
    if not reason:
        raise PrivacyError([("reason", "Give the reason this flag can be published as it is.")])
    if flag.status is not FlagStatus.OPEN:
        raise PrivacyError(f"This flag is already {flag.status.label.lower()}.")
    flag.status = FlagStatus.OVERRIDDEN
    flag.override_reason = reason
    flag.resolved_at = clock.now()
    flag.resolved_by_id = actor.id
    record_event(flag.summary.proposal, "override_privacy_flag", actor, comment=reason,
                 data={"flag_id": flag.id, "kind": flag.kind.value})
    db.session.flush()
    return flag


__all__ = [
    "CheckResult", "Finding", "PrivacyError", "TeamFlag", "add_blocked_name", "find", "flag_key", "for_team",
    "mark_stale",
    "override_flag", "remove_blocked_name", "run_check", "scan_text",
]
