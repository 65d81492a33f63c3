"""The cycle report: what happened to one funding cycle's proposals, in figures.

Every table is one SQL aggregate over the cycle's proposals (``proposal.cycle_id``, indexed) and what
hangs off them; nothing loads a proposal. Time in each stage reads the audit events of the cycle's cases
only (``ix_audit_event_case``), and of the ``EARLIER`` cycles before it for the year-over-year columns.

- **A stage** is a state a proposal can leave (the workflow's declaration says which). A stay in it begins
  with the event that moved the proposal into it (for a draft: the case's first event, its creation) and
  ends with the next event that moved it on; stays still under way are not counted.
- **Funding** is the award of every proposal in an awarded state (approved or later), counted once: a
  cross-school team's grant sits on its own row ("Cross-school teams"), so each table sums to the total.
- **Scores** count the submitted reviews of reviewers without a declared conflict, as the ranking does.
- **Timeliness** compares each review's submission with the cycle's review due date, in Boston: on time
  up to the end of that day.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, or_, select

from app.core import clock
from app.core.charts import bar_chart, grouped_bar_chart
from app.extensions import db
from app.models import (
    AuditEvent,
    ConflictOfInterest,
    CriterionScore,
    Cycle,
    Proposal,
    ReviewAssignment,
    ReviewStatus,
    School,
    Team,
    User,
)
from app.models.people import SchoolLevel, TeamScope
from app.reports.figures import (
    COUNT,
    DAYS,
    MONEY,
    NO_SPREAD,
    SCORE,
    Column,
    Spread,
    Table,
    cents,
    epoch_seconds,
    money_of,
    spreads,
)
from workflows.proposal import AWARDED, PROPOSAL, STATE_LABELS, ProposalState

EARLIER = 3  # earlier cycles shown beside this one in "time in each stage"
SIDES = ("BTU", "BPS")
CROSS_SCHOOL = "Cross-school teams"
STAGES = [s for s in ProposalState if PROPOSAL.from_state(s)]  # the states a proposal can leave


@dataclass
class CycleReport:
    cycle: Cycle
    compared: list[Cycle]  # this cycle, then the earlier ones, newest first
    proposals: int
    awarded: Decimal
    tables: list[Table]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)

    @property
    def left(self) -> Decimal:
        return self.cycle.pool - self.awarded


def report(cycle: Cycle, today: date | None = None, viewer: User | None = None) -> CycleReport:
    """The cycle's report. ``viewer``: the person reading it; the scores leave out the proposals they
    declared a conflict of interest with (they never see those proposals' scores)."""
    today = today or clock.today()
    compared = [cycle, *earlier_cycles(cycle)]
    states = by_state(cycle)
    funding = funding_tables(cycle)
    awarded = sum((row[2] for row in funding[0].rows), Decimal("0.00"))
    tables = [states, *funding, scores(cycle, viewer), *reviewers(cycle, today), stage_table(compared)]
    return CycleReport(cycle, compared, sum(row[1] for row in states.rows), awarded, tables)


def earlier_cycles(cycle: Cycle) -> list[Cycle]:
    return list(db.session.scalars(
        select(Cycle).where(Cycle.opens_on < cycle.opens_on).order_by(Cycle.opens_on.desc(), Cycle.id.desc())
        .limit(EARLIER)))


# -- counts ----------------------------------------------------------------------------------------
def by_state(cycle: Cycle) -> Table:
    counts = dict(db.session.execute(
        select(Proposal.state, func.count()).where(Proposal.cycle_id == cycle.id).group_by(Proposal.state)).all())
    rows = [[STATE_LABELS[s], counts.get(s, 0)] for s in ProposalState]
    t = Table("states", "Proposals by state", f"Proposals of {cycle.name} in each state",
              [Column("State"), Column("Proposals", COUNT)], rows, ["Total", sum(r[1] for r in rows)])
    t.draw = lambda: bar_chart(t.caption, [r[0] for r in rows], [r[1] for r in rows], series="Proposals",
                               value_format="{:.0f}", name=_chart_name(t))
    return t


# -- funding ---------------------------------------------------------------------------------------
def funding_tables(cycle: Cycle) -> list[Table]:
    awarded = and_(Proposal.cycle_id == cycle.id, Proposal.state.in_(AWARDED))
    base = select().select_from(Proposal).join(Team, Team.id == Proposal.team_id).where(awarded)

    def grouped(*cols):
        return db.session.execute(base.add_columns(*cols, func.count(), cents(Proposal.award)).group_by(*cols)).all()

    by_school = [(name or CROSS_SCHOOL, n, money_of(c)) for _, name, n, c in db.session.execute(
        base.outerjoin(School, School.id == Team.school_id)
        .add_columns(School.id, School.name, func.count(), cents(Proposal.award)).group_by(School.id, School.name))]
    by_level = [(level.label if level else CROSS_SCHOOL, n, money_of(c)) for level, n, c in db.session.execute(
        base.outerjoin(School, School.id == Team.school_id)
        .add_columns(School.level, func.count(), cents(Proposal.award)).group_by(School.level))]
    by_type = [(t.label if t else "Not given", n, money_of(c)) for t, n, c in grouped(Proposal.grant_type)]
    by_kind = [(k.label, n, money_of(c)) for k, n, c in grouped(Team.scope)]
    level_order = [lvl.label for lvl in SchoolLevel]
    specs = [
        ("funding_school", "Funding by school", by_school,
         lambda r: (r[0] == CROSS_SCHOOL, -r[2], r[0]), "School"),
        ("funding_level", "Funding by school level", by_level,
         lambda r: (r[0] == CROSS_SCHOOL, level_order.index(r[0]) if r[0] in level_order else 99), "School level"),
        ("funding_type", "Funding by grant type", by_type, lambda r: r[0], "Grant type"),
        ("funding_kind", "Funding by team kind", by_kind,
         lambda r: [s.label for s in TeamScope].index(r[0]), "Team kind"),
    ]
    tables = []
    for key, title, rows, order, first in specs:
        rows = sorted(rows, key=order)
        total = ["Total", sum(r[1] for r in rows), sum((r[2] for r in rows), Decimal("0.00"))]
        t = Table(key, title, f"Grants awarded in {cycle.name} and their awards, by {first.lower()}",
                  [Column(first), Column("Grants", COUNT), Column("Awarded", MONEY)], [list(r) for r in rows], total)
        if rows:
            t.draw = lambda t=t, title=title: bar_chart(
                f"{title} (awarded, $)", [r[0] for r in t.rows], [r[2] for r in t.rows], series="Awarded",
                value_format="${:,.0f}", name=_chart_name(t))
        tables.append(t)
    tables[0].note = ("A cross-school team's grant is counted once, on the row “Cross-school teams”, "
                      "so that every table adds up to the cycle's total.")
    return tables


# -- scores ----------------------------------------------------------------------------------------
def _not_conflicted():
    return ~exists().where(ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
                           ConflictOfInterest.user_id == ReviewAssignment.reviewer_id)


def _viewer_recused(viewer: User | None):
    """The proposals ``viewer`` declared a conflict with (nothing for no viewer)."""
    return exists().where(ConflictOfInterest.proposal_id == ReviewAssignment.proposal_id,
                          ConflictOfInterest.user_id == (viewer.id if viewer is not None else -1))


def scores(cycle: Cycle, viewer: User | None = None) -> Table:
    counts: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    for crit_id, side, score, n in db.session.execute(
        select(CriterionScore.criterion_id, ReviewAssignment.side, CriterionScore.score, func.count())
        .join(ReviewAssignment, ReviewAssignment.id == CriterionScore.assignment_id)
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .where(Proposal.cycle_id == cycle.id, ReviewAssignment.status == ReviewStatus.SUBMITTED,
               CriterionScore.score.is_not(None), _not_conflicted(), ~_viewer_recused(viewer))
        .group_by(CriterionScore.criterion_id, ReviewAssignment.side, CriterionScore.score)
    ):
        counts[(crit_id, side.value)][int(score)] = n
    rows, means = [], {s: [] for s in SIDES}
    for c in cycle.criteria:
        for side in SIDES:
            dist = counts.get((c.id, side), {})
            n = sum(dist.values())
            mean = (Decimal(sum(k * v for k, v in dist.items())) / n).quantize(Decimal("0.01")) if n else None
            rows.append([c.name, side, *(dist.get(k, 0) for k in (1, 2, 3, 4)), n, mean])
            means[side].append(mean)
    t = Table("scores", "Scores by criterion and side",
              f"How often each score (1 to 4) was given on each criterion of {cycle.name}, by each side's reviewers",
              [Column("Criterion"), Column("Side"), *(Column(f"Scored {k}", COUNT) for k in (1, 2, 3, 4)),
               Column("Scores", COUNT), Column("Mean", SCORE)], rows,
              note="Submitted reviews only, without the reviews of reviewers who declared a conflict of interest"
                   + (", and without the proposals you declared a conflict with." if viewer is not None and
                      _recusals(cycle, viewer) else "."))
    if cycle.criteria:
        names = [c.name for c in cycle.criteria]
        t.draw = lambda: grouped_bar_chart("Mean score by criterion and side (1 to 4)", names,
                                           [(s, means[s]) for s in SIDES], value_format="{:.2f}", max_value=4,
                                           name=_chart_name(t))
    return t


def _recusals(cycle: Cycle, viewer: User) -> int:
    return db.session.scalar(select(func.count()).select_from(ConflictOfInterest)
                             .join(Proposal, Proposal.id == ConflictOfInterest.proposal_id)
                             .where(Proposal.cycle_id == cycle.id, ConflictOfInterest.user_id == viewer.id))


# -- reviewers -------------------------------------------------------------------------------------
def end_of(day: date) -> datetime:
    """The moment ``day`` ends in Boston (its midnight), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.BOSTON).astimezone(UTC)


BUCKETS = [("On time", 0), ("1 to 7 days late", 7), ("8 to 14 days late", 14), ("More than 14 days late", None)]


def reviewers(cycle: Cycle, today: date) -> list[Table]:
    a = ReviewAssignment
    due = cycle.review_due_on
    submitted = a.status == ReviewStatus.SUBMITTED
    late = and_(submitted, a.submitted_at >= end_of(due)) if due else None
    cols = [User.id, User.name, a.side, func.count(),
            func.sum(case((submitted, 1), else_=0))]
    if due:
        cols += [func.sum(case((late, 1), else_=0)), func.max(case((late, a.submitted_at)))]
    rows = []
    for row in db.session.execute(
        select(*cols).join(User, User.id == a.reviewer_id).join(Proposal, Proposal.id == a.proposal_id)
        .where(Proposal.cycle_id == cycle.id, _not_conflicted())
        .group_by(User.id, User.name, a.side).order_by(User.name, User.id)
    ):
        assigned, done = int(row[3]), int(row[4] or 0)
        if due:
            n_late = int(row[5] or 0)
            last_late = clock.local(row[6]).date() if row[6] is not None else None
            overdue = max((today - due).days, 0) if done < assigned else 0
            worst = max((last_late - due).days if last_late else 0, overdue)
            rows.append([row[1], row[2].value, assigned, done, done - n_late, n_late, assigned - done, worst])
        else:
            rows.append([row[1], row[2].value, assigned, done, None, None, assigned - done, None])
    load = Table("reviewers", "Reviewer load and timeliness",
                 f"Reviews assigned to each reviewer in {cycle.name}, submitted, on time and late",
                 [Column("Reviewer"), Column("Side"), Column("Assigned", COUNT), Column("Submitted", COUNT),
                  Column("On time", COUNT), Column("Late", COUNT), Column("Not submitted", COUNT),
                  Column("Most days late", COUNT)], rows,
                 ["Total", "", *(sum(r[i] or 0 for r in rows) for i in range(2, 7)),
                  max((r[7] or 0 for r in rows), default=0)] if rows else None)
    load.note = (f"Reviews were due on {due:%B %-d, %Y}. “Most days late” counts days after that date: the latest "
                 "late review, or for a review still not submitted, the days since the due date."
                 if due else "The cycle has no review due date, so no review is counted on time or late.")
    if rows:
        load.draw = lambda: grouped_bar_chart(
            "Reviews per reviewer", [r[0] for r in rows],
            [("Submitted", [r[3] for r in rows]), ("Not submitted", [r[6] for r in rows])],
            value_format="{:.0f}", name=_chart_name(load))
    return [load, timeliness(cycle, today)]


def timeliness(cycle: Cycle, today: date) -> Table:
    a = ReviewAssignment
    due = cycle.review_due_on
    t = Table("timeliness", "When reviews came in",
              f"Reviews of {cycle.name} by when they were submitted, against the review due date",
              [Column("Submitted"), Column("Reviews", COUNT)])
    if due is None:
        t.note = "The cycle has no review due date."
        return t
    whens, edge = [], None
    for name, days_late in BUCKETS:
        limit = end_of(due + timedelta(days=days_late)) if days_late is not None else None
        cond = [a.submitted_at < limit] if limit is not None else []
        if edge is not None:
            cond.append(a.submitted_at >= edge)
        whens.append((and_(a.status == ReviewStatus.SUBMITTED, *cond), name))
        edge = limit
    pending = "Not submitted, overdue" if today > due else "Not submitted yet"
    bucket = case(*whens, else_=pending)
    counts = dict(db.session.execute(
        select(bucket, func.count()).join(Proposal, Proposal.id == a.proposal_id)
        .where(Proposal.cycle_id == cycle.id, _not_conflicted()).group_by(bucket)).all())
    t.rows = [[name, counts.get(name, 0)] for name in [*(b for b, _ in BUCKETS), pending]]
    t.total = ["Total", sum(r[1] for r in t.rows)]
    t.draw = lambda: bar_chart(t.caption, [r[0] for r in t.rows], [r[1] for r in t.rows], series="Reviews",
                               value_format="{:.0f}", name=_chart_name(t))
    return t


# -- time in each stage ----------------------------------------------------------------------------
def stage_spreads(cycles: list[Cycle]) -> dict[tuple[int, str], Spread]:
    """(cycle id, stage) -> the median and 90th percentile of the completed stays in that stage."""
    ev = AuditEvent
    ids = [c.id for c in cycles]
    # The cycles' proposals first (``proposal.cycle_id``), then each one's events off ``ix_audit_event_case``:
    # never the audit log's other cases.
    cases = select(Proposal.id).where(Proposal.cycle_id.in_(ids)).scalar_subquery()
    events = (
        select(Proposal.cycle_id, ev.case_id, ev.from_state, ev.to_state, ev.at, ev.id,
               func.row_number().over(partition_by=ev.case_id, order_by=(ev.at, ev.id)).label("nth"))
        .join(Proposal, Proposal.id == ev.case_id)
        .where(ev.case_type == "proposal", ev.case_id.in_(cases))
    ).subquery()
    entries = (
        select(events.c.cycle_id, events.c.to_state.label("stage"), epoch_seconds(events.c.at).label("start"),
               func.lead(epoch_seconds(events.c.at)).over(
                   partition_by=events.c.case_id, order_by=(events.c.at, events.c.id)).label("stop"))
        .where(or_(events.c.from_state != events.c.to_state, events.c.nth == 1))
    ).subquery()
    durations = (
        select(entries.c.cycle_id, entries.c.stage, (entries.c.stop - entries.c.start).label("secs"))
        .where(entries.c.stop.is_not(None), entries.c.stage.in_([s.value for s in STAGES]))
    ).subquery()
    return {(cid, stage): s for (cid, stage), s in spreads(durations, ("cycle_id", "stage")).items()}


def stage_table(compared: list[Cycle]) -> Table:
    found = stage_spreads(compared)
    cols = [Column("Stage")]
    for c in compared:
        cols += [Column(f"{c.name}: stays", COUNT), Column(f"{c.name}: median (days)", DAYS),
                 Column(f"{c.name}: 90th percentile (days)", DAYS)]
    rows = []
    for stage in STAGES:
        row = [STATE_LABELS[stage]]
        for c in compared:
            s = found.get((c.id, stage.value), NO_SPREAD)
            row += [s.n, s.median_days, s.p90_days]
        rows.append(row)
    this = compared[0]
    t = Table("stages", "Time in each stage",
              f"Days proposals spent in each stage: {this.name}" + (", beside the cycles before it" if
                                                                     len(compared) > 1 else ""),
              cols, rows, note=(
                  "From the audit log: a stay in a stage runs from the event that moved the proposal into it "
                  "(a draft: its creation) to the event that moved it on; stays still under way are not counted. "
                  "Median and 90th percentile interpolate between the closest stays, as PostgreSQL's "
                  "percentile_cont does."))
    shown = [r for r in rows if any(r[1 + 3 * i] for i in range(len(compared)))]
    if shown:
        t.draw = lambda: grouped_bar_chart(
            "Median days in each stage", [r[0] for r in shown],
            [(c.name, [r[2 + 3 * i] for r in shown]) for i, c in enumerate(compared)], name=_chart_name(t))
    return t


def _chart_name(t: Table) -> str:
    return f"Chart: {t.caption}. The table “{t.title}” beside it gives the same figures."
