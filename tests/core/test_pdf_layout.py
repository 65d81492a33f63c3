"""Printed documents read right for everyone (PDF/UA-1, WeasyPrint): a table that runs onto more pages is
one tagged table whose header row is read once (repeated on each page for the eye, as an artifact); a
caption never sits alone at the foot of a page; the decision letter greets the team by its name; the
learning summary gives its public address in full. Each test reads the PDF back."""
from __future__ import annotations

import io

import pytest
from flask import current_app
from pypdf import PdfReader

from app.core import pdf, pdf_engine
from app.extensions import db
from app.models import ProposalState
from app.review.views.documents import letter_context
from app.sharing import summaries
from tests.pdfs import pdf_is_tagged, pdf_text

S = ProposalState


def _page(body_html: str) -> str:
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Table test</title>'
            '<link rel="stylesheet" href="tlf-static:pdf.css"></head><body><main>'
            f"{body_html}</main></body></html>")


def _table(rows: int) -> str:
    body = "".join(f'<tr><th scope="row">Session {i}</th><td>{i} hours</td></tr>' for i in range(rows))
    return ('<table><caption>Sessions and their hours</caption><thead><tr><th scope="col">Session</th>'
            f'<th scope="col">Hours</th></tr></thead><tbody>{body}</tbody></table>')


def _structure(body: bytes) -> list[dict]:
    """Every structure element of the PDF's tag tree, in reading order."""
    out = []

    def walk(node):
        node = node.get_object()
        if "/S" in node:
            out.append(node)
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and "/S" in kid:
                walk(kid)

    walk(PdfReader(io.BytesIO(body)).trailer["/Root"]["/StructTreeRoot"])
    return out


def test_a_table_over_several_pages_is_one_tagged_table_with_its_header_read_once(app_ctx):
    body = pdf_engine.write(_page("<h2>Attendance</h2>" + _table(120) + "<p>End of the record.</p>"))
    reader = PdfReader(io.BytesIO(body))
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) >= 3
    # For the eye: each page's part of the table starts with its header row.
    assert all("Session Hours" in text for text in pages), pages
    assert pdf_is_tagged(body)
    tree = _structure(body)
    kinds = [str(e["/S"]) for e in tree]
    # For a screen reader: one table, one header row, every data row in one body, then the paragraph.
    assert kinds.count("/Table") == 1 and kinds.count("/THead") == 1 and kinds.count("/TBody") == 1
    assert kinds.count("/Part") == 1  # <main> is one part, not one per page
    assert kinds.count("/TR") == 121 and kinds.count("/TD") == 120
    assert kinds.count("/TH") == 2 + 120  # the two column headers once, a row header per row
    assert kinds.index("/P") > max(i for i, k in enumerate(kinds) if k == "/TD")  # read after the table
    tbody = next(e for e in tree if e["/S"] == "/TBody")
    assert len(tbody["/K"]) == 120
    # Every data cell, on whichever page, names the column header that is in the tree.
    header_ids = {str(e["/ID"]) for e in tree if e["/S"] == "/TH" and "/ID" in e}
    cells = [e for e in tree if e["/S"] == "/TD"]
    for cell in cells:
        named = {str(h) for h in cell["/A"]["/Headers"]}
        assert named <= header_ids, named - header_ids
    hours_header = next(str(e["/ID"]) for e in tree if e["/S"] == "/TH" and e["/P"].get_object()["/S"] == "/TR"
                        and e["/P"].get_object()["/P"].get_object()["/S"] == "/THead"
                        and str(e["/ID"]).endswith("-0-1"))
    assert all(hours_header in {str(h) for h in c["/A"]["/Headers"]} for c in cells)


def test_a_caption_never_sits_alone_at_the_foot_of_a_page(app_ctx):
    """The table is pushed down the first page a little at a time, past the point where it must break."""
    moved_to_next_page = 0
    for mm in range(196, 240, 4):
        body = pdf_engine.write(_page(f'<div style="height: {mm}mm"></div>' + _table(6)))
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(body)).pages]

        def page_of(text, pages=pages):
            return next(i for i, p in enumerate(pages) if text in p)

        caption = page_of("Sessions and their hours")
        assert caption == page_of("Session Hours") == page_of("Session 0"), (mm, pages)
        moved_to_next_page += caption == 1
    assert moved_to_next_page  # some positions did put the table over the page break


def test_the_letter_greets_a_team_once_by_its_name(world):
    p = world.proposals[S.APPROVED]
    text = pdf_text(pdf.render("pdf/letter.html", **letter_context(p)))
    assert "Dear Lena Lead and the Mather Readers team," in text
    for name, greeting in [("Literacy Team", "the Literacy Team,"), ("The Readers", "The Readers team,"),
                           ("The Math Teams", "The Math Teams,")]:
        p.team.name = name
        db.session.flush()
        text = pdf_text(pdf.render("pdf/letter.html", **letter_context(p)))
        assert f"Dear Lena Lead and {greeting}" in text
        assert "Team team" not in text and "the The" not in text


@pytest.mark.parametrize("base", ["https://tlf.example.org", "https://example.org/tlf/"])
def test_the_summary_pdf_gives_its_public_address_in_full(world, factory, base, monkeypatch):
    monkeypatch.setitem(current_app.config, "PUBLIC_BASE_URL", base)
    p = world.proposals[S.PUBLISHED]
    s = factory.summary(p, title="Family literacy nights", consented=True, checked=True)
    s.slug, s.published_at = "family-literacy-nights", s.privacy_checked_at
    db.session.flush()
    text = pdf_text(summaries.render_published_pdf(s))
    assert f"Read it online {base.rstrip('/')}/learning/family-literacy-nights " in text
