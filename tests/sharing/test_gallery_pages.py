"""The public learning gallery: the list with search, filters and pages; one summary; its files,
its PDF and the Atom feed. Everything is read as an anonymous visitor unless a test says otherwise."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from werkzeug.http import parse_options_header

from app.extensions import db
from app.models import GrantType, ProposalState, SchoolLevel, TermKind
from app.models.sharing import slugify
from tests.access.gallery import PNG, place_summary
from tests.pdfs import pdf_text

S = ProposalState
ATOM = "{http://www.w3.org/2005/Atom}"


def when(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def slugs(html: str) -> list[str]:
    """The summaries listed on a gallery page, in order."""
    return re.findall(r'data-summary-slug="([^"]+)"', html)


def card(html: str, slug: str) -> str:
    start = html.index(f'data-summary-slug="{slug}"')
    return html[start:html.index("</article>", start)]


def text_of(html: str) -> str:
    """The page's text as a person reads it (tags dropped, entities decoded, spaces collapsed)."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def result_count(html: str) -> str:
    m = re.search(r'<p id="result-count"[^>]*>(.*?)</p>', html, re.S)
    assert m, "no result count on the page"
    return text_of(m.group(1)).strip()


class Library:
    """Five published summaries (and one that is not) across levels, grant types, tags and years."""

    def __init__(self, factory):
        self.factory = factory
        self.k8 = factory.school("Hernandez K-8", SchoolLevel.K8)
        self.middle = factory.school("McCormack Middle", SchoolLevel.MIDDLE)
        self.high = factory.school("Madison Park High", SchoolLevel.HIGH)
        self.cycle = factory.cycle("Gallery cycle")
        self.family = self.make(
            "Family literacy nights", school=self.k8, member_school=self.middle, grant=GrantType.ACTION,
            when=when(2024, 3, 1, 15), body="Families read together **every week** in five languages.",
            tags={TermKind.TOPIC: ["Family engagement", "Literacy"], TermKind.GRADE_BAND: ["PreK-K"],
                  TermKind.SUBJECT: ["ELA"]})
        self.math = self.make(
            "Math talks in middle school", school=self.middle, grant=GrantType.STUDY, when=when(2025, 2, 1, 15),
            body="Number talks on a 50x50 grid, three times a week.",
            tags={TermKind.TOPIC: ["Math"], TermKind.GRADE_BAND: ["6-8"], TermKind.SUBJECT: ["Math"]})
        self.circles = self.make(
            "Restorative circles at Madison Park", school=self.high, grant=GrantType.ACTION,
            when=when(2025, 10, 1, 15), body="100% of advisors ran circles; a 50_50 split of time between talk "
                                              "and repair.",
            tags={TermKind.TOPIC: ["Restorative practices"], TermKind.GRADE_BAND: ["9-12"],
                  TermKind.SUBJECT: ["Cross-curricular"]})
        # 03:00 UTC on January 1st is still New Year's Eve in Boston: published in 2025.
        self.winter = self.make(
            "Winter break reflections", school=self.middle, grant=GrantType.ACTION, when=when(2026, 1, 1, 3),
            body="What we noticed over the break.", tags={TermKind.TOPIC: ["Social-emotional learning"]})
        self.labs = self.make(
            "Science labs for multilingual learners", school=self.high, grant=GrantType.STUDY,
            when=when(2026, 1, 10, 15), body="Bilingual lab notebooks helped every student explain results.",
            tags={TermKind.TOPIC: ["Multilingual learners", "Science"], TermKind.GRADE_BAND: ["9-12"],
                  TermKind.SUBJECT: ["Science"]})
        # Completed, never published: its tags and words must not show or count anywhere.
        self.unpublished = self.make(
            "Math circles unpublished", school=self.high, grant=GrantType.STUDY, when=None, state=S.COMPLETED,
            body="Math everywhere.", tags={TermKind.TOPIC: ["Math", "Arts"], TermKind.SUBJECT: ["Arts"]})
        db.session.commit()

    def make(self, title, *, school, member_school=None, grant, when, body, tags, state=S.PUBLISHED):
        f = self.factory
        lead = f.user("educator", school=school)
        member = f.user("educator", school=member_school or school)
        team = f.team(lead, member, school=school)
        proposal = f.proposal(team, self.cycle, state=state, title=f"{title} (the proposal)", grant_type=grant)
        return place_summary(proposal, title=title, body=body, slug=slugify(title), published_at=when, tags=tags)

    @property
    def newest_first(self) -> list[str]:
        return [s.slug for s in (self.labs, self.winter, self.circles, self.math, self.family)]


