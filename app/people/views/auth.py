"""Sign in (with a password or single sign-on) and sign out (the rules: app.people.signin and .sso)."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.people import signin, sso
from app.web import run, safe_next, show_refusal
from forms.people import ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__)


def _render_login(form: LoginForm, status: int = 200, errors: list[str] | None = None):
    return render_template("people/login.html", form=form, errors=errors or [], sso_configured=sso.configured(),
                           sso_name=sso.provider_name(), sso_required=sso.required()), status


def _refused(form: LoginForm, refusal):
    signin.note_refusal(refusal)
    return _render_login(form, 422, show_refusal(form, refusal))


@bp.route("/login", methods=["GET", "POST"])
@signin.per_account
@signin.per_address
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method != "POST":
        return _render_login(form)
    return run(
        lambda: signin.sign_in(form.email.data, form.password.data, bool(form.remember.data)), form=form,
        done=lambda _: safe_next(request.args.get("next")) or url_for("home.index"),
        success=lambda user: f"Signed in as {user.name}.",
        again=lambda refusal: _refused(form, refusal),
    )


def _sso_refused(refusal):
    signin.note_refusal(refusal)
    return render_template("people/sso_refused.html", messages=refusal.messages), getattr(refusal, "status", 403)


@bp.get("/login/sso")
def sso_start():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    return run(lambda: sso.start(safe_next(request.args.get("next"))), done=lambda url: url, again=_sso_refused)


@bp.get("/login/sso/callback")
def sso_callback():
    return run(sso.finish, done=lambda _: safe_next(sso.next_url()) or url_for("home.index"),
               success=lambda user: f"Signed in as {user.name}.", again=_sso_refused)


@bp.post("/logout")
@login_required
def logout():
    return run(lambda: signin.sign_out(current_user._get_current_object()), done=url_for("auth.login"),
               success="You are signed out.")


def _password_page(form: ChangePasswordForm, status: int = 200, errors: list[str] | None = None):
    return render_template("people/password.html", form=form, errors=errors or []), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@signin.per_person_password
def change_password():
    form = ChangePasswordForm()
    if request.method != "POST":
        return _password_page(form)
    return run(
        lambda: signin.change_password(current_user._get_current_object(), form), form=form,
        done=url_for("home.index"),
        success="Your password is changed. You stay signed in here; everywhere else you are signed out.",
        again=lambda refusal: _password_page(form, 422, show_refusal(form, refusal)),
    )
