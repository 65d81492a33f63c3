"""The learning summary pages as people use them: the team writes, previews, shares files and
consents; staff check privacy, override with a reason and publish through the case page."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, FlagKind, FlagStatus, LearningSummary, ProposalState, TermKind
from app.sharing import privacy
from tests.factories import tag_term

S = ProposalState
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(p, suffix=""):
    return f"/proposals/{p.id}/summary{suffix}"


def text(resp) -> str:
    return resp.get_data(as_text=True)


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


# -- writing -----------------------------------------------------------------------------------
def test_the_team_writes_the_summary_with_tags(browser, world):
    p = world.proposals[S.ACTIVE]
    browser.login(world.member)
    page = browser.get(url(p))
    assert page.status_code == 200 and h1_count(text(page)) == 1
    assert "Elementary" in text(page) and "Action grant" in text(page)  # school level and grant type shown
    ids = {name: str(tag_term(kind, name).id) for kind, name in
           ((TermKind.TOPIC, "Literacy"), (TermKind.TOPIC, "Family engagement"), (TermKind.GRADE_BAND, "3-5"),
            (TermKind.SUBJECT, "ELA"))}
    resp = browser.post(url(p), {"title": "Family literacy nights", "body": "We **read** together.",
                                 "topics": [ids["Literacy"], ids["Family engagement"]], "grade_bands": ids["3-5"],
                                 "subjects": ids["ELA"], "loaded": ""}, token_from=url(p))
    assert resp.status_code == 302
    s = db.session.scalar(select(LearningSummary).where(LearningSummary.proposal_id == p.id))
    assert s.title == "Family literacy nights" and s.body == "We **read** together."
    assert sorted(s.tag_values(TermKind.TOPIC)) == ["Family engagement", "Literacy"]
    assert s.tag_values(TermKind.GRADE_BAND) == ["3-5"] and s.tag_values(TermKind.SUBJECT) == ["ELA"]
    assert "family literacy nights" in s.search_text and "mather readers" in s.search_text
    page = text(browser.get(url(p)))
    literacy = ids["Literacy"]
    assert f'value="{literacy}" checked' in page or re.search(rf'checked[^>]*value="{literacy}"', page)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "edit_summary"))
    assert event.actor_id == world.member.id


def _form(s, **kw):
    data = {"title": s.title, "body": s.body, "loaded": s.updated_at.isoformat()}
    data.update(kw)
    return data


@pytest.mark.parametrize("data,message", [
    ({"title": ""}, "Give the summary a title."),
    ({"title": "T" * 201}, "Keep the title to 200 characters or fewer."),
    ({"body": "B" * 20_001}, "Keep the summary to 20,000 characters or fewer."),
    ({"topics": "Astrology"}, "Choose topic tags from the list."),
    ({"grade_bands": "K-12"}, "Choose grade band tags from the list."),
])
def test_bad_input_on_the_editor_is_refused_and_kept(browser, world, factory, data, message):
    p = world.proposals[S.COMPLETED]
    s = factory.summary(p)
    db.session.commit()
    browser.login(world.lead)
    form = _form(s, body="My unsaved words about reading circles.") | data
    resp = browser.post(url(p), form, token_from=url(p))
    assert resp.status_code == 422
    html = text(resp)
    assert message in html
    assert ("My unsaved words about reading circles." if "body" not in data else "B" * 200) in html
    db.session.expire_all()
    assert db.session.get(LearningSummary, s.id).body == "We invited families to read with their children."


def test_a_teammates_save_in_between_is_not_overwritten_silently(browser, world, factory):
    p = world.proposals[S.ACTIVE]
    s = factory.summary(p)
    db.session.commit()
    browser.login(world.lead)
    resp = browser.post(url(p), _form(s, body="Mine", loaded="2000-01-01T00:00:00+00:00"), token_from=url(p))
    assert resp.status_code == 409
    assert "Someone on your team saved the summary" in text(resp) and "Mine" in text(resp)
    db.session.expire_all()
    assert db.session.get(LearningSummary, s.id).body != "Mine"


def test_preview_without_saving_renders_what_was_typed(browser, world, factory):
    p = world.proposals[S.ACTIVE]
    s = factory.summary(p)
    db.session.commit()
    browser.login(world.lead)
    resp = browser.post(url(p), _form(s, body="## What we tried\n\n**Bold** move", preview="1"),
                        token_from=url(p))
    html = text(resp)
    assert resp.status_code == 200
    assert "<h2>What we tried</h2>" in html and "<strong>Bold</strong>" in html
    assert "It is not saved yet" in html
    db.session.expire_all()
    assert db.session.get(LearningSummary, s.id).body == "We invited families to read with their children."


def test_the_saved_preview_page_shows_the_summary_as_the_public_will(browser, world, factory):
    p = world.proposals[S.FINAL_REPORT_SUBMITTED]
    factory.summary(p, title="Math talks", body="We *talked* math.", tags={"topic": ["Math"]},
                    artifacts=[("talk-moves.pdf", "Our talk moves poster", PDF)])
    db.session.commit()
    for who in (world.lead, world.staff):
        browser.reset().login(who)
        html = text(browser.get(url(p, "/preview")))
        assert h1_count(html) == 1 and "<h1>Math talks</h1>" in html
        assert "<em>talked</em>" in html and "Math" in html and "talk-moves.pdf" in html
        assert "Our talk moves poster" in html and "Not published" not in html


def test_a_published_summary_is_read_only_for_the_team(browser, world, factory):
    p = world.proposals[S.PUBLISHED]
    factory.summary(p, title="Done and out")
    db.session.commit()
    browser.login(world.lead)
    html = text(browser.get(url(p)))
    assert "published, so it is read-only" in html and 'name="title"' not in html
    resp = browser.post(url(p), {"title": "Changed", "body": "x"}, token_from=url(p))
    assert resp.status_code == 403 and "read-only" in text(resp)


def test_the_team_cannot_write_a_summary_before_the_grant_is_active(browser, world):
    browser.login(world.lead)
    resp = browser.get(url(world.proposals[S.APPROVED]))
    assert resp.status_code == 403 and "once the grant is active" in text(resp)


# -- public files ------------------------------------------------------------------------------
def test_sharing_and_removing_a_file(browser, world, factory):
    p = world.proposals[S.ACTIVE]
    factory.summary(p)
    db.session.commit()
    browser.login(world.member)
    resp = browser.post(url(p, "/artifacts"), {"file": (BytesIO(PNG), "reading log.png"),
                                               "description": "A reading log families fill in"}, token_from=url(p))
    assert resp.status_code == 302
    db.session.expire_all()
    s = p.learning_summary
    (a,) = s.artifacts
    assert (a.filename, a.content_type, a.description) == ("reading_log.png", "image/png",
                                                           "A reading log families fill in")
    download = browser.get(url(p, f"/artifacts/{a.id}"))
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    resp = browser.post(url(p, f"/artifacts/{a.id}/delete"), token_from=url(p))
    assert resp.status_code == 302
    db.session.expire_all()
    assert p.learning_summary.artifacts == []
    assert [e.trigger for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.trigger.in_(["upload_artifact", "delete_artifact"])).order_by(AuditEvent.id))] == [
        "upload_artifact", "delete_artifact"]


@pytest.mark.parametrize("data,message", [
    ({"description": "Kept description"}, "Choose a file to share."),
    ({"file": (BytesIO(b"plain text, not a PDF"), "notes.pdf"), "description": "Kept description"},
     "not an accepted type"),
    ({"file": (BytesIO(PNG), "log.png"), "description": ""}, "Describe the file"),
    ({"file": (BytesIO(PNG), "log.png"), "description": "D" * 301}, "300 characters or fewer"),
])
def test_bad_files_are_refused_with_the_description_kept(browser, world, factory, data, message):
    p = world.proposals[S.ACTIVE]
    factory.summary(p)
    db.session.commit()
    browser.login(world.lead)
    resp = browser.post(url(p, "/artifacts"), data, token_from=url(p))
    assert resp.status_code == 422
    html = text(resp)
    assert message in html
    if data.get("description"):
        assert data["description"][:100] in html
    db.session.expire_all()
    assert p.learning_summary.artifacts == []


def test_a_file_over_the_cap_is_refused(browser, world, factory, app):
    p = world.proposals[S.ACTIVE]
    factory.summary(p)
    db.session.commit()
    browser.login(world.lead)
    app.config["MAX_UPLOAD_BYTES"], old = 1024, app.config["MAX_UPLOAD_BYTES"]
    try:
        resp = browser.post(url(p, "/artifacts"), {"file": (BytesIO(PNG + b"\x00" * 4096), "big.png"),
                                                   "description": "Too big"}, token_from=url(p))
    finally:
        app.config["MAX_UPLOAD_BYTES"] = old
    assert resp.status_code == 422 and "limit" in text(resp) and "Too big" in text(resp)


# -- consent -----------------------------------------------------------------------------------
def test_the_lead_consents_with_the_box_ticked_and_may_withdraw(browser, world, factory):
    p = world.proposals[S.COMPLETED]
    factory.summary(p)
    db.session.commit()
    browser.login(world.lead)
    resp = browser.post(url(p, "/consent"), {}, token_from=url(p))
    assert resp.status_code == 422 and "Tick the box to give the team&#39;s consent." in text(resp)
    assert browser.post(url(p, "/consent"), {"agree": "y"}, token_from=url(p)).status_code == 302
    db.session.expire_all()
    assert p.learning_summary.consent_by_id == world.lead.id
    assert "Withdraw consent" in text(browser.get(url(p)))
    assert browser.post(url(p, "/consent"), {"withdraw": "1"}, token_from=url(p)).status_code == 302
    db.session.expire_all()
    assert p.learning_summary.consent_given_at is None


def test_a_member_cannot_consent_for_the_team(browser, world, factory):
    p = world.proposals[S.COMPLETED]
    factory.summary(p)
    db.session.commit()
    browser.login(world.member)
    resp = browser.post(url(p, "/consent"), {"agree": "y"}, token_from=url(p))
    assert resp.status_code == 403 and "Only the team lead, Lena Lead" in text(resp)


# -- privacy and publishing (staff) -----------------------------------------------------------------
def _publish(browser, p):
    return browser.post(f"/proposals/{p.id}/actions/publish", {"confirm_step": "yes"}, token_from=f"/proposals/{p.id}")


def test_publish_is_blocked_until_the_check_passes_then_override_with_reason(browser, world, factory):
    p = world.proposals[S.COMPLETED]
    factory.summary(p, title="Family literacy nights",
                    body="Thanks to Jordan Smith. Call 617-555-0123 or write jo@example.org.", consented=True)
    db.session.commit()
    browser.login(world.staff)

    resp = _publish(browser, p)
    assert resp.status_code == 422 and "Run the privacy check on the learning summary first." in text(resp)

    page = text(browser.get(url(p, "/privacy")))
    assert h1_count(page) == 1 and "Run the privacy check on the learning summary first." in page
    privacy_url = url(p, "/privacy")
    assert browser.post(privacy_url, {"action": "add_name", "name": "Jordan Smith"},
                        token_from=privacy_url).status_code == 302
    assert browser.post(privacy_url, {"action": "run"}, token_from=privacy_url).status_code == 302
    db.session.expire_all()
    s = p.learning_summary
    assert {(f.kind, f.match) for f in s.flags} == {
        (FlagKind.BLOCKED_NAME, "Jordan Smith"), (FlagKind.PHONE, "617-555-0123"), (FlagKind.EMAIL, "jo@example.org")}
    page = text(browser.get(privacy_url))
    assert "617-555-0123" in page and "Name on the block list" in page

    resp = _publish(browser, p)
    assert resp.status_code == 422 and "The learning summary has 3 unresolved privacy flags." in text(resp)

    # The team fixes two; the check runs again and resolves them.
    privacy_before = s.id
    browser.reset().login(world.lead)
    assert browser.post(url(p), _form(s, body="Thanks to our families. Call 617-555-0123."),
                        token_from=url(p)).status_code == 302
    browser.reset().login(world.staff)
    assert browser.post(privacy_url, {"action": "run"}, token_from=privacy_url).status_code == 302
    db.session.expire_all()
    s = db.session.get(LearningSummary, privacy_before)
    status = {f.match: f.status for f in s.flags}
    assert status == {"Jordan Smith": FlagStatus.RESOLVED, "jo@example.org": FlagStatus.RESOLVED,
                      "617-555-0123": FlagStatus.OPEN}
    assert "1 unresolved privacy flag." in text(_publish(browser, p))

    # Override: a reason is required (and what was typed is kept on refusal).
    phone = next(f for f in s.flags if f.status is FlagStatus.OPEN)
    override = url(p, f"/privacy/flags/{phone.id}/override")
    resp = browser.post(override, {"reason": "   "}, token_from=privacy_url)
    assert resp.status_code == 422 and "Give the reason this flag can be published as it is." in text(resp)
    resp = browser.post(override, {"reason": "R" * 2001}, token_from=privacy_url)
    assert resp.status_code == 422 and "R" * 2001 in text(resp)
    resp = browser.post(override, {"reason": "The school's main office line, listed publicly."},
                        token_from=privacy_url)
    assert resp.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "override_privacy_flag"))
    assert event.comment == "The school's main office line, listed publicly." and event.actor_id == world.staff.id
    assert browser.post(override, {"reason": "again"}, token_from=privacy_url).status_code == 422

    resp = _publish(browser, p)
    assert resp.status_code == 302
    db.session.expire_all()
    s = db.session.get(LearningSummary, privacy_before)
    assert s.proposal.state is S.PUBLISHED and s.slug == "family-literacy-nights" and s.published_at
    case = text(browser.get(f"/proposals/{p.id}"))
    assert "Learning summary" in case and "/learning/family-literacy-nights" in case


@pytest.mark.parametrize("name,message", [
    ("", "Type the name to block."),
    ("N" * 121, "Keep the name to 120 characters or fewer."),
    ("!!!", "A name needs at least one letter."),
])
def test_bad_names_for_the_block_list_are_refused_and_kept(browser, world, factory, name, message):
    p = world.proposals[S.COMPLETED]
    factory.summary(p)
    db.session.commit()
    browser.login(world.staff)
    resp = browser.post(url(p, "/privacy"), {"action": "add_name", "name": name}, token_from=url(p, "/privacy"))
    assert resp.status_code == 422 and message in text(resp)
    if name:
        assert f'value="{name}"' in text(resp)


def test_a_duplicate_name_and_an_unknown_action_are_refused(browser, world, factory):
    p = world.proposals[S.COMPLETED]
    s = factory.summary(p)
    privacy.add_blocked_name(s, "Ana Ruiz", world.staff)
    db.session.commit()
    browser.login(world.staff)
    resp = browser.post(url(p, "/privacy"), {"action": "add_name", "name": "ana ruiz"}, token_from=url(p, "/privacy"))
    assert resp.status_code == 422 and "already on the block list" in text(resp) and 'value="ana ruiz"' in text(resp)
    resp = browser.post(url(p, "/privacy"), {"action": "launch"}, token_from=url(p, "/privacy"))
    assert resp.status_code == 422 and "Choose what to do" in text(resp)
    resp = browser.post(url(p, "/privacy"), {"action": "remove_name", "name_id": str(s.blocked_names[0].id)},
                        token_from=url(p, "/privacy"))
    assert resp.status_code == 302
    db.session.expire_all()
    assert p.learning_summary.blocked_names == []


def test_unpublish_keeps_the_slug_and_reopens_editing(browser, world, factory):
    p = world.proposals[S.PUBLISHED]
    s = factory.summary(p, title="Out in public", consented=True, checked=True)
    s.slug, s.published_at = "out-in-public", s.privacy_checked_at
    db.session.commit()
    browser.login(world.staff)
    resp = browser.post(f"/proposals/{p.id}/actions/unpublish", {"reason": "A family asked us to check a photo."},
                        token_from=f"/proposals/{p.id}")
    assert resp.status_code == 302
    db.session.expire_all()
    s = p.learning_summary
    assert p.state is S.COMPLETED and s.published_at is None and s.slug == "out-in-public"
    browser.reset().login(world.lead)
    assert 'name="title"' in text(browser.get(url(p)))


# -- the case page's panel ---------------------------------------------------------------------------
def test_the_panel_shows_status_and_links_to_those_who_may(browser, world, factory):
    p = world.proposals[S.COMPLETED]
    factory.summary(p, title="Panel title", consented=True)
    db.session.commit()
    browser.login(world.lead)
    html = text(browser.get(f"/proposals/{p.id}"))
    assert '<h2 id="summary-panel-title">Learning summary</h2>' in html
    assert "Consent to publish: <strong>given</strong>" in html and "Privacy check: not run yet" in html
    assert url(p) in html and url(p, ".pdf") in html and url(p, "/privacy") not in html
    browser.reset().login(world.staff)
    html = text(browser.get(f"/proposals/{p.id}"))
    assert url(p, "/privacy") in html and f'href="{url(p)}"' not in html
    for who in (world.reviewer_btu, world.co_chair_bps):
        browser.reset().login(who)
        assert "summary-panel" not in text(browser.get(f"/proposals/{p.id}"))
    browser.reset().login(world.lead)
    assert "summary-panel" not in text(browser.get(f"/proposals/{world.proposals[S.APPROVED].id}"))


# -- XSS: the title and the Markdown body on every page that shows them --------------------------------
XSS_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)>'
XSS_BODY = "\n\n".join([
    '<script>alert("body")</script>',
    "[click me](javascript:alert(1))",
    "[sneaky](JaVaScRiPt:alert(2))",
    '<a href="javascript:alert(3)">raw link</a>',
    "<img src=x onerror=alert(4)>",
    '<iframe src="https://evil.example"></iframe>',
    "<div style=\"background:url(javascript:alert(5))\" onclick=\"alert(6)\">raw html</div>",
    "![pic](javascript:alert(7))",
])


class _Tags(HTMLParser):
    """The real tags and attributes of a page, as a browser would parse them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k.lower(): (v or "") for k, v in attrs}))


