"""The gallery shows published summaries and nothing else.

A team's proposals carry private details everywhere (budget lines, spending, the award, reviews and
scores, the decision's feedback and conditions, a conflict's reason, reports, privacy flags, the
block list, consent, everyone's email) and summaries in every state short of published (a draft on
an active grant, one awaiting acceptance, a completed one never published, one published and then
unpublished through the workflow). Each private thing holds a distinctive marker; no marker may
appear on the list (searched for or not), the summary page, the feed or the PDF, and no unpublished
summary is reachable by its slug or by search. XSS payloads in titles, tags and bodies stay text.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from app.cases.advance import fire
from app.core import clock
from app.extensions import db
from app.models import (
    Expenditure,
    FinalReport,
    FlagKind,
    FlagStatus,
    LearningSummary,
    PrivacyFlag,
    ProgressReport,
    ProposalState,
    TermKind,
    User,
)
from app.sharing import privacy, summaries
from tests.access.gallery import PNG, place_summary
from tests.factories import tag_term, tag_terms
from tests.pdfs import pdf_text
from tests.sharing.test_gallery_pages import slugs

S = ProposalState
ATOM = "{http://www.w3.org/2005/Atom}"

# Private details of the published proposal: none may ever reach a public page.
PRIVATE = {
    "budget line": "Zqbudgetline",
    "expenditure payee": "Zqpayee",
    "expenditure note": "Zqexpnote",
    "award": "12,345.67",
    "award (plain)": "12345.67",
    "spent": "321.09",
    "requested": "10,000",
    "review comment": "Zqreviewcomment",
    "criterion comment": "Zqcriterioncomment",
    "decision feedback": "Zqfeedback",
    "conditions": "Zqconditions",
    "conflict reason": "Zqconflictreason",
    "proposal challenge": "Zqchallenge",
    "proposal plan": "Zqplan",
    "final report": "Zqfinalreport",
    "progress report": "Zqprogressreport",
    "privacy flag match": "zqflagmatch@example.org",
    "privacy flag context": "Zqflagcontext",
    "override reason": "Zqoverridereason",
    "blocked name": "Zqblockedname",
    "unpublish reason": "Zqunpublishreason",
}
# Words of summaries that are not published.
UNPUBLISHED = {
    "draft on an active grant": "Zqactivedraft",
    "awaiting report acceptance": "Zqawaitingacceptance",
    "completed, never published": "Zqcompletednotpub",
    "published then unpublished": "Zqunpublished",
    "stale published date on a completed case": "Zqstaledate",
    "published state without a date": "Zqnodate",
}
PEOPLE = ("lead", "member", "reviewer_btu", "reviewer_bps", "co_chair_btu", "co_chair_bps", "staff", "admin",
          "outsider")


@dataclass
class Seeded:
    public: LearningSummary
    hidden: list[LearningSummary]
    unpublished_through_workflow: LearningSummary
    forbidden: list[str]


def publish_through_services(proposal, staff: User, *, title: str, body: str, tags: dict, blocked=()) -> LearningSummary:
    """The team writes and consents, staff block names, check, override what the check finds and publish."""
    lead = proposal.team.lead
    tag_terms(tags)  # the taxonomy holds the tags this test uses
    summary = summaries.save(proposal, lead, title=title, body=body, tags=tags)
    summaries.add_artifact(proposal, lead, filename="chart.png", stream=_stream(PNG),
                           description="Our attendance chart", max_bytes=1_000_000)
    summaries.give_consent(proposal, lead)
    for name in blocked:
        privacy.add_blocked_name(summary, name, staff)
    privacy.run_check(summary, staff)
    for flag in summary.flags:
        if flag.status is FlagStatus.OPEN:
            privacy.override_flag(flag, "Zqoverridereason: the family agreed", staff)
    fire(proposal, "publish", staff)
    db.session.flush()
    return summary


def _stream(data: bytes):
    import io

    return io.BytesIO(data)


@pytest.fixture
def seeded(factory, world) -> Seeded:
    f, w = factory, world
    cycle = w.cycle

    # -- the published summary, through the services, on a case full of private details ------------
    p = f.proposal(w.team, cycle, state=S.COMPLETED, title="Mather story circles")
    p.challenge = "Zqchallenge: who struggles"
    p.plan = "Zqplan: what we will do"
    p.conditions = "Zqconditions apply"
    p.feedback = "Zqfeedback from the committee"
    p.award = Decimal("12345.67")
    p.budget_lines[0].description = "Zqbudgetline bilingual books"
    for reviewer in (w.reviewer_btu, w.reviewer_bps):
        a = f.review(f.assign(p, reviewer, w.staff))
        a.comments = "Zqreviewcomment: strong"
        for score in a.scores:
            score.comment = "Zqcriterioncomment"
    f.decision(p, w.co_chair_btu, award="12345.67", feedback="Zqfeedback from the committee",
               confirmed_by=w.co_chair_bps)
    f.conflict(p, w.reviewer_unassigned, reason="Zqconflictreason: my cousin")
    db.session.add(Expenditure(proposal=p, budget_line=p.budget_lines[0], spent_on=date(2026, 2, 1),
                               payee="Zqpayee Books", amount=Decimal("321.09"), note="Zqexpnote",
                               recorded_by_id=w.lead.id))
    db.session.add(FinalReport(proposal=p, what_we_tried="Zqfinalreport tried", what_happened="Zqfinalreport",
                               what_we_learned="Zqfinalreport", what_we_would_change="Zqfinalreport"))
    db.session.add(ProgressReport(proposal=p, progress_so_far="Zqprogressreport", submitted_at=clock.now()))
    db.session.flush()
    public = publish_through_services(
        p, w.staff, title="Story circles build readers",
        body="## What we learned\n\nStudents told stories in **two languages** and read more.",
        tags={TermKind.TOPIC: ["Literacy"], TermKind.GRADE_BAND: ["3-5"], TermKind.SUBJECT: ["ELA"]},
        blocked=("Zqblockedname Student",),
    )
    # A flag the team fixed (the address is gone from the text) still sits on the record.
    public.flags.append(PrivacyFlag(kind=FlagKind.EMAIL, match="zqflagmatch@example.org",
                                    context="Zqflagcontext write to zqflagmatch@example.org",
                                    status=FlagStatus.RESOLVED, resolved_at=clock.now(), resolved_by_id=w.staff.id))

    # -- summaries in every state short of published --------------------------------------------------
    hidden = [
        place_summary(w.proposals[S.ACTIVE], title="Zqactivedraft summary", body="zqactivedraft words",
                      consent=False, tags={TermKind.TOPIC: ["Arts"]}),
        place_summary(w.proposals[S.FINAL_REPORT_SUBMITTED], title="Zqawaitingacceptance summary",
                      body="zqawaitingacceptance words", slug=None, tags={TermKind.TOPIC: ["Arts"]}),
        place_summary(w.proposals[S.COMPLETED], title="Zqcompletednotpub summary", body="zqcompletednotpub words",
                      slug=None, tags={TermKind.SUBJECT: ["Arts"]}, artifacts=(("private.png", PNG),)),
        # Belt and braces: a completed case whose summary still carries a date and a slug.
        place_summary(f.proposal(w.team, cycle, state=S.COMPLETED, title="Stale"), title="Zqstaledate summary",
                      body="zqstaledate words", slug="zqstaledate-summary", published_at=clock.now(),
                      tags={TermKind.GRADE_BAND: ["PreK-K"]}, artifacts=(("stale.png", PNG),)),
        # A published case whose summary has no publication date.
        place_summary(w.proposals[S.PUBLISHED], title="Zqnodate summary", body="zqnodate words",
                      slug="zqnodate-summary", tags={TermKind.TOPIC: ["Arts"]}),
    ]
    # Published through the workflow, then unpublished through it.
    q = f.proposal(w.team, cycle, state=S.COMPLETED, title="Mather unpublished")
    gone = publish_through_services(
        q, w.staff, title="Zqunpublished summary",
        body="zqunpublished words about Zqblockedname Student.", tags={TermKind.TOPIC: ["Arts"]},
        blocked=("Zqblockedname Student",),
    )
    gone_slug = gone.slug
    db.session.commit()
    assert gone_slug and gone.published_at is not None
    fire(q, "unpublish", w.staff, reason="Zqunpublishreason: a parent asked")
    db.session.commit()
    assert q.state is S.COMPLETED
    hidden.append(gone)

    forbidden = list(PRIVATE.values()) + list(UNPUBLISHED.values())
    for persona in PEOPLE:
        user = getattr(w, persona)
        forbidden += [user.email, user.name]
    return Seeded(public, hidden, gone, forbidden)


def leaks(text: str, forbidden: list[str]) -> list[str]:
    low = text.lower()
    return [m for m in forbidden if m.lower() in low]


def get_text(browser, url: str) -> str:
    resp = browser.get(url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


# -- nothing private, nothing unpublished ------------------------------------------------------
def test_the_published_summary_is_public(browser, seeded):
    page = get_text(browser, "/learning")
    assert slugs(page) == [seeded.public.slug]
    assert "Story circles build readers" in page
    show = get_text(browser, f"/learning/{seeded.public.slug}")
    assert "<strong>two languages</strong>" in show
    assert "chart.png" in show


def test_no_private_or_unpublished_words_on_the_list(browser, seeded):
    assert leaks(get_text(browser, "/learning"), seeded.forbidden) == []


@pytest.mark.parametrize("marker", list(PRIVATE.values()) + list(UNPUBLISHED.values()))
def test_searching_for_a_private_or_unpublished_word_finds_nothing(browser, seeded, marker):
    page = get_text(browser, f"/learning?q={marker.lower().replace('@', '%40')}")
    assert slugs(page) == []
    assert "No published learning summaries match" in page
    # The search box and the active filter repeat what was typed; nothing else may leak.
    assert leaks(page, [m for m in seeded.forbidden if m != marker]) == []


def test_unpublished_summaries_are_not_found_by_their_words_either(browser, seeded):
    for s in seeded.hidden:
        assert s.search_text, "the unpublished summary has search text, so only the gallery's rule hides it"
        word = s.title.split()[0].lower()
        assert word in s.search_text
        assert slugs(get_text(browser, f"/learning?q={word}")) == []
    assert slugs(get_text(browser, "/learning?q=summary")) == []  # every hidden title says "summary"


def test_no_private_words_on_the_summary_page(browser, seeded):
    page = get_text(browser, f"/learning/{seeded.public.slug}")
    assert leaks(page, seeded.forbidden) == []
    assert "consent" not in page.lower()
    assert "privacy" not in page.lower()
    assert "$" not in re.sub(r"<[^>]+>", "", page)  # no amount of money anywhere


def test_no_private_words_in_the_feed(browser, seeded):
    resp = browser.get("/learning/feed.atom")
    body = resp.get_data(as_text=True)
    assert leaks(body, seeded.forbidden) == []
    entries = ET.fromstring(resp.data).findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Story circles build readers"]


def test_no_private_words_in_the_pdf(browser, seeded):
    resp = browser.get(f"/learning/{seeded.public.slug}.pdf")
    assert resp.status_code == 200
    text = pdf_text(resp.data)
    assert "Story circles build readers" in text
    assert leaks(text, seeded.forbidden) == []


def test_filters_offer_no_tag_that_only_unpublished_summaries_carry(browser, seeded):
    page = get_text(browser, "/learning")
    assert '<option value="arts">' not in page
    assert '<option value="prek-k">' not in page
    assert '<option value="literacy">Literacy (1)</option>' in page
    assert slugs(get_text(browser, "/learning?topic=arts")) == [seeded.public.slug]  # refused, so ignored
    assert "Choose a topic from the list." in get_text(browser, "/learning?topic=arts")


def test_every_year_and_level_shows_only_the_published_one(browser, seeded):
    year = clock.local(seeded.public.published_at).year
    assert slugs(get_text(browser, f"/learning?year={year}")) == [seeded.public.slug]
    assert slugs(get_text(browser, "/learning?school_level=elementary")) == [seeded.public.slug]
    assert slugs(get_text(browser, "/learning?grant_type=action")) == [seeded.public.slug]


def test_unpublished_slugs_files_and_pdfs_are_404(browser, seeded):
    gone = seeded.unpublished_through_workflow
    assert gone.slug and gone.published_at is None  # unpublishing keeps the slug, drops the date
    assert [s.slug for s in seeded.hidden if s.slug] == ["zqstaledate-summary", "zqnodate-summary", gone.slug]
    hidden_files = [a for s in seeded.hidden for a in s.artifacts]
    assert len(hidden_files) == 3  # the never-published, the stale one and the unpublished one's chart
    for s in seeded.hidden:
        if s.slug:
            assert browser.get(f"/learning/{s.slug}").status_code == 404, s.slug
            assert browser.get(f"/learning/{s.slug}.pdf").status_code == 404, s.slug
            for a in s.artifacts:
                assert browser.get(f"/learning/{s.slug}/artifacts/{a.id}").status_code == 404
    for a in hidden_files:
        # Nor through the published summary's address.
        assert browser.get(f"/learning/{seeded.public.slug}/artifacts/{a.id}").status_code == 404


def test_signed_in_people_see_no_more_than_the_public(browser, world, seeded):
    for persona in ("staff", "lead", "co_chair_btu"):
        browser.reset().login(getattr(world, persona))
        page = get_text(browser, "/learning")
        assert slugs(page) == [seeded.public.slug]
        for s in seeded.hidden:
            if s.slug:
                assert browser.get(f"/learning/{s.slug}").status_code == 404
        show = get_text(browser, f"/learning/{seeded.public.slug}")
        user = getattr(world, persona)
        # The navigation names who is signed in; nothing else on the page may.
        assert leaks(show.replace(user.name, "", 1), [m for m in seeded.forbidden if m != user.name]) == []


def test_republishing_shows_it_again_at_the_same_address(browser, world, seeded):
    gone = seeded.unpublished_through_workflow
    privacy.run_check(gone, world.staff)
    for flag in gone.flags:
        if flag.status is FlagStatus.OPEN:
            privacy.override_flag(flag, "Zqoverridereason again", world.staff)
    fire(gone.proposal, "publish", world.staff)
    db.session.commit()
    assert browser.get(f"/learning/{gone.slug}").status_code == 200
    assert gone.slug in slugs(get_text(browser, "/learning"))


# -- XSS -----------------------------------------------------------------------------------------
TITLE = '<script>alert("zqxss-title")</script> & "quotes"'
TAG = '<img src=x onerror=alert("zqxss-tag")>'
BODY = ('Hello <script>alert("zqxss-body")</script>\n\n<img src=x onerror=alert(1)>\n\n'
        '[click me](javascript:alert("zqxss-link")) and <a href="javascript:alert(2)">raw</a>\n\n'
        '<iframe src="https://evil.example"></iframe>')


@pytest.fixture
def hostile(factory, world):
    p = factory.proposal(world.team, world.cycle, state=S.PUBLISHED, title=TITLE)
    s = place_summary(p, title=TITLE, body=BODY, slug="hostile", published_at=clock.now() - timedelta(hours=1),
                      tags={TermKind.TOPIC: [TAG], TermKind.SUBJECT: ['"><svg onload=alert(3)>']})
    db.session.commit()
    return s


class _Tags(HTMLParser):
    """Every tag and attribute of a page, as a browser's parser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _no_live_markup(page: str):
    """No element the payloads could open, no event handler, no script link (the app's own pages have
    no script, image, SVG or frame at all)."""
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "img", "svg", "iframe"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action"):
                assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)


