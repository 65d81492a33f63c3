"""A grant's spending ledger as a spreadsheet: every expenditure the spending page lists, oldest first, a
voided one marked and not counted (as on the page). Cells are written by the one CSV rule
(app/core/csvfile.py) through ``app.web.csv_download``.
"""
from __future__ import annotations

from collections.abc import Iterator

from app.grants.ledger import ledger_for
from app.models import Proposal

LEDGER_HEADER = ["Date", "Paid to", "Budget line", "Line description", "Amount", "Counted in the totals",
                 "Receipt", "Note", "Logged by", "Logged (Boston time)", "Voided (Boston time)", "Voided by",
                 "Reason voided"]


def ledger_rows(proposal: Proposal) -> Iterator[list]:
    for e in ledger_for(proposal).expenditures:
        yield [e.spent_on, e.payee, e.budget_line.category.label, e.budget_line.description, e.amount, not e.is_void,
               e.receipt_filename, e.note, e.recorded_by.name, e.recorded_at, e.voided_at,
               e.voided_by.name if e.voided_by else "", e.void_reason]
