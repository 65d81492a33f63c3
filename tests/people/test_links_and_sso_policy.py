"""Where the parts of "accounts that run themselves" meet: while an admin requires single sign-on, nobody
but a break-glass admin is sent (or can use) a link to set a password; and a people import can email each
new person their invitation."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, OutboxMessage, User
from app.people import accounts, directory, invitations, password_links, sso
from app.people.accounts import PeopleError
from tests.people.test_forgot_password import ask, outbox, set_password

INVITE_LINK = re.compile(r"https?://[^/\s]+(/invitation/[A-Za-z0-9_.-]+)")
HEADER = "name,email,school,job_title,roles,side,active"


def csv_bytes(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


def events(user: User, trigger: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_type == "user", AuditEvent.case_id == user.id, AuditEvent.trigger == trigger)))


@pytest.fixture
def sso_required(app, world, monkeypatch):
    """SSO set up (the OIDC_* settings; nothing here talks to a provider) and required by an admin, with
    the admin as the one break-glass account."""
    for key, value in {"OIDC_ISSUER": "https://sso.example.org", "OIDC_CLIENT_ID": "tlf",
                       "OIDC_CLIENT_SECRET": "s3cret", "OIDC_PROVIDER_NAME": "Test District"}.items():
        monkeypatch.setitem(app.config, key, value)
    sso.save_policy(require_sso=True, break_glass_ids=[world.admin.id], actor=world.admin)
    db.session.flush()
    assert sso.required()


# -- single sign-on required ------------------------------------------------------------------------
def test_a_reset_link_sent_before_sso_was_required_no_longer_sets_a_password(app, browser, world, monkeypatch):
    url = password_links.link_for(world.member, password_links.RESET).split("://", 1)[1].split("/", 1)[1]
    for key, value in {"OIDC_ISSUER": "https://sso.example.org", "OIDC_CLIENT_ID": "tlf",
                       "OIDC_CLIENT_SECRET": "s3cret", "OIDC_PROVIDER_NAME": "Test District"}.items():
        monkeypatch.setitem(app.config, key, value)
    sso.save_policy(require_sso=True, break_glass_ids=[world.admin.id], actor=world.admin)
    db.session.flush()
    before = db.session.get(User, world.member.id).password_hash
    page = browser.get("/" + url)
    assert page.status_code == 403
    text = " ".join(page.get_data(as_text=True).split())
    assert "Passwords are turned off" in text and "Sign in with Test District" in text
    assert set_password(browser, "/" + url).status_code == 403
    assert db.session.get(User, world.member.id).password_hash == before


def test_forgot_password_sends_no_link_to_someone_who_must_use_sso(app, browser, world, sso_required):
    resp = ask(browser, world.member.email)
    assert resp.status_code == 302  # the same answer as for everyone
    assert outbox(world.member.email) == []
    (refused,) = events(world.member, "password_link_refused")
    assert refused.data["reason"] == "single sign-on required"
    ask(browser, world.admin.email)  # the break-glass admin still gets one
    assert len(outbox(world.admin.email)) == 1


def test_while_sso_is_required_a_new_account_gets_no_invitation(world, sso_required):
    user = invitations.create_invited(actor=world.admin, email="nia.newton@example.org", name="Nia Newton",
                                      roles=["educator"])
    assert not user.has_password and outbox("nia.newton@example.org") == []
    with pytest.raises(PeopleError, match="Single sign-on is required: Nia Newton signs in with"):
        invitations.send_password_link(user, world.admin)
    with pytest.raises(PeopleError, match="Single sign-on is required"):
        invitations.invite(user, world.admin)


# -- the import's invitations -------------------------------------------------------------------------
def test_an_import_emails_each_new_person_an_invitation_that_works(app, browser, world):
    result = directory.import_people(csv_bytes(
        "Nia Newton,nia.newton@example.org,,,educator,,yes",
        "Ian Inactive,ian.inactive@example.org,,,educator,,no",
        f"{world.member.name},{world.member.email},,,educator,,yes",  # already here: no invitation
    ), world.admin, invite=True)
    assert result.invited == 1
    assert "Emailed 1 person an invitation to set a password." in result.summary()
    nia = User.by_email("nia.newton@example.org")
    (message,) = outbox(nia.email)
    assert message.subject == "You are invited to the Teacher Leadership Fund app"
    assert outbox("ian.inactive@example.org") == [] and outbox(world.member.email) == []
    (sent,) = events(nia, invitations.SENT)
    assert sent.actor_id == world.admin.id
    assert invitations.status(nia).outstanding
    db.session.commit()
    url = INVITE_LINK.search(message.body).group(1)
    assert set_password(browser, url).status_code == 302
    assert db.session.get(User, nia.id).has_password


def test_an_import_without_the_box_ticked_or_with_sso_required_emails_nobody(world, monkeypatch, app):
    result = directory.import_people(csv_bytes("Nia Newton,nia.newton@example.org,,,educator,,yes"), world.admin)
    assert result.invited == 0 and "invitation" not in result.summary()
    assert outbox("nia.newton@example.org") == []
    for key, value in {"OIDC_ISSUER": "https://sso.example.org", "OIDC_CLIENT_ID": "tlf",
                       "OIDC_CLIENT_SECRET": "s3cret"}.items():
        monkeypatch.setitem(app.config, key, value)
    sso.save_policy(require_sso=True, break_glass_ids=[world.admin.id], actor=world.admin)
    result = directory.import_people(csv_bytes("Ola Other,ola.other@example.org,,,educator,,yes"), world.admin,
                                     invite=True)
    assert result.invited == 0 and outbox("ola.other@example.org") == []


def test_the_import_page_offers_the_invitations_ticked_and_sends_them(browser, world):
    browser.login(world.admin)
    page = browser.get("/admin/people/import").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*name="invite"|<input[^>]*name="invite"[^>]*checked', page)
    assert re.search(r'<label[^>]*for="invite"', page)
    from io import BytesIO

    from tests.conftest import csrf_from
    submission = re.search(r'name="submission_token"[^>]*value="([^"]+)"', page).group(1)
    resp = browser.open("/admin/people/import", method="POST", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "submission_token": submission, "invite": "y",
        "file": (BytesIO(csv_bytes("Nia Newton,nia.newton@example.org,,,educator,,yes")), "people.csv")})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert len(outbox("nia.newton@example.org")) == 1
    assert db.session.scalar(select(OutboxMessage.subject).where(
        OutboxMessage.to_email == "nia.newton@example.org")) == "You are invited to the Teacher Leadership Fund app"


def test_create_user_with_a_password_is_still_how_the_first_admin_is_made(world):
    user = accounts.create_user(email="first.admin@example.org", name="First Admin",
                                password="blue heron over the harbor", roles=["admin"])
    assert user.has_password and user.check_password("blue heron over the harbor")
