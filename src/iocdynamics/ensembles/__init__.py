"""Ensembles: many scenarios or parameter sets through the fast engine.

Modules depend one way: :mod:`.columns` (many scenarios as arrays) and
:mod:`.timeconstants` (the time-step check on columns) <- :mod:`.batch` (scenario
dicts validated column-wise) and :mod:`.members` (engine inputs from columns and
tables) <- :mod:`.plan` (validation, the plan) <- :mod:`.labels` (xarray result) and
:mod:`.compute` (running chunks) <- :mod:`.store` (resumable netCDF) and
:mod:`.distributed` (Dask) <- :mod:`.runner` (:func:`simulate_ensemble`);
:mod:`.plotting` draws results.
"""

from .compute import DEFAULT_CHUNK_SIZE, check_chunk_size, chunk_bounds, run_chunk
from .labels import ensemble_dataset
from .plan import EnsemblePlan, plan_ensemble, sample_parameters
from .plotting import plot_bands
from .runner import simulate_ensemble
from .store import ChunkStore, StoreError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ChunkStore",
    "EnsemblePlan",
    "StoreError",
    "check_chunk_size",
    "chunk_bounds",
    "ensemble_dataset",
    "plan_ensemble",
    "plot_bands",
    "run_chunk",
    "sample_parameters",
    "simulate_ensemble",
]
