from tests.access import Case
from tests.factories import PASSWORD

# Everyone signed in may change their own password (and only their own: the form has no "whose").
NEW_PASSWORD = {"current_password": PASSWORD, "new_password": "a new long password",
                "new_password_again": "a new long password"}

CASES = [
    Case("healthz", lambda w: "/healthz", default=200, public=True),
    Case("auth.login", lambda w: "/login", default=302, expect={"anon": 200}, public=True),
    Case("auth.login", lambda w: "/login", method="POST", default=302, public=True,
         data=lambda w: {"email": "nobody@example.org", "password": "wrong"}, expect={"anon": 422}),
    Case("auth.logout", lambda w: "/logout", method="POST", default=302),
    Case("auth.change_password", lambda w: "/account/password", default=200),
    Case("auth.change_password", lambda w: "/account/password", method="POST", default=302,
         data=lambda w: dict(NEW_PASSWORD)),
    Case("home.index", lambda w: "/", default=200, public=True, expect={"anon": 302}),
]
