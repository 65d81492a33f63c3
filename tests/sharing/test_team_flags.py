"""The team sees its privacy flags: each flag's passage and why it was flagged (never the block list), on
its summary editor; it is told when a check raises flags; adding a name to the block list runs the check
again at once. Other educators see nothing of it."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import FlagStatus, OutboxMessage, ProposalState
from app.sharing import privacy

S = ProposalState
BODY = "We called families at 617-555-0123 every week. Priya Shah read 40 books."


def _summary(world, factory):
    s = factory.summary(world.proposals[S.COMPLETED], title="Reading at home", body=BODY)
    db.session.commit()
    return s


def mail_about_flags(user):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == user.id,
                                                          OutboxMessage.subject.startswith("Privacy check"))).all()


def test_the_team_reads_each_flag_with_its_passage_and_reason_but_not_the_block_list(world, factory, login_as):
    s = _summary(world, factory)
    privacy.add_blocked_name(s, "Priya Shah", world.staff)
    privacy.add_blocked_name(s, "Tomasz Kowalczyk", world.staff)  # not in the text: the team never sees it
    db.session.commit()
    for person in (world.lead, world.member):
        page = login_as(person).get(f"/proposals/{s.proposal_id}/summary")
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Privacy flags" in text and "found 2 passages to change" in text
        assert "<mark>617-555-0123</mark>" in text and "A phone number: the public gallery would show it" in text
        assert "<mark>Priya Shah</mark>" in text and "A name program staff asked to keep out" in text
        assert "Tomasz" not in text and "Block list" not in text
        assert 'href="#privacy-flags"' in text  # "2 open flags to resolve: see which passages and why"
    # The case page's summary panel leads there too.
    case_page = login_as(world.lead).get(f"/proposals/{s.proposal_id}").get_data(as_text=True)
    assert f"/proposals/{s.proposal_id}/summary#privacy-flags" in case_page
    # Other educators: neither the editor nor staff's privacy check.
    outsider = login_as(world.outsider)
    assert outsider.get(f"/proposals/{s.proposal_id}/summary").status_code == 403
    assert outsider.get(f"/proposals/{s.proposal_id}/summary/privacy").status_code == 403
    assert login_as(world.lead).get(f"/proposals/{s.proposal_id}/summary/privacy").status_code == 403


def test_the_team_is_told_when_a_check_raises_flags_without_the_passages(world, factory):
    s = _summary(world, factory)
    privacy.run_check(s, world.staff)
    db.session.commit()
    for person in (world.lead, world.member):
        [mail] = mail_about_flags(person)
        assert mail.subject == f"Privacy check: 1 passage to change in your summary: {s.proposal.display_title}"
        assert "617-555-0123" not in mail.body and "#privacy-flags" in mail.body
    assert not mail_about_flags(world.staff)
    # Nothing new found: nobody is told again.
    privacy.run_check(s, world.staff)
    db.session.commit()
    assert len(mail_about_flags(world.lead)) == 1


def test_adding_a_blocked_name_checks_again_at_once_and_removing_it_resolves_its_flag(world, factory):
    s = _summary(world, factory)
    privacy.run_check(s, world.staff)
    result = privacy.add_blocked_name(s, "priya  shah", world.staff)
    db.session.commit()
    assert result.new == 1 and s.proposal.privacy_flags_open == 2
    [mail] = mail_about_flags(world.lead)[1:]
    assert mail.subject.startswith("Privacy check: 2 passages to change")
    result = privacy.remove_blocked_name(s, s.blocked_names[0], world.staff)
    db.session.commit()
    assert result.resolved == 1 and s.proposal.privacy_flags_open == 1


def test_a_flag_staff_allowed_shows_as_allowed_with_their_reason(world, factory, login_as):
    s = _summary(world, factory)
    privacy.run_check(s, world.staff)
    [flag] = [f for f in s.flags if f.status is FlagStatus.OPEN]
    privacy.override_flag(flag, "The school's main office number is public.", world.staff)
    db.session.commit()
    [team_flag] = privacy.for_team(s)
    assert not team_flag.is_open and team_flag.allowed_reason == "The school's main office number is public."
    assert (team_flag.before.endswith("families at "), team_flag.found) == (True, "617-555-0123")
    text = login_as(world.member).get(f"/proposals/{s.proposal_id}/summary").get_data(as_text=True)
    assert "allowed by program staff" in text and "Allowed: The school&#39;s main office number is public." in text
    assert "Nothing is left to change" in text


def test_a_passage_the_team_changed_shows_as_changed_until_the_next_check(world, factory, login_as):
    from app.sharing import summaries

    s = _summary(world, factory)
    privacy.run_check(s, world.staff)
    summaries.save(s.proposal, world.lead, title=s.title, body="We called families every week.", tags={})
    db.session.commit()
    [flag] = privacy.for_team(s)
    assert flag.is_open and not flag.still_there
    text = login_as(world.lead).get(f"/proposals/{s.proposal_id}/summary").get_data(as_text=True)
    assert "changed: no longer in the text" in text
    privacy.run_check(s, world.staff)
    db.session.commit()
    assert privacy.for_team(s) == []


def test_open_flags_wait_on_the_team_on_its_home_page_and_the_case_page(world, factory, login_as):
    s = _summary(world, factory)
    home = login_as(world.member).get("/").get_data(as_text=True)
    assert "Learning summaries with private details to take out: 0<" in home  # no check run yet
    privacy.run_check(s, world.staff)
    db.session.commit()
    for person in (world.lead, world.member):
        home = login_as(person).get("/").get_data(as_text=True)
        assert "Learning summaries with private details to take out: 1<" in home
        assert "1 passage flagged by the privacy check" in home
        assert f"/proposals/{s.proposal_id}\"" in home or f"/proposals/{s.proposal_id}/summary" in home
        case_page = login_as(person).get(f"/proposals/{s.proposal_id}").get_data(as_text=True)
        assert "Take the flagged private details out of the learning summary" in case_page
    assert "Learning summaries with private details to take out: 1<" not in (
        login_as(world.outsider).get("/").get_data(as_text=True))
    # Taken out and checked again: nothing waits on the team any more.
    s.body = "We called families every week."
    privacy.run_check(s, world.staff)
    db.session.commit()
    home = login_as(world.lead).get("/").get_data(as_text=True)
    assert "Learning summaries with private details to take out: 0<" in home
