"""Attachments on a proposal: checked by ``app.core.uploads``, added and removed while the team may edit, acts audited."""
from __future__ import annotations

import hashlib
from typing import IO

from app.cases.advance import record_event
from app.core.errors import FormError
from app.core.uploads import UploadError, check_file
from app.extensions import db
from app.models import Attachment, Proposal, User
from workflows.proposal import EDITABLE_BY_TEAM


class AttachmentError(FormError, UploadError):
    """A refused file, shown beside the upload form's ``file`` field (and still an ``UploadError``)."""

    def __init__(self, message: str):
        super().__init__([("file", message)])


def add_attachment(proposal: Proposal, filename: str | None, stream: IO[bytes], actor: User,
                   max_bytes: int) -> Attachment:
    if proposal.state not in EDITABLE_BY_TEAM:
        raise AttachmentError(f"Files can be attached while the proposal is a draft or revisions are requested; "
                              f"it is {proposal.state_label.lower()}.")
    try:
        checked = check_file(filename, stream, max_bytes)
    except UploadError as exc:
        raise AttachmentError(str(exc)) from None
    name, data = checked.filename, checked.data
    if any(a.filename.lower() == name.lower() for a in proposal.attachments):
        raise AttachmentError(f"A file called {name} is already attached. "
                              "Delete the attached one first, or rename your file.")
    attachment = Attachment(
        proposal=proposal, filename=name, content_type=checked.content_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    record_event(proposal, "upload", actor, data={"filename": name, "size": len(data)})
    db.session.flush()
    return attachment


def delete_attachment(proposal: Proposal, attachment: Attachment, actor: User) -> None:
    if proposal.state not in EDITABLE_BY_TEAM:
        raise AttachmentError(f"Files can be removed while the proposal is a draft or revisions are requested; "
                              f"it is {proposal.state_label.lower()}.")
    name = attachment.filename
    proposal.attachments.remove(attachment)
    db.session.delete(attachment)
    record_event(proposal, "delete_attachment", actor, data={"filename": name})
    db.session.flush()
