"""Paging a list already in memory (a ranking computed in Python) the way ``db.paginate`` pages a query.

``ListPage`` has the Flask-SQLAlchemy ``Pagination`` interface the pagination macro reads (``page``,
``pages``, ``items``, ``total``, ``first``, ``last``, ``iter_pages`` ...). A page past the end shows the
last page, as the database lists do.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_sqlalchemy.pagination import Pagination


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
