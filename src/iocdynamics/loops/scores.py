"""Loops That Matter on a scenario: ``loop_scores`` (one run) and
``ensemble_loop_scores`` (many parameter sets), from the fast engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .. import engine as fast_engine
from ..model import build_model
from ..scenario import Scenario, load_scenario
from . import ltm
from .graph import Loop, LoopGraph
from .named import NamedLoop, load_named_loops
from .polarity import polarities


@lru_cache(maxsize=1)
def model_graph() -> LoopGraph:
    """The dependency graph (and loops) of the collaboration model."""
    return LoopGraph(build_model())


@lru_cache(maxsize=1)
def _equations() -> ltm.Equations:
    return ltm.Equations(model_graph())


def named_loops(path: str | Path | None = None) -> tuple[NamedLoop, ...]:
    """The theory's named loops matched to the model (see :mod:`.named`)."""
    return load_named_loops(model_graph(), path)


def scenario_trajectories(scenario, samples: pd.DataFrame | None = None,
                          **values: float) -> ltm.Trajectories:
    """Every variable of a scenario's run on the integration grid (fast engine).

    Parameters
    ----------
    scenario : path, dict or Scenario
    samples : DataFrame, optional
        Parameter values per ensemble member (columns: registry names); the
        trajectories then have shape ``(T, members)``.
    **values : float
        Overrides of model constants.
    """
    sc: Scenario = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    model = build_model()
    grid = sc.grid()
    series = sc.input_series()
    constants: dict[str, Any] = {k: v for k, v in sc.constants().items() if k not in series}
    for name in fast_engine.compile_model().inputs:
        if name not in series:
            constants[name] = 0.0
    if samples is not None:
        bad = [c for c in samples.columns if c not in constants]
        if bad:
            raise KeyError(f"samples: {bad} are not constants of the model that can vary "
                           "per member (time-dependent inputs cannot)")
        for c in samples.columns:
            constants[c] = samples[c].to_numpy(dtype=float)
    columns = tuple(s.name for s in model.stocks) + tuple(model.computation_order)
    out = fast_engine.integrate(constants, series, sc.final_time, sc.time_step, grid, columns)
    data = dict(out)
    data.update(series)
    data["time"] = grid
    return ltm.Trajectories(data, constants, sc.time_step)


def score_trajectories(traj: ltm.Trajectories, convention: str):
    """Link, loop and relative loop scores of one run's trajectories.

    Parameters
    ----------
    traj : Trajectories
        A run, as from :func:`scenario_trajectories`.
    convention : str
        Timing of the flow-to-stock link score (see :mod:`.ltm`).

    Returns
    -------
    links, loops, relative : dict
        Link scores by ``(source, target)``, loop scores and relative loop scores by
        loop id, each an array over the run's times.
    """
    graph = model_graph()
    eqs = _equations()
    links = ltm.link_scores(graph, traj, convention, equations=eqs)
    loops = ltm.loop_scores(graph, links)
    rel = ltm.relative_loop_scores(graph, loops)
    return links, loops, rel


