"""Paging a list already in memory (a ranking computed in Python) the way ``db.paginate`` pages a query,
and paging a query so that its last pages cost what its first ones do (``SelectPage``).

``ListPage`` has the Flask-SQLAlchemy ``Pagination`` interface the pagination macro reads (``page``,
``pages``, ``items``, ``total``, ``first``, ``last``, ``iter_pages`` ...). A page past the end shows the
last page, as the database lists do.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression


class ListPage(Pagination):
    def __init__(self, rows: Sequence[Any], page: int, per_page: int):
        last = max(1, -(-len(rows) // per_page))
        super().__init__(page=min(max(page, 1), last), per_page=per_page, max_per_page=None, error_out=False,
                         count=True, rows=rows)

    def _query_items(self) -> list[Any]:
        rows = self._query_args["rows"]
        return list(rows[self._query_offset:self._query_offset + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def _reversed(clause):
    """One ORDER BY term the other way round (``x DESC`` for ``x``, ``x`` for ``x DESC``)."""
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op:
        return clause.element.asc()
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.asc_op:
        return clause.element.desc()
    return clause.desc()


class SelectPage(Pagination):
    """A page of ``stmt`` in ``order`` (the order's last term unique, such as the id), as ``db.paginate``
    pages it, with two differences: a page past the end shows the last page, and a page in the second half
    of the list is read from the end. An OFFSET walks every row it skips, so the last page of ten years of
    history walked all of them; read in the reversed order, with the offset counted from the end, it
    costs what the first page costs (an index in the list's order is walked backwards). Without NULLS
    FIRST/LAST in ``order``, both databases put NULLs at mirrored places in the two orders, so the rows
    are the same either way."""

    def __init__(self, stmt, order: Sequence[Any], page: int, per_page: int):
        from app.extensions import db

        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        last = max(1, -(-total // per_page))
        super().__init__(page=min(max(page, 1), last), per_page=per_page, max_per_page=None, error_out=False,
                         count=True, stmt=stmt.order_by(None), order=tuple(order), total=total)

    def _query_items(self) -> list[Any]:
        from app.extensions import db

        stmt, order, total = self._query_args["stmt"], self._query_args["order"], self._query_args["total"]
        offset = self._query_offset
        if offset * 2 <= total:
            return list(db.session.execute(stmt.order_by(*order).limit(self.per_page).offset(offset))
                        .unique().scalars())
        to_end = total - offset  # the rows from this page's first to the list's last
        rows = list(db.session.execute(stmt.order_by(*(_reversed(c) for c in order))
                                       .limit(min(self.per_page, to_end)).offset(to_end - min(self.per_page, to_end)))
                    .unique().scalars())
        return rows[::-1]

    def _query_count(self) -> int:
        return self._query_args["total"]


class FetchedPage(Pagination):
    """A page of ``total`` rows, its items read by ``fetch(offset, limit)`` (one statement that selects what
    the rows show, in order): for a list read as plain columns, with the count asked separately (and
    leanly) by the caller. A page past the end shows the last page."""

    def __init__(self, total: int, page: int, per_page: int, fetch):
        last = max(1, -(-total // per_page))
        super().__init__(page=min(max(page, 1), last), per_page=per_page, max_per_page=None, error_out=False,
                         count=True, total=total, fetch=fetch)

    def _query_items(self) -> list[Any]:
        return list(self._query_args["fetch"](self._query_offset, self.per_page))

    def _query_count(self) -> int:
        return self._query_args["total"]
