from app.extensions import db
from app.models import User
from app.people import password_links
from tests.access import Case
from tests.factories import PASSWORD, Factory

# Everyone signed in may change their own password (and only their own: the form has no "whose").
NEW_PASSWORD = {"current_password": PASSWORD, "new_password": "a new long password",
                "new_password_again": "a new long password"}

SET = {"new_password": "blue heron over the harbor", "new_password_again": "blue heron over the harbor"}


def invited(w) -> User:
    """A person invited to set a password who has not yet (made on first use)."""
    user = User.by_email("ivy.invited@example.org")
    if user is None:
        user = Factory().user("educator", name="Ivy Invited", email="ivy.invited@example.org", school=w.school)
        user.clear_password()
        db.session.commit()
    return user


_LINKS: dict[tuple, str] = {}


def _link(prefix: str, user: User, purpose) -> str:
    """The same link for as long as the account is as it was (a link is made anew each second)."""
    key = (purpose.name, user.id, user.password_hash, user.session_token)
    if key not in _LINKS:
        _LINKS[key] = f"{prefix}/{password_links.make_token(user, purpose)}"
    return _LINKS[key]


def reset_url(w) -> str:
    return _link("/password/reset", w.member, password_links.RESET)


def invitation_url(w) -> str:
    return _link("/invitation", invited(w), password_links.INVITATION)


CASES = [
    Case("healthz", lambda w: "/healthz", default=200, public=True),
    Case("auth.login", lambda w: "/login", default=302, expect={"anon": 200}, public=True),
    Case("auth.login", lambda w: "/login", method="POST", default=302, public=True,
         data=lambda w: {"email": "nobody@example.org", "password": "wrong"}, expect={"anon": 422}),
    Case("auth.logout", lambda w: "/logout", method="POST", default=302),
    Case("auth.change_password", lambda w: "/account/password", default=200),
    Case("auth.change_password", lambda w: "/account/password", method="POST", default=302,
         data=lambda w: dict(NEW_PASSWORD)),
    # "Forgot your password?" and the emailed links: for anyone (a link works whoever is signed in here)
    Case("auth.forgot_password", lambda w: "/password/forgot", default=200, public=True),
    Case("auth.forgot_password", lambda w: "/password/forgot", method="POST", default=302, public=True,
         data=lambda w: {"email": "member@example.org"}),
    Case("auth.reset_password", reset_url, default=200, public=True),
    Case("auth.reset_password", reset_url, method="POST", default=302, public=True, data=lambda w: dict(SET)),
    Case("auth.reset_password", lambda w: "/password/reset/not-a-token", default=400, public=True,
         label="tampered"),
    Case("auth.accept_invitation", invitation_url, default=200, public=True),
    Case("auth.accept_invitation", invitation_url, method="POST", default=302, public=True, data=lambda w: dict(SET)),
    Case("home.index", lambda w: "/", default=200, public=True, expect={"anon": 302}),
]
