"""Who sees which events on the case page's timeline."""
from app.cases.advance import record_event
from app.extensions import db
from app.review import decisions
from workflows.proposal import ProposalState as S


def _timeline(browser, user, proposal) -> str:
    browser.reset().login(user)
    page = browser.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    return page.split('id="timeline', 1)[1] if 'id="timeline' in page else page


def test_committee_acts_are_hidden_from_the_team_and_shown_to_staff(browser, world):
    p = world.in_review
    record_event(p, "assign_reviewer", world.staff, comment="Assigned Rita Btu (BTU)")
    decisions.propose(p, world.co_chair_btu, outcome="approve", award=p.amount_requested, conditions="",
                      feedback="Fund it.")
    db.session.commit()

    team_view = _timeline(browser, world.lead, p)
    assert "Assigned Rita Btu" not in team_view
    assert "waiting for a BPS co-chair" not in team_view

    staff_view = _timeline(browser, world.staff, p)
    assert "Assigned Rita Btu" in staff_view
    assert "waiting for a BPS co-chair" in staff_view

    chair_view = _timeline(browser, world.co_chair_bps, p)
    assert "waiting for a BPS co-chair" in chair_view


def test_transitions_are_on_everyones_timeline(browser, world, factory):
    from app.cases.advance import advance

    p = factory.proposal(world.team, world.cycle, state=S.SUBMITTED, title="Timeline test")
    advance(p, "return_for_revision", world.staff, comment="Tie the budget to the plan.")
    db.session.commit()
    for person in (world.lead, world.member, world.staff):
        view = _timeline(browser, person, p)
        assert "Tie the budget to the plan." in view, person.name


def test_every_recorded_act_has_a_label_on_the_timeline():
    """Every trigger the services record reads as words, not as a raw identifier."""
    import pathlib
    import re

    from app.pl.requests import EVENT_LABELS as PL_EVENT_LABELS
    from app.proposals.drafting import EVENT_LABELS as PROPOSAL_EVENT_LABELS
    from workflows.proposal import PROPOSAL

    EVENT_LABELS = {**PROPOSAL_EVENT_LABELS, **PL_EVENT_LABELS}  # noqa: N806 (each case type labels its own acts)

    recorded = set()
    app_dir = pathlib.Path(__file__).resolve().parents[2] / "app"
    for path in app_dir.rglob("*.py"):
        recorded |= set(re.findall(r'record_event\(\s*[\w.]+,\s*"([a-z_]+)"', path.read_text()))
    assert recorded, "found no recorded acts"
    unlabelled = sorted(t for t in recorded if t not in EVENT_LABELS and t not in PROPOSAL.by_trigger)
    assert not unlabelled, f"add these to EVENT_LABELS: {unlabelled}"