def assert_neutralized(html: str):
    tags = _Tags(html).tags
    assert not [t for t, _ in tags if t in ("script", "iframe", "img", "object", "embed")]
    assert not [(t, a) for t, a in tags if any(name.startswith("on") for name in a)]
    assert not [(t, a) for t, a in tags
                if any(a.get(k, "").strip().lower().startswith("javascript:") for k in ("href", "src", "action"))]
    assert not [(t, a) for t, a in tags if "style" in a and "javascript" in a["style"].lower()]


def test_xss_in_the_title_and_body_is_neutralized_everywhere(browser, world, factory):
    p = world.proposals[S.PUBLISHED]
    s = factory.summary(p, title=XSS_TITLE, body=XSS_BODY, consented=True, checked=True)
    s.slug, s.published_at = "xss-summary", s.privacy_checked_at
    db.session.commit()
    pages = {
        world.lead: [url(p), url(p, "/preview"), f"/proposals/{p.id}"],
        world.staff: [url(p, "/privacy"), url(p, "/preview"), f"/proposals/{p.id}"],
        None: ["/learning/xss-summary"],
    }
    for who, urls in pages.items():
        browser.reset()
        if who is not None:
            browser.login(who)
        for u in urls:
            resp = browser.get(u)
            assert resp.status_code == 200, u
            html = text(resp)
            assert_neutralized(html)
            assert "&lt;script&gt;alert" in html, u  # shown as text, not run
    # The editor's own preview of typed text too.
    c = world.proposals[S.COMPLETED]
    factory.summary(c)
    db.session.commit()
    browser.reset().login(world.lead)
    resp = browser.post(url(c), {"title": XSS_TITLE, "body": XSS_BODY, "preview": "1",
                                 "loaded": c.learning_summary.updated_at.isoformat()}, token_from=url(c))
    assert resp.status_code == 200 and "It is not saved yet" in text(resp)
    assert_neutralized(text(resp))
