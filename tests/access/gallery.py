"""Access matrix for the public learning gallery: no sign-in anywhere; every persona (anonymous
included) gets a published summary, its files and its PDF; nobody gets an unpublished one (404).

``seed_gallery(world)`` gives ``world.proposals[published]`` a published summary with one shared
file, and ``world.proposals[completed]`` a summary that was published once and then unpublished.
It also holds the helpers the gallery's view tests use to place summaries in any state.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from app.core import clock
from app.extensions import db
from app.models import LearningSummary, Proposal, ProposalState, SummaryArtifact, TermKind
from app.models.sharing import build_search_text
from app.sharing.gallery import local_year
from tests.access import Case
from tests.factories import tag_terms

S = ProposalState
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def place_summary(proposal: Proposal, *, title: str, body: str = "What we learned.", slug: str | None = None,
                  published_at: datetime | None = None, tags: dict[TermKind, list[str]] | None = None,
                  consent: bool = True, artifacts: tuple[tuple[str, bytes], ...] = ()) -> LearningSummary:
    """Setup: a learning summary on ``proposal`` as the summaries service would leave it.

    The proposal's state is the caller's (setup may place a case in a state); ``published_at``
    and ``slug`` are what the publish step would have set.
    """
    terms = tag_terms(tags)  # before the summary exists: looking them up flushes the session
    summary = LearningSummary(proposal=proposal, title=title, body=body, slug=slug, published_at=published_at,
                              consent_given_at=clock.now() if consent else None,
                              consent_by_id=proposal.team.lead_id if consent else None)
    summary.tags.extend(terms)
    for name, data in artifacts:
        summary.artifacts.append(SummaryArtifact(
            filename=name, description=f"Shared file {name}", content_type="image/png", size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by_id=proposal.team.lead_id,
        ))
    db.session.add(summary)
    db.session.flush()
    summary.search_text = build_search_text(summary, proposal)
    db.session.flush()
    return summary


@dataclass
class GallerySeed:
    published: LearningSummary
    artifact: SummaryArtifact
    unpublished: LearningSummary
    hidden_artifact: SummaryArtifact


def seed_gallery(world) -> GallerySeed:
    """Idempotent: the access matrix asks for a URL once per persona."""
    seed = getattr(world, "_gallery_seed", None)
    if seed is None:
        published = place_summary(
            world.proposals[S.PUBLISHED], title="Reading circles for newcomers", slug="reading-circles-for-newcomers",
            published_at=clock.now(), body="## What we learned\n\nBilingual texts **work**.",
            tags={TermKind.TOPIC: ["Literacy"], TermKind.GRADE_BAND: ["3-5"], TermKind.SUBJECT: ["ELA"]},
            artifacts=(("reading-log.png", PNG),),
        )
        unpublished = place_summary(
            world.proposals[S.COMPLETED], title="Unpublished summary", slug="unpublished-summary",
            published_at=None, artifacts=(("hidden.png", PNG),),
        )
        db.session.commit()
        seed = GallerySeed(published, published.artifacts[0], unpublished, unpublished.artifacts[0])
        world._gallery_seed = seed
    return seed


def _published(path: str = ""):
    return lambda w: f"/learning/{seed_gallery(w).published.slug}{path}"


def _unpublished(path: str = ""):
    return lambda w: f"/learning/{seed_gallery(w).unpublished.slug}{path}"


CASES = [
    Case("gallery.index", lambda w: "/learning", public=True, default=200),
    Case("gallery.index", lambda w: "/learning?q=reading&topic=Literacy&year=nonsense&page=99", public=True,
         default=200, label="search-and-bad-input"),
    Case("gallery.feed", lambda w: "/learning/feed.atom", public=True, default=200),
    Case("gallery.show", _published(), public=True, default=200,
         missing=lambda w: "/learning/no-such-summary", missing_as="anon"),
    Case("gallery.show", _unpublished(), public=True, default=404, label="unpublished"),
    Case("gallery.artifact", lambda w: f"{_published()(w)}/artifacts/{seed_gallery(w).artifact.id}",
         public=True, default=200, missing=lambda w: f"{_published()(w)}/artifacts/999999", missing_as="anon"),
    Case("gallery.artifact", lambda w: f"{_published()(w)}/artifacts/{seed_gallery(w).hidden_artifact.id}",
         public=True, default=404, label="another-summarys-file"),
    Case("gallery.artifact", lambda w: f"{_unpublished()(w)}/artifacts/{seed_gallery(w).hidden_artifact.id}",
         public=True, default=404, label="unpublished"),
    Case("gallery.pdf", _published(".pdf"), public=True, default=200,
         missing=lambda w: "/learning/no-such-summary.pdf", missing_as="anon"),
    Case("gallery.pdf", _unpublished(".pdf"), public=True, default=404, label="unpublished"),
    # The year's compendium: public; a year with nothing published is 404 (with the reason) for everyone.
    Case("gallery.compendium", lambda w: f"/learning/{local_year(seed_gallery(w).published.published_at)}.pdf",
         public=True, default=200, missing=lambda w: "/learning/1999.pdf", missing_as="anon"),
]
