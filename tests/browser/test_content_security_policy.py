"""The Content-Security-Policy in Chromium: the chart page and a form page load everything they use
(stylesheets, the chart's nonce'd styles, Bootstrap's data: icons) with nothing blocked, and the
browser really enforces the policy (an inline style without the nonce is refused and reported).

Every page any browser test visits is also checked for CSP violations (``Visitor.check_csp`` in
``tests/browser/conftest.py``)."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import SchoolLevel

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections

TOPICS = ["Culturally responsive teaching", "Literacy", "Math"]


@pytest.fixture
def cast(factory):
    school = factory.school("Mather Elementary", SchoolLevel.ELEMENTARY)
    staff = factory.user("staff", name="Stan Staff", email="stan@example.org")
    educator = factory.user("educator", name="Lena Lead", email="lena@example.org", school=school)
    topics = [factory.term(n, position=i) for i, n in enumerate(TOPICS)]
    survey = factory.survey(topics, created_by=staff, title="2026-27 PL needs survey", threshold=3)
    for _ in range(4):
        factory.response(survey, dict(zip(topics, (5, 3, 1), strict=True)),
                         respondent=factory.user("educator", school=school))
    db.session.commit()
    return {"staff": staff, "educator": educator}


def test_the_chart_page_is_drawn_with_its_styles_and_nothing_blocked(visitor, cast):
    lena = visitor(cast["educator"])
    resp = lena.goto("/priorities")
    assert "'unsafe-inline'" not in resp.headers["content-security-policy"]
    chart = lena.page.locator("svg.pygal-chart").first
    assert chart.get_attribute("aria-label").startswith("Bar chart of the mean need rating")
    # The chart's own <style> applied (allowed by the nonce): its title is drawn at 16px, not the default.
    title = chart.locator("text.title").first
    assert title.evaluate("e => getComputedStyle(e).fontSize") == "16px"
    lena.check_csp()


def test_a_form_page_with_bootstrap_controls_loads_with_nothing_blocked(visitor, cast):
    stan = visitor(cast["staff"])
    stan.goto("/staff/cycles/new")
    # Bootstrap's stylesheet (served by the app) applied: the page is styled, not bare HTML.
    button = stan.page.get_by_role("button", name="Create the cycle")
    assert button.evaluate("e => getComputedStyle(e).borderRadius") != "0px"
    # The rubric table's column widths come from app.css classes, not style="" attributes.
    assert stan.page.locator("th.col-order").first.evaluate("e => getComputedStyle(e).width") == "96px"
    stan.check_csp()


def test_the_browser_enforces_the_policy_and_the_check_sees_it(visitor, cast):
    """A control for the checks above: an inline style without the nonce is refused and reported."""
    lena = visitor(cast["educator"])
    lena.goto("/priorities")
    lena.page.evaluate("""() => {
        const s = document.createElement('style');
        s.textContent = 'body { background: rgb(255, 0, 0); }';
        document.head.appendChild(s);
    }""")
    lena.page.wait_for_timeout(200)
    assert lena.page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    assert any("style-src" in v for v in lena.csp_violations), lena.csp_violations
    lena.csp_violations.clear()  # expected here; the fixture's final check must not fail on it
