"""What every report is made of: tables (each a page table, a PDF table and a CSV), durations measured
between audit events, and medians and 90th percentiles computed in SQL, the same on SQLite and PostgreSQL.

**Percentiles.** ``spreads`` ranks each group's durations with ``ROW_NUMBER()`` and returns only the rows a
percentile needs (two per percentile), so a stage with a million stays sends four numbers to Python. The
definition is PostgreSQL's ``percentile_cont`` (linear interpolation between the closest ranks: for p in
[0, 1] over n sorted values, the value at position 1 + p(n - 1)); the positions are worked out in integer
arithmetic and the interpolation in Decimal, so the result is exact and the same on both databases.

**Durations** are whole seconds between two events' times (``epoch_seconds``: SQLite's ``strftime('%s')``,
PostgreSQL's ``floor(extract(epoch))``), so both databases subtract the same integers.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from markupsafe import Markup
from sqlalchemy import BigInteger, Integer, cast, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from app.core import csvfile
from app.extensions import db

DAY = 86_400
PERCENTILES = {"median": 5, "p90": 9}  # in tenths


class epoch_seconds(FunctionElement):  # noqa: N801 - a SQL function, named as SQL names them
    """Whole seconds since 1970 of a UTC timestamp column."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    return compiler.process(cast(func.strftime("%s", column), Integer), **kw)


@compiles(epoch_seconds)
def _epoch_default(element, compiler, **kw):
    (column,) = element.clauses
    return compiler.process(cast(func.floor(func.extract("epoch", column)), BigInteger), **kw)


def cents(column):
    """SUM of a money column in whole cents: exact on SQLite too (whose sums of decimals are floats)."""
    return func.coalesce(func.sum(cast(func.round(column * 100), Integer)), 0)


def money_of(cents_total) -> Decimal:
    return (Decimal(int(cents_total or 0)) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Spread:
    """How long something took, over ``n`` cases: the median and the 90th percentile, in seconds."""

    n: int
    median: Decimal | None
    p90: Decimal | None

    @property
    def median_days(self) -> Decimal | None:
        return days(self.median)

    @property
    def p90_days(self) -> Decimal | None:
        return days(self.p90)


NO_SPREAD = Spread(0, None, None)


def days(seconds: Decimal | None) -> Decimal | None:
    """Seconds as days, to two decimals (what the tables and CSVs show)."""
    return None if seconds is None else (Decimal(seconds) / DAY).quantize(Decimal("0.01"))


def _positions(n: int, tenths: int) -> tuple[int, int, int]:
    """The 1-based ranks either side of position 1 + p(n - 1), and the fraction between them in tenths."""
    pos = tenths * (n - 1)
    return 1 + pos // 10, 1 + (pos + 9) // 10, pos % 10


def spreads(durations, keys: Sequence[str]) -> dict[tuple, Spread]:
    """The median and 90th percentile of ``durations.c.secs`` per group of ``keys`` (columns of the
    ``durations`` subquery), computed in SQL: only the ranked rows each percentile needs come back."""
    part = [durations.c[k] for k in keys]
    ranked = select(
        *part, durations.c.secs,
        func.row_number().over(partition_by=part, order_by=durations.c.secs).label("rn"),
        func.count().over(partition_by=part).label("n"),
    ).subquery()
    n, rn = ranked.c.n, ranked.c.rn
    wanted = []
    for tenths in PERCENTILES.values():
        wanted += [rn == 1 + (tenths * (n - 1)) // 10, rn == 1 + (tenths * (n - 1) + 9) // 10]
    found: dict[tuple, tuple[int, dict[int, int]]] = {}
    for row in db.session.execute(select(*[ranked.c[k] for k in keys], n, rn, ranked.c.secs).where(or_(*wanted))):
        key = tuple(row[: len(keys)])
        count, at = found.setdefault(key, (int(row.n), {}))
        at[int(row.rn)] = int(row.secs)
    out = {}
    for key, (count, at) in found.items():
        values = {}
        for name, tenths in PERCENTILES.items():
            lo, hi, frac = _positions(count, tenths)
            values[name] = Decimal(at[lo]) + Decimal(at[hi] - at[lo]) * frac / 10
        out[key] = Spread(count, values["median"], values["p90"])
    return out


# -- tables ------------------------------------------------------------------------------------------
TEXT, COUNT, MONEY, DAYS, SCORE = "text", "count", "money", "days", "score"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT


@dataclass
class Table:
    """One of a report's tables: shown on the page beside its chart (the chart's text alternative),
    printed in the PDF, and downloadable as CSV (``key``.csv) with the same rows."""

    key: str
    title: str
    caption: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    total: list | None = None  # a totals row, or None
    draw: Callable[[], Markup] | None = None  # the chart, drawn when first shown (a CSV never draws it)
    note: str = ""
    _chart: Markup | None = field(default=None, init=False, repr=False)

    @property
    def chart(self) -> Markup | None:
        if self._chart is None and self.draw is not None:
            self._chart = self.draw()
        return self._chart

    def csv(self) -> bytes:
        body = [*self.rows, *([self.total] if self.total else [])]
        return csvfile.to_bytes([c.name for c in self.columns], body)

    @property
    def empty(self) -> bool:
        return not self.rows
