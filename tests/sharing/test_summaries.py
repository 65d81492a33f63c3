"""The learning summary service: saving with tags and search text, files, consent, publishing."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.cases.advance import fire
from app.extensions import db
from app.models import AuditEvent, LearningSummary, ProposalState, TermKind
from app.models.sharing import SLUG_MAX, slugify
from app.sharing import privacy, summaries
from workflows import TransitionRefused
from workflows.proposal import SUMMARY_EDITABLE

S = ProposalState
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def events(trigger):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.trigger == trigger).order_by(AuditEvent.id)))


def test_save_creates_the_summary_with_tags_search_text_and_an_audit_event(world):
    p = world.proposals[S.ACTIVE]
    s = summaries.save(p, world.member, title="  Family Literacy  Nights ",
                       body="We **read** with [families](https://example.org).",
                       tags={TermKind.TOPIC: ["Literacy", "Family engagement"], TermKind.GRADE_BAND: ["3-5"],
                             TermKind.SUBJECT: ["ELA"]})
    db.session.commit()
    assert s.title == "Family Literacy Nights"
    assert s.tag_values(TermKind.TOPIC) == ["Family engagement", "Literacy"]
    for words in ("family literacy nights", "we read with families", "literacy", "3-5", "ela",
                  "mather readers", "mather elementary", "elementary", "action grant"):
        assert words in s.search_text
    assert "**" not in s.search_text and "https" not in s.search_text
    (event,) = events("edit_summary")
    assert event.actor_id == world.member.id and event.case_id == p.id
    assert p.summary_drafted


def test_saving_changes_only_what_changed_and_keeps_tag_rows(world):
    p = world.proposals[S.ACTIVE]
    summaries.save(p, world.lead, title="T", body="B", tags={TermKind.TOPIC: ["Math", "Technology"]})
    db.session.commit()
    kept = next(t for t in p.learning_summary.tags if t.name == "Math")
    summaries.save(p, world.lead, title="T", body="B", tags={TermKind.TOPIC: ["Math", "Literacy"]})
    db.session.commit()
    assert sorted(p.learning_summary.tag_values(TermKind.TOPIC)) == ["Literacy", "Math"]
    assert any(t is kept for t in p.learning_summary.tags)
    assert events("edit_summary")[-1].data == {"fields": ["Topic tags"]}
    summaries.save(p, world.lead, title="T", body="B", tags={TermKind.TOPIC: ["Math", "Literacy"]})
    assert len(events("edit_summary")) == 2  # nothing changed, nothing recorded


@pytest.mark.parametrize("kwargs,message", [
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "200 characters"),
    ({"body": "x" * 20_001}, "20,000 characters"),
    ({"tags": {TermKind.TOPIC: ["Astrology"]}}, "Astrology"),
    ({"tags": {TermKind.GRADE_BAND: ["K-12"]}}, "grade band"),
])
def test_save_refuses_bad_input(world, kwargs, message):
    args = {"title": "A title", "body": "Text", "tags": {}} | kwargs
    with pytest.raises(summaries.SummaryError, match=message):
        summaries.save(world.proposals[S.ACTIVE], world.lead, **args)


@pytest.mark.parametrize("state", [S.DRAFT, S.APPROVED, S.PUBLISHED, S.DECLINED])
def test_the_summary_is_written_only_while_active_until_published(world, state):
    with pytest.raises(summaries.SummaryError):
        summaries.save(world.proposals[state], world.lead, title="T", body="B", tags={})


@pytest.mark.parametrize("state", sorted(SUMMARY_EDITABLE))
def test_the_summary_can_be_written_while_active_report_submitted_or_completed(world, state):
    assert summaries.save(world.proposals[state], world.lead, title="T", body="B", tags={}).id


def test_artifacts_reuse_the_upload_checks_and_are_audited(world, app):
    p = world.proposals[S.ACTIVE]
    with pytest.raises(summaries.SummaryError, match="Save the learning summary first"):
        summaries.add_artifact(p, world.lead, filename="a.png", stream=io.BytesIO(PNG), description="d",
                               max_bytes=1000)
    summaries.save(p, world.lead, title="T", body="B", tags={})
    a = summaries.add_artifact(p, world.lead, filename="../../Reading Log.PNG", stream=io.BytesIO(PNG),
                               description=" Our  reading log ", max_bytes=1000)
    assert (a.filename, a.content_type, a.description) == ("Reading_Log.png", "image/png", "Our reading log")
    with pytest.raises(summaries.SummaryError, match="already shared"):
        summaries.add_artifact(p, world.lead, filename="Reading_Log.png", stream=io.BytesIO(PNG),
                               description="again", max_bytes=1000)
    with pytest.raises(summaries.SummaryError, match="not an accepted type"):
        summaries.add_artifact(p, world.lead, filename="notes.pdf", stream=io.BytesIO(b"just text"),
                               description="d", max_bytes=1000)
    with pytest.raises(summaries.SummaryError, match="limit"):
        summaries.add_artifact(p, world.lead, filename="big.png", stream=io.BytesIO(PNG + b"\x00" * 2000),
                               description="d", max_bytes=1000)
    with pytest.raises(summaries.SummaryError, match="Describe"):
        summaries.add_artifact(p, world.lead, filename="x.png", stream=io.BytesIO(PNG), description=" ",
                               max_bytes=1000)
    summaries.delete_artifact(p, a, world.member)
    db.session.commit()
    assert p.learning_summary.artifacts == []
    assert [e.data["filename"] for e in events("upload_artifact")] == ["Reading_Log.png"]
    assert [e.actor_id for e in events("delete_artifact")] == [world.member.id]


def test_consent_is_the_leads_needs_a_draft_and_can_be_withdrawn(world):
    p = world.proposals[S.COMPLETED]
    with pytest.raises(summaries.SummaryError, match="Write the learning summary"):
        summaries.give_consent(p, world.lead)
    summaries.save(p, world.lead, title="T", body="B", tags={})
    with pytest.raises(summaries.SummaryError, match="Only the team lead"):
        summaries.give_consent(p, world.member)
    summaries.give_consent(p, world.lead)
    s = p.learning_summary
    assert s.consent_by_id == world.lead.id and s.consent_given_at is not None and p.summary_consented
    summaries.withdraw_consent(p, world.lead)
    assert s.consent_given_at is None and not p.summary_consented
    assert [e.trigger for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.trigger.in_(["consent_to_publish", "withdraw_consent"])).order_by(AuditEvent.id))] == [
        "consent_to_publish", "withdraw_consent"]


# -- publishing through the workflow ---------------------------------------------------------------
def ready(factory, proposal, title="Family Literacy Nights in Five Languages", body="We read together."):
    s = factory.summary(proposal, title=title, body=body, consented=True)
    return s


def test_publish_is_blocked_until_consent_and_a_passed_check(world, factory):
    p = world.proposals[S.COMPLETED]
    factory.summary(p, body="Mail jo@example.org")
    db.session.commit()
    with pytest.raises(TransitionRefused) as exc:
        fire(p, "publish", world.staff)
    assert exc.value.messages == ["The team has not consented to publish its learning summary.",
                                  "Run the privacy check on the learning summary first."]
    db.session.rollback()
    summaries.give_consent(p, world.lead)
    privacy.run_check(p.learning_summary, world.staff)
    db.session.commit()
    with pytest.raises(TransitionRefused) as exc:
        fire(p, "publish", world.staff)
    assert exc.value.messages == ["The learning summary has 1 unresolved privacy flag."]
    db.session.rollback()
    privacy.override_flag(p.learning_summary.flags[0], "A public, generic address.", world.staff)
    fire(p, "publish", world.staff)
    db.session.commit()
    assert p.state is S.PUBLISHED and p.learning_summary.published_at is not None


def test_publish_sets_a_readable_unique_slug_kept_on_republish(world, factory):
    first = world.proposals[S.COMPLETED]
    ready(factory, first)
    privacy.run_check(first.learning_summary, world.staff)
    fire(first, "publish", world.staff)
    db.session.commit()
    assert first.learning_summary.slug == "family-literacy-nights-in-five-languages"

    # Another team's summary with the same title gets -2, a third -3.
    second_p = factory.proposal(world.other_team, world.cycle, state=S.COMPLETED)
    third_p = factory.proposal(world.other_team, world.cycle, state=S.COMPLETED)
    for p in (second_p, third_p):
        ready(factory, p, title="Family literacy nights in five languages!")
        privacy.run_check(p.learning_summary, world.staff)
        fire(p, "publish", world.staff)
    db.session.commit()
    assert second_p.learning_summary.slug == "family-literacy-nights-in-five-languages-2"
    assert third_p.learning_summary.slug == "family-literacy-nights-in-five-languages-3"

    # Unpublish clears the date, keeps the slug; republishing keeps the same address.
    with pytest.raises(TransitionRefused, match="Give a reason"):
        fire(second_p, "unpublish", world.staff)
    db.session.rollback()
    fire(second_p, "unpublish", world.staff, reason="A parent asked us to check a photo.")
    db.session.commit()
    s = second_p.learning_summary
    assert second_p.state is S.COMPLETED and s.published_at is None
    assert s.slug == "family-literacy-nights-in-five-languages-2"
    assert summaries.published_by_slug(s.slug) is None
    fire(second_p, "publish", world.staff)
    db.session.commit()
    assert s.slug == "family-literacy-nights-in-five-languages-2" and s.published_at is not None
    assert summaries.published_by_slug(s.slug) is s


def test_slugs_read_well():
    assert slugify("Family Literacy Nights, in Five Languages!") == "family-literacy-nights-in-five-languages"
    assert slugify("Écoles & niños: ¿qué aprendimos?") == "ecoles-ninos-que-aprendimos"
    assert slugify("<script>alert(1)</script>") == "script-alert-1-script"
    assert slugify("!!!") == ""
    long = slugify("word " * 40)
    assert len(long) <= SLUG_MAX and not long.endswith("-")


def test_a_title_without_letters_still_gets_a_slug(world, factory):
    p = world.proposals[S.COMPLETED]
    ready(factory, p, title="¡¿!?")
    privacy.run_check(p.learning_summary, world.staff)
    fire(p, "publish", world.staff)
    # Falls back to the proposal's title.
    assert p.learning_summary.slug == slugify(p.title)


def test_render_published_pdf_refuses_what_is_not_published(world, factory):
    s = ready(factory, world.proposals[S.COMPLETED])
    with pytest.raises(LookupError):
        summaries.render_published_pdf(s)
    assert db.session.scalar(select(LearningSummary.id).where(LearningSummary.id == s.id)) == s.id
