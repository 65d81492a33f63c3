from tests.access import Case

CASES = [
    Case("healthz", lambda w: "/healthz", default=200, public=True),
    Case("auth.login", lambda w: "/login", default=302, expect={"anon": 200}, public=True),
    Case("auth.login", lambda w: "/login", method="POST", default=302, public=True,
         data=lambda w: {"email": "nobody@example.org", "password": "wrong"}, expect={"anon": 422}),
    Case("auth.logout", lambda w: "/logout", method="POST", default=302),
    Case("home.index", lambda w: "/", default=200, public=True, expect={"anon": 302}),
]
