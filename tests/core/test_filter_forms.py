"""List filters (GET forms): what a visitor did not send means 'any'; a wrong value is explained."""
import pytest

PAGES = [
    ("staff", "/staff/proposals", "state=bogus", "Choose a state from the list."),
    ("admin", "/admin/users", "role=bogus", "Choose a role from the list."),
    ("anon", "/learning", "grant_type=bogus", "Choose action or study."),
]


def _page(browser, world, persona, url):
    browser.reset()
    if persona != "anon":
        browser.login(getattr(world, persona))
    resp = browser.get(url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("persona,url,bad,message", PAGES)
@pytest.mark.parametrize("query", ["", "?q=reading", "?page=1"])
def test_untouched_filters_are_not_errors(browser, world, persona, url, bad, message, query):
    page = _page(browser, world, persona, url + query)
    assert 'id="error-summary"' not in page
    assert 'aria-invalid="true"' not in page


@pytest.mark.parametrize("persona,url,bad,message", PAGES)
def test_a_wrong_filter_value_is_explained(browser, world, persona, url, bad, message):
    page = _page(browser, world, persona, f"{url}?{bad}")
    assert 'id="error-summary"' in page and message in page
