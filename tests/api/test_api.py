"""The open API on the demo data: each list is what its public page lists (same items, same order, same
filters, same totals), pages link to each other, an unchanged answer is 304, a bad parameter is 422 with
its reason and never a 500, the document is valid OpenAPI 3.1 and the reference page is linked and drawn
from it."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from app.catalog import opportunities as catalog
from app.core import clock
from app.needs import priorities as priority_svc
from app.needs.surveys import latest_survey
from app.sharing import gallery
from tests.sharing.test_gallery_pages import slugs


def opportunity_slugs(html: str) -> list[str]:
    return re.findall(r'data-opportunity="([^"]+)"', html)


def get_json(client, url: str, status: int = 200):
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.data[:300])
    assert resp.mimetype == "application/json"
    return resp.get_json()


def walk(client, url: str) -> list[dict]:
    """Every item of a list, following ``links.next`` from the first page to the last."""
    items, seen = [], 0
    while url:
        body = get_json(client, url.removeprefix("http://127.0.0.1:5000"))
        items += body["items"]
        seen += 1
        assert body["paging"]["page"] == seen
        url = body["links"]["next"]
    assert seen == body["paging"]["pages"]
    return items


# -- the gallery -------------------------------------------------------------------------------------
def test_learning_summaries_are_the_gallerys_in_its_order_with_files_and_schools(ctx, client):
    body = get_json(client, "/api/v1/learning-summaries")
    page = client.get("/learning").get_data(as_text=True)
    assert [s["slug"] for s in body["items"]] == slugs(page)
    total = gallery.gallery_page(gallery.GalleryFilters())[0].total
    assert body["paging"] == {"page": 1, "per_page": 12, "pages": max(1, -(-total // 12)), "total": total}
    assert body["links"]["first"] == "http://127.0.0.1:5000/api/v1/learning-summaries"
    assert body["links"]["prev"] is None
    with_files = [s for s in body["items"] if s["files"]]
    assert with_files, "the demo shares files with some summaries"
    f = with_files[0]["files"][0]
    assert client.get(f["url"].removeprefix("http://127.0.0.1:5000")).status_code == 200
    assert all(s["schools"] and s["tags"] for s in body["items"])
    every = walk(client, "/api/v1/learning-summaries")
    assert len(every) == total and len({s["slug"] for s in every}) == total


def test_learning_filters_match_the_gallerys(ctx, client):
    body = get_json(client, "/api/v1/learning-summaries")
    topic = body["filters"]["topic"][0]
    year = body["filters"]["year"][0]["value"]
    for query in (f"topic={topic['value']}", f"year={year}", "q=family", "grant_type=study&school_level=high",
                  f"q=students&topic={topic['value']}"):
        api = get_json(client, f"/api/v1/learning-summaries?{query}")
        assert [s["slug"] for s in api["items"]] == slugs(client.get(f"/learning?{query}").get_data(as_text=True))
    filtered = get_json(client, f"/api/v1/learning-summaries?topic={topic['value']}")
    assert filtered["paging"]["total"] == topic["count"]
    assert all(topic["value"] in [t["slug"] for t in s["tags"]] for s in filtered["items"])


# -- the catalog -------------------------------------------------------------------------------------
def test_pl_opportunities_are_the_catalogs_with_seats_left_and_sessions(ctx, client):
    for query in ("", "past=true", "cost=free", "provider=outside", "q=literacy", "past=true&page=2"):
        api = get_json(client, f"/api/v1/pl-opportunities?{query}")
        page_query = query.replace("past=true", "past=y")
        page = client.get(f"/catalog/?{page_query}").get_data(as_text=True)
        assert [o["slug"] for o in api["items"]] == opportunity_slugs(page), query
    every = walk(client, "/api/v1/pl-opportunities?past=true")
    assert len(every) == catalog.catalog_page(catalog.CatalogFilters(past=True))[0].total
    full = [o for o in every if o["capacity"] is not None and o["seats_left"] == 0]
    assert full, "the demo has a full workshop"
    assert all(o["sessions"] and o["sessions"][0]["starts_at"].endswith("Z") for o in every)
    assert get_json(client, "/api/v1/pl-opportunities?past=true&page=999")["paging"]["page"] == \
        get_json(client, "/api/v1/pl-opportunities?past=true")["paging"]["pages"]


# -- priorities --------------------------------------------------------------------------------------
def test_priorities_are_the_rollup_over_the_privacy_threshold(ctx, client):
    body = get_json(client, "/api/v1/priorities")
    rollup = priority_svc.rollup(latest_survey(clock.today()))
    assert [t["topic"] for t in body["district"]["topics"]] == [f.term.name for f in rollup.district.topics]
    assert body["district"]["responses"] == rollup.district.responses
    threshold = body["survey"]["privacy_threshold"]
    assert body["schools"] and all(s["responses"] >= threshold for s in body["schools"])
    assert {s["name"] for s in body["schools"]} == {s.name for s in rollup.shown_schools}
    assert set(body["schools_not_shown"]) == {s.name for s in rollup.hidden_schools}
    hidden = [s for s in rollup.schools if s.suppressed and s.school is not None]
    assert hidden, "the demo has a school under the threshold"
    one = get_json(client, f"/api/v1/priorities?school={hidden[0].school.id}")
    assert one["schools"] == []  # a school under the threshold is never broken down, even when asked for
    shown = rollup.shown_schools[0]
    one = get_json(client, f"/api/v1/priorities?school={shown.school.id}&survey={body['survey']['id']}")
    assert [s["name"] for s in one["schools"]] == [shown.name]
    assert [t["topic"] for t in one["schools"][0]["topics"]] == [f.term.name for f in shown.topics]


# -- caching, bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/api/v1/learning-summaries?q=family", "/api/v1/pl-opportunities",
                                 "/api/v1/priorities", "/api/v1/openapi.json"])
def test_an_unchanged_answer_is_304(ctx, client, url):
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("url,parameter,words", [
    ("/api/v1/learning-summaries?year=abc", "year", "integer"),
    ("/api/v1/learning-summaries?year=1999", "year", "greater than or equal to 2000"),
    ("/api/v1/learning-summaries?year=2001", "year", "Choose a year from the list"),
    ("/api/v1/learning-summaries?topic=no-such-topic", "topic", "Choose a topic from the list"),
    ("/api/v1/learning-summaries?school_level=college", "school_level", "elementary"),
    ("/api/v1/learning-summaries?q=" + "a" * 201, "q", "at most 200 characters"),
    ("/api/v1/learning-summaries?q=bad%00word", "q", "control character"),
    ("/api/v1/learning-summaries?page=0", "page", "greater than or equal to 1"),
    ("/api/v1/learning-summaries?page=99999999999999999999", "page", "less than or equal to 100000"),
    ("/api/v1/pl-opportunities?past=maybe", "past", "boolean"),
    ("/api/v1/pl-opportunities?grade_band=%ff%fe", "grade_band", "Choose a grade band from the list"),
    ("/api/v1/priorities?survey=999999", "survey", "Choose a survey from the list"),
    ("/api/v1/priorities?school=99999999999999", "school", "less than or equal to"),
])
def test_a_bad_parameter_is_422_with_its_reason(ctx, client, url, parameter, words):
    body = get_json(client, url, 422)
    assert body["status"] == 422
    assert [e["parameter"] for e in body["errors"]] == [parameter]
    assert words.lower() in body["errors"][0]["message"].lower()


def test_an_unknown_address_under_the_api_is_json_404(ctx, client):
    body = get_json(client, "/api/v1/no-such-list", 404)
    assert body["title"] == "Not found"
    assert client.post("/api/v1/learning-summaries").status_code in (400, 405)  # read-only


# -- the document and its reference page ---------------------------------------------------------------
def test_the_document_is_valid_openapi_3_1_and_the_reference_page_shows_it(ctx, client):
    doc = get_json(client, "/api/v1/openapi.json")
    validate(doc)  # openapi-spec-validator: raises on any breach of the OpenAPI 3.1 schema
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {"/api/v1/learning-summaries", "/api/v1/pl-opportunities", "/api/v1/priorities"}
    home = client.get("/learning").get_data(as_text=True)
    assert 'href="/api/v1/docs"' in home  # the footer links the reference
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert page.count("<h1") == 1 and "<script" not in page and "cdn" not in page.lower()
    for path, ops in doc["paths"].items():
        assert f"GET {path}" in page and ops["get"]["summary"] in page
    for name, schema in doc["components"]["schemas"].items():
        if "enum" in schema:  # a list of values, spelled out where it is used
            assert "one of: " + ", ".join(schema["enum"]) in page
            continue
        assert f'id="schema-{name}"' in page
        for field in schema.get("properties", {}):
            assert f"<code>{field}</code>" in page
