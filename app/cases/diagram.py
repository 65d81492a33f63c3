"""The workflow diagram, drawn on the server as SVG from the workflow's declaration.

Node positions come from grandalf's Sugiyama (layered) layout of ``Workflow.edges()``. The layout
does not depend on the current state, so it is computed once per workflow and cached; drawing a
case's diagram only decides which node is lit. The SVG needs no JavaScript and no network: it is
inlined in the case page and written to ``docs/`` for the README by ``flask workflows --svg``.

Accessibility: the SVG is ``role="img"`` named (``aria-labelledby``) by a ``<title>`` that says the
current stage and the next possible steps. The current stage is not shown by colour alone: its
box is filled, drawn with a thicker border, and its label carries the words "(current stage)".
Every text colour has a contrast of at least 4.5:1 against what it is drawn on.
"""
from __future__ import annotations

import enum
import math
import re
import threading
from dataclasses import dataclass
from typing import Any

from grandalf.graphs import Edge, Vertex, graph_core
from grandalf.layouts import SugiyamaLayout, VertexViewer
from markupsafe import Markup, escape

from workflows.engine import Workflow

# -- drawing constants ------------------------------------------------------------------------
FONT_FAMILY = "'DejaVu Sans', Verdana, Arial, sans-serif"
FONT_SIZE = 14
EDGE_FONT_SIZE = 12
CHAR_WIDTH = 0.62  # of the font size: a generous estimate of DejaVu Sans' average advance
NODE_PAD_X = 18
NODE_H = 50
X_SPACE = 46
Y_SPACE = 74
MARGIN = 24
DUMMY_W = 16
CURRENT_MARKER = "(current stage)"

# Colours (contrast against their background, WCAG 2.1):
INK = "#1b1b1b"  # node text on white: 17:1
NODE_FILL = "#ffffff"
NODE_STROKE = "#495057"
LIT_FILL = "#0b3d6b"  # the current stage: white text on it is 11:1
LIT_TEXT = "#ffffff"
LIT_STROKE = "#0b0c0c"
EDGE = "#5a6169"  # lines; edge labels are drawn in EDGE_TEXT on a white halo
EDGE_TEXT = "#33383d"  # on white: 11:1
NEXT_EDGE = "#0b3d6b"


@dataclass(frozen=True)
class Box:
    x: float  # centre
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def top(self) -> float:
        return self.y - self.h / 2


@dataclass(frozen=True)
class EdgePath:
    source: enum.Enum
    dest: enum.Enum
    trigger: str
    points: tuple[tuple[float, float], ...]
    curved: bool  # a quadratic curve (points = start, control, end) instead of a polyline
    label_at: tuple[float, float]
    anchor: str  # text-anchor of the label: start, middle or end


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    nodes: dict[enum.Enum, Box]
    edges: tuple[EdgePath, ...]


@dataclass(frozen=True)
class Step:
    """A next possible step from the current stage, for the text beside the diagram."""

    trigger: str
    label: str
    dest_label: str
    who: str


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _trigger_text(trigger: str) -> str:
    return trigger.replace("_", " ")


# -- layout (cached per workflow) -------------------------------------------------------------
_cache: dict[str, Layout] = {}
_lock = threading.Lock()


def layout_for(wf: Workflow) -> Layout:
    with _lock:
        if wf.name not in _cache:
            _cache[wf.name] = _compute_layout(wf)
        return _cache[wf.name]


