"""People from the district's systems: a CSV import that creates and updates accounts by email, and an
export that the import reads back unchanged.

The file's columns are ``COLUMNS`` (the first row names them, in any order; ``name`` and ``email`` are
required, the others optional). A person is found by email, whatever its capitals. ``import_people``
reads the whole file, checks every row against the same rules as the admin's form
(``app.people.accounts``) and against who is importing, and then writes all of it or none of it: when
any row has a problem nothing is written and every problem is named by its row number (the line of the
file, the header being row 1) with what to do about it.

What a cell means:

* A column left out of the file leaves that detail as it is for people already here (new people get
  the default: no school, "Classroom teacher", the educator role, no side, active).
* ``school`` and ``side`` say what is true: a blank cell means no school, no side.
* ``job_title``, ``roles`` and ``active``, when blank, leave an existing person's value as it is (a
  new person gets the default above): a district's file that knows no roles does not take them away.
* ``roles``: role names or their labels (``educator; reviewer``, ``Program staff``), separated by ``;``.
* ``active``: ``yes`` or ``no``: ``no`` deactivates (and signs the person out everywhere).

Who: admins import anything. Program staff import too, but a row that would give or take away the
``staff`` or ``admin`` role, or change an existing staff or admin account, is refused for them; nobody
deactivates or demotes themselves. New people get no password: they sign in once they have set one
(an invitation, a reset) or through single sign-on.

Fast at the district's size: the rows are checked in memory, the people already here are read in one
statement for the emails plus two per thousand found, and the writes go a few statements per thousand
people. 50,000 rows take seconds (``benchmarks/people_import.py`` prints the figures).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.core import clock, csvfile
from app.core.values import control_character
from app.extensions import db
from app.models import Role, School, Side, User, UserRole
from app.models.people import SIDED_ROLES, new_session_token
from app.people import accounts, history, invitations
from app.people.accounts import PeopleError

COLUMNS = ("name", "email", "school", "job_title", "roles", "side", "active")
REQUIRED_COLUMNS = ("name", "email")
MAX_ROWS = 50_000
MAX_CELL = 1_000  # past this a cell is not a name, an email or a school
JOB_TITLE_MAX = 80
EMAIL_MAX = 254
ROWS_SHOWN = 100  # the bad rows the page lists; the count of the others follows them
DEFAULT_JOB_TITLE = "Classroom teacher"
PRIVILEGED = {Role.STAFF, Role.ADMIN}

SAVE_AS_CSV = "In your spreadsheet choose Save As, then “CSV UTF-8 (Comma delimited) (.csv)”, and upload that file."
EMAIL_RE = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ufffe\uffff]")  # what control_character finds, quickly
YES = {"yes", "y", "true", "1", "active"}
NO = {"no", "n", "false", "0", "inactive", "deactivated"}
# Header spellings a spreadsheet may use for our columns ("Job title", "E-mail").
HEADER_ALIASES = {"job": "job_title", "title": "job_title", "e_mail": "email", "email_address": "email",
                  "full_name": "name", "school_name": "school", "role": "roles"}


class ImportRefused(PeopleError):
    """Nothing was imported: ``errors`` about the file as a whole, ``row_errors`` as (row, [problems])."""

    def __init__(self, errors: list[str], row_errors: list[tuple[int, list[str]]]):
        self.errors, self.row_errors = errors, row_errors
        super().__init__([*errors, *(f"Row {line}: " + " ".join(p) for line, p in row_errors[:ROWS_SHOWN])]
                         or ["Nothing was imported."])

    @property
    def rows_shown(self) -> list[tuple[int, list[str]]]:
        return self.row_errors[:ROWS_SHOWN]

    @property
    def rows_not_shown(self) -> int:
        return max(len(self.row_errors) - ROWS_SHOWN, 0)


@dataclass
class ImportResult:
    """What an import did: the ids of the people it added and of those it changed, how many it left as
    they were."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    invited: int = 0

    def summary(self) -> str:
        def people(n: int) -> str:
            return f"{n:,} {'person' if n == 1 else 'people'}"

        return (f"Imported the file: {people(len(self.created))} added, {len(self.updated):,} updated, "
                f"{self.unchanged:,} unchanged." + (f" Emailed {people(self.invited)} an invitation to set a password."
                                                     if self.invited else ""))

    def new_people(self, batch: int = 1000) -> Iterator[User]:
        """The people added, loaded a thousand at a time (to invite them, say)."""
        for i in range(0, len(self.created), batch):
            yield from db.session.scalars(select(User).where(User.id.in_(self.created[i:i + batch]))
                                          .order_by(User.id))


