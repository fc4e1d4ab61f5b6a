"""What an experiment records per run, and the memory that takes per member."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .spec import ExperimentSpec

METRIC_COLUMNS = ("collaborative_behaviour", "performance", "active")
"""Variables the metrics are computed from."""

KEY_STOCKS = ("trust", "faith", "conflict", "perceived_progress", "risk_tolerance",
              "confidence", "collaborative_behaviour", "performance", "active")
"""Variables every experiment records (the mechanisms of the theory and the outcome);
others only when a fan chart asks for them, to keep large ensembles in memory."""

COPIES = 3
"""Copies of the trajectories held at once while a run is assembled and written (one
group's ensemble, the assembled array, the dataset written to netCDF)."""


def output_columns(spec: ExperimentSpec) -> tuple[str, ...]:
    """Model variables to record: the key stocks, ``active`` and any fan-chart variable."""
    from ..simulation import default_columns

    cols = [c for c in default_columns() if c in KEY_STOCKS]
    for c in spec.figures.fan_stocks + METRIC_COLUMNS:
        if c not in cols:
            cols.append(c)
    return tuple(cols)


def bytes_per_member(spec: ExperimentSpec) -> int:
    """Memory one uncertainty member takes across every lever setting (float64
    trajectories of every recorded variable at every saved time, :data:`COPIES`)."""
    n_cols = len(set(KEY_STOCKS) | set(spec.figures.fan_stocks) | set(METRIC_COLUMNS))
    n_times = len(spec.base.save_times())
    return spec.n_settings * n_times * n_cols * 8 * COPIES
