"""Figures of simulated trajectories (matplotlib; no ``plt.show()``).

Every function draws on axes it is given (or makes its own) and returns them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .scenario import Scenario

LABELS = {
    "trust": "Trust",
    "faith": "Faith",
    "conflict": "Conflict",
    "perceived_progress": "Perception of progress",
    "risk_tolerance": "Risk tolerance",
    "confidence": "Confidence",
    "collaborative_behaviour": "Collaborative behaviour",
    "performance": "Performance vs baseline",
    "capability": "Accrued capability",
    "vision_clarity": "Clarity of vision",
    "vision_sharedness": "Sharedness of vision",
    "cultural_assimilation": "Cultural assimilation",
    "ambition_level": "Ambition",
    "time_below_critical": "Time below critical level (months)",
    "active": "Partnership active",
}

COLORS = {
    "trust": "#1f77b4",
    "faith": "#d62728",
    "collaborative_behaviour": "#2ca02c",
    "conflict": "#9467bd",
    "perceived_progress": "#ff7f0e",
    "risk_tolerance": "#17becf",
    "confidence": "#8c564b",
    "performance": "#333333",
}

#: The codebook's reading of a 0..1 level (the calibration's ``unit`` scale): band
#: labels and the cut-points between them. Figures label 0..1 axes with them.
LEVEL_LABELS = ("very low", "low", "moderate", "high", "very high")
LEVEL_CUTS = (0.2, 0.4, 0.6, 0.8)

EVENT_LABELS = {
    "quick_win": "quick win",
    "task_failure": "task failure",
    "conflict_incident": "conflict",
    "leadership_change": "leader change",
    "staff_loss": "staff loss",
    "vision_clarified": "vision clarified",
}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4))
    return ax


def label(name: str) -> str:
    """Human-readable label of an output column."""
    return LABELS.get(name, name.replace("_", " ").capitalize())


def level_axis(ax, fontsize: float = 7.5):
    """Label a 0..1 axis with the codebook's levels (very low ... very high) on the
    right, at the middle of each band, with faint lines at the cut-points.

    Returns
    -------
    matplotlib Axes
        The right-hand axis (twin of ``ax``).
    """
    edges = (0.0, *LEVEL_CUTS, 1.0)
    mids = [(a + b) / 2 for a, b in zip(edges, edges[1:])]
    for c in LEVEL_CUTS:
        ax.axhline(c, color="0.88", lw=0.6, zorder=0)
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(mids)
    right.set_yticklabels(LEVEL_LABELS, fontsize=fontsize, color="0.35")
    right.tick_params(length=0)
    for side in ("top", "right"):
        right.spines[side].set_visible(False)
    return right


def plot_trajectories(df: pd.DataFrame, columns: Sequence[str], ax=None,
                      ylabel: str = "Level (0-1)", title: str | None = None):
    """Line plot of some columns of a simulation table against time.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`iocdynamics.simulate`.
    columns : sequence of str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    for c in columns:
        ax.plot(df.index, df[c], label=label(c), color=COLORS.get(c), lw=2)
    ax.set_xlabel("Time (months)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.set_xlim(df.index[0], df.index[-1])
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, frameon=False)
    return ax


def mark_events(ax, scenario: Scenario, numbered: bool = True):
    """Draw each event of ``scenario`` as a dotted vertical line with a label.

    Events with a ``note`` (e.g. the event's number in the paper's figure) are
    labelled with it; others with their kind. Events close together (within 4% of
    the time axis) that carry the same label are labelled once; different labels
    that close are staggered downwards so that they do not overprint.
    """
    ymax = ax.get_ylim()[1]
    x0, x1 = ax.get_xlim()
    near = 0.04 * (x1 - x0)
    last_at, last_text, row = None, None, 0
    for ev in sorted(scenario.events, key=lambda e: e.at):
        ax.axvline(ev.at, color="0.5", ls=":", lw=1)
        text = ev.note if (numbered and ev.note) else EVENT_LABELS[ev.kind]
        close = last_at is not None and ev.at - last_at < near
        if close and text == last_text:
            continue
        row = row + 1 if close else 0
        ax.annotate(text, (ev.at, ymax), xytext=(2, -2 - 9 * row),
                    textcoords="offset points", fontsize=8, va="top", ha="left",
                    color="0.25", rotation=0 if len(text) < 4 else 90)
        last_at, last_text = ev.at, text
    return ax


def plot_dissolution(ax, df: pd.DataFrame, text: bool = True):
    """Shade the period after the partnership dissolved, if it did (and say so)."""
    if "active" in df and (df["active"] < 0.5).any():
        t0 = df.index[np.argmax(df["active"].to_numpy() < 0.5)]
        ax.axvspan(t0, df.index[-1], color="0.88", zorder=0)
        if text:
            ax.text(t0, 0.5, f"  partnership dissolved (month {t0:g})",
                    transform=ax.get_xaxis_transform(), fontsize=8, color="0.3",
                    va="center", ha="left")
    return ax


