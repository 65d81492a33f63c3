"""Program staff import people from a CSV file in the browser: the import page, a file with a problem
(named on the page, nothing imported), then the corrected file (the people list says what changed).
Every page on the way is checked with axe (``tests/browser/conftest.py``)."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import User

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

HEADER = "name,email,school,job_title,roles,side,active\r\n"


def _choose(v, body: str) -> None:
    v.page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": body.encode()}])


def test_staff_import_people_from_a_file_fixing_a_bad_row_first(visitor, factory):
    school = factory.school("Mather Elementary")
    staff = factory.user("staff", name="Sam Staff")
    db.session.commit()
    v = visitor(staff)
    v.goto("/admin/users")
    v.click(v.page.get_by_role("link", name="Import people from CSV"))
    assert v.page.get_by_role("heading", level=1).inner_text() == "Import people from CSV"

    _choose(v, HEADER + "Nia Newton,nia@example.org,Mather Elementary,,educator,,\r\n"
                        "Ray Btu,ray@example.org,Atlantis Academy,,educator; reviewer,BTU,\r\n")
    v.click(v.page.get_by_role("button", name="Import"))
    assert "Nothing was imported: 1 row to fix" in v.page.content()
    assert "Row 3: There is no school called ‘Atlantis Academy’" in v.page.locator("#row-errors").inner_text()
    assert User.by_email("nia@example.org") is None

    _choose(v, HEADER + "Nia Newton,nia@example.org,Mather Elementary,,educator,,\r\n"
                        "Ray Btu,ray@example.org,,,educator; reviewer,BTU,\r\n")
    v.click(v.page.get_by_role("button", name="Import"))
    assert v.page.url.endswith("/admin/users")
    assert "Imported the file: 2 people added, 0 updated, 0 unchanged." in v.page.content()
    db.session.expire_all()
    assert User.by_email("nia@example.org").school_id == school.id
    assert User.by_email("ray@example.org").role_names == {"educator", "reviewer"}
