"""SVG charts made with pygal, inlined in the page as markup.

pygal draws the chart; we keep it self-contained: no JavaScript (``js=[]`` and the config script
pygal still writes is dropped), no XML declaration, no comments pointing at pygal.org, nothing fetched.
Every chart is an image with an accessible name (``role="img"`` and ``aria-label``); the page puts
the same figures in a table next to it, which is the text alternative.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup, escape

from app.core.security import style_nonce

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
# What XML 1.0 cannot hold (C0 controls but tab, newline and carriage return; DEL and C1; U+FFFE/U+FFFF):
# lxml refuses such a label outright, ElementTree writes markup no XML parser reads.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_STYLE_ATTR = re.compile(r'\s+style="[^"]*"')
_CHART_ID = re.compile(r'id="chart-([0-9a-f-]{36})"')
_SCRIPT_IDS = re.compile(r'\s+id="activate-serie-\d+"')  # the legend's hooks for pygal's script: the same in every chart

STYLE = dict(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#495057",
    colors=("#0b5394", "#6f42c1", "#198754", "#b35900"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    title_font_size=16,
    legend_font_size=13,
)


def label(text) -> str:
    """``text`` as a chart can draw it: each control character (a school or topic name imported with one,
    before the forms refused them) becomes U+FFFD, so one odd name cannot take the page down."""
    return _NOT_XML.sub("\ufffd", str(text))


def _with_nonce(svg: str) -> Markup:
    # The page's Content-Security-Policy allows no inline style but the request's nonce: the chart's
    # <style> carries it.
    if nonce := style_nonce():
        svg = svg.replace("<style", f'<style nonce="{escape(nonce)}"')
    return Markup(svg)  # noqa: S704 - our own pygal output; every label went through its XML escaping


def _clean(svg: str, name: str) -> str:
    svg = _SCRIPT_IDS.sub("", _COMMENT.sub("", _SCRIPT.sub("", svg)))
    # pygal names each chart with a random uuid (its <style> is scoped by it): name it by its content
    # instead, so the same figures make the same markup (a document made from it can be kept).
    if m := _CHART_ID.search(svg):
        digest = hashlib.sha256((svg.replace(m[1], "") + name).encode()).hexdigest()[:16]
        svg = svg.replace(m[1], digest)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label(name))}" focusable="false" ', 1)
    # The same name as the SVG's first <title>: what a tagged PDF gives the chart as its alternate text.
    end = svg.index(">", svg.index("<svg")) + 1
    svg = f"{svg[:end]}<title>{escape(label(name))}</title>{svg[end:]}"
    # No style attribute (the Content-Security-Policy allows none; the one pygal writes is on the
    # tooltip, empty without JavaScript).
    return _STYLE_ATTR.sub("", svg)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | int | None], *,
              series: str = "Value", horizontal: bool = True, max_value: float | None = None,
              value_format: str = "{:.2f}", name: str | None = None, height: int | None = None) -> Markup:
    """A bar chart of ``values`` against ``labels`` (the first label on top for horizontal bars), as
    inline SVG markup. ``name`` is the accessible name (defaults to the title); say in it where the
    figures are given as text (e.g. "... The table below gives the figures."). The same figures are drawn
    once per process (the last ``DRAWN`` charts are kept), so a page seen again does not run pygal again."""
    return _with_nonce(_bars(title, tuple(str(x) for x in labels),
                             tuple(None if v is None else float(v) for v in values), series, horizontal,
                             max_value, value_format, name or title, height))


DRAWN = 128


@lru_cache(maxsize=DRAWN)
def _bars(title: str, labels: tuple[str, ...], values: tuple[float | None, ...], series: str, horizontal: bool,
          max_value: float | None, value_format: str, name: str, height: int | None) -> str:
    import pygal  # loaded by the first chart, not by every worker at start
    from pygal.style import Style

    cls = pygal.HorizontalBar if horizontal else pygal.Bar
    rows = max(len(labels), 1)
    chart = cls(
        style=Style(**STYLE), js=[], disable_xml_declaration=True, show_legend=False, title=label(title),
        print_values=True, print_values_position="top", explicit_size=False, width=800,
        height=height or (140 + 42 * rows if horizontal else 420), truncate_label=-1, spacing=12,
        range=(0, max_value) if max_value is not None else None, include_x_axis=True,
        formatter=lambda v: "" if v is None else value_format.format(v), no_data_text="No answers yet",
        pretty_print=False,
    )
    # Horizontal bars are drawn bottom-up: reverse so the first (highest ranked) label is on top.
    ordered = list(zip(labels, values, strict=True))
    if horizontal:
        ordered.reverse()
    chart.x_labels = [label(text) for text, _ in ordered]
    chart.add(label(series), [v for _, v in ordered])
    return _clean(chart.render(is_unicode=True), name)


def grouped_bar_chart(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | int | None]]],
                      *, horizontal: bool = True, value_format: str = "{:.1f}", name: str | None = None,
                      max_value: float | None = None) -> Markup:
    """Bars of several series side by side for each label (a legend names the series), as inline SVG
    markup, like ``bar_chart``: the first label on top for horizontal bars. ``series``: (name, values)
    pairs, each with one value per label (None: no bar). The same figures are drawn once per process
    (the last ``DRAWN`` kept): a report seen again does not run pygal again."""
    figures = tuple((str(n), tuple(None if v is None else float(v) for v in values)) for n, values in series)
    return _with_nonce(_grouped(title, tuple(str(x) for x in labels), figures, horizontal, value_format,
                                name or title, max_value))


@lru_cache(maxsize=DRAWN)
def _grouped(title: str, labels: tuple[str, ...], series: tuple, horizontal: bool, value_format: str, name: str,
             max_value: float | None) -> str:
    import pygal
    from pygal.style import Style

    cls = pygal.HorizontalBar if horizontal else pygal.Bar
    rows = max(len(labels), 1) * max(len(series), 1)
    chart = cls(
        style=Style(**STYLE), js=[], disable_xml_declaration=True, show_legend=True, legend_at_bottom=True,
        legend_at_bottom_columns=min(max(len(series), 1), 4), title=label(title), print_values=False,
        explicit_size=False, width=800, height=(180 + 22 * rows if horizontal else 460), truncate_label=-1,
        truncate_legend=-1, spacing=12, range=(0, max_value) if max_value is not None else None,
        include_x_axis=True, formatter=lambda v: "" if v is None else value_format.format(v),
        no_data_text="No figures yet", pretty_print=False,
    )
    order = list(range(len(labels)))
    if horizontal:
        order.reverse()
    chart.x_labels = [label(labels[i]) for i in order]
    for series_name, values in series:
        chart.add(label(series_name), [values[i] for i in order])
    return _clean(chart.render(is_unicode=True), name)
