"""What changed, counted where it changes (app/core/changes.py): the public pages' versions follow every
write a visitor would see (a school renamed, a seat taken, a session moved), and nothing computed from
the history (facets, totals) is served after the data it came from has changed."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.core import changes, clock
from app.extensions import db
from app.models import OpportunitySession, ProposalState, PublicVersion, SchoolLevel
from app.sharing import gallery
from tests.access.gallery import place_summary

S = ProposalState


def version(area: str) -> str:
    return changes.current(area)[0]


@pytest.fixture
def published(factory):
    """A published summary of a team at its own school."""
    school = factory.school("Hernandez K-8")
    lead = factory.user("educator", school=school)
    team = factory.team(lead, factory.user("educator", school=school), name="Story Circle", school=school)
    proposal = factory.proposal(team, factory.cycle("Changes cycle"), state=S.PUBLISHED, title="Story circles")
    summary = place_summary(proposal, title="Story circles in two languages", slug="story-circles",
                            published_at=clock.now() - timedelta(days=2))
    db.session.commit()
    return summary


def test_a_school_renamed_or_reclassified_changes_the_gallery_for_a_visitor_with_a_copy(browser, published):
    page = browser.get("/learning/story-circles")
    index = browser.get("/learning")
    assert "Hernandez K-8" in page.get_data(as_text=True)
    assert '<dd class="col-sm-8">Elementary</dd>' in index.get_data(as_text=True)

    school = published.proposal.team.school
    school.name = "Rafael Hernandez K-8"
    school.level = SchoolLevel.K8
    db.session.commit()

    again = browser.get("/learning/story-circles", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 200 and "Rafael Hernandez K-8" in again.get_data(as_text=True)
    again = browser.get("/learning", headers={"If-None-Match": index.headers["ETag"]})
    assert again.status_code == 200
    assert '<dd class="col-sm-8">K-8</dd>' in again.get_data(as_text=True)
    assert '<dd class="col-sm-8">Elementary</dd>' not in again.get_data(as_text=True)


def test_a_team_renamed_changes_the_names_version_and_a_draft_saved_changes_nothing_public(factory, published):
    names, shown = version(changes.NAMES), version(changes.GALLERY)
    published.proposal.team.name = "Story Circle Team"
    db.session.flush()
    assert version(changes.NAMES) != names

    names = version(changes.NAMES)
    draft = factory.proposal(published.proposal.team, published.proposal.cycle, title="Next year's idea")
    db.session.flush()
    shown = version(changes.GALLERY)
    draft.plan = "A plan rewritten three times."  # a team at work on a draft: nothing public changes
    db.session.flush()
    assert version(changes.GALLERY) == shown and version(changes.NAMES) == names


def test_facets_and_totals_are_counted_again_after_a_publication(factory, published, monkeypatch):
    counted = []
    real = gallery._count_facets
    monkeypatch.setattr(gallery, "_count_facets", lambda: counted.append(1) or real())
    before = gallery.facets()
    assert gallery.facets() is before and len(counted) == 1  # kept while nothing changed
    assert gallery.gallery_page(gallery.GalleryFilters(), 1)[0].items[0].title == "Story circles in two languages"

    second = factory.proposal(published.proposal.team, published.proposal.cycle, state=S.PUBLISHED, title="Math")
    place_summary(second, title="Math talks", slug="math-talks", published_at=clock.now() - timedelta(days=1))
    db.session.commit()
    after = gallery.facets()
    assert len(counted) == 2
    assert sum(n for _, n in after.years) == sum(n for _, n in before.years) + 1
    page, _ = gallery.gallery_page(gallery.GalleryFilters(), 1)
    assert page.total == sum(n for _, n in after.years)
    assert page.items[0].title == "Math talks"  # the kept first page was worked out again


def test_a_change_rolled_back_never_leaves_what_it_computed_behind(factory, published):
    """A transaction publishes, computes the facets and rolls back; later changes count the gallery up to
    the same number: the facets are counted again (each change has its own stamp)."""
    years = sum(n for _, n in gallery.facets().years)
    db.session.begin_nested()
    second = factory.proposal(published.proposal.team, published.proposal.cycle, state=S.PUBLISHED, title="Gone")
    place_summary(second, title="Never published", slug="never", published_at=clock.now())
    db.session.flush()
    assert sum(n for _, n in gallery.facets().years) == years + 1
    rolled_back = db.session.scalar(select(PublicVersion.version).where(PublicVersion.area == changes.GALLERY))
    db.session.rollback()

    for i in range(20):
        number = db.session.scalar(select(PublicVersion.version).where(PublicVersion.area == changes.GALLERY))
        if number >= rolled_back:
            break
        published.title = f"Story circles, take {i}"
        db.session.flush()
    assert number == rolled_back
    assert sum(n for _, n in gallery.facets().years) == years


def test_an_opportunitys_session_bounds_follow_its_sessions(factory):
    o = factory.opportunity("Restorative circles", sessions=2, starts_in_days=10)
    first, last = o.sessions[0], o.sessions[1]
    assert (o.first_starts_at, o.last_ends_at) == (first.starts_at, last.ends_at)

    later = datetime.combine(clock.today() + timedelta(days=60), time(20, 0), tzinfo=UTC)
    o.sessions.append(OpportunitySession(starts_at=later, ends_at=later + timedelta(hours=2)))
    db.session.flush()
    assert o.last_ends_at == later + timedelta(hours=2)

    o.sessions.remove(o.sessions[-1])
    o.sessions.remove(first)
    db.session.flush()
    assert (o.first_starts_at, o.last_ends_at) == (last.starts_at, last.ends_at)

    last.starts_at -= timedelta(days=1)
    last.ends_at -= timedelta(days=1)
    db.session.flush()
    assert (o.first_starts_at, o.last_ends_at) == (last.starts_at, last.ends_at)

    o.sessions.clear()
    db.session.flush()
    assert (o.first_starts_at, o.last_ends_at) == (None, None)


def test_a_seat_taken_changes_the_catalog_for_a_visitor_with_a_copy(browser, factory):
    o = factory.opportunity("Seats workshop", capacity=2)
    db.session.commit()
    first = browser.get("/catalog/")
    assert "2 of 2" in first.get_data(as_text=True)
    factory.registration(o, factory.user("educator"))
    db.session.commit()
    again = browser.get("/catalog/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "1 of 2" in again.get_data(as_text=True)


def test_a_pl_whose_last_session_ended_yesterday_leaves_the_catalog_and_one_ending_today_stays(browser, factory):
    yesterday = factory.opportunity("Over yesterday", starts_in_days=-1)
    today = factory.opportunity("Ends tonight", starts_in_days=0)
    db.session.commit()
    assert yesterday.last_ends_at < clock.now() < today.last_ends_at + timedelta(hours=24)
    listed = browser.get("/catalog/").get_data(as_text=True)
    assert "Ends tonight" in listed and "Over yesterday" not in listed
    assert "Over yesterday" in browser.get("/catalog/?past=y").get_data(as_text=True)
