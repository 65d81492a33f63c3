def test_healthz_reports_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["database"] == "ok"


def test_login_and_home(browser, world):
    browser.login(world.lead)
    page = browser.get("/")
    assert b"Lena Lead" in page.data


def test_bad_password_keeps_email_and_explains(browser, world):
    token = browser.token("/login")
    resp = browser.open("/login", method="POST", data={"email": world.lead.email, "password": "nope", "csrf_token": token})
    assert resp.status_code == 422
    assert b"do not match" in resp.data
    assert world.lead.email.encode() in resp.data
