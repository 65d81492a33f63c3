"""The one rule for every CSV the app writes (app/core/csvfile.py)."""
import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.core import csvfile


@pytest.mark.parametrize("typed", ["=SUM(A1:A9)", "+1+1", "-2+3", "@cmd", "\tindent", "\rline", "=HYPERLINK(\"x\")"])
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(typed):
    assert csvfile.cell(typed) == "'" + typed
    assert csvfile.unescape(csvfile.cell(typed)) == typed


@pytest.mark.parametrize("value, shown", [(Decimal("-12.50"), "-12.50"), (-3, "-3"), ("-0.5", "-0.5"),
                                          (None, ""), (True, "yes"), (False, "no"), (date(2026, 9, 1), "2026-09-01")])
def test_numbers_stay_numbers_and_values_read_as_people_expect(value, shown):
    assert csvfile.cell(value) == shown


def test_an_apostrophe_the_person_typed_survives_the_round_trip():
    for typed in ["'=already", "''+two", "'plain", "O'Brien"]:
        assert csvfile.unescape(csvfile.cell(typed)) == typed


def test_times_are_shown_in_boston():
    assert csvfile.cell(datetime(2026, 1, 15, 17, 30, tzinfo=UTC)) == "2026-01-15 12:30"


def test_a_file_opens_in_excel_with_accents_and_safe_cells():
    data = csvfile.to_bytes(["Name", "Note"], [["José Nguyễn", "=1+1"], ["Ana", "fine, with a comma"]])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Name", "Note"], ["José Nguyễn", "'=1+1"], ["Ana", "fine, with a comma"]]
    assert csvfile.dicts_to_bytes(["a", "b"], [{"a": 1}]) == "\ufeffa,b\r\n1,\r\n".encode()


def test_a_streamed_file_is_the_same_file_in_pieces():
    rows = [[f"Ana {i}", "-1"] for i in range(7)]
    pieces = list(csvfile.chunks(["Name", "Delta"], iter(rows), chunk_rows=3))
    assert len(pieces) == 4 and pieces[0] == "\ufeffName,Delta\r\n".encode() and b"".join(pieces) == csvfile.to_bytes(["Name", "Delta"], rows)
