"""``simulate_ensemble``: many scenarios or parameter sets in one call, in chunks.

The members are planned (:mod:`.plan`) into the engine's inputs, then run over
chunks of members: in this process, on a Dask ``LocalCluster`` (``workers=N``) or
on an existing cluster (``scheduler=ADDRESS``) (:mod:`.distributed`). Every member
is integrated on its own, so the numbers do not depend on the chunking or on
where a chunk ran. With ``store=PATH`` finished chunks are written to disk as they
complete (:mod:`.store`), a killed run resumes where it stopped, and the result
is one netCDF file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .. import engine
from . import compute
from .compute import DEFAULT_CHUNK_SIZE, check_chunk_size, chunk_bounds
from .labels import ensemble_dataset
from .plan import plan_ensemble


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
        from .store import ChunkStore

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
    results = None  # members x columns x times, filled in place chunk by chunk
    if writer is None:
        results = np.empty((plan.n_members, len(plan.columns), len(plan.save_times)))

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
            it = compute.iter_local(plan, todo, backend, results)
        for k, out in it:
            lo, hi = bounds[k][1]
            if writer is not None:
                writer.write_chunk(k, lo, hi, out)
            elif not np.may_share_memory(out, results):  # from a Dask worker
                results[lo:hi] = out
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
    return ensemble_dataset(plan, {c: results[:, j] for j, c in enumerate(plan.columns)})
