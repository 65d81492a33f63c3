"""Staff's lists as spreadsheets: every proposal (with the list's filters and search), the teams behind
them, and the cycles.

Each is the whole filtered list, not a page, read a few hundred rows at a time (``yield_per``) so 100,000
proposals are never loaded at once; cells are written by the one CSV rule (app/core/csvfile.py) through
``app.web.csv_download``.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select, union
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Cycle, Proposal, School, Side, Team, TeamMember, User
from app.proposals import cycles as cycle_service
from app.proposals.screening import ProposalFilters, proposals_query, review_tallies
from workflows.proposal import STATE_LABELS

BATCH = 500
SIDES = [side.value for side in Side]

PROPOSAL_HEADER = ["Proposal", "Cycle", "Title", "Team", "Schools", "State", "Grant type", "Requested", "Award",
                   "Submitted (Boston time)",
                   *(f"{s} {what}" for s in SIDES for what in ("reviewers assigned", "reviews submitted"))]


def proposal_rows(filters: ProposalFilters) -> Iterator[list]:
    """Every proposal the staff list shows with ``filters``, in its order: the ids read ``BATCH`` at a
    time off the list's index, then per batch its columns, schools and review tallies (plain columns, not
    objects: four statements per batch)."""
    ids = db.session.execute(proposals_query(filters).execution_options(yield_per=BATCH)).scalars()
    for batch in ids.partitions():
        batch = list(batch)
        facts = {row.id: row for row in db.session.execute(
            select(Proposal.id, Cycle.name.label("cycle"), Proposal.title, Team.name.label("team"), Proposal.state,
                   Proposal.grant_type, Proposal.amount_requested, Proposal.award, Proposal.submitted_at)
            .join(Team, Team.id == Proposal.team_id).join(Cycle, Cycle.id == Proposal.cycle_id)
            .where(Proposal.id.in_(batch))
        )}
        schools = _schools_of(batch)
        tallies = review_tallies(batch)
        for pid in batch:
            f, t = facts[pid], tallies[pid]
            yield [pid, f.cycle, f.title or f"Untitled draft #{pid}", f.team, schools[pid], STATE_LABELS[f.state],
                   f.grant_type.label if f.grant_type else "", f.amount_requested, f.award, f.submitted_at,
                   *(n for s in SIDES for n in (t.assigned.get(s, 0), t.submitted.get(s, 0)))]


def _schools_of(proposal_ids: list[int]) -> dict[int, str]:
    """Each proposal's schools as its team shows them (the team's school and its members'), by name."""
    names: dict[int, set[str]] = {pid: set() for pid in proposal_ids}
    of_team = (select(Proposal.id, School.name).join(Team, Team.id == Proposal.team_id)
               .join(School, School.id == Team.school_id).where(Proposal.id.in_(proposal_ids)))
    of_members = (select(Proposal.id, School.name).join(TeamMember, TeamMember.team_id == Proposal.team_id)
                  .join(User, User.id == TeamMember.user_id).join(School, School.id == User.school_id)
                  .where(Proposal.id.in_(proposal_ids)))
    for pid, name in db.session.execute(union(of_team, of_members)):
        names[pid].add(name)
    return {pid: "; ".join(sorted(found)) for pid, found in names.items()}


TEAM_HEADER = ["Team", "School-based or cross-school", "Team's school", "Schools of its members", "Lead",
               "Lead's email", "Members", "Number of members", "Proposals matching the filters"]


def team_rows(filters: ProposalFilters) -> Iterator[list]:
    """The teams behind the proposals the staff list shows with ``filters``, by name, each with how many of
    those proposals are its own; read ``BATCH`` teams at a time (plain columns: two statements per batch)."""
    matching = proposals_query(filters).order_by(None).subquery()
    counts = (select(Proposal.team_id, func.count(Proposal.id).label("n"))
              .where(Proposal.id.in_(select(matching.c.id))).group_by(Proposal.team_id).subquery())
    lead = aliased(User)
    stmt = (select(Team.id, Team.name, Team.scope, School.name.label("school"), lead.name.label("lead"),
                   lead.email, counts.c.n)
            .join(counts, counts.c.team_id == Team.id).join(lead, lead.id == Team.lead_id)
            .outerjoin(School, School.id == Team.school_id)
            .order_by(func.lower(Team.name), Team.id).execution_options(yield_per=BATCH))
    for batch in db.session.execute(stmt).partitions():
        members: dict[int, list[tuple[str, str | None]]] = {row.id: [] for row in batch}
        for team_id, name, school in db.session.execute(
            select(TeamMember.team_id, User.name, School.name).join(User, User.id == TeamMember.user_id)
            .outerjoin(School, School.id == User.school_id).where(TeamMember.team_id.in_(list(members)))
            .order_by(TeamMember.team_id, TeamMember.added_at, TeamMember.user_id)
        ):
            members[team_id].append((name, school))
        for row in batch:
            people = members[row.id]
            schools = {school for _, school in people if school} | ({row.school} if row.school else set())
            yield [row.name, row.scope.label, row.school or "", "; ".join(sorted(schools)), row.lead, row.email,
                   "; ".join(name for name, _ in people), len(people), row.n]


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
