"""A report's PDF, made once per content: the HTML is drawn first (cheap), and a PDF already made from the
very same HTML in this process is given again instead of running WeasyPrint (what costs). A PDF is a
function of its HTML, which holds every figure, the day it is printed and only what its reader may see, so
a kept PDF is never stale nor shows anyone more than their own HTML does. Up to ``KEEP`` are kept per process.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from app.core import pdf

KEEP = 16
_kept: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def render(template_name: str, **context) -> bytes:
    html = pdf.render_html(template_name, **context)
    key = hashlib.sha256(html.encode()).hexdigest()
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    from app.core import pdf_engine  # WeasyPrint: loaded by the first PDF, as app.core.pdf does

    body = pdf_engine.write(html)
    with _lock:
        _kept[key] = body
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
    return body