@pytest.fixture
def lib(factory) -> Library:
    return Library(factory)


def listed(browser, query: str = "") -> list[str]:
    resp = browser.get("/learning" + (f"?{query}" if query else ""))
    assert resp.status_code == 200
    return slugs(resp.get_data(as_text=True))


# -- the list ----------------------------------------------------------------------------------
def test_anyone_sees_published_summaries_newest_first(browser, lib):
    resp = browser.get("/learning")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert slugs(page) == lib.newest_first
    assert result_count(page) == "5 learning summaries."
    assert "Math circles unpublished" not in page
    assert page.count("<h1") == 1


def test_a_card_shows_public_fields_only(browser, lib):
    page = browser.get("/learning").get_data(as_text=True)
    c = card(page, lib.family.slug)
    assert f'href="/learning/{lib.family.slug}"' in c
    words = text_of(c)
    assert "Family literacy nights" in words
    assert "Year published 2024" in words
    assert "Grant type Action grant" in words
    assert "School level K-8, Middle" in words  # the team's school and its member's school
    assert "Family engagement" in words and "Literacy" in words and "PreK-K" in words and "ELA" in words
    assert "Families read together every week in five languages." in words  # plain text: no <strong>
    assert "<strong>" not in c
    assert lib.family.proposal.team.name not in words
    assert lib.family.proposal.team.lead.name not in words


def test_year_is_the_boston_year(browser, lib):
    page = browser.get("/learning").get_data(as_text=True)
    assert "Year published 2025" in text_of(card(page, lib.winter.slug))


def test_long_excerpt_is_cut_at_a_word(browser, lib):
    lib.math.body = "Counting " * 100
    db.session.commit()
    words = text_of(card(browser.get("/learning").get_data(as_text=True), lib.math.slug))
    assert "Counting Counting…" in words
    assert words.count("Counting") < 40


def test_gallery_link_and_feed_discovery_for_everyone(browser, lib, factory):
    home_link = 'href="/learning"'
    page = browser.get("/learning").get_data(as_text=True)
    assert home_link in page and "Learning gallery" in page
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="/learning/feed.atom"', page)
    show = browser.get(f"/learning/{lib.family.slug}").get_data(as_text=True)
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="/learning/feed.atom"', show)
    login_page = browser.get("/login").get_data(as_text=True)
    assert home_link in login_page and "Sign in" in login_page
    browser.login(factory.user("staff"))
    staff_page = browser.get("/learning").get_data(as_text=True)
    assert home_link in staff_page and 'aria-current="page"' in staff_page


def test_empty_gallery_says_so(browser, factory):
    page = browser.get("/learning").get_data(as_text=True)
    assert result_count(page) == "No learning summaries have been published yet."


# -- search ------------------------------------------------------------------------------------
def test_search_matches_every_word_in_any_case(browser, lib):
    assert listed(browser, "q=LITERACY+Nights") == [lib.family.slug]
    assert listed(browser, "q=literacy+math") == []
    assert listed(browser, "q=bilingual") == [lib.labs.slug]  # a word of the body
    # A school's name; ranked: the summary with "Madison" in its title comes first, though older.
    assert listed(browser, "q=Madison") == [lib.circles.slug, lib.labs.slug]
    assert listed(browser, "q=%20%20") == lib.newest_first  # only spaces: no search
    assert listed(browser, "q=math") == [lib.math.slug]  # the unpublished one is not found


