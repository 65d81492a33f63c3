"""The learning summary: writing it, its tags and public artifacts, the team's consent, publishing.

A funded team writes what it learned in Markdown (rendered only through ``app.core.markdown``), tags
it with the topics, grade bands and subjects of the one taxonomy staff manage (``app.needs.taxonomy``,
shared with the needs survey and the PL catalog), may attach files to share, and its lead consents to publication.
Staff run the privacy check (``app.sharing.privacy``) and fire ``publish`` / ``unpublish`` through
the workflow; the after-steps here give a published summary its readable slug and date.

Every act leaves an audit event on the proposal. The operations flush; the request pipeline
(``app.web.run``) commits once. A refusal is a ``SummaryError`` (an ``app.core.errors.FormError``):
its (field, sentence) pairs say which form field a sentence belongs beside.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO

from sqlalchemy import select

from app.cases.advance import record_event, refusals
from app.core import changes, clock, pdf, uploads
from app.core.conditional import signature
from app.core.errors import FormError
from app.extensions import db
from app.models import (
    LearningSummary,
    Proposal,
    ProposalState,
    SummaryArtifact,
    SummaryPdf,
    Term,
    TermKind,
    User,
)
from app.models.sharing import build_search_text, school_levels
from app.needs import taxonomy
from app.sharing import privacy
from workflows.proposal import PROPOSAL, SUMMARY_EDITABLE

S = ProposalState

# The tags: the kinds of taxonomy term a summary carries (each kind a list of checkboxes).
TAG_KINDS = (TermKind.TOPIC, TermKind.GRADE_BAND, TermKind.SUBJECT)

# The team writes its summary while the grant runs and after; a published summary is read-only.
TITLE_MAX = 200
BODY_MAX = 20_000
DESCRIPTION_MAX = 300


class SummaryError(FormError):
    """A refusal a user reads (``str(exc)``); given as [(field, sentence)], it belongs beside that field."""


class SaveConflict(SummaryError):
    """Someone on the team saved the summary after the writer opened it: nothing is saved (409)."""


# -- reading ----------------------------------------------------------------------------------
def summary_of(proposal: Proposal) -> LearningSummary | None:
    return proposal.learning_summary


def is_editable(proposal: Proposal) -> bool:
    return proposal.state in SUMMARY_EDITABLE


def not_editable_reason(proposal: Proposal) -> str:
    if proposal.state is S.PUBLISHED:
        return ("The learning summary is published, so it is read-only. "
                "Program staff can unpublish it if it needs a change.")
    return ("The team writes its learning summary once the grant is active; "
            f"this proposal is {proposal.state_label.lower()}.")


def consent_refusal(proposal: Proposal) -> str:
    """Why a member of the team may not give or withdraw the team's consent now."""
    if is_editable(proposal):
        return f"Only the team lead, {proposal.team.lead_name}, gives or withdraws consent for the team."
    return not_editable_reason(proposal)


def edit_token(summary: LearningSummary | None) -> str:
    """The summary's last change, as the editor keeps it to notice a teammate's save in between."""
    return summary.updated_at.isoformat() if summary is not None and summary.updated_at else ""


def publish_blockers(proposal: Proposal, actor: User) -> list[str]:
    """What stops ``actor`` publishing the summary, while the proposal is where publishing starts."""
    publish = PROPOSAL.transition("publish")
    return refusals(proposal, publish.trigger, actor) if proposal.state in publish.sources else []


def grant_type_label(proposal: Proposal) -> str:
    return proposal.grant_type.label if proposal.grant_type else "Grant type not recorded"


@dataclass(frozen=True)
class Status:
    """What the case page's panel says about the summary."""

    exists: bool
    drafted: bool
    consented: bool
    privacy_open: int | None  # None: check not run (or out of date)
    published: bool
    slug: str | None


def status(proposal: Proposal) -> Status:
    s = proposal.learning_summary
    return Status(
        exists=s is not None,
        drafted=proposal.summary_drafted,
        consented=proposal.summary_consented,
        privacy_open=proposal.privacy_flags_open,
        published=proposal.state is S.PUBLISHED and s is not None and s.published_at is not None,
        slug=s.slug if s is not None else None,
    )


# -- writing ----------------------------------------------------------------------------------
def tag_choices(kind: TermKind, summary: LearningSummary | None = None) -> list[Term]:
    """What the editor offers for ``kind``: the taxonomy's active terms, and any retired one the summary
    already carries (kept until the team unticks it), in the taxonomy's order."""
    held = [t for t in (summary.tags if summary is not None else ()) if t.kind is kind and not t.active]
    offered = {t.id: t for t in taxonomy.active_terms(kind)} | {t.id: t for t in held}
    return sorted(offered.values(), key=lambda t: (t.position, t.name))


