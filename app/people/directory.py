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

Fast at the district's size: the rows are checked in memory, the people already here are found in one
statement for the emails plus one per thousand matches, and the writes go in batches. 50,000 rows
take seconds (``benchmarks/people_import.py`` prints the figure).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.core.values import control_character
from app.extensions import db
from app.models import Role, School, Side, User
from app.models.people import SIDED_ROLES
from app.people import accounts, history
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
ESCAPED = re.compile(r"^'+[=+\-@]")  # a cell the export made safe: one apostrophe more than the text has
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
    created: list[User] = field(default_factory=list)
    updated: list[User] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        def people(n: int) -> str:
            return f"{n:,} {'person' if n == 1 else 'people'}"

        return (f"Imported the file: {people(len(self.created))} added, {len(self.updated):,} updated, "
                f"{self.unchanged:,} unchanged.")


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


def _unescape(value: str) -> str:
    """A cell the export made safe for spreadsheets (``'=...``) read back as it was."""
    return value[1:] if ESCAPED.match(value) else value


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[str]]:
    """The columns and data rows as (row number, {column: cell}), or why the file as a whole is refused."""
    if not data.strip():
        return [], [], ["The file is empty: it has no header row and no people. The first row names the "
                        "columns: " + ", ".join(COLUMNS) + "."]
    text, problem = _decode(data)
    if problem:
        return [], [], [problem]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
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
            rows.append((start, {c: _unescape(v.strip()) for c, v in zip(columns, values, strict=False) if c}))
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


def _role(raw: str) -> Role | None:
    key = re.sub(r"[\s-]+", "_", raw.strip().lower())
    for role in Role:
        if key in (role.value, re.sub(r"[\s-]+", "_", role.label.lower())):
            return role
    return None


ROLE_WORDS = ", ".join(r.value for r in Role)


def _check_row(line: int, row: dict[str, str], schools: dict[str, School], problems: list[str]) -> Wanted | None:
    for column, value in row.items():
        if len(value) > MAX_CELL:
            problems.append(f"The {column.replace('_', ' ')} cell has {len(value):,} characters: this is not a "
                            f"{column.replace('_', ' ')}; check that the columns are where the first row says.")
            row[column] = ""
        elif ch := control_character(value, multiline=False):
            problems.append(f"The {column.replace('_', ' ')} cell holds an invisible control character "
                            f"({'a NUL byte' if ch == chr(0) else f'U+{ord(ch):04X}'}): delete it from the cell.")
            row[column] = ""
    email = row.get("email", "").lower()
    if not email:
        problems.append("The email is blank: every row needs the person's email address (it is how the "
                        "import finds them).")
    elif len(email) > EMAIL_MAX or not EMAIL_RE.match(email):
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


def _outcome(w: Wanted, user: User | None) -> dict:
    """The person's details after the row: the keys of ``accounts._snapshot`` plus ``active``."""
    def pick(value, current, default):
        return value if value is not KEEP else (current if user is not None else default)

    roles = pick(w.roles, sorted(user.role_names) if user else None, [Role.EDUCATOR.value])
    roles = sorted(r.value if isinstance(r, Role) else r for r in roles)
    school = pick(w.school, user.school if user else None, None)
    side = pick(w.side, user.side if user else None, None)
    if w.side is KEEP and not {Role(r) for r in roles} & SIDED_ROLES:
        side = None  # a side follows the roles: no reviewer or co-chair role, no side
    return {"email": user.email if user else w.email, "name": w.name, "roles": roles,
            "side": side.value if side else None, "school": school, "job_title":
            pick(w.job_title, user.job_title if user else None, DEFAULT_JOB_TITLE),
            "active": pick(w.active, user.active if user else None, True)}


def _snapshot(user: User) -> dict:
    return {**accounts._snapshot(user), "school": user.school, "active": user.active}


def _as_recorded(details: dict) -> dict:
    """Details in the words of the person's history (``accounts._snapshot``: the school by name)."""
    school = details["school"]
    return {**{k: v for k, v in details.items() if k != "active"}, "school": school.name if school else None}


def _refusals(w: Wanted, user: User | None, after: dict, actor: User) -> list[str]:
    """Why ``actor`` may not make this row's change (none when they may)."""
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
    before = _snapshot(user) if user is not None else None
    if before is not None and before == after:
        return problems
    had = {Role(r) for r in before["roles"]} if before else set()
    will = {Role(r) for r in after["roles"]}
    is_admin = actor.has_role(Role.ADMIN)
    if user is not None and user.id == actor.id:
        if Role.ADMIN in had and Role.ADMIN not in will:
            problems.append("This row is you: you cannot take away your own admin role; ask another admin.")
        if not after["active"]:
            problems.append("This row is you: you cannot deactivate your own account; ask another admin.")
    if not is_admin:
        if had & PRIVILEGED:
            problems.append(f"{user.name} is program staff or an admin: only an admin can change their account. "
                            "Take the row out of the file, or ask an admin to import it.")
        elif (will - had) & PRIVILEGED:
            problems.append("Only an admin can give the program staff or admin role: take it out of the roles "
                            "cell, or ask an admin to import this row.")
    return problems


