"""Cross-check with Simlin's Loops That Matter (PyPI ``pysimlin``).

:func:`scenario_xmile` writes the model as XMILE with a scenario's constants and
its time-dependent inputs (events as one-step pulses, step changes of leadership
and levers) written into the equations, so Simlin runs exactly the scenario the
fast engine runs. :func:`simlin_scores` runs Simlin with LTM and returns its loops,
link scores and relative loop scores keyed by our loop ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..artefacts.settings import FileSettings
from ..artefacts.xmile import model_text
from ..structure import StockFlowModel
from .graph import LoopGraph


def scenario_xmile(model: StockFlowModel, scenario) -> str:
    """XMILE text of ``model`` running ``scenario`` (constants and inputs set)."""
    from ..scenario import load_scenario

    return model_text(model, FileSettings.from_scenario(load_scenario(scenario)))


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
