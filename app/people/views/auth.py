"""Sign in (with a password or single sign-on) and sign out (the rules: app.people.signin and .sso); one's
own password, and setting it from an emailed link (app.people.password_links)."""
from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.people import password_links, signin, sso
from app.web import reader, run, safe_next, show_refusal
from forms.people import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm

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


# -- passwords by email: "Forgot your password?", reset links and invitations (app.people.password_links) --
def _forgot_page(form: ForgotPasswordForm, status: int = 200, errors: list[str] | None = None):
    return render_template("people/forgot.html", form=form, errors=errors or []), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@signin.link_per_email
@signin.link_per_address
def forgot_password():
    form = ForgotPasswordForm()
    if request.method != "POST":
        return _forgot_page(form)
    return run(lambda: password_links.request_reset(form.email.data), form=form, done=url_for("auth.login"),
               success=password_links.SENT_IF_KNOWN, once=True,
               again=lambda refusal: _forgot_page(form, 422, show_refusal(form, refusal)))


def _private(response):
    """A page whose address is a secret (a link's token): not kept, not told to another site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_page(token: str, purpose: password_links.Purpose, form: SetPasswordForm, status: int = 200,
               errors: list[str] | None = None):
    """The form to set a password, for the link's holder; or the page that says why the link does not work."""
    try:
        user = password_links.holder(token, purpose)
    except password_links.LinkRefused as refusal:
        return _refused_link(refusal)
    page = render_template("people/set_password.html", form=form, errors=errors or [], user=user, purpose=purpose)
    return _private(make_response(page, status))


def _refused_link(refusal: password_links.LinkRefused):
    page = render_template("people/link_refused.html", title=refusal.title, message=refusal.messages[0],
                           code=refusal.status)
    return _private(make_response(page, refusal.status))


def _set_password(token: str, purpose: password_links.Purpose):
    form = SetPasswordForm()
    if request.method != "POST":
        return _link_page(token, purpose, form)
    return run(
        lambda: password_links.set_password(token, purpose, reader(form)), done=url_for("auth.login"),
        success=purpose.done, once=True,
        again=lambda refusal: _refused_link(refusal) if isinstance(refusal, password_links.LinkRefused)
        else _link_page(token, purpose, form, 422, show_refusal(form, refusal)),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password(token, password_links.RESET)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password(token, password_links.INVITATION)
