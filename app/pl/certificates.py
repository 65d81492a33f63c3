"""A completed PL request's certificate: program staff may ask the educator for the certificate file (with a
note), the educator uploads it (checked by ``app.core.uploads``; a new upload replaces the last), and both
acts are audited, told to the other person, and shown on the request's page.

Neither act changes the request's state, so neither is a transition: each leaves an audit event through
``record_event`` (the timeline shows them) and queues its message through ``app.cases.notify``. The request
pipeline commits once.
"""
from __future__ import annotations

from collections.abc import Callable

from app.cases import notify
from app.cases.advance import lock, record_event
from app.cases.permissions import (
    can_ask_for_pl_certificate,
    can_upload_pl_certificate,
    can_view_pl_request,
    is_pl_requester,
)
from app.core import clock, uploads
from app.core.errors import FormError
from app.extensions import db
from app.models import AuditEvent, PLCertificate, PLRequest, User

NOTE_MAX = 2_000


class CertificateError(FormError):
    """A refusal the user reads, tied to the form's field when it is about one."""


def ask(request: PLRequest, actor: User, fields: Callable[[], dict]) -> AuditEvent:
    """Program staff ask the educator for the certificate of a completed request, with a note (required)."""
    if not can_ask_for_pl_certificate(actor, request):
        raise CertificateError("Program staff ask for a certificate once the completion is recorded.", forbidden=True)
    note = (fields().get("note") or "").strip()
    if not note:
        raise CertificateError("Write a note telling the educator what to send.", "note")
    if len(note) > NOTE_MAX:
        raise CertificateError(f"Keep the note to {NOTE_MAX:,} characters or fewer.", "note")
    request = lock(request)
    request.certificate_requested_at = clock.now()
    request.certificate_requested_by_id = actor.id
    request.certificate_request_note = note
    event = record_event(request, "ask_certificate", actor, comment=note)
    if request.requester.active:
        link, path = notify.pl_links(request.id)
        body = notify.render_body("pl_certificate_asked.txt", recipient=request.requester, case=request,
                                  actor_name=actor.name, note=note, link=link)
        notify.queue(request.requester, notify.subject_for("Certificate asked for", request), body, request, path)
    db.session.flush()
    return event


def upload(request: PLRequest, actor: User, fields: Callable[[], dict], max_bytes: int) -> AuditEvent:
    """The educator uploads the certificate file (PDF, image, Word): it replaces an earlier one. The staff
    member who asked for it is told. ``fields``, the upload form's reader, gives the ``file`` (asked only
    once the actor may upload)."""
    if not can_upload_pl_certificate(actor, request):
        if not is_pl_requester(actor, request):
            raise CertificateError("Only the educator who made this request uploads its certificate.", forbidden=True)
        raise CertificateError("Upload the certificate once you have recorded the completion.", forbidden=True)
    file = fields()["file"]
    try:
        checked = uploads.check_file(file.filename, file.stream, max_bytes)
    except uploads.UploadError as exc:
        raise CertificateError(str(exc), "file") from None
    request = lock(request)
    cert = request.certificate or PLCertificate(request=request)
    cert.filename, cert.content_type, cert.size, cert.sha256 = (checked.filename, checked.content_type,
                                                                checked.size, checked.sha256)
    cert.data, cert.uploaded_by_id, cert.uploaded_at = checked.data, actor.id, clock.now()
    db.session.add(cert)
    event = record_event(request, "upload_certificate", actor, data={"filename": checked.filename})
    asker = request.certificate_requested_by
    if asker is not None and asker.active and asker.id != actor.id:
        link, path = notify.pl_links(request.id)
        body = notify.render_body("pl_certificate_uploaded.txt", recipient=asker, case=request,
                                  actor_name=actor.name, filename=checked.filename, link=link)
        notify.queue(asker, notify.subject_for("Certificate uploaded", request), body, request, path)
    db.session.flush()
    return event


def file_of(request: PLRequest, viewer: User) -> PLCertificate | None:
    """The certificate file, for someone who may see the request (None when there is none)."""
    if not can_view_pl_request(viewer, request):
        return None
    return request.certificate


def panel(request: PLRequest, user: User | None) -> dict | None:
    """What ``pl/_certificate_panel.html`` shows ``user``: whether a certificate was asked for (by whom, when,
    the note), the file, and what they may do (ask; upload). None when there is nothing to show them."""
    can_ask = can_ask_for_pl_certificate(user, request)
    can_upload = can_upload_pl_certificate(user, request)
    if not (can_ask or can_upload or request.certificate is not None or request.certificate_requested_at):
        return None
    return {
        "certificate": request.certificate,
        "asked_at": request.certificate_requested_at,
        "asked_by": request.certificate_requested_by.name if request.certificate_requested_by else "",
        "note": request.certificate_request_note,
        "waiting": bool(request.certificate_requested_at and (
            request.certificate is None or request.certificate.uploaded_at < request.certificate_requested_at)),
        "can_ask": can_ask,
        "can_upload": can_upload,
    }


__all__ = ["NOTE_MAX", "CertificateError", "ask", "file_of", "panel", "upload"]
