"""The garbage collector in a long-lived web worker.

After ``create_app()`` the process holds a few hundred thousand long-lived objects (modules, the
ORM's mappers, compiled templates, the URL map). CPython's full collections walk all of them again and
again although none is ever garbage: milliseconds of CPU a request, spread over the requests that
trigger one. ``settle()`` collects once and then freezes what is left (``gc.freeze``: those objects go
to a permanent generation that collections no longer walk). It also keeps a preloaded master's pages
shared with its workers: a collection writes to the header of every object it walks, which copies the
page in the child.

``gunicorn.conf.py`` calls it in the master once the preloaded app is built (``when_ready``) and in
each worker once it is ready to serve (``post_worker_init``: the workers of ``WEB_PRELOAD=0`` build
their own app); ``benchmarks/scale.py`` calls it on the apps it measures, so that the benchmark runs
the production configuration.
"""
from __future__ import annotations

import gc


def settle() -> int:
    """Collect what is garbage now, then freeze everything still alive; returns how many objects are
    frozen in all."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
