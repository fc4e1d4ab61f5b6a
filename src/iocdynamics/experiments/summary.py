"""Per-setting summaries of the outcome metrics.

For each lever setting and metric:

* continuous metrics: median and the 5% and 95% quantiles over members
  (``<metric>_median``, ``<metric>_p5``, ``<metric>_p95``);
* binary metrics (``reached_synergy``, ``dissolved``): the share of members,
  i.e. the estimated probability (``<metric>_probability``), with a 90% Wilson
  score interval for that estimate (``<metric>_p5``, ``<metric>_p95``);
* the censored ``time_to_synergy``: quantiles with "never" read as later than the
  horizon; a quantile that falls among those members is left empty (NaN) in the
  table -- e.g. an empty median means fewer than half the members reached
  synergy by the horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from .metrics import METRICS

QUANTILES = {"p5": 0.05, "median": 0.5, "p95": 0.95}
WILSON_Z = 1.6448536269514722  # two-sided 90%: the 5% and 95% bounds


def wilson_interval(successes: np.ndarray, n: int, z: float = WILSON_Z
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion.

    Parameters
    ----------
    successes : array
        Number of successes.
    n : int
        Number of trials.
    z : float
        Standard-normal quantile (default: 90% two-sided).

    Returns
    -------
    lower, upper : arrays
    """
    k = np.asarray(successes, dtype=float)
    if n <= 0:
        nan = np.full(k.shape, np.nan)
        return nan, nan
    p = k / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # the interval contains p; rounding can put a bound a hair past p at p = 0 or 1
    return (np.clip(np.minimum(centre - half, p), 0, 1),
            np.clip(np.maximum(centre + half, p), 0, 1))


def censored_quantiles(values: np.ndarray, qs=(0.05, 0.5, 0.95)) -> np.ndarray:
    """Quantiles over the last axis with NaN read as +inf (right-censored);
    quantiles that land on a censored value are returned as NaN."""
    v = np.where(np.isnan(values), np.inf, values)
    out = np.quantile(v, qs, axis=-1, method="inverted_cdf")
    return np.where(np.isfinite(out), out, np.nan)


def summarise(metrics: xr.Dataset, settings: pd.DataFrame) -> pd.DataFrame:
    """One row per lever setting: the lever labels, the number of members and the
    summary columns of every metric.

    Parameters
    ----------
    metrics : xarray.Dataset
        Metric variables with dims ``(setting, member)``.
    settings : DataFrame
        Lever labels per setting (rows in the order of the ``setting`` dim).
    """
    rows = settings.copy()
    n = metrics.sizes["member"]
    rows.insert(len(rows.columns), "members", n)
    for name, meta in METRICS.items():
        if name not in metrics:
            continue
        v = metrics[name].transpose("setting", "member").values
        if meta.kind == "binary":
            k = np.nansum(v, axis=1)
            lo, hi = wilson_interval(k, n)
            rows[f"{name}_probability"] = k / n
            rows[f"{name}_p5"] = lo
            rows[f"{name}_p95"] = hi
        elif meta.kind == "censored":
            q = censored_quantiles(v, tuple(QUANTILES.values()))
            for j, key in enumerate(QUANTILES):
                rows[f"{name}_{key}"] = q[j]
        else:
            q = np.quantile(v, tuple(QUANTILES.values()), axis=1)
            for j, key in enumerate(QUANTILES):
                rows[f"{name}_{key}"] = q[j]
    return rows


def setting_titles(settings: pd.DataFrame) -> list[str]:
    """``"lever=level, lever=level"`` per setting (``"base"`` if there is no lever)."""
    if settings.shape[1] == 0:
        return ["base"] * len(settings)
    return [", ".join(f"{c}={r[c]}" for c in settings.columns)
            for _, r in settings.iterrows()]
