"""Tipping by events: a scenario run with and without some of its events, over the
phase portraits of the contexts it passes through.

A scenario's context can change during a run (a ``leadership_change`` with a new
``leadership_quality``, a lever changed from a given month): each stretch of
constant context is a *segment* with its own autonomous field, equilibria and basins
(:func:`~.phase.phase_data`). For every saved state of both runs, the state is
integrated in the autonomous field of the context then in force and labelled with
the stable state it reaches: so whether a run is in the basin of synergy is decided
from its full state, not from where its projection falls on the trust-faith plane
(the drawn basins are those of states on the quasi-steady surface, on which a
running partnership does not lie).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.events import EVENT_KINDS
from ..plotting import COLORS, EVENT_LABELS, label
from ..scenario import Scenario, load_scenario
from ..simulation import simulate
from .autonomous import autonomous_system, integrate
from .phase import BASIN_COLORS, PhaseData, phase_data, plot_phase
from .regimes import SYNERGY_LEVEL

#: Line style of each run (the variable is told by colour).
RUN_STYLES = ({"ls": "-", "lw": 2.0}, {"ls": (0, (5, 2.5)), "lw": 1.8})
#: Colour of each run in the phase plane.
RUN_COLORS = ("black", "#CC79A7")


@dataclass
class Segment:
    """A stretch of the run with constant context.

    Attributes
    ----------
    start, end : float
        Months (the segment holds saved times ``start <= t < end``; the last one
        also ``t = end``).
    changed : dict
        Constants that differ from the scenario's initial values in this segment.
    phase : PhaseData
        Portrait of the segment's autonomous field.
    regimes : list of str
        Per attractor of ``phase``: ``"synergy"`` or ``"inertia"``.
    labels : dict
        Run name -> array of the attractor index each saved state of the run in
        this segment reaches (-1: not settled, or dissolved).
    times : dict
        Run name -> the saved times of the run in this segment.
    """

    start: float
    end: float
    changed: dict[str, float]
    phase: PhaseData
    regimes: list[str]
    labels: dict[str, np.ndarray]
    times: dict[str, np.ndarray]

    def describe(self) -> str:
        """Months and the context items that changed, in words."""
        span = f"months {self.start:g}-{self.end:g}"
        if not self.changed:
            return f"{span}: initial context"
        items = ", ".join(f"{label(k).lower()} {v:g}" for k, v in self.changed.items())
        return f"{span}: {items}"

    def status(self, run: str) -> str:
        """Where ``run`` is, in words: which basin it is in over the segment."""
        lab = self.labels[run]
        if not lab.size or lab[-1] < 0:
            return "not settled"
        end = self.regimes[lab[-1]]
        t = self.entry(run, end)
        if t is None or t <= self.start + 1e-9:
            return f"in the basin of {end} throughout"
        return f"enters the basin of {end} at month {t:g}"

    def entry(self, run: str, regime: str = "synergy") -> float | None:
        """First saved month from which ``run`` stays in the basin of ``regime``
        until the end of the segment (None if it does not)."""
        idx = [i for i, r in enumerate(self.regimes) if r == regime]
        inside = np.isin(self.labels[run], idx)
        if not inside.size or not inside[-1]:
            return None
        k = len(inside) - 1
        while k > 0 and inside[k - 1]:
            k -= 1
        return float(self.times[run][k])


@dataclass
class TippingData:
    """Two runs of one scenario and the portraits of the contexts they pass through.

    Attributes
    ----------
    scenario : str
    runs : dict
        Run name -> simulation table (every stock); the first run has every event.
    removed : tuple of str
        Event kinds left out of the second run.
    events : dict
        Run name -> list of ``(month, kind, note)``.
    segments : list of Segment
    x_name, y_name : str
        Stocks of the phase plane.
    """

    scenario: str
    runs: dict[str, pd.DataFrame]
    removed: tuple[str, ...]
    events: dict[str, list[tuple[float, str, str]]]
    segments: list[Segment]
    x_name: str
    y_name: str


def context_segments(scenario: Scenario) -> list[tuple[float, float, dict[str, float]]]:
    """Stretches of constant context of a scenario: ``(start, end, changed)``, where
    ``changed`` holds the constants that differ from their initial values."""
    grid = scenario.grid()
    varying = {k: v for k, v in scenario.input_series().items() if not k.endswith("_input")}
    cuts = sorted({int(i) for v in varying.values() for i in np.flatnonzero(np.diff(v)) + 1})
    bounds = [0, *cuts, len(grid) - 1]
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        changed = {k: float(v[a]) for k, v in varying.items()
                   if v[a] != float(scenario.values[k])}
        out.append((float(grid[a]), float(grid[b]), changed))
    return out


def _without(scenario: Scenario, kinds: Sequence[str]) -> Scenario:
    d = scenario.to_dict()
    d["events"] = [e for e in d["events"] if e["kind"] not in kinds]
    return Scenario.from_dict(d, source=f"{scenario.source} without {', '.join(kinds)}")


def _run_name(kinds: Sequence[str], with_: bool) -> str:
    words = " and ".join(f"{EVENT_LABELS[k]}s" for k in kinds)
    return f"with its {words}" if with_ else f"without its {words}"


def tipping_data(scenario, remove: Sequence[str] = ("quick_win",), x: str = "trust",
                 y: str = "faith", n_grid: int = 41, n_basin: int = 61,
                 horizon: float = 400.0, seed: int = 0) -> TippingData:
    """Simulate a scenario with and without some kinds of event and place both runs
    on the portraits of the contexts they pass through.

    Parameters
    ----------
    scenario : path, dict or Scenario
    remove : sequence of str
        Event kinds left out of the second run; they must not change the context
        (a ``leadership_change`` with a new quality does).
    x, y : str
        Stocks of the phase plane.
    n_grid, n_basin : int
        Resolution of the field and of the basins (see :func:`~.phase.phase_data`).
    horizon : float
        Months each state is integrated for to tell which stable state it reaches.
    seed : int
        Seed of the equilibrium search.

    Returns
    -------
    TippingData
    """
    sc = load_scenario(scenario)
    unknown = [k for k in remove if k not in EVENT_KINDS]
    if unknown or not remove:
        raise ValueError(f"remove={list(remove)!r}: give one or more event kinds of "
                         f"{', '.join(EVENT_KINDS)}")
    if not any(e.kind in remove for e in sc.events):
        raise ValueError(f"{sc.source}: the scenario has no {', '.join(remove)} event to "
                         "leave out")
    reduced = _without(sc, remove)
    segments = context_segments(sc)
    if [s[2] for s in context_segments(reduced)] != [s[2] for s in segments]:
        raise ValueError(f"remove={list(remove)!r}: these events change the context of "
                         f"{sc.source}; leave out only events that do not")
    names = (_run_name(remove, True), _run_name(remove, False))
    runs = {names[0]: simulate(sc), names[1]: simulate(reduced)}
    events = {n: [(e.at, e.kind, e.note) for e in sorted(s.events, key=lambda e: e.at)]
              for n, s in zip(names, (sc, reduced))}

    out = []
    for k, (start, end, changed) in enumerate(segments):
        seg_sc = sc.with_values(**changed) if changed else sc
        data = phase_data(seg_sc, x, y, n_grid=n_grid, n_basin=n_basin, starts=[],
                          horizon=horizon, seed=seed)
        system = autonomous_system(seg_sc)
        ib = system.index("collaborative_behaviour")
        # synergy first, so that its basin has the same colour in every portrait
        order = sorted(range(len(data.attractors)),
                       key=lambda i: -data.attractors[i].state[ib])
        remap = np.full(len(order) + 1, -1)
        remap[[i + 1 for i in order]] = np.arange(len(order))
        data.basins = remap[data.basins + 1]
        data.attractors = [data.attractors[i] for i in order]
        regimes = ["synergy" if a.state[ib] > SYNERGY_LEVEL else "inertia"
                   for a in data.attractors]
        last = k == len(segments) - 1
        labels, times = {}, {}
        for name, df in runs.items():
            t = df.index.to_numpy()
            keep = (t >= start - 1e-9) & ((t < end - 1e-9) | last)
            rows = df.loc[keep]
            lab = np.full(len(rows), -1, dtype=int)
            alive = rows["active"].to_numpy() > 0.5
            if data.attractors and alive.any():
                X0 = rows.loc[alive, list(system.states)].to_numpy().T
                _, xend = integrate(system, X0, horizon, 1.0, t_save=[horizon])
                span = (system.upper - system.lower)[:, None]
                dist = np.stack([np.max(np.abs(xend[-1] - a.state[:, None]) / span, axis=0)
                                 for a in data.attractors])
                best = np.argmin(dist, axis=0)
                best[np.min(dist, axis=0) > 1e-2] = -1
                lab[alive] = best
            labels[name], times[name] = lab, rows.index.to_numpy()
        out.append(Segment(start, end, changed, data, regimes, labels, times))
    return TippingData(sc.name, runs, tuple(remove), events, out, x, y)


# ------------------------------------------------------------------ drawing
def plot_tipping_time(data: TippingData, columns: Sequence[str] = ("collaborative_behaviour",),
                      ax=None, synergy_level: float = SYNERGY_LEVEL):
    """Stocks against time for both runs (solid: every event; dashed: without the
    removed ones), with the context changes and the months from which each run is in
    the basin of synergy of the context in force.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    for (name, df), style in zip(data.runs.items(), RUN_STYLES):
        for c in columns:
            ax.plot(df.index, df[c], color=COLORS.get(c), label=f"{label(c)}, {name}",
                    **style)
    if "collaborative_behaviour" in columns:
        ax.axhline(synergy_level, color="0.5", lw=0.8, ls=":")
        ax.text(0.995, synergy_level, "synergy above ", transform=ax.get_yaxis_transform(),
                ha="right", va="bottom", fontsize=7.5, color="0.35")
    first = next(iter(data.runs.values()))
    groups: dict[str, list[float]] = {}
    for at, kind, note in data.events[next(iter(data.runs))]:
        ax.axvline(at, color="0.75", lw=0.8, ls=":", zorder=0)
        groups.setdefault(note or EVENT_LABELS[kind], []).append(at)
    for mark, ats in groups.items():
        ax.annotate(mark, (float(np.mean(ats)), 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=7, color="0.35")
    for seg in data.segments[1:]:
        ax.axvline(seg.start, color="0.3", lw=1.2, ls="-.", zorder=1)
        ax.text(seg.start, 0.93, f"  from month {seg.start:g}: "
                f"{seg.describe().split(': ', 1)[1]}", transform=ax.get_xaxis_transform(),
                fontsize=7.5, va="top", ha="left", color="0.25")
    for name, color in zip(data.runs, RUN_COLORS):
        for seg in data.segments:
            t = seg.entry(name)
            if t is not None and t > seg.start + 1e-9:
                ax.plot(t, data.runs[name].loc[t, columns[0]], marker="*", ms=12,
                        color=color, mec="white", mew=0.6, zorder=6, ls="none")
    ax.set_xlim(first.index[0], first.index[-1])
    ax.set_ylim(0, 1)
    ax.set_xlabel("Time (months)")
    ax.set_ylabel("Level (0-1)")
    ax.grid(alpha=0.25)
    ax.legend(loc="upper left", fontsize=7.5, frameon=True, framealpha=0.85)
    return ax


def _draw_portrait(ax, seg: Segment) -> None:
    """The segment's portrait (field, nullclines, basins, equilibria) and its
    separatrix, without legend or title."""
    ph = seg.phase
    plot_phase(ph, ax=ax)
    ax.get_legend().remove()
    ax.set_title("")
    for line in ax.get_lines():
        if line.get_gid() == "trajectory":
            line.set_color("0.25")
            line.set_lw(1.3)
    if len(seg.regimes) == 2:
        cs = ax.contour(ph.basin_x, ph.basin_y, np.where(ph.basins < 0, np.nan, ph.basins),
                        levels=[0.5], colors="black", linewidths=1.6, linestyles="-.",
                        zorder=5)
        cs.set_gid("separatrix")


def _draw_runs(ax, data: TippingData, seg: Segment, events: bool = True) -> None:
    """The part of both runs inside the segment, with their events and entries."""
    for (name, df), style, color in zip(data.runs.items(), RUN_STYLES, RUN_COLORS):
        t = df.index.to_numpy()
        part = df.loc[(t >= seg.start - 1e-9) & (t <= seg.end + 1e-9)]
        ax.plot(part[data.x_name], part[data.y_name], color=color, zorder=7, **style)
        ax.plot(part[data.x_name].iloc[0], part[data.y_name].iloc[0], "o", color=color,
                ms=5, zorder=8)
        ax.plot(part[data.x_name].iloc[-1], part[data.y_name].iloc[-1], "s", color=color,
                ms=5, zorder=8)
        if events:
            # every event on the first run; the second has no others to show
            for at, kind, note in data.events[name]:
                if seg.start <= at < seg.end and (color == RUN_COLORS[0]
                                                  or kind in data.removed):
                    row = df.index[np.argmin(np.abs(t - at - 0.5))]
                    ax.annotate(note or EVENT_LABELS[kind],
                                (df.loc[row, data.x_name], df.loc[row, data.y_name]),
                                xytext=(3, 3), textcoords="offset points", fontsize=8,
                                color=color, zorder=9, fontweight="bold")
        entry = seg.entry(name)
        if entry is not None and entry > seg.start + 1e-9:
            ax.plot(df.loc[entry, data.x_name], df.loc[entry, data.y_name], marker="*",
                    ms=14, color=color, mec="white", mew=0.7, zorder=9, ls="none")


def tipping_legend_handles(data: TippingData) -> list:
    """Legend entries shared by every portrait of :func:`plot_tipping_phase`."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .phase import NULLCLINE_STYLE

    regimes = list(dict.fromkeys(r for seg in data.segments for r in seg.regimes))
    handles = [Patch(color=BASIN_COLORS[i], alpha=0.45, label=f"basin of {r}")
               for i, r in enumerate(("synergy", "inertia")) if r in regimes]
    if any(len(seg.regimes) == 2 for seg in data.segments):
        handles.append(Line2D([], [], color="black", lw=1.6, ls="-.",
                              label="separatrix (basin boundary)"))
    handles += [Line2D([], [], lw=2.2, **NULLCLINE_STYLE[k],
                       label=f"{label(n).lower()} nullcline (d/dt = 0)")
                for k, n in enumerate((data.x_name, data.y_name))]
    handles.append(Line2D([], [], color="0.45", lw=0.8, label="vector field"))
    if any(seg.phase.trajectories for seg in data.segments):
        handles.append(Line2D([], [], color="0.25", lw=1.3,
                              label="paths leaving the saddle"))
    handles += [Line2D([], [], ls="none", marker="o", mfc="black", mec="white", ms=9,
                       label="stable state"),
                Line2D([], [], ls="none", marker="X", mfc="black", mec="white", ms=9,
                       label="saddle"),
                Line2D([], [], color="0.2", ls=":", lw=1.2,
                       label="critical level (dissolution risk)")]
    handles += [Line2D([], [], color=c, **st, label=f"run {name}")
                for name, st, c in zip(data.runs, RUN_STYLES, RUN_COLORS)]
    handles += [Line2D([], [], ls="none", marker="o", color="0.2", ms=5,
                       label="run at the start of the context"),
                Line2D([], [], ls="none", marker="s", color="0.2", ms=5,
                       label="run at its end"),
                Line2D([], [], ls="none", marker="*", color="0.2", ms=11,
                       label="run enters the basin of synergy")]
    return handles


def tipping_view(data: TippingData, margin: float = 0.06) -> tuple[tuple, tuple]:
    """Axis limits that hold both runs and every equilibrium of every segment, with a
    margin, equal spans on both axes, within the stocks' bounds."""
    pts = [df[[data.x_name, data.y_name]].to_numpy() for df in data.runs.values()]
    pts += [np.array([[e.x, e.y] for e in seg.phase.equilibria])
            for seg in data.segments if seg.phase.equilibria]
    pts = np.vstack(pts)
    lo, hi = pts.min(axis=0) - margin, pts.max(axis=0) + margin
    span = float(np.max(hi - lo))
    ph = data.segments[0].phase
    box_lo = np.array([ph.xs[0], ph.ys[0]])
    box_hi = np.array([ph.xs[-1], ph.ys[-1]])
    mid = (lo + hi) / 2
    lo = np.clip(mid - span / 2, box_lo, box_hi - span)
    hi = np.minimum(lo + span, box_hi)
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def plot_tipping_phase(data: TippingData, segment: int = 0, ax=None, legend: bool = True,
                       view: tuple | None = None):
    """One segment's phase portrait with the part of both runs that lies in it.

    Basins are shaded as :func:`~.phase.plot_phase` draws them (states on the
    quasi-steady surface) with the separatrix between them; a star marks the first
    month from which a run's full state lies in the basin of synergy (and stays there
    within the segment); numbers are the scenario's events (their ``note``).

    Parameters
    ----------
    view : ((x0, x1), (y0, y1)), optional
        Axis limits (default: :func:`tipping_view`, the same for every segment).

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 6))
    seg = data.segments[segment]
    _draw_portrait(ax, seg)
    _draw_runs(ax, data, seg)
    xlim, ylim = view or tipping_view(data)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    found = " and ".join(seg.regimes) if seg.regimes else "none found"
    runs = "\n".join(f"run {name}: {seg.status(name)}" for name in data.runs)
    ax.set_title(f"{seg.describe()}; stable states: {found}\n{runs}", fontsize=8.5)
    if legend:
        ax.legend(handles=tipping_legend_handles(data), loc="upper left",
                  bbox_to_anchor=(1.02, 1.0), fontsize=7.5, frameon=False)
    return ax


def plot_tipping(data: TippingData, fig=None):
    """The whole figure: behaviour, then trust and faith against time (top), and one
    phase portrait per context segment (bottom).

    Returns
    -------
    list of matplotlib Axes
    """
    import matplotlib.pyplot as plt

    n = len(data.segments)
    if fig is None:
        fig = plt.figure(figsize=(5.6 * n + 2.8, 12))
    gs = fig.add_gridspec(3, n + 1, height_ratios=[1, 1, 2.2], width_ratios=[1] * n + [0.5],
                          hspace=0.46, wspace=0.16, top=0.94, bottom=0.1)
    top = fig.add_subplot(gs[0, :])
    mid = fig.add_subplot(gs[1, :], sharex=top)
    plot_tipping_time(data, ("collaborative_behaviour",), ax=top)
    plot_tipping_time(data, ("trust", "faith"), ax=mid)
    top.set_xlabel("")
    mid.set_xlabel("Time (months)", labelpad=1)
    fig.suptitle(f"{data.scenario}: {' and '.join(data.runs)}", fontsize=12)
    axes = [top, mid]
    for k in range(n):
        axes.append(plot_tipping_phase(data, k, ax=fig.add_subplot(gs[2, k]),
                                       legend=k == n - 1))
    removed = " and ".join(f"{EVENT_LABELS[k]}s" for k in data.removed)
    width = int(fig.get_figwidth() * 14)
    fig.text(0.05, 0.055, textwrap.fill(
             f"Top: the scenario as written (solid) and without its {removed} (dashed); "
             "numbers mark its events. Bottom: the trust-faith phase portrait of each "
             "context the run passes through (no events, evaluation rounds averaged, no "
             "dissolution); the field, the nullclines and the shaded basins are those of "
             "states whose other stocks are at rest given trust and faith. A running "
             "partnership's other stocks are not at rest, so which basin a run is in is "
             "decided from its full state (every stock integrated in that context's "
             "field): a star marks the month a run enters the basin of synergy, and a run "
             "may lie on the other side of the drawn boundary.", width),
             fontsize=8, ha="left", va="top", color="0.2")
    return axes
