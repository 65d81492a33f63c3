"""Forms in Chromium, as a keyboard and screen reader user meets them: after a refused form the focus is on
the error summary (no script: the Content-Security-Policy allows none inline), its link to a radio group
lands on the group's first radio; and what a sighted user must see is measured on the rendered page:
form control borders 3:1 against the page (WCAG 1.4.11), the survey's "Team response" link 4.5:1 against
its box (1.4.3)."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests.core.test_contrast import contrast

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

TOPICS = ["Culturally responsive teaching", "Literacy", "Math"]


def _hex(css_colour: str) -> str:
    """rgb(r, g, b) / rgba(r, g, b, 1) as #rrggbb (the colours measured here are opaque)."""
    r, g, b, *alpha = (float(x) for x in re.findall(r"[\d.]+", css_colour))
    assert not alpha or alpha[0] == 1, css_colour
    return "#" + "".join(f"{round(c):02x}" for c in (r, g, b))


def _background(locator) -> str:
    """The colour behind an element: its own or its nearest ancestor's non-transparent background."""
    return locator.evaluate("""e => {
        for (let n = e; n; n = n.parentElement) {
            const c = getComputedStyle(n).backgroundColor;
            if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
        }
        return 'rgb(255, 255, 255)';
    }""")


@pytest.fixture
def lead(factory):
    school = factory.school("Mather Elementary")
    lead = factory.user("educator", name="Lena Lead", email="lena@example.org", school=school)
    member = factory.user("educator", name="Max Member", school=school)
    factory.team(lead, member, name="Mather Readers")
    topics = [factory.term(n, position=i) for i, n in enumerate(TOPICS)]
    factory.survey(topics, title="2026-27 PL needs survey", threshold=3)
    db.session.commit()
    return lead


def test_a_refused_form_puts_the_focus_on_its_summary_and_its_links_reach_the_fields(visitor, lead):
    v = visitor(lead)
    v.goto("/survey")
    v.click(v.page.get_by_role("button", name=re.compile("Save|Send|Submit")).first)
    summary = v.page.locator("#error-summary")
    assert summary.is_visible()
    # The focus is on the summary: a screen reader reads it, the next Tab goes to its first link.
    assert v.page.evaluate("document.activeElement.id") == "error-summary"
    first = summary.get_by_role("link").first
    assert TOPICS[0] in first.inner_text()
    first.click()
    focused = v.page.evaluate("({type: document.activeElement.type, name: document.activeElement.name})")
    assert focused["type"] == "radio"  # the group's first radio, not its legend (which cannot take focus)
    v.page.keyboard.press("Tab")  # and the keyboard goes on from there
    v.check_a11y()


def test_form_controls_and_the_team_response_link_are_seen_at_wcag_contrast(visitor, lead, factory):
    admin = factory.user("admin", name="Ada Admin", email="ada@example.org")
    db.session.commit()
    v = visitor(lead)
    v.goto("/survey")
    radio = v.page.locator("input.form-check-input[type=radio]").first
    textarea = v.page.locator("textarea.form-control").first
    for control in (radio, textarea):
        border = _hex(control.evaluate("e => getComputedStyle(e).borderTopColor"))
        behind = _hex(_background(control.locator("xpath=..")))
        assert contrast(border, behind) >= 3, f"{border} on {behind}"
    link = v.page.get_by_role("link", name="Team response for Mather Readers")
    colour = _hex(link.evaluate("e => getComputedStyle(e).color"))
    assert contrast(colour, _hex(_background(link))) >= 4.5
    # A required drop-down (a new school's level) starts on an empty "Choose one", not on "Elementary".
    a = visitor(admin)
    a.goto("/admin/schools/new")
    level = a.page.get_by_label("Level")
    assert level.get_attribute("required") is not None
    assert level.evaluate("e => [e.value, e.options[e.selectedIndex].text]") == ["", "Choose one"]
