"""Access matrix for people from the district's systems: the CSV import, its template and the export
are for admins and program staff (staff may not touch staff or admin accounts: tests/people)."""
from __future__ import annotations

from io import BytesIO

from tests.access import Case

STAFF_AND_ADMIN = {"staff": 200, "admin": 200}


def _import(w) -> dict:
    body = (b"name,email,school,job_title,roles,side,active\r\n"
            b"Nia Newton,nia.newton@example.org,Mather Elementary,Classroom teacher,educator,,yes\r\n")
    return {"file": (BytesIO(body), "people.csv")}


CASES = [
    Case("admin.import_people", lambda w: "/admin/people/import", expect=STAFF_AND_ADMIN),
    Case("admin.import_people", lambda w: "/admin/people/import", method="POST", data=_import,
         expect={"staff": 302, "admin": 302}),
    Case("admin.import_template", lambda w: "/admin/people/import/template.csv", expect=STAFF_AND_ADMIN),
    Case("admin.export_people", lambda w: "/admin/people/export.csv", expect=STAFF_AND_ADMIN),
    Case("admin.export_people", lambda w: "/admin/people/export.csv?role=reviewer&side=BTU&q=r", expect=STAFF_AND_ADMIN,
         label="filtered"),
]
