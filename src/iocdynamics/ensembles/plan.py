"""Planning an ensemble: members validated and turned into the engine's inputs.

Members are scenarios (paths, dicts or :class:`~iocdynamics.scenario.Scenario`
objects; they may differ in everything but the clock), a table of parameter sets
applied on a base scenario, or a number of parameter sets drawn at random. The
plan holds the engine's inputs for all members (:mod:`.members`), the save
times, and the coordinates that label the members in the result.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import engine
from ..registry import PARAMETERS, get_parameter
from ..scenario import (
    CONTRACT_FLAGS,
    Scenario,
    ScenarioError,
    load_scenario,
)
from ..simulation import resolve_columns
from .batch import load_members
from .columns import NAMES, ScenarioColumns
from .members import member_inputs, scenario_changes, table_inputs
from .timeconstants import shortest_time_constants, time_constant_names


@dataclass
class EnsemblePlan:
    """Everything needed to run an ensemble, chunk by chunk.

    Attributes
    ----------
    constants, varying : tuple of str
        The kernel's constants and per-step inputs (column orders of ``inputs``).
    columns : tuple of str
        Output variables.
    final_time, time_step : float
    save_times : ndarray
    save_mask : ndarray of bool
        One entry per grid point: saved or not.
    inputs : iocdynamics.engine.MemberInputs
        Constants and input changes of every member.
    coords : dict
        Member coordinates: every varied parameter (and ``scenario`` names).
    attrs : dict
        Attributes of the result.
    """

    constants: tuple[str, ...]
    varying: tuple[str, ...]
    columns: tuple[str, ...]
    final_time: float
    time_step: float
    save_times: np.ndarray
    save_mask: np.ndarray
    inputs: engine.MemberInputs
    coords: dict[str, np.ndarray]
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def n_members(self) -> int:
        return self.inputs.n_members

    def chunk(self, lo: int, hi: int) -> engine.MemberInputs:
        """The inputs of members ``lo:hi``."""
        return self.inputs.chunk(lo, hi)

    def fingerprint(self, chunk_size: int) -> str:
        """A hash of every input that determines the numbers (for resuming); the
        engine's version and back end are added by the store."""
        h = hashlib.sha256()
        for part in (repr(self.columns), repr(self.constants),
                     repr(self.varying), repr((self.final_time, self.time_step, chunk_size))):
            h.update(part.encode())
        h.update(np.ascontiguousarray(self.save_times).tobytes())
        for a in self.inputs.arrays():
            h.update(repr(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()


def _save_times(final_time: float, time_step: float, save_interval: float,
                where: str) -> np.ndarray:
    ratio = save_interval / time_step
    if save_interval <= 0 or abs(ratio - round(ratio)) > 1e-9 * max(1.0, ratio):
        raise ValueError(f"{where}: save_interval = {save_interval:g} is not a whole number "
                         f"of time steps ({time_step:g}); choose a multiple.")
    n = int(round(final_time / save_interval))
    if abs(n * save_interval - final_time) > 1e-9 * max(1.0, final_time):
        raise ValueError(f"{where}: final_time = {final_time:g} is not a multiple of "
                         f"save_interval = {save_interval:g}.")
    return np.arange(n + 1) * save_interval


def _mask(time_grid: np.ndarray, save_times: np.ndarray, time_step: float) -> np.ndarray:
    mask = np.zeros(len(time_grid), dtype=bool)
    mask[engine.save_indices(time_grid, save_times, time_step)] = True
    return mask


def _check_clock(cols: ScenarioColumns, save_interval: float | None) -> float:
    """The common clock of scenario members (``save_interval`` if not given)."""

    def differs(key: str, hint: str) -> None:
        values = getattr(cols, key)
        bad = np.flatnonzero(values != values[0])
        if len(bad):
            i = int(bad[0])
            where = f"scenario {cols.names[i]!r} ({cols.sources[i]}): "
            raise ValueError(where + hint.format(key=key, value=values[i], first=values[0],
                                                 name=cols.names[0], src=cols.sources[0]))

    for key in ("final_time", "time_step"):
        differs(key, "[simulation] {key} = {value:g} differs from {first:g} of {name!r} "
                "({src}); every member of an ensemble must share final_time and time_step.")
    if save_interval is None:
        differs("save_interval", "save_interval = {value:g} differs from {first:g} of "
                "{name!r}; pass save_interval= to choose one for all.")
        save_interval = float(cols.save_interval[0])
    return save_interval


def _varying(timed: bool) -> tuple[str, ...]:
    """The kernel's per-step inputs: the event inputs, and leadership quality and the
    levers if any member changes them."""
    return engine.kernel_varying(("leadership_quality",) if timed else ())


def _kernel_constants(varying: tuple[str, ...]) -> tuple[str, ...]:
    cm = engine.compile_model()
    return tuple(n for n in cm.parameters + cm.inputs if n not in varying)


def _plan_scenarios(members: Sequence[Any], columns: tuple[str, ...],
                    save_interval: float | None) -> EnsemblePlan:
    if not members:
        raise ValueError("the ensemble has no members")
    cols = load_members(members)
    save_interval = _check_clock(cols, save_interval)
    final_time, time_step = float(cols.final_time[0]), float(cols.time_step[0])
    save_times = _save_times(final_time, time_step, save_interval, "simulate_ensemble")
    varying = _varying(cols.timed)
    constants = _kernel_constants(varying)
    inputs = member_inputs(cols, constants, varying,
                           scenario_changes(cols, varying, time_step))
    coords: dict[str, np.ndarray] = {"scenario": cols.names}
    used = cols.rows[np.unique(cols.row)]
    for j in np.flatnonzero(np.any(used != cols.rows[cols.row[0]], axis=0)):
        coords[NAMES[j]] = cols.rows[cols.row, j]
    return EnsemblePlan(constants=constants, varying=varying, columns=columns,
                        final_time=final_time, time_step=time_step, save_times=save_times,
                        save_mask=_mask(engine.time_grid(final_time, time_step), save_times,
                                        time_step),
                        inputs=inputs, coords=coords, attrs={"members": "scenarios"})


def _plain(x: Any) -> Any:
    """A numpy scalar as the Python number it holds (for messages)."""
    return x.item() if isinstance(x, np.generic) else x


def _check_frame(df: pd.DataFrame, base: Scenario) -> None:
    where = f"parameter table {df.attrs['source']}" if "source" in df.attrs else (
        "parameter table")
    for col in df.columns:
        if col not in PARAMETERS:
            close = difflib.get_close_matches(str(col), list(PARAMETERS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ScenarioError(f"{where}: unknown column '{col}'{hint} Columns "
                                "must be registry parameter names.")
    for col in df.columns:
        p = PARAMETERS[col]
        values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < p.lower) | (values > p.upper)
        if p.kind == "int":
            bad |= values != np.round(values)
        elif p.kind == "bool":
            bad |= (values != 0) & (values != 1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            what = {"int": "a whole number", "bool": "0 or 1"}.get(p.kind, "a number")
            raise ScenarioError(
                f"{where}: row {_plain(df.index[i])!r}, column '{col}' = "
                f"{_plain(df[col].iloc[i])!r} "
                f"is out of range; expected {what} from {p.lower:g} to {p.upper:g} "
                f"({p.units}). {int(bad.sum())} row(s) are affected.")
    # a memorandum of understanding and a binding contract at once is no agreement
    flags = {f: (pd.to_numeric(df[f], errors="coerce").to_numpy(dtype=float)
                 if f in df.columns else np.full(len(df), float(base.values[f])))
             for f in CONTRACT_FLAGS}
    both = (flags["contract_is_mou"] == 1) & (flags["contract_is_binding"] == 1)
    if both.any():
        i = int(np.flatnonzero(both)[0])
        raise ScenarioError(
            f"parameter table: row {_plain(df.index[i])!r} sets contract_is_mou = 1 and "
            "contract_is_binding = 1 (with the base scenario's values for a missing column); "
            "an agreement is either a memorandum of understanding or a binding contract. "
            f"{int(both.sum())} row(s) are affected.")
    # Euler stability: the time step must stay <= half the shortest time constant
    values = dict(base.values)
    relevant = time_constant_names(values)
    cols = [c for c in df.columns if c in relevant]
    if not cols:
        return
    taus = shortest_time_constants(values, cols, df[cols].to_numpy(dtype=float))
    bad = np.flatnonzero(base.time_step > taus / 2 + 1e-12)
    if len(bad):
        i, tau = int(bad[0]), float(taus[bad[0]])
        raise ScenarioError(
            f"{where}: row {_plain(df.index[i])!r} makes the shortest adjustment time "
            f"{tau:g} months; the base scenario's time_step = {base.time_step:g} must be "
            f"<= {tau / 2:g}. Lower time_step in the base scenario or narrow the ranges.")


def _plan_frame(df: pd.DataFrame, base: Scenario, columns: tuple[str, ...],
                save_interval: float | None) -> EnsemblePlan:
    if len(df) == 0:
        where = df.attrs.get("source", "parameter table")
        raise ValueError(f"{where}: the ensemble has no members (the table has no rows); "
                         "give one row per member.")
    _check_frame(df, base)
    save_interval = base.save_interval if save_interval is None else save_interval
    save_times = _save_times(base.final_time, base.time_step, save_interval,
                             "simulate_ensemble")
    varying = _varying(ScenarioColumns.from_scenarios([base]).timed)
    constants = _kernel_constants(varying)
    coords = {str(c): df[c].to_numpy(dtype=float) for c in df.columns}
    inputs = table_inputs(base, coords, len(df), constants, varying)
    return EnsemblePlan(constants=constants, varying=varying, columns=columns,
                        final_time=base.final_time, time_step=base.time_step,
                        save_times=save_times,
                        save_mask=_mask(base.grid(), save_times, base.time_step),
                        inputs=inputs, coords=coords,
                        attrs={"members": "parameter sets", "base_scenario": base.name})


def sample_parameters(n: int, names: Sequence[str] | None = None, *, seed: int,
                      bounds: Mapping[str, tuple[float, float]] | None = None
                      ) -> pd.DataFrame:
    """Draw ``n`` parameter sets uniformly over the registry bounds.

    Parameters
    ----------
    n : int
        Number of members.
    names : list of str, optional
        Parameters to vary (default: every ``mechanism`` parameter).
    seed : int
        Seed of the random generator (same seed, same table).
    bounds : mapping, optional
        Narrower ``(lower, upper)`` per name (must lie within the registry bounds).

    Returns
    -------
    pandas.DataFrame
        One row per member, one column per name; ``int`` parameters are rounded,
        ``bool`` ones drawn as 0 or 1.
    """
    names = list(names) if names is not None else [
        p.name for p in PARAMETERS.values() if p.group == "mechanism"]
    rng = np.random.default_rng(seed)
    data = {}
    for name in names:
        p = get_parameter(name)
        lo, hi = (bounds or {}).get(name, (p.lower, p.upper))
        if lo < p.lower or hi > p.upper or lo > hi:
            raise ValueError(f"bounds of '{name}' ({lo:g}, {hi:g}) must lie within "
                             f"({p.lower:g}, {p.upper:g}) with lower <= upper")
        x = rng.uniform(lo, hi, n)
        if p.kind == "int":
            x = np.clip(np.round(x), math.ceil(lo), math.floor(hi))
        elif p.kind == "bool":
            x = (x >= (lo + hi) / 2).astype(float) if hi > lo else np.full(n, lo)
        data[name] = x
    return pd.DataFrame(data)


def plan_ensemble(members: Any, base: Any = None, *, columns: Any = None,
                  save_interval: float | None = None, seed: int | None = None
                  ) -> EnsemblePlan:
    """Validate the members and build the :class:`EnsemblePlan` (see
    :func:`simulate_ensemble` for the arguments)."""
    cols = resolve_columns(columns)
    if isinstance(members, (int, np.integer)) and not isinstance(members, bool):
        if seed is None:
            raise ValueError("members = N draws N parameter sets at random: pass seed= "
                             "so that the same call gives the same ensemble")
        members = sample_parameters(int(members), seed=seed)
    if isinstance(members, pd.DataFrame):
        sc = load_scenario(base) if base is not None else Scenario()
        return _plan_frame(members, sc, cols, save_interval)
    if base is not None:
        raise ValueError("base= applies to a parameter table (DataFrame) of members; "
                         "scenario members carry their own values")
    if isinstance(members, (str, Path, Mapping, Scenario)):
        members = [members]
    return _plan_scenarios(list(members), cols, save_interval)