# -- reading the file ----------------------------------------------------------------------------
def _column(header: str) -> str:
    key = re.sub(r"[\s-]+", "_", header.strip().lstrip("\ufeff").strip().lower())
    return HEADER_ALIASES.get(key, key)


def _shown(raw: str, limit: int = 40) -> str:
    raw = "".join(ch if ch.isprintable() else "?" for ch in raw)
    return "‘" + (raw if len(raw) <= limit else raw[:limit] + "…") + "’"


def _decode(data: bytes) -> tuple[str | None, str | None]:
    """The file's text, or why it cannot be read as a CSV file."""
    if data.startswith(b"PK\x03\x04"):
        return None, "This is an Excel workbook (.xlsx), not a CSV file. " + SAVE_AS_CSV
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 20:
        return None, "The file is saved as UTF-16 (Unicode text), not as CSV UTF-8. " + SAVE_AS_CSV
    if data.startswith(b"%PDF") or b"\x00" in data[:1024].split(b"\n", 1)[0]:
        return None, "This is not a CSV file (it holds binary data). " + SAVE_AS_CSV
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return None, (f"The file is not saved as UTF-8: row {line} has a character that is not UTF-8 (often an "
                      f"accented letter saved by an older “CSV” format). " + SAVE_AS_CSV)


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    if "," not in first:
        for other in (";", "\t"):
            if other in first:
                return other
    return ","


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[str]]:
    """The columns and data rows as (row number, {column: cell}), or why the file as a whole is refused."""
    if not data.strip():
        return [], [], ["The file is empty: it has no header row and no people. The first row names the "
                        "columns: " + ", ".join(COLUMNS) + "."]
    text, problem = _decode(data)
    if problem:
        return [], [], [problem]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    columns: list[str] = []
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            return [], [], ["The first row is blank: it must name the columns: " + ", ".join(COLUMNS) + "."]
        columns = [_column(h) for h in header]
        errors = _header_problems(header, columns)
        if errors:
            return columns, [], errors
        rows: list[tuple[int, dict[str, str]]] = []
        line = reader.line_num
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                return columns, [], [f"The file has more than {MAX_ROWS:,} people; split it into files of "
                                     f"{MAX_ROWS:,} rows or fewer and import each."]
            if len(values) > len(columns) and any(v.strip() for v in values[len(columns):]):
                rows.append((start, {"__extra__": str(len(values) - len(columns))}))
                continue
            rows.append((start, {c: csvfile.unescape(v.strip()) for c, v in zip(columns, values, strict=False) if c}))
    except csv.Error as exc:
        return columns, [], [f"Row {reader.line_num} could not be read as CSV ({exc}). " + SAVE_AS_CSV]
    if not rows:
        return columns, [], ["The file has a header row but no people under it."]
    return columns, rows, []


def _header_problems(header: list[str], columns: list[str]) -> list[str]:
    errors = []
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        errors.append(f"The first row has no column called {' or '.join(missing)}. The first row names the "
                      f"columns: {', '.join(COLUMNS)} ({' and '.join(REQUIRED_COLUMNS)} are required).")
    unknown = [h for h, c in zip(header, columns, strict=True) if c and c not in COLUMNS]
    if unknown:
        errors.append("The first row has column" + ("s" if len(unknown) > 1 else "") + " this import does not "
                      "know: " + ", ".join(_shown(u.strip()) for u in unknown[:10])
                      + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
                      + ". Delete " + ("them" if len(unknown) > 1 else "it") + ", or rename to one of: "
                      + ", ".join(COLUMNS) + ".")
    if "" in columns and any(h.strip() for h in header):
        errors.append(f"Column {columns.index('') + 1} of the first row has no name: name it (one of "
                      + ", ".join(COLUMNS) + ") or delete the column.")
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        errors.append("The first row names a column more than once: " + ", ".join(duplicated)
                      + ". Keep one of each.")
    return errors


