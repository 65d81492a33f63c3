"""Steps that follow a transition inside the same transaction (dates, slugs), per trigger.

Each area registers its own with ``@after("activate")`` in its service module, listed in
``MODULES``; ``run`` is called by the operations that fire transitions, right after ``advance``.
Nothing here may have an irreversible side effect: mail and PDFs happen after commit.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Step = Callable[[Any, Any], None]
_STEPS: dict[str, list[Step]] = {}
MODULES: list[str] = []  # service modules that register steps
MODULES.append("app.services.grants")  # grant agreement: activation sets report due dates
MODULES.append("app.services.summaries")  # learning summary: publish sets the slug and date
_loaded = False


def after(trigger: str) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        _STEPS.setdefault(trigger, []).append(fn)
        return fn

    return register


def run(case: Any, trigger: str, actor: Any) -> None:
    global _loaded
    if not _loaded:
        for name in MODULES:
            importlib.import_module(name)
        _loaded = True
    for step in _STEPS.get(trigger, []):
        step(case, actor)
