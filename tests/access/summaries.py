"""Access matrix for the learning summary: the team's editor, preview, files and consent; staff's
privacy check; the summary PDF (team and staff)."""
from __future__ import annotations

from io import BytesIO

from app.extensions import db
from app.models import FlagKind, FlagStatus, PrivacyFlag, ProposalState
from tests.access import Case
from tests.factories import Factory

S = ProposalState
TEAM = {"lead": 200, "member": 200}
TEAM_AND_STAFF = {"lead": 200, "member": 200, "staff": 200}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _summary(w, state=S.ACTIVE):
    """The summary of the team's proposal in ``state`` (made on first use; the world has none)."""
    p = w.proposals[state]
    if p.learning_summary is None:
        Factory().summary(p, artifacts=[("plan.pdf", "Our planning template", PDF)])
        db.session.commit()
    return p.learning_summary


def _flag(w, state=S.COMPLETED) -> PrivacyFlag:
    s = _summary(w, state)
    if not s.flags:
        s.flags.append(PrivacyFlag(kind=FlagKind.EMAIL, match="jo@example.org", context="Summary: write jo@example.org",
                                   status=FlagStatus.OPEN))
        db.session.commit()
    return s.flags[0]


def _base(w, state=S.ACTIVE, with_summary=True) -> str:
    p = w.proposals[state]
    if with_summary:
        _summary(w, state)
    return f"/proposals/{p.id}/summary"


def _artifact_url(w, state=S.ACTIVE, suffix="") -> str:
    s = _summary(w, state)
    return f"/proposals/{s.proposal_id}/summary/artifacts/{s.artifacts[0].id}{suffix}"


def _upload(w):
    return {"file": (BytesIO(PDF), "handout.pdf"), "description": "A handout for families"}


EDIT = {"title": "Reading together", "body": "What we learned."}

CASES = [
    # -- the editor --
    Case("summaries.edit", lambda w: _base(w, with_summary=False), label="active-not-started", expect=TEAM,
         missing=lambda w: "/proposals/999999/summary"),
    Case("summaries.edit", lambda w: _base(w, S.FINAL_REPORT_SUBMITTED), label="report-submitted", expect=TEAM),
    Case("summaries.edit", lambda w: _base(w, S.PUBLISHED), label="published-read-only", expect=TEAM),
    Case("summaries.edit", lambda w: _base(w, S.APPROVED, with_summary=False), label="approved-too-early"),
    Case("summaries.edit", lambda w: _base(w, S.DRAFT, with_summary=False), label="draft"),
    Case("summaries.edit", lambda w: _base(w, with_summary=False), method="POST", data=lambda w: dict(EDIT),
         expect={"lead": 302, "member": 302}, missing=lambda w: "/proposals/999999/summary", missing_as="lead"),
    Case("summaries.edit", lambda w: _base(w, S.COMPLETED, with_summary=False), method="POST", label="no-title",
         data=lambda w: {"title": "", "body": "Text kept"}, expect={"lead": 422, "member": 422}),
    Case("summaries.edit", lambda w: _base(w, S.PUBLISHED), method="POST", label="published",
         data=lambda w: dict(EDIT)),
    # -- preview and PDF --
    Case("summaries.preview", lambda w: _base(w) + "/preview", expect=TEAM_AND_STAFF,
         missing=lambda w: "/proposals/999999/summary/preview"),
    Case("summaries.preview", lambda w: _base(w, S.FINAL_REPORT_SUBMITTED, with_summary=False) + "/preview",
         label="no-summary", expect={"lead": 404, "member": 404, "staff": 404}),
    Case("summaries.preview", lambda w: _base(w, S.PUBLISHED) + "/preview", label="published",
         expect=TEAM_AND_STAFF),
    Case("summaries.pdf", lambda w: _base(w) + ".pdf", expect=TEAM_AND_STAFF,
         missing=lambda w: "/proposals/999999/summary.pdf"),
    Case("summaries.pdf", lambda w: _base(w, S.COMPLETED, with_summary=False) + ".pdf", label="no-summary",
         expect={"lead": 404, "member": 404, "staff": 404}),
    # -- public files --
    Case("summaries.upload_artifact", lambda w: _base(w) + "/artifacts", method="POST", data=_upload,
         expect={"lead": 302, "member": 302}, missing=lambda w: "/proposals/999999/summary/artifacts",
         missing_as="lead"),
    Case("summaries.upload_artifact", lambda w: _base(w) + "/artifacts", method="POST", label="no-file",
         data=lambda w: {"description": "kept"}, expect={"lead": 422, "member": 422}),
    Case("summaries.upload_artifact", lambda w: _base(w, S.PUBLISHED) + "/artifacts", method="POST",
         label="published", data=_upload),
    Case("summaries.artifact", lambda w: _artifact_url(w), expect=TEAM_AND_STAFF,
         missing=lambda w: _base(w) + "/artifacts/999999"),
    Case("summaries.delete_artifact", lambda w: _artifact_url(w, suffix="/delete"), method="POST",
         expect={"lead": 302, "member": 302}, missing=lambda w: _base(w) + "/artifacts/999999/delete",
         missing_as="lead"),
    Case("summaries.delete_artifact", lambda w: _artifact_url(w, S.PUBLISHED, suffix="/delete"), method="POST",
         label="published"),
    # -- consent --
    Case("summaries.consent", lambda w: _base(w) + "/consent", method="POST", data=lambda w: {"agree": "y"},
         expect={"lead": 302}, missing=lambda w: "/proposals/999999/summary/consent", missing_as="lead"),
    Case("summaries.consent", lambda w: _base(w) + "/consent", method="POST", label="box-not-ticked",
         expect={"lead": 422}),
    Case("summaries.consent", lambda w: _base(w, S.PUBLISHED) + "/consent", method="POST", label="published",
         data=lambda w: {"withdraw": "1"}),
    # -- privacy check (staff) --
    Case("summaries.privacy", lambda w: _base(w, S.COMPLETED) + "/privacy", expect={"staff": 200},
         missing=lambda w: "/proposals/999999/summary/privacy"),
    Case("summaries.privacy", lambda w: _base(w, S.ACTIVE, with_summary=False) + "/privacy", label="no-summary",
         expect={"staff": 404}),
    Case("summaries.privacy", lambda w: _base(w, S.DRAFT, with_summary=False) + "/privacy", label="draft"),
    Case("summaries.privacy", lambda w: _base(w, S.COMPLETED) + "/privacy", method="POST", label="run",
         data=lambda w: {"action": "run"}, expect={"staff": 302},
         missing=lambda w: "/proposals/999999/summary/privacy"),
    Case("summaries.privacy", lambda w: _base(w, S.COMPLETED) + "/privacy", method="POST", label="empty-name",
         data=lambda w: {"action": "add_name", "name": ""}, expect={"staff": 422}),
    Case("summaries.override_flag",
         lambda w: f"{_base(w, S.COMPLETED)}/privacy/flags/{_flag(w).id}/override", method="POST",
         data=lambda w: {"reason": "The school's public office address."}, expect={"staff": 302},
         missing=lambda w: f"{_base(w, S.COMPLETED)}/privacy/flags/999999/override"),
    Case("summaries.override_flag",
         lambda w: f"{_base(w, S.COMPLETED)}/privacy/flags/{_flag(w).id}/override", method="POST",
         label="no-reason", data=lambda w: {"reason": "  "}, expect={"staff": 422}),
]
