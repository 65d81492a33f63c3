"""Funding cycles and their rubric: create, edit, and the rules across fields.

Every refusal is a ``(field, sentence)`` pair so a form can show it beside the field it concerns
(``field`` is None for the form as a whole, ``"criteria"`` for the rubric).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from app.cases.advance import lock
from app.core import clock
from app.core.errors import FormError
from app.extensions import db
from app.models import CriterionScore, Cycle, Proposal, RubricCriterion
from app.models.types import to_money
from workflows.proposal import money

# The program's public figures: about $300,000 a year, grants of up to $15,000 per team.
DEFAULT_POOL = Decimal("300000.00")
DEFAULT_MAX_AWARD = Decimal("15000.00")
DEFAULT_REVIEWS_PER_SIDE = 2


class CycleError(FormError):
    """The cycle's refusals, every one a ``(field, sentence)`` pair (``problems``)."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        super().__init__(list(problems))

    def __str__(self) -> str:
        return "; ".join(self.messages)


@dataclass
class CriterionInput:
    name: str
    weight: Decimal
    description: str = ""
    position: int | None = None
    id: int | str | None = None  # an existing criterion of this cycle
    remove: bool = False


@dataclass
class CycleInput:
    name: str
    opens_on: date
    closes_on: date
    revision_deadline: date
    pool: Decimal
    max_award: Decimal
    reviews_per_side: int
    review_due_on: date | None = None
    criteria: list[CriterionInput] = field(default_factory=list)
    # Given to each grant at activation (activation needs both).
    progress_report_due: date | None = None
    final_report_due: date | None = None


def defaults() -> dict:
    """What a new cycle's form starts with."""
    return {"pool": DEFAULT_POOL, "max_award": DEFAULT_MAX_AWARD, "reviews_per_side": DEFAULT_REVIEWS_PER_SIDE}


# -- reading -------------------------------------------------------------------------------
def current_cycle() -> Cycle | None:
    """The cycle open today (the latest to open, if several), else the most recently opened one."""
    today = clock.today()
    open_now = db.session.scalar(
        select(Cycle).where(Cycle.opens_on <= today, Cycle.closes_on >= today)
        .order_by(Cycle.opens_on.desc(), Cycle.id.desc()).limit(1)
    )
    if open_now is not None:
        return open_now
    started = db.session.scalar(
        select(Cycle).where(Cycle.opens_on <= today).order_by(Cycle.opens_on.desc(), Cycle.id.desc()).limit(1)
    )
    return started or db.session.scalar(select(Cycle).order_by(Cycle.opens_on.desc(), Cycle.id.desc()).limit(1))


def rubric_source() -> Cycle | None:
    """The cycle whose rubric a new cycle starts from: the latest to open that has criteria."""
    return db.session.scalar(
        select(Cycle).where(select(RubricCriterion.id).where(RubricCriterion.cycle_id == Cycle.id).exists())
        .order_by(Cycle.opens_on.desc(), Cycle.id.desc()).limit(1)
    )


def copied_rubric(source: Cycle | None) -> list[dict]:
    """``source``'s criteria as a new cycle's form rows: name, weight, description and order, but not their
    identity (the new cycle gets criteria of its own; the old cycle's scores stay with the old ones)."""
    if source is None:
        return []
    return [{"position": i + 1, "name": c.name, "description": c.description, "weight": c.weight}
            for i, c in enumerate(source.criteria)]


def all_cycles() -> list[Cycle]:
    """Every cycle, newest first, without their rubrics (a filter's choices, the cycles page)."""
    return list(db.session.scalars(select(Cycle).options(lazyload(Cycle.criteria))
                                   .order_by(Cycle.opens_on.desc(), Cycle.id.desc())))


def cycle_choices() -> list:
    """Every cycle's id and name, newest first (a filter's choices): plain rows, not ten years of cycles
    loaded as objects."""
    return db.session.execute(select(Cycle.id, Cycle.name).order_by(Cycle.opens_on.desc(), Cycle.id.desc())).all()


def overview() -> list[tuple[Cycle, int]]:
    """Every cycle (newest first) with its number of proposals, in two statements."""
    counts = dict(db.session.execute(
        select(Proposal.cycle_id, func.count(Proposal.id)).group_by(Proposal.cycle_id)
    ).all())
    return [(c, counts.get(c.id, 0)) for c in all_cycles()]


def scored_criterion_ids(cycle: Cycle) -> set[int]:
    """Criteria of this cycle that reviewers have already scored."""
    if cycle.id is None:
        return set()
    return set(db.session.scalars(
        select(CriterionScore.criterion_id).distinct()
        .join(RubricCriterion, RubricCriterion.id == CriterionScore.criterion_id)
        .where(RubricCriterion.cycle_id == cycle.id)
    ))