def test_punctuation_and_query_syntax_are_never_searched(browser, lib):
    # Full-text search matches words (letters and digits), so punctuation separates words and is
    # not itself searched (the LIKE search this replaced matched "%" and "_" literally).
    for only_punctuation in ("%25", "_", "%5C", "%22", "*", "(", "-", "%22%3A*+%26+%7C+!"):
        assert listed(browser, f"q={only_punctuation}") == lib.newest_first, only_punctuation
    assert listed(browser, "q=%22bilingual%22") == [lib.labs.slug]  # quotes are not a phrase syntax
    assert listed(browser, "q=bilingual+-lab") == [lib.labs.slug]  # "-" excludes nothing: two words
    assert listed(browser, "q=bilingual+OR+zebra") == []  # "OR" is a word, every word must match
    assert listed(browser, "q=advisors%27+repair)") == [lib.circles.slug]


def test_search_result_count_and_active_filter(browser, lib):
    page = browser.get("/learning?q=circles").get_data(as_text=True)
    assert result_count(page) == "1 learning summary."
    assert "Search the summaries: “circles”" in text_of(page)
    assert 'id="clear-filters"' in page and 'href="/learning" id="clear-filters"' in page
    assert 'value="circles"' in page  # the search box keeps what was typed
    none = browser.get("/learning?q=zebra").get_data(as_text=True)
    assert result_count(none) == "No published learning summaries match your search and filters."


def test_very_long_search_is_refused_with_a_message_not_an_error(browser, lib):
    resp = browser.get("/learning?q=" + "a" * 5000)
    assert resp.status_code == 200
    assert "Search with 200 characters or fewer." in resp.get_data(as_text=True)


# -- filters -----------------------------------------------------------------------------------
@pytest.mark.parametrize("query,expected", [
    ("topic=math", ["math"]),
    ("topic=literacy", ["family"]),
    ("grade_band=9-12", ["labs", "circles"]),
    ("subject=ela", ["family"]),
    ("subject=science", ["labs"]),
    ("school_level=high", ["labs", "circles"]),
    ("school_level=middle", ["winter", "math", "family"]),  # family: a member teaches at the middle school
    ("school_level=k8", ["family"]),
    ("school_level=elementary", []),
    ("grant_type=study", ["labs", "math"]),
    ("grant_type=action", ["winter", "circles", "family"]),
    ("year=2025", ["winter", "circles", "math"]),
    ("year=2026", ["labs"]),
    ("year=2024", ["family"]),
])
def test_each_filter(browser, lib, query, expected):
    assert listed(browser, query) == [getattr(lib, name).slug for name in expected]


def test_filters_combine_with_each_other_and_with_search(browser, lib):
    assert listed(browser, "school_level=high&grant_type=action") == [lib.circles.slug]
    assert listed(browser, "q=circles&school_level=high&grant_type=action&year=2025&grade_band=9-12"
                           "&subject=cross-curricular&topic=restorative-practices") == [lib.circles.slug]
    assert listed(browser, "q=circles&topic=science") == []
    assert listed(browser, "grade_band=9-12&year=2026") == [lib.labs.slug]


def test_filter_choices_come_from_published_summaries_with_counts(browser, lib):
    page = browser.get("/learning").get_data(as_text=True)
    # Each choice is a taxonomy term (its slug), named, with how many published summaries carry it.
    assert '<option value="math">Math (1)</option>' in page  # the unpublished one does not count
    assert '<option value="arts">' not in page  # only the unpublished summary has it
    assert '<option value="9-12">9-12 (2)</option>' in page
    assert '<option value="2025">2025 (3)</option>' in page
    assert '<option value="2024">2024 (1)</option>' in page
    assert "Year published" in page


