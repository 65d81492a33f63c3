"""People and schools.

Admins and program staff may see the people list (staff look people up to assign reviewers and
answer questions); only admins create or change accounts and roles. No one types another person's
password: a new account gets an invitation to set one, and an admin can send someone a link to set
a new one. Schools are reference data that both admins and staff keep up to date.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from app.cases.permissions import is_admin
from app.extensions import db
from app.models import School, User
from app.people import accounts as people
from app.people import directory, history, invitations, sso
from app.web import csv_download, download, get_or_404, page_number, roles_required, run, show_refusal
from forms.people import (
    PeopleImportForm,
    SchoolForm,
    SendPasswordLinkForm,
    SignInPolicyForm,
    SignOutEverywhereForm,
    UserFilterForm,
    UserForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


# -- people --------------------------------------------------------------------------------------
def _filtered_people():
    """The people list's filters (a refused value is reported and left out) and the people they match."""
    form = UserFilterForm(formdata=request.args, schools=people.all_schools())
    form.validate()

    def ok(f):
        return f.data if f.data and not f.errors else None

    return form, people.users_query(role=ok(form.role), side=ok(form.side), school_id=ok(form.school_id),
                                    q=(form.q.data or "").strip()[:120] or None)


@bp.get("/users")
@roles_required("admin", "staff")
def users():
    form, stmt = _filtered_people()
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE,
                       error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("people/users.html", form=form, page=page, args=args, can_edit=is_admin(current_user))


# -- people from the district's systems: CSV import and export --------------------------------------
@bp.get("/people/export.csv")
@roles_required("admin", "staff")
def export_people():
    _form, stmt = _filtered_people()
    return csv_download("people", directory.COLUMNS,
                        directory.export_rows(db.session.scalars(stmt.execution_options(yield_per=500))))


def _import_page(form: PeopleImportForm, status: int = 200, refusal=None):
    refused = refusal if isinstance(refusal, directory.ImportRefused) else None
    return render_template("people/import.html", form=form, refused=refused, columns=directory.COLUMNS,
                           max_rows=directory.MAX_ROWS, is_admin=is_admin(current_user),
                           max_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)), status


@bp.route("/people/import", methods=["GET", "POST"])
@roles_required("admin", "staff")
def import_people():
    if request.method != "POST":
        return _import_page(PeopleImportForm(formdata=None))
    form = PeopleImportForm()
    return run(
        lambda: directory.import_file(form.file.data.stream, current_user, current_app.config["MAX_UPLOAD_BYTES"],
                                      invite=bool(form.invite.data)),
        form=form, done=url_for("admin.users"), success=lambda result: result.summary(),
        again=lambda refusal: _import_page(form, 422, refusal), once=True,
    )


