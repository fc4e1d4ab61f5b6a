"""The loop-dominance figure: behaviour on top, relative loop scores beneath."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..plotting import mark_events, plot_trajectories
from .scores import LoopScores

BEHAVIOUR = ("trust", "faith", "perceived_progress", "conflict", "collaborative_behaviour")
"""Stocks drawn in the top panel by default."""

_REINFORCING = ("#d62728", "#ff7f0e", "#9467bd", "#e377c2", "#8c564b", "#bcbd22", "#f7b6d2",
                "#c49c94")
_BALANCING = ("#1f77b4", "#2ca02c", "#17becf", "#aec7e8", "#98df8a", "#9edae5", "#7f7f7f",
              "#393b79", "#5254a3", "#637939", "#006d2c", "#9c9ede")
OTHER_COLOR = "0.8"


def loop_colors(scores: LoopScores) -> dict[str, str]:
    """A colour per named loop: warm for reinforcing, cool for balancing (theory)."""
    out, r, b = {}, 0, 0
    for n in scores.named:
        if n.polarity == "R":
            out[n.name] = _REINFORCING[r % len(_REINFORCING)]
            r += 1
        else:
            out[n.name] = _BALANCING[b % len(_BALANCING)]
            b += 1
    return out


def plot_relative_scores(scores: LoopScores, ax=None, partition_of: str = "trust"):
    """Stacked relative loop scores of the named loops over time.

    Each named loop's score is split into its positive part (stacked above 0) and
    its negative part (stacked below), so the bands above 0 add up to the
    reinforcing share of the change and those below to the balancing share; the
    grey band is every other loop of the same cycle partition.

    Parameters
    ----------
    scores : LoopScores
    ax : matplotlib Axes, optional
    partition_of : str
        A stock: loops of that stock's cycle partition are shown.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    ids = scores.partition_loops(partition_of)
    named = [n for n in scores.named if n.ids[0] in ids]
    named_ids = {i for n in named for i in n.ids}
    t = scores.relative.index.to_numpy()
    colors = loop_colors(scores)
    series = {n.name: scores.relative[list(n.ids)].sum(axis=1).to_numpy() for n in named}
    other = scores.relative[[i for i in ids if i not in named_ids]]
    series["other loops"] = None
    pos = [np.clip(v, 0, None) for v in series.values() if v is not None]
    neg = [np.clip(v, None, 0) for v in series.values() if v is not None]
    pos.append(other.clip(lower=0).sum(axis=1).to_numpy())
    neg.append(other.clip(upper=0).sum(axis=1).to_numpy())
    cols = [colors[n.name] for n in named] + [OTHER_COLOR]
    labels = [f"{n.name} ({n.polarity}, {', '.join(n.claims)})" for n in named] + ["other loops"]
    ax.stackplot(t, *pos, colors=cols, labels=labels, lw=0)
    ax.stackplot(t, *neg, colors=cols, lw=0)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylim(-1.02, 1.02)
    ax.set_xlim(t[0], t[-1])
    ax.set_ylabel("Relative loop score\n(reinforcing > 0 > balancing)")
    ax.set_xlabel("Time (months)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return ax


def plot_dominance(scores: LoopScores, axes=None, behaviour: Sequence[str] = BEHAVIOUR,
                   title: str | None = None):
    """Behaviour (top) and relative loop scores of the named loops (bottom).

    Parameters
    ----------
    scores : LoopScores
    axes : pair of matplotlib Axes sharing the time axis, optional
    behaviour : sequence of str
        Stocks to draw on top.
    title : str, optional

    Returns
    -------
    tuple of matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True,
                                 gridspec_kw={"height_ratios": [1, 1.3]})
        fig.subplots_adjust(right=0.7, hspace=0.08, top=0.93)
    top, bottom = axes
    traj = scores.trajectories
    plot_trajectories(traj, [c for c in behaviour if c in traj], ax=top)
    top.set_xlabel("")
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    top.set_ylim(0, 1.08)
    mark_events(top, scores.scenario)
    plot_relative_scores(scores, ax=bottom)
    for ev in scores.scenario.events:
        bottom.axvline(ev.at, color="0.4", ls=":", lw=1)
    top.set_title(title or f"{scores.scenario.name}: which feedback loops drive the "
                  "partnership (Loops That Matter)", fontsize=10)
    return top, bottom