def _clean_tags(tags: Mapping[TermKind | str, Iterable[int | str]],
                summary: LearningSummary | None) -> dict[TermKind, list[Term]]:
    """The terms chosen for each kind: given by id (what the editor sends) or by name (ignoring case)."""
    out: dict[TermKind, list[Term]] = {}
    given = {TermKind(k): list(v or ()) for k, v in tags.items()}
    for kind in TAG_KINDS:
        offered = tag_choices(kind, summary)
        by_id = {str(t.id): t for t in offered}
        by_name = {t.name.lower(): t for t in offered}
        chosen: dict[int, Term] = {}
        for value in given.get(kind, ()):
            key = str(value).strip()
            term = by_id.get(key) or by_name.get(key.lower())
            if term is None:
                raise SummaryError(f"Choose {kind.label.lower()} tags from the list; “{key}” is not one of them.")
            chosen[term.id] = term
        out[kind] = [t for t in offered if t.id in chosen]  # the taxonomy's order
    return out


def _ensure_editable(proposal: Proposal) -> None:
    if not is_editable(proposal):
        raise SummaryError(not_editable_reason(proposal))


def save(proposal: Proposal, actor: User, *, title: str, body: str,
         tags: Mapping[TermKind | str, Iterable[int | str]], loaded: str | None = None) -> LearningSummary:
    """Create or update the summary as typed; records "edit_summary" naming what changed.

    ``loaded``: the ``edit_token`` of the summary the writer opened; when someone saved it since,
    ``SaveConflict`` and nothing is saved. A change to the words makes the last privacy check out of date.
    """
    _ensure_editable(proposal)
    summary = proposal.learning_summary
    if loaded is not None and summary is not None and loaded != edit_token(summary):
        raise SaveConflict("Someone on your team saved the summary after you opened it. Your text is kept below: "
                           "open the preview to see their version. Saving again replaces their changes with yours.")
    title = " ".join((title or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not title:
        raise SummaryError([("title", "Give the summary a title.")])
    if len(title) > TITLE_MAX:
        raise SummaryError([("title", f"Keep the title to {TITLE_MAX} characters or fewer.")])
    if len(body) > BODY_MAX:
        raise SummaryError([("body", f"Keep the summary to {BODY_MAX:,} characters or fewer.")])
    wanted = _clean_tags(tags, summary)
    changed: list[str] = []
    if summary is None:
        summary = LearningSummary(proposal=proposal, title="", body="")
        db.session.add(summary)
        changed.append("Started")
    if summary.title != title:
        summary.title = title
        changed.append("Title")
    if summary.body != body:
        summary.body = body
        changed.append("Summary")
    for kind, terms in wanted.items():
        current = [t for t in summary.tags if t.kind is kind]
        if {t.id for t in current} != {t.id for t in terms}:
            summary.tags = [t for t in summary.tags if t.kind is not kind] + terms
            changed.append(f"{kind.label} tags")
    if not changed:
        return summary
    if "Title" in changed or "Summary" in changed:
        privacy.mark_stale(summary)
    summary.search_text = build_search_text(summary, proposal)
    summary.updated_at = clock.now()
    db.session.flush()
    record_event(proposal, "edit_summary", actor, data={"fields": [c for c in changed if c != "Started"]})
    db.session.flush()
    return summary


def add_artifact(proposal: Proposal, actor: User, *, filename: str | None, stream: IO[bytes],
                 description: str, max_bytes: int) -> SummaryArtifact:
    """A file the team shares publicly with its summary: checked by ``uploads.check_file``."""
    _ensure_editable(proposal)
    summary = proposal.learning_summary
    if summary is None:
        raise SummaryError([("file", "Save the learning summary first, then add files to share with it.")])
    description = " ".join((description or "").split())
    if not description:
        raise SummaryError([("description", "Describe the file for the people who will read the summary.")])
    if len(description) > DESCRIPTION_MAX:
        raise SummaryError([("description", f"Keep the description to {DESCRIPTION_MAX} characters or fewer.")])
    try:
        checked = uploads.check_file(filename, stream, max_bytes)
    except uploads.UploadError as exc:
        raise SummaryError([("file", str(exc))]) from None
    if any(a.filename.lower() == checked.filename.lower() for a in summary.artifacts):
        raise SummaryError([("file", f"A file called {checked.filename} is already shared with this summary. "
                                     "Remove that one first, or rename your file.")])
    artifact = SummaryArtifact(
        filename=checked.filename, description=description, content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, data=checked.data, uploaded_by_id=actor.id,
        uploaded_at=clock.now(),
    )
    summary.artifacts.append(artifact)
    privacy.mark_stale(summary)
    db.session.flush()
    record_event(proposal, "upload_artifact", actor, data={"filename": artifact.filename, "size": artifact.size})
    db.session.flush()
    return artifact


def delete_artifact(proposal: Proposal, artifact: SummaryArtifact, actor: User) -> None:
    _ensure_editable(proposal)
    summary = artifact.summary
    name = artifact.filename
    summary.artifacts.remove(artifact)
    db.session.delete(artifact)
    privacy.mark_stale(summary)
    record_event(proposal, "delete_artifact", actor, data={"filename": name})
    db.session.flush()


def give_consent(proposal: Proposal, actor: User) -> LearningSummary:
    _ensure_editable(proposal)
    summary = proposal.learning_summary
    if summary is None or not summary.body.strip():
        raise SummaryError("Write the learning summary before consenting to publish it.")
    if actor.id != proposal.team.lead_id:
        raise SummaryError(f"Only the team lead, {proposal.team.lead_name}, consents for the team.")
    if summary.consent_given_at is not None:
        raise SummaryError("The team has already consented to publish its learning summary.")
    summary.consent_given_at = clock.now()
    summary.consent_by_id = actor.id
    record_event(proposal, "consent_to_publish", actor)
    db.session.flush()
    return summary


def withdraw_consent(proposal: Proposal, actor: User) -> LearningSummary:
    summary = proposal.learning_summary
    if proposal.state is S.PUBLISHED:
        raise SummaryError("The summary is already published; ask program staff to unpublish it.")
    _ensure_editable(proposal)
    if actor.id != proposal.team.lead_id:
        raise SummaryError(f"Only the team lead, {proposal.team.lead_name}, withdraws consent for the team.")
    if summary is None or summary.consent_given_at is None:
        raise SummaryError("The team has not consented, so there is nothing to withdraw.")
    summary.consent_given_at = None
    summary.consent_by_id = None
    record_event(proposal, "withdraw_consent", actor)
    db.session.flush()
    return summary


# -- the PDF ------------------------------------------------------------------------------------
def pdf_context(summary: LearningSummary) -> dict:
    proposal = summary.proposal
    return {
        "summary": summary,
        "proposal": proposal,
        "team": proposal.team,
        "schools": proposal.team.schools,
        "school_levels": school_levels(proposal),
        "grant_type": grant_type_label(proposal),
        "tags": {kind: summary.tag_values(kind) for kind in TAG_KINDS},
        "printed_at": clock.now(),
    }


def render_pdf(summary: LearningSummary) -> bytes:
    """The summary in print layout (for the team and staff, published or not). Needs an app context."""
    return pdf.render("pdf/summary.html", **pdf_context(summary))


def is_public(summary: LearningSummary | None) -> bool:
    return (summary is not None and summary.published_at is not None and summary.slug is not None
            and summary.proposal.state is S.PUBLISHED)


def published_by_slug(slug: str) -> LearningSummary | None:
    """The published summary at ``/learning/<slug>``, or None (drafts and unpublished ones do not exist)."""
    summary = db.session.scalar(select(LearningSummary).where(LearningSummary.slug == slug))
    return summary if is_public(summary) else None


def pdf_version(summary: LearningSummary) -> str:
    """What the public PDF is made from: the summary's last save and publication, the names shown beside
    it (its team and schools: app/core/changes.py's ``names``) and the release (its templates). Any of
    them changing makes a new PDF."""
    parts = (summary.id, summary.updated_at, summary.published_at, changes.current(changes.NAMES)[0], signature())
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def render_published_pdf(summary: LearningSummary) -> bytes:
    """The public gallery's PDF of a PUBLISHED summary; anything else raises ``LookupError``.

    Made once per version (``pdf_version``) and kept in ``summary_pdf``, which holds the latest one per
    summary: a request for the same version reads it back and WeasyPrint is not called. Two workers that
    make the same new PDF at once both serve theirs; the second one's store, refused by the primary key or
    finding the row changed meanwhile, is dropped.
    """
    if not is_public(summary):
        raise LookupError("This learning summary is not published.")
    version = pdf_version(summary)
    stored = db.session.scalar(select(SummaryPdf.body).where(SummaryPdf.summary_id == summary.id,
                                                             SummaryPdf.version == version))
    if stored is not None:
        return stored
    body = render_pdf(summary)
    changes.keep_made(SummaryPdf, summary.id, version, body)
    return body


__all__ = [
    "SaveConflict", "Status", "SummaryError", "TAG_KINDS", "add_artifact", "consent_refusal", "delete_artifact", "edit_token", "give_consent",
    "grant_type_label", "is_editable", "is_public", "not_editable_reason", "pdf_context", "publish_blockers",
    "pdf_version", "published_by_slug", "render_pdf", "render_published_pdf", "save", "status", "summary_of", "tag_choices",
    "withdraw_consent",
]
