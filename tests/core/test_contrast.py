"""WCAG 2.1 contrast of the colours app.css sets, computed as WCAG defines it (relative luminance):
form control borders 3:1 against the page (1.4.11 Non-text contrast; Bootstrap's #dee2e6 is 1.3:1, an
unchecked radio was nearly invisible) and links inside each kind of alert 4.5:1 against the alert's
tint (1.4.3; the survey's "Team response" link was Bootstrap's blue on the info alert, 3.9:1).
The browser tests measure the same on rendered pages (tests/browser/test_forms_focus_contrast.py)."""
from __future__ import annotations

import re
from pathlib import Path

import flask_bootstrap
import pytest

APP_CSS = (Path(__file__).resolve().parents[2] / "app" / "static" / "app.css").read_text()
BOOTSTRAP_CSS = (Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css" /
                 "bootstrap.min.css").read_text()
WHITE = "#ffffff"


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_formula_gives_wcag_s_known_ratios():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#dee2e6", WHITE) == pytest.approx(1.3, abs=0.05)  # Bootstrap's border: the complaint
    assert contrast("#0d6efd", "#cff4fc") == pytest.approx(3.86, abs=0.01)  # Bootstrap's link on the info alert


def _rule(selector: str) -> str:
    m = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", APP_CSS)
    assert m, f"app.css has no rule for {selector}"
    return m.group(1)


def test_form_control_borders_reach_3_to_1_on_white():
    border = re.search(r"border-color:\s*(#[0-9a-fA-F]{3,6})", _rule(".form-control, .form-select, .form-check-input"))
    assert border
    assert contrast(border.group(1), WHITE) >= 3
    # and against Bootstrap's light grey (a disabled field, a table stripe) too
    assert contrast(border.group(1), "#f8f9fa") >= 3


def _bootstrap_var(name: str) -> str:
    m = re.search(r"--bs-" + re.escape(name) + r":(#[0-9a-fA-F]{3,6})", BOOTSTRAP_CSS)  # the light theme's, first
    assert m, name
    return m.group(1)


@pytest.mark.parametrize("kind", ["primary", "secondary", "success", "info", "warning", "danger", "light", "dark"])
def test_links_in_every_alert_reach_4_5_to_1(kind):
    assert "color: var(--bs-alert-link-color)" in _rule(".alert a:not(.btn)")
    rule = re.search(r"\.alert-" + kind + r"\{([^}]*)\}", BOOTSTRAP_CSS).group(1)
    link = re.search(r"--bs-alert-link-color:var\(--bs-([a-z-]+)\)", rule).group(1)
    bg = re.search(r"--bs-alert-bg:var\(--bs-([a-z-]+)\)", rule).group(1)
    assert contrast(_bootstrap_var(link), _bootstrap_var(bg)) >= 4.5
