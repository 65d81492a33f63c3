"""Nothing private leaks through the open API.

The gallery's privacy world (tests/sharing/test_gallery_privacy.py: a published summary on a case full of
private details, summaries in every state short of published, privacy flags, a block list, everyone's email)
plus an unpublished PL opportunity, registrations by named people, a needs survey with comments and a school
under the privacy threshold. Every page of every list (with and without filters, searched for each private
word) is walked; no private word, name or email may appear, and no figure of the small school.
"""
from __future__ import annotations

import json

import pytest

from app.models import TermKind
from tests.factories import tag_term
from tests.sharing.test_gallery_privacy import leaks, seeded  # noqa: F401  (the privacy world, a fixture)

OPPORTUNITY_MARKERS = ["Zqunpubopp", "Zqunpubdesc", "Zqunpubroom", "zqunpubcontact@example.org"]
SURVEY_MARKERS = ["Zqsurveycomment", "Zqteamcomment"]


@pytest.fixture
def api_world(seeded, factory, world):  # noqa: F811
    f, w = factory, world
    f.opportunity(title="Zqunpubopp workshop", description="Zqunpubdesc", location="Zqunpubroom",
                  contact_email="zqunpubcontact@example.org", published=False)
    open_one = f.opportunity(title="Open workshop", capacity=10)
    f.registration(open_one, w.member)
    f.registration(open_one, w.lead)
    literacy, math = tag_term(TermKind.TOPIC, "Literacy"), tag_term(TermKind.TOPIC, "Math")
    survey = f.survey([literacy, math], threshold=2)
    big, small = f.school("Zqbig School"), f.school("Zqsmall School")
    for _ in range(3):
        f.response(survey, {literacy: 5, math: 2}, f.user("educator", school=big), comment="Zqsurveycomment")
    f.response(survey, {literacy: 1, math: 5}, f.user("educator", school=small), comment="Zqsurveycomment")
    f.response(survey, {literacy: 3, math: 3}, team=w.team, comment="Zqteamcomment")
    return seeded.forbidden + OPPORTUNITY_MARKERS + SURVEY_MARKERS, small


def walk(client, url: str) -> list[str]:
    """The body of every page of a list, first to last."""
    bodies = []
    while url:
        resp = client.get(url.removeprefix("http://127.0.0.1:5000"))
        assert resp.status_code == 200, (url, resp.data[:300])
        bodies.append(resp.get_data(as_text=True))
        url = resp.get_json()["links"]["next"]
    return bodies


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def test_no_private_word_name_or_email_in_any_answer(client, api_world):
    forbidden, small = api_world
    bodies = []
    for url in ("/api/v1/learning-summaries", "/api/v1/pl-opportunities", "/api/v1/pl-opportunities?past=true"):
        bodies += walk(client, url)
    priorities = client.get("/api/v1/priorities")
    assert priorities.status_code == 200
    bodies.append(priorities.get_data(as_text=True))
    for body in bodies:
        assert leaks(body, forbidden) == []
        found = keys(json.loads(body))
        assert not found & {"email", "flags", "consent", "budget", "award", "reviews", "comment", "members"}
    summaries = json.loads(bodies[0])["items"]
    assert [s["title"] for s in summaries] == ["Story circles build readers"]
    assert "Open workshop" in "".join(bodies)


MARKERS = ["Zqactivedraft", "Zqunpublished", "Zqchallenge", "Zqblockedname", "Zqunpubopp", "Zqunpubdesc",
           "zqflagmatch", "Zqoverridereason", "Zqstaledate", "Zqnodate"]


def test_searching_for_a_private_word_finds_nothing(client, api_world):
    forbidden, _ = api_world
    for marker in MARKERS:
        for url in (f"/api/v1/learning-summaries?q={marker}", f"/api/v1/pl-opportunities?past=true&q={marker}"):
            body = client.get(url).get_json()
            assert body["items"] == [] and body["paging"]["total"] == 0, url
            assert leaks(json.dumps(body), [m for m in forbidden if m.lower() != marker.lower()]) == []


def test_a_school_under_the_privacy_threshold_is_named_never_broken_down(client, api_world):
    _, small = api_world
    body = client.get("/api/v1/priorities").get_json()
    assert body["survey"]["privacy_threshold"] == 2
    assert [s["name"] for s in body["schools"]] == ["Zqbig School"]
    assert body["schools_not_shown"] == ["Zqsmall School"]
    asked = client.get(f"/api/v1/priorities?school={small.id}").get_json()
    assert asked["schools"] == [] and asked["schools_not_shown"] == ["Zqsmall School"]
    assert asked["district"]["responses"] == 4  # the small school still counts in the district's figures