# -- the rules for one row -----------------------------------------------------------------------
KEEP = object()  # "leave it as it is" (a blank cell that keeps the current value, or a column left out)


@dataclass
class Wanted:
    """What one row asks for; ``KEEP`` for what it leaves as it is."""

    line: int
    email: str
    name: str
    school: object  # School | None | KEEP
    job_title: object  # str | KEEP
    roles: object  # list[Role] | KEEP
    side: object  # Side | None | KEEP
    active: object  # bool | KEEP


def _role_key(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name.strip().lower())


# A role by its value or its label, whatever the capitals, spaces, hyphens or underscores.
ROLE_NAMES = {_role_key(name): role for role in Role for name in (role.value, role.label)}


def _role(raw: str) -> Role | None:
    return ROLE_NAMES.get(_role_key(raw))


ROLE_WORDS = ", ".join(r.value for r in Role)


def _check_row(line: int, row: dict[str, str], schools: dict[str, School], known: dict[str, int],
               problems: list[str]) -> Wanted | None:
    """What the row asks (None when ``problems`` got any). ``known``: the emails here already (lower
    case), each valid whatever its shape (the admin's form may have taken an address this import would
    not)."""
    for column, value in row.items():
        if len(value) > MAX_CELL:
            problems.append(f"The {column.replace('_', ' ')} cell has {len(value):,} characters: this is not a "
                            f"{column.replace('_', ' ')}; check that the columns are where the first row says.")
            row[column] = ""
        elif CONTROL.search(value) and (ch := control_character(value, multiline=False)):
            problems.append(f"The {column.replace('_', ' ')} cell holds an invisible control character "
                            f"({'a NUL byte' if ch == chr(0) else f'U+{ord(ch):04X}'}): delete it from the cell.")
            row[column] = ""
    email = row.get("email", "").lower()
    if not email:
        problems.append("The email is blank: every row needs the person's email address (it is how the "
                        "import finds them).")
    elif email not in known and (len(email) > EMAIL_MAX or not EMAIL_RE.match(email)):
        problems.append(f"The email {_shown(email)} is not a valid email address: write it like "
                        "name@bostonpublicschools.org, one address per row.")
    try:
        name = accounts._clean_name(row.get("name"))
    except PeopleError as exc:
        problems.append(exc.messages[0].replace("Enter the person's name.", "The name is blank: write the "
                                                "person's name."))
        name = ""
    school: object = KEEP
    if "school" in row:
        school = None
        if row["school"]:
            school = schools.get(row["school"].lower())
            if school is None:
                problems.append(f"There is no school called {_shown(row['school'], 80)}: write the school's name "
                                "as the Schools page shows it (capitals do not matter), add the school first, or "
                                "leave the cell blank for no school.")
    job_title: object = KEEP
    if row.get("job_title"):
        job_title = row["job_title"]
        if len(job_title) > JOB_TITLE_MAX:
            problems.append(f"The job title has {len(job_title)} characters: keep it to {JOB_TITLE_MAX} or fewer.")
    roles: object = KEEP
    if row.get("roles"):
        names = [n for n in re.split(r"[;,]", row["roles"]) if n.strip()]
        roles = sorted({r for n in names if (r := _role(n)) is not None}, key=lambda r: r.value)
        unknown = [n.strip() for n in names if _role(n) is None]
        if unknown:
            problems.append("The roles cell has " + ", ".join(_shown(u) for u in unknown[:5]) + ", which "
                            + ("is not a role" if len(unknown) == 1 else "are not roles") + f": use {ROLE_WORDS} "
                            "(or their names on the People page), separated by ;.")
    side: object = KEEP
    if "side" in row:
        side = None
        if row["side"]:
            side = next((s for s in Side if s.value == row["side"].upper()), None)
            if side is None:
                problems.append(f"The side {_shown(row['side'])} is not a side: write BTU or BPS, or leave the cell "
                                "blank (only reviewers and co-chairs have a side).")
                side = KEEP
    active: object = KEEP
    if row.get("active"):
        word = row["active"].lower()
        active = True if word in YES else False if word in NO else KEEP
        if active is KEEP:
            problems.append(f"The active cell says {_shown(row['active'])}: write yes or no (or leave it blank "
                            "to keep the account as it is).")
    if problems:
        return None
    return Wanted(line, email, name, school, job_title, roles, side, active)