def plot_scenario(df: pd.DataFrame, scenario: Scenario | None = None, axes=None):
    """Three-panel overview: trust, faith and behaviour; the other mechanisms;
    performance against the pre-collaboration baseline.

    Parameters
    ----------
    df : DataFrame
        Simulation output containing at least the eight main stocks.
    scenario : Scenario, optional
        Used for the title and to mark events.
    axes : sequence of three Axes, optional

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(3, 1, figsize=(8, 9), sharex=True,
                                 gridspec_kw={"height_ratios": [3, 2, 1.6]})
    else:
        fig = axes[0].figure
    top, mid, bottom = axes
    plot_trajectories(df, ["trust", "faith", "collaborative_behaviour"], ax=top,
                      title="Trust, faith and collaborative behaviour")
    top.set_ylim(0, 1)
    level_axis(top)
    plot_trajectories(df, ["conflict", "perceived_progress", "risk_tolerance", "confidence"],
                      ax=mid, title="Conflict, perception of progress, risk tolerance, "
                                    "confidence")
    mid.set_ylim(0, 1)
    level_axis(mid)
    plot_trajectories(df, ["performance"], ax=bottom,
                      ylabel="Relative to baseline", title="Performance (0 = baseline)")
    bottom.axhline(0, color="0.4", lw=0.8)
    for ax in axes:
        plot_dissolution(ax, df, text=ax is top)
        if scenario is not None:
            mark_events(ax, scenario, numbered=False)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    if scenario is not None:
        fig.suptitle(f"Scenario: {scenario.name}", fontsize=12)
    fig.tight_layout()
    return fig


def plot_fig5(df: pd.DataFrame, scenario: Scenario, synergy_threshold: float = 0.4,
              axes=None):
    """The paper's Fig. 5 as a simulation: trust and faith against time with the
    numbered events marked (top), and collaborative behaviour moving from inertia
    into synergy (bottom).

    Parameters
    ----------
    df : DataFrame
        Simulation of ``scenario`` with trust, faith and collaborative_behaviour.
    scenario : Scenario
        Its events' ``note`` fields carry the figure's event numbers.
    synergy_threshold : float
        Level of collaborative behaviour drawn as the boundary between inertia and
        synergy.
    axes : pair of Axes, optional

    Returns
    -------
    numpy array of two Axes
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(9, 7), sharex=True,
                               gridspec_kw={"height_ratios": [3, 2]})
    top, bottom = axes
    t = df.index
    top.plot(t, df["trust"], color=COLORS["trust"], lw=2.4, label="Level of trust")
    top.plot(t, df["faith"], color=COLORS["faith"], lw=2.4, label="Level of faith")
    top.set_ylim(0, 1.08)
    top.set_ylabel("Level (0-1)")
    level_axis(top)
    top.set_title(f"{scenario.name}: trust and faith over time (cf. Aunger et al. 2021, "
                  "Fig. 5)", fontsize=11)
    top.legend(loc="lower right", fontsize=9, frameon=False)
    top.grid(alpha=0.25)

    bottom.axhspan(synergy_threshold, 1, color="#2ca02c", alpha=0.08, zorder=0)
    bottom.axhspan(0, synergy_threshold, color="#d62728", alpha=0.06, zorder=0)
    bottom.plot(t, df["collaborative_behaviour"], color=COLORS["collaborative_behaviour"],
                lw=2.2, label="Collaborative behaviour")
    bottom.axhline(synergy_threshold, color="0.5", lw=0.8, ls="--")
    bottom.text(t[-1], 0.97, "SYNERGY: collaborative behaviour ", ha="right", va="top",
                fontsize=8, color="#2a7a2a")
    bottom.text(t[-1], 0.03, "INERTIA: competitive behaviour ", ha="right", va="bottom",
                fontsize=8, color="#a03030")
    bottom.set_ylim(0, 1)
    bottom.set_xlim(t[0], t[-1])
    bottom.set_ylabel("Collaborative behaviour (0-1)")
    bottom.set_xlabel("Time (months)")
    bottom.grid(alpha=0.25)

    groups: dict[str, list] = {}
    for ev in sorted(scenario.events, key=lambda e: e.at):
        groups.setdefault(ev.note or EVENT_LABELS[ev.kind], []).append(ev)
    key = ["1  initial trust and faith set by context"]
    circle = dict(boxstyle="circle,pad=0.2", fc="white", ec="0.5", lw=0.6)
    for text, evs in groups.items():
        for ev in evs:
            for ax in axes:
                ax.axvline(ev.at, color="0.6", ls=":", lw=1)
        x = float(np.mean([e.at for e in evs]))
        top.annotate(text, (x, 1.04), xycoords=("data", "data"), ha="center", va="center",
                     fontsize=8, bbox=circle)
        kinds = ", ".join(dict.fromkeys(EVENT_LABELS[e.kind] for e in evs))
        months = ", ".join(f"{e.at:g}" for e in evs)
        key.append(f"{text}  {kinds} (month {months})")
    top.annotate("1", (t[0], 1.04), xytext=(6, 0), textcoords="offset points",
                 ha="left", va="center", fontsize=8, bbox=circle)
    key.append(f"{len(groups) + 2 if groups else 2}  synergy: collaborative behaviour above "
               f"{synergy_threshold:g}")
    bottom.figure.text(0.01, 0.005, "Events:  " + ";   ".join(key), fontsize=7.5,
                       ha="left", va="bottom", wrap=True, color="0.2")
    bottom.figure.tight_layout(rect=(0, 0.05, 1, 1))
    return axes
