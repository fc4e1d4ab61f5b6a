"""Generate the Vensim ``.mdl`` file (equations and sketch) from the sympy model."""

from __future__ import annotations

from ..registry import Parameter
from ..structure import StockFlowModel
from .printing import VensimPrinter, format_number, vensim
from .settings import FileSettings
from .sketch import View, layout

_GROUP_TITLES = {
    "stocks": "Levels of the collaboration (stocks)",
    "flows": "Rates of change (flows)",
    "auxiliaries": "Auxiliaries",
    "inputs": "Events: time-dependent inputs (event size per month; 0 unless set to a "
              "time series)",
    "context": "Context of the collaboration",
    "lever": "Policy levers",
    "mechanism": "Behavioural constants of the mechanisms",
    "initial": "Initial levels",
}

_NAME = VensimPrinter().name_of


def _comment(text: str, claims: tuple[str, ...]) -> str:
    text = text.replace("|", "/").replace("~", "-")
    if claims:
        text += f" Claims: {', '.join(claims)}."
    return text


def _wrap(text: str, width: int = 76) -> str:
    """Wrap a comment the way Vensim does (backslash-newline continuation)."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    return " \\\n\t\t".join(lines)


def _entry(lhs: str, rhs: str, units: str, comment: str) -> str:
    return f"{lhs}=\n\t{rhs}\n\t~\t{units}\n\t~\t{_wrap(comment)}\n\t|\n"


def _group(title: str, text: str) -> str:
    bar = "*" * 56
    return f"{bar}\n\t.{title.split(':')[0].replace(' ', '_')}\n{bar}~\n\t\t{text}\n\t|\n"


def _param_units(p: Parameter) -> str:
    return f"{p.units} [{format_number(p.lower)},{format_number(p.upper)}]"


def model_text(model: StockFlowModel, settings: FileSettings | None = None) -> str:
    """The complete ``.mdl`` text of ``model``.

    Parameters
    ----------
    model : StockFlowModel
    settings : FileSettings, optional
        Clock, constants and time-dependent inputs; default: 60 months in steps of
        0.125 saved monthly, registry defaults, inputs 0.

    Returns
    -------
    str
    """
    settings = settings or FileSettings()
    out = ["{UTF-8}\n"]
    out.append(_group("Stocks", _GROUP_TITLES["stocks"]))
    for s in model.stocks:
        terms = ""
        for f in model.stock_flows(s.name):
            sign = "+" if f.direction == "in" else "-"
            terms += (sign if terms or sign == "-" else "") + _NAME(f.name)
        rhs = f"INTEG (\n\t{terms},\n\t\t{vensim(s.initial)})"
        bounds = ""
        if s.lower is not None or s.upper is not None:
            lo = "?" if s.lower is None else format_number(s.lower)
            hi = "?" if s.upper is None else format_number(s.upper)
            bounds = f" [{lo},{hi}]"
        out.append(f"{_NAME(s.name)}= {rhs}\n\t~\t{s.units}{bounds}\n\t~\t"
                   f"{_wrap(_comment(s.description, s.claims))}\n\t|\n")
    out.append(_group("Flows", _GROUP_TITLES["flows"]))
    for f in model.flows:
        out.append(_entry(_NAME(f.name), vensim(f.expr), f.units,
                          _comment(f.description, f.claims)))
    out.append(_group("Auxiliaries", _GROUP_TITLES["auxiliaries"]))
    for a in model.auxiliaries:
        out.append(_entry(_NAME(a.name), vensim(a.expr), a.units,
                          _comment(a.description, a.claims)))
    out.append(_group("Events", _GROUP_TITLES["inputs"]))
    for i in model.inputs:
        out.append(_entry(_NAME(i.name), vensim(settings.expression(i.name)), i.units,
                          _comment(i.description, i.claims)))
    for group in ("context", "lever", "mechanism", "initial"):
        out.append(_group(group.capitalize(), _GROUP_TITLES[group]))
        for p in model.parameters:
            if p.group == group:
                rhs = vensim(settings.expression(p.name, p.default))
                out.append(_entry(p.vensim_name, rhs, _param_units(p),
                                  _comment(p.description, p.claims)))
    out.append(_group("Control", "Simulation control parameters"))
    out.append(_entry("FINAL TIME ", format_number(settings.final_time), "Month",
                      "The final time for the simulation."))
    out.append(_entry("INITIAL TIME ", "0", "Month", "The initial time for the simulation."))
    out.append(_entry("SAVEPER ", format_number(settings.save_interval), "Month [0,?]",
                      "The frequency with which output is stored."))
    out.append(_entry("TIME STEP ", format_number(settings.time_step), "Month [0,?]",
                      "The time step for the simulation (Euler)."))
    out.append(sketch_text(model, settings.final_time))
    return "\n".join(out)


_SKETCH_HEADER = ["\\\\\\---/// Sketch information - do not modify anything except names",
                  "V300  Do not put anything below this section - it will be ignored"]
_SKETCH_SETTINGS = [":L<%^E!@", "9:Current", "15:0,0,0,0,0,0", "19:100,0", "27:0,", "34:0,",
                    "4:Time", "35:Date", "36:YYYY-MM-DD", "37:2000", "38:1", "39:1", "40:2",
                    "41:0", "42:1", "24:0"]


def sketch_text(model: StockFlowModel, final_time: float = 60.0) -> str:
    """Vensim sketch section: one view per part of the model, each opened by the
    sketch header pair (as Vensim writes it)."""
    lines = []
    for view in layout(model):
        lines += _SKETCH_HEADER + _view_lines(view)
    lines.append("///---\\\\\\")
    lines += _SKETCH_SETTINGS
    lines += [f"25:{format_number(final_time)}", f"26:{format_number(final_time)}"]
    return "\n".join(lines) + "\n"


def _label(name: str) -> tuple[str, int]:
    label = _NAME(name)
    return label, max(20, 3 * len(label))


def _arrow(i: int, src: int, dst: int, flags: str, mid: tuple[int, int]) -> str:
    return f"1,{i},{src},{dst},{flags},-1--1--1,,1|({mid[0]},{mid[1]})|"


def _view_lines(view: View) -> list[str]:
    """The sketch lines of one view; element ids start at 1 on every view."""
    lines = [f"*{view.title}",
             "$192-192-192,0,Arial|12||0-0-0|0-0-0|0-0-255|-1--1--1|-1--1--1|96,96,100,0"]
    ids: dict[str, int] = {}
    pos: dict[str, tuple[int, int]] = {}

    def new_id() -> int:
        return len(lines) - 1

    pipes = {p.flow: p for p in view.pipes}
    for e in view.elements:
        label, w = _label(e.name)
        pos[e.name] = (e.x, e.y)
        if e.kind == "stock":
            ids[e.name] = new_id()
            lines.append(f"10,{ids[e.name]},{label},{e.x},{e.y},{e.half_w},{e.half_h},3,3,0,0,0,"
                         "0,0,0")
        elif e.kind == "flow":
            pipe = pipes[e.name]
            cx, cy = pipe.cloud
            cloud = new_id()
            lines.append(f"12,{cloud},48,{cx},{cy},10,8,0,3,0,-1,0,0,0")
            valve = new_id()
            lines.append(f"11,{valve},0,{e.x},{e.y},6,8,34,3,0,0,1,0,0,0")
            ids[e.name] = new_id()
            lx, ly = (e.x + w + 10, e.y) if e.label_side == "right" else (e.x, e.y + 14)
            lines.append(f"10,{ids[e.name]},{label},{lx},{ly},{w},8,40,3,0,0,-1,0,0,0")
            stock = pipe.sink if pipe.sink is not None else pipe.source
            edge = pipe.points[1] if pipe.sink is not None else pipe.points[0]
            to_stock = (ids[stock], 4 if pipe.sink is not None else 100)
            to_cloud = (cloud, 100 if pipe.sink is not None else 4)
            for target, head, end in ((to_stock[0], to_stock[1], edge),
                                      (to_cloud[0], to_cloud[1], pipe.cloud)):
                lines.append(_arrow(new_id(), valve, target, f"{head},0,0,22,0,0,0",
                                    ((e.x + end[0]) // 2, (e.y + end[1]) // 2)))
        elif e.kind == "shadow":
            ids[e.name] = new_id()
            lines.append(f"10,{ids[e.name]},{label},{e.x},{e.y},{w},8,8,2,0,3,-1,0,0,0,"
                         "128-128-128,0-0-0,|12||128-128-128")
        else:
            ids[e.name] = new_id()
            lines.append(f"10,{ids[e.name]},{label},{e.x},{e.y},{w},8,8,3,0,0,0,0,0,0")
    for src, dst in view.links:
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        lines.append(_arrow(new_id(), ids[src], ids[dst], "0,0,0,0,0,64,0",
                            ((x1 + x2) // 2, (y1 + y2) // 2)))
    return lines
