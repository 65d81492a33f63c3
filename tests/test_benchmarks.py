"""The scale benchmark (benchmarks/scale.py) cannot rot: its builder makes, on a small database of its
own (200 proposals; SQLite, or PostgreSQL under TEST_DATABASE_URL), data the pages accept, and every
page it measures answers 200 for the person it signs in as, showing what that person should see."""
from __future__ import annotations

import os
from collections import Counter

import pytest
from sqlalchemy import func, select

from app import _normalise_url
from app.extensions import db
from app.models import (
    Decision,
    LearningSummary,
    Proposal,
    ProposalState,
    ReviewAssignment,
    ReviewStatus,
    User,
)
from benchmarks import scale, scale_data

S = ProposalState
N = 200


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if base:
        url = scale.pg_url(_normalise_url(base), N, f"pytest_{worker}")
    else:
        url = scale.sqlite_url(tmp_path_factory.mktemp("scale"), N, "pytest")
    facts = scale.build_database(url, N, log=lambda *a: None)
    app = scale.app_for(url)
    yield app, facts, url
    with app.app_context():
        db.engine.dispose()
    scale.drop_database(url)


def test_every_page_answers_its_person(built):
    app, facts, _ = built
    clients = scale.clients_for(app, facts)
    for page in scale.PAGES:
        url = scale.page_url(app, page, facts)
        resp = clients[page.who].get(url)
        assert resp.status_code == 200, f"{page.label} ({url}) answered {resp.status_code}"
        if page.who is not None:
            assert b"Sign out" in resp.data or b"sign out" in resp.data.lower(), f"{page.label}: not signed in"


def test_the_pages_show_the_built_history(built):
    app, facts, _ = built
    clients = scale.clients_for(app, facts)
    with app.app_context():
        newest = db.session.scalar(select(LearningSummary).order_by(LearningSummary.published_at.desc()).limit(1))
        in_review = db.session.scalars(select(Proposal.title).where(Proposal.cycle_id == facts["cycle_id"],
                                                                    Proposal.state == S.IN_REVIEW)).all()
        reviewer = db.session.scalar(select(User).where(User.email == facts["reviewer"]))
        assigned = db.session.scalar(
            select(Proposal).join(ReviewAssignment).where(ReviewAssignment.reviewer_id == reviewer.id,
                                                          Proposal.cycle_id == facts["cycle_id"],
                                                          Proposal.state == S.IN_REVIEW).limit(1))
        titles = newest.title, None, assigned.title
    gallery = clients[None].get(scale.page_url(app, scale.PAGES[12], facts))
    assert titles[0].encode() in gallery.data  # the newest published summary is on the gallery
    cohort = next(p for p in scale.PAGES if p.endpoint == "committee.cohort")
    page = clients["co_chair"].get(scale.page_url(app, cohort, facts)).data
    shown = [t for t in in_review if t.encode() in page]  # the cohort's first page: up to 50 of the cycle's
    assert in_review and len(shown) == min(50, len(in_review))
    queue = next(p for p in scale.PAGES if p.endpoint == "review.queue")
    assert titles[2].encode() in clients["reviewer"].get(scale.page_url(app, queue, facts)).data


def test_states_carry_what_the_workflow_implies(built):
    app, facts, _ = built
    with app.app_context():
        proposals = db.session.scalars(select(Proposal)).all()
        assert len(proposals) == N
        states = Counter(p.state for p in proposals)
        current = [p for p in proposals if p.cycle_id == facts["cycle_id"]]
        assert len(current) == facts["current"] and len(current) < N  # most of the history is closed
        assert states[S.PUBLISHED] and states[S.DECLINED] and states[S.IN_REVIEW] and states[S.DRAFT]
        assert all(p.cycle_id == facts["cycle_id"] for p in proposals if p.state is S.IN_REVIEW)
        for p in proposals:
            assert (p.submitted_at is None) == (p.state is S.DRAFT), (p.id, p.state)
            if p.state in scale_data.FUNDED:
                assert p.award and p.decided_at and p.activated_at and p.agreement_accepted_at, p.id
            if p.state in scale_data.REVIEWED:
                assert Counter(a.side for a in p.assignments) == {"BTU": 2, "BPS": 2}
        confirmed = db.session.scalars(select(Decision).where(Decision.confirmed_at.is_not(None))).all()
        decided = {p.id for p in proposals if p.state in (*scale_data.FUNDED, S.DECLINED, S.REVISIONS_REQUESTED)}
        assert {d.proposal_id for d in confirmed} == decided
        scored = db.session.scalars(select(ReviewAssignment).where(
            ReviewAssignment.status == ReviewStatus.SUBMITTED)).all()
        assert scored and all(len(a.scores) == len(scale_data.CRITERIA) for a in scored)
        published = db.session.scalar(select(func.count()).select_from(LearningSummary).where(
            LearningSummary.published_at.is_not(None)))
        assert published == states[S.PUBLISHED]


def test_the_bare_page_is_three_statements_and_fifty_rows(built):
    _, _, url = built
    bare, bare_db = scale.bare_app(url)
    client = bare.test_client()
    with bare.app_context():
        engine = bare_db.engine
    result = scale.measure(client, "/", engine, requests=1)
    assert result.status == 200 and result.statements == 3
    assert client.get("/").data.count(b"<tr>") == 51  # a header row and 50 proposals
    with bare.app_context():
        bare_db.engine.dispose()