# -- rules -----------------------------------------------------------------------------------
def _check(data: CycleInput, cycle: Cycle | None) -> tuple[list[tuple[str | None, str]], list[CriterionInput]]:
    problems: list[tuple[str | None, str]] = []
    name = (data.name or "").strip()
    if not name:
        problems.append(("name", "Give the cycle a name."))
    else:
        taken = db.session.scalar(select(Cycle.id).where(func.lower(Cycle.name) == name.lower()))
        if taken is not None and (cycle is None or taken != cycle.id):
            problems.append(("name", f"There is already a cycle called “{name}”. Choose another name."))

    if data.opens_on and data.closes_on and data.closes_on < data.opens_on:
        problems.append(("closes_on", f"The cycle cannot close ({data.closes_on:%B %-d, %Y}) before it opens "
                                      f"({data.opens_on:%B %-d, %Y})."))
    if data.closes_on and data.revision_deadline and data.revision_deadline < data.closes_on:
        problems.append(("revision_deadline", f"The revision deadline ({data.revision_deadline:%B %-d, %Y}) "
                                              f"cannot be before the cycle closes ({data.closes_on:%B %-d, %Y})."))
    if data.opens_on and data.review_due_on and data.review_due_on < data.opens_on:
        problems.append(("review_due_on", f"Reviews cannot be due ({data.review_due_on:%B %-d, %Y}) before the "
                                          f"cycle opens ({data.opens_on:%B %-d, %Y})."))

    if data.progress_report_due and data.final_report_due and data.final_report_due < data.progress_report_due:
        problems.append(("final_report_due", f"The final report cannot be due ({data.final_report_due:%B %-d, %Y}) "
                                             f"before the progress report ({data.progress_report_due:%B %-d, %Y})."))
    for name, label in (("progress_report_due", "The progress report"), ("final_report_due", "The final report")):
        due = getattr(data, name)
        if due and data.closes_on and due < data.closes_on:
            problems.append((name, f"{label} cannot be due ({due:%B %-d, %Y}) before the cycle closes "
                                   f"({data.closes_on:%B %-d, %Y})."))

    if data.pool is not None and data.pool < 0:
        problems.append(("pool", "The budget pool cannot be negative."))
    if data.max_award is not None and data.max_award <= 0:
        problems.append(("max_award", "The maximum award must be more than $0.00."))
    if data.pool is not None and data.max_award is not None and data.max_award > data.pool:
        problems.append(("max_award", f"The maximum award of {money(data.max_award)} is more than the whole "
                                      f"budget pool of {money(data.pool)}."))
    if cycle is not None and cycle.id is not None and data.pool is not None:
        awarded = cycle.awarded_total()
        if data.pool < awarded:
            problems.append(("pool", f"{money(awarded)} has already been awarded in this cycle, so the pool "
                                     f"cannot be less than that."))
    if data.reviews_per_side is None or data.reviews_per_side < 1:
        problems.append(("reviews_per_side", "Each side must complete at least one review."))

    kept, criteria_problems = _check_criteria(data.criteria, cycle)
    problems.extend(criteria_problems)
    return problems, kept


def _check_criteria(rows: list[CriterionInput], cycle: Cycle | None):
    problems: list[tuple[str | None, str]] = []
    existing = {c.id: c for c in (cycle.criteria if cycle is not None else [])}
    kept: list[CriterionInput] = []
    removing: list[RubricCriterion] = []
    for row in rows:
        if row.id not in (None, ""):
            try:
                row.id = int(row.id)
            except (TypeError, ValueError):
                row.id = -1
            if row.id not in existing:
                problems.append(("criteria", "One of the rows refers to a criterion that is not part of this "
                                             "cycle. Reload the page and try again."))
                continue
            if row.remove:
                removing.append(existing[row.id])
                continue
        elif row.remove:
            continue
        kept.append(row)

    if removing:
        scored = scored_criterion_ids(cycle)
        for c in removing:
            if c.id in scored:
                problems.append(("criteria", f"The criterion “{c.name}” already has reviewers' scores, so it "
                                             "cannot be removed. You can rename it or change its weight."))

    if not kept:
        problems.append(("criteria", "The rubric needs at least one criterion: give it a name and a weight."))
    seen: dict[str, str] = {}
    for row in kept:
        name = (row.name or "").strip()
        if not name:
            problems.append(("criteria", "Every criterion needs a name."))
            continue
        key = name.casefold()
        if key in seen:
            problems.append(("criteria", f"Two criteria are called “{name}”; give each criterion its own name."))
        seen.setdefault(key, name)
        if row.weight is None or row.weight <= 0:
            problems.append(("criteria", f"The weight of “{name}” must be more than 0."))
    return kept, problems


def _apply(cycle: Cycle, data: CycleInput, kept: list[CriterionInput]) -> None:
    cycle.name = data.name.strip()
    cycle.opens_on = data.opens_on
    cycle.closes_on = data.closes_on
    cycle.revision_deadline = data.revision_deadline
    cycle.review_due_on = data.review_due_on
    cycle.progress_report_due = data.progress_report_due
    cycle.final_report_due = data.final_report_due
    cycle.pool = to_money(data.pool)
    cycle.max_award = to_money(data.max_award)
    cycle.reviews_per_side = data.reviews_per_side

    existing = {c.id: c for c in cycle.criteria}
    # Order by the position the user typed; rows without one keep their place in the list.
    ordered = sorted(enumerate(kept), key=lambda pair: (pair[1].position if pair[1].position is not None
                                                        else pair[0] + 1, pair[0]))
    criteria = []
    for index, (_, row) in enumerate(ordered):
        # Existing criteria keep their identity (their id), so scores already given stay attached.
        criterion = existing.get(row.id) if row.id is not None else None
        if criterion is None:
            criterion = RubricCriterion()
        criterion.position = index
        criterion.name = row.name.strip()
        criterion.description = (row.description or "").strip()
        criterion.weight = Decimal(row.weight).quantize(Decimal("0.01"))
        criteria.append(criterion)
    cycle.criteria = criteria  # criteria left out are deleted (delete-orphan); scored ones were refused above


def create_cycle(data: CycleInput) -> Cycle:
    problems, kept = _check(data, None)
    if problems:
        raise CycleError(problems)
    cycle = Cycle()
    _apply(cycle, data, kept)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def update_cycle(cycle: Cycle, data: CycleInput) -> Cycle:
    # The pool may not fall below what is awarded: read that under the cycle's row lock, the lock an
    # approval takes before it reads the pool, so an approval confirmed meanwhile is counted.
    cycle = lock(cycle)
    problems, kept = _check(data, cycle)
    if problems:
        raise CycleError(problems)
    _apply(cycle, data, kept)
    db.session.flush()
    return cycle
