"""The PL report of one budget year (a school year, "2026-27"): requests by state, how long endorsement and
decisions took (from the audit log), and the PL budget used by school and by topic.

- **Time to endorsement**: from the request's submission to its endorsement; **time to decision**: from its
  submission to its approval or denial. A request returned and submitted again counts from its last
  submission before the step. Only the audit events of that year's requests are read
  (``ix_pl_request_year_state``, ``ix_audit_event_case``).
- **Budget used** is the cost of every approved or completed request of the year (what counts against the
  year's PL budget), by the requester's school and by the need (topic) the request addresses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from app.core import clock
from app.core.charts import bar_chart, grouped_bar_chart
from app.extensions import db
from app.models import AuditEvent, PLBudget, PLRequest, School, Term
from app.reports.figures import (
    COUNT,
    DAYS,
    MONEY,
    NO_SPREAD,
    Column,
    Table,
    cents,
    epoch_seconds,
    money_of,
    spreads,
)
from workflows.pl_request import COMMITTED, DECISIONS, STATE_LABELS, PLRequestState, school_year_of

S = PLRequestState
YEAR = re.compile(r"(\d{4})-(\d{2})")


def valid_year(text: str) -> bool:
    """A school year as the app writes it: "2026-27" (the second year follows the first)."""
    m = YEAR.fullmatch(text or "")
    return bool(m) and 1900 < int(m[1]) < 3000 and (int(m[1]) + 1) % 100 == int(m[2])


def years(today: date | None = None) -> list[str]:
    """The budget years worth a report: every year with a PL budget, and the current school year."""
    current = school_year_of(today or clock.today())
    return sorted({current, *db.session.scalars(select(PLBudget.school_year))}, reverse=True)


@dataclass
class PLReport:
    year: str
    budget: Decimal | None
    used: Decimal
    requests: int
    tables: list[Table]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)

    @property
    def left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.used


def report(year: str) -> PLReport:
    states = by_state(year)
    school, topic = budget_tables(year)
    budget = db.session.scalar(select(PLBudget.amount).where(PLBudget.school_year == year))
    used = sum((r[2] for r in school.rows), Decimal("0.00"))
    return PLReport(year, budget, used, sum(r[1] for r in states.rows), [states, waits(year), school, topic])


def by_state(year: str) -> Table:
    counts = dict(db.session.execute(
        select(PLRequest.state, func.count()).where(PLRequest.budget_year == year).group_by(PLRequest.state)).all())
    rows = [[STATE_LABELS[s], counts.get(s, 0)] for s in S]
    t = Table("states", "PL requests by state", f"PL requests of the {year} budget year in each state",
              [Column("State"), Column("Requests", COUNT)], rows, ["Total", sum(r[1] for r in rows)])
    t.draw = lambda: bar_chart(t.caption, [r[0] for r in rows], [r[1] for r in rows], series="Requests",
                               value_format="{:.0f}", name=_chart_name(t))
    return t


MEASURES = (("endorsement", "Submission to endorsement"), ("decision", "Submission to decision (approved or denied)"))


def waits(year: str) -> Table:
    ev = AuditEvent
    secs = epoch_seconds(ev.at)
    submitted = S.SUBMITTED.value
    events = (
        select(ev.to_state, secs.label("at_s"), func.max(case((ev.to_state == submitted, secs))).over(
            partition_by=ev.case_id, order_by=(ev.at, ev.id), rows=(None, 0)).label("submitted_s"))
        .where(ev.case_type == "pl_request", ev.from_state != ev.to_state,  # the year's requests, then their
               ev.case_id.in_(select(PLRequest.id).where(PLRequest.budget_year == year).scalar_subquery()))
    ).subquery()
    measure = case((events.c.to_state == S.ENDORSED.value, "endorsement"),
                   (events.c.to_state.in_([s.value for s in DECISIONS]), "decision"))
    durations = (
        select(measure.label("measure"), (events.c.at_s - events.c.submitted_s).label("secs"))
        .where(measure.is_not(None), events.c.submitted_s.is_not(None))
    ).subquery()
    found = {key[0]: s for key, s in spreads(durations, ("measure",)).items()}
    rows = []
    for key, name in MEASURES:
        s = found.get(key, NO_SPREAD)
        rows.append([name, s.n, s.median_days, s.p90_days])
    t = Table("waits", "Time to endorsement and to decision",
              f"Days from submission to endorsement and to decision, PL requests of {year}",
              [Column("From submission to"), Column("Requests", COUNT), Column("Median (days)", DAYS),
               Column("90th percentile (days)", DAYS)], rows,
              note="From the audit log; a request returned and submitted again counts from its last submission. "
                   "A free request is approved when it is endorsed.")
    if any(r[1] for r in rows):
        t.draw = lambda: grouped_bar_chart("Days from submission", [r[0] for r in rows],
                                    [("Median", [r[2] for r in rows]), ("90th percentile", [r[3] for r in rows])],
                                    name=_chart_name(t))
    return t


def budget_tables(year: str) -> tuple[Table, Table]:
    committed = and_(PLRequest.budget_year == year, PLRequest.state.in_(COMMITTED))
    by_school = [[name or "No school recorded", n, money_of(c)] for _, name, n, c in db.session.execute(
        select(School.id, School.name, func.count(), cents(PLRequest.cost)).select_from(PLRequest)
        .outerjoin(School, School.id == PLRequest.school_id).where(committed).group_by(School.id, School.name))]
    by_topic = [[name or "No topic given", n, money_of(c)] for _, name, n, c in db.session.execute(
        select(Term.id, Term.name, func.count(), cents(PLRequest.cost)).select_from(PLRequest)
        .outerjoin(Term, Term.id == PLRequest.need_term_id).where(committed).group_by(Term.id, Term.name))]
    out = []
    for key, title, rows, first in (("budget_school", "PL budget used by school", by_school, "School"),
                                    ("budget_topic", "PL budget used by topic", by_topic, "Topic")):
        rows.sort(key=lambda r: (-r[2], r[0]))
        t = Table(key, title, f"Approved and completed PL requests of {year} and their cost, by {first.lower()}",
                  [Column(first), Column("Requests", COUNT), Column("Cost", MONEY)], rows,
                  ["Total", sum(r[1] for r in rows), sum((r[2] for r in rows), Decimal("0.00"))])
        if rows:
            t.draw = lambda t=t, title=title: bar_chart(
                f"{title} ($)", [r[0] for r in t.rows], [r[2] for r in t.rows], series="Cost",
                value_format="${:,.0f}", name=_chart_name(t))
        out.append(t)
    return out[0], out[1]


def _chart_name(t: Table) -> str:
    return f"Chart: {t.caption}. The table “{t.title}” beside it gives the same figures."
