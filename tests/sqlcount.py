"""Count the SQL statements a block of code sends (for the 'does not grow with N' tests)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db

_SAVEPOINT = re.compile(r"^\s*(?:SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\s+(\S+)\s*$", re.IGNORECASE)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Collects every statement sent to the database inside the block.

    Left out: the savepoints that stand for the session's own transactions when a test runs in a
    rolled-back transaction (tests/conftest.py); on a database of its own the app sends none of them.
    The app's own savepoints (``begin_nested()``) are counted.
    """
    seen: list[str] = []
    harness: list[set] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
        if not harness and "harness_savepoints" in conn.info:
            harness.append(conn.info["harness_savepoints"])

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        names = set().union(*harness)
        seen[:] = [s for s in seen if not ((m := _SAVEPOINT.match(s)) and m.group(1) in names)]