# -- the import ----------------------------------------------------------------------------------
def _existing(emails: Iterable[str]) -> dict[str, User]:
    """The people already here with these emails (lower case), in few statements whatever the number."""
    wanted = set(emails)
    ids = {email: uid for uid, email in db.session.execute(select(User.id, func.lower(User.email)))
           if email in wanted}
    found: dict[int, User] = {}
    id_list = sorted(set(ids.values()))
    for i in range(0, len(id_list), 1000):
        for user in db.session.scalars(select(User).where(User.id.in_(id_list[i:i + 1000]))):
            found[user.id] = user
    return {email: found[uid] for email, uid in ids.items()}


def check(data: bytes, actor: User) -> list[tuple[Wanted, User | None, dict]]:
    """Every row of the file checked: (what it asks, the person it is about or None, their details
    after it); ``ImportRefused`` naming every problem when there is any. Writes nothing."""
    columns, rows, errors = read_rows(data)
    if errors:
        raise ImportRefused(errors, [])
    schools = {s.name.strip().lower(): s for s in db.session.scalars(select(School))}
    row_errors: list[tuple[int, list[str]]] = []
    wanted: list[Wanted] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        problems: list[str] = []
        if "__extra__" in row:
            row_errors.append((line, [f"It has {row['__extra__']} more cell(s) than the first row has columns: "
                                      "a comma inside a cell needs the cell in quotes."]))
            continue
        w = _check_row(line, row, schools, problems)
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
    users = _existing(w.email for w in wanted)
    plan = []
    for w in wanted:
        user = users.get(w.email)
        after = _outcome(w, user)
        problems = _refusals(w, user, after, actor)
        if problems:
            row_errors.append((w.line, problems))
        else:
            plan.append((w, user, after))
    if row_errors:
        raise ImportRefused([], sorted(row_errors))
    return plan


def too_large(max_bytes: int) -> str:
    return (f"The file is larger than {max_bytes // (1024 * 1024)} MB. Split it into smaller files, each with the "
            "header row at the top, and import them one after the other.")


def import_file(stream, actor: User, max_bytes: int) -> ImportResult:
    """An uploaded file (a stream) imported, refused past ``max_bytes`` without reading the rest."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImportRefused([too_large(max_bytes)], [])
    return import_people(data, actor)


def import_people(data: bytes, actor: User) -> ImportResult:
    """The file imported, all of it (the caller commits once), or ``ImportRefused`` and nothing written.
    Each person added or changed gets the events the admin's form records, by ``actor``."""
    plan = check(data, actor)
    result = ImportResult()
    for w, user, after in plan:
        if user is None:
            user = User(email=w.email, name=after["name"], password_hash="", side=Side(after["side"]) if after["side"]
                        else None, school=after["school"], job_title=after["job_title"], active=after["active"])
            user.set_roles(after["roles"])
            db.session.add(user)
            result.created.append(user)
            continue
        before = _snapshot(user)
        if before == after:
            result.unchanged += 1
            continue
        user.name, user.school, user.job_title = after["name"], after["school"], after["job_title"]
        user.side = Side(after["side"]) if after["side"] else None
        user.set_roles(after["roles"])
        accounts._record_changes(user, actor, _as_recorded(before), accounts._snapshot(user))
        if before["active"] != after["active"]:
            user.active = after["active"]
            history.record(user, "reactivated" if user.active else "deactivated", actor, {"source": "import"})
            if not user.active:
                user.rotate_session_token()  # whoever holds a session of theirs is out
        result.updated.append(user)
    db.session.flush()
    for user in result.created:
        history.record(user, "account_created", actor, {"source": "import", "changes": {
            "email": {"before": None, "after": user.email},
            "roles": {"before": [], "after": sorted(user.role_names)}}})
    db.session.flush()
    return result


# -- the export ----------------------------------------------------------------------------------
def safe_cell(value) -> str:
    """A spreadsheet must not run a cell as a formula: a cell starting with = + - or @ gets a leading
    apostrophe (the import takes it off again)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") or ESCAPED.match(text) else text


def row_of(user: User) -> dict[str, str]:
    return {"name": user.name, "email": user.email, "school": user.school.name if user.school else "",
            "job_title": user.job_title, "roles": "; ".join(sorted(user.role_names)),
            "side": user.side_name or "", "active": "yes" if user.active else "no"}


def export_csv(users: Iterable[User]) -> bytes:
    """The people in the import's columns, UTF-8 with a BOM (so spreadsheets read the accents); the import
    reads it back to the same people."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for user in users:
        row = row_of(user)
        writer.writerow([safe_cell(row[c]) for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


TEMPLATE_ROWS = [
    {"name": "Ana Souza", "email": "asouza@bostonpublicschools.org", "school": "", "job_title": "Classroom teacher",
     "roles": "educator", "side": "", "active": "yes"},
    {"name": "Marcus Lee", "email": "mlee@btu.org", "school": "", "job_title": "Instructional coach",
     "roles": "educator; reviewer", "side": "BTU", "active": "yes"},
]


def template_csv() -> bytes:
    """A file to fill in: the header and two example rows (the school of the first school here, if any)."""
    school = db.session.scalar(select(School.name).order_by(School.name).limit(1)) or ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in TEMPLATE_ROWS:
        writer.writerow({**row, "school": school})
    return ("\ufeff" + out.getvalue()).encode("utf-8")
