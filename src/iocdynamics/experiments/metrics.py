"""Outcome metrics of a simulated trajectory, computed over whole ensembles.

Every function takes the saved times (months) and values whose *last* axis runs
over those times, and returns one value per trajectory. Trajectories between
saved times are taken as piecewise linear (the same reading a line plot gives),
so the metrics do not depend on where the saved times fall beyond that.

Censoring: ``time_to_synergy`` is NaN for a trajectory that never exceeds the
threshold before the horizon. Summaries treat NaN as "later than the horizon"
(right-censored): quantiles are computed with NaN replaced by +inf and a
quantile that lands on a censored value is reported as missing; the share of
members that reach synergy is reported beside it (see :mod:`.summary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr

DEFAULT_SYNERGY_THRESHOLD = 0.4
"""Collaborative behaviour above which the collaboration is in synergy (the line
drawn in :func:`iocdynamics.plotting.plot_fig5`)."""


@dataclass(frozen=True)
class Metric:
    """Description of one outcome metric.

    Attributes
    ----------
    name : str
    label : str
        Axis label with units.
    kind : {"continuous", "binary", "censored"}
        How the summary treats it: quantiles, a probability, or quantiles of a
        right-censored time.
    claims : tuple of str
        Claim ids the metric is read against.
    variables : tuple of str
        The model variables it is computed from.
    """

    name: str
    label: str
    kind: str
    claims: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()


METRICS: Mapping[str, Metric] = {m.name: m for m in (
    Metric("time_to_synergy", "Time to synergy (months)", "censored", ("L1", "M1"),
           ("collaborative_behaviour",)),
    Metric("reached_synergy", "Probability of reaching synergy", "binary", ("L1",),
           ("collaborative_behaviour",)),
    Metric("behaviour_at_horizon", "Collaborative behaviour at the horizon (0-1)",
           "continuous", ("L1", "P2"), ("collaborative_behaviour",)),
    Metric("performance_at_horizon", "Performance at the horizon (vs baseline)",
           "continuous", ("L5", "P2"), ("performance",)),
    Metric("cumulative_performance", "Cumulative performance (baseline-months)",
           "continuous", ("P3", "L5"), ("performance",)),
    Metric("dissolved", "Probability of dissolution", "binary", ("L3",), ("active",)),
    Metric("months_below_baseline", "Time below baseline performance (months)",
           "continuous", ("P3",), ("performance",)),
)}
"""Every metric :func:`compute_metrics` returns, by name."""


def _check(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    if times.ndim != 1 or values.shape[-1] != times.size or times.size < 1:
        raise ValueError(f"values must have the time axis last ({times.size} times); "
                         f"got shape {values.shape}")
    if times.size > 1 and np.any(np.diff(times) <= 0):
        raise ValueError("times must be strictly increasing")
    return times, values


def time_to_threshold(times: np.ndarray, values: np.ndarray, threshold: float) -> np.ndarray:
    """First time at which ``values`` exceed ``threshold`` (linear interpolation).

    Parameters
    ----------
    times : array, shape (T,)
    values : array, shape (..., T)
    threshold : float

    Returns
    -------
    array, shape (...)
        The crossing time in the units of ``times``; ``times[0]`` if the
        trajectory starts above the threshold; NaN if it never exceeds it.
    """
    times, values = _check(times, values)
    above = values > threshold
    reached = above.any(axis=-1)
    k = np.argmax(above, axis=-1)
    out = np.full(values.shape[:-1], np.nan)
    first = reached & (k == 0)
    out[first] = times[0]
    later = reached & (k > 0)
    if later.any():
        kk = k[later]
        v = values[later]
        v1 = np.take_along_axis(v, kk[:, None], axis=-1)[:, 0]
        v0 = np.take_along_axis(v, (kk - 1)[:, None], axis=-1)[:, 0]
        t0, t1 = times[kk - 1], times[kk]
        frac = np.where(v1 > v0, (threshold - v0) / np.where(v1 > v0, v1 - v0, 1.0), 1.0)
        out[later] = t0 + np.clip(frac, 0.0, 1.0) * (t1 - t0)
    return out


def integral(times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Integral over time of a piecewise-linear trajectory (trapezoid rule)."""
    times, values = _check(times, values)
    if times.size == 1:
        return np.zeros(values.shape[:-1])
    return np.trapezoid(values, times, axis=-1)