def test_active_filters_can_be_removed_one_by_one_or_all_at_once(browser, lib):
    page = browser.get("/learning?school_level=high&grant_type=study&q=lab").get_data(as_text=True)
    words = text_of(page)
    assert "Active filters" in words
    assert "School level: High" in words and "Grant type: Study grant" in words and "Search the summaries: “lab”" in words
    assert slugs(page) == [lib.labs.slug]
    without_level = re.search(r'href="([^"]+)">School level: High', page).group(1)
    assert "school_level" not in without_level and "grant_type=study" in without_level and "q=lab" in without_level
    assert listed(browser, unescape(without_level).split("?", 1)[1]) == [lib.labs.slug]
    assert 'href="/learning" id="clear-filters"' in page
    assert "Active filters" not in browser.get("/learning").get_data(as_text=True)


@pytest.mark.parametrize("query,message", [
    ("topic=Unheard-of", "Choose a topic from the list."),
    ("topic=Arts", "Choose a topic from the list."),  # a tag only an unpublished summary carries
    ("grade_band=13", "Choose a grade band from the list."),
    ("subject=%3Cscript%3E", "Choose a subject from the list."),
    ("school_level=university", "Choose a school level from the list."),
    ("grant_type=grand", "Choose action or study."),
    ("year=soon", "Choose a year from the list."),
    ("year=1999", "Choose a year from the list."),
    ("year=99999999999999999999999", "Choose a year from the list."),
])
def test_bad_filter_values_are_reported_and_ignored(browser, lib, query, message):
    resp = browser.get(f"/learning?{query}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert message in page
    assert slugs(page) == lib.newest_first
    assert "<script>" not in page


# -- pages -------------------------------------------------------------------------------------
@pytest.fixture
def many(factory):
    school = factory.school("Page School", SchoolLevel.ELEMENTARY)
    cycle = factory.cycle("Paging cycle")
    start = when(2025, 1, 1, 15)
    made = []
    for i in range(30):
        lead = factory.user("educator", school=school)
        team = factory.team(lead, factory.user("educator", school=school), school=school)
        p = factory.proposal(team, cycle, state=S.PUBLISHED, title=f"Paged proposal {i}")
        made.append(place_summary(p, title=f"Paged summary {i:02d}", slug=f"paged-summary-{i:02d}",
                                  published_at=start + timedelta(days=i),
                                  tags={TermKind.TOPIC: ["Math" if i % 2 else "Literacy"]}))
    db.session.commit()
    return [s.slug for s in reversed(made)]  # newest first


def test_twelve_per_page_with_links(browser, many):
    first = browser.get("/learning").get_data(as_text=True)
    assert slugs(first) == many[:12]
    assert result_count(first) == "30 learning summaries; showing 1–12."
    assert 'aria-label="Pages of learning summaries"' in first
    assert 'href="/learning?page=2"' in first and 'href="/learning?page=3"' in first
    assert 'aria-current="page"><span class="page-link"><span class="visually-hidden">Page </span>1' in first
    assert slugs(browser.get("/learning?page=2").get_data(as_text=True)) == many[12:24]
    third = browser.get("/learning?page=3").get_data(as_text=True)
    assert slugs(third) == many[24:]
    assert result_count(third) == "30 learning summaries; showing 25–30."


@pytest.mark.parametrize("page,expected", [("99", slice(24, 30)), ("100000000000000000000", slice(24, 30)),
                                           ("0", slice(0, 12)), ("-3", slice(0, 12)), ("two", slice(0, 12))])
def test_out_of_range_or_garbage_page_numbers(browser, many, page, expected):
    resp = browser.get(f"/learning?page={page}")
    assert resp.status_code == 200
    assert slugs(resp.get_data(as_text=True)) == many[expected]


def test_page_links_keep_search_and_filters(browser, many):
    page = browser.get("/learning?topic=math&q=paged").get_data(as_text=True)
    assert result_count(page) == "15 learning summaries; showing 1–12."
    link = unescape(re.search(r'href="(/learning\?[^"]*page=2[^"]*)"', page).group(1))
    assert "topic=math" in link and "q=paged" in link
    second = browser.get(link).get_data(as_text=True)
    assert len(slugs(second)) == 3
    assert browser.get("/learning?topic=math&page=7").status_code == 200


# -- one summary -------------------------------------------------------------------------------
def test_show_page_renders_the_summary(browser, lib):
    s = lib.family
    s.body = "# What we tried\n\nFamilies read **together**.\n\n- Week one\n- Week two"
    db.session.commit()
    resp = browser.get(f"/learning/{s.slug}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert page.count("<h1") == 1 and "<h1>Family literacy nights</h1>" in page
    assert "<h2>What we tried</h2>" in page  # the body's headings start below the title
    assert "<strong>together</strong>" in page and "<li>Week one</li>" in page
    words = text_of(page)
    assert "Year published 2024" in words
    assert "Grant type Action grant" in words
    assert "School level K-8, Middle" in words
    assert "Schools Hernandez K-8, McCormack Middle" in words
    assert "Topics Family engagement Literacy" in words
    assert "Grade band PreK-K" in words and "Subject ELA" in words
    assert f'href="/learning/{s.slug}.pdf"' in page
    assert "The team did not share any files with this summary." in words
    assert 'href="/learning"' in page


def test_show_page_lists_shared_files_for_download(browser, factory, lib):
    s = place_summary(
        factory.proposal(lib.family.proposal.team, lib.cycle, state=S.PUBLISHED, title="With files"),
        title="With files", slug="with-files", published_at=when(2025, 5, 5, 12),
        artifacts=(("lesson-plan.png", PNG), ("photo.png", PNG * 40)))
    db.session.commit()
    page = browser.get("/learning/with-files").get_data(as_text=True)
    for a in s.artifacts:
        assert f'href="/learning/with-files/artifacts/{a.id}"' in page
    assert "lesson-plan.png" in page and "Shared file lesson-plan.png" in page
    assert "(1 KB)" in page and "(3 KB)" in page


def test_shared_file_downloads_as_an_attachment(browser, factory, lib):
    s = place_summary(
        factory.proposal(lib.family.proposal.team, lib.cycle, state=S.PUBLISHED, title="With a file"),
        title="With a file", slug="with-a-file", published_at=when(2025, 5, 5, 12),
        artifacts=(("lesson plan.png", PNG),))
    db.session.commit()
    a = s.artifacts[0]
    resp = browser.get(f"/learning/with-a-file/artifacts/{a.id}")
    assert resp.status_code == 200
    assert resp.data == PNG
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert "lesson plan.png" in resp.headers["Content-Disposition"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # The file belongs to this summary only: another published slug does not serve it.
    assert browser.get(f"/learning/{lib.family.slug}/artifacts/{a.id}").status_code == 404


def test_unknown_slugs_are_404(browser, lib):
    for url in ("/learning/no-such-summary", "/learning/no-such-summary.pdf", "/learning/no-such/artifacts/1",
                "/learning/FAMILY-LITERACY-NIGHTS", "/learning/%3Cscript%3E", "/learning/a.b"):
        assert browser.get(url).status_code == 404, url


def test_summary_pdf(browser, lib):
    resp = browser.get(f"/learning/{lib.labs.slug}.pdf")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert parse_options_header(resp.headers["Content-Disposition"]) == ("attachment", {"filename": f"{lib.labs.slug}.pdf"})
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(resp.data)
    assert "Science labs for multilingual learners" in text
    assert "Bilingual lab notebooks" in text


# -- the Atom feed -----------------------------------------------------------------------------
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def feed(browser) -> ET.Element:
    resp = browser.get("/learning/feed.atom")
    assert resp.status_code == 200
    assert resp.mimetype == "application/atom+xml"
    return ET.fromstring(resp.data)


def test_feed_is_valid_atom_with_absolute_links(app, browser, lib):
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    root = feed(browser)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text
    assert root.find(f"{ATOM}id").text.startswith("tag:")
    assert root.find(f"{ATOM}updated").text == "2026-01-10T15:00:00Z"  # the newest summary
    assert root.find(f"{ATOM}author/{ATOM}name").text
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"self": f"{base}/learning/feed.atom", "alternate": f"{base}/learning"}
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert titles == ["Science labs for multilingual learners", "Winter break reflections",
                      "Restorative circles at Madison Park", "Math talks in middle school", "Family literacy nights"]
    first = entries[0]
    assert first.find(f"{ATOM}link").get("href") == f"{base}/learning/{lib.labs.slug}"
    assert first.find(f"{ATOM}link").get("rel") == "alternate"
    assert first.find(f"{ATOM}updated").text == "2026-01-10T15:00:00Z"
    assert first.find(f"{ATOM}published").text == "2026-01-10T15:00:00Z"
    assert first.find(f"{ATOM}summary").text == "Bilingual lab notebooks helped every student explain results."
    assert sorted(c.get("term") for c in first.findall(f"{ATOM}category")) == [
        "9-12", "Multilingual learners", "Science", "Science"]  # a topic and a subject
    assert "Subject: Science" in {c.get("label") for c in first.findall(f"{ATOM}category")}
    for e in entries:
        assert RFC3339_UTC.fullmatch(e.find(f"{ATOM}updated").text)
        assert e.find(f"{ATOM}id").text
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(set(ids)) == len(ids)
    assert ids == [e.find(f"{ATOM}id").text for e in feed(browser).findall(f"{ATOM}entry")]  # stable


def test_feed_ids_do_not_change_with_the_title(browser, lib):
    before = {e.find(f"{ATOM}title").text: e.find(f"{ATOM}id").text for e in feed(browser).findall(f"{ATOM}entry")}
    lib.math.title = "Number talks"
    db.session.commit()
    after = {e.find(f"{ATOM}title").text: e.find(f"{ATOM}id").text for e in feed(browser).findall(f"{ATOM}entry")}
    assert after["Number talks"] == before["Math talks in middle school"]


def test_feed_holds_the_twenty_newest(browser, many):
    entries = feed(browser).findall(f"{ATOM}entry")
    assert len(entries) == 20
    assert [e.find(f"{ATOM}link").get("href").rsplit("/", 1)[1] for e in entries] == many[:20]


def test_feed_uses_the_public_base_url(app, browser, lib):
    old = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = "https://tlf.btu.org/"
    try:
        root = feed(browser)
    finally:
        app.config["PUBLIC_BASE_URL"] = old
    assert root.find(f"{ATOM}entry/{ATOM}link").get("href") == f"https://tlf.btu.org/learning/{lib.labs.slug}"
    assert root.find(f"{ATOM}id").text.startswith("tag:tlf.btu.org,")


def test_empty_feed_is_still_valid(browser, factory):
    root = feed(browser)
    assert root.findall(f"{ATOM}entry") == []
    assert RFC3339_UTC.fullmatch(root.find(f"{ATOM}updated").text)


def test_page_links_drop_a_refused_filter(browser, many):
    page = browser.get("/learning?topic=math&grade_band=13").get_data(as_text=True)
    assert "Choose a grade band from the list." in page
    assert result_count(page) == "15 learning summaries; showing 1–12."
    link = unescape(re.search(r'href="(/learning\?[^"]*page=2[^"]*)"', page).group(1))
    assert "topic=math" in link and "grade_band" not in link


@pytest.mark.parametrize("query", ["", "?q=literacy", "?topic=", "?page=1", "?q=reading&page=1"])
def test_filters_a_visitor_did_not_send_are_not_errors(browser, query):
    """A plain visit or a search alone shows results, never 'problems to fix' for untouched filters."""
    page = browser.get("/learning" + query).get_data(as_text=True)
    assert "problem" not in page and "Choose a" not in page
    assert 'aria-invalid="true"' not in page
