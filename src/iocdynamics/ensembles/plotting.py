"""Figures of ensembles: median and quantile bands of a column over time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr


def plot_bands(ds: xr.Dataset, column: str, ax=None,
               quantiles: Sequence[float] = (0.05, 0.25, 0.75, 0.95), color: str = "C0",
               title: str | None = None):
    """Median of ``column`` over the members, with shaded quantile bands.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`iocdynamics.ensembles.simulate_ensemble`.
    column : str
        A data variable of ``ds``.
    ax : matplotlib Axes, optional
    quantiles : sequence of float
        Pairs from the outside in (default 5-95 % and 25-75 %).
    color : str
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from ..plotting import label

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    values = np.asarray(ds[column].values, dtype=float)
    t = ds["time"].values
    qs = sorted(quantiles)
    levels = np.quantile(values, qs + [0.5], axis=0)
    n_pairs = len(qs) // 2
    for i in range(n_pairs):
        lo, hi = levels[i], levels[len(qs) - 1 - i]
        ax.fill_between(t, lo, hi, color=color, alpha=0.15 + 0.2 * i, linewidth=0,
                        label=f"{qs[i]:.0%}-{qs[len(qs) - 1 - i]:.0%} of members")
    ax.plot(t, levels[-1], color=color, lw=2, label="median")
    ax.set_xlabel("Month")
    ax.set_ylabel(label(column))
    ax.set_title(title or f"{label(column)} ({ds.sizes['member']:,} members)")
    ax.grid(alpha=0.3)
    return ax
