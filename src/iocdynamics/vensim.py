"""Generate the Vensim ``.mdl`` file (equations and sketch) from the sympy model."""

from __future__ import annotations

from .printing import VensimPrinter, format_number, vensim
from .registry import Parameter
from .sketch import Sketch, layout
from .structure import StockFlowModel

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


def model_text(model: StockFlowModel, final_time: float = 60.0, time_step: float = 0.125,
               saveper: float = 1.0) -> str:
    """The complete ``.mdl`` text of ``model``.

    Parameters
    ----------
    model : StockFlowModel
    final_time, time_step, saveper : float
        Control values in months written into the file.

    Returns
    -------
    str
    """
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
        out.append(_entry(_NAME(i.name), "0", i.units, _comment(i.description, i.claims)))
    for group in ("context", "lever", "mechanism", "initial"):
        out.append(_group(group.capitalize(), _GROUP_TITLES[group]))
        for p in model.parameters:
            if p.group == group:
                out.append(_entry(p.vensim_name, format_number(p.default), _param_units(p),
                                  _comment(p.description, p.claims)))
    out.append(_group("Control", "Simulation control parameters"))
    out.append(_entry("FINAL TIME ", format_number(final_time), "Month",
                      "The final time for the simulation."))
    out.append(_entry("INITIAL TIME ", "0", "Month", "The initial time for the simulation."))
    out.append(_entry("SAVEPER ", format_number(saveper), "Month [0,?]",
                      "The frequency with which output is stored."))
    out.append(_entry("TIME STEP ", format_number(time_step), "Month [0,?]",
                      "The time step for the simulation (Euler)."))
    out.append(sketch_text(model))
    return "\n".join(out)


def sketch_text(model: StockFlowModel) -> str:
    """Vensim sketch section: one view per part of the model."""
    views = layout(model)
    lines = ["\\\\\\---/// Sketch information - do not modify anything except names",
             "V300  Do not put anything below this section - it will be ignored"]
    for view in views:
        lines.extend(_view_lines(view))
    lines.append("///---\\\\\\")
    lines.append(":L<%^E!@")
    lines.append("9:Current")
    lines.append("15:0,0,0,0,0,0")
    lines.append("19:100,0")
    lines.append("27:0,")
    lines.append("34:0,")
    lines.append("4:Time")
    lines.append("5:trust")
    lines.append("35:Date")
    lines.append("36:YYYY-MM-DD")
    lines.append("37:2000")
    lines.append("38:1")
    lines.append("39:1")
    lines.append("40:2")
    lines.append("41:0")
    lines.append("42:1")
    lines.append("24:0")
    lines.append("25:60")
    lines.append("26:60")
    return "\n".join(lines) + "\n"


def _view_lines(view: Sketch) -> list[str]:
    lines = [f"*{view.title}",
             "$192-192-192,0,Arial|12||0-0-0|0-0-0|0-0-255|-1--1--1|-1--1--1|96,96,100,0"]
    for el in view.elements:
        lines.append(el)
    return lines