@dataclass
class LoopScores:
    """Loops That Matter results of one run.

    Attributes
    ----------
    scenario : Scenario
    loops : tuple of Loop
    named : tuple of NamedLoop
    link_scores : DataFrame
        Time x ``"source -> target"`` for every link on a loop.
    loop_scores, relative : DataFrame
        Time x loop id: loop scores and relative loop scores.
    table : DataFrame
        One row per loop: name, claims, polarity along the run (and the theory's),
        reinforcing share, cycle partition, length, stocks, variables, mean and
        peak absolute relative score.
    trajectories : DataFrame
        Every stock on the integration grid.
    convention : str
        Timing of the flow-to-stock link score (see :mod:`.ltm`).
    """

    scenario: Scenario
    loops: tuple[Loop, ...]
    named: tuple[NamedLoop, ...]
    link_scores: pd.DataFrame
    loop_scores: pd.DataFrame
    relative: pd.DataFrame
    table: pd.DataFrame
    trajectories: pd.DataFrame
    convention: str

    def named_relative(self) -> pd.DataFrame:
        """Time x named loop: relative loop score (summed over a name's loops)."""
        return pd.DataFrame({n.name: self.relative[list(n.ids)].sum(axis=1)
                             for n in self.named}, index=self.relative.index)

    def at_save_times(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of ``frame`` at the scenario's save times."""
        t = self.scenario.save_times()
        idx = fast_engine.save_indices(frame.index.to_numpy(), t, self.scenario.time_step)
        return frame.iloc[idx]

    def partition_loops(self, partition_of: str = "trust") -> pd.Index:
        """Ids of the loops in the cycle partition of the stock ``partition_of``."""
        part = self.table.loc[[lp.id for lp in self.loops if partition_of in lp.stocks][0],
                              "partition"]
        return self.table.index[self.table["partition"] == part]

    def reinforcing_share(self, partition_of: str = "trust") -> pd.Series:
        """Share of the change explained by reinforcing loops at each step: the sum
        of the positive relative scores of the loops in ``partition_of``'s cycle
        partition (the rest, to 1, is balancing; 0 where nothing changes)."""
        ids = self.partition_loops(partition_of)
        return self.relative[ids].clip(lower=0).sum(axis=1).rename("reinforcing_share")

    def dominant(self, start: float, end: float, named_only: bool = True) -> pd.Series:
        """Mean relative score of each loop (or named loop) over ``[start, end]``,
        largest absolute value first."""
        frame = self.named_relative() if named_only else self.relative
        sl = frame.loc[(frame.index >= start) & (frame.index <= end)]
        m = sl.mean()
        return m.reindex(m.abs().sort_values(ascending=False).index)


def loop_scores(scenario, named: str | Path | None = None, convention: str = "aligned",
                **values: float) -> LoopScores:
    """Loops That Matter scores of every feedback loop over a scenario's run.

    Parameters
    ----------
    scenario : path, dict or Scenario
    named : path, optional
        A named-loops TOML file (default: the one beside the model).
    convention : {"aligned", "published"}
        Timing of the flow-to-stock link score (see :mod:`iocdynamics.loops.ltm`).
    **values : float
        Overrides of model constants.

    Returns
    -------
    LoopScores
    """
    sc = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    graph = model_graph()
    names = load_named_loops(graph, named)
    traj = scenario_trajectories(sc)
    links, loops, rel = score_trajectories(traj, convention)
    pols = polarities(graph, traj, links, _equations())
    index = pd.Index(traj.times, name="time")
    by_loop = {lp.id: n for n in names for lp in n.loops}
    rel_df = pd.DataFrame(rel, index=index)
    rows = []
    for lp in graph.loops:
        n = by_loop.get(lp.id)
        pol, share = pols[lp.id]
        rows.append({"loop": lp.id, "name": n.name if n else "",
                     "claims": " ".join(n.claims) if n else "",
                     "polarity": pol, "theory_polarity": n.polarity if n else "",
                     "reinforcing_share": share, "partition": graph.partition_of(lp),
                     "length": len(lp), "stocks": " ".join(lp.stocks),
                     "mean_abs_relative": float(np.mean(np.abs(rel[lp.id]))),
                     "max_abs_relative": float(np.max(np.abs(rel[lp.id]))),
                     "variables": lp.describe()})
    table = pd.DataFrame(rows).set_index("loop")
    stocks = pd.DataFrame({s.name: traj[s.name] for s in build_model().stocks}, index=index)
    return LoopScores(
        scenario=sc, loops=graph.loops, named=names,
        link_scores=pd.DataFrame({f"{a} -> {b}": v for (a, b), v in links.items()},
                                 index=index),
        loop_scores=pd.DataFrame(loops, index=index), relative=rel_df, table=table,
        trajectories=stocks, convention=convention)


def ensemble_loop_scores(scenario, samples: pd.DataFrame, named: str | Path | None = None,
                         convention: str = "aligned") -> xr.Dataset:
    """Relative loop scores of an ensemble of parameter sets.

    Parameters
    ----------
    scenario : path, dict or Scenario
        The base scenario (events, clock, other constants).
    samples : DataFrame
        One row per member, columns registry names (e.g. from
        :func:`iocdynamics.sample_parameters`).

    Returns
    -------
    xarray.Dataset
        ``relative`` (member, time, loop) and ``named`` (member, time, name).
    """
    graph = model_graph()
    names = load_named_loops(graph, named)
    traj = scenario_trajectories(scenario, samples=samples)
    _, _, rel = score_trajectories(traj, convention)
    ids = [lp.id for lp in graph.loops]
    arr = np.stack([rel[i] for i in ids], axis=-1)          # (T, M, L)
    arr = np.moveaxis(arr, 1, 0)                              # (M, T, L)
    named_arr = np.stack([sum(rel[i] for i in n.ids) for n in names], axis=-1)
    named_arr = np.moveaxis(named_arr, 1, 0)
    coords: Mapping[str, Any] = {"member": np.arange(len(samples)), "time": traj.times,
                                 "loop": ids, "name": [n.name for n in names]}
    ds = xr.Dataset({"relative": (("member", "time", "loop"), arr),
                     "named": (("member", "time", "name"), named_arr)}, coords=coords)
    for c in samples.columns:
        ds.coords[c] = ("member", samples[c].to_numpy(dtype=float))
    return ds
