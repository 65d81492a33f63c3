"""People services without the views: signing in, and refusals that name the form field they concern."""
from __future__ import annotations

import pytest

from app.core.errors import FormError
from app.people import accounts, teams


def test_authenticate_finds_the_active_account_or_refuses_beside_the_password(world):
    assert accounts.authenticate(world.lead.email.upper(), "password123") is world.lead
    for email, password in ((world.lead.email, "wrong password"), ("nobody@example.org", "password123")):
        with pytest.raises(accounts.PeopleError) as refused:
            accounts.authenticate(email, password)
        assert refused.value.field == "password"
        assert str(refused.value) == "That email and password do not match an active account."
    world.lead.active = False
    with pytest.raises(accounts.PeopleError):
        accounts.authenticate(world.lead.email, "password123")


def test_people_and_team_refusals_are_form_errors_with_their_field(world):
    with pytest.raises(accounts.PeopleError) as refused:
        accounts.create_school(name="", level="elementary")
    assert isinstance(refused.value, FormError) and refused.value.field == "name"
    assert refused.value.problems == [("name", "Enter the school's name.")]
    with pytest.raises(teams.TeamError) as refused:
        teams.remove_member(world.team, world.lead)
    assert isinstance(refused.value, FormError) and refused.value.field is None
    assert refused.value.messages == [str(refused.value)]
