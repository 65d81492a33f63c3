"""Reports for program staff and the co-chairs (who see the cohort and decide together): the cycle report and
the PL report of a budget year, each as a page, a PDF (through the one PDF door) and a CSV per table."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.core import clock
from app.models import Cycle
from app.proposals import cycles
from app.reports import cycle as cycle_report
from app.reports import pl as pl_report
from app.reports import printing
from app.web import download, get_or_404, roles_required

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = ("staff", "co_chair")


@bp.get("/")
@roles_required(*READERS)
def index():
    return render_template("reports/index.html", cycles=cycles.all_cycles(), years=pl_report.years())


@bp.get("/cycles/<int:cycle_id>")
@roles_required(*READERS)
def cycle(cycle_id: int):
    return render_template("reports/cycle.html", report=_cycle_report(cycle_id))


@bp.get("/cycles/<int:cycle_id>/report.pdf")
@roles_required(*READERS)
def cycle_pdf(cycle_id: int):
    report = _cycle_report(cycle_id)
    body = printing.render("pdf/cycle_report.html", report=report, printed_at=clock.now())
    return download(body, f"cycle-report-{cycle_id}.pdf", "application/pdf")


@bp.get("/cycles/<int:cycle_id>/<key>.csv")
@roles_required(*READERS)
def cycle_csv(cycle_id: int, key: str):
    table = _cycle_report(cycle_id).table(key) or abort(404)
    return download(table.csv(), f"cycle-{cycle_id}-{key}.csv", "text/csv")


def _cycle_report(cycle_id: int) -> cycle_report.CycleReport:
    """The cycle's report as the reader may see it (without the scores of proposals they are recused from)."""
    return cycle_report.report(get_or_404(Cycle, cycle_id), viewer=current_user)


def _year(year: str) -> str:
    return year if pl_report.valid_year(year) else abort(404)


@bp.get("/pl/<year>")
@roles_required(*READERS)
def pl(year: str):
    return render_template("reports/pl.html", report=pl_report.report(_year(year)))


@bp.get("/pl/<year>/report.pdf")
@roles_required(*READERS)
def pl_pdf(year: str):
    body = printing.render("pdf/pl_report.html", report=pl_report.report(_year(year)), printed_at=clock.now())
    return download(body, f"pl-report-{year}.pdf", "application/pdf")


@bp.get("/pl/<year>/<key>.csv")
@roles_required(*READERS)
def pl_csv(year: str, key: str):
    table = pl_report.report(_year(year)).table(key) or abort(404)
    return download(table.csv(), f"pl-{year}-{key}.csv", "text/csv")
