"""Teams through the views: forming a team, adding and removing members, and bad input kept as typed."""
from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Team, TeamScope


def page(resp) -> str:
    return html.unescape(resp.data.decode())


@pytest.fixture
def lead(factory):
    school = factory.school("Hernández K-8")
    return factory.user("educator", name="Lucia Lead", email="lucia@example.org", school=school)


def test_form_a_school_based_team_defaults_to_the_leads_school(browser, lead):
    browser.login(lead)
    form = browser.get("/teams/new")
    assert form.status_code == 200
    assert f'<option selected value="{lead.school.id}">' in form.data.decode()
    resp = browser.post("/teams/new", {"name": "Hernández Readers", "scope": "school",
                                       "school": str(lead.school.id)})
    assert resp.status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "Hernández Readers"))
    assert team.lead_id == lead.id and team.member_ids == {lead.id}
    assert team.scope is TeamScope.SCHOOL and team.school_id == lead.school.id
    shown = page(browser.get(resp.headers["Location"]))
    assert "Hernández Readers" in shown and "Lucia Lead" in shown and "Lead" in shown
    assert "Hernández K-8" in shown


def test_form_a_cross_school_team(browser, lead):
    browser.login(lead)
    resp = browser.post("/teams/new", {"name": "Across the City", "scope": "cross_school", "school": ""})
    assert resp.status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "Across the City"))
    assert team.scope is TeamScope.CROSS_SCHOOL and team.school_id is None


@pytest.mark.parametrize("data,message,kept", [
    ({"name": "", "scope": "school"}, "Give the team a name.", None),
    ({"name": "N" * 121, "scope": "school"}, "Keep the name to 120 characters or fewer.", "N" * 121),
    ({"name": "Science Sparks", "scope": "everywhere"},
     "Choose whether the team is school-based or cross-school.", "Science Sparks"),
    ({"name": "Science Sparks", "scope": "school", "school": "not-a-number"}, "Choose a school from the list.",
     "Science Sparks"),
])
def test_team_form_bad_input_is_explained_and_kept(browser, lead, data, message, kept):
    browser.login(lead)
    data.setdefault("school", str(lead.school.id))
    resp = browser.post("/teams/new", data)
    assert resp.status_code == 422
    assert message in page(resp)
    if kept:
        assert f'value="{kept}"' in resp.data.decode()
    assert db.session.scalar(select(Team)) is None


def test_team_name_must_be_unique(browser, factory, lead):
    factory.team(lead, name="Mather Readers")
    browser.login(lead)
    resp = browser.post("/teams/new", {"name": "mather readers", "scope": "cross_school", "school": ""})
    assert resp.status_code == 422
    assert "There is already a team called “mather readers”" in page(resp)
    assert 'value="mather readers"' in resp.data.decode()


def test_school_based_team_must_be_at_the_leads_school(browser, factory, lead):
    elsewhere = factory.school("Eliot K-8")
    browser.login(lead)
    resp = browser.post("/teams/new", {"name": "Eliot Team", "scope": "school", "school": str(elsewhere.id)})
    assert resp.status_code == 422
    assert "For a team across schools, choose cross-school." in page(resp)


def test_lead_adds_a_member_by_email(browser, factory, world):
    newcomer = factory.user("educator", name="Nina New", email="nina@example.org", school=world.school)
    db.session.commit()
    browser.login(world.lead)
    resp = browser.post(f"/teams/{world.team.id}/members", {"email": "  NINA@example.org "})
    assert resp.status_code == 302
    db.session.refresh(world.team)
    assert newcomer.id in world.team.member_ids
    shown = page(browser.get(f"/teams/{world.team.id}"))
    assert "Nina New joined Mather Readers." in shown
    assert "Nina New" in shown and "Mather Elementary" in shown


@pytest.mark.parametrize("email,message", [
    ("", "Enter the educator's email address."),
    ("not-an-email", "Enter a valid email address"),
    ("nobody@example.org", "No one with the email nobody@example.org has an account."),
    ("staff@example.org", "Stan Staff (staff@example.org) is not an educator; teams are made of educators."),
    ("member@example.org", "Max Member is already a member of Mather Readers."),
    ("outsider@example.org", "Olga Outsider works at Boston Latin Academy, and Mather Readers is a school-based "
                             "team at Mather Elementary. A team with members from several schools must be "
                             "cross-school"),
])
def test_add_member_refusals_are_clear_and_keep_the_email(browser, world, email, message):
    browser.login(world.lead)
    before = set(world.team.member_ids)
    resp = browser.post(f"/teams/{world.team.id}/members", {"email": email})
    assert resp.status_code == 422
    assert message in page(resp)
    if email:
        assert f'value="{email}"' in resp.data.decode()
    db.session.expire_all()
    assert db.session.get(Team, world.team.id).member_ids == before


def test_cross_school_team_accepts_members_from_other_schools(browser, factory, world):
    team = factory.team(world.lead, name="City Mathematicians", scope=TeamScope.CROSS_SCHOOL, school=None)
    team.school = None
    db.session.commit()
    browser.login(world.lead)
    resp = browser.post(f"/teams/{team.id}/members", {"email": "outsider@example.org"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert world.outsider.id in db.session.get(Team, team.id).member_ids


def test_only_the_lead_adds_members(browser, world):
    browser.login(world.member)
    resp = browser.post(f"/teams/{world.team.id}/members", {"email": "peer@example.org"})
    assert resp.status_code == 403
    assert "Only the team lead, Lena Lead, adds members." in page(resp)


def test_lead_removes_a_member_but_not_themself(browser, world):
    browser.login(world.lead)
    resp = browser.post(f"/teams/{world.team.id}/members/{world.lead.id}/remove")
    assert resp.status_code == 422
    assert "Lena Lead leads Mather Readers and cannot be removed." in page(resp)
    resp = browser.post(f"/teams/{world.team.id}/members/{world.member.id}/remove")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Team, world.team.id).member_ids == {world.lead.id}
    shown = page(browser.get(f"/teams/{world.team.id}"))
    assert "Max Member is no longer a member of Mather Readers." in shown
    assert "a team needs at least two educators" in shown


def test_member_cannot_remove_anyone(browser, world):
    browser.login(world.member)
    resp = browser.post(f"/teams/{world.team.id}/members/{world.lead.id}/remove")
    assert resp.status_code == 403
    assert world.member.id in db.session.get(Team, world.team.id).member_ids


def test_team_page_lists_members_with_school_and_role(browser, world):
    browser.login(world.member)
    shown = page(browser.get(f"/teams/{world.team.id}"))
    for text in ("Lena Lead", "Max Member", "Special educator", "Mather Elementary", "Lead", "Member"):
        assert text in shown
    assert "Add a member" not in shown  # only the lead manages members
    assert "Mather draft proposal" in shown


def test_my_teams_lists_only_mine(browser, world):
    browser.login(world.lead)
    shown = page(browser.get("/teams/"))
    assert "Mather Readers" in shown and "Latin Scientists" not in shown
