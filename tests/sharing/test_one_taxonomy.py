"""One vocabulary: the gallery's tags are the taxonomy's terms, the ones the needs survey and the PL catalog
use, and what staff do to a term on the Topics page reaches the gallery (its filters, cards and search)."""
from __future__ import annotations

from datetime import timedelta

from app.core import clock
from app.extensions import db
from app.models import ProposalState, TermKind
from app.needs import taxonomy
from tests.access.gallery import place_summary
from tests.factories import tag_term
from tests.sharing.test_gallery_pages import slugs

S = ProposalState


def _published(factory, world, title="Reading buddies across grades", **tags):
    p = factory.proposal(world.team, world.cycle, state=S.PUBLISHED, title=title)
    return place_summary(p, title=title, body="Older students read with younger ones.", slug="reading-buddies",
                         published_at=clock.now() - timedelta(days=1),
                         tags={TermKind.TOPIC: ["Literacy"], TermKind.GRADE_BAND: ["PK-2"], **tags})


def test_the_editor_offers_the_taxonomy_the_survey_and_catalog_use(login_as, world):
    survey_topics = [t.name for t in taxonomy.active_terms(TermKind.TOPIC)]
    page = login_as(world.lead).get(f"/proposals/{world.proposals[S.ACTIVE].id}/summary").get_data(as_text=True)
    for name in survey_topics + ["PK-2", "9-12", "ESL"]:
        assert name in page, name
    for old in ("Restorative practices", "PreK-K", "Cross-curricular"):  # the gallery's old lists are gone
        assert old not in page


def test_a_rename_reaches_the_gallery_its_filters_and_its_search(browser, factory, world):
    summary = _published(factory, world)
    literacy = tag_term(TermKind.TOPIC, "Literacy")
    taxonomy.update_term(literacy, name="Early literacy", description="", position=literacy.position,
                         actor=world.staff)
    db.session.commit()
    page = browser.get("/learning").get_data(as_text=True)
    assert '<option value="early-literacy">Early literacy (1)</option>' in page
    assert "Early literacy" in browser.get(f"/learning/{summary.slug}").get_data(as_text=True)
    assert slugs(browser.get("/learning?q=early+literacy").get_data(as_text=True)) == [summary.slug]
    assert slugs(browser.get("/learning?topic=early-literacy").get_data(as_text=True)) == [summary.slug]


def test_a_retired_term_is_no_longer_offered_but_the_summary_keeps_it(browser, login_as, factory, world):
    summary = _published(factory, world)
    band = tag_term(TermKind.GRADE_BAND, "PK-2")
    taxonomy.set_active(band, False, world.staff)
    db.session.commit()
    page = browser.get("/learning").get_data(as_text=True)
    assert 'value="pk-2"' not in page  # no longer a filter
    assert "PK-2" in browser.get(f"/learning/{summary.slug}").get_data(as_text=True)  # still on the summary
    # A team's draft tagged with it keeps it (marked retired) until the team unticks it; others are not offered it.
    draft = factory.proposal(world.team, world.cycle, state=S.ACTIVE, title="Another")
    place_summary(draft, title="Another", tags={TermKind.GRADE_BAND: ["PK-2"]}, consent=False)
    db.session.commit()
    editor = login_as(world.lead).get(f"/proposals/{draft.id}/summary").get_data(as_text=True)
    assert "PK-2 (retired)" in editor
    other = login_as(world.lead).get(f"/proposals/{world.proposals[S.ACTIVE].id}/summary").get_data(as_text=True)
    assert "PK-2" not in other
