"""Cross-check with Simlin's Loops That Matter (PyPI ``pysimlin``).

:func:`scenario_xmile` writes the model as XMILE with a scenario's constants and
its time-dependent inputs (events as one-step pulses, step changes of leadership
and levers) written into the equations, so Simlin runs exactly the scenario the
fast engine runs. :func:`simlin_scores` runs Simlin with LTM and returns its loops,
link scores and relative loop scores keyed by our loop ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from ..artefacts.printing import format_number
from ..structure import StockFlowModel
from ..artefacts.xmile import model_text
from .graph import LoopGraph


def _series_equation(values: np.ndarray, grid: np.ndarray, dt: float) -> str:
    """An XMILE expression equal to ``values`` on the grid (piecewise constant)."""
    v = np.asarray(values, float)
    base = v[0]
    terms = [format_number(base)]
    for k in np.flatnonzero(np.diff(v) != 0) + 1:
        step = v[k] - v[k - 1]
        terms.append(f"IF TIME > {format_number(grid[k] - dt / 2)} THEN "
                     f"{format_number(step)} ELSE 0")
    return " + ".join(f"({t})" for t in terms)


def _set_eqn(text: str, name: str, eqn: str) -> str:
    pat = re.compile(rf'(<aux name="{re.escape(name)}">.*?<eqn>)(.*?)(</eqn>)', re.S)
    new, n = pat.subn(lambda m: m.group(1) + escape(eqn) + m.group(3), text, count=1)
    if n != 1:
        raise KeyError(f"no auxiliary {name!r} in the XMILE text")
    return new


def scenario_xmile(model: StockFlowModel, scenario) -> str:
    """XMILE text of ``model`` running ``scenario`` (constants and inputs set)."""
    from ..scenario import load_scenario

    sc = load_scenario(scenario)
    text = model_text(model, final_time=sc.final_time, time_step=sc.time_step)
    series = sc.input_series()
    grid = sc.grid()
    for name, value in sc.constants().items():
        if name not in series:
            text = _set_eqn(text, name, format_number(value))
    for name, values in series.items():
        text = _set_eqn(text, name, _series_equation(values, grid, sc.time_step))
    return text


@dataclass
class SimlinScores:
    """Simlin's LTM output, keyed by our loop ids.

    Attributes
    ----------
    loop_ids : dict
        Simlin loop id -> our loop id (``None`` for a loop we do not have).
    relative, loop : dict
        Our loop id -> Simlin's relative loop score / loop score series.
    links : dict
        ``(source, target)`` -> Simlin's link score series.
    series : dict
        Variable -> Simlin's trajectory.
    """

    loop_ids: dict[str, str | None]
    relative: dict[str, np.ndarray]
    loop: dict[str, np.ndarray]
    links: dict[tuple[str, str], np.ndarray]
    series: dict[str, np.ndarray]


def simlin_scores(path: str | Path, graph: LoopGraph) -> SimlinScores:
    """Run Simlin with Loops That Matter on an XMILE file."""
    import simlin

    model = simlin.load(str(path))
    ids, rel, raw, links, series = {}, {}, {}, {}, {}
    with model.simulate(enable_ltm=True) as sim:
        sim.run_to_end()
        for lp in sim.get_loops_runtime():
            ours = graph.find(lp.variables)
            ids[lp.id] = ours.id if ours else None
            if ours:
                rel[ours.id] = np.asarray(sim.get_relative_loop_score(lp.id), float)
                raw[ours.id] = np.asarray(sim.get_loop_score(lp.id), float)
        for lk in sim.get_links():
            if lk.score is not None:
                links[(lk.from_var, lk.to_var)] = np.asarray(lk.score, float)
        names = set(sim.get_var_names())
        for v in graph.graph.nodes:
            if v in names:
                series[v] = np.asarray(sim.get_series(v), float)
    return SimlinScores(ids, rel, raw, links, series)