def test_xss_is_text_on_the_list(browser, hostile):
    page = get_text(browser, "/learning")
    _no_live_markup(page)
    assert "&lt;script&gt;alert(&#34;zqxss-title&#34;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(&#34;zqxss-tag&#34;)&gt;" in page


def test_xss_is_text_when_filtering_by_a_hostile_tag(browser, hostile):
    from urllib.parse import quote

    page = get_text(browser, f"/learning?topic={quote(tag_term(TermKind.TOPIC, TAG).slug)}")
    assert slugs(page) == ["hostile"]
    _no_live_markup(page)
    assert "Topic: &lt;img src=x" in page


def test_xss_is_text_on_the_summary_page(browser, hostile):
    page = get_text(browser, "/learning/hostile")
    _no_live_markup(page)
    assert "<h1>&lt;script&gt;alert(&#34;zqxss-title&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;</h1>" in page
    assert re.search(r"&lt;script&gt;alert\((&#34;|&quot;|\")zqxss-body", page)
    assert "click me" in page


def test_xss_is_text_in_the_feed(browser, hostile):
    resp = browser.get("/learning/feed.atom")
    raw = resp.get_data(as_text=True)
    assert "<script" not in raw and "<img" not in raw and "<svg" not in raw
    entry = ET.fromstring(resp.data).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == TITLE  # escaped in the XML, the same words once parsed
    assert TAG in {c.get("term") for c in entry.findall(f"{ATOM}category")}
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "text"  # feed readers show it as text, never as markup
    assert summary.text.startswith('Hello <script>alert("zqxss-body")</script>')
