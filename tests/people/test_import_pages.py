"""The people import and export pages, as an admin and program staff use them: upload, the result, the
problems named on the page, the downloads, the size limits."""
from __future__ import annotations

import csv
import html
import io
from io import BytesIO

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.people import directory

HEADER = "name,email,school,job_title,roles,side,active\r\n"


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def upload(browser, data: bytes, name: str = "people.csv"):
    return browser.post("/admin/people/import", {"file": (BytesIO(data), name)}, token_from="/admin/people/import",
                        content_type="multipart/form-data")


def people_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_the_people_list_links_to_the_import_and_to_an_export_of_what_it_shows(browser, world):
    browser.login(world.staff)
    page = text(browser.get("/admin/users?role=reviewer&side=BTU"))
    assert 'href="/admin/people/import"' in page
    assert 'href="/admin/people/export.csv?role=reviewer&side=BTU"' in page
    assert "Export these as CSV" in page
    assert "Export everyone as CSV" in text(browser.get("/admin/users"))


def test_an_admin_imports_a_file_and_is_told_what_changed(browser, world):
    browser.login(world.admin)
    page = text(browser.get("/admin/people/import"))
    assert 'href="/admin/people/import/template.csv"' in page and "<h1>Import people from CSV</h1>" in page
    before = people_count()
    resp = upload(browser, ("\ufeff" + HEADER +
                            "Nia Newton,Nia.Newton@example.org,Mather Elementary,Classroom teacher,educator,,yes\r\n"
                            f"{world.member.name},{world.member.email.upper()},,Librarian,,,\r\n").encode())
    assert resp.status_code == 302 and resp.location.endswith("/admin/users")
    assert "Imported the file: 1 person added, 1 updated, 0 unchanged." in text(browser.get(resp.location))
    assert people_count() == before + 1
    nia = User.by_email("nia.newton@example.org")
    assert nia.school == world.school and nia.password_hash == ""
    db.session.refresh(world.member)
    assert world.member.job_title == "Librarian" and world.member.school is None


def test_a_file_with_problems_imports_nothing_and_the_page_names_each_row(browser, world):
    browser.login(world.staff)
    before = people_count()
    resp = upload(browser, (HEADER + "Nia Newton,nia@example.org,,,,,\r\n"
                                     "Bad Email,not an email,,,,,\r\n"
                                     "Boss,boss@example.org,,,admin,,\r\n").encode())
    assert resp.status_code == 422
    page = text(resp)
    assert "Nothing was imported: 2 rows to fix" in page
    assert "Row 3: The email ‘not an email’ is not a valid email address" in page
    assert "Row 4: Only an admin can give the program staff or admin role" in page
    assert 'name="file"' in page and 'name="submission_token"' in page
    assert people_count() == before


def test_a_long_list_of_problems_is_cut_and_says_how_many_more(browser, world):
    browser.login(world.admin)
    rows = "".join(f"Person {i},bad{i},,,,,\r\n" for i in range(250))
    resp = upload(browser, (HEADER + rows).encode())
    assert resp.status_code == 422
    page = text(resp)
    assert "Nothing was imported: 250 rows to fix" in page
    assert page.count("is not a valid email address") == directory.ROWS_SHOWN
    assert "And 150 more rows with problems, not listed here" in page


@pytest.mark.parametrize("data,expected", [
    (b"", "The file is empty"),
    ("name,email\r\nJosé,jose@example.org\r\n".encode("cp1252"), "CSV UTF-8 (Comma delimited)"),
    (b"name,colour\r\nNia,red\r\n", "The first row has no column called email"),
])
def test_a_bad_file_is_explained_on_the_page(browser, world, data, expected):
    browser.login(world.admin)
    resp = upload(browser, data)
    assert resp.status_code == 422
    assert expected.lower() in text(resp).lower()


def test_no_file_chosen_is_explained(browser, world):
    browser.login(world.admin)
    resp = browser.post("/admin/people/import", {}, token_from="/admin/people/import",
                        content_type="multipart/form-data")
    assert resp.status_code == 422 and "CSV file: Choose the CSV file to import." in text(resp)


def test_a_file_past_the_upload_limit_is_refused_saying_what_to_do(app, browser, world):
    browser.login(world.admin)
    saved = app.config["MAX_UPLOAD_BYTES"]
    app.config["MAX_UPLOAD_BYTES"] = 100 * 1024
    try:
        resp = upload(browser, (HEADER + "Nia Newton,nia@example.org,,,,,\r\n" * 4_000).encode())
    finally:
        app.config["MAX_UPLOAD_BYTES"] = saved
    assert resp.status_code == 422
    assert "The file is larger than 100 KB. Split it into smaller files" in text(resp)


def test_a_request_past_the_whole_request_cap_is_a_clear_413(app, browser, world):
    browser.login(world.admin)
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        resp = upload(browser, (HEADER + "Nia Newton,nia@example.org,,,,,\r\n" * 500).encode())
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert resp.status_code == 413
    page = text(resp)
    assert "File too large" in page and "The file is larger than 10 MB. Split it into smaller files" in page
    assert User.by_email("nia@example.org") is None


def test_export_is_a_csv_download_of_what_the_filters_show(browser, world):
    browser.login(world.staff)
    resp = browser.get("/admin/people/export.csv?role=reviewer&side=BTU")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows and {r["side"] for r in rows} == {"BTU"} and all("reviewer" in r["roles"] for r in rows)
    assert "rbtu@example.org" in {r["email"] for r in rows}
    everyone = list(csv.DictReader(io.StringIO(browser.get("/admin/people/export.csv").data.decode("utf-8-sig"))))
    assert len(everyone) == people_count()


def test_export_then_import_through_the_pages_changes_nothing(browser, world):
    browser.login(world.admin)
    exported = browser.get("/admin/people/export.csv").data
    resp = upload(browser, exported, "people-export.csv")
    assert resp.status_code == 302
    n = people_count()
    assert f"Imported the file: 0 people added, 0 updated, {n} unchanged." in text(browser.get(resp.location))
    assert browser.get("/admin/people/export.csv").data == exported


def test_the_template_downloads_and_imports(browser, world):
    browser.login(world.staff)
    template = browser.get("/admin/people/import/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.data.decode("utf-8-sig").splitlines()[0] == ",".join(directory.COLUMNS)
    resp = upload(browser, template.data, "people-import-template.csv")
    assert resp.status_code == 302
    assert "2 people added" in text(browser.get(resp.location))
