"""What the fuzz test (tests/test_fuzz_forms.py) found, one page each: a hostile value in a form gets the page
again (422) with a message beside the field and what was typed, where it used to be a 500.

Each case starts from the access matrix's valid data for the route (``tests/access``) and changes one field.
"""
from __future__ import annotations

import html

import pytest

from tests.test_access_matrix import CASES

HUGE = "123456789012345678901234567890"


def _case(endpoint: str, label: str = ""):
    return next(c for c in CASES if c.endpoint == endpoint and c.method == "POST" and c.label == label)


FINDINGS = [
    # money: 30 digits or 1e309 overflowed Decimal.quantize (InvalidOperation) before the size was checked
    ("proposals.edit", "", "lead", "amount_requested", HUGE, "That amount is too large"),
    ("proposals.edit", "", "lead", "budget_lines-0-amount", "1e309", "That amount is too large"),
    ("grants.new_expenditure", "", "lead", "amount", HUGE, "That amount is too large"),
    ("grants.reallocate", "", "staff", "amount", "1e309", "That amount is too large"),
    ("pl.new", "", "lead", "cost", HUGE, "That amount is too large"),
    ("pl.new", "", "lead", "hours", "1e309", "Enter fewer than 1,000 hours."),
    ("pl.complete", "", "lead", "hours_completed", HUGE, "Enter fewer than 1,000 hours."),
    ("pl.budgets", "", "staff", "amount", "1e309", "That amount is too large"),
    ("catalog.new", "", "staff", "cost", HUGE, "is too large"),
    # dates outside 2000..2100 (the year 9999 overflowed time zone arithmetic downstream)
    ("catalog.new", "", "staff", "sessions-0-day", "9999-12-31", "(enter a date between 2000 and 2100)"),
    ("pl.new", "", "lead", "starts_on", "0001-01-01", "Enter a date between 2000 and 2100."),
    ("grants.new_expenditure", "", "lead", "spent_on", "9999-12-31", "Enter a date between 2000 and 2100."),
    ("staff.new_cycle", "", "staff", "closes_on", "9999-12-31", "Enter a date between 2000 and 2100."),
    ("surveys.new", "", "staff", "opens_on", "0001-01-01", "Enter a date between 2000 and 2100."),
    # control characters (PostgreSQL refuses a NUL; SQLite stored it)
    ("teams.new", "", "lead", "name", "Math\x00 team", "Remove the invisible control character (a NUL byte)"),
    ("proposals.edit", "", "lead", "plan", "Plan\x1b[31m", "Remove the invisible control character (U+001B)"),
    ("admin.new_school", "", "admin", "name", "School\x7f", "Remove the invisible control character (U+007F)"),
    ("taxonomy.new", "", "staff", "name", "Lit\x01eracy", "Remove the invisible control character (U+0001)"),
]


@pytest.mark.parametrize("endpoint,label,persona,field,value,message", FINDINGS,
                         ids=[f"{e}-{f}-{v[:12]!r}" for e, _l, _p, f, v, _m in FINDINGS])
def test_hostile_value_is_refused_with_a_message_and_kept(browser, world, endpoint, label, persona, field, value,
                                                           message):
    case = _case(endpoint, label)
    data = {**(case.data(world) if case.data else {}), field: value}
    browser.login(getattr(world, persona))
    resp = browser.post(case.url(world), data)
    assert resp.status_code == 422, resp.status_code
    page = html.unescape(resp.get_data(as_text=True))
    assert message in page
    if value.isprintable():
        assert f'value="{value}"' in page or f">\r\n{value}</textarea>" in page


@pytest.mark.parametrize("url,persona", [
    ("/pl/requests/new?opportunity=99999999999999999999", "lead"),
    ("/pl/queue?page=99999999999999999999", "staff"),
    ("/admin/users?q=a%00b", "admin"),
    ("/staff/proposals?q=a%00b&school_id=99999999999999999999", "staff"),
    ("/catalog/?q=a%00b", "anon"),
    ("/learning?q=a%00b", "anon"),
])
def test_hostile_query_text_is_not_a_500(browser, world, url, persona):
    if persona != "anon":
        browser.login(getattr(world, persona))
    assert browser.get(url).status_code == 200


def test_a_refused_text_filter_is_ignored_and_still_shown(browser, world):
    browser.login(world.admin)
    resp = browser.get("/admin/users?q=Mather%00")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Remove the invisible control character (a NUL byte)" in page
    assert world.lead.email in page  # the filter was set aside: everyone is listed
    assert 'value="Mather\x00"' in page  # and the box shows what was typed
