"""Single sign-on and the admins' sign-in settings (app/people/sso.py).

The matrix's app has no OIDC_* settings, so both SSO routes answer 404 to anyone who is not signed in
(there is nothing to sign in with); a signed-in person asking to sign in is sent home. The SSO flow
itself, against a real OpenID Provider, is tested in tests/people/test_sso.py."""
from tests.access import Case

CASES = [
    Case("auth.sso_start", lambda w: "/login/sso", default=302, expect={"anon": 404}, public=True),
    Case("auth.sso_callback", lambda w: "/login/sso/callback?code=x&state=y", default=404, public=True),
    Case("admin.sign_in_settings", lambda w: "/admin/sign-in", expect={"admin": 200}),
    Case("admin.sign_in_settings", lambda w: "/admin/sign-in", method="POST", expect={"admin": 302},
         data=lambda w: {"break_glass": [str(w.admin.id)]}),
]