@dataclass
class Current:
    """A person already here, as plain values (a file may name 50,000 of them: no ORM object each)."""

    id: int
    email: str
    name: str
    school_id: int | None
    job_title: str
    side: Side | None
    active: bool
    roles: list[str]  # their values, sorted

    @property
    def details(self) -> dict:
        return {"email": self.email, "name": self.name, "roles": self.roles,
                "side": self.side.value if self.side else None, "school_id": self.school_id,
                "job_title": self.job_title, "active": self.active}


def _outcome(w: Wanted, cur: Current | None) -> dict:
    """The person's details after the row, in the shape of ``Current.details``."""
    def pick(value, current, default):
        return value if value is not KEEP else (current if cur is not None else default)

    roles = pick(w.roles, cur.roles if cur else None, [Role.EDUCATOR])
    roles = sorted(r.value if isinstance(r, Role) else r for r in roles)
    school = pick(w.school, KEEP, None)
    side = pick(w.side, cur.side if cur else None, None)
    if w.side is KEEP and not {Role(r) for r in roles} & SIDED_ROLES:
        side = None  # a side follows the roles: no reviewer or co-chair role, no side
    return {"email": cur.email if cur else w.email, "name": w.name, "roles": roles,
            "side": side.value if side else None,
            "school_id": cur.school_id if school is KEEP else (school.id if school else None),
            "job_title": pick(w.job_title, cur.job_title if cur else None, DEFAULT_JOB_TITLE),
            "active": pick(w.active, cur.active if cur else None, True)}


def _refusals(cur: Current | None, after: dict, actor: User, actor_is_admin: bool) -> list[str]:
    """What is wrong with the row's outcome, and why ``actor`` may not make its change (none: fine)."""
    problems = []
    try:
        accounts._clean_roles_and_side(after["roles"], after["side"])
    except PeopleError as exc:
        problems.append({
            "side": "Reviewers and co-chairs belong to a side: write BTU or BPS in the side cell."
            if {Role(r) for r in after["roles"]} & SIDED_ROLES else
            "Only reviewers and co-chairs belong to a side: leave the side cell blank, or give the reviewer or "
            "co-chair role.",
        }.get(exc.field, exc.messages[0]))
    if cur is not None and cur.details == after:
        return problems
    had = {Role(r) for r in cur.roles} if cur else set()
    will = {Role(r) for r in after["roles"]}
    if cur is not None and cur.id == actor.id:
        if Role.ADMIN in had and Role.ADMIN not in will:
            problems.append("This row is you: you cannot take away your own admin role; ask another admin.")
        if not after["active"]:
            problems.append("This row is you: you cannot deactivate your own account; ask another admin.")
    if not actor_is_admin:
        if had & PRIVILEGED:
            problems.append(f"{cur.name} is program staff or an admin: only an admin can change their account. "
                            "Take the row out of the file, or ask an admin to import it.")
        elif (will - had) & PRIVILEGED:
            problems.append("Only an admin can give the program staff or admin role: take it out of the roles "
                            "cell, or ask an admin to import this row.")
    return problems


# -- the import ----------------------------------------------------------------------------------
BATCH = 1000


