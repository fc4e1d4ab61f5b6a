"""Lay out the stock-and-flow diagram of the model, once for both file formats.

Three views (Vensim views, XMILE sectors):

1. *Collaboration dynamics*: the stocks in the arrangement of the programme
   theory (vision and assimilation feeding trust, trust feeding risk tolerance and
   behaviour, behaviour accruing capability and performance; faith and perception
   of progress below), their flows with valves and clouds, the auxiliaries that
   depend on the state, the event inputs, and influence arrows between them.
2. *Context and levers*: the exogenous settings and the composites derived from
   them, with influence arrows.
3. *Mechanism constants*: the behavioural constants and initial levels.

Variables defined on one view and used on another appear there as shadows
(Vensim's grey shadow variables, XMILE aliases). The layout is pure data
(:class:`View`); :mod:`.vensim` and :mod:`.xmile` only translate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..structure import StockFlowModel

STOCK_POSITIONS = {
    "vision_sharedness": (250, 150),
    "cultural_assimilation": (950, 150),
    "confidence": (1650, 150),
    "trust": (950, 550),
    "risk_tolerance": (1650, 550),
    "collaborative_behaviour": (2350, 550),
    "capability": (3050, 550),
    "conflict": (950, 950),
    "time_below_critical": (2350, 950),
    "performance": (3050, 950),
    "vision_clarity": (250, 1350),
    "faith": (950, 1350),
    "perceived_progress": (1650, 1350),
    "ambition_level": (2350, 1350),
}
"""Centres of the stocks in the programme theory's arrangement; a stock not listed
here is placed on a further row below."""
SLOT_W, SLOT_H = 190, 45  # grid on which auxiliaries are placed without overlap
STOCK_HALF_W, STOCK_HALF_H = 40, 20
PIPE_SPACING = 12         # distance between parallel pipes on one side of a stock
VALVE_D = {"left": 175, "right": 175, "top": 95, "bottom": 95}   # from the stock's centre
CLOUD_D = {"left": 290, "right": 290, "top": 170, "bottom": 170}
_DIRECTION = {"left": (-1, 0), "right": (1, 0), "top": (0, -1), "bottom": (0, 1)}
_IN_SIDES = ("left", "top", "bottom", "right")
_OUT_SIDES = ("right", "bottom", "top", "left")

Kind = Literal["stock", "flow", "aux", "shadow"]


@dataclass(frozen=True)
class Element:
    """A variable drawn on a view: stock, flow (its valve), auxiliary or shadow.

    ``x``, ``y`` are the centre; ``half_w``, ``half_h`` half the box of a stock;
    ``label_side`` where a flow's name is written beside its valve.
    """

    name: str
    kind: Kind
    x: int
    y: int
    half_w: int = 0
    half_h: int = 0
    label_side: Literal["bottom", "right"] = "bottom"


@dataclass(frozen=True)
class Pipe:
    """The pipe of a flow, drawn from ``source`` to ``sink`` through its valve.

    ``source`` and ``sink`` are a stock name or ``None`` for a cloud at
    ``cloud``; ``points`` are the two ends of the pipe, at the cloud's centre and
    at the edge of the stock.
    """

    flow: str
    source: str | None
    sink: str | None
    cloud: tuple[int, int]
    points: tuple[tuple[int, int], tuple[int, int]]


@dataclass
class View:
    """One view (sector) of the diagram: its elements, pipes and influence links."""

    title: str
    elements: list[Element] = field(default_factory=list)
    pipes: list[Pipe] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)

    def element(self, name: str) -> Element:
        return next(e for e in self.elements if e.name == name)

    def bounds(self) -> tuple[int, int, int, int]:
        """``(x_min, y_min, x_max, y_max)`` of everything drawn, labels allowed for."""
        xs = [e.x for e in self.elements] + [p.cloud[0] for p in self.pipes]
        ys = [e.y for e in self.elements] + [p.cloud[1] for p in self.pipes]
        if not xs:
            return 0, 0, 0, 0
        return min(xs) - 100, min(ys) - 60, max(xs) + 100, max(ys) + 60


class _Placer:
    """Places variables on one view without putting two on one grid slot."""

    def __init__(self, title: str):
        self.view = View(title)
        self.pos: dict[str, tuple[int, int]] = {}
        self.taken: set[tuple[int, int]] = set()
        self.shadows: set[str] = set()

    def add(self, name: str, kind: Kind, x: int, y: int, **extra) -> None:
        self.view.elements.append(Element(name, kind, x, y, **extra))
        self.pos[name] = (x, y)
        if kind == "shadow":
            self.shadows.add(name)

    def take(self, x: float, y: float) -> None:
        self.taken.add((round(x / SLOT_W), round(y / SLOT_H)))

    def free_slot(self, x: int, y: int) -> tuple[int, int]:
        """Nearest unoccupied slot of the placement grid around (x, y)."""
        gx, gy = round(x / SLOT_W), round(y / SLOT_H)
        for r in range(0, 60):
            for dx in range(-r, r + 1):
                for dy in (-r, r) if abs(dx) != r else range(-r, r + 1):
                    cand = (gx + dx, gy + dy)
                    if cand not in self.taken and cand[0] >= 1 and cand[1] >= 1:
                        self.taken.add(cand)
                        return cand[0] * SLOT_W, cand[1] * SLOT_H
        raise RuntimeError("no free slot")  # pragma: no cover

    def link(self, src: str, dst: str) -> None:
        """An influence arrow, into a variable defined on this view (not a shadow)."""
        if src in self.pos and dst in self.pos and src != dst and dst not in self.shadows:
            self.view.links.append((src, dst))


def _valve(side: str, x: int, y: int, offset: int) -> tuple[int, int]:
    dx, dy = _DIRECTION[side]
    return (x + dx * VALVE_D[side] + (offset if dx == 0 else 0),
            y + dy * VALVE_D[side] + (offset if dy == 0 else 0))


def _pipe(flow: str, stock: str, inflow: bool, side: str, x: int, y: int,
          offset: int) -> Pipe:
    """The pipe of ``flow`` on ``side`` of the stock centred at (x, y)."""
    dx, dy = _DIRECTION[side]
    ox, oy = (offset, 0) if dx == 0 else (0, offset)
    cloud = (x + dx * CLOUD_D[side] + ox, y + dy * CLOUD_D[side] + oy)
    edge = (x + dx * STOCK_HALF_W + ox, y + dy * STOCK_HALF_H + oy)
    if inflow:
        return Pipe(flow, None, stock, cloud, (cloud, edge))
    return Pipe(flow, stock, None, cloud, (edge, cloud))


def dependencies(model: StockFlowModel) -> dict[str, set[str]]:
    """Auxiliary or flow name -> names of the variables its equation reads."""
    out = {}
    for a in model.auxiliaries:
        out[a.name] = {str(s) for s in a.expr.free_symbols} - {"time"}
    for f in model.flows:
        out[f.name] = {str(s) for s in f.expr.free_symbols} - {"time"}
    return out


def stock_positions(model: StockFlowModel) -> dict[str, tuple[int, int]]:
    """Centre of every stock: the theory's arrangement, unknown stocks on a row below."""
    known = {s.name: STOCK_POSITIONS[s.name] for s in model.stocks if s.name in STOCK_POSITIONS}
    bottom = max((y for _, y in known.values()), default=-250)
    extra = [s.name for s in model.stocks if s.name not in known]
    for k, name in enumerate(extra):
        known[name] = (250 + 700 * (k % 5), bottom + 400 * (1 + k // 5))
    return known


def _dynamic(model: StockFlowModel, deps: dict[str, set[str]]) -> set[str]:
    """Names that depend (directly or not) on a stock, an input or the clock."""
    dynamic: set[str] = {s.name for s in model.stocks} | {i.name for i in model.inputs}
    dynamic |= {a.name for a in model.auxiliaries
                if any(str(x) == "time" for x in a.expr.free_symbols)}
    changed = True
    while changed:
        changed = False
        for name, d in deps.items():
            if name not in dynamic and d & dynamic:
                dynamic.add(name)
                changed = True
    return dynamic


def layout(model: StockFlowModel) -> list[View]:
    """Lay out the three views of the model's diagram."""
    deps = dependencies(model)
    dynamic = _dynamic(model, deps)
    positions = stock_positions(model)
    core = _Placer("1 Collaboration dynamics")
    for (sx, sy) in positions.values():
        for dx in (-1, 0, 1):
            core.take(sx + dx * SLOT_W, sy)
        core.take(sx, sy - SLOT_H)   # the stock's name above it

    for s in model.stocks:
        x, y = positions[s.name]
        core.add(s.name, "stock", x, y, half_w=STOCK_HALF_W, half_h=STOCK_HALF_H)
    # flows: inflows from the left, then from above and below; outflows to the right,
    # then downwards and upwards; further flows on one side as parallel pipes
    for s in model.stocks:
        x, y = positions[s.name]
        used: dict[str, int] = {}
        for f in model.stock_flows(s.name):
            order = _IN_SIDES if f.direction == "in" else _OUT_SIDES
            side = next((d for d in order if d not in used), order[0])
            k = used[side] = used.get(side, -1) + 1
            offset = PIPE_SPACING * ((k + 1) // 2) * (1 if k % 2 else -1)
            pipe = _pipe(f.name, s.name, f.direction == "in", side, x, y, offset)
            core.view.pipes.append(pipe)
            (ax, ay), (bx, by) = pipe.points
            vx, vy = _valve(side, x, y, offset)
            core.add(f.name, "flow", vx, vy,
                     label_side="right" if side in ("top", "bottom") else "bottom")
            steps = max(abs(bx - ax) // SLOT_W, abs(by - ay) // SLOT_H) + 1
            for j in range(steps + 1):
                core.take(ax + (bx - ax) * j / steps, ay + (by - ay) * j / steps)
            if side in ("top", "bottom"):   # the flow's name, right of its valve
                core.take(vx + 100, vy)
                core.take(vx + 220, vy)
            else:
                core.take(vx, vy + 14)
    # dynamic auxiliaries near the stocks they read
    for a in model.auxiliaries:
        if a.name not in dynamic:
            continue
        near = [core.pos[d] for d in deps[a.name] if d in core.pos]
        if near:
            x = sum(p[0] for p in near) // len(near)
            y = sum(p[1] for p in near) // len(near) - 60
        else:
            x, y = 1000, 1400
        core.add(a.name, "aux", *core.free_slot(x, y))
    # event inputs along the bottom
    bottom = max(y for _, y in positions.values()) + 250
    for k, i in enumerate(model.inputs):
        x = 250 + 500 * k
        core.take(x, bottom)
        core.add(i.name, "aux", x, bottom)
    # static quantities used on this view: shadows
    used = set().union(*(deps[n] for n in deps if n in core.pos))
    static_aux = [a.name for a in model.auxiliaries if a.name not in dynamic]
    for name in static_aux:
        if name in used:
            near = [core.pos[n] for n in core.pos if n in deps and name in deps[n]]
            x = sum(p[0] for p in near) // len(near)
            y = sum(p[1] for p in near) // len(near) + 60
            core.add(name, "shadow", *core.free_slot(x, y))
    for dst, d in deps.items():
        for src in sorted(d):
            core.link(src, dst)

    # view 2: context, levers and their composites
    ctx = _Placer("2 Context and levers")
    for col, group in ((150, "context"), (1450, "lever")):
        members = [p for p in model.parameters if p.group == group]
        for k, p in enumerate(members):
            ctx.add(p.name, "aux", col, 60 + 45 * k)
            ctx.take(col, 60 + 45 * k)
    for name in static_aux:
        near = [ctx.pos[d] for d in deps[name] if d in ctx.pos]
        y = sum(p[1] for p in near) // max(1, len(near))
        ctx.add(name, "aux", *ctx.free_slot(800, y))
    for dst in static_aux:
        for src in sorted(deps[dst]):
            ctx.link(src, dst)

    # view 3: mechanism constants and initial levels
    mech = _Placer("3 Mechanism constants and initial levels")
    members = [p for p in model.parameters if p.group in ("mechanism", "initial")]
    per_col = 30
    for k, p in enumerate(members):
        mech.add(p.name, "aux", 200 + 450 * (k // per_col), 60 + 40 * (k % per_col))
    return [core.view, ctx.view, mech.view]
