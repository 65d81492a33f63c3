"""An invisible control character in an opportunity's text, from the staff form or a CSV row, is refused by
name (the one rule, ``app.catalog.opportunities.validate``), never stored."""
from __future__ import annotations

from io import BytesIO

from sqlalchemy import func, select

from app.catalog import opportunities
from app.extensions import db
from app.models import Opportunity

ROW = {"title": "Phonics", "provider_kind": "btu", "format": "virtual", "cost": "0",
       "sessions": "2031-10-07 15:30-17:30 @ Zoom"}


def test_validate_names_the_text_with_a_control_character(app_ctx):
    data, problems = opportunities.validate({**ROW, "title": "Pho\x1bnics", "description": "Line one\n\tline two"})
    assert data is None
    assert problems == [("title", "title has an invisible control character (U+001B); remove it")]
    data, problems = opportunities.validate({**ROW, "sessions": "2031-10-07 15:30-17:30 @ Room\x07 4"})
    assert problems == [("sessions-0-location", "session 1's location has an invisible control character "
                                                "(U+0007); remove it")]


def test_a_csv_row_with_a_control_character_imports_nothing(browser, world):
    browser.login(world.staff)
    body = (b"title,provider_kind,format,cost,sessions\r\n"
            b"Phon\x1bics,btu,in_person,0,2031-10-07 15:30-17:30 @ BTU Hall\r\n")
    resp = browser.post("/catalog/import", {"file": (BytesIO(body), "catalog.csv")}, token_from="/catalog/import",
                        content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "Row 2: title has an invisible control character (U+001B); remove it" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Opportunity.id))) == 0