def _batches(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _known_emails() -> dict[str, int]:
    """Every email here (lower case) and its person's id, in one statement."""
    return {email: uid for uid, email in db.session.execute(select(User.id, func.lower(User.email)))}


def _existing(emails: Iterable[str], known: dict[str, int]) -> dict[str, Current]:
    """The people already here with these emails (lower case): two statements for each thousand people
    found, whatever the size of the file."""
    ids = {known[email]: email for email in emails if email in known}
    found: dict[str, Current] = {}
    for chunk in _batches(sorted(ids)):
        roles: dict[int, list[str]] = {}
        for uid, role in db.session.execute(select(UserRole.user_id, UserRole.role)
                                            .where(UserRole.user_id.in_(chunk))):
            roles.setdefault(uid, []).append(role.value)
        for uid, email, name, school_id, job_title, side, active in db.session.execute(
                select(User.id, User.email, User.name, User.school_id, User.job_title, User.side, User.active)
                .where(User.id.in_(chunk))):
            found[ids[uid]] = Current(uid, email, name, school_id, job_title, side, active,
                                      sorted(roles.get(uid, [])))
    return found


@dataclass
class Plan:
    """A file checked: each row's (what it asks, the person it is about or None, their details after it)."""

    rows: list[tuple[Wanted, Current | None, dict]]
    school_names: dict[int, str]


def check(data: bytes, actor: User) -> Plan:
    """Every row of the file checked, writing nothing; ``ImportRefused`` naming every problem when there
    is any."""
    columns, rows, errors = read_rows(data)
    if errors:
        raise ImportRefused(errors, [])
    all_schools = list(db.session.scalars(select(School)))
    schools = {s.name.strip().lower(): s for s in all_schools}
    known = _known_emails()
    row_errors: list[tuple[int, list[str]]] = []
    wanted: list[Wanted] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        problems: list[str] = []
        if "__extra__" in row:
            row_errors.append((line, [f"It has {row['__extra__']} more cell(s) than the first row has columns: "
                                      "a comma inside a cell needs the cell in quotes."]))
            continue
        w = _check_row(line, row, schools, known, problems)
        email = row.get("email", "").lower()
        if email and email in first_line:
            problems.append(f"The email {email} is also on row {first_line[email]}: each person once per file "
                            "(delete one of the two rows).")
        elif email:
            first_line[email] = line
        if problems:
            row_errors.append((line, problems))
        elif w is not None:
            wanted.append(w)
    people = _existing((w.email for w in wanted), known)
    plan = Plan([], {s.id: s.name for s in all_schools})
    actor_is_admin = actor.has_role(Role.ADMIN)
    for w in wanted:
        cur = people.get(w.email)
        after = _outcome(w, cur)
        problems = _refusals(cur, after, actor, actor_is_admin)
        if problems:
            row_errors.append((w.line, problems))
        else:
            plan.rows.append((w, cur, after))
    if row_errors:
        raise ImportRefused([], sorted(row_errors))
    return plan


def too_large(max_bytes: int) -> str:
    size = f"{max_bytes / 1048576:g} MB" if max_bytes >= 1048576 else f"{max_bytes // 1024} KB"
    return (f"The file is larger than {size}. Split it into smaller files, each with the header row at the "
            "top, and import them one after the other.")


def import_file(stream, actor: User, max_bytes: int, invite: bool = False) -> ImportResult:
    """An uploaded file (a stream) imported, refused past ``max_bytes`` without reading the rest."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImportRefused([too_large(max_bytes)], [])
    return import_people(data, actor, invite=invite)


def import_people(data: bytes, actor: User, invite: bool = False) -> ImportResult:
    """The file imported, all of it (the caller commits once), or ``ImportRefused`` and nothing written.
    Each person added or changed gets the events the admin's form records, by ``actor``. The writes go
    in a few statements per thousand people. With ``invite``, each new active person is emailed an
    invitation to set a password (``invitations.invite_many``; none while single sign-on is required).
    Two imports adding the same new email at the same moment: the second is refused, nothing written."""
    plan = check(data, actor)
    db.session.flush()  # what the session holds is written before the statements below
    result = ImportResult()
    changed = []
    for _w, cur, after in plan.rows:
        if cur is not None and cur.details == after:
            result.unchanged += 1
        elif cur is not None:
            changed.append((cur, after))
    result.updated = _update(changed, plan.school_names, actor)
    try:
        with db.session.begin_nested():
            result.created = _create([(w, after) for w, cur, after in plan.rows if cur is None], actor)
    except IntegrityError:
        raise ImportRefused(["Someone added some of these people while this file was being imported. Nothing "
                             "was imported: upload the file again."], []) from None
    if invite and result.created:
        result.invited = invitations.invite_many(result.new_people(), actor)
    return result


def _recorded(details: dict, school_names: dict[int, str]) -> dict:
    """Details in the words of the person's history (``accounts._snapshot``: the school by name)."""
    return {"email": details["email"], "name": details["name"], "roles": details["roles"], "side": details["side"],
            "school": school_names.get(details["school_id"]), "job_title": details["job_title"]}


def _update(changed: list[tuple[Current, dict]], school_names: dict[int, str], actor: User) -> list[int]:
    """Save the changes (by primary key, a statement per thousand) and record them; the people changed
    that the session holds are read afresh."""
    if not changed:
        return []
    db.session.execute(update(User), [
        {"id": cur.id, "name": after["name"], "school_id": after["school_id"], "job_title": after["job_title"],
         "side": Side(after["side"]) if after["side"] else None, "active": after["active"]} for cur, after in changed])
    leaving = [{"id": cur.id, "session_token": new_session_token()}
               for cur, after in changed if cur.active and not after["active"]]
    if leaving:  # whoever holds a session or a remember-me cookie of theirs is out
        db.session.execute(update(User), leaving)
    new_roles = [(cur, after) for cur, after in changed if cur.roles != after["roles"]]
    for chunk in _batches(new_roles):
        db.session.execute(delete(UserRole).where(UserRole.user_id.in_([cur.id for cur, _ in chunk]))
                           .execution_options(synchronize_session=False))
        db.session.execute(insert(UserRole), [{"user_id": cur.id, "role": Role(r)}
                                              for cur, after in chunk for r in after["roles"]])
    events = []
    for cur, after in changed:
        events += [(cur.id, trigger, data) for trigger, data in accounts.change_events(
            _recorded(cur.details, school_names), _recorded(after, school_names))]
        if cur.active != after["active"]:
            events.append((cur.id, "reactivated" if after["active"] else "deactivated", {"source": "import"}))
    history.record_many(events, actor)
    ids = {cur.id for cur, _ in changed}
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, User) and obj.id in ids:
            db.session.expire(obj)
    return [cur.id for cur, _ in changed]


