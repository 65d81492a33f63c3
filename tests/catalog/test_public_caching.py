"""The public PL catalog, an opportunity's page and its .ics: ETag, 304 without rendering, and a validator
that changes with what the page shows (the opportunities, the seats taken, the day)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.catalog import ics as ics_svc
from app.catalog import opportunities as catalog
from app.core import clock
from app.extensions import db


@pytest.fixture
def shelf(factory):
    phonics = factory.opportunity("Phonics in practice", capacity=20)
    db.session.commit()
    return phonics


@pytest.fixture
def built(monkeypatch):
    counts = {"list": 0, "page": 0, "ics": 0}
    page, cards, calendar = catalog.catalog_page, catalog.cards, ics_svc.calendar_for

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(catalog, "catalog_page", counted("list", page))
    monkeypatch.setattr(catalog, "cards", counted("page", cards))
    monkeypatch.setattr(ics_svc, "calendar_for", counted("ics", calendar))
    return counts


def _urls(o):
    return [("/catalog/", "list"), ("/catalog/?q=phonics", "list"), (f"/catalog/{o.slug}", "page"),
            (f"/catalog/{o.slug}.ics", "ics")]


def test_each_public_catalog_page_answers_304_without_being_built(browser, shelf, built):
    for url, kind in _urls(shelf):
        first = browser.get(url)
        assert first.status_code == 200 and first.headers["ETag"], url
        assert "no-cache" in first.headers["Cache-Control"], url
        before = built[kind]
        again = browser.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", url
        assert built[kind] == before, url


def test_a_registration_an_edit_or_a_new_day_changes_the_validator(browser, factory, world, shelf, monkeypatch):
    url = f"/catalog/{shelf.slug}"
    etags = {u: browser.get(u).headers["ETag"] for u in ("/catalog/", url)}

    def changed() -> bool:
        answers = {u: browser.get(u, headers={"If-None-Match": etags[u]}) for u in etags}
        for u, resp in answers.items():
            if resp.status_code == 200:
                etags[u] = resp.headers["ETag"]
        return all(resp.status_code == 200 for resp in answers.values())

    assert not changed()
    factory.registration(shelf, world.lead)
    db.session.commit()
    assert changed()
    assert "19 left" in browser.get(url).get_data(as_text=True)

    shelf.title = "Phonics in practice, spring"
    shelf.updated_at = clock.now() + timedelta(seconds=5)
    db.session.commit()
    assert changed()

    tomorrow = clock.today() + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    assert changed()


def test_staff_pages_carry_no_validator(browser, world, shelf):
    browser.login(world.staff)
    resp = browser.get("/catalog/")
    assert resp.status_code == 200 and "ETag" not in resp.headers
    assert "no-store" in resp.headers["Cache-Control"]
