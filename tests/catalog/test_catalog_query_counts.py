"""The catalog sends the same number of SQL statements for 10 opportunities as for 100: the list
(plain, searched and filtered, as a visitor and as staff), an opportunity's page and its .ics."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import PLFormat, ProviderKind, RegistrationStatus, TermKind
from tests.catalog.test_catalog_pages import titles
from tests.sqlcount import statements as counting

KINDS = (ProviderKind.BTU, ProviderKind.BPS, ProviderKind.OUTSIDE)
FORMATS = (PLFormat.IN_PERSON, PLFormat.VIRTUAL, PLFormat.HYBRID)


def build(factory, terms, n: int, label: str, offset: int) -> list:
    made = []
    for i in range(n):
        o = factory.opportunity(
            f"{label} counted workshop {i:03d}", provider_kind=KINDS[i % 3], fmt=FORMATS[i % 3],
            cost="0" if i % 2 else "120.00", capacity=5 if i % 4 == 0 else None, sessions=2,
            terms=[terms[i % 3], terms[3], terms[4]], starts_in_days=offset + i,
        )
        if o.capacity:
            factory.registration(o, factory.user())
            factory.registration(o, factory.user(), status=RegistrationStatus.WAITLISTED)
        made.append(o)
    factory.opportunity(f"{label} draft", published=False, terms=[terms[0]])
    db.session.commit()
    return made


def count(browser, url: str) -> int:
    browser.get(url)  # warm up: first-request work is not the page's
    with counting() as seen:
        resp = browser.get(url)
    assert resp.status_code == 200, url
    return len(seen)


URLS = {
    "list": "/catalog/",
    "search": "/catalog/?q=counted+workshop&topic=literacy&cost=paid&format=in_person&past=y",
}


@pytest.fixture
def terms(factory):
    made = [factory.term(n) for n in ("Literacy", "Math", "Science")]
    made += [factory.term("Grades 3-5", TermKind.GRADE_BAND), factory.term("ELA", TermKind.SUBJECT)]
    db.session.commit()
    return made


def measure(browser, first) -> dict:
    counts = {name: count(browser, url) for name, url in URLS.items()}
    counts["show"] = count(browser, f"/catalog/{first.slug}")
    counts["ics"] = count(browser, f"/catalog/{first.slug}.ics")
    return counts


def test_catalog_statements_do_not_grow_with_opportunities(browser, world, factory, terms):
    few = build(factory, terms, 10, "few", offset=1)
    small = measure(browser, few[0])
    browser.login(world.staff)
    small["staff"] = count(browser, URLS["search"])
    browser.reset()

    build(factory, terms, 90, "many", offset=20)
    assert len(titles(browser.get("/catalog/?page=9"))) == 4  # 100 published, 12 a page
    large = measure(browser, few[0])
    browser.login(world.staff)
    large["staff"] = count(browser, URLS["search"])

    assert small == large, f"statements for 10 opportunities {small}, for 100 {large}"
    assert large["list"] <= 8, large
    browser.reset()
    assert count(browser, "/catalog/?page=9") == large["list"]  # the last page costs what the first does
