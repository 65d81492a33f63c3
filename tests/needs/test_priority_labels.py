"""A school or topic name with a control character (stored by an import, not through a form) does not take
the priorities page down for everyone: the chart draws it with U+FFFD and is still well-formed SVG."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from app.core.charts import bar_chart
from app.extensions import db


def _svg(page: str) -> str:
    return page[page.index("<svg"):page.index("</svg>") + len("</svg>")]


def test_priorities_page_draws_a_school_and_topic_named_with_control_characters(login_as, world, factory):
    lw = world.learning
    world.school.name = "Mather\x02 Elementary\x1b"  # not NUL: PostgreSQL stores no NUL at all
    lw.topics[0].name = "Lit\x01eracy\x7f"
    db.session.flush()  # as an import would write them, past every form
    for _ in range(5):
        factory.response(lw.survey, {t: 4 for t in lw.topics}, respondent=factory.user("educator", school=world.school))
    db.session.commit()
    resp = login_as(world.staff).get(f"/priorities?school={world.school.id}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    svg = _svg(page)
    assert 'role="img"' in svg and "Lit\ufffderacy\ufffd" in svg and "Mather\ufffd Elementary\ufffd" in svg
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", svg)
    ET.fromstring(svg)  # an XML parser reads the chart (it refuses control characters)


def test_a_chart_label_with_a_control_character_is_drawn_with_a_replacement():
    svg = str(bar_chart("Ratings\x00", ["a\x00b", "c\x1bd", "tab\tok"], [1, 2, 3], name="Chart\x07"))
    assert "a\ufffdb" in svg and "c\ufffdd" in svg and 'aria-label="Chart\ufffd"' in svg
    ET.fromstring(svg)
