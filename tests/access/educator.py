"""Access matrix for the educator side: teams, proposals, the case page and its actions."""
from __future__ import annotations

import hashlib

from app.extensions import db
from app.models import Attachment, ProposalState
from tests.access import Case

S = ProposalState
EDUCATORS = {"lead": 200, "member": 200, "outsider": 200}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _attachment(w) -> Attachment:
    """A file on the team's draft (made on first use, so the standard world stays as it is)."""
    att = w.draft.attachments[0] if w.draft.attachments else None
    if att is None:
        att = Attachment(proposal=w.draft, filename="plan.pdf", content_type="application/pdf", size=len(PDF),
                         sha256=hashlib.sha256(PDF).hexdigest(), data=PDF, uploaded_by_id=w.lead.id)
        db.session.add(att)
        db.session.commit()
    return att


def _p(w, state=S.DRAFT) -> int:
    return w.proposals[state].id


CASES = [
    # -- teams --
    Case("teams.list", lambda w: "/teams/", expect=EDUCATORS),
    Case("teams.new", lambda w: "/teams/new", expect=EDUCATORS),
    Case("teams.new", lambda w: "/teams/new", method="POST",
         data=lambda w: {"name": "Matrix Makers", "scope": "cross_school", "school": ""},
         expect={"lead": 302, "member": 302, "outsider": 302}),
    Case("teams.show", lambda w: f"/teams/{w.team.id}", expect={"lead": 200, "member": 200, "staff": 200,
                                                                "admin": 200},
         missing=lambda w: "/teams/999999"),
    Case("teams.add_member", lambda w: f"/teams/{w.team.id}/members", method="POST",
         data=lambda w: {"email": "peer@example.org"},  # another school's educator: refused with a message
         expect={"lead": 422}, missing=lambda w: "/teams/999999/members", missing_as="lead"),
    Case("teams.add_member", lambda w: f"/teams/{w.other_team.id}/members", method="POST", label="other-team",
         data=lambda w: {"email": "member@example.org"}, expect={"outsider": 422}),
    Case("teams.remove_member", lambda w: f"/teams/{w.team.id}/members/{w.member.id}/remove", method="POST",
         expect={"lead": 302}, missing=lambda w: f"/teams/{w.team.id}/members/999999/remove", missing_as="lead"),
    Case("teams.remove_member", lambda w: f"/teams/{w.team.id}/members/{w.lead.id}/remove", method="POST",
         label="the-lead", expect={"lead": 422}),
    Case("teams.remove_member", lambda w: f"/teams/{w.team.id}/members/{w.outsider.id}/remove", method="POST",
         label="not-a-member", expect={"lead": 404}),
    # -- my proposals, a new draft --
    Case("proposals.mine", lambda w: "/proposals/", expect=EDUCATORS),
    Case("proposals.new", lambda w: "/proposals/new", expect=EDUCATORS),
    Case("proposals.new", lambda w: "/proposals/new", method="POST",
         data=lambda w: {"team": str(w.team.id), "cycle": str(w.cycle.id)},
         expect={"lead": 302, "member": 302, "outsider": 422}),  # not the outsider's team
    # -- the case page --
    Case("proposals.show", lambda w: f"/proposals/{_p(w)}", label="draft",
         expect={"lead": 200, "member": 200, "staff": 200}, missing=lambda w: "/proposals/999999"),
    Case("proposals.show", lambda w: f"/proposals/{_p(w, S.IN_REVIEW)}", label="in-review",
         expect={"lead": 200, "member": 200, "staff": 200, "reviewer_btu": 200, "co_chair_btu": 200,
                 "co_chair_bps": 200}),
    Case("proposals.show", lambda w: f"/proposals/{_p(w, S.APPROVED)}", label="approved",
         expect={"lead": 200, "member": 200, "staff": 200, "reviewer_btu": 200, "co_chair_btu": 200,
                 "co_chair_bps": 200}),
    # -- actions --
    Case("proposals.fire", lambda w: f"/proposals/{_p(w)}/actions/submit", method="POST", label="submit",
         data=lambda w: {"confirm_step": "yes"},
         expect={"lead": 302}, missing=lambda w: "/proposals/999999/actions/submit", missing_as="lead"),
    Case("proposals.fire", lambda w: f"/proposals/{_p(w)}/actions/withdraw", method="POST",
         label="withdraw-no-reason", expect={"lead": 422}),
    Case("proposals.fire", lambda w: f"/proposals/{_p(w, S.SUBMITTED)}/actions/return_for_revision",
         method="POST", label="return", data=lambda w: {"comment": "Say more about the students."},
         expect={"staff": 302}),
    Case("proposals.fire", lambda w: f"/proposals/{_p(w, S.SUBMITTED)}/actions/begin_review",
         method="POST", label="begin-review-unassigned", expect={"staff": 422}),
    Case("proposals.fire", lambda w: f"/proposals/{_p(w, S.IN_REVIEW)}/actions/approve", method="POST",
         label="joint", default=403),
    Case("proposals.fire", lambda w: f"/proposals/{_p(w)}/actions/no_such_thing", method="POST",
         label="unknown-trigger", default=404, missing=lambda w: f"/proposals/{_p(w)}/actions/launch"),
    # -- editing --
    Case("proposals.edit", lambda w: f"/proposals/{_p(w)}/edit", label="draft",
         expect={"lead": 200, "member": 200}, missing=lambda w: "/proposals/999999/edit", missing_as="lead"),
    Case("proposals.edit", lambda w: f"/proposals/{_p(w, S.REVISIONS_REQUESTED)}/edit", label="revisions",
         expect={"lead": 200, "member": 200}),
    Case("proposals.edit", lambda w: f"/proposals/{_p(w, S.SUBMITTED)}/edit", label="submitted"),
    Case("proposals.edit", lambda w: f"/proposals/{_p(w)}/edit", method="POST",
         data=lambda w: {"title": "A new title", "version": str(w.draft.version)},
         expect={"lead": 302, "member": 302}),
    # -- attachments --
    Case("proposals.upload", lambda w: f"/proposals/{_p(w)}/attachments", method="POST",  # no file: re-shown
         expect={"lead": 422, "member": 422}, missing=lambda w: "/proposals/999999/attachments",
         missing_as="lead"),
    Case("proposals.attachment", lambda w: f"/proposals/{_p(w)}/attachments/{_attachment(w).id}",
         expect={"lead": 200, "member": 200, "staff": 200},
         missing=lambda w: f"/proposals/{_p(w)}/attachments/999999"),
    Case("proposals.attachment", lambda w: f"/proposals/{_p(w, S.SUBMITTED)}/attachments/{_attachment(w).id}",
         label="wrong-proposal", expect={"lead": 404, "member": 404, "staff": 404, "co_chair_btu": 404,
                                         "co_chair_bps": 404}),
    Case("proposals.delete_attachment",
         lambda w: f"/proposals/{_p(w)}/attachments/{_attachment(w).id}/delete", method="POST",
         expect={"lead": 302, "member": 302},
         missing=lambda w: f"/proposals/{_p(w)}/attachments/999999/delete", missing_as="lead"),
]
