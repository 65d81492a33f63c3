"""Access matrix for the PL catalog: browsing, an opportunity's page and its .ics are public (anonymous
included); an unpublished opportunity is 404 for everyone but program staff; creating, editing,
importing and exporting are program staff's alone."""
from __future__ import annotations

from app.extensions import db
from tests.access import Case
from tests.factories import Factory

STAFF_ONLY = {"staff": 200}


def hidden(world):
    """An unpublished opportunity (made once per world)."""
    found = getattr(world, "_catalog_hidden", None)
    if found is None:
        world.learning  # noqa: B018 (the taxonomy and the published entries)
        found = Factory().opportunity("Draft workshop not yet announced", published=False)
        db.session.commit()
        world._catalog_hidden = found
    return found


def _form(w) -> dict:
    lw = w.learning
    return {
        "title": "Math talks in grades 3-5", "description": "Number talks.", "provider_kind": "bps",
        "provider_name": "", "format": "virtual", "cost": "0", "capacity": "20", "pdps": "4", "hours": "4",
        "url": "", "contact_email": "", "published": "y", "topics": [lw.topics[2].name],
        "sessions-0-id": "", "sessions-0-day": "2031-10-07", "sessions-0-starts": "15:30",
        "sessions-0-ends": "17:30", "sessions-0-location": "Zoom",
    }


def _import(w) -> dict:
    from io import BytesIO

    w.learning  # noqa: B018
    body = (b"title,provider_kind,format,cost,sessions\r\n"
            b"Imported workshop,btu,in_person,0,2031-10-07 15:30-17:30 @ BTU Hall\r\n")
    return {"file": (BytesIO(body), "catalog.csv")}


CASES = [
    Case("catalog.index", lambda w: "/catalog/", public=True, default=200,
         missing=None),
    Case("catalog.index", lambda w: "/catalog/?q=read&topic=nonsense&cost=paid&past=y&page=99", public=True,
         default=200, label="search-and-bad-input"),
    Case("catalog.show", lambda w: f"/catalog/{w.learning.free.id}", public=True, default=200,
         missing=lambda w: "/catalog/999999", missing_as="anon"),
    Case("catalog.show", lambda w: f"/catalog/{w.learning.paid.slug}", public=True, default=200, label="by-slug"),
    Case("catalog.show", lambda w: f"/catalog/{hidden(w).slug}", public=True, default=404, expect=STAFF_ONLY,
         label="unpublished"),
    Case("catalog.ics", lambda w: f"/catalog/{w.learning.free.slug}.ics", public=True, default=200,
         missing=lambda w: "/catalog/no-such-workshop.ics", missing_as="anon"),
    Case("catalog.ics", lambda w: f"/catalog/{hidden(w).id}.ics", public=True, default=404, expect=STAFF_ONLY,
         label="unpublished"),
    Case("catalog.new", lambda w: "/catalog/new", expect=STAFF_ONLY),
    Case("catalog.new", lambda w: "/catalog/new", method="POST", data=_form, expect={"staff": 302}),
    Case("catalog.edit", lambda w: f"/catalog/{w.learning.free.id}/edit", expect=STAFF_ONLY,
         missing=lambda w: "/catalog/999999/edit"),
    Case("catalog.edit", lambda w: f"/catalog/{w.learning.paid.id}/edit", method="POST", data=_form,
         expect={"staff": 302}, missing=lambda w: "/catalog/999999/edit"),
    Case("catalog.import_csv", lambda w: "/catalog/import", expect=STAFF_ONLY),
    Case("catalog.import_csv", lambda w: "/catalog/import", method="POST", data=_import, expect={"staff": 302}),
    Case("catalog.import_template", lambda w: "/catalog/import/template.csv", expect=STAFF_ONLY),
    Case("catalog.export_csv", lambda w: "/catalog/export.csv", expect=STAFF_ONLY),
]
