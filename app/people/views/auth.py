"""Sign in and sign out."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.people import accounts
from app.web import run, safe_next, show_refusal
from forms.people import LoginForm

bp = Blueprint("auth", __name__)


def _sign_in(form: LoginForm):
    user = accounts.authenticate(form.email.data, form.password.data)
    login_user(user, remember=form.remember.data)
    return user


def _render_login(form: LoginForm, status: int = 200, errors: list[str] | None = None):
    return render_template("people/login.html", form=form, errors=errors or []), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method != "POST":
        return _render_login(form)
    return run(
        lambda: _sign_in(form), form=form,
        done=lambda _: safe_next(request.args.get("next")) or url_for("home.index"),
        success=lambda user: f"Signed in as {user.name}.",
        again=lambda refusal: _render_login(form, 422, show_refusal(form, refusal)),
    )


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
