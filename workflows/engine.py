"""A small declarative layer over one class-level ``transitions.Machine`` per workflow.

A workflow is a list of ``T`` rows. One row says everything a transition does: trigger, sources,
destination, who may fire it, the guards that must pass, whether it is a joint (two-key) decision,
what the guards read that others may change at the same moment (``locks``), whom it tells and in
what words, and the steps that follow it in the same transaction (``after``). That one
declaration drives the engine, the buttons a user sees, the diagram, the README table, the
messages and the tests. Nothing else in the code says what a trigger does.

State groups (``AWARDED``, ``EDITABLE_BY_TEAM``...) are declared beside the states and handed to
the ``Workflow``; code asks ``case.state in AWARDED`` and templates ``proposal_states.AWARDED``.

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
    """Raised when a trigger cannot fire now (state, guards). ``messages`` are for the user."""

    def __init__(self, messages: Sequence[str], trigger: str = "",
                 problems: Sequence[tuple[str | None, str]] | None = None):
        self.messages = list(messages)
        self.trigger = trigger
        # (form field or None, sentence) for each message: a guard that names the fields it reads puts its
        # sentence beside the first of them on the form (``app.web.show_refusal``).
        self.problems = list(problems) if problems is not None else [(None, m) for m in self.messages]
        super().__init__("; ".join(self.messages))


class NotAllowed(TransitionRefused):
    """Raised when this actor may never take this action here (who, a joint decision taken elsewhere,
    a transition with a page of its own). The request pipeline answers 403 with the message."""

    forbidden = True


@dataclass(frozen=True)
class Guard:
    """A named condition. ``check(case, ctx)`` returns None when it passes, else the sentence a user reads.
    ``fields``: the case's fields it reads, named as the case's form names them (its sentence is shown
    beside the first of them, and the error summary links there).

    ``others``: when it fails, the case waits on someone else's work (the team's acceptance, the
    reviewers' reviews), not on the actor's: the transition is still among the actor's actions (with
    the reason), but the case is not counted as waiting for them on their home page."""

    name: str
    description: str
    check: Callable[[Any, Context], str | None]
    fields: tuple[str, ...] = ()
    others: bool = False

    def __call__(self, case: Any, ctx: Context) -> str | None:
        return self.check(case, ctx)


def guard(description: str, fields: tuple[str, ...] = (), others: bool = False
          ) -> Callable[[Callable[[Any, Context], str | None]], Guard]:
    """Decorator: turn ``fn(case, ctx) -> str | None`` into a ``Guard`` described for people (``fields``
    and ``others``: see ``Guard``)."""

    def wrap(fn: Callable[[Any, Context], str | None]) -> Guard:
        return Guard(fn.__name__, description, fn, fields, others)

    return wrap


@dataclass(frozen=True)
class Who:
    """Who may fire a transition. ``check(case, actor, ctx)`` returns None or the reason they may not.

    ``roles`` names the roles that can ever pass (used for tests and for the table).
    """

    name: str
    roles: frozenset[str]
    check: Callable[[Any, Any, Context], str | None]


Step = Callable[[Any, Context], None]  # after(case, ctx): runs in the same transaction, after the state changed
Words = str | Callable[[Any], str]  # a sentence, or one made from the case


@dataclass(frozen=True, eq=False)
class T:
    """One transition, and everything it does.

    ``confirm``: what cannot be undone once it is fired (``"the proposal goes to program staff..."``): the
    app asks "Are you sure?" with these words first, and only the confirmed request fires it.
    ``joint``: a two-key decision (one side's co-chair records it, the other side's confirms it, and
    only the confirmation fires it): True, or a predicate on the case when it depends on the case.
    ``optional``: the actor may take it whenever it is open (withdraw, cancel, unpublish), but the case is
    never waiting for it: it is among their actions on the case page, never counted on their home page.
    ``page``: the endpoint of the page where the transition is taken, when it has a form of its own
    rather than a button on the case page (``page_refusal`` says so to someone who tries the button). ``locks``: attributes of the case naming rows the guards
    read that others may change at the same moment (a cycle's pool, a year's PL budget); the app
    locks them, after the case's own row, before the guards run. ``after``: steps run after the
    state changed and the people were told, in the same transaction; ``ctx`` then also holds
    ``now``, ``actor`` and ``advance(trigger, **data)`` (fire a follow-on transition as the system).

    The message: ``notify`` names the audiences told (``notify_when`` maps an audience to a
    predicate on the case that must hold); ``subject`` is the subject's words before the title
    (``audience_subjects`` per audience), ``verb`` says what the actor did ("<actor> <verb> “<title>”";
    ``joint_verb`` when a joint decision was confirmed), ``next_steps`` what each audience does now,
    and ``details`` are functions ``(case, ctx) -> str | None`` adding lines (an award, conditions).
    """

    trigger: str
    source: Any  # a state or a tuple of states
    dest: Any
    who: Who
    guards: tuple[Guard, ...] = ()
    label: str = ""  # the button's words, e.g. "Submit proposal"
    confirm: str = ""  # what cannot be undone: asked "Are you sure?" first (app.web.Confirm)
    fields: tuple[str, ...] = ()  # context the actor supplies: "comment", "reason", ...
    notify: tuple[str, ...] = ()  # whose turn it is afterwards: audiences the app emails ("team", "staff", ...)
    joint: bool | Callable[[Any], bool] = False
    optional: bool = False
    page: str = ""
    page_refusal: str = ""
    locks: tuple[str, ...] = ()
    after: tuple[Step, ...] = ()
    notify_when: dict[str, Callable[[Any], bool]] = field(default_factory=dict)
    subject: str = ""
    audience_subjects: dict[str, str] = field(default_factory=dict)
    verb: str = ""
    joint_verb: str = ""
    next_steps: dict[str, Words] = field(default_factory=dict)
    details: tuple[Callable[[Any, Context], str | None], ...] = ()
    sources: tuple[Any, ...] = field(init=False)

    def __post_init__(self) -> None:
        src = self.source if isinstance(self.source, tuple | list | frozenset | set) else (self.source,)
        object.__setattr__(self, "sources", tuple(src))
        if not self.label:
            object.__setattr__(self, "label", self.trigger.replace("_", " ").capitalize())
        if not self.subject:
            object.__setattr__(self, "subject", self.label)
        if not self.verb:
            object.__setattr__(self, "verb", f"took the action “{self.label}” on")
        if not self.joint_verb:
            object.__setattr__(self, "joint_verb", self.verb)
        unknown = set(self.notify_when) - set(self.notify)
        if unknown:
            raise ValueError(f"{self.trigger}: notify_when names audiences it does not notify: {sorted(unknown)}")

    def is_joint(self, case: Any) -> bool:
        return bool(self.joint(case)) if callable(self.joint) else bool(self.joint)

    def next_step(self, audience: str, case: Any, default: str) -> str:
        words = self.next_steps.get(audience)
        if words is None:
            return default
        return words(case) if callable(words) else words

    def tells(self, audience: str, case: Any) -> bool:
        """Whether ``audience`` is told when this transition fires on ``case``."""
        when = self.notify_when.get(audience)
        return audience in self.notify and (when is None or bool(when(case)))


class StateGroup(frozenset):
    """A state group: a frozenset of states that lists them in the order the workflow declares its states
    (so a sentence or a table made from a group reads the same every time)."""

    def __iter__(self):
        return iter(sorted(super().__iter__(), key=lambda s: list(type(s)).index(s)))

    def __repr__(self) -> str:
        return "StateGroup({" + ", ".join(s.name for s in self) + "})"


def states(*members: enum.Enum) -> StateGroup:
    """Declare a state group beside the states: ``AWARDED = states(S.APPROVED, S.ACTIVE, ...)``."""
    return StateGroup(members)


class StateNames:
    """A workflow's states and state groups by name, for templates: ``proposal_states.APPROVED``,
    ``proposal.state in proposal_states.AWARDED``."""

    def __init__(self, states: type[enum.Enum], groups: dict[str, frozenset]):
        for s in states:
            setattr(self, s.name, s)
        for name, group in groups.items():
            setattr(self, name, group)


class Workflow:
    def __init__(
        self,
        name: str,
        states: type[enum.Enum],
        initial: enum.Enum,
        transitions: Iterable[T],
        state_labels: dict[enum.Enum, str] | None = None,
        state_attr: str = "state",
        groups: dict[str, frozenset] | None = None,
        joint_refusal: str = "",
        audiences: dict[str, str] | None = None,
        decision_outcomes: dict[str, str] | None = None,
        default_next_step: str = "",
    ):
        """``groups``: the state groups, by name; ``joint_refusal``: what someone reads who tries to take a
        joint decision by a button; ``audiences``: what each audience a transition may notify is, in words;
        ``decision_outcomes``: the joint triggers a co-chair may record, with their words;
        ``default_next_step``: what a message says to an audience its transition gives no next step."""
        self.name = name
        self.states = states
        self.initial = initial
        self.groups = dict(groups or {})
        for gname, group in self.groups.items():
            if not isinstance(group, frozenset) or not group <= set(states):
                raise ValueError(f"{name}: state group {gname} must be a frozenset of {states.__name__}")
        self.names = StateNames(states, self.groups)
        self.joint_refusal = joint_refusal or "This is decided jointly by the committee's co-chairs, not here."
        self.audiences = dict(audiences or {})
        self.decision_outcomes = dict(decision_outcomes or {})
        self.default_next_step = default_next_step or f"Open the {name} to see where it stands."
        self.transitions: list[T] = list(transitions)
        self.by_trigger: dict[str, T] = {}
        for t in self.transitions:
            if t.trigger in self.by_trigger:
                raise ValueError(f"{name}: trigger {t.trigger!r} declared twice")
            if self.audiences and not set(t.notify) <= set(self.audiences):
                raise ValueError(f"{name}: {t.trigger} notifies an undeclared audience: {t.notify}")
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

    def by_hand_refusal(self, case: Any, trigger: str, actor: Any) -> str | None:
        """Why ``actor`` may never take ``trigger`` by its button on the case page (whatever the state),
        or None: a joint decision is recorded and confirmed in the decision panel; a transition with a
        page of its own is taken there; otherwise the declared who-check."""
        t = self.transition(trigger)
        if t.is_joint(case):
            return self.joint_refusal
        if t.page:
            return t.page_refusal or f"“{t.label}” is done on its own page."
        return t.who.check(case, actor, {"trigger": t.trigger})

    def refusals(self, case: Any, trigger: str, actor: Any, ctx: Context | None = None) -> list[str]:
        """Every reason the actor may not fire ``trigger`` now; empty when it may.

        The source state is checked first, then who, then every guard (so a user sees all that
        needs fixing at once). Guards are not run for someone who may not act at all.
        """
        return [msg for _, msg in self.refusal_problems(case, trigger, actor, ctx)]

    def refusal_problems(self, case: Any, trigger: str, actor: Any,
                         ctx: Context | None = None) -> list[tuple[str | None, str]]:
        """``refusals`` as (field or None, sentence) pairs: a guard's sentence with the first field it reads."""
        t = self.transition(trigger)
        state = self.state_of(case)
        if state not in t.sources:
            return [(None, f"“{t.label}” is not possible while this {self.name} is {self.label(state)}.")]
        ctx = {"trigger": trigger, **(ctx or {})}
        who = t.who.check(case, actor, ctx)
        if who:
            return [(None, who)]
        return [(g.fields[0] if g.fields else None, msg) for g in t.guards if (msg := g(case, ctx))]

    def waits_on_others(self, case: Any, trigger: str, ctx: Context | None = None) -> list[str]:
        """The failing guards of ``trigger`` that wait on someone else's work (``Guard.others``): while any
        fails, the case is not waiting for the actor to take it."""
        t = self.transition(trigger)
        ctx = {"trigger": trigger, **(ctx or {})}
        return [msg for g in t.guards if g.others and (msg := g(case, ctx))]

    def guard_failures(self, case: Any, trigger: str, ctx: Context | None = None) -> list[str]:
        t = self.transition(trigger)
        ctx = {"trigger": trigger, **(ctx or {})}
        return [msg for g in t.guards if (msg := g(case, ctx))]

    def actions_for(self, case: Any, actor: Any) -> list[T]:
        """Transitions from the current state that this actor is the right person to take."""
        state = self.state_of(case)
        out = []
        for t in self.from_state(state):
            if t.is_joint(case):
                # Anyone who may take part in a joint decision sees it; the decision panel
                # tells them whether they record or confirm.
                if actor is not None and t.who.roles & set(actor.role_names):
                    out.append(t)
            elif actor is not None and t.who.check(case, actor, {"trigger": t.trigger}) is None:
                out.append(t)
        return out

    def fire(self, case: Any, trigger: str, actor: Any, ctx: Context | None = None) -> tuple[enum.Enum, enum.Enum]:
        """Check and fire. Raises TransitionRefused with every reason. Returns (from, to)."""
        problems = self.refusal_problems(case, trigger, actor, ctx)
        if problems:
            raise TransitionRefused([m for _, m in problems], trigger, problems)
        before = self.state_of(case)
        self.machine.events[trigger].trigger(case, actor=actor, **(ctx or {}))
        after = self.state_of(case)
        return before, after
