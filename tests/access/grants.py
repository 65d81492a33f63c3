"""Access matrix for the grant after the award: the agreement, spending and its receipts, reallocations,
the progress update and the final report.

The team (lead and member) and program staff see a grant's pages once it is approved; everyone else
gets 403. Only the lead accepts the agreement; team members log spending and write the reports while
the grant is active; only staff reallocate. A page asked for in a state where it does not exist yet
(or any more, for writing) is 403 with the reason.
"""
from __future__ import annotations

import hashlib
import io
from decimal import Decimal

from app.core import clock
from app.extensions import db
from app.models import Expenditure, ProposalState
from tests.access import Case

S = ProposalState
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEAM = {"lead": 200, "member": 200}
TEAM_AND_STAFF = {"lead": 200, "member": 200, "staff": 200}


def _p(w, state=S.ACTIVE) -> int:
    return w.proposals[state].id


def _expenditure(w, state=S.ACTIVE) -> Expenditure:
    """A logged expenditure with its receipt on the team's grant (made on first use)."""
    p = w.proposals[state]
    e = p.expenditures[0] if p.expenditures else None
    if e is None:
        line = p.budget_lines[0]
        e = Expenditure(proposal=p, budget_line=line, spent_on=clock.today(), payee="Frugal Books",
                        amount=Decimal("120.00"), receipt_filename="receipt.pdf",
                        receipt_content_type="application/pdf", receipt_size=len(PDF),
                        receipt_sha256=hashlib.sha256(PDF).hexdigest(), receipt_data=PDF, recorded_by_id=w.lead.id)
        db.session.add(e)
        db.session.commit()
    return e


def _spend(w) -> dict:
    p = w.proposals[S.ACTIVE]
    return {"spent_on": clock.today().isoformat(), "payee": "Frugal Books", "budget_line": str(p.budget_lines[0].id),
            "amount": "125.50", "note": "Twelve bilingual titles", "receipt": (io.BytesIO(PDF), "receipt.pdf")}


def _realloc(w) -> dict:
    lines = w.proposals[S.ACTIVE].budget_lines
    return {"from_line": str(lines[0].id), "to_line": str(lines[1].id), "amount": "500.00",
            "reason": "Stipends ran over the plan."}


def _progress(**extra) -> dict:
    return {"progress_so_far": "Eight circles held.", "early_evidence": "", "challenges": "", "next_steps": "",
            "save": "Save draft", **extra}


def _final() -> dict:
    return {"what_we_tried": "Reading circles.", "what_happened": "", "what_we_learned": "",
            "what_we_would_change": ""}


