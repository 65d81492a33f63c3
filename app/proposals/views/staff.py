"""Program staff: every proposal, funding cycles with their rubric, and assigning reviewers.

Each view loads (404), checks (the staff role, 403), picks its form and hands one operation to
``app.web.run``, which commits or rolls back once (a refused form comes back with what was typed).
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from app.models import Cycle, Proposal, ReviewAssignment
from app.people import accounts
from app.proposals import cycles as cycle_service
from app.proposals import exports, screening
from app.web import csv_download, get_or_404, page_number, roles_required, run, show_refusal
from forms.proposals import AssignReviewersForm, CycleForm, ProposalFilterForm

bp = Blueprint("staff", __name__, url_prefix="/staff")


# -- every proposal ------------------------------------------------------------------------------
def _proposal_filters() -> tuple[ProposalFilterForm, screening.ProposalFilters]:
    """The list's filters as the query string gives them (a refused value is reported and left out)."""
    form = ProposalFilterForm(formdata=request.args, cycles=cycle_service.cycle_choices(),
                              schools=accounts.school_choices(), default_cycle=cycle_service.current_cycle())
    form.validate()
    return form, screening.ProposalFilters(
        cycle_id=form.cycle_id(),
        state=form.state.data if form.state.data and not form.state.errors else None,
        school_id=form.school_id.data if not form.school_id.errors else None,
        grant_type=form.grant_type.data if form.grant_type.data and not form.grant_type.errors else None,
        q=None if form.q.errors else (form.q.data or "").strip() or None,
    )


def _download_filters() -> screening.ProposalFilters:
    """A spreadsheet holds exactly what was asked for: a filter the list would refuse (and leave out) is a 400
    that names it, not a file with more rows than the person meant."""
    form, filters = _proposal_filters()
    if form.errors:
        problems = " ".join(m for messages in form.errors.values() for m in messages)
        abort(400, description=f"{problems} Choose the filters from the lists on the proposals page.")
    return filters


@bp.get("/proposals")
@roles_required("staff")
def proposals():
    form, filters = _proposal_filters()
    page, tallies = screening.staff_page(filters, page_number())
    args = {k: v for k, v in request.args.items() if k != "page"}
    applied = {k: v for k, v in args.items() if not (k in form and form[k].errors)}  # what the downloads carry
    return render_template("proposals/staff_list.html", form=form, page=page, tallies=tallies, args=args,
                           applied=applied)


@bp.get("/proposals.csv")
@roles_required("staff")
def proposals_csv():
    return csv_download("proposals", exports.PROPOSAL_HEADER, exports.proposal_rows(_download_filters()))


@bp.get("/teams.csv")
@roles_required("staff")
def teams_csv():
    return csv_download("teams", exports.TEAM_HEADER, exports.team_rows(_download_filters()))


# -- cycles --------------------------------------------------------------------------------------
@bp.get("/cycles")
@roles_required("staff")
def cycles():
    return render_template("proposals/cycles.html", rows=cycle_service.overview())


@bp.get("/cycles.csv")
@roles_required("staff")
def cycles_csv():
    return csv_download("cycles", exports.CYCLE_HEADER, exports.cycle_rows())


SPARE_ROWS = 3


def _cycle_input(form: CycleForm) -> cycle_service.CycleInput:
    rows = []
    for entry in form.criteria.entries:
        row = entry.form
        if row.is_blank:
            continue
        rows.append(cycle_service.CriterionInput(
            id=row.id.data or None, position=row.position.data, name=row.name.data or "",
            description=row.description.data or "", weight=row.weight.data, remove=bool(row.remove.data),
        ))
    return cycle_service.CycleInput(
        name=form.name.data, opens_on=form.opens_on.data, closes_on=form.closes_on.data,
        revision_deadline=form.revision_deadline.data, review_due_on=form.review_due_on.data,
        pool=form.pool.data, max_award=form.max_award.data, reviews_per_side=form.reviews_per_side.data,
        criteria=rows, progress_report_due=form.progress_report_due.data, final_report_due=form.final_report_due.data,
    )


def _add_spare_rows(form: CycleForm, count: int) -> None:
    start = len(form.criteria.entries)
    for i in range(count):
        form.criteria.append_entry({"position": start + i + 1})


