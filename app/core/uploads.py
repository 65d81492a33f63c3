"""Uploaded files: type checked by content (not by name), size capped, names sanitized.

Used by proposal attachments, expenditure receipts and learning summaries' shared files."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

import filetype
from werkzeug.utils import secure_filename

# Detected MIME type -> (what a person calls it, the extensions its name may end in).
ALLOWED = {
    "application/pdf": ("a PDF", ("pdf",)),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("a Word document", ("docx",)),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("an Excel workbook", ("xlsx",)),
    "image/png": ("a PNG image", ("png",)),
    "image/jpeg": ("a JPEG image", ("jpg", "jpeg")),
}
ALLOWED_TEXT = "PDF, Word (.docx), Excel (.xlsx), PNG or JPEG"


class UploadError(ValueError):
    """A refusal the uploader reads (``str(exc)``)."""


def _megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 1 else f"{n // 1024} KB"


def read_limited(stream: IO[bytes], limit: int) -> bytes:
    """Read at most ``limit`` bytes; one more means the file is too large."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(f"The file is larger than the {_megabytes(limit)} limit for each file. "
                          "Choose a smaller file or split it.")
    return data


def clean_name(raw: str | None, detected_ext: tuple[str, ...]) -> str:
    """A safe file name (``secure_filename``) whose extension says what the content is."""
    name = secure_filename(raw or "")
    stem, ext = name.rsplit(".", 1) if "." in name else (name, "")
    stem = stem[:180] or "attachment"
    if ext.lower() not in detected_ext:
        ext = detected_ext[0]
    return f"{stem}.{ext.lower()}"


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks: a safe name, the type found in its content, its bytes."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_file(filename: str | None, stream: IO[bytes], max_bytes: int) -> CheckedFile:
    """Read an upload (size capped), accept it only if its content is an allowed type, name it safely.

    Raises ``UploadError`` with the sentence the uploader reads. Every upload in the app goes
    through here (proposal attachments, receipts, a summary's public artifacts).
    """
    data = read_limited(stream, max_bytes)
    if not data:
        raise UploadError("The file is empty. Choose the file again.")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED:
        found = f" (it looks like a {kind.extension.upper()} file)" if kind is not None else ""
        raise UploadError(f"This file's content is not an accepted type{found}. "
                          f"Attach a {ALLOWED_TEXT} file.")
    _, exts = ALLOWED[kind.mime]
    return CheckedFile(clean_name(filename, exts), kind.mime, data)


def describe(content_type: str) -> str:
    return ALLOWED.get(content_type, ("a file", ()))[0]
