"""Staff's lists as spreadsheets: every proposal (with the list's filters and search), the teams behind
them, and the cycles.

Each is the whole filtered list, not a page, read a few hundred rows at a time (``yield_per``) so 100,000
proposals are never loaded at once; cells are written by the one CSV rule (app/core/csvfile.py) through
``app.web.csv_download``.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from app.extensions import db
from app.models import Proposal, Side, Team
from app.proposals import cycles as cycle_service
from app.proposals.screening import ProposalFilters, list_rows, proposals_query, review_tallies

BATCH = 500
SIDES = [side.value for side in Side]

PROPOSAL_HEADER = ["Proposal", "Cycle", "Title", "Team", "Schools", "State", "Grant type", "Requested", "Award",
                   "Submitted (Boston time)",
                   *(f"{s} {what}" for s in SIDES for what in ("reviewers assigned", "reviews submitted"))]


def proposal_rows(filters: ProposalFilters) -> Iterator[list]:
    """Every proposal the staff list shows with ``filters``, in its order: its ids read ``BATCH`` at a
    time, each batch loaded as a page of the list is (rows, team, schools, cycle, review tallies)."""
    ids = db.session.execute(proposals_query(filters).execution_options(yield_per=BATCH)).scalars()
    for batch in ids.partitions():
        proposals = list_rows(list(batch))
        tallies = review_tallies([p.id for p in proposals])
        for p in proposals:
            t = tallies[p.id]
            yield [p.id, p.cycle.name, p.display_title, p.team.name, "; ".join(s.name for s in p.team.schools),
                   p.state_label, p.grant_type.label if p.grant_type else "", p.amount_requested, p.award,
                   p.submitted_at,
                   *(n for s in SIDES for n in (t.assigned.get(s, 0), t.submitted.get(s, 0)))]


TEAM_HEADER = ["Team", "School-based or cross-school", "Team's school", "Schools of its members", "Lead",
               "Lead's email", "Members", "Number of members", "Proposals matching the filters"]


def team_rows(filters: ProposalFilters) -> Iterator[list]:
    """The teams behind the proposals the staff list shows with ``filters``, by name, each with how many of
    those proposals are its own."""
    matching = proposals_query(filters).order_by(None).subquery()
    counts = (select(Proposal.team_id, func.count(Proposal.id).label("n"))
              .where(Proposal.id.in_(select(matching.c.id))).group_by(Proposal.team_id).subquery())
    stmt = (select(Team, counts.c.n).join(counts, counts.c.team_id == Team.id)
            .order_by(func.lower(Team.name), Team.id).execution_options(yield_per=BATCH))
    for team, n in db.session.execute(stmt):
        members = team.members
        yield [team.name, team.scope.label, team.school.name if team.school else "",
               "; ".join(s.name for s in team.schools), team.lead_name, team.lead.email,
               "; ".join(u.name for u in members), len(members), n]


CYCLE_HEADER = ["Cycle", "Opens", "Closes", "Revision deadline", "Reviews due", "Pool", "Max award",
                "Reviews per side", "Rubric (criterion × weight)", "Proposals", "Progress report due",
                "Final report due"]


def cycle_rows() -> Iterator[list]:
    """The cycles page's table, newest first."""
    for cycle, count in cycle_service.overview():
        yield [cycle.name, cycle.opens_on, cycle.closes_on, cycle.revision_deadline, cycle.review_due_on, cycle.pool,
               cycle.max_award, cycle.reviews_per_side,
               "; ".join(f"{c.name} × {c.weight.normalize()}" for c in cycle.criteria), count,
               cycle.progress_report_due, cycle.final_report_due]
