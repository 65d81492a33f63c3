"""User-written Markdown, rendered safely: no scripts, no raw HTML, only safe links.

Raw HTML is neutralised before Markdown sees it (every ``<`` becomes ``&lt;``, so nothing a user
types can open a tag), then the HTML that Markdown produces is cleaned by nh3 (Ammonia) against
an allow-list, and links get safe schemes and ``rel`` attributes.
"""
from __future__ import annotations

import threading

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}
URL_SCHEMES = {"http", "https", "mailto"}


_local = threading.local()


def _converter() -> md.Markdown:
    """This thread's Markdown converter: building one (its parser and patterns) costs more than most
    conversions, and a converter is not to be shared between threads."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    return converter


def render(text: str | None) -> Markup:
    source = (text or "").replace("<", "&lt;")
    converter = _converter()
    try:
        html = converter.convert(source)
    finally:
        converter.reset()
    # Headings inside a summary start at h2: the page's own h1 is the title.
    for level in (1,):
        html = html.replace(f"<h{level}>", "<h2>").replace(f"</h{level}>", "</h2>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Markup(clean)


def plain_text(text: str | None) -> str:
    """The words of the Markdown, without markup (for search and for the privacy check's context)."""
    return nh3.clean(str(render(text)), tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
