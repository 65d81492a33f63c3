"""The PL request form after a refused submit (WCAG 3.3.1, 1.3.1): each problem is shown beside the field it
is about, that field is marked ``aria-invalid`` and described by its message, and the error summary at the
top links to it; each problem is listed once."""
from __future__ import annotations

import html as html_lib
import re


def _field_attrs(page: str, field_id: str) -> str:
    m = re.search(r'<(?:input|select|textarea)[^>]*\bid="' + re.escape(field_id) + r'"[^>]*>', page)
    assert m, f"no field {field_id}"
    return m.group(0)


def test_a_refused_submit_links_each_problem_to_its_field(login_as, world):
    browser = login_as(world.lead)
    resp = browser.post("/pl/requests/new", {"title": "My typed title", "rationale": "My typed reason", "submit": "1"})
    assert resp.status_code == 422
    page = html_lib.unescape(resp.get_data(as_text=True))
    summary = page[page.index('id="error-summary"'):page.index("</div>", page.index('id="error-summary"'))]
    assert "autofocus" in page[page.rindex("<div", 0, page.index('id="error-summary"')):page.index('id="error-summary"') + 60]
    expected = {
        "opportunity": "Choose the opportunity from the catalog, or describe it: its title and its provider.",
        "cost": "Give the cost (enter 0 if it is free).",
        "starts_on": "Give the dates: when it starts and when it ends.",
        "rationale": "Explain why: choose the need it addresses.",
    }
    assert "There are 4 problems to fix" in summary
    for field_id, message in expected.items():
        assert f'href="#{field_id}"' in summary and message in summary
        attrs = _field_attrs(page, field_id)
        assert 'aria-invalid="true"' in attrs
        assert f"{field_id}-error" in re.search(r'aria-describedby="([^"]*)"', attrs).group(1)
        assert re.search(r'id="' + field_id + r'-error"[^>]*>\s*' + re.escape(message), page)
        assert page.count(message) == 2  # in the summary and beside the field, nowhere else
    assert 'aria-invalid' not in _field_attrs(page, "title")  # what was fine is not marked
    assert 'value="My typed title"' in page  # and what was typed is kept
