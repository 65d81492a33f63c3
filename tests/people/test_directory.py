"""People from the district's systems: the CSV import's rules, all or nothing, who may change what, and
the export that imports back unchanged."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Side, User
from app.people import directory
from app.people.directory import ImportRefused
from tests.sqlcount import statements

HEADER = "name,email,school,job_title,roles,side,active"


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def refused(data: bytes, actor: User) -> ImportRefused:
    with pytest.raises(ImportRefused) as info:
        directory.import_people(data, actor)
    return info.value


def row_problems(exc: ImportRefused) -> dict[int, str]:
    return {line: " ".join(problems) for line, problems in exc.row_errors}


def people_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def events(user: User) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "user",
                                                            AuditEvent.case_id == user.id).order_by(AuditEvent.id)))


@pytest.fixture
def cast(factory):
    class Cast:
        school = factory.school("Mather Elementary")
        other = factory.school("Hernández K-8")
        admin = factory.user("admin", name="Ada Admin", email="ada@example.org")
        staff = factory.user("staff", name="Sam Staff", email="sam@example.org")
        teacher = factory.user("educator", name="Tess Teacher", email="Tess.Teacher@Example.org", school=school)
        reviewer = factory.user("educator", "reviewer", name="Rey Viewer", email="rey@example.org", side="BTU")
    return Cast


# -- creating and updating --------------------------------------------------------------------------
def test_a_good_file_adds_new_people_and_updates_others_by_email_whatever_the_capitals(cast):
    before = people_count()
    result = directory.import_people(csv_bytes(
        "Nia Newton,nia.newton@example.org,mather elementary,Special educator,educator,,yes",
        "Ray Btu,Ray@Example.org,,Instructional coach,Educator; Reviewer,btu,",
        "Tess Teacher-Ortiz,TESS.TEACHER@example.org,Hernández K-8,,,,",
        bom=True), cast.admin)
    assert (len(result.created), len(result.updated), result.unchanged) == (2, 1, 0)
    assert people_count() == before + 2
    nia = User.by_email("nia.newton@example.org")
    assert (nia.name, nia.school, nia.job_title, nia.role_names, nia.side, nia.active) == (
        "Nia Newton", cast.school, "Special educator", {"educator"}, None, True)
    ray = User.by_email("ray@example.org")
    assert ray.email == "ray@example.org" and ray.role_names == {"educator", "reviewer"} and ray.side is Side.BTU
    assert ray.job_title == "Instructional coach"
    # blank job title, roles and active keep what the person had; the school column says the truth
    assert (cast.teacher.name, cast.teacher.school, cast.teacher.job_title, cast.teacher.role_names) == (
        "Tess Teacher-Ortiz", cast.other, "Classroom teacher", {"educator"})
    assert result.summary() == "Imported the file: 2 people added, 1 updated, 0 unchanged."


def test_the_people_added_are_listed_for_what_comes_next_in_the_files_order(cast):
    result = directory.import_people(csv_bytes(*(f"P {i},p{i}@example.org,,,,," for i in range(5)),
                                               "Tess Teacher,tess.teacher@example.org,,,,,"), cast.admin)
    assert [u.email for u in result.new_people(batch=2)] == [f"p{i}@example.org" for i in range(5)]
    assert result.updated == [cast.teacher.id]


def test_new_people_have_no_password_and_cannot_sign_in_with_one(cast):
    directory.import_people(csv_bytes("Nia Newton,nia@example.org,,,,,"), cast.admin)
    nia = User.by_email("nia@example.org")
    assert nia.password_hash == ""
    assert not nia.check_password("")
    assert not nia.check_password("anything-at-all")
    assert nia.role_names == {"educator"} and nia.job_title == "Classroom teacher" and nia.active


def test_each_change_is_in_the_persons_history_by_the_importer(cast):
    directory.import_people(csv_bytes(
        "Nia Newton,nia@example.org,,,educator,,",
        "Tess Teacher,tess.teacher@example.org,Mather Elementary,Librarian,educator; school_leader,,no"), cast.admin)
    nia = User.by_email("nia@example.org")
    (created,) = events(nia)
    assert created.trigger == "account_created" and created.actor_id == cast.admin.id
    assert created.data["changes"]["roles"] == {"before": [], "after": ["educator"]}
    triggers = {e.trigger: e for e in events(cast.teacher)}
    assert set(triggers) == {"roles_changed", "details_changed", "deactivated"}
    assert triggers["details_changed"].data["changes"] == {
        "job_title": {"before": "Classroom teacher", "after": "Librarian"}}
    assert all(e.actor_id == cast.admin.id for e in triggers.values())


def test_deactivating_signs_the_person_out_everywhere(cast):
    token = cast.teacher.session_token
    directory.import_people(csv_bytes("Tess Teacher,tess.teacher@example.org,Mather Elementary,,,,no"), cast.admin)
    assert not cast.teacher.active and cast.teacher.session_token != token


def test_columns_left_out_leave_those_details_as_they_are(cast):
    result = directory.import_people(csv_bytes("rey@example.org,Rey Viewer", header="email,name"), cast.admin)
    assert (len(result.created), len(result.updated), result.unchanged) == (0, 0, 1)
    assert cast.reviewer.side is Side.BTU and cast.reviewer.role_names == {"educator", "reviewer"}


def test_headers_as_a_spreadsheet_writes_them_and_semicolon_separated_files(cast):
    data = "Name;E-mail;Job title;Roles\r\nNia Newton;nia@example.org;Librarian;\"educator; school leader\"\r\n"
    result = directory.import_people(data.encode(), cast.admin)
    nia = db.session.get(User, result.created[0])
    assert nia.job_title == "Librarian" and nia.role_names == {"educator", "school_leader"}


def test_role_labels_are_accepted_whatever_the_capitals(cast):
    directory.import_people(csv_bytes("Co Chair,cc@example.org,,,Co-chair; PROGRAM STAFF; School Leader,BPS,"),
                            cast.admin)
    assert User.by_email("cc@example.org").role_names == {"co_chair", "staff", "school_leader"}


# -- all or nothing, every problem named ------------------------------------------------------------
def test_a_file_with_bad_rows_imports_nothing_and_names_each_row_and_what_to_do(cast):
    before = people_count()
    exc = refused(csv_bytes(
        "Good Person,good@example.org,,,,,",
        "No School,ns@example.org,Atlantis Academy,,,,",
        "Bad Role,br@example.org,,,educator; wizard,,",
        "Bad Email,not-an-email,,,,,",
        ",blank-name@example.org,,,,,",
        "Dup One,dup@example.org,,,,,",
        "Dup Two,DUP@example.org,,,,,",
        "Side Missing,sm@example.org,,,reviewer,,",
        "Side Extra,se@example.org,,,educator,BTU,",
        "Bad Side,bs@example.org,,,reviewer,Union,",
        "Bad Active,ba@example.org,,,,,maybe",
        "Long Title,lt@example.org,," + "x" * 81 + ",,,",
        "Nul\x00Byte,nul@example.org,,,,,",
        "Too,many,cells,,,,,,extra",
    ), cast.admin)
    assert people_count() == before
    assert User.by_email("good@example.org") is None
    problems = row_problems(exc)
    assert sorted(problems) == [3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15]  # row 7 is the first of the two
    assert "There is no school called ‘Atlantis Academy’" in problems[3]
    assert "‘wizard’, which is not a role: use educator, school_leader, reviewer, co_chair, staff, admin" in problems[4]
    assert "The email ‘not-an-email’ is not a valid email address" in problems[5]
    assert "The name is blank" in problems[6]
    assert problems[8] == ("The email dup@example.org is also on row 7: each person once per file "
                           "(delete one of the two rows).")
    assert "Reviewers and co-chairs belong to a side: write BTU or BPS" in problems[9]
    assert "Only reviewers and co-chairs belong to a side" in problems[10]
    assert "The side ‘Union’ is not a side: write BTU or BPS" in problems[11]
    assert "The active cell says ‘maybe’: write yes or no" in problems[12]
    assert "The job title has 81 characters: keep it to 80 or fewer." in problems[13]
    assert "invisible control character (a NUL byte)" in problems[14]
    assert "more cell(s) than the first row has columns" in problems[15]
    assert exc.messages[0].startswith("Row 3: There is no school")


@pytest.mark.parametrize("data,expected", [
    (b"", "The file is empty"),
    (b"  \r\n", "The file is empty"),
    (HEADER.encode() + b"\r\n", "a header row but no people under it"),
    (b"name,school\r\nNia,\r\n", "The first row has no column called email"),
    (b"name,email,colour,shoe size\r\nNia,n@example.org,red,9\r\n",
     "columns this import does not know: ‘colour’, ‘shoe size’. Delete them, or rename to one of: name, email"),
    (b"name,email,email\r\nNia,n@example.org,m@example.org\r\n", "names a column more than once: email"),
    ("name,email\r\nJosé Núñez,jose@example.org\r\n".encode("cp1252"),
     "The file is not saved as UTF-8: row 2 has a character that is not UTF-8"),
    ("name,email\r\nJosé,jose@example.org\r\n".encode("utf-16"), "saved as UTF-16"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "This is an Excel workbook (.xlsx), not a CSV file"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This is not a CSV file"),
])
def test_a_file_that_is_not_a_people_csv_is_refused_saying_why(cast, data, expected):
    exc = refused(data, cast.admin)
    assert exc.row_errors == [] and len(exc.errors) >= 1
    assert expected in " ".join(exc.errors)


def test_a_cell_past_what_csv_reads_is_refused_not_a_crash(cast):
    exc = refused(b"name,email\r\n\"" + b"x" * 200_000 + b"\",a@example.org\r\n", cast.admin)
    assert exc.errors[0].startswith("Row 2 could not be read as CSV (field larger than field limit")
    exc = refused(b"\"" + b"x" * 200_000 + b"\",email\r\n", cast.admin)
    assert exc.errors[0].startswith("Row 1 could not be read as CSV")


def test_a_bad_encoding_says_how_to_save_the_file(cast):
    exc = refused("name,email\r\nJosé,j@example.org\r\n".encode("latin-1"), cast.admin)
    assert "“CSV UTF-8 (Comma delimited) (.csv)”" in exc.errors[0]


def test_utf8_with_a_bom_and_accents_imports(cast):
    result = directory.import_people(csv_bytes("José Núñez,jose@example.org,Hernández K-8,,,,", bom=True), cast.admin)
    jose = db.session.get(User, result.created[0])
    assert jose.name == "José Núñez" and jose.school == cast.other


def test_over_long_values_are_named_not_cut(cast):
    exc = refused(csv_bytes("N" * 121 + ",long@example.org,,,,,", "Z," + "z" * 1400 + "@example.org,,,,,"), cast.admin)
    problems = row_problems(exc)
    assert "Keep the name to 120 characters or fewer." in problems[2]
    assert "The email cell has 1,412 characters" in problems[3]


# -- who may change what ----------------------------------------------------------------------------
def test_staff_import_educators_but_may_not_give_or_take_staff_or_admin(cast):
    before = people_count()
    exc = refused(csv_bytes(
        "Nia Newton,nia@example.org,,,educator,,",
        "New Boss,boss@example.org,,,staff,,",
        "Ada Admin,ada@example.org,,,educator,,",
        "Tess Teacher,tess.teacher@example.org,,,educator; admin,,",
    ), cast.staff)
    assert people_count() == before
    problems = row_problems(exc)
    assert sorted(problems) == [3, 4, 5]
    assert "Only an admin can give the program staff or admin role" in problems[3]
    assert "Ada Admin is program staff or an admin: only an admin can change their account." in problems[4]
    assert "Only an admin can give the program staff or admin role" in problems[5]
    assert cast.admin.role_names == {"admin"}


def test_staff_may_import_a_file_that_lists_staff_and_admins_unchanged(cast):
    data = directory.export_csv(db.session.scalars(select(User).order_by(User.id)))
    result = directory.import_people(data, cast.staff)
    assert result.created == [] and result.updated == []


def test_the_same_rows_are_fine_for_an_admin(cast):
    result = directory.import_people(csv_bytes("New Boss,boss@example.org,,,staff,,",
                                               "Sam Staff,sam@example.org,,,educator,,"), cast.admin)
    assert len(result.created) == 1 and cast.staff.role_names == {"educator"}


def test_nobody_deactivates_or_demotes_themselves(cast):
    exc = refused(csv_bytes("Ada Admin,ada@example.org,,,educator,,no"), cast.admin)
    (problems,) = row_problems(exc).values()
    assert "This row is you: you cannot take away your own admin role" in problems
    assert "This row is you: you cannot deactivate your own account" in problems
    assert cast.admin.active and cast.admin.role_names == {"admin"}
    exc = refused(csv_bytes("Sam Staff,sam@example.org,,,staff,,no"), cast.staff)
    assert "you cannot deactivate your own account" in row_problems(exc)[2]


# -- the export -------------------------------------------------------------------------------------
def test_export_then_import_changes_nothing_and_the_data_is_equal(cast, factory):
    factory.user("educator", name="=HYPERLINK(\"http://evil.example\")", email="formula@example.org")
    factory.user("educator", name="-Ann Minus", email="minus@example.org", school=cast.other)
    factory.user("educator", name="@Handle, \"Quoted\"", email="at@example.org", job_title="+1 coach")
    factory.user("educator", name="'=Already quoted", email="quoted@example.org")
    factory.user("educator", name="José Núñez", email="josé.núñez@example.org")  # the admin's form takes it
    gone = factory.user("educator", "co_chair", name="Olga Gone", email="olga@example.org", side="BPS")
    gone.active = False
    db.session.flush()

    def everyone():
        return db.session.scalars(select(User).order_by(User.id))

    def data():
        return [(u.email, u.name, u.school_id, u.job_title, sorted(u.role_names), u.side, u.active, u.password_hash)
                for u in everyone()]

    exported, before = directory.export_csv(everyone()), data()
    result = directory.import_people(exported, cast.admin)
    assert [directory.row_of(u) for u in result.updated] == []
    assert (len(result.created), len(result.updated), result.unchanged) == (0, 0, len(before))
    assert data() == before
    assert directory.export_csv(everyone()) == exported


def test_export_makes_formulas_harmless_for_spreadsheets(cast, factory):
    factory.user("educator", name="=HYPERLINK(\"http://evil.example\",\"x\")", email="f@example.org",
                 job_title="@SUM(A1)")
    factory.user("educator", name="+Plus", email="p@example.org", job_title="-2+3")
    rows = list(csv.DictReader(io.StringIO(directory.export_csv(
        db.session.scalars(select(User).order_by(User.id))).decode("utf-8-sig"))))
    by_email = {r["email"]: r for r in rows}
    assert by_email["f@example.org"]["name"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert by_email["f@example.org"]["job_title"] == "'@SUM(A1)"
    assert by_email["p@example.org"]["name"] == "'+Plus" and by_email["p@example.org"]["job_title"] == "'-2+3"
    assert by_email["rey@example.org"] == {"name": "Rey Viewer", "email": "rey@example.org", "school": "",
                                           "job_title": "Classroom teacher", "roles": "educator; reviewer",
                                           "side": "BTU", "active": "yes"}
    assert not [value for r in rows for value in r.values() if value.startswith(("=", "+", "-", "@"))]


def test_the_template_imports(cast):
    result = directory.import_people(directory.template_csv(), cast.admin)
    assert len(result.created) == 2
    assert User.by_email("mlee@btu.org").side is Side.BTU


# -- the district's size ----------------------------------------------------------------------------
def _big_file(n: int, school: str, bad_every: int = 0) -> bytes:
    rows = []
    for i in range(n):
        email = f"teacher{i}@bostonpublicschools.org" if not (bad_every and i % bad_every == 0) else f"bad {i}"
        rows.append(f"Teacher {i},{email},{school},Classroom teacher,educator,,yes")
    return csv_bytes(*rows)


def test_the_statements_sent_do_not_grow_with_the_rows(cast):
    """No statement per row: a few per thousand people (benchmarks/people_import.py times 50,000)."""
    with statements() as small:
        directory.import_people(_big_file(100, cast.school.name), cast.admin)
    with statements() as big:
        directory.import_people(_big_file(3_000, cast.school.name).replace(b"teacher", b"t2-"), cast.admin)
    with statements() as again:
        result = directory.import_people(_big_file(3_000, cast.school.name).replace(b"teacher", b"t2-"), cast.admin)
    assert result.unchanged == 3_000
    assert len(small) <= 12
    assert len(big) <= len(small) + 2
    assert len(again) <= len(small) + 2 * 3
    assert db.session.scalar(select(func.count(User.id)).where(User.school_id == cast.school.id)) == 3_101


def test_fifty_thousand_rows_with_problems_name_every_one_and_write_nothing(cast):
    before = people_count()
    exc = refused(_big_file(50_000, cast.school.name, bad_every=10), cast.admin)
    assert len(exc.row_errors) == 5_000
    assert exc.rows_not_shown == 5_000 - directory.ROWS_SHOWN
    assert exc.row_errors[0][0] == 2 and exc.row_errors[-1][0] == 49_992
    assert people_count() == before


def test_more_rows_than_the_limit_are_refused_as_a_whole(cast):
    exc = refused(_big_file(50_001, cast.school.name), cast.admin)
    assert exc.errors == ["The file has more than 50,000 people; split it into files of 50,000 rows or fewer "
                          "and import each."]

