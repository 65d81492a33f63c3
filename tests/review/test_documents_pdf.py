"""app/pdf.py: the packet and the letter read right, carry a title and a language, print what a
user typed as text, and the URL fetcher serves the app's own stylesheets and nothing else."""
from __future__ import annotations

import socket
from datetime import date
from decimal import Decimal

import pytest
from weasyprint import HTML

from app.core import pdf, pdf_engine
from app.models import DecisionOutcome, ProposalState
from app.review.views.documents import letter_context, packet_context
from tests.pdfs import pdf_is_tagged, pdf_lang, pdf_text, pdf_title

S = ProposalState

HOSTILE_IMG = '<img src="file:///etc/passwd">'
HOSTILE_LINK = '<link rel=stylesheet href="http://example.com/x.css">'


class SpyFetcher(pdf_engine.StaticFetcher):
    """The real fetcher, remembering what it was asked for and what it refused."""

    def __init__(self):
        super().__init__()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            return super().fetch(url, headers)
        except pdf.RefusedURL:
            self.refused.append(url)
            raise


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    attempts = []

    def refuse(self, *args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"the PDF renderer tried to connect to {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_packet_shows_the_proposal_team_budget_and_rubric(world):
    p = world.in_review
    body = pdf.render("pdf/packet.html", **packet_context(p))
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    assert p.title in text
    assert world.cycle.name in text
    assert "Action grant" in text
    for name in ("Lena Lead", "Max Member", "Mather Elementary", "Elementary"):
        assert name in text
    assert "Weekly reading circles with bilingual texts." in text  # the plan
    assert "Bilingual books $6,000.00" in text and "Planning stipends $4,000.00" in text
    assert "Total of the budget lines $10,000.00" in text
    assert "Amount requested $10,000.00" in text
    for criterion in world.cycle.criteria:
        assert criterion.name in text
    assert "Page 1 of" in text


def test_packet_lists_attachments(world):
    from app.models import Attachment

    p = world.in_review
    p.attachments.append(Attachment(filename="reading-logs.xlsx", content_type="application/vnd.ms-excel",
                                    size=20480, sha256="0" * 64, data=b"x", uploaded_by_id=world.lead.id))
    body = pdf.render("pdf/packet.html", **packet_context(p))
    assert "reading-logs.xlsx" in pdf_text(body)
    assert "20.0 KB" in pdf_text(body)


def test_packet_never_holds_scores_or_review_comments(world):
    p = world.in_review  # both reviewers scored it 3 with "Solid." and "A thoughtful proposal."
    text = pdf_text(pdf.render("pdf/packet.html", **packet_context(p)))
    assert "Solid." not in text
    assert "A thoughtful proposal." not in text
    assert "Rita Btu" not in text and "Ray Bps" not in text


def test_pdf_has_title_and_language(world):
    body = pdf.render("pdf/packet.html", **packet_context(world.in_review))
    assert pdf_title(body) == f"Proposal packet: {world.in_review.title}"
    assert pdf_lang(body) == "en"
    letter = pdf.render("pdf/letter.html", **letter_context(world.proposals[S.APPROVED]))
    assert pdf_title(letter) == f"Decision letter: {world.proposals[S.APPROVED].title}"
    assert pdf_lang(letter) == "en"
    assert pdf_is_tagged(letter)  # PDF/UA-1


def test_letter_for_an_approval(world):
    p = world.proposals[S.APPROVED]
    p.confirmed_decision.conditions = "Share the book list with the school library."
    text = pdf_text(pdf.render("pdf/letter.html", **letter_context(p)))
    assert p.title in text
    assert "Decision: Approved — award of $10,000.00" in text
    assert "Share the book list with the school library." in text
    assert "Strong plan; share widely." in text
    assert "Recorded by Carla Chair, co-chair, BTU side" in text
    assert "Confirmed by Colin Chair, co-chair, BPS side" in text
    assert "accepts the grant agreement" in text
    assert "Lena Lead" in text and "Mather Readers" in text


def test_letter_for_revisions_names_the_deadline(world, factory):
    world.cycle.revision_deadline = date(2031, 3, 14)
    world.cycle.closes_on = date(2031, 3, 1)
    p = factory.proposal(world.team, world.cycle, state=S.REVISIONS_REQUESTED, title="Family math nights")
    factory.decision(p, world.co_chair_bps, outcome=DecisionOutcome.REQUEST_REVISIONS,
                     feedback="Say how you will reach families who work evenings.", confirmed_by=world.co_chair_btu)
    text = pdf_text(pdf.render("pdf/letter.html", **letter_context(p)))
    assert "Decision: Revisions requested" in text
    assert "by March 14, 2031" in text
    assert "Say how you will reach families who work evenings." in text
    assert "Recorded by Colin Chair, co-chair, BPS side" in text
    assert "award of" not in text


def test_letter_for_a_decline(world):
    p = world.proposals[S.DECLINED]
    text = pdf_text(pdf.render("pdf/letter.html", **letter_context(p)))
    assert "Decision: Declined" in text
    assert p.confirmed_decision.feedback in text
    assert "apply again in a future cycle" in text


def test_user_text_is_printed_as_text_and_fetches_nothing(world, factory, no_network):
    title = f"Readers {HOSTILE_IMG} {HOSTILE_LINK}"
    p = factory.proposal(world.team, world.cycle, state=S.IN_REVIEW, title=title)
    p.plan = f"Our plan {HOSTILE_IMG} and {HOSTILE_LINK} and <script>alert(1)</script>"
    spy = SpyFetcher()
    body = pdf.render("pdf/packet.html", fetcher=spy, **packet_context(p))
    text = pdf_text(body)
    assert HOSTILE_IMG in text
    assert HOSTILE_LINK in text
    assert "<script>alert(1)</script>" in text
    # The only thing asked for is the app's own stylesheet.
    assert spy.requested == ["tlf-static:pdf.css"]
    assert spy.refused == []
    assert no_network == []
    # The HTML handed to WeasyPrint carries them escaped.
    html = pdf.render_html("pdf/packet.html", **packet_context(p))
    assert HOSTILE_IMG not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html


def test_live_markup_is_refused_by_the_fetcher(no_network):
    """Were such markup ever live, the fetcher would be asked and would refuse it."""
    spy = SpyFetcher()
    html = (f'<html lang="en"><head><title>t</title>{HOSTILE_LINK}</head>'
            f'<body><p>x</p>{HOSTILE_IMG}<img src="https://example.com/a.png">'
            f'<img src="data:image/png;base64,iVBORw0KGgo="><img src="ftp://example.com/a.png"></body></html>')
    body = HTML(string=html, url_fetcher=spy).write_pdf()
    assert body.startswith(b"%PDF-")
    assert set(spy.refused) == {
        "http://example.com/x.css", "file:///etc/passwd", "https://example.com/a.png",
        "data:image/png;base64,iVBORw0KGgo=", "ftp://example.com/a.png",
    }
    assert no_network == []


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file:///work/main/app/static/pdf.css",
    "http://example.com/x.css",
    "https://example.com/x.css",
    "ftp://example.com/x.css",
    "data:text/css,body{color:red}",
    "javascript:alert(1)",
    "tlf-static:../pdf.py",
    "tlf-static:../../../etc/passwd",
    "tlf-static:/etc/passwd",
    "tlf-static:%2e%2e/pdf.py",
    "tlf-static:sub/pdf.css",
    "tlf-static:missing.css",
    "tlf-static:app.js",
    "TLF-STATIC:pdf.css",
    "pdf.css",
])
def test_fetcher_refuses(url, no_network):
    with pytest.raises(pdf.RefusedURL):
        pdf_engine.StaticFetcher().fetch(url)
    with pytest.raises(pdf.RefusedURL):
        pdf_engine.StaticFetcher()(url)
    assert no_network == []


def test_fetcher_serves_the_apps_own_css():
    resp = pdf_engine.StaticFetcher().fetch(pdf.static_url("pdf.css"))
    assert resp.content_type == "text/css"
    assert b"@page" in resp.read()
    resp.close()


def test_award_is_printed_as_money(world):
    p = world.proposals[S.APPROVED]
    p.confirmed_decision.award = Decimal("12345.5")
    text = pdf_text(pdf.render("pdf/letter.html", **letter_context(p)))
    assert "award of $12,345.50" in text
