"""Program staff ask an educator for the certificate of a completed PL request; the educator uploads it
(checked like every upload); both acts are audited, told to the other person and shown on the request."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, OutboxMessage, PLCertificate, PLRequestState

S = PLRequestState
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def lw(world):
    return world.learning


def text(resp) -> str:
    return resp.get_data(as_text=True)


def outbox_to(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_user_id == user.id)))


def test_staff_ask_and_the_educator_uploads(login_as, world, lw):
    r = lw.pl_requests[S.COMPLETED]
    url = f"/pl/requests/{r.id}"
    staff = login_as(world.staff)
    page = text(staff.get(url))
    assert "Ask the educator for the certificate" in page and "Upload the certificate" not in page
    # A note is required: the page comes back with the message beside the field.
    resp = staff.post(f"{url}/certificate/ask", {"note": "  "}, token_from=url)
    assert resp.status_code == 422
    assert 'id="note-error"' in text(resp) and "Write a note telling the educator what to send." in text(resp)
    resp = staff.post(f"{url}/certificate/ask", {"note": "Please upload the certificate showing your 12 hours."},
                      token_from=url)
    assert resp.status_code == 302
    assert "We asked Lena Lead for the certificate." in text(staff.get(resp.headers["Location"]))

    (message,) = outbox_to(world.lead)
    assert message.subject.startswith("Certificate asked for") and "showing your 12 hours" in message.body
    lead = login_as(world.lead)
    assert "Program staff asked you for a certificate" in text(lead.get("/"))
    page = text(lead.get(url))
    assert "Stan Staff asked for the certificate" in page and "waiting for the educator" in page
    assert "Please upload the certificate showing your 12 hours." in page
    assert "Certificate asked for" in page  # on the timeline

    # Not a certificate: refused beside the field, nothing stored.
    resp = lead.post(f"{url}/certificate", {"file": (io.BytesIO(b"just text"), "cert.txt")}, token_from=url)
    assert resp.status_code == 422 and 'id="file-error"' in text(resp)
    assert db.session.scalar(select(PLCertificate.id)) is None
    resp = lead.post(f"{url}/certificate", {"file": (io.BytesIO(PDF), "My certificate.pdf")}, token_from=url)
    assert resp.status_code == 302
    db.session.expire_all()
    cert = db.session.scalar(select(PLCertificate).where(PLCertificate.request_id == r.id))
    assert cert.filename == "My_certificate.pdf" and cert.content_type == "application/pdf"
    assert "Program staff asked you for" not in text(lead.get("/"))
    (told,) = outbox_to(world.staff)
    assert told.subject.startswith("Certificate uploaded") and "My_certificate.pdf" in told.body

    events = [e.trigger for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_type == "pl_request", AuditEvent.case_id == r.id))]
    assert events[-2:] == ["ask_certificate", "upload_certificate"]
    page = text(login_as(world.school_leader).get(url))
    assert "My_certificate.pdf" in page and "Certificate uploaded" in page and "waiting for the educator" not in page
    download = login_as(world.school_leader).get(f"{url}/certificate")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]


def test_only_staff_ask_only_the_educator_uploads_and_only_once_completed(login_as, world, lw):
    done, approved = lw.pl_requests[S.COMPLETED], lw.pl_requests[S.APPROVED]
    note = {"note": "Please."}
    assert login_as(world.school_leader).post(f"/pl/requests/{done.id}/certificate/ask", note,
                                              token_from=f"/pl/requests/{done.id}").status_code == 403
    assert login_as(world.staff).post(f"/pl/requests/{approved.id}/certificate/ask", note,
                                      token_from=f"/pl/requests/{approved.id}").status_code == 403
    pdf = {"file": (io.BytesIO(PDF), "c.pdf")}
    assert login_as(world.staff).post(f"/pl/requests/{done.id}/certificate", pdf,
                                      token_from=f"/pl/requests/{done.id}").status_code == 403
    pdf = {"file": (io.BytesIO(PDF), "c.pdf")}
    assert login_as(world.lead).post(f"/pl/requests/{approved.id}/certificate", pdf,
                                     token_from=f"/pl/requests/{approved.id}").status_code == 403
    assert login_as(world.lead).get(f"/pl/requests/{done.id}/certificate").status_code == 404
    assert db.session.scalar(select(PLCertificate.id)) is None and outbox_to(world.lead) == []
