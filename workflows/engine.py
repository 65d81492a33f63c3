"""A small declarative layer over one class-level ``transitions.Machine`` per workflow.

A workflow is a list of ``T`` rows: trigger, sources, destination, who may fire it and the
guards that must pass. That one declaration drives the engine, the buttons a user sees, the
diagram, the README table and the tests.

Rows are never added to the machine as models: events are fired on them with
``machine.events[name].trigger(row)``, so one machine serves every row.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine

Context = dict[str, Any]


class TransitionRefused(Exception):
    """Raised when an actor may not fire a trigger, or a guard fails. ``messages`` are for the user."""

    def __init__(self, messages: Sequence[str], trigger: str = ""):
        self.messages = list(messages)
        self.trigger = trigger
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class Guard:
    """A named condition. ``check(case, ctx)`` returns None when it passes, else the sentence a user reads."""

    name: str
    description: str
    check: Callable[[Any, Context], str | None]

    def __call__(self, case: Any, ctx: Context) -> str | None:
        return self.check(case, ctx)


def guard(description: str) -> Callable[[Callable[[Any, Context], str | None]], Guard]:
    """Decorator: turn ``fn(case, ctx) -> str | None`` into a ``Guard`` described for people."""

    def wrap(fn: Callable[[Any, Context], str | None]) -> Guard:
        return Guard(fn.__name__, description, fn)

    return wrap


@dataclass(frozen=True)
class Who:
    """Who may fire a transition. ``check(case, actor, ctx)`` returns None or the reason they may not.

    ``roles`` names the roles that can ever pass (used for tests and for the table); ``joint``
    marks a two-key decision: one co-chair records it, a co-chair of the other side confirms it.
    """

    name: str
    roles: frozenset[str]
    check: Callable[[Any, Any, Context], str | None]
    joint: bool = False


@dataclass(frozen=True)
class T:
    trigger: str
    source: Any  # a state or a tuple of states
    dest: Any
    who: Who
    guards: tuple[Guard, ...] = ()
    label: str = ""  # the button's words, e.g. "Submit proposal"
    fields: tuple[str, ...] = ()  # context the actor supplies: "comment", "reason", ...
    notify: tuple[str, ...] = ()  # whose turn it is afterwards: audiences the app emails ("team", "staff", ...)
    sources: tuple[Any, ...] = field(init=False)

    def __post_init__(self) -> None:
        src = self.source if isinstance(self.source, tuple | list | frozenset | set) else (self.source,)
        object.__setattr__(self, "sources", tuple(src))
        if not self.label:
            object.__setattr__(self, "label", self.trigger.replace("_", " ").capitalize())


class Workflow:
    def __init__(
        self,
        name: str,
        states: type[enum.Enum],
        initial: enum.Enum,
        transitions: Iterable[T],
        state_labels: dict[enum.Enum, str] | None = None,
        state_attr: str = "state",
    ):
        self.name = name
        self.states = states
        self.initial = initial
        self.transitions: list[T] = list(transitions)
        self.by_trigger: dict[str, T] = {}
        for t in self.transitions:
            if t.trigger in self.by_trigger:
                raise ValueError(f"{name}: trigger {t.trigger!r} declared twice")
            self.by_trigger[t.trigger] = t
        self.state_labels = state_labels or {s: s.value.replace("_", " ") for s in states}
        self.state_attr = state_attr
        self.machine = Machine(
            model=None,
            states=states,
            initial=initial,
            transitions=[
                {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in self.transitions
            ],
            auto_transitions=False,
            send_event=True,
            model_attribute=state_attr,
        )

    # -- reading the declaration -------------------------------------------------------------
    def label(self, state: enum.Enum) -> str:
        return self.state_labels[state]

    def transition(self, trigger: str) -> T:
        try:
            return self.by_trigger[trigger]
        except KeyError:
            raise TransitionRefused([f"There is no action called {trigger!r}."], trigger) from None

    def from_state(self, state: enum.Enum) -> list[T]:
        return [t for t in self.transitions if state in t.sources]

    def table(self) -> list[dict[str, str]]:
        """One row per transition, for the CLI and the README."""
        return [
            {
                "trigger": t.trigger,
                "from": ", ".join(s.value for s in t.sources),
                "to": t.dest.value,
                "who": t.who.name,
                "guards": "; ".join(g.description for g in t.guards) or "-",
            }
            for t in self.transitions
        ]

    def edges(self) -> list[tuple[enum.Enum, enum.Enum, str]]:
        return [(s, t.dest, t.trigger) for t in self.transitions for s in t.sources]

    # -- asking and firing -------------------------------------------------------------------
    def state_of(self, case: Any) -> enum.Enum:
        return self.states(getattr(case, self.state_attr))

    def who_refusal(self, case: Any, trigger: str, actor: Any, ctx: Context | None = None) -> str | None:
        t = self.transition(trigger)
        ctx = {"trigger": trigger, **(ctx or {})}
        return t.who.check(case, actor, ctx)

    def refusals(self, case: Any, trigger: str, actor: Any, ctx: Context | None = None) -> list[str]:
        """Every reason the actor may not fire ``trigger`` now; empty when it may.

        The source state is checked first, then who, then every guard (so a user sees all that
        needs fixing at once). Guards are not run for someone who may not act at all.
        """
        t = self.transition(trigger)
        state = self.state_of(case)
        if state not in t.sources:
            return [
                f"“{t.label}” is not possible while this {self.name} is {self.label(state)}."
            ]
        ctx = {"trigger": trigger, **(ctx or {})}
        who = t.who.check(case, actor, ctx)
        if who:
            return [who]
        return [msg for g in t.guards if (msg := g(case, ctx))]

    def guard_failures(self, case: Any, trigger: str, ctx: Context | None = None) -> list[str]:
        t = self.transition(trigger)
        ctx = {"trigger": trigger, **(ctx or {})}
        return [msg for g in t.guards if (msg := g(case, ctx))]

    def actions_for(self, case: Any, actor: Any) -> list[T]:
        """Transitions from the current state that this actor is the right person to take."""
        state = self.state_of(case)
        out = []
        for t in self.from_state(state):
            if t.who.joint:
                # Anyone who may take part in a joint decision sees it; the decision panel
                # tells them whether they record or confirm.
                if actor is not None and t.who.roles & set(actor.role_names):
                    out.append(t)
            elif actor is not None and t.who.check(case, actor, {"trigger": t.trigger}) is None:
                out.append(t)
        return out

    def fire(self, case: Any, trigger: str, actor: Any, ctx: Context | None = None) -> tuple[enum.Enum, enum.Enum]:
        """Check and fire. Raises TransitionRefused with every reason. Returns (from, to)."""
        problems = self.refusals(case, trigger, actor, ctx)
        if problems:
            raise TransitionRefused(problems, trigger)
        before = self.state_of(case)
        self.machine.events[trigger].trigger(case, actor=actor, **(ctx or {}))
        after = self.state_of(case)
        return before, after
