"""The one shape of a refusal a user reads from a service, for forms to show.

Each service keeps its own subclass (``DecisionError``, ``BudgetError``, ``ReviewError``, ...), so a
view catches only its own service's refusals.
"""
from __future__ import annotations


class FormError(ValueError):
    """A refusal a user reads. ``messages`` are sentences; ``fields`` maps form fields to the message
    shown beside them."""

    def __init__(self, messages: list[str] | str, fields: dict[str, str] | None = None):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.fields = fields or {}
        super().__init__(" ".join(self.messages))
