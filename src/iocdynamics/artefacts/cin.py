"""A scenario as a Vensim changes file (``.cin``).

Loaded in Vensim (Simulate > Changes, or ``SIMULATE>READCIN``) over ``ioc.mdl``, a
``.cin`` sets every constant of the scenario -- context, levers, mechanism
constants, initial levels -- and the clock. A changes file sets constants only:
a scenario's events and lever changes are time-dependent inputs, listed in the
file's comment; ``iocdyn export -s SCENARIO -o DIR`` writes model files that
carry them.
"""

from __future__ import annotations

from ..model import build_model
from ..scenario import Scenario
from .printing import VensimPrinter, format_number

_NAME = VensimPrinter().name_of


def cin_text(sc: Scenario) -> str:
    """The ``.cin`` text of a scenario (Vensim names, one ``name = value`` a line).

    Parameters
    ----------
    sc : Scenario

    Returns
    -------
    str
    """
    m = build_model()
    lines = [f"{{ Scenario '{sc.name}' for ioc.mdl, written by iocdyn export-cin from "
             f"{sc.source} }}"]
    timed = [f"event {e.kind} of size {format_number(e.size)} at month "
             f"{format_number(e.at)}" for e in sc.events]
    timed += [f"{c.lever} = {c.value} from month {format_number(c.at)}"
              for c in sc.lever_changes]
    if timed:
        lines.append("{ Not in this file (time-dependent inputs; a changes file sets "
                     "constants only): " + "; ".join(timed) + ". Write model files that "
                     "carry them with: iocdyn export -s SCENARIO -o FOLDER }")
    lines += [f"FINAL TIME = {format_number(sc.final_time)}",
              f"TIME STEP = {format_number(sc.time_step)}",
              f"SAVEPER = {format_number(sc.save_interval)}"]
    for p in m.parameters:
        lines.append(f"{_NAME(p.name)} = {format_number(sc.values[p.name])}")
    return "\n".join(lines) + "\n"


def read_cin(text: str) -> dict[str, float]:
    """``name = value`` pairs of a changes file (snake-case names), comments skipped."""
    out: dict[str, float] = {}
    depth = 0
    for raw in text.splitlines():
        line = ""
        for ch in raw:
            depth += ch == "{"
            if depth == 0:
                line += ch
            depth -= ch == "}" and depth > 0
        if "=" in line:
            name, _, value = line.partition("=")
            out[name.strip().replace(" ", "_").lower()] = float(value)
    return out
