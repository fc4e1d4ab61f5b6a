"""Lay out the Vensim sketch (the stock-and-flow diagram) of the model.

Three views:

1. *Collaboration dynamics*: the stocks in the arrangement of the programme
   theory (vision and assimilation feeding trust, trust feeding risk tolerance and
   behaviour, behaviour accruing capability and performance; faith and perception
   of progress below), their flows with valves and clouds, the auxiliaries that
   depend on the state, the event inputs, and influence arrows between them.
2. *Context and levers*: the exogenous settings and the composites derived from
   them, with influence arrows.
3. *Mechanism constants*: the behavioural constants and initial levels.

Variables defined on one view and used on another appear there as shadow
(grey) variables, as Vensim does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .printing import VensimPrinter
from .structure import StockFlowModel

_NAME = VensimPrinter().name_of

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
SLOT_W, SLOT_H = 190, 45  # grid on which auxiliaries are placed without overlap


@dataclass
class Sketch:
    """One Vensim view: its title and its sketch lines."""

    title: str
    elements: list[str] = field(default_factory=list)


class _View:
    def __init__(self, title: str, counter: list[int]):
        self.sketch = Sketch(title)
        self.ids: dict[str, int] = {}      # variable name -> element id (incl. valves)
        self.pos: dict[str, tuple[int, int]] = {}
        self.counter = counter
        self.taken: set[tuple[int, int]] = set()

    def next_id(self) -> int:
        self.counter[0] += 1
        return self.counter[0]

    def add(self, line_fmt: str) -> int:
        i = self.next_id()
        self.sketch.elements.append(line_fmt.format(id=i))
        return i

    def variable(self, name: str, x: int, y: int, shadow: bool = False) -> int:
        label = _NAME(name)
        w = max(20, 3 * len(label))
        if shadow:
            i = self.add(f"10,{{id}},{label},{x},{y},{w},8,8,2,0,3,-1,0,0,0,"
                         "128-128-128,0-0-0,|12||128-128-128")
        else:
            i = self.add(f"10,{{id}},{label},{x},{y},{w},8,8,3,0,0,0,0,0,0")
        self.ids[name], self.pos[name] = i, (x, y)
        return i

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

    def arrow(self, src: str, dst: str) -> None:
        if src not in self.ids or dst not in self.ids or src == dst:
            return
        (x1, y1), (x2, y2) = self.pos[src], self.pos[dst]
        self.add(f"1,{{id}},{self.ids[src]},{self.ids[dst]},0,0,0,0,0,64,0,-1--1--1,,1|"
                 f"({(x1 + x2) // 2},{(y1 + y2) // 2})|")


def _dependencies(model: StockFlowModel) -> dict[str, set[str]]:
    out = {}
    for a in model.auxiliaries:
        out[a.name] = {str(s) for s in a.expr.free_symbols} - {"time"}
    for f in model.flows:
        out[f.name] = {str(s) for s in f.expr.free_symbols} - {"time"}
    return out


def layout(model: StockFlowModel) -> list[Sketch]:
    """Lay out the three views of the model's sketch."""
    deps = _dependencies(model)
    stocks = {s.name for s in model.stocks}
    # an auxiliary is dynamic if it depends (directly or not) on a stock or input
    dynamic: set[str] = set(stocks) | {i.name for i in model.inputs}
    dynamic |= {a.name for a in model.auxiliaries
                if any(str(x) == "time" for x in a.expr.free_symbols)}
    changed = True
    while changed:
        changed = False
        for name, d in deps.items():
            if name not in dynamic and d & dynamic:
                dynamic.add(name)
                changed = True
    counter = [0]
    core = _View("1 Collaboration dynamics", counter)
    for name in (s.name for s in model.stocks):
        sx, sy = STOCK_POSITIONS[name]
        core.taken.update({(round(sx / SLOT_W) + dx, round(sy / SLOT_H))
                           for dx in (-1, 0, 1)})

    # stocks
    for s in model.stocks:
        x, y = STOCK_POSITIONS[s.name]
        i = core.add(f"10,{{id}},{_NAME(s.name)},{x},{y},40,20,3,3,0,0,0,0,0,0")
        core.ids[s.name], core.pos[s.name] = i, (x, y)
    # flows: inflows to the left of their stock, outflows to the right
    for s in model.stocks:
        x, y = STOCK_POSITIONS[s.name]
        flows = model.stock_flows(s.name)
        ins = [f for f in flows if f.direction == "in"]
        outs = [f for f in flows if f.direction == "out"]
        for side, group in ((-1, ins), (1, outs)):
            for k, f in enumerate(group):
                fy = y + (k - (len(group) - 1) / 2) * 48
                fy = int(round(fy))
                vx = x + side * 130
                cx = x + side * 225
                cloud = core.add(f"12,{{id}},48,{cx},{fy},10,8,0,3,0,-1,0,0,0")
                valve = core.add(f"11,{{id}},0,{vx},{fy},6,8,34,3,0,0,1,0,0,0")
                label = _NAME(f.name)
                core.add(f"10,{{id}},{label},{vx},{fy + 14},{max(20, 3 * len(label))},8,40,3,"
                         "0,0,-1,0,0,0")
                sx = x + side * 40
                if side < 0:  # cloud -> valve -> stock
                    core.add(f"1,{{id}},{valve},{core.ids[s.name]},4,0,0,22,0,0,0,-1--1--1,,1|"
                             f"({(vx + sx) // 2},{fy})|")
                    core.add(f"1,{{id}},{valve},{cloud},100,0,0,22,0,0,0,-1--1--1,,1|"
                             f"({(vx + cx) // 2},{fy})|")
                else:  # stock -> valve -> cloud
                    core.add(f"1,{{id}},{valve},{cloud},4,0,0,22,0,0,0,-1--1--1,,1|"
                             f"({(vx + cx) // 2},{fy})|")
                    core.add(f"1,{{id}},{valve},{core.ids[s.name]},100,0,0,22,0,0,0,"
                             f"-1--1--1,,1|({(vx + sx) // 2},{fy})|")
                core.ids[f.name], core.pos[f.name] = valve, (vx, fy)
                core.taken.update({(round(vx / SLOT_W), round(fy / SLOT_H)),
                                   (round(vx / SLOT_W), round((fy + 14) / SLOT_H)),
                                   (round(cx / SLOT_W), round(fy / SLOT_H))})
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
        core.variable(a.name, *core.free_slot(x, y))
    # event inputs along the bottom
    for k, i in enumerate(model.inputs):
        x, y = 250 + 500 * k, 1600
        core.taken.add((round(x / SLOT_W), round(y / SLOT_H)))
        core.variable(i.name, x, y)
    # static quantities used on this view: shadows
    used = set().union(*(deps[n] for n in deps if n in core.ids))
    static_aux = [a.name for a in model.auxiliaries if a.name not in dynamic]
    for name in static_aux:
        if name in used:
            near = [core.pos[n] for n in core.ids if n in deps and name in deps[n]]
            x = sum(p[0] for p in near) // len(near)
            y = sum(p[1] for p in near) // len(near) + 60
            core.variable(name, *core.free_slot(x, y), shadow=True)
    for dst, d in deps.items():
        for src in sorted(d):
            core.arrow(src, dst)

    # view 2: context, levers and their composites
    ctx = _View("2 Context and levers", counter)
    for col, group in ((150, "context"), (1450, "lever")):
        members = [p for p in model.parameters if p.group == group]
        for k, p in enumerate(members):
            ctx.variable(p.name, col, 60 + 45 * k)
            ctx.taken.add((round(col / SLOT_W), round((60 + 45 * k) / SLOT_H)))
    for a in model.auxiliaries:
        if a.name in static_aux:
            near = [ctx.pos[d] for d in deps[a.name] if d in ctx.pos]
            y = sum(p[1] for p in near) // max(1, len(near))
            ctx.variable(a.name, *ctx.free_slot(800, y))
    for dst in static_aux:
        for src in sorted(deps[dst]):
            ctx.arrow(src, dst)

    # view 3: mechanism constants and initial levels
    mech = _View("3 Mechanism constants and initial levels", counter)
    members = [p for p in model.parameters if p.group in ("mechanism", "initial")]
    per_col = 30
    for k, p in enumerate(members):
        mech.variable(p.name, 200 + 450 * (k // per_col), 60 + 40 * (k % per_col))
    return [core.sketch, ctx.sketch, mech.sketch]
