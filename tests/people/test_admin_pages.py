"""People and schools: who may see and change them, every form's bad input, and the rules."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage, School, SchoolLevel, Side, User
from tests.conftest import csrf_from


def text(resp) -> str:
    return resp.get_data(as_text=True).replace("&#39;", "'")


def user_form(world, **over) -> dict:
    data = {"name": "Nia Newton", "email": "Nia.Newton@Example.org", "roles": ["educator"], "side": "",
            "school_id": str(world.school.id), "job_title": "Special educator", "active": "y"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.fixture
def admin(browser, world):
    browser.login(world.admin)
    return browser


# -- the people list -------------------------------------------------------------------------------
def test_staff_see_people_but_cannot_change_them(browser, world):
    browser.login(world.staff)
    page = text(browser.get("/admin/users"))
    assert "Rita Btu" in page and "rbtu@example.org" in page
    assert "Add a person" not in page and "/edit" not in page
    assert "Only admins can add people one at a time or change their roles here." in page
    assert browser.get(f"/admin/users/{world.lead.id}/edit").status_code == 403
    assert browser.post(f"/admin/users/{world.lead.id}/edit", user_form(world)).status_code == 403
    assert browser.post("/admin/users/new", user_form(world)).status_code == 403


def test_admin_sees_edit_links(admin, world):
    page = text(admin.get("/admin/users"))
    assert "Add a person" in page and f"/admin/users/{world.lead.id}/edit" in page
    assert page.count("<h1") == 1


def test_people_filters_and_search(admin, world):
    reviewers = text(admin.get("/admin/users?role=reviewer"))
    assert "Rita Btu" in reviewers and "Carla Chair" in reviewers and "Lena Lead" not in reviewers
    bps = text(admin.get("/admin/users?role=reviewer&side=BPS"))
    assert "Ray Bps" in bps and "Colin Chair" in bps and "Rita Btu" not in bps
    school = text(admin.get(f"/admin/users?school_id={world.other_school.id}"))
    assert "Olga Outsider" in school and "Lena Lead" not in school
    by_name = text(admin.get("/admin/users?q=lena"))
    assert "Lena Lead" in by_name and "1 person." in by_name
    by_email = text(admin.get("/admin/users?q=RBPS%40EXAMPLE"))
    assert "Ray Bps" in by_email and "1 person." in by_email
    wildcard = text(admin.get("/admin/users?q=%25"))
    assert "Nobody matches these filters." in wildcard
    assert admin.get("/admin/users?page=" + "9" * 40).status_code == 200
    bad = admin.get("/admin/users?role=wizard&side=XYZ&school_id=abc&page=zz")
    assert bad.status_code == 200 and "Choose a role from the list." in text(bad)


# -- creating people ---------------------------------------------------------------------------------
def test_admin_creates_a_person_who_is_invited_to_set_a_password(admin, browser, world):
    assert "Password" not in text(admin.get("/admin/users/new")).split("<form", 1)[1].split("</form>")[0]
    resp = admin.post("/admin/users/new", user_form(world, roles=["reviewer", "educator"], side="BPS"))
    assert resp.status_code == 302, text(resp)[:2000]
    user = User.by_email("nia.newton@example.org")
    assert resp.location.endswith(f"/admin/users/{user.id}/edit")
    assert user.email == "nia.newton@example.org"  # stored in lower case
    assert user.role_names == {"reviewer", "educator"} and user.side is Side.BPS
    assert user.school_id == world.school.id and user.job_title == "Special educator" and user.active
    assert not user.has_password and user.password_hash == ""
    page = text(admin.get(resp.location))
    assert "Created an account for Nia Newton" in page and "emailed them an invitation to set a password" in page
    assert "Invitation sent" in page and "Send the invitation again" in page
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_email == "nia.newton@example.org"))
    assert message.subject == "You are invited to the Teacher Leadership Fund app"


@pytest.mark.parametrize("over,message,kept", [
    ({"name": ""}, "Enter the person's name.", 'value="Nia.Newton@Example.org"'),
    ({"name": "N" * 121}, "Keep the name to 120 characters or fewer.", "N" * 121),
    ({"email": ""}, "Enter an email address.", 'value="Nia Newton"'),
    ({"email": "nia-at-example"}, "Enter a valid email address", 'value="nia-at-example"'),
    ({"email": "a" * 250 + "@x.org"}, "An email address has at most 254 characters.", None),
    ({"email": "LEAD@example.org"}, "A user with the email lead@example.org already exists.",
     'value="LEAD@example.org"'),
    ({"roles": []}, "Give the person at least one role.", 'value="Nia Newton"'),
    ({"roles": ["wizard"]}, "Choose roles from the list.", None),
    ({"roles": ["reviewer"], "side": ""}, "Reviewers and co-chairs belong to a side: choose BTU or BPS.",
     'value="reviewer" checked'),
    ({"roles": ["co_chair"], "side": ""}, "Reviewers and co-chairs belong to a side", None),
    ({"roles": ["educator"], "side": "BTU"}, "Only reviewers and co-chairs belong to a side",
     '<option selected value="BTU">'),
    ({"side": "ZZZ"}, "Choose BTU, BPS or no side.", None),
    ({"school_id": "999999"}, "Choose a school from the list.", None),
    ({"school_id": "abc"}, "School", None),
    ({"job_title": "Wizard"}, "Choose a job title from the list.", None),
])
def test_bad_person_input_is_refused_and_kept(admin, world, over, message, kept):
    before = user_count()
    resp = admin.post("/admin/users/new", user_form(world, **over))
    page = text(resp)
    assert resp.status_code == 422
    assert message in page
    assert "to fix" in page
    if kept:
        assert kept in page
    assert user_count() == before


# -- editing people ------------------------------------------------------------------------------------
def test_edit_form_shows_the_persons_details(admin, world):
    page = text(admin.get(f"/admin/users/{world.reviewer_btu.id}/edit"))
    assert 'value="Rita Btu"' in page and 'value="rbtu@example.org"' in page
    assert 'value="reviewer" checked' in page and '<option selected value="BTU">' in page
    assert 'type="password"' not in page  # an admin never types someone's password
    assert "Rita Btu has set a password." in page and "Email a link to set a new password" in page


def test_edit_roles_side_and_school_keeps_the_password(admin, browser, world):
    lead = world.lead
    resp = admin.post(f"/admin/users/{lead.id}/edit", user_form(
        world, name="Lena Lead-Ortiz", email="lena@example.org", roles=["educator", "reviewer"], side="BTU",
        school_id=str(world.other_school.id)))
    assert resp.status_code == 302, text(resp)[:2000]
    db.session.expire_all()
    lead = db.session.get(User, lead.id)
    assert lead.name == "Lena Lead-Ortiz" and lead.email == "lena@example.org"
    assert lead.role_names == {"educator", "reviewer"} and lead.side is Side.BTU
    assert lead.school_id == world.other_school.id
    browser.reset().login(lead)  # the old password still works


def test_a_password_sent_with_the_edit_form_changes_nothing(admin, browser, world):
    resp = admin.post(f"/admin/users/{world.member.id}/edit", user_form(
        world, name="Max Member", email="member@example.org", password="brand-new-secret"))
    assert resp.status_code == 302
    db.session.expire_all()
    member = db.session.get(User, world.member.id)
    assert member.check_password("password123") and not member.check_password("brand-new-secret")


def test_edit_refuses_a_taken_email_and_keeps_input(admin, world):
    resp = admin.post(f"/admin/users/{world.member.id}/edit", user_form(
        world, name="Max Changed", email="lead@example.org"))
    assert resp.status_code == 422
    page = text(resp)
    assert "A user with the email lead@example.org already exists." in page
    assert 'value="Max Changed"' in page
    db.session.expire_all()
    assert db.session.get(User, world.member.id).name == "Max Member"


def test_deactivated_people_cannot_sign_in(admin, browser, world):
    data = user_form(world, name="Max Member", email="member@example.org")
    del data["active"]
    assert admin.post(f"/admin/users/{world.member.id}/edit", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.member.id).active is False
    browser.reset()
    page = browser.get("/login")
    resp = browser.open("/login", method="POST", data={"email": "member@example.org", "password": "password123",
                                                        "csrf_token": csrf_from(page.data)})
    assert resp.status_code == 422


def test_an_admin_cannot_lock_themselves_out(admin, world):
    me = world.admin
    resp = admin.post(f"/admin/users/{me.id}/edit", user_form(world, name=me.name, email=me.email,
                                                              roles=["staff"], school_id=""))
    assert resp.status_code == 422
    assert "You cannot take away your own admin role; ask another admin." in text(resp)
    data = user_form(world, name=me.name, email=me.email, roles=["admin"], school_id="")
    del data["active"]
    resp = admin.post(f"/admin/users/{me.id}/edit", data)
    assert resp.status_code == 422 and "You cannot deactivate your own account" in text(resp)
    db.session.expire_all()
    assert db.session.get(User, me.id).active and db.session.get(User, me.id).has_role("admin")


# -- schools -----------------------------------------------------------------------------------------
def test_schools_list(browser, world):
    browser.login(world.staff)
    page = text(browser.get("/admin/schools"))
    assert "Mather Elementary" in page and "Boston Latin Academy" in page and "High" in page
    assert page.count("<h1") == 1


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_create_and_edit_a_school(browser, world, who):
    browser.login(getattr(world, who))
    resp = browser.post("/admin/schools/new", {"name": "Hennigan K-8", "level": "k8",
                                               "neighborhood": "Jamaica Plain"})
    assert resp.status_code == 302
    school = db.session.scalar(select(School).where(School.name == "Hennigan K-8"))
    assert school.level is SchoolLevel.K8 and school.neighborhood == "Jamaica Plain"
    assert "K-8" in text(browser.get("/admin/schools"))
    page = text(browser.get(f"/admin/schools/{school.id}/edit"))
    assert 'value="Hennigan K-8"' in page and '<option selected value="k8">' in page
    resp = browser.post(f"/admin/schools/{school.id}/edit", {"name": "Hennigan School", "level": "elementary",
                                                             "neighborhood": ""})
    assert resp.status_code == 302
    db.session.expire_all()
    school = db.session.get(School, school.id)
    assert (school.name, school.level, school.neighborhood) == ("Hennigan School", SchoolLevel.ELEMENTARY, "")


@pytest.mark.parametrize("data,message,kept", [
    ({"name": "", "level": "high"}, "Enter the school's name.", None),
    ({"name": "S" * 161, "level": "high"}, "Keep the name to 160 characters or fewer.", "S" * 161),
    ({"name": "mather ELEMENTARY", "level": "elementary"}, "There is already a school called “Mather Elementary”.",
     'value="mather ELEMENTARY"'),
    ({"name": "New School", "level": "university"}, "Choose elementary, K-8, middle, high or other.",
     'value="New School"'),
    ({"name": "New School", "level": "high", "neighborhood": "N" * 81},
     "Keep the neighborhood to 80 characters or fewer.", "N" * 81),
])
def test_bad_school_input_is_refused_and_kept(admin, world, data, message, kept):
    before = db.session.scalar(select(func.count(School.id)))
    resp = admin.post("/admin/schools/new", data)
    assert resp.status_code == 422
    assert message in text(resp)
    if kept:
        assert kept in text(resp)
    assert db.session.scalar(select(func.count(School.id))) == before


def test_renaming_a_school_to_a_taken_name_is_refused(admin, world):
    resp = admin.post(f"/admin/schools/{world.school.id}/edit", {"name": "Boston Latin Academy", "level": "high"})
    assert resp.status_code == 422
    assert "There is already a school called “Boston Latin Academy”." in text(resp)
    db.session.expire_all()
    assert db.session.get(School, world.school.id).name == "Mather Elementary"


def test_a_job_title_from_outside_the_list_is_kept_on_edit(admin, factory, world):
    manager = factory.user("staff", name="Pat Manager", email="pat@example.org", job_title="Program manager")
    db.session.commit()
    page = text(admin.get(f"/admin/users/{manager.id}/edit"))
    assert '<option selected value="Program manager">' in page
    resp = admin.post(f"/admin/users/{manager.id}/edit", user_form(
        world, name="Pat Manager", email="pat@example.org", roles=["staff"], school_id="",
        job_title="Program manager"))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, manager.id).job_title == "Program manager"
    # ... but a made-up title is refused for someone else.
    resp = admin.post(f"/admin/users/{world.member.id}/edit", user_form(
        world, name="Max Member", email="member@example.org", job_title="Program manager"))
    assert resp.status_code == 422 and "Choose a job title from the list." in text(resp)
