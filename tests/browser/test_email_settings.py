"""A person chooses the daily digest on their account page, in Chromium, with axe on each page."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import EmailDelivery, User

pytestmark = [pytest.mark.browser, pytest.mark.commits]  # the live server reads on its own connections


def test_choose_the_daily_digest_from_the_notifications_page(factory, visitor):
    person = factory.user("educator", name="Marta Member", email="marta@example.org")
    db.session.commit()
    v = visitor(person)
    v.goto("/notifications")
    v.click(v.page.get_by_role("link", name="Choose immediate email or a daily digest"))
    assert v.page.get_by_label("Each message as it comes (immediately)").is_checked()
    v.page.get_by_label("One email a day with everything since the last (daily digest)").check()
    v.click(v.page.get_by_role("button", name="Save"))
    assert "Saved: one email a day" in v.page.locator("main").inner_text()
    assert v.page.get_by_label("One email a day with everything since the last (daily digest)").is_checked()
    db.session.expire_all()
    assert db.session.get(User, person.id).email_delivery is EmailDelivery.DAILY