CASES = [
    # -- the grant agreement --
    Case("grants.agreement", lambda w: f"/proposals/{_p(w, S.APPROVED)}/agreement", expect=TEAM_AND_STAFF,
         missing=lambda w: "/proposals/999999/agreement"),
    Case("grants.agreement", lambda w: f"/proposals/{_p(w)}/agreement", label="active", expect=TEAM_AND_STAFF),
    Case("grants.agreement", lambda w: f"/proposals/{_p(w, S.IN_REVIEW)}/agreement", label="before-approval"),
    Case("grants.agreement", lambda w: f"/proposals/{_p(w, S.APPROVED)}/agreement", method="POST",
         data=lambda w: {"accept": "y"}, expect={"lead": 302},
         missing=lambda w: "/proposals/999999/agreement", missing_as="lead"),
    Case("grants.agreement", lambda w: f"/proposals/{_p(w, S.APPROVED)}/agreement", method="POST",
         label="unticked", data=lambda w: {}, expect={"lead": 422}),
    Case("grants.agreement", lambda w: f"/proposals/{_p(w, S.DECLINED)}/agreement", method="POST",
         label="declined", data=lambda w: {"accept": "y"}),
    # -- spending --
    Case("grants.spending", lambda w: f"/proposals/{_p(w)}/spending", expect=TEAM_AND_STAFF,
         missing=lambda w: "/proposals/999999/spending"),
    Case("grants.spending", lambda w: f"/proposals/{_p(w, S.COMPLETED)}/spending", label="completed",
         expect=TEAM_AND_STAFF),
    Case("grants.spending", lambda w: f"/proposals/{_p(w, S.SUBMITTED)}/spending", label="not-awarded"),
    Case("grants.spending_csv", lambda w: (_expenditure(w), f"/proposals/{_p(w)}/spending.csv")[1],
         expect=TEAM_AND_STAFF, missing=lambda w: "/proposals/999999/spending.csv"),
    Case("grants.spending_csv", lambda w: f"/proposals/{_p(w, S.SUBMITTED)}/spending.csv", label="not-awarded"),
    Case("grants.new_expenditure", lambda w: f"/proposals/{_p(w)}/spending/new", expect=TEAM,
         missing=lambda w: "/proposals/999999/spending/new", missing_as="lead"),
    Case("grants.new_expenditure", lambda w: f"/proposals/{_p(w, S.APPROVED)}/spending/new",
         label="not-active-yet"),
    Case("grants.new_expenditure", lambda w: f"/proposals/{_p(w)}/spending/new", method="POST", data=_spend,
         expect={"lead": 302, "member": 302}, missing=lambda w: "/proposals/999999/spending/new",
         missing_as="lead"),
    Case("grants.new_expenditure", lambda w: f"/proposals/{_p(w)}/spending/new", method="POST",
         label="no-amount", data=lambda w: {**_spend(w), "amount": ""}, expect={"lead": 422, "member": 422}),
    Case("grants.new_expenditure", lambda w: f"/proposals/{_p(w, S.FINAL_REPORT_SUBMITTED)}/spending/new",
         method="POST", label="report-in", data=_spend),
    Case("grants.receipt", lambda w: f"/proposals/{_p(w)}/spending/{_expenditure(w).id}/receipt",
         expect=TEAM_AND_STAFF, missing=lambda w: f"/proposals/{_p(w)}/spending/999999/receipt"),
    Case("grants.receipt", lambda w: f"/proposals/999999/spending/{_expenditure(w).id}/receipt",
         label="missing-proposal", default=404, expect={"anon": 302}),
    Case("grants.receipt", lambda w: f"/proposals/{_p(w, S.COMPLETED)}/spending/{_expenditure(w).id}/receipt",
         label="wrong-proposal", expect={"lead": 404, "member": 404, "staff": 404}),
    # A team member or staff void a mistaken expenditure (with a reason) while the grant is active.
    Case("grants.void_expenditure", lambda w: f"/proposals/{_p(w)}/spending/{_expenditure(w).id}/void",
         expect=TEAM_AND_STAFF, missing=lambda w: f"/proposals/{_p(w)}/spending/999999/void"),
    Case("grants.void_expenditure", lambda w: f"/proposals/{_p(w, S.COMPLETED)}/spending/{_expenditure(w).id}/void",
         label="wrong-proposal", expect={"lead": 404, "member": 404, "staff": 404}),
    Case("grants.void_expenditure",
         lambda w: f"/proposals/{_p(w, S.COMPLETED)}/spending/{_expenditure(w, S.COMPLETED).id}/void",
         label="completed"),
    Case("grants.void_expenditure", lambda w: f"/proposals/{_p(w)}/spending/{_expenditure(w).id}/void",
         method="POST", data=lambda w: {"reason": "Logged twice."}, expect={"lead": 302, "member": 302, "staff": 302},
         missing=lambda w: f"/proposals/{_p(w)}/spending/999999/void", missing_as="lead"),
    Case("grants.void_expenditure", lambda w: f"/proposals/{_p(w)}/spending/{_expenditure(w).id}/void",
         method="POST", label="no-reason", data=lambda w: {"reason": " "},
         expect={"lead": 422, "member": 422, "staff": 422}),
    Case("grants.reallocate", lambda w: f"/proposals/{_p(w)}/spending/reallocate", expect={"staff": 200},
         missing=lambda w: "/proposals/999999/spending/reallocate"),
    Case("grants.reallocate", lambda w: f"/proposals/{_p(w, S.COMPLETED)}/spending/reallocate",
         label="completed"),
    Case("grants.reallocate", lambda w: f"/proposals/{_p(w)}/spending/reallocate", method="POST",
         data=_realloc, expect={"staff": 302}, missing=lambda w: "/proposals/999999/spending/reallocate"),
    Case("grants.reallocate", lambda w: f"/proposals/{_p(w)}/spending/reallocate", method="POST",
         label="too-much", data=lambda w: {**_realloc(w), "amount": "999999.00"}, expect={"staff": 422}),
    # -- the progress update --
    Case("grants.progress", lambda w: f"/proposals/{_p(w)}/progress", expect=TEAM_AND_STAFF,
         missing=lambda w: "/proposals/999999/progress"),
    Case("grants.progress", lambda w: f"/proposals/{_p(w, S.APPROVED)}/progress", label="not-active-yet"),
    Case("grants.progress", lambda w: f"/proposals/{_p(w)}/progress", method="POST", data=lambda w: _progress(),
         expect={"lead": 302, "member": 302}, missing=lambda w: "/proposals/999999/progress", missing_as="lead"),
    Case("grants.progress", lambda w: f"/proposals/{_p(w)}/progress", method="POST", label="submit-incomplete",
         data=lambda w: _progress(save="", submit="Submit progress update"), expect={"lead": 422, "member": 422}),
    Case("grants.progress", lambda w: f"/proposals/{_p(w, S.COMPLETED)}/progress", method="POST",
         label="completed", data=lambda w: _progress()),
    # -- the final report --
    Case("grants.final_report", lambda w: f"/proposals/{_p(w)}/final-report", expect=TEAM_AND_STAFF,
         missing=lambda w: "/proposals/999999/final-report"),
    Case("grants.final_report", lambda w: f"/proposals/{_p(w, S.FINAL_REPORT_SUBMITTED)}/final-report",
         label="submitted", expect=TEAM_AND_STAFF),
    Case("grants.final_report", lambda w: f"/proposals/{_p(w, S.APPROVED)}/final-report", label="not-active-yet"),
    Case("grants.final_report", lambda w: f"/proposals/{_p(w)}/final-report", method="POST",
         data=lambda w: _final(), expect={"lead": 302, "member": 302},
         missing=lambda w: "/proposals/999999/final-report", missing_as="lead"),
    Case("grants.final_report", lambda w: f"/proposals/{_p(w, S.COMPLETED)}/final-report", method="POST",
         label="completed", data=lambda w: _final()),
]
