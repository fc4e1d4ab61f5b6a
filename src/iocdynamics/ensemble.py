"""Ensembles: many scenarios or parameter sets in one call, in chunks.

:func:`simulate_ensemble` turns its members into a parameter matrix (members x
constants) and a few time-series sets (event inputs, lever changes) on the
integration grid, then runs the fast engine over chunks of members: in this
process, on a Dask ``LocalCluster`` (``workers=N``) or on an existing cluster
(``scheduler=ADDRESS``). Every member is integrated on its own, so the numbers do
not depend on the chunking or on where a chunk ran. With ``store=PATH`` finished
chunks are written to disk as they complete, a killed run resumes where it
stopped, and the result is one netCDF file.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from . import engine
from .registry import PARAMETERS, get_parameter
from .scenario import Scenario, ScenarioError, load_scenario, shortest_time_constant
from .simulation import resolve_columns

DEFAULT_CHUNK_SIZE = 2048
"""Members per chunk: big enough to amortise the per-call cost, small enough that a
chunk's trajectories (chunk x saved times x columns) stay a few tens of MB."""

MAX_CHUNK_BYTES = 2**30
"""Largest chunk of trajectories held at once (1 GiB): with several chunks in flight
the memory stays within a workstation's."""


# ----------------------------------------------------------------- the plan
@dataclass
class EnsemblePlan:
    """Everything needed to run an ensemble, chunk by chunk.

    Attributes
    ----------
    P : ndarray, shape (members, constants)
        Constants per member, columns in ``constants`` order (the kernel's).
    S : ndarray, shape (sets, varying, grid)
        Distinct time-series sets; member ``i`` reads ``S[sidx[i]]``.
    sidx : ndarray of int, shape (members,)
    member_series : callable or None
        For parameter sets that vary a time-dependent input: ``f(lo, hi)`` returns
        ``(S, sidx)`` for members ``lo:hi`` (built per chunk to bound memory).
    coords : dict
        Member coordinates: every varied parameter (and ``scenario`` names).
    """

    constants: tuple[str, ...]
    varying: tuple[str, ...]
    columns: tuple[str, ...]
    final_time: float
    time_step: float
    save_times: np.ndarray
    save_mask: np.ndarray
    P: np.ndarray
    S: np.ndarray
    sidx: np.ndarray
    coords: dict[str, np.ndarray]
    attrs: dict[str, Any] = field(default_factory=dict)
    member_series: Any = None

    @property
    def n_members(self) -> int:
        return int(self.P.shape[0])

    def chunk(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(P, S, sidx)`` of members ``lo:hi``, with only the series sets they use."""
        if self.member_series is not None:
            S, sidx = self.member_series(lo, hi)
            return self.P[lo:hi], S, sidx
        sidx = self.sidx[lo:hi]
        used, inverse = np.unique(sidx, return_inverse=True)
        return self.P[lo:hi], self.S[used], inverse.astype(np.int64)

    def fingerprint(self, chunk_size: int) -> str:
        """A hash of every input that determines the numbers (for resuming); the
        engine's version and back end are added by the store."""
        h = hashlib.sha256()
        for part in (repr(self.columns), repr(self.constants),
                     repr(self.varying), repr((self.final_time, self.time_step, chunk_size))):
            h.update(part.encode())
        h.update(np.ascontiguousarray(self.save_times).tobytes())
        h.update(np.ascontiguousarray(self.P).tobytes())
        if self.member_series is None:
            h.update(np.ascontiguousarray(self.S).tobytes())
            h.update(np.ascontiguousarray(self.sidx).tobytes())
        else:
            for lo in range(0, self.n_members, chunk_size):
                S, sidx = self.member_series(lo, min(lo + chunk_size, self.n_members))
                h.update(np.ascontiguousarray(S).tobytes())
                h.update(np.ascontiguousarray(sidx).tobytes())
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


def _mask(grid: np.ndarray, save_times: np.ndarray, time_step: float) -> np.ndarray:
    mask = np.zeros(len(grid), dtype=bool)
    mask[engine.save_indices(grid, save_times, time_step)] = True
    return mask


def _series_rows(sc: Scenario, varying: tuple[str, ...], n_grid: int) -> np.ndarray:
    series = sc.input_series()
    values = sc.constants()
    rows = np.empty((len(varying), n_grid))
    for i, name in enumerate(varying):
        rows[i] = series[name] if name in series else values.get(name, 0.0)
    return rows


def _plan_scenarios(members: Sequence[Any], columns: tuple[str, ...],
                    save_interval: float | None) -> EnsemblePlan:
    scs = []
    for i, m in enumerate(members):
        try:
            scs.append(load_scenario(m))
        except TypeError as exc:
            raise TypeError(f"member {i}: {exc}") from None
    if not scs:
        raise ValueError("the ensemble has no members")
    first = scs[0]
    for sc in scs[1:]:
        for key in ("final_time", "time_step"):
            if getattr(sc, key) != getattr(first, key):
                raise ValueError(
                    f"scenario {sc.name!r} ({sc.source}): [simulation] {key} = "
                    f"{getattr(sc, key):g} differs from {getattr(first, key):g} of "
                    f"{first.name!r} ({first.source}); every member of an ensemble must "
                    "share final_time and time_step.")
    if save_interval is None:
        for sc in scs[1:]:
            if sc.save_interval != first.save_interval:
                raise ValueError(
                    f"scenario {sc.name!r} ({sc.source}): save_interval = "
                    f"{sc.save_interval:g} differs from {first.save_interval:g} of "
                    f"{first.name!r}; pass save_interval= to choose one for all.")
        save_interval = first.save_interval
    save_times = _save_times(first.final_time, first.time_step, save_interval,
                             "simulate_ensemble")
    grid = first.grid()
    names = set()
    for sc in scs:
        names |= set(sc.input_series())
    varying = engine.kernel_varying(names)
    kernel_constants = _kernel_constants(varying)
    P = np.array([[sc.values[n] for n in kernel_constants] for sc in scs], dtype=float)
    sets: dict[bytes, int] = {}
    S_list = []
    sidx = np.empty(len(scs), dtype=np.int64)
    for i, sc in enumerate(scs):
        rows = _series_rows(sc, varying, len(grid))
        key = rows.tobytes()
        if key not in sets:
            sets[key] = len(S_list)
            S_list.append(rows)
        sidx[i] = sets[key]
    coords: dict[str, np.ndarray] = {"scenario": np.array([sc.name for sc in scs],
                                                          dtype=object)}
    for name in PARAMETERS:
        col = np.array([sc.values[name] for sc in scs], dtype=float)
        if np.any(col != col[0]):
            coords[name] = col
    return EnsemblePlan(constants=kernel_constants, varying=varying, columns=columns,
                        final_time=first.final_time, time_step=first.time_step,
                        save_times=save_times, save_mask=_mask(grid, save_times,
                                                               first.time_step),
                        P=P, S=np.stack(S_list), sidx=sidx, coords=coords,
                        attrs={"members": "scenarios"})


def _kernel_constants(varying: tuple[str, ...]) -> tuple[str, ...]:
    cm = engine.compile_model()
    return tuple(n for n in cm.parameters + cm.inputs if n not in varying)


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
    # Euler stability: the time step must stay <= half the shortest time constant
    values = dict(base.values)
    relevant = _time_constant_names(values)
    cols = [c for c in df.columns if c in relevant]
    if not cols:
        return
    arr = df[cols].to_numpy(dtype=float)
    for i in range(arr.shape[0]):
        values.update(zip(cols, arr[i]))
        tau = shortest_time_constant(values)
        if base.time_step > tau / 2 + 1e-12:
            raise ScenarioError(
                f"{where}: row {_plain(df.index[i])!r} makes the shortest adjustment time "
                f"{tau:g} months; the base scenario's time_step = {base.time_step:g} must be "
                f"<= {tau / 2:g}. Lower time_step in the base scenario or narrow the ranges.")


class _KeyLog(dict):
    """A dict that remembers which keys were read."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def _time_constant_names(values: Mapping[str, float]) -> set[str]:
    """Names :func:`shortest_time_constant` reads (on every branch it has)."""
    names: set[str] = set()
    for effectiveness in (0.0, 1.0):
        probe = _KeyLog(values)
        probe["evaluation_effectiveness"] = effectiveness
        shortest_time_constant(probe)
        names |= probe.read
    return names


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
    grid = base.grid()
    base_series = base.input_series()
    varying = engine.kernel_varying(set(base_series))
    kernel_constants = _kernel_constants(varying)
    pos = {n: j for j, n in enumerate(kernel_constants)}
    row = np.array([base.values.get(n, 0.0) for n in kernel_constants], dtype=float)
    P = np.repeat(row[None, :], len(df), axis=0)
    for col in df.columns:
        if col in pos:
            P[:, pos[col]] = df[col].to_numpy(dtype=float)
    S = _series_rows(base, varying, len(grid))[None]
    sidx = np.zeros(len(df), dtype=np.int64)
    member_series = None
    timed = [c for c in df.columns if c in varying]
    if timed:
        member_series = _FrameSeries(base, df[timed].to_numpy(dtype=float), tuple(timed),
                                     varying, len(grid))
    coords = {str(c): df[c].to_numpy(dtype=float) for c in df.columns}
    return EnsemblePlan(constants=kernel_constants, varying=varying, columns=columns,
                        final_time=base.final_time, time_step=base.time_step,
                        save_times=save_times,
                        save_mask=_mask(grid, save_times, base.time_step),
                        P=P, S=S, sidx=sidx, coords=coords,
                        attrs={"members": "parameter sets", "base_scenario": base.name},
                        member_series=member_series)


@dataclass
class _FrameSeries:
    """Per-member series when a parameter table varies a time-dependent input."""

    base: Scenario
    values: np.ndarray
    names: tuple[str, ...]
    varying: tuple[str, ...]
    n_grid: int

    def __call__(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        S = np.empty((hi - lo, len(self.varying), self.n_grid))
        for i in range(lo, hi):
            sc = self.base.with_values(**dict(zip(self.names, self.values[i])))
            S[i - lo] = _series_rows(sc, self.varying, self.n_grid)
        return S, np.arange(hi - lo, dtype=np.int64)


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


# ---------------------------------------------------------------- running
def check_chunk_size(chunk_size: Any, n_values: int = 1, n_members: int | None = None,
                     flag: str = "chunk_size") -> int:
    """``chunk_size`` as an int, or a ValueError naming ``flag``, the value and the fix.

    ``n_values`` is the number of values per member (saved times x columns): a
    chunk (of at most ``n_members``) must stay within :data:`MAX_CHUNK_BYTES`.
    """
    ok = isinstance(chunk_size, (int, np.integer)) and not isinstance(chunk_size, bool)
    if not ok or chunk_size < 1:
        raise ValueError(
            f"{flag} = {chunk_size!r} is not a number of members per chunk: give a whole "
            f"number of at least 1 (default {DEFAULT_CHUNK_SIZE}).")
    largest = max(1, MAX_CHUNK_BYTES // (8 * n_values))
    if min(chunk_size, n_members or chunk_size) > largest:
        raise ValueError(
            f"{flag} = {chunk_size:,} makes chunks of {chunk_size * n_values * 8 / 2**30:.1f} "
            f"GiB ({n_values:,} values per member); give at most {largest:,} (default "
            f"{DEFAULT_CHUNK_SIZE}).")
    return int(chunk_size)


def run_chunk(P: np.ndarray, S: np.ndarray, sidx: np.ndarray, save_mask: np.ndarray,
              columns: tuple[str, ...], time_step: float, varying: tuple[str, ...],
              backend: str = "auto", parallel: bool | None = None) -> np.ndarray:
    """Integrate one chunk of members: ``(members, saved times, columns)``."""
    kernel = engine.get_kernel(varying, backend)
    return kernel.run(P, S, sidx, save_mask, columns, time_step, parallel=parallel)


def chunk_bounds(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """``(lo, hi)`` member ranges of the chunks."""
    return [(lo, min(lo + chunk_size, n)) for lo in range(0, n, chunk_size)]


def _iter_local(plan: EnsemblePlan, bounds, backend: str
                ) -> Iterator[tuple[int, np.ndarray]]:
    for k, (lo, hi) in bounds:
        P, S, sidx = plan.chunk(lo, hi)
        yield k, run_chunk(P, S, sidx, plan.save_mask, plan.columns, plan.time_step,
                           plan.varying, backend)


def ensemble_dataset(plan: EnsemblePlan, data: Mapping[str, np.ndarray] | None,
                     lo: int = 0, hi: int | None = None) -> xr.Dataset:
    """Label the results of members ``lo:hi`` of ``plan`` as an xarray Dataset
    (``data=None``: the coordinates and attributes only)."""
    hi = plan.n_members if hi is None else hi
    coords: dict[str, Any] = {"member": np.arange(lo, hi),
                              "time": ("time", plan.save_times, {"units": "Month"})}
    for name, values in plan.coords.items():
        coords[name] = ("member", values[lo:hi])
    variables = {} if data is None else {c: (("member", "time"), data[c])
                                         for c in plan.columns}
    ds = xr.Dataset(variables, coords=coords)
    ds.attrs.update(plan.attrs)
    ds.attrs.update({"final_time": plan.final_time, "time_step": plan.time_step,
                     "time_units": "Month"})
    return ds


def simulate_ensemble(members: Any, base: Any = None, *, columns: Any = None,
                      save_interval: float | None = None, chunk_size: int | None = None,
                      store: str | Path | None = None, workers: int | None = None,
                      scheduler: str | None = None, progress: bool = False,
                      seed: int | None = None, backend: str = "auto") -> xr.Dataset:
    """Simulate many scenarios or parameter sets with the fast engine.

    Parameters
    ----------
    members : sequence of Scenario/path/dict, pandas.DataFrame, or int
        Scenarios (they may differ in events and lever changes but must share
        ``final_time`` and ``time_step``); or a table whose columns are registry
        parameter names and whose rows are members, applied on ``base``; or a
        number ``N`` of parameter sets drawn with :func:`sample_parameters`
        (every mechanism parameter, uniform over its bounds, ``seed`` required).
    base : Scenario, path or dict, optional
        For a parameter table: the scenario each row overrides (events and lever
        changes come from it). Default: the default scenario.
    columns : list of str or "all", optional
        Output variables (default: every stock and ``active``).
    save_interval : float, optional
        Months between saved times (default: the scenarios').
    chunk_size : int, optional
        Members per chunk (default :data:`DEFAULT_CHUNK_SIZE`).
    store : path, optional
        netCDF file for the result. Finished chunks go to ``<store>.parts/`` as they
        complete; a run killed part-way resumes from them (same members, columns
        and chunk size); the file is assembled at the end and returned lazily.
    workers : int, optional
        Run the chunks on a Dask ``LocalCluster`` of this many worker processes.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``) to run on.
    progress : bool
        Show a progress bar over chunks.
    seed : int, optional
        Seed for ``members = N``.
    backend : {"auto", "numba", "numpy"}
        Engine back end (same numbers; ``numpy`` is the fallback without numba).

    Returns
    -------
    xarray.Dataset
        Dims ``(member, time)``; one variable per column; member coordinates carry
        every varied parameter value (and ``scenario`` names for scenario members);
        ``time`` in months.
    """
    if workers is not None and scheduler is not None:
        raise ValueError("give workers= (a new LocalCluster) or scheduler= (an existing "
                         "cluster), not both")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive whole number, not {workers!r}")
    chunk_size = check_chunk_size(DEFAULT_CHUNK_SIZE if chunk_size is None else chunk_size)
    if backend not in engine.BACKENDS:
        raise ValueError(f"backend = {backend!r} is not an engine back end; choose one of "
                         f"{', '.join(engine.BACKENDS)}")
    if store is not None and Path(store).is_dir():
        raise ValueError(f"store = {store}: is a folder; give the netCDF file to write, "
                         f"e.g. {Path(store) / 'ensemble.nc'}")
    plan = plan_ensemble(members, base, columns=columns, save_interval=save_interval,
                         seed=seed)
    check_chunk_size(chunk_size, len(plan.save_times) * len(plan.columns), plan.n_members)
    kernel = engine.get_kernel(plan.varying, backend)
    backend = kernel.backend  # "auto" resolved here, so that every chunk uses the same
    bounds = list(enumerate(chunk_bounds(plan.n_members, chunk_size)))

    writer = None
    if store is not None:
        from .ensemble_store import ChunkStore

        writer = ChunkStore(store, plan, chunk_size, kernel.backend, kernel.version)
        if writer.complete():
            ds = writer.open()
            ds.attrs["chunks_computed"] = 0
            ds.attrs["chunks_reused"] = len(bounds)
            return ds
        done = writer.finished_chunks()
        todo = [(k, b) for k, b in bounds if k not in done]
    else:
        todo = bounds
    results: dict[str, np.ndarray] | None = None
    if writer is None:
        n_save = len(plan.save_times)
        results = {c: np.empty((plan.n_members, n_save)) for c in plan.columns}

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(bounds), initial=len(bounds) - len(todo), unit="chunk",
                   desc="ensemble")
    try:
        if workers is not None or scheduler is not None:
            from .distributed import iter_distributed

            it = iter_distributed(plan, todo, backend, workers=workers, scheduler=scheduler)
        else:
            it = _iter_local(plan, todo, backend)
        for k, out in it:
            lo, hi = bounds[k][1]
            if writer is not None:
                writer.write_chunk(k, lo, hi, out)
            else:
                for j, c in enumerate(plan.columns):
                    results[c][lo:hi] = out[:, :, j]
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    if writer is not None:
        writer.assemble()
        ds = writer.open()
        ds.attrs["chunks_computed"] = len(todo)
        ds.attrs["chunks_reused"] = len(bounds) - len(todo)
        return ds
    return ensemble_dataset(plan, results)
