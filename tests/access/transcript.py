"""Access matrix for PL transcripts.

An educator reads and downloads their own transcript (``/pl/transcript``) and sets their licensure
cycle's start. Program staff read any educator's at ``/people/<id>/transcript``; the school leader of
the educator's school reads those of their own school's educators (``world.school_leader`` leads
``world.lead``'s school, not ``world.outsider``'s). Everyone else gets 403; a person who does not
exist, or who is not an educator, is 404 to those who may read transcripts.
"""
from __future__ import annotations

from tests.access import Case

EDUCATORS = {"lead": 200, "member": 200, "outsider": 200}
EDUCATORS_REDIRECTED = {"lead": 302, "member": 302, "outsider": 302}

CASES = [
    Case("transcript.mine", lambda w: "/pl/transcript", expect=EDUCATORS),
    Case("transcript.mine_pdf", lambda w: "/pl/transcript.pdf", expect=EDUCATORS),
    Case("transcript.cycle", lambda w: "/pl/transcript/cycle", method="POST",
         data=lambda w: {"starts_on": "2023-09-01"}, expect=EDUCATORS_REDIRECTED),
    Case("transcript.cycle", lambda w: "/pl/transcript/cycle", method="POST", label="future",
         data=lambda w: {"starts_on": "2999-01-01"}, expect={"lead": 422, "member": 422, "outsider": 422}),
    # The lead's transcript: staff, their school leader, and the lead (sent to their own page).
    Case("transcript.person", lambda w: f"/people/{w.lead.id}/transcript",
         expect={"staff": 200, "school_leader": 200, "lead": 302},
         missing=lambda w: "/people/999999/transcript"),
    Case("transcript.person", lambda w: f"/people/{w.outsider.id}/transcript", label="other-school",
         expect={"staff": 200, "outsider": 302}, missing=lambda w: "/people/999999/transcript",
         missing_as="school_leader"),
    Case("transcript.person", lambda w: f"/people/{w.staff.id}/transcript", label="not-an-educator",
         expect={"staff": 404, "school_leader": 404}),
    Case("transcript.person_pdf", lambda w: f"/people/{w.lead.id}/transcript.pdf",
         expect={"staff": 200, "school_leader": 200, "lead": 200},
         missing=lambda w: "/people/999999/transcript.pdf"),
    Case("transcript.person_pdf", lambda w: f"/people/{w.outsider.id}/transcript.pdf", label="other-school",
         expect={"staff": 200, "outsider": 200}),
]