def _create(new: list[tuple[Wanted, dict]], actor: User) -> list[int]:
    """The new people, their roles and their "account created" events, a few statements per thousand
    people; their ids in the file's order. No password: ``password_hash`` is empty."""
    if not new:
        return []
    now = clock.now()
    db.session.execute(insert(User.__table__), [
        {"email": w.email, "name": after["name"], "password_hash": "", "side": Side(after["side"])
         if after["side"] else None, "school_id": after["school_id"], "job_title": after["job_title"],
         "active": after["active"], "session_token": new_session_token(), "created_at": now} for w, after in new])
    ids: dict[str, int] = {}
    for chunk in _batches([w.email for w, _ in new]):
        ids.update((email, uid) for uid, email in db.session.execute(
            select(User.id, User.email).where(User.email.in_(chunk))))
    db.session.execute(insert(UserRole.__table__), [{"user_id": ids[w.email], "role": Role(r)}
                                                    for w, after in new for r in after["roles"]])
    history.record_many([(ids[w.email], "account_created", {"source": "import", "changes": {
        "email": {"before": None, "after": w.email}, "roles": {"before": [], "after": after["roles"]}}})
        for w, after in new], actor)
    return [ids[w.email] for w, _ in new]


# -- the export ----------------------------------------------------------------------------------
def row_of(user: User) -> dict[str, str]:
    return {"name": user.name, "email": user.email, "school": user.school.name if user.school else "",
            "job_title": user.job_title, "roles": "; ".join(sorted(user.role_names)),
            "side": user.side_name or "", "active": "yes" if user.active else "no"}


def export_rows(users: Iterable[User]) -> Iterator[list[str]]:
    """The people in the import's columns (``COLUMNS``), as the one CSV rule writes them (app/core/csvfile.py),
    so the import reads an export back to the same people."""
    for user in users:
        row = row_of(user)
        yield [row[c] for c in COLUMNS]


def export_csv(users: Iterable[User]) -> bytes:
    return csvfile.to_bytes(COLUMNS, export_rows(users))


TEMPLATE_ROWS = [
    {"name": "Ana Souza", "email": "asouza@bostonpublicschools.org", "school": "", "job_title": "Classroom teacher",
     "roles": "educator", "side": "", "active": "yes"},
    {"name": "Marcus Lee", "email": "mlee@btu.org", "school": "", "job_title": "Instructional coach",
     "roles": "educator; reviewer", "side": "BTU", "active": "yes"},
]


def template_csv() -> bytes:
    """A file to fill in: the header and two example rows (the school of the first school here, if any)."""
    school = db.session.scalar(select(School.name).order_by(School.name).limit(1)) or ""
    return csvfile.dicts_to_bytes(COLUMNS, ({**row, "school": school} for row in TEMPLATE_ROWS))