def _cycle_data(cycle: Cycle) -> dict:
    fields = ("name", "opens_on", "closes_on", "revision_deadline", "review_due_on", "pool", "max_award",
              "reviews_per_side", "progress_report_due", "final_report_due")
    data = {name: getattr(cycle, name) for name in fields}
    data["criteria"] = [{"id": str(c.id), "position": i + 1, "name": c.name, "description": c.description,
                         "weight": c.weight} for i, c in enumerate(cycle.criteria)]
    return data


def _cycle_page(form: CycleForm, cycle: Cycle | None, status: int = 200, errors: list[str] | None = None,
                copied_from: Cycle | None = None):
    scored = cycle_service.scored_criterion_ids(cycle) if cycle is not None else set()
    return render_template("proposals/cycle_form.html", form=form, cycle=cycle, scored=scored,
                           errors=errors or [], copied_from=copied_from), status


def _new_cycle_page():
    """The new cycle's form: the program's figures, and the last cycle's rubric unless ``?rubric=blank``."""
    source = None if request.args.get("rubric") == "blank" else cycle_service.rubric_source()
    form = CycleForm(data={**cycle_service.defaults(), "criteria": cycle_service.copied_rubric(source)})
    _add_spare_rows(form, SPARE_ROWS if source is not None else 5)
    return _cycle_page(form, None, copied_from=source)


@bp.route("/cycles/new", methods=["GET", "POST"])
@roles_required("staff")
def new_cycle():
    if request.method != "POST":
        return _new_cycle_page()
    form = CycleForm()
    return run(
        lambda: cycle_service.create_cycle(_cycle_input(form)), form=form, done=url_for("staff.cycles"),
        success=lambda cycle: f"Created the cycle “{cycle.name}”.",
        again=lambda refusal: _cycle_page(form, None, 422, show_refusal(form, refusal)),
        once=True,
    )


@bp.route("/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@roles_required("staff")
def edit_cycle(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id)
    if request.method != "POST":
        form = CycleForm(data=_cycle_data(cycle))
        _add_spare_rows(form, SPARE_ROWS)
        return _cycle_page(form, cycle)
    form = CycleForm()
    return run(
        lambda: cycle_service.update_cycle(cycle, _cycle_input(form)), form=form, done=url_for("staff.cycles"),
        success=lambda saved: f"Saved the cycle “{saved.name}”.",
        again=lambda refusal: _cycle_page(form, get_or_404(Cycle, cycle_id), 422, show_refusal(form, refusal)),
    )


# -- assigning reviewers ----------------------------------------------------------------------------
def _reviewers_page(proposal: Proposal, form: AssignReviewersForm, problems=(), status: int = 200):
    return render_template(
        "proposals/reviewers.html", proposal=proposal, form=form, problems=list(problems),
        groups=screening.candidates(proposal), progress=screening.progress(proposal),
        progress_text=screening.progress_text(proposal), can_screen=screening.can_screen(proposal),
    ), status


def _assigned(made) -> str:
    names = ", ".join(f"{a.reviewer.name} ({a.side.value})" for a in made)
    return f"Assigned {names}." if made else "Those reviewers were already assigned."


@bp.route("/proposals/<int:proposal_id>/reviewers", methods=["GET", "POST"])
@roles_required("staff")
def reviewers(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    candidate_ids = [c.user.id for group in screening.candidates(proposal).values() for c in group]
    form = AssignReviewersForm(candidate_ids=candidate_ids)
    if not form.is_submitted():
        return _reviewers_page(proposal, form)
    return run(
        lambda: screening.assign(proposal, form.reviewers.data, current_user), form=form,
        done=url_for("staff.reviewers", proposal_id=proposal_id), success=_assigned,
        again=lambda refusal: _reviewers_page(get_or_404(Proposal, proposal_id), form,
                                              show_refusal(form, refusal), 422),
        once=True,
    )


@bp.post("/proposals/<int:proposal_id>/reviewers/<int:assignment_id>/unassign")
@roles_required("staff")
def unassign(proposal_id: int, assignment_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    assignment = get_or_404(ReviewAssignment, assignment_id)
    if assignment.proposal_id != proposal.id:
        abort(404)
    return run(
        lambda: screening.unassign(proposal, assignment, current_user),
        done=url_for("staff.reviewers", proposal_id=proposal_id), success=f"Unassigned {assignment.reviewer.name}.",
    )