def _compute_layout(wf: Workflow) -> Layout:
    states = list(wf.states)
    node_w = max(
        max(_text_width(wf.label(s), FONT_SIZE) for s in states),
        _text_width(CURRENT_MARKER, FONT_SIZE - 2),
    ) + 2 * NODE_PAD_X
    vertices = {s: Vertex(s) for s in states}
    for v in vertices.values():
        v.view = VertexViewer(w=node_w, h=NODE_H)
    # One graph edge per pair of states (several triggers may join the same two states).
    pairs: dict[tuple[Any, Any], list[str]] = {}
    for src, dest, trigger in wf.edges():
        pairs.setdefault((src, dest), []).append(trigger)
    g_edges = {pair: Edge(vertices[pair[0]], vertices[pair[1]]) for pair in pairs}

    boxes: dict[enum.Enum, Box] = {}
    bends: dict[tuple[Any, Any], list[tuple[float, float]]] = {}
    # A workflow's states may form several components (grandalf lays out each one apart).
    offset_x = 0.0
    for component in _components(states, vertices, g_edges):
        sug = SugiyamaLayout(component)
        sug.xspace, sug.yspace = X_SPACE, Y_SPACE
        sug.dw = DUMMY_W  # dummy vertices (bends of long edges) need little room
        roots = [v for v in component.sV if v.data == wf.initial] or None
        sug.init_all(roots=roots)
        sug.draw(3)
        min_x = min(v.view.xy[0] for v in component.sV) - node_w / 2
        for v in component.sV:
            x, y = v.view.xy
            boxes[v.data] = Box(x - min_x + offset_x, y, node_w, NODE_H)
        # Long edges pass through grandalf's dummy vertices, one per layer they cross.
        for pair, e in g_edges.items():
            if e in sug.ctrls:
                ctrl = sug.ctrls[e]
                r0, r1 = sug.grx[e.v[0]].rank, sug.grx[e.v[1]].rank
                ranks = range(r0 + 1, r1) if r0 < r1 else range(r0 - 1, r1, -1)
                bends[pair] = [(ctrl[r].view.xy[0] - min_x + offset_x, ctrl[r].view.xy[1]) for r in ranks]
        offset_x = max(b.x + b.w / 2 for b in boxes.values()) + X_SPACE

    dx = MARGIN
    dy = MARGIN - min(b.top for b in boxes.values())
    # Keep the declaration's order of states (stable output).
    boxes = {s: Box(boxes[s].x + dx, boxes[s].y + dy, node_w, NODE_H) for s in states}
    bends = {pair: [(x + dx, y + dy) for x, y in pts] for pair, pts in bends.items()}

    edges = []
    for (src, dest), triggers in pairs.items():
        twin = bends.get((dest, src), []) if (dest, src) in pairs else None
        for trigger in triggers:
            edges.append(_route(boxes[src], boxes[dest], src, dest, trigger, bends.get((src, dest), []), twin))

    # Edge labels may stick out to the sides: make room for them.
    def label_span(e: EdgePath) -> tuple[float, float]:
        w = _text_width(_trigger_text(e.trigger), EDGE_FONT_SIZE) + 8
        x = e.label_at[0]
        return {"start": (x, x + w), "end": (x - w, x)}.get(e.anchor, (x - w / 2, x + w / 2))

    left = min([MARGIN, *(label_span(e)[0] - 4 for e in edges)])
    shift = MARGIN - left if left < MARGIN else 0.0
    if shift:
        boxes = {s: Box(b.x + shift, b.y, b.w, b.h) for s, b in boxes.items()}
        edges = [
            EdgePath(e.source, e.dest, e.trigger, tuple((round(x + shift, 1), y) for x, y in e.points), e.curved,
                     (round(e.label_at[0] + shift, 1), e.label_at[1]), e.anchor)
            for e in edges
        ]
    width = max([*(b.x + b.w / 2 for b in boxes.values()), *(label_span(e)[1] + 4 for e in edges)]) + MARGIN
    height = max(b.y + b.h / 2 for b in boxes.values()) + MARGIN
    return Layout(math.ceil(width), math.ceil(height), boxes, tuple(edges))


def _components(states, vertices, g_edges) -> list[graph_core]:
    """The connected parts of the graph, each built with its vertices and edges in declaration
    order. (grandalf's ``Graph`` collects a component's edges in a ``set``, whose order changes
    from one process to the next; ordered input keeps the layout, and ``docs/``, stable.)
    """
    group = {s: i for i, s in enumerate(states)}
    for src, dest in g_edges:
        a, b = group[src], group[dest]
        if a != b:
            for s, g in group.items():
                if g == b:
                    group[s] = a
    parts: dict[int, list] = {}
    for s in states:
        parts.setdefault(group[s], []).append(s)
    out = []
    for members in parts.values():
        inside = set(members)
        edges = [e for (src, dest), e in g_edges.items() if src in inside and dest in inside]
        out.append(graph_core([vertices[s] for s in members], edges))
    return out


