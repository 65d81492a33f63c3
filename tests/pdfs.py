"""Reading PDFs back as a person would: the text, the title and the language."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_text(body: bytes) -> str:
    """All the text of a PDF, with runs of whitespace made single spaces."""
    reader = PdfReader(io.BytesIO(body))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def pdf_title(body: bytes) -> str | None:
    return PdfReader(io.BytesIO(body)).metadata.title


def pdf_lang(body: bytes) -> str | None:
    lang = PdfReader(io.BytesIO(body)).trailer["/Root"].get("/Lang")
    return str(lang) if lang is not None else None


def pdf_is_tagged(body: bytes) -> bool:
    root = PdfReader(io.BytesIO(body)).trailer["/Root"]
    return "/StructTreeRoot" in root and bool(root.get("/MarkInfo", {}).get("/Marked"))
