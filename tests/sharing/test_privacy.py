"""The privacy check: what it flags (and what it must not), the block list, resolving and overriding."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, FlagKind, FlagStatus, ProposalState
from app.sharing import privacy, summaries

S = ProposalState


def kinds(text, names=()):
    return [(f.kind, f.match) for f in privacy.scan_text(text, "Summary", names)]


# -- each pattern ------------------------------------------------------------------------------
@pytest.mark.parametrize("text,match", [
    ("Write to jordan.smith@bostonpublicschools.org for details.", "jordan.smith@bostonpublicschools.org"),
    ("Families emailed Maria_R+tlf@gmail.com.", "Maria_R+tlf@gmail.com"),
    ("<a.parent@example.co.uk>", "a.parent@example.co.uk"),
])
def test_email_addresses_are_flagged(text, match):
    assert kinds(text) == [(FlagKind.EMAIL, match)]


@pytest.mark.parametrize("number", [
    "(617) 555-0123", "(617)555-0123", "617-555-0123", "617.555.0123", "617 555 0123", "+1 617 555 0123",
    "+1-617-555-0123", "1-617-555-0123", "6175550123",
])
def test_us_phone_numbers_are_flagged(number):
    assert kinds(f"Call the family at {number} after school.") == [(FlagKind.PHONE, number)]


@pytest.mark.parametrize("number", ["123456", "1234567", "87654321", "123456789"])
def test_six_to_nine_digit_numbers_are_student_id_like(number):
    assert kinds(f"Student {number} improved two levels.") == [(FlagKind.STUDENT_ID, number)]


@pytest.mark.parametrize("text", ["ID:2345678 read daily.", "#345678 joined.", "(ID 4567890)"])
def test_student_ids_after_punctuation_are_flagged(text):
    assert [k for k, _ in kinds(text)] == [FlagKind.STUDENT_ID]


@pytest.mark.parametrize("text", [
    "In 2026 we began; by 2027 every class took part.",  # years
    "The school year 2025-2026 and the 2026-27 cycle.",
    "We spent $1,500 on books and $150000 on stipends, then $ 250000 more.",  # money
    "A budget of 1,250.00 and 15,000 dollars; 123456.78 in total; 250000 dollars overall.",
    "On 2026-09-15, 9/15/2026, 09/15/26, 15.09.2026 and 20260915 we met.",  # dates
    "Grades 3-5 and 6-8 read 12345 pages and 1234567890123 characters.",  # too short, too long
    "Room 101, 40 students, 4 classes, 3 schools.",
])
def test_years_money_dates_and_other_numbers_are_not_flagged(text):
    assert kinds(text) == []


def test_a_phone_number_or_email_is_not_also_a_student_id():
    assert kinds("Text 6175550123 or mail 12345678@example.org") == [
        (FlagKind.PHONE, "6175550123"), (FlagKind.EMAIL, "12345678@example.org")]


def test_block_list_names_are_whole_words_in_any_case_and_spacing():
    found = kinds("We thank JORDAN   smith and Jordan Smithson; jordan smith's mother came.", ["Jordan Smith"])
    assert found == [(FlagKind.BLOCKED_NAME, "JORDAN   smith"), (FlagKind.BLOCKED_NAME, "jordan smith")]
    assert kinds("Jordanna Smithers read.", ["Jordan Smith"]) == []


def test_names_with_regex_characters_are_matched_literally():
    assert kinds("Thanks to Ana (Ms. K) Ruiz.", ["Ms. K"]) == [(FlagKind.BLOCKED_NAME, "Ms. K")]
    assert kinds("Thanks to Ms K.", ["Ms. K"]) == []


def test_context_is_short_and_says_where():
    text = "x" * 300 + " call 617-555-0123 now " + "y" * 300
    (finding,) = privacy.scan_text(text, "Summary")
    assert finding.context.startswith("Summary: …")
    assert "617-555-0123" in finding.context
    assert len(finding.context) < 120


# -- the check on a summary ----------------------------------------------------------------------
@pytest.fixture
def summary(world, factory):
    s = factory.summary(world.proposals[S.COMPLETED], title="Reading with Jordan",
                        body="Contact jo@example.org or 617-555-0123. Student 4567890 grew.",
                        artifacts=[("jordan_smith_essay.pdf", "An essay by Jordan Smith, call (617) 555-9999",
                                    b"%PDF-1.4 x")])
    db.session.commit()
    return s


def test_run_check_flags_title_body_artifacts_and_block_list(world, summary):
    first = privacy.add_blocked_name(summary, "Jordan Smith", world.staff)  # each name added runs the check
    second = privacy.add_blocked_name(summary, "Jordan", world.staff)
    result = privacy.run_check(summary, world.staff)
    db.session.commit()
    assert first.new + second.new == len(summary.flags) and second.new == 1  # "Jordan" alone, in the title
    assert (result.new, result.still_open) == (0, len(summary.flags))
    found = {(f.kind, f.match) for f in summary.flags}
    assert (FlagKind.EMAIL, "jo@example.org") in found
    assert (FlagKind.PHONE, "617-555-0123") in found
    assert (FlagKind.PHONE, "(617) 555-9999") in found  # in an artifact's description
    assert (FlagKind.STUDENT_ID, "4567890") in found
    assert (FlagKind.BLOCKED_NAME, "Jordan") in found  # in the title
    assert (FlagKind.BLOCKED_NAME, "Jordan Smith") in found  # in a description
    # The description and the file name (jordan_smith_essay.pdf) hold the same name: one flag.
    assert [m.casefold() for k, m in found if k is FlagKind.BLOCKED_NAME].count("jordan smith") == 1
    assert result.resolved == 0
    assert summary.privacy_checked_at is not None
    assert summary.proposal.privacy_flags_open == len(summary.flags)
    assert all(f.context for f in summary.flags)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "privacy_check")
                              .order_by(AuditEvent.id.desc()).limit(1))
    assert event.actor_id == world.staff.id and event.data["open"] == len(summary.flags)


def test_rerunning_the_check_resolves_fixed_text_and_keeps_what_remains(world, summary):
    privacy.run_check(summary, world.staff)
    summaries.save(summary.proposal, world.lead, title=summary.title,
                   body="Contact the main office. Student 4567890 grew.", tags={})
    assert summary.privacy_checked_at is None  # editing made the check stale
    assert summary.proposal.privacy_flags_open is None
    result = privacy.run_check(summary, world.staff)
    db.session.commit()
    by_match = {f.match: f for f in summary.flags}
    assert by_match["jo@example.org"].status is FlagStatus.RESOLVED
    assert by_match["617-555-0123"].status is FlagStatus.RESOLVED
    assert by_match["4567890"].status is FlagStatus.OPEN
    assert result.resolved == 2 and result.still_open >= 1
    assert "open flag" in result.message


def test_override_needs_a_reason_is_audited_and_survives_edits_that_keep_the_text(world, summary):
    privacy.run_check(summary, world.staff)
    flag = next(f for f in summary.flags if f.kind is FlagKind.PHONE and f.match == "617-555-0123")
    with pytest.raises(privacy.PrivacyError, match="reason"):
        privacy.override_flag(flag, "   ", world.staff)
    privacy.override_flag(flag, "It is the school's public main office number.", world.staff)
    db.session.commit()
    assert flag.status is FlagStatus.OVERRIDDEN and flag.resolved_by_id == world.staff.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "override_privacy_flag"))
    assert event.comment == "It is the school's public main office number."
    assert event.actor_id == world.staff.id and event.case_id == summary.proposal_id
    with pytest.raises(privacy.PrivacyError, match="already overridden"):
        privacy.override_flag(flag, "again", world.staff)

    # An edit that keeps the number keeps the override; the next check does not reopen it.
    summaries.save(summary.proposal, world.lead, title=summary.title, body=summary.body + " More.", tags={})
    assert flag.status is FlagStatus.OVERRIDDEN
    privacy.run_check(summary, world.staff)
    assert flag.status is FlagStatus.OVERRIDDEN

    # An edit that removes it drops the override (resolved: the text no longer holds it).
    summaries.save(summary.proposal, world.lead, title=summary.title, body="No numbers now.", tags={})
    assert flag.status is FlagStatus.RESOLVED


def test_text_that_comes_back_opens_its_flag_again(world, summary):
    privacy.run_check(summary, world.staff)
    body = summary.body
    summaries.save(summary.proposal, world.lead, title=summary.title, body="Clean.", tags={})
    privacy.run_check(summary, world.staff)
    assert all(f.status is FlagStatus.RESOLVED for f in summary.flags if f.kind is not FlagKind.PHONE
               or f.match == "617-555-0123")
    summaries.save(summary.proposal, world.lead, title=summary.title, body=body, tags={})
    privacy.run_check(summary, world.staff)
    assert next(f for f in summary.flags if f.match == "jo@example.org").status is FlagStatus.OPEN


def test_the_block_list_refuses_blank_and_duplicate_names_and_runs_the_check_again(world, summary):
    privacy.run_check(summary, world.staff)
    summary.privacy_checked_at = None  # as if the team had changed the text since
    with pytest.raises(privacy.PrivacyError):
        privacy.add_blocked_name(summary, "   ", world.staff)
    with pytest.raises(privacy.PrivacyError):
        privacy.add_blocked_name(summary, "x" * 121, world.staff)
    result = privacy.add_blocked_name(summary, "Ana  Ruiz", world.staff)
    assert summary.privacy_checked_at is not None and result.new == 0  # checked again at once: not in the text
    with pytest.raises(privacy.PrivacyError, match="already on the block list"):
        privacy.add_blocked_name(summary, "ana ruiz", world.staff)
    assert [b.name for b in summary.blocked_names] == ["Ana Ruiz"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "block_name"))
    assert "Ana" not in event.comment  # a student's name stays off the case's timeline
    privacy.remove_blocked_name(summary, summary.blocked_names[0], world.staff)
    assert summary.blocked_names == []


def test_a_clean_summary_passes(world, factory):
    s = factory.summary(world.proposals[S.COMPLETED], title="Math talks",
                        body="In 2026 we spent $1,500 on 40 books for grades 3-5 on 9/15/2026.")
    result = privacy.run_check(s, world.staff)
    assert s.flags == [] and s.proposal.privacy_flags_open == 0
    assert result.message.startswith("Privacy check passed")
