"""WeasyPrint, behind ``app.core.pdf``: the one module that imports it, loaded when a PDF is first made.

``StaticFetcher`` is the only way a document reaches a resource: the app's own stylesheets, by the
internal ``tlf-static:`` scheme (see ``app.core.pdf``).
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pydyf
from weasyprint import DEFAULT_OPTIONS, HTML
from weasyprint.formatting_structure import boxes
from weasyprint.pdf import stream as pdf_stream
from weasyprint.pdf import tags as pdf_tags
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.core.pdf import PDF_VARIANT, SCHEME, STATIC_DIR, RefusedURL

# What may be served: a plain file name, no directories, a stylesheet.
_SERVABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.css")
_CONTENT_TYPES = {".css": "text/css"}

class StaticFetcher(URLFetcher):
    """A WeasyPrint URL fetcher (v70+: a ``URLFetcher`` whose ``fetch`` returns a
    ``URLFetcherResponse``) that serves ``tlf-static:<name>.css`` from ``app/static`` only.

    A refusal raises ``RefusedURL``; WeasyPrint then logs a warning and goes on without the
    resource. ``requested`` lists every URL asked for (tests spy on it).
    """

    def __init__(self, root: Path = STATIC_DIR):
        # No redirects, one allowed scheme; ``fetch`` below never reaches urllib's handlers.
        super().__init__(timeout=1, allowed_protocols=(SCHEME,), allow_redirects=False)
        self.root = root.resolve()
        self.requested: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        self.requested.append(url)
        path = self.resolve(url)
        return URLFetcherResponse(
            url, body=path.read_bytes(),
            headers={"Content-Type": f"{_CONTENT_TYPES[path.suffix]}; charset=utf-8"},
        )

    def open(self, url, data=None, timeout=None):  # urllib's entry point: same rules
        return self.fetch(getattr(url, "full_url", url))

    def resolve(self, url: str) -> Path:
        """The file under ``root`` that ``url`` names, or ``RefusedURL``."""
        if not isinstance(url, str) or not url.startswith(f"{SCHEME}:"):
            raise RefusedURL(f"The PDF renderer may not fetch {str(url)[:200]!r}: only {SCHEME}: URLs are served.")
        name = url[len(SCHEME) + 1:].lstrip("/")
        if not _SERVABLE.fullmatch(name):
            raise RefusedURL(f"The PDF renderer may not fetch {url[:200]!r}: not one of the app's stylesheets.")
        path = (self.root / name).resolve()
        if path.parent != self.root or not path.is_file():
            raise RefusedURL(f"The PDF renderer may not fetch {url[:200]!r}: no such stylesheet.")
        return path


_local = threading.local()


def _fonts() -> FontConfiguration:
    # fontconfig's scan of the system fonts is the slow part of a first render: keep one
    # configuration per thread (the Pango objects behind it are not shared across threads).
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


def write(html: str, fetcher: StaticFetcher | None = None) -> bytes:
    """``html`` printed as a tagged PDF (PDF/UA-1); a table that runs onto more pages stays one table
    (see ``_mark_repeated_headers``)."""
    options = {**DEFAULT_OPTIONS, "pdf_variant": PDF_VARIANT}
    document = HTML(string=html, base_url=None, url_fetcher=fetcher or StaticFetcher()).render(
        font_config=_fonts(), **options)
    _mark_repeated_headers(document)
    try:
        return document.write_pdf(**{key: options[key] for key in DEFAULT_OPTIONS})
    finally:
        _state.pdf = _state.seen = None  # this document's structure elements are not kept


# -- tables across pages, for a screen reader (PDF/UA-1) ----------------------------------------------
# WeasyPrint tags each page on its own: a table that breaks across pages became one tagged table per
# page, and the header row it repeats at the top of each page (for sighted readers) was tagged again
# each time, so a screen reader met several tables and read the header as data. Here the repeated header
# rows are drawn as artifacts (seen, not read) and left out of the structure tree, and the parts of one
# element on later pages (the table, its body, the sections and paragraphs around it) join the structure
# element made for it on its first page, so the document has one table, read once, in order. The body
# cells on later pages name the header cells of the first page.
_REPEATED = "_tlf_repeated"  # on each box of a repeated header: the matching box on the table's first page
_MERGED = frozenset({"/Part", "/Art", "/Sect", "/Div", "/BlockQuote", "/Table", "/TBody", "/TFoot", "/L",
                     "/LI", "/LBody", "/P"})


def _descendants(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _descendants(child)


def _rows(box):
    for child in box.children:
        yield from [child] if child.element_tag == "tr" else _rows(child)


def _mark_repeated_headers(document) -> None:
    """Flag each table's header rows repeated on a later page, each cell with its first page's cell."""
    first_header = {}  # the <table> element -> its header row group on the first page it is on
    for page in document.pages:
        for box in _descendants(page._page_box):
            if not isinstance(box, boxes.TableBox) or not box.children or not box.children[0].is_header:
                continue
            header = box.children[0]
            first = first_header.setdefault(box.element, header)
            if first is header:
                continue
            for inner in _descendants(header):
                setattr(inner, _REPEATED, first)
            for row, first_row in zip(_rows(header), _rows(first), strict=False):
                for cell, first_cell in zip(row.children, first_row.children, strict=False):
                    setattr(cell, _REPEATED, first_cell)


_original_marked = pdf_stream.Stream.marked


@contextmanager
def _marked(self, box, tag):
    """A repeated header's text is an artifact; everything else is marked as WeasyPrint marks it."""
    if getattr(box, _REPEATED, None) is not None:
        with self.artifact():
            yield
    else:
        with _original_marked(self, box, tag):
            yield


