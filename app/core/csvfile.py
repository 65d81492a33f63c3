"""Spreadsheets staff download: one rule for every CSV the app writes.

- **No formulas from what people typed.** A cell a spreadsheet would run (it starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, so Excel, LibreOffice and Google
  Sheets show it as text. A plain number (``-12.50``) is left alone so amounts stay numbers. A cell that
  already starts with apostrophes before such a character gets one more, so ``unescape`` gives back
  exactly what was exported (the imports read their own exports).
- **UTF-8 with a byte-order mark**, so Excel opens names with accents (José, Nguyễn) as they are written.
- **CRLF line ends**, as RFC 4180 says.
- **In pieces**: ``chunks`` gives the file a few hundred rows at a time, so a list of 100,000 proposals
  read with ``yield_per`` is never held whole; ``app.web.csv_download`` spools the pieces and sends them.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from app.core import clock

BOM = "\ufeff"
_RISKY = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")  # a cell the export made safe: one apostrophe more than the text has
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _is_number(text: str) -> bool:
    if not _NUMBER.match(text):
        return False
    try:
        Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return False
    return True


def text_of(value) -> str:
    """How a value reads in a cell: empty for None, yes/no for booleans, Boston time for datetimes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        local = clock.local(value)
        return local.strftime("%Y-%m-%d %H:%M") if local else ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cell(value) -> str:
    """``value`` as a safe cell (see the module's docstring)."""
    text = text_of(value)
    if _ESCAPED.match(text) or (text[:1] in _RISKY and not _is_number(text)):
        return f"'{text}"
    return text


def unescape(value: str) -> str:
    """What ``cell`` was given, from what it wrote (for imports that read an export back)."""
    return value[1:] if _ESCAPED.match(value) else value


CHUNK_ROWS = 500  # rows per piece of a streamed file


def chunks(header: Iterable, rows: Iterable[Iterable], chunk_rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The file in pieces: the BOM and the header first (before ``rows`` is read at all), then every
    ``chunk_rows`` rows, every cell made safe; UTF-8, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow([cell(h) for h in header])
    yield _take(out)
    waiting = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        waiting += 1
        if waiting == chunk_rows:
            yield _take(out)
            waiting = 0
    if waiting:
        yield _take(out)


def _take(out: io.StringIO) -> bytes:
    data = out.getvalue().encode("utf-8")
    out.seek(0)
    out.truncate()
    return data


def to_bytes(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A whole file: the header, then each row, every cell made safe; UTF-8 with a BOM, CRLF line ends."""
    return b"".join(chunks(header, rows))


def dicts_to_bytes(columns: list[str], rows: Iterable[dict]) -> bytes:
    """As ``to_bytes``, for rows given as dicts keyed by ``columns``."""
    return to_bytes(columns, ([row.get(c) for c in columns] for row in rows))
