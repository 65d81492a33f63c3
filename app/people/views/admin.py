"""People and schools.

Admins and program staff may see the people list (staff look people up to assign reviewers and
answer questions); only admins create or change accounts, roles and passwords. Schools are
reference data that both admins and staff keep up to date.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.cases.permissions import is_admin
from app.extensions import db
from app.models import School, User
from app.people import accounts as people
from app.web import get_or_404, page_number, roles_required
from forms.people import SchoolForm, UserFilterForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


def _attach(form, error: people.PeopleError) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is None:
        form.form_errors.append(str(error))
    else:
        target.errors = list(target.errors) + [str(error)]


# -- people --------------------------------------------------------------------------------------
@bp.get("/users")
@roles_required("admin", "staff")
def users():
    schools = people.all_schools()
    form = UserFilterForm(formdata=request.args, schools=schools)
    form.validate()

    def ok(f):
        return f.data if f.data and not f.errors else None

    stmt = people.users_query(role=ok(form.role), side=ok(form.side), school_id=ok(form.school_id),
                              q=(form.q.data or "").strip()[:120] or None)
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE,
                       error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("people/users.html", form=form, page=page, args=args, can_edit=is_admin(current_user))


def _user_form(creating: bool, user: User | None = None, **kw) -> UserForm:
    return UserForm(schools=people.all_schools(), creating=creating,
                    current_job_title=user.job_title if user is not None else None, **kw)


def _user_fields(form: UserForm) -> dict:
    school = db.session.get(School, form.school_id.data) if form.school_id.data else None
    return dict(email=form.email.data, name=form.name.data, roles=form.roles.data, side=form.side.data or None,
                school=school, job_title=form.job_title.data, active=bool(form.active.data))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user():
    form = _user_form(True)
    if form.validate_on_submit():
        try:
            user = people.create_user(password=form.password.data, **_user_fields(form))
        except people.PeopleError as e:
            db.session.rollback()
            _attach(form, e)
        else:
            db.session.commit()
            flash(f"Created an account for {user.name} <{user.email}>.", "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render_template("people/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    if request.method != "POST":
        form = _user_form(False, user, data={
            "name": user.name, "email": user.email, "roles": sorted(user.role_names),
            "side": user.side_name or "", "school_id": user.school_id, "job_title": user.job_title,
            "active": user.active,
        })
        return render_template("people/user_form.html", form=form, user=user)
    form = _user_form(False, user)
    if form.validate():
        try:
            people.update_user(user, actor=current_user, password=form.password.data or None,
                               **_user_fields(form))
        except people.PeopleError as e:
            db.session.rollback()
            _attach(form, e)
        else:
            db.session.commit()
            flash(f"Saved {user.name}'s account.", "success")
            return redirect(url_for("admin.users"))
    return render_template("people/user_form.html", form=form, user=user), 422


# -- schools -------------------------------------------------------------------------------------
@bp.get("/schools")
@roles_required("admin", "staff")
def schools():
    return render_template("people/schools.html", schools=people.all_schools(),
                           people_counts=people.school_people_counts())


@bp.route("/schools/new", methods=["GET", "POST"])
@roles_required("admin", "staff")
def new_school():
    form = SchoolForm()
    if form.validate_on_submit():
        try:
            school = people.create_school(name=form.name.data, level=form.level.data,
                                          neighborhood=form.neighborhood.data)
        except people.PeopleError as e:
            db.session.rollback()
            _attach(form, e)
        else:
            db.session.commit()
            flash(f"Added {school.name}.", "success")
            return redirect(url_for("admin.schools"))
    status = 422 if form.is_submitted() else 200
    return render_template("people/school_form.html", form=form, school=None), status


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@roles_required("admin", "staff")
def edit_school(school_id: int):
    school = get_or_404(School, school_id)
    form = SchoolForm(obj=school) if request.method != "POST" else SchoolForm()
    if request.method == "POST" and form.validate():
        try:
            people.update_school(school, name=form.name.data, level=form.level.data,
                                 neighborhood=form.neighborhood.data)
        except people.PeopleError as e:
            db.session.rollback()
            _attach(form, e)
        else:
            db.session.commit()
            flash(f"Saved {school.name}.", "success")
            return redirect(url_for("admin.schools"))
    status = 422 if request.method == "POST" else 200
    return render_template("people/school_form.html", form=form, school=school), status