_original_build = pdf_tags._build_box_tree
_state = threading.local()


def _object(pdf, reference):
    """The PDF object a structure element's kid (``b"12 0 R"``) refers to; None for a marked-content id."""
    if isinstance(reference, bytes | str):
        return pdf.objects[int(reference.split()[0])]
    return None


def _build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
    """WeasyPrint's tagging of one box, with a table's later pages joined to its first (see above)."""
    if getattr(box, _REPEATED, None) is not None:
        # A repeated header row group: drawn as an artifact, not in the structure tree. Its cells get
        # stand-in marks (never written) so WeasyPrint can still work out the headers of the cells below.
        for cell in _descendants(box):
            if isinstance(cell, boxes.TableCellBox):
                cell.mark = pydyf.Dictionary({"A": pydyf.Dictionary({"O": "/Table"})})
        return
    if getattr(_state, "pdf", None) is not pdf:
        _state.pdf, _state.seen = pdf, {}
    seen = _state.seen
    passthrough = box.element is None or box.element_tag in ("html", "body") or isinstance(
        box, (boxes.PageBox, boxes.MarginBox))
    for element in _original_build(box, parent, pdf, page_number, nums, annotations, tags):
        if passthrough or element["S"] not in _MERGED:
            yield element
            continue
        if element["S"] == "/Table":
            _name_first_page_headers(box)
        key = (id(box.element), element["S"])
        first = seen.setdefault(key, (page_number, element))
        if first[0] == page_number:
            yield element
            continue
        # A later page's part of an element tagged on an earlier page: its children join the first.
        target = first[1]
        for kid in element["K"]:
            kid_object = _object(pdf, kid)
            if isinstance(kid_object, dict) and "P" in kid_object:
                kid_object["P"] = target.reference
            target["K"].append(kid)


def _name_first_page_headers(box) -> None:
    """Body cells under a repeated header name the first page's header cells (the ones in the tree)."""
    ids = {}
    for cell in _descendants(box):
        first = getattr(cell, _REPEATED, None)
        if isinstance(cell, boxes.TableCellBox) and first is not None and "ID" in cell.mark:
            first_mark = getattr(first, "mark", None)
            if first_mark is not None and "ID" in first_mark:
                ids[cell.mark["ID"].string] = first_mark["ID"]
    if not ids:
        return
    for row in _rows(box):
        for cell in row.children:
            if getattr(cell, _REPEATED, None) is None and cell.element_tag == "td" and hasattr(cell, "mark"):
                headers = cell.mark["A"].get("Headers")
                if headers is not None:
                    cell.mark["A"]["Headers"] = pydyf.Array([ids.get(h.string, h) for h in headers])


# -- page references, once per page count ----------------------------------------------------------------
# Tagging asks ``pdf.page_references[page]`` for every structure element, and pydyf builds that tuple of
# every page's reference again at each call: O(pages) per element, so a 600-page docket spent most of its
# tagging time there (quadratic in pages). Pages are only ever appended (``PDF.add_page``), so the tuple is
# kept until the page count changes.
_original_page_references = pydyf.PDF.page_references.fget


def _page_references(self) -> tuple:
    kids = self.pages["Kids"]
    kept = self.__dict__.get("_tlf_page_references")
    if kept is None or kept[0] != len(kids):
        kept = self.__dict__["_tlf_page_references"] = (len(kids), _original_page_references(self))
    return kept[1]


pdf_stream.Stream.marked = _marked
pdf_tags._build_box_tree = _build_box_tree
pydyf.PDF.page_references = property(_page_references)