def time_below(times: np.ndarray, values: np.ndarray, level: float = 0.0) -> np.ndarray:
    """Total time a piecewise-linear trajectory spends strictly below ``level``.

    Within an interval where the trajectory crosses ``level``, the crossing
    point is found by linear interpolation, so the answer is exact for the
    piecewise-linear reading of the saved values.
    """
    times, values = _check(times, values)
    if times.size == 1:
        return np.zeros(values.shape[:-1])
    v0, v1 = values[..., :-1] - level, values[..., 1:] - level
    dt = np.diff(times)
    both = (v0 < 0) & (v1 < 0)
    down = (v0 >= 0) & (v1 < 0)
    up = (v0 < 0) & (v1 >= 0)
    frac = np.where(both, 1.0, 0.0)
    # a crossing interval: negative for the part beyond the interpolated crossing
    frac = np.where(down, -v1 / np.where(down, v0 - v1, 1.0), frac)
    frac = np.where(up, -v0 / np.where(up, v1 - v0, 1.0), frac)
    return np.sum(frac * dt, axis=-1)


def compute_metrics_arrays(times: np.ndarray, behaviour: np.ndarray,
                           performance: np.ndarray, active: np.ndarray,
                           threshold: float = DEFAULT_SYNERGY_THRESHOLD
                           ) -> dict[str, np.ndarray]:
    """Every metric of :data:`METRICS` from arrays with time on the last axis.

    Parameters
    ----------
    times : array, shape (T,)
        Saved times in months; the horizon is ``times[-1]``.
    behaviour, performance, active : arrays, shape (..., T)
        ``collaborative_behaviour``, ``performance`` and ``active``.
    threshold : float
        Synergy threshold on collaborative behaviour.

    Returns
    -------
    dict of str to array, shape (...)
    """
    t_syn = time_to_threshold(times, behaviour, threshold)
    _, active = _check(times, active)
    return {
        "time_to_synergy": t_syn,
        "reached_synergy": np.isfinite(t_syn).astype(float),
        "behaviour_at_horizon": np.asarray(behaviour, dtype=float)[..., -1],
        "performance_at_horizon": np.asarray(performance, dtype=float)[..., -1],
        "cumulative_performance": integral(times, performance),
        "dissolved": (active[..., -1] < 0.5).astype(float),
        "months_below_baseline": time_below(times, performance, 0.0),
    }


def compute_metrics(ds: xr.Dataset, threshold: float = DEFAULT_SYNERGY_THRESHOLD
                    ) -> xr.Dataset:
    """Every metric of :data:`METRICS` for an ensemble dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        With a ``time`` dimension (months) and the variables
        ``collaborative_behaviour``, ``performance`` and ``active``; any other
        dimensions (member, setting, ...) are kept.
    threshold : float

    Returns
    -------
    xarray.Dataset
        One variable per metric, without the ``time`` dimension; non-time
        coordinates of ``ds`` are kept.
    """
    need = ("collaborative_behaviour", "performance", "active")
    missing = [v for v in need if v not in ds]
    if missing:
        raise KeyError(f"the ensemble lacks {missing}; simulate with these columns")
    b = ds["collaborative_behaviour"]
    dims = [d for d in b.dims if d != "time"] + ["time"]
    arrays = {v: ds[v].transpose(*dims).values for v in need}
    res = compute_metrics_arrays(ds["time"].values, arrays["collaborative_behaviour"],
                                 arrays["performance"], arrays["active"], threshold)
    coords = {k: c for k, c in b.coords.items() if "time" not in c.dims}
    out = xr.Dataset({k: xr.DataArray(v, dims=dims[:-1], coords=coords,
                                      attrs={"long_name": METRICS[k].label})
                      for k, v in res.items()})
    out.attrs["synergy_threshold"] = float(threshold)
    return out