@bp.errorhandler(413)
def too_large(e):
    """A request past the whole request's cap (the form is not read): on the import, what to do instead."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    message = (directory.too_large(limit) if request.endpoint == "admin.import_people" else
               f"The upload is larger than the {limit // (1024 * 1024)} MB limit. Choose a smaller file and try again.")
    return render_template("errors/error.html", code=413, title="File too large", message=message), 413


@bp.get("/people/import/template.csv")
@roles_required("admin", "staff")
def import_template():
    return download(directory.template_csv(), "people-import-template.csv", "text/csv")


def _user_form(creating: bool, user: User | None = None, **kw) -> UserForm:
    return UserForm(schools=people.all_schools(), creating=creating,
                    current_job_title=user.job_title if user is not None else None, **kw)


def _user_fields(form: UserForm) -> dict:
    school = db.session.get(School, form.school_id.data) if form.school_id.data else None
    return dict(email=form.email.data, name=form.name.data, roles=form.roles.data, side=form.side.data or None,
                school=school, job_title=form.job_title.data, active=bool(form.active.data))


def _user_page(form: UserForm, user: User | None, status: int = 200, errors: list[str] | None = None):
    return render_template("people/user_form.html", form=form, user=user, errors=errors or [],
                           events=history.recent(user) if user is not None else [],
                           invitation=invitations.status(user) if user is not None else None), status


def _created(user: User) -> str:
    if user.active:
        return f"Created an account for {user.name} <{user.email}> and emailed them an invitation to set a password."
    return (f"Created an account for {user.name} <{user.email}>. It is not active, so no invitation was sent: "
            "make it active, then send the invitation from their page.")


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user():
    form = _user_form(True)
    if request.method != "POST":
        return _user_page(form, None)
    return run(
        lambda: invitations.create_invited(actor=current_user, **_user_fields(form)), form=form,
        done=lambda user: url_for("admin.edit_user", user_id=user.id), success=_created,
        again=lambda refusal: _user_page(form, None, 422, show_refusal(form, refusal)),
        once=True,
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    if request.method != "POST":
        return _user_page(_user_form(False, user, data={
            "name": user.name, "email": user.email, "roles": sorted(user.role_names),
            "side": user.side_name or "", "school_id": user.school_id, "job_title": user.job_title,
            "active": user.active,
        }), user)
    form = _user_form(False, user)
    return run(
        lambda: people.update_user(user, actor=current_user, **_user_fields(form)), form=form,
        done=url_for("admin.users"), success=lambda saved: f"Saved {saved.name}'s account.",
        again=lambda refusal: _user_page(form, get_or_404(User, user_id), 422, show_refusal(form, refusal)),
    )


@bp.post("/users/<int:user_id>/sign-out-everywhere")
@roles_required("admin")
def sign_out_everywhere(user_id: int):
    user = get_or_404(User, user_id)
    return run(lambda: people.sign_out_everywhere(user, current_user), form=SignOutEverywhereForm(),
               done=url_for("admin.edit_user", user_id=user.id),
               success=f"{user.name} is signed out on every device: each must sign in again.")


@bp.post("/users/<int:user_id>/password-link")
@roles_required("admin")
def send_password_link(user_id: int):
    user = get_or_404(User, user_id)
    return run(lambda: invitations.send_password_link(user, current_user), form=SendPasswordLinkForm(),
               done=url_for("admin.edit_user", user_id=user.id), success=lambda done: done, once=True)


# -- sign-in settings -------------------------------------------------------------------------------
def _sign_in_page(form: SignInPolicyForm, status: int = 200, errors: list[str] | None = None):
    return render_template("people/sign_in_settings.html", form=form, errors=errors or [],
                           sso_configured=sso.configured(), provider_name=sso.provider_name()), status


@bp.route("/sign-in", methods=["GET", "POST"])
@roles_required("admin")
def sign_in_settings():
    if request.method != "POST":
        policy = sso.policy()
        return _sign_in_page(SignInPolicyForm(admins=sso.admin_choices(), data={
            "require_sso": policy.require_sso, "break_glass": [str(u.id) for u in policy.break_glass]}))
    form = SignInPolicyForm(admins=sso.admin_choices())
    return run(
        lambda: sso.save_policy(require_sso=bool(form.require_sso.data), break_glass_ids=form.break_glass.data,
                                actor=current_user), form=form,
        done=url_for("admin.sign_in_settings"), success="Saved the sign-in settings.",
        again=lambda refusal: _sign_in_page(form, 422, show_refusal(form, refusal)),
    )


# -- schools -------------------------------------------------------------------------------------
@bp.get("/schools")
@roles_required("admin", "staff")
def schools():
    return render_template("people/schools.html", schools=people.all_schools(),
                           people_counts=people.school_people_counts())


def _school_page(form: SchoolForm, school: School | None, status: int = 200, errors: list[str] | None = None):
    return render_template("people/school_form.html", form=form, school=school, errors=errors or []), status


@bp.route("/schools/new", methods=["GET", "POST"])
@roles_required("admin", "staff")
def new_school():
    form = SchoolForm()
    if request.method != "POST":
        return _school_page(form, None)
    return run(
        lambda: people.create_school(name=form.name.data, level=form.level.data, neighborhood=form.neighborhood.data),
        form=form, done=url_for("admin.schools"), success=lambda school: f"Added {school.name}.",
        again=lambda refusal: _school_page(form, None, 422, show_refusal(form, refusal)),
        once=True,
    )


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@roles_required("admin", "staff")
def edit_school(school_id: int):
    school = get_or_404(School, school_id)
    if request.method != "POST":
        return _school_page(SchoolForm(obj=school), school)
    form = SchoolForm()
    return run(
        lambda: people.update_school(school, name=form.name.data, level=form.level.data,
                                     neighborhood=form.neighborhood.data), form=form,
        done=url_for("admin.schools"), success=lambda saved: f"Saved {saved.name}.",
        again=lambda refusal: _school_page(form, get_or_404(School, school_id), 422, show_refusal(form, refusal)),
    )
