"""Calibration figures: fitted trajectories against coded bands, profiles, correlations.

Every function draws on the axes it is given (or makes its own) and returns them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..plotting import label
from .evidence import Case
from .scales import scale_of
from .uncertainty import CHI2, Profile


def _axes(ax, size=(6, 3.5)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_case_variable(case: Case, variable: str, trajectory: pd.DataFrame,
                       cutpoints: Sequence[float] | None = None, ax=None):
    """Simulated trajectory of one variable with the coded observations as bands.

    Each observation is drawn as the band of its coded level (between the scale's
    cut-points), one month wide, with opacity equal to the coder's confidence.
    """
    from matplotlib.patches import Rectangle

    ax = _axes(ax)
    scale = scale_of(variable)
    ax.plot(trajectory.index, trajectory[variable], color="#1f4e79", lw=1.8,
            label="fitted model")
    for o in case.observations:
        if o.variable != variable:
            continue
        lo, hi = scale.band(o.level, cutpoints)
        ax.add_patch(Rectangle((o.time - 0.75, lo), 1.5, hi - lo, facecolor="#e07b00",
                               alpha=0.15 + 0.75 * o.confidence, edgecolor="#8a4b00",
                               lw=0.6))
    cuts = cutpoints if cutpoints is not None else scale.cutpoints
    for c in cuts:
        ax.axhline(c, color="0.85", lw=0.6, zorder=0)
    ax.set_ylim(scale.lower, scale.upper)
    ax.set_xlim(-1, case.horizon + 1)
    ax.set_xlabel("Months since start")
    units = "relative to baseline" if scale.name == "relative" else \
        ("1 active, 0 dissolved" if scale.name == "status" else "0-1")
    ax.set_ylabel(f"{label(variable)} ({units})", fontsize=8)
    mids = [np.mean(scale.band(k + 1, cutpoints)) for k in range(scale.n_levels)]
    ax2 = ax.twinx()
    ax2.set_ylim(ax.get_ylim())
    ax2.set_yticks(mids)
    ax2.set_yticklabels(scale.labels, fontsize=7)
    ax2.tick_params(length=0)
    return ax


def case_figure(case: Case, trajectory: pd.DataFrame,
                cutpoints: dict[str, Sequence[float]] | None = None):
    """A figure with one panel per observed variable of a case."""
    import matplotlib.pyplot as plt

    vs = case.variables
    ncol = 2 if len(vs) > 1 else 1
    nrow = int(np.ceil(len(vs) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.2 * ncol, 2.8 * nrow), squeeze=False)
    for ax, v in zip(axes.flat, vs):
        plot_case_variable(case, v, trajectory,
                           (cutpoints or {}).get(scale_of(v).name), ax=ax)
    for ax in list(axes.flat)[len(vs):]:
        ax.set_visible(False)
    fig.suptitle(f"{case.title}\nline: fitted model; boxes: coded level "
                 "(opacity = coder confidence)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_profile(prof: Profile, estimate: float, units: str = "", ax=None):
    """Profile likelihood: twice the rise of the objective against the parameter."""
    ax = _axes(ax, (4.5, 3.2))
    rise = 2 * (prof.objective - np.min(prof.objective))
    ax.plot(prof.values, rise, "o-", color="#1f4e79", ms=3)
    ax.axhline(CHI2, color="#c00000", ls="--", lw=1, label="90% threshold")
    ax.axvline(estimate, color="0.5", lw=0.8)
    lo, hi = prof.interval
    ax.axvspan(lo, hi, color="#1f4e79", alpha=0.08, label="90% interval")
    ax.set_xlabel(f"{prof.name}" + (f" ({units})" if units and units != "Dmnl" else ""))
    ax.set_ylabel("2 x rise of -log posterior")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="upper center")
    if prof.flat:
        ax.set_title("flat: not pinned down", fontsize=9, color="#c00000")
    return ax


def plot_correlation(names: Sequence[str], corr: np.ndarray, ax=None):
    """Heatmap of parameter correlations (from the Hessian) with values written in."""
    ax = _axes(ax, (1.2 + 0.7 * len(names), 1.0 + 0.6 * len(names)))
    c = np.where(np.isfinite(corr), corr, 0.0)
    im = ax.imshow(c, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=45, ha="right", fontsize=7)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=7)
    for i in range(len(names)):
        for j in range(len(names)):
            txt = f"{corr[i, j]:+.2f}" if np.isfinite(corr[i, j]) else "n/a"
            ax.text(j, i, txt, ha="center", va="center", fontsize=7,
                    color="white" if abs(c[i, j]) > 0.6 else "black")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="correlation")
    ax.set_title("Parameter correlations at the estimate", fontsize=9)
    return ax
