"""Keyboard focus is visible, and the sign-in form's error summary leads to the fields."""
from __future__ import annotations

import pytest

from app.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

FOCUSED_OUTLINE = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  return {tag: el.tagName, text: el.textContent.trim(), id: el.id,
          style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor};
}"""


def _focused(page):
    return page.evaluate(FOCUSED_OUTLINE)


def test_the_first_tab_reaches_the_skip_link_and_focus_is_visible(visitor):
    v = visitor()
    v.goto("/login")
    v.page.keyboard.press("Tab")
    first = _focused(v.page)
    assert (first["tag"], first["text"]) == ("A", "Skip to main content")
    assert first["style"] != "none" and first["width"] >= 2, first
    assert v.page.get_by_role("link", name="Skip to main content").is_visible()

    v.page.keyboard.press("Enter")
    assert _focused(v.page)["id"] == "main"

    # Onward to the form: every stop shows where focus is.
    for _ in range(6):
        v.page.keyboard.press("Tab")
        now = _focused(v.page)
        if now["id"] == "email":
            break
    assert now["id"] == "email", "Tab from the main content should reach the email field"
    assert now["style"] != "none" and now["width"] >= 2, now


def test_focus_is_visible_on_a_signed_in_page(visitor, factory):
    lead = factory.user("educator", name="Lena Lead")
    db.session.commit()
    v = visitor(lead)
    v.goto("/")
    v.page.keyboard.press("Tab")
    first = _focused(v.page)
    assert first["text"] == "Skip to main content"
    assert first["style"] != "none" and first["width"] >= 2, first
    v.page.keyboard.press("Tab")
    second = _focused(v.page)
    assert second["tag"] == "A" and second["style"] != "none" and second["width"] >= 2, second


def test_the_login_error_summary_links_to_each_field(visitor):
    v = visitor()
    v.goto("/login")
    v.page.get_by_role("button", name="Sign in").click()
    v.page.wait_for_load_state()
    v.check_a11y()

    summary = v.page.get_by_role("alert")
    assert summary.get_by_role("heading", name="There are 2 problems to fix").is_visible()
    email_link = summary.get_by_role("link", name="Email: Enter your email address.")
    password_link = summary.get_by_role("link", name="Password: Enter your password.")
    assert email_link.get_attribute("href") == "#email"
    assert password_link.get_attribute("href") == "#password"

    email = v.page.get_by_label("Email")
    assert email.get_attribute("aria-invalid") == "true"
    assert "email-error" in email.get_attribute("aria-describedby")
    assert v.page.locator("#email-error").inner_text() == "Enter your email address."

    password_link.click()
    assert _focused(v.page)["id"] == "password"
    email_link.click()
    assert _focused(v.page)["id"] == "email"


def test_a_wrong_password_is_explained_and_the_email_is_kept(visitor, factory):
    factory.user("educator", name="Lena Lead", email="lena.lead@example.org")
    db.session.commit()
    v = visitor()
    v.goto("/login")
    v.page.get_by_label("Email").fill("lena.lead@example.org")
    v.page.get_by_label("Password").fill("not-my-password")
    v.page.get_by_role("button", name="Sign in").click()
    v.page.wait_for_load_state()
    v.check_a11y()
    assert "/login" in v.page.url
    link = v.page.get_by_role("alert").get_by_role("link")
    assert link.inner_text() == "Password: That email and password do not match an active account."
    assert v.page.get_by_label("Email").input_value() == "lena.lead@example.org"
    assert v.page.get_by_label("Password").input_value() == ""
