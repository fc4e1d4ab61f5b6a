"""Cross-check with Simlin's Loops That Matter (PyPI ``pysimlin``).

:func:`scenario_xmile` writes the model as XMILE with a scenario's constants and
its time-dependent inputs (events as one-step pulses, step changes of leadership
and levers) written into the equations, so Simlin runs exactly the scenario the
fast engine runs.

Simlin enumerates every loop only below a size gate of the feedback structure;
above it (the collaboration model is) it resolves to loop *discovery* and reports
no enumerated loops. Two surfaces remain, and both are read here:

* :func:`simlin_scores` runs the model with LTM: every link score, the
  trajectories, and the loop and relative loop scores of the loops Simlin reports
  at run time -- all of them below the gate, and otherwise the loops *pinned*
  with ``pins`` (Simlin always scores a pinned loop; in discovery mode pins in
  one cycle partition are normalised among themselves only);
* :func:`simlin_discovery` runs Simlin's post-simulation discovery
  (``Model.analyze``): how many loops ever score, the loops it retains, each with
  its relative loop score over every loop that scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..artefacts.settings import FileSettings
from ..artefacts.xmile import model_text
from ..structure import StockFlowModel
from .graph import Loop, LoopGraph


def scenario_xmile(model: StockFlowModel, scenario) -> str:
    """XMILE text of ``model`` running ``scenario`` (constants and inputs set)."""
    from ..scenario import load_scenario

    return model_text(model, FileSettings.from_scenario(load_scenario(scenario)))


@dataclass
class SimlinScores:
    """Simlin's LTM output of one run, keyed by our loop ids.

    Attributes
    ----------
    mode : str
        ``"exhaustive"`` or ``"discovery"``: the loop mode Simlin resolved to.
    loop_ids : dict
        Simlin loop id -> our loop id (``None`` for a loop we do not have), for
        every loop Simlin reports at run time (enumerated or pinned).
    relative, loop : dict
        Our loop id -> Simlin's relative loop score / loop score series.
    links : dict
        ``(source, target)`` -> Simlin's link score series.
    series : dict
        Variable -> Simlin's trajectory.
    """

    mode: str
    loop_ids: dict[str, str | None]
    relative: dict[str, np.ndarray]
    loop: dict[str, np.ndarray]
    links: dict[tuple[str, str], np.ndarray]
    series: dict[str, np.ndarray]


def simlin_scores(path: str | Path, graph: LoopGraph,
                  pins: Sequence[Loop] = ()) -> SimlinScores:
    """Run Simlin with Loops That Matter on an XMILE file.

    Parameters
    ----------
    path : path
        The XMILE file (read, not written).
    graph : LoopGraph
        Our graph of the same model, to key Simlin's loops by our ids.
    pins : sequence of Loop
        Loops to pin (Simlin's ``set_loop_name``, named by our loop id) before
        the run, so that Simlin scores them in discovery mode too.
    """
    import simlin

    model = simlin.load(str(path))
    if pins:
        with model.edit() as (_, patch):
            for lp in pins:
                patch.set_loop_name(lp.id, list(lp.variables))
    ids, rel, raw, links, series = {}, {}, {}, {}, {}
    with model.simulate(enable_ltm=True) as sim:
        mode = str(sim.get_ltm_mode())
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
    return SimlinScores(mode, ids, rel, raw, links, series)


@dataclass
class SimlinDiscovery:
    """Simlin's loop discovery (``Model.analyze``), keyed by our loop ids.

    Attributes
    ----------
    complete : bool
        Simlin enumerated every loop that can score (rather than sampling).
    universe : int or None
        How many distinct loops ever score together (the population the
        relative scores are shares of); ``None`` for a sampled discovery.
    loop_ids : dict
        Simlin loop id -> our loop id (``None`` for a loop we do not have), for
        the loops discovery retained (its importance filter and report cap).
    relative : dict
        Our loop id -> Simlin's relative loop score series.
    partitions : dict
        Our loop id -> the stocks of the cycle partition Simlin puts it in.
    """

    complete: bool
    universe: int | None
    loop_ids: dict[str, str | None]
    relative: dict[str, np.ndarray]
    partitions: dict[str, frozenset[str]]


def simlin_discovery(path: str | Path, graph: LoopGraph) -> SimlinDiscovery:
    """Run Simlin's post-simulation loop discovery on an XMILE file.

    Raises
    ------
    RuntimeError
        If Simlin could not analyse the model (its error message included).
    """
    import simlin

    analysis = simlin.load(str(path)).analyze()
    if analysis.analysis_error:
        raise RuntimeError(f"{path}: Simlin's loop discovery failed: "
                           f"{analysis.analysis_error}")
    ids, rel, parts = {}, {}, {}
    for lp in analysis.loops:
        ours = graph.find(lp.variables)
        ids[lp.id] = ours.id if ours else None
        if ours:
            rel[ours.id] = np.asarray(lp.behavior_time_series, float)
            parts[ours.id] = frozenset(analysis.partitions[lp.partition].stocks)
    return SimlinDiscovery(analysis.enumeration_complete, analysis.universe_loops, ids, rel,
                           parts)
