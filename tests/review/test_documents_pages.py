"""Downloading the packet and the letter, and the case page's documents panel."""
from __future__ import annotations

from flask import render_template
from werkzeug.http import parse_options_header

from app.cases.panels import proposal_panels
from app.extensions import db
from app.models import DecisionOutcome, ProposalState
from app.review import decisions
from tests.pdfs import pdf_text

S = ProposalState


def _letter_url(p) -> str:
    return f"/documents/proposals/{p.id}/decision-letter.pdf"


def _packet_url(p) -> str:
    return f"/documents/proposals/{p.id}/packet.pdf"


def test_team_gets_the_letter_only_after_a_confirmed_decision(browser, world, factory):
    p = world.in_review
    browser.login(world.lead)
    assert browser.get(_letter_url(p)).status_code == 404  # nothing decided yet

    # One side records approval: still no letter.
    decision = decisions.propose(p, world.co_chair_btu, "approve", award="9500.00",
                                 feedback="Fund it; report back in June.")
    db.session.commit()
    assert browser.get(_letter_url(p)).status_code == 404

    # The other side confirms: the transition fires, and the letter exists.
    decisions.confirm(decision, world.co_chair_bps)
    db.session.commit()
    assert p.state is S.APPROVED

    resp = browser.get(_letter_url(p))
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert parse_options_header(resp.headers["Content-Disposition"]) == (
        "attachment", {"filename": f"proposal-{p.id}-decision-letter.pdf"})
    text = pdf_text(resp.data)
    assert p.title in text
    assert "award of $9,500.00" in text
    assert "Fund it; report back in June." in text


def test_outsider_may_not_have_the_letter(browser, world):
    browser.login(world.outsider)
    assert browser.get(_letter_url(world.proposals[S.APPROVED])).status_code == 403


def test_anonymous_is_sent_to_sign_in(browser, world):
    resp = browser.get(_letter_url(world.proposals[S.APPROVED]))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_assigned_reviewer_gets_the_packet(browser, world):
    browser.login(world.reviewer_bps)
    resp = browser.get(_packet_url(world.in_review))
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert parse_options_header(resp.headers["Content-Disposition"]) == (
        "attachment", {"filename": f"proposal-{world.in_review.id}-packet.pdf"})
    assert world.in_review.title in pdf_text(resp.data)


def test_unrelated_educator_and_unassigned_reviewer_get_no_packet(browser, world):
    for user in (world.outsider, world.reviewer_unassigned):
        browser.reset().login(user)
        assert browser.get(_packet_url(world.in_review)).status_code == 403


def test_conflicted_reviewer_gets_the_packet_without_scores(browser, world, factory):
    p = world.in_review
    factory.conflict(p, world.reviewer_btu)
    db.session.commit()
    browser.login(world.reviewer_btu)
    resp = browser.get(_packet_url(p))
    assert resp.status_code == 200
    text = pdf_text(resp.data)
    assert p.title in text
    assert "Solid." not in text and "A thoughtful proposal." not in text


def test_missing_proposal_is_404(browser, world):
    browser.login(world.staff)
    assert browser.get("/documents/proposals/424242/packet.pdf").status_code == 404
    assert browser.get("/documents/proposals/424242/decision-letter.pdf").status_code == 404


def _panel(app, proposal, user) -> str:
    with app.test_request_context("/"):
        return render_template("proposals/_documents_panel.html", proposal=proposal, current_user=user,
                               panels=proposal_panels(proposal, user))


def test_documents_panel_links_what_each_person_may_have(app_ctx, world):
    approved = world.proposals[S.APPROVED]
    staff_html = _panel(app_ctx, approved, world.staff)
    assert "<h2" in staff_html and "Documents</h2>" in staff_html
    assert _packet_url(approved) in staff_html and _letter_url(approved) in staff_html

    lead_html = _panel(app_ctx, approved, world.lead)
    assert _letter_url(approved) in lead_html and _packet_url(approved) not in lead_html

    reviewer_html = _panel(app_ctx, world.in_review, world.reviewer_btu)
    assert _packet_url(world.in_review) in reviewer_html and "decision-letter" not in reviewer_html

    assert _panel(app_ctx, approved, world.outsider).strip() == ""
    assert _panel(app_ctx, world.in_review, world.lead).strip() == ""  # no packet for the team, no letter yet


def test_pending_decision_is_no_letter(browser, world, factory):
    p = world.in_review
    factory.decision(p, world.co_chair_btu, outcome=DecisionOutcome.DECLINE, feedback="Not yet.")
    db.session.commit()
    browser.login(world.staff)
    assert browser.get(_letter_url(p)).status_code == 404
