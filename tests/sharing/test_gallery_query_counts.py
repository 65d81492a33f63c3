"""The gallery issues the same number of SQL statements for 10 published summaries as for 200:
the list (plain, searched and filtered), the feed and a summary page."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.extensions import db
from app.models import GrantType, ProposalState, SchoolLevel, TermKind
from tests.access.gallery import PNG, place_summary
from tests.sharing.test_gallery_pages import slugs
from tests.sqlcount import statements as counting

S = ProposalState
LEVELS = (SchoolLevel.ELEMENTARY, SchoolLevel.K8, SchoolLevel.MIDDLE, SchoolLevel.HIGH)
TOPICS = ("Literacy", "Math", "Science", "Arts")


def build(factory, n: int, label: str, days_ago: int) -> list[str]:
    """``n`` published summaries (and as many unpublished), each by a cross-school team of three,
    with tags of every kind and a shared file; returns the published slugs, newest first."""
    schools = [factory.school(f"{label} school {i}", LEVELS[i]) for i in range(4)]
    cycle = factory.cycle(f"{label} cycle")
    start = clock.now() - timedelta(days=days_ago)
    made = []
    for i in range(n):
        members = [factory.user("educator", school=schools[(i + k) % 4]) for k in range(3)]
        team = factory.team(*members, name=f"{label} team {i}", school=schools[i % 4])
        for state in (S.PUBLISHED, S.COMPLETED):
            p = factory.proposal(team, cycle, state=state, title=f"{label} proposal {i} {state.value}",
                                 grant_type=GrantType.STUDY if i % 2 else GrantType.ACTION)
            s = place_summary(
                p, title=f"{label} counted summary {i} {state.value}", body=f"Counted **words** {i}.",
                slug=f"{label}-{i}-{state.value}",
                published_at=start + timedelta(days=i) if state is S.PUBLISHED else None,
                tags={TermKind.TOPIC: [TOPICS[i % 4], "Family engagement"], TermKind.GRADE_BAND: ["3-5"],
                      TermKind.SUBJECT: ["ELA", "Math"]},
                artifacts=(("notes.png", PNG),),
            )
            if state is S.PUBLISHED:
                made.append(s.slug)
    db.session.commit()
    return list(reversed(made))


def statements(browser, url: str) -> tuple[int, str]:
    browser.get(url)  # warm up: first-request work is not the page's
    with counting() as seen:
        resp = browser.get(url)
    assert resp.status_code == 200, url
    return len(seen), resp.get_data(as_text=True)


@pytest.fixture
def few(factory):
    return build(factory, 10, "few", days_ago=1000)


def test_gallery_statements_do_not_grow_with_summaries(browser, factory, few):
    counts = {}
    counts["list"], page = statements(browser, "/learning")
    assert slugs(page) == few
    counts["search"], _ = statements(browser, "/learning?q=counted+summary&topic=Math&school_level=middle")
    counts["feed"], _ = statements(browser, "/learning/feed.atom")
    counts["show"], _ = statements(browser, f"/learning/{few[0]}")

    many = build(factory, 200, "many", days_ago=300)
    large = {}
    large["list"], page = statements(browser, "/learning")
    assert slugs(page) == many[:12]
    assert "210 learning summaries; showing 1–12." in page
    large["search"], searched = statements(browser, "/learning?q=counted+summary&topic=Math&school_level=middle")
    assert 'data-summary-slug="' in searched
    large["feed"], _ = statements(browser, "/learning/feed.atom")
    large["show"], _ = statements(browser, f"/learning/{many[0]}")
    large_last, last = statements(browser, "/learning?page=18")
    assert len(slugs(last)) == 6

    assert counts == large, f"statements for 10 summaries {counts}, for 200 {large}"
    assert large["list"] <= 8, large
    assert large["show"] <= 5, large
    assert large_last == large["list"]