def _clip(box: Box, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre toward a point leaves the box."""
    dx, dy = toward[0] - box.x, toward[1] - box.y
    if dx == 0 and dy == 0:
        return box.x, box.y
    scale = min(
        (box.w / 2) / abs(dx) if dx else math.inf,
        (box.h / 2) / abs(dy) if dy else math.inf,
    )
    return box.x + dx * scale, box.y + dy * scale


def _route(a: Box, b: Box, src, dest, trigger: str, bends: list[tuple[float, float]],
           twin: list[tuple[float, float]] | None) -> EdgePath:
    """The path of one edge: through the layout's bends for a long edge; a curve bowed to its
    own side when a twin edge (``twin``: its bends) runs back between the same two adjacent
    states; else straight.
    """
    if twin is not None and not bends:
        mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
        dx, dy = b.x - a.x, b.y - a.y
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length  # each direction bows to its own side
        bow = 40.0
        control = (mx + nx * bow, my + ny * bow)
        start, end = _clip(a, control), _clip(b, control)
        apex = (0.25 * start[0] + 0.5 * control[0] + 0.25 * end[0],
                0.25 * start[1] + 0.5 * control[1] + 0.25 * end[1])
        points: list[tuple[float, float]] = [start, control, end]
        curved = True
        # Put the label outside the curve so that the twins' labels never overlap.
        if abs(nx) >= abs(ny):
            label, anchor = (apex[0] + (6 if nx > 0 else -6), apex[1]), ("start" if nx > 0 else "end")
        else:
            label, anchor = (apex[0], apex[1] + (14 if ny > 0 else -8)), "middle"
    else:
        inner = list(bends)
        start = _clip(a, inner[0] if inner else (b.x, b.y))
        end = _clip(b, inner[-1] if inner else (a.x, a.y))
        points = [start, *inner, end]
        curved = False
        label, anchor = _halfway(inner or points), "middle"
        if twin and inner:
            # Twins that both bend: set each label on the far side of its own line.
            if inner[0][0] <= twin[0][0]:
                label, anchor = (label[0] - 6, label[1]), "end"
            else:
                label, anchor = (label[0] + 6, label[1]), "start"
    rnd = tuple((round(x, 1), round(y, 1)) for x, y in points)
    return EdgePath(src, dest, trigger, rnd, curved, (round(label[0], 1), round(label[1], 1)), anchor)


def _halfway(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The point halfway along a polyline."""
    lengths = [math.dist(p, q) for p, q in zip(points, points[1:], strict=False)]
    remaining = sum(lengths) / 2
    for (p, q), seg in zip(zip(points, points[1:], strict=False), lengths, strict=True):
        if seg and remaining <= seg:
            t = remaining / seg
            return p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t
        remaining -= seg
    return points[-1]


# -- steps and names ------------------------------------------------------------------------
def next_steps(wf: Workflow, state: enum.Enum | None) -> list[Step]:
    if state is None:
        return []
    return [Step(t.trigger, t.label, wf.label(t.dest), t.who.name) for t in wf.from_state(state)]


def accessible_name(wf: Workflow, state: enum.Enum | None) -> str:
    title = f"{wf.name[:1].upper()}{wf.name[1:]} workflow diagram."
    if state is None:
        first = wf.label(wf.initial)
        return f"{title} Every stage and the steps between them, starting at {first}."
    steps = next_steps(wf, state)
    if steps:
        nxt = "; ".join(f"{s.label.lower()} (to {s.dest_label}, by {s.who})" for s in steps)
        return f"{title} Current stage: {wf.label(state)}. Next possible steps: {nxt}."
    return f"{title} Current stage: {wf.label(state)}. This is a final stage: no further steps."


# -- drawing ------------------------------------------------------------------------------------
def _slug(name: str) -> str:
    """An id-safe form of a workflow's name ("PL request" -> "pl-request")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "workflow"


def _fmt(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _arrow_marker(mid: str, colour: str) -> str:
    return (
        f'<marker id="{mid}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" '
        f'markerWidth="11" markerHeight="11" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
    )


def render_svg(wf: Workflow, current: enum.Enum | None = None, id_prefix: str | None = None) -> Markup:
    """The diagram as an inline SVG, with ``current`` (a state, or None for none) lit."""
    lay = layout_for(wf)
    pid = escape(id_prefix or f"{_slug(wf.name)}-wf")
    title_id, desc_id = f"{pid}-title", f"{pid}-desc"

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'viewBox="0 0 {lay.width} {lay.height}" width="{lay.width}" height="{lay.height}" '
        f'font-family="{escape(FONT_FAMILY)}" class="workflow-svg">',
        f'<title id="{title_id}">{escape(accessible_name(wf, current))}</title>',
        f'<desc id="{desc_id}">{escape(_description(wf))}</desc>',
        "<defs>",
        _arrow_marker(f"{pid}-arrow", EDGE),
        _arrow_marker(f"{pid}-arrow-next", NEXT_EDGE),
        "</defs>",
        f'<rect x="0" y="0" width="{lay.width}" height="{lay.height}" fill="#ffffff"/>',
        '<g class="edges" fill="none">',
    ]
    for e in lay.edges:
        is_next = current is not None and e.source == current
        colour = NEXT_EDGE if is_next else EDGE
        marker = f"{pid}-arrow-next" if is_next else f"{pid}-arrow"
        pts = e.points
        if e.curved:
            d = f"M{_fmt(pts[0][0])},{_fmt(pts[0][1])} Q{_fmt(pts[1][0])},{_fmt(pts[1][1])} " \
                f"{_fmt(pts[2][0])},{_fmt(pts[2][1])}"
        else:
            d = "M" + " L".join(f"{_fmt(x)},{_fmt(y)}" for x, y in pts)
        out.append(
            f'<path d="{d}" stroke="{colour}" stroke-width="{"2.5" if is_next else "1.5"}" '
            f'marker-end="url(#{marker})" data-trigger="{escape(e.trigger)}"/>'
        )
    out.append("</g>")
    out.append(f'<g class="edge-labels" font-size="{EDGE_FONT_SIZE}">')
    for e in lay.edges:
        is_next = current is not None and e.source == current
        text = _trigger_text(e.trigger)
        w = _text_width(text, EDGE_FONT_SIZE) + 6
        x, y = e.label_at
        left = {"start": x - 3, "end": x - w + 3}.get(e.anchor, x - w / 2)
        weight = ' font-weight="bold"' if is_next else ""
        out.append(
            f'<rect x="{_fmt(left)}" y="{_fmt(y - EDGE_FONT_SIZE / 2 - 2)}" width="{_fmt(w)}" '
            f'height="{EDGE_FONT_SIZE + 4}" fill="#ffffff" fill-opacity="0.92"/>'
            f'<text x="{_fmt(x)}" y="{_fmt(y + EDGE_FONT_SIZE / 3)}" text-anchor="{e.anchor}" '
            f'fill="{NEXT_EDGE if is_next else EDGE_TEXT}"{weight}>{escape(text)}</text>'
        )
    out.append("</g>")
    out.append(f'<g class="states" font-size="{FONT_SIZE}" text-anchor="middle">')
    for state, box in lay.nodes.items():
        lit = state == current
        label = escape(wf.label(state))
        attrs = f'data-state="{escape(state.value)}"' + (' data-current="true"' if lit else "")
        out.append(f"<g {attrs}>")
        out.append(
            f'<rect x="{_fmt(box.left)}" y="{_fmt(box.top)}" width="{_fmt(box.w)}" height="{_fmt(box.h)}" '
            f'rx="8" fill="{LIT_FILL if lit else NODE_FILL}" stroke="{LIT_STROKE if lit else NODE_STROKE}" '
            f'stroke-width="{"3" if lit else "1.5"}"/>'
        )
        if lit:
            out.append(
                f'<text x="{_fmt(box.x)}" y="{_fmt(box.y - 3)}" fill="{LIT_TEXT}" font-weight="bold">{label}</text>'
                f'<text x="{_fmt(box.x)}" y="{_fmt(box.y + 15)}" fill="{LIT_TEXT}" '
                f'font-size="{FONT_SIZE - 2}">{escape(CURRENT_MARKER)}</text>'
            )
        else:
            out.append(f'<text x="{_fmt(box.x)}" y="{_fmt(box.y + 5)}" fill="{INK}">{label}</text>')
        out.append("</g>")
    out.append("</g></svg>")
    return Markup("\n".join(out))


def _description(wf: Workflow) -> str:
    parts = [
        f"{_trigger_text(t.trigger)}: from {' or '.join(wf.label(s) for s in t.sources)} to {wf.label(t.dest)}"
        for t in wf.transitions
    ]
    return "Steps: " + "; ".join(parts) + "."


# -- for templates ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Diagram:
    """What ``templates/proposals/_diagram.html`` shows: the SVG and the same facts as text."""

    svg: Markup
    current_label: str
    steps: list[Step]

    def __html__(self) -> str:
        return str(self.svg)


def diagram_for(case: Any, id_prefix: str | None = None) -> Diagram:
    """The Jinja global ``workflow_diagram(case)``: the case's workflow with its current stage lit."""
    from app.cases.advance import workflow_for

    wf = workflow_for(case)
    state = wf.state_of(case)
    return Diagram(render_svg(wf, state, id_prefix), wf.label(state), next_steps(wf, state))
