"""Access matrix for the documents: the proposal packet (reviewers, staff, co-chairs) and the
decision letter (the team, staff, co-chairs; only once a decision is confirmed)."""
from __future__ import annotations

from app.models import ProposalState
from tests.access import Case

S = ProposalState

# Who gets the packet of a proposal in review: its assigned reviewers, staff and the co-chairs.
PACKET = {"reviewer_btu": 200, "co_chair_btu": 200, "co_chair_bps": 200, "staff": 200}
# Who gets the letter of a decided proposal: the team, staff and the co-chairs.
LETTER = {"lead": 200, "member": 200, "co_chair_btu": 200, "co_chair_bps": 200, "staff": 200}
# Before a confirmed decision there is no letter: 404 for those who may see the proposal.
NO_LETTER_YET = {"lead": 404, "member": 404, "reviewer_btu": 404, "co_chair_btu": 404, "co_chair_bps": 404,
                 "staff": 404}


def _packet(state):
    return lambda w: f"/documents/proposals/{w.proposals[state].id}/packet.pdf"


def _letter(state):
    return lambda w: f"/documents/proposals/{w.proposals[state].id}/decision-letter.pdf"


CASES = [
    Case("documents.packet", _packet(S.IN_REVIEW), expect=PACKET,
         missing=lambda w: "/documents/proposals/999999/packet.pdf"),
    Case("documents.packet", _packet(S.SUBMITTED), label="submitted",
         expect={"staff": 200, "co_chair_btu": 200, "co_chair_bps": 200}),
    Case("documents.packet", _packet(S.DRAFT), label="draft"),
    Case("documents.letter", _letter(S.APPROVED), expect=LETTER,
         missing=lambda w: "/documents/proposals/999999/decision-letter.pdf"),
    Case("documents.letter", _letter(S.DECLINED), label="declined", expect=LETTER),
    Case("documents.letter", _letter(S.IN_REVIEW), label="undecided", expect=NO_LETTER_YET),
    Case("documents.letter", _letter(S.DRAFT), label="draft", expect={"lead": 404, "member": 404, "staff": 404}),
]


def _quiet_cycle(w) -> int:
    """A cycle with nothing in review: no docket (a 404 with the reason) for those who may print one."""
    from app.extensions import db
    from tests.factories import Factory

    if getattr(w, "_quiet_cycle_id", None) is None:  # asked once per persona
        w._quiet_cycle_id = Factory().cycle("Quiet cycle").id
        db.session.commit()
    return w._quiet_cycle_id


# The docket: whoever sees the cohort page (its COMMITTEE_ROLES): co-chairs and staff.
DOCKET = {"co_chair_btu": 200, "co_chair_bps": 200, "staff": 200}
CASES += [
    Case("documents.docket", lambda w: f"/documents/cycles/{w.cycle.id}/docket.pdf", expect=DOCKET,
         missing=lambda w: "/documents/cycles/999999/docket.pdf"),
    Case("documents.docket", lambda w: f"/documents/cycles/{_quiet_cycle(w)}/docket.pdf", label="nothing-in-review",
         expect={"co_chair_btu": 404, "co_chair_bps": 404, "staff": 404}),
]
