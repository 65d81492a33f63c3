"""Every file the app hands out is a download the browser will not render or sniff."""
from werkzeug.http import parse_options_header

from app.web import download


def test_private_download_headers(app_ctx):
    with app_ctx.test_request_context():
        resp = download(b"%PDF-1.7", 'plan "final" é.pdf', "application/pdf")
        kind, params = parse_options_header(resp.headers["Content-Disposition"])
    assert kind == "attachment"
    assert params["filename"] == 'plan "final" é.pdf'  # quotes and accents survive, encoded by Werkzeug
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert resp.headers["Cache-Control"] == "private, no-store"


def test_public_download_may_be_cached_but_is_still_a_sandboxed_attachment(app_ctx):
    with app_ctx.test_request_context():
        resp = download(b"\x89PNG", "chart.png", "image/png", private=False)
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert parse_options_header(resp.headers["Content-Disposition"])[0] == "attachment"
