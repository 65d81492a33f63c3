"""The one shape of a refusal a user reads from an operation, for forms to show.

Each area keeps its own subclass (``DecisionError``, ``BudgetError``, ``ReviewError``, ...); the
request pipeline (``app.web.run``) rolls back and shows any of them the same way.
"""
from __future__ import annotations


class FormError(ValueError):
    """A refusal a user reads. ``messages`` are sentences; ``fields`` maps form fields to the message
    shown beside them; ``problems`` are (form field or None, sentence) pairs, every one of them.

    Give it a sentence, a list of sentences (and ``fields``), or a list of (field or None, sentence)
    pairs; a sentence and a field's name gives that one pair. ``forbidden=True`` marks a refusal of
    the person rather than of what they sent (they may not do this at all): the pipeline answers 403.
    """

    forbidden = False

    @property
    def field(self) -> str | None:
        """The field the first problem is about (None: the page as a whole)."""
        return self.problems[0][0] if self.problems else None

    def __init__(self, messages: list[str] | list[tuple[str | None, str]] | str,
                 fields: dict[str, str] | str | None = None, *, forbidden: bool = False):
        self.forbidden = forbidden
        items = [messages] if isinstance(messages, str) else list(messages)
        if isinstance(fields, str):  # a sentence (or sentences) about the one field named
            items, fields = [(fields, m) for m in items], None
        if items and all(isinstance(i, tuple) for i in items):
            self.problems: list[tuple[str | None, str]] = [(name, str(m)) for name, m in items]
            self.messages = [m for _, m in self.problems]
            self.fields = dict(fields or {})
            for name, m in self.problems:
                if name and name not in self.fields:
                    self.fields[name] = m
        else:
            self.messages = [str(m) for m in items]
            self.fields = dict(fields or {})
            self.problems = [*self.fields.items(), *((None, m) for m in self.messages if m not in self.fields.values())]
        super().__init__(" ".join(self.messages))


class InvalidInput(FormError):
    """The form did not validate: the page comes back with the form's own messages beside its fields."""

    def __init__(self) -> None:
        super().__init__([])
