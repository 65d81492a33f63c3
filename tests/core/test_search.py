"""Full-text search (app/core/search.py) on the gallery, the catalog and the staff proposal list: English
stemming, ranking, every word must match, any input is safe, the index is what answers, and the index
stays in step with the rows. Also the gallery's year facets (SQL, Boston time). The same tests run on
SQLite (FTS5) and PostgreSQL (tsvector + GIN)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from app.catalog.opportunities import CatalogFilters, catalog_query
from app.core import search
from app.extensions import db
from app.models import LearningSummary, Proposal, ProposalState
from app.proposals.screening import ProposalFilters, proposals_query
from app.sharing import gallery
from app.sharing.gallery import GalleryFilters
from tests.access.gallery import place_summary

S = ProposalState
NASTY = ['"', "'", '"unclosed', "a AND", "OR", "NOT", "(", ")", "*", ":*", "&|!", "-", "^", "NEAR(", "{x}",
         "col:word", "\\", "%", "_", "\x00", "teach\x00ing", "a" * 10_000, "ünïcödé ≠ 🙂", "' OR 1=1 --",
         "!!!???...", "teach:* & !", "<script>"]


def dialect() -> str:
    return db.session.get_bind().dialect.name


def slugs(html: str) -> list[str]:
    return re.findall(r'data-summary-slug="([^"]+)"', html)


@pytest.fixture
def shelf(factory):
    cycle = factory.cycle()

    def summary(slug, title, body, when=datetime(2025, 6, 1, 15, tzinfo=UTC), state=S.PUBLISHED):
        team = factory.team(factory.user("educator"))
        p = factory.proposal(team, cycle, state=state, title=f"{title} (proposal)")
        return place_summary(p, title=title, body=body, slug=slug, published_at=when)

    found = {
        "teachers": summary("peer-coaching", "Peer coaching circles", "Teachers observed one another weekly."),
        "teach": summary("reading-aloud", "Reading aloud", "We teach fluency with choral reading."),
        "titled": summary("teaching-fractions", "Teaching fractions", "Number lines with tiles.",
                          when=datetime(2024, 3, 1, 15, tzinfo=UTC)),
        "other": summary("garden-science", "Garden science", "Students grew beans and measured them."),
        "hidden": summary("hidden-teaching", "Hidden teaching notes", "Teaching.", state=S.COMPLETED),
    }
    db.session.commit()
    return found


def listed(words: str) -> list[str]:
    return [s.slug for s in db.session.scalars(gallery.gallery_query(GalleryFilters(q=words)))]


# -- matching ------------------------------------------------------------------------------------
def test_terms_are_letters_and_digits_only():
    assert search.terms('  "Teaching" AND (fractions)* -x 50%_50 teach\x00ing ') == [
        "teaching", "and", "fractions", "x", "50", "teach", "ing"]
    assert search.terms("!!! ... ???") == []
    assert len(search.terms(" ".join(f"w{i}" for i in range(100)))) == search.MAX_TERMS
    assert search.terms("a" * 10_000) == ["a" * search.MAX_QUERY_CHARS]


def test_stemming_teaching_finds_teachers_and_teach(shelf):
    assert set(listed("teaching")) == {"peer-coaching", "reading-aloud", "teaching-fractions"}
    assert set(listed("TEACHERS")) >= {"peer-coaching"}
    assert "hidden-teaching" not in listed("teaching")  # only published summaries


def test_a_title_match_ranks_first(shelf):
    # "Teaching fractions" is the oldest of the three, but the word is in its title.
    assert listed("teaching")[0] == "teaching-fractions"
    # Without a search: newest first, as before.
    assert listed("")[-1] == "teaching-fractions"


def test_every_word_must_match(shelf):
    assert listed("teaching fluency") == ["reading-aloud"]
    assert listed("teaching beans") == []
    assert listed("beans measured students") == ["garden-science"]


def test_the_index_follows_edits_and_deletes(shelf):
    s = shelf["other"]
    s.title, s.search_text = "Orchard mathematics", "orchard mathematics apples"
    db.session.commit()
    assert listed("orchard") == ["garden-science"] and listed("beans") == []
    db.session.delete(db.session.get(LearningSummary, s.id))
    db.session.commit()
    assert listed("orchard") == []


@pytest.mark.parametrize("q", NASTY)
def test_any_input_is_safe_on_every_searched_page(browser, factory, shelf, q):
    pages = []
    for url in ("/learning", "/catalog/"):
        resp = browser.get(url, query_string={"q": q})
        pages.append(resp.status_code)
    browser.login(factory.user("staff"))
    pages.append(browser.get("/staff/proposals", query_string={"q": q}).status_code)
    assert pages == [200, 200, 200], q


@pytest.mark.parametrize("q", NASTY)
def test_any_input_is_a_valid_query_for_the_database(shelf, q):
    # Straight to the queries (the pages refuse over 200 characters before searching).
    db.session.scalars(gallery.gallery_query(GalleryFilters(q=q))).all()
    db.session.scalars(catalog_query(CatalogFilters(q=q))).all()
    db.session.scalars(proposals_query(ProposalFilters(q=q))).unique().all()


def test_only_punctuation_is_no_search(browser, shelf):
    everything = slugs(browser.get("/learning").get_data(as_text=True))
    assert slugs(browser.get("/learning?q=%22%27*()%26%7C!").get_data(as_text=True)) == everything


def test_catalog_and_staff_list_stem_and_match_every_word(browser, factory):
    factory.opportunity("Coaching teachers of algebra", description="Lesson study with peers.")
    factory.opportunity("Restorative circles", description="Repairing harm.")
    team = factory.team(factory.user("educator"), name="Latin Academy scientists")
    factory.proposal(team, factory.cycle(), state=S.SUBMITTED, title="Teaching with lab notebooks")
    db.session.commit()
    titles = [o.title for o in db.session.scalars(catalog_query(CatalogFilters(q="teaching algebra")))]
    assert titles == ["Coaching teachers of algebra"]
    assert list(db.session.scalars(catalog_query(CatalogFilters(q="algebra harm")))) == []
    found = db.session.scalars(proposals_query(ProposalFilters(q="teaching scientist"))).unique().all()
    # the list's query gives ids in its order (a page of them is then loaded)
    assert [db.session.get(Proposal, i).title for i in found] == ["Teaching with lab notebooks"]  # title word + team word
    assert db.session.scalars(proposals_query(ProposalFilters(q="teaching poets"))).unique().all() == []


# -- the index answers -------------------------------------------------------------------------------
def _plan(stmt) -> str:
    compiled = stmt.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    if dialect() == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        rows = db.session.execute(text(f"EXPLAIN {compiled}")).scalars()
    else:
        rows = (r[-1] for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    return "\n".join(rows)


@pytest.mark.parametrize("index", search.INDEXES, ids=lambda i: i.table)
def test_the_full_text_index_answers_the_query(shelf, index):
    plan = _plan(search.matching_ids(index, ["teaching"], dialect()))
    if dialect() == "postgresql":
        # The query's expression is the indexed one, so the GIN index serves it.
        assert index.gin_index in plan, plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan and index.fts in plan, plan


def test_the_gallery_search_reads_the_full_text_index(shelf):
    plan = _plan(gallery.gallery_query(GalleryFilters(q="teaching")))
    if dialect() == "postgresql":
        # On a handful of rows the planner may check the few published rows' stored vectors instead of reading
        # the GIN index (test_the_full_text_index_answers_the_query shows the index serves the match).
        assert search.SUMMARIES.gin_index in plan or "search_vector @@" in plan, plan
    else:
        assert search.SUMMARIES.fts in plan, plan
    assert "like" not in plan.lower()


def test_the_page_count_runs_the_match_once_not_per_row(shelf):
    """The count of a search (as db.paginate makes it) reads the matches first: on SQLite the full-text
    table is never the inner loop of a join (one match per summary: 5 s instead of 0.04 s at 5,000)."""
    stmt = gallery.gallery_query(GalleryFilters(q="teaching"))
    plan = _plan(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    if dialect() == "sqlite":
        assert "MATERIALIZE learning_summary_fts_hits" in plan, plan
        assert "INDEX 0:=M" not in plan, plan  # "rowid = ? AND MATCH": the per-row lookup
    else:
        assert "search_vector @@" in plan or search.SUMMARIES.gin_index in plan, plan


def test_create_all_makes_what_the_migration_makes(app_ctx):
    """The test database is migrated; a schema from metadata.create_all() has the same search objects."""
    def objects(conn) -> set[tuple[str, str]]:
        if conn.dialect.name == "postgresql":
            rows = conn.execute(text("SELECT 'index', indexname FROM pg_indexes WHERE indexname LIKE '%\\_search'"))
        else:
            rows = conn.execute(text("SELECT type, name FROM sqlite_master WHERE name LIKE '%\\_fts%' ESCAPE '\\'"))
        return {tuple(r) for r in rows}

    migrated = objects(db.session.connection())
    assert migrated, "the migration made the full-text indexes"
    if dialect() != "sqlite":
        pytest.skip("create_all into a second database is compared on SQLite")
    engine = sa.create_engine("sqlite://")
    db.metadata.create_all(engine)
    with engine.connect() as conn:
        assert objects(conn) == migrated


# -- facets ----------------------------------------------------------------------------------------
def test_year_facets_count_in_boston_time_across_new_year(factory):
    cycle = factory.cycle()
    stamps = [
        datetime(2025, 1, 1, 4, 59, tzinfo=UTC),  # 23:59 on Dec 31 2024 in Boston
        datetime(2025, 1, 1, 5, 0, tzinfo=UTC),  # midnight: 2025
        datetime(2026, 1, 1, 3, 0, tzinfo=UTC),  # 22:00 on Dec 31 2025
        datetime(2025, 7, 4, 3, 30, tzinfo=UTC),  # daylight time: 23:30 on July 3rd, 2025
        datetime(2026, 1, 1, 5, 0, 0, 1, tzinfo=UTC),  # just after midnight: 2026
    ]
    for i, when in enumerate(stamps):
        team = factory.team(factory.user("educator"))
        p = factory.proposal(team, cycle, state=S.PUBLISHED, title=f"Year {i}")
        place_summary(p, title=f"Year {i}", slug=f"year-{i}", published_at=when)
    p = factory.proposal(factory.team(factory.user("educator")), cycle, state=S.COMPLETED, title="Never")
    place_summary(p, title="Never", slug="never", published_at=None)
    db.session.commit()
    assert gallery.facets().years == [(2026, 1), (2025, 3), (2024, 1)]
    for year, count in gallery.facets().years:
        assert len(db.session.scalars(gallery.gallery_query(GalleryFilters(year=year))).all()) == count
