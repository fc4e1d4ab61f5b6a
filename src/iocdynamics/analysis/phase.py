"""Phase portraits of two stocks: vector field, nullclines, equilibria, trajectories
and basins of attraction.

Two ways to treat the other stocks:

* ``mode="qss"`` (default): they sit at their quasi-steady state given the two
  (:class:`~.qss.QuasiSteadyState`). The streamlines and nullclines are those of
  the reduced two-stock field, whose equilibria are exactly the full model's;
  trajectories and basins are those of the full autonomous model started on the
  quasi-steady surface, so the basin boundary is where the full model's separatrix
  cuts that surface. Equilibrium markers give the full model's stability.
* ``mode="fixed"``: they are held at stated values (default: the scenario's
  initial values); everything shown is the two-stock field with the others
  frozen, including its own equilibria.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..plotting import label
from ..scenario import load_scenario
from .autonomous import VectorField, autonomous_system, initial_state, integrate
from .equilibria import find_equilibria
from .qss import QuasiSteadyState, reduced_jacobian
from .stability import classify

MODES = ("qss", "fixed")

#: Okabe-Ito colours (colour-blind safe) for basins, in order of the stable equilibria.
BASIN_COLORS = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#0072B2")
UNSETTLED_COLOR = "#DDDDDD"
NULLCLINE_STYLE = {0: {"color": "#0072B2", "ls": "-"}, 1: {"color": "#D55E00", "ls": "--"}}


@dataclass
class PhasePoint:
    """An equilibrium as shown on a portrait."""

    x: float
    y: float
    type: str
    stable: bool
    reduced_type: str
    state: np.ndarray


@dataclass
class PhaseData:
    """Everything a portrait shows, computed once (plot with :func:`plot_phase`).

    Attributes
    ----------
    xs, ys : 1-D arrays
        Grid of the field and nullclines.
    u, v : 2-D arrays
        Rates of the two stocks on the grid (rows follow ``ys``).
    nullclines : dict
        State name -> list of ``(m, 2)`` arrays of ``(x, y)`` points where its rate
        is zero.
    equilibria : list of PhasePoint
    trajectories : list of ``(k, 2)`` arrays
    basin_x, basin_y : 1-D arrays; basins : 2-D int array
        Index into ``attractors`` of the stable equilibrium each start reaches
        (-1: not settled within the horizon).
    attractors : list of PhasePoint
        Stable equilibria, the basins' colour order.
    """

    scenario: str
    x_name: str
    y_name: str
    mode: str
    note: str
    xs: np.ndarray
    ys: np.ndarray
    u: np.ndarray
    v: np.ndarray
    nullclines: dict[str, list[np.ndarray]]
    equilibria: list[PhasePoint]
    trajectories: list[np.ndarray]
    basin_x: np.ndarray
    basin_y: np.ndarray
    basins: np.ndarray
    attractors: list[PhasePoint]
    critical: dict[str, float] = field(default_factory=dict)
    horizon: float = 0.0


def _check_pair(system: VectorField, x: str, y: str) -> None:
    for arg, name in (("--x", x), ("--y", y)):
        if name not in system.states:
            raise KeyError(f"{arg} {name!r} is not a stock of the autonomous model; choose "
                           f"one of {', '.join(system.states)}")
    if x == y:
        raise ValueError(f"--x and --y must differ (both are {x!r})")


def _check_fixed(system: VectorField, fixed: Mapping[str, float], mode: str, x: str,
                 y: str) -> None:
    """``--fix STOCK VALUE`` pairs: fixed mode only, stocks other than x and y, within
    the stock's bounds."""
    if not fixed:
        return
    if mode != "fixed":
        raise ValueError(f"--fix {' '.join(fixed)}: held values are only used with --mode "
                         f"fixed (in --mode {mode} the other stocks follow their "
                         "quasi-steady state); add --mode fixed or drop --fix")
    for name, value in fixed.items():
        if name not in system.states:
            raise KeyError(f"--fix {name} {value:g}: {name!r} is not a stock of the "
                           f"autonomous model; choose one of {', '.join(system.states)}")
        if name in (x, y):
            raise ValueError(f"--fix {name} {value:g}: {name} is on an axis of the portrait "
                             "(--x/--y), so it cannot be held; fix another stock")
        i = system.index(name)
        lo, hi = float(system.lower[i]), float(system.upper[i])
        if not (np.isfinite(value) and lo <= value <= hi):
            raise ValueError(f"--fix {name} {value:g} is out of range; {name} lies between "
                             f"{lo:g} and {hi:g}")


def _zero_lines(xs, ys, z) -> list[np.ndarray]:
    import contourpy

    gen = contourpy.contour_generator(xs, ys, np.ma.masked_invalid(z),
                                      line_type=contourpy.LineType.Separate)
    return [np.asarray(seg) for seg in gen.lines(0.0) if len(seg) > 1]


def phase_data(scenario, x: str = "trust", y: str = "faith", mode: str = "qss",
               fixed: Mapping[str, float] | None = None, n_grid: int = 61,
               n_basin: int = 31, starts: Sequence[tuple[float, float]] | None = None,
               n_traj: int = 4, horizon: float = 400.0, dt: float = 1.0, seed: int = 0,
               n_starts: int = 96, **values: float) -> PhaseData:
    """Compute a phase portrait's content.

    Parameters
    ----------
    scenario : path, dict or Scenario
    x, y : str
        The two stocks (horizontal, vertical).
    mode : {"qss", "fixed"}
        How the other stocks are treated (see the module docstring).
    fixed : mapping, optional
        Values of the other stocks in ``"fixed"`` mode (missing ones: the
        scenario's initial values).
    n_grid : int
        Grid points per axis for the field and nullclines.
    n_basin : int
        Starts per axis for the basins of attraction.
    starts : sequence of (x, y), optional
        Starting points of the drawn trajectories (default: an ``n_traj`` by
        ``n_traj`` grid).
    horizon, dt : float
        Integration time (months) and Runge-Kutta step for trajectories and basins.
    seed, n_starts : int
        Seed and number of starts of the equilibrium search.
    **values : float
        Registry overrides applied to the scenario.

    Returns
    -------
    PhaseData
    """
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not allowed; use one of {', '.join(MODES)}")
    sc = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    full = autonomous_system(sc)
    _check_pair(full, x, y)
    _check_fixed(full, fixed or {}, mode, x, y)
    ix, iy = full.index(x), full.index(y)
    xs = np.linspace(full.lower[ix], full.upper[ix], n_grid)
    ys = np.linspace(full.lower[iy], full.upper[iy], n_grid)
    bx = np.linspace(full.lower[ix], full.upper[ix], n_basin)
    by = np.linspace(full.lower[iy], full.upper[iy], n_basin)
    if starts is None:
        g = np.linspace(0.1, 0.9, n_traj)
        starts = [(full.lower[ix] + a * (full.upper[ix] - full.lower[ix]),
                   full.lower[iy] + b * (full.upper[iy] - full.lower[iy]))
                  for a in g for b in g]
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)

    def grid_points(gx, gy):
        GX, GY = np.meshgrid(gx, gy)
        return np.vstack([GX.ravel(), GY.ravel()]), GX.shape

    if mode == "qss":
        system = full
        q = QuasiSteadyState(full, slow=(x, y))
        pts, shape = grid_points(xs, ys)
        rates, roots, _ = q.field(pts)
        eqs = find_equilibria(full, n_starts=n_starts, seed=seed)
        shown = []
        for e in eqs:
            red = classify(reduced_jacobian(full, e.x, (x, y)))
            shown.append(PhasePoint(e[x], e[y], e.type, e.stable, red.type, e.x))
        bpts, bshape = grid_points(bx, by)
        X0 = q.solve(bpts)
        X0s = q.solve(starts.T)
        note = (f"other stocks at quasi-steady state given {label(x).lower()} and "
                f"{label(y).lower()}; trajectories and basins: full model")
    else:
        init = dict(zip(full.states, initial_state(sc, full)))
        held = {k: float(v) for k, v in {**init, **(fixed or {})}.items() if k not in (x, y)}
        bad = [k for k in (fixed or {}) if k not in full.states]
        if bad:
            raise KeyError(f"fixed: unknown stock(s) {bad}; choose from {list(full.states)}")
        system = full.restrict([x, y], held)
        pts, shape = grid_points(xs, ys)
        with np.errstate(all="ignore"):
            rates = system.rate(pts)
            roots = system.residual(pts)
        eqs = find_equilibria(system, n_starts=n_starts, seed=seed)
        shown = [PhasePoint(e[x], e[y], e.type, e.stable, e.type, e.x) for e in eqs]
        bpts, bshape = grid_points(bx, by)
        X0, X0s = bpts, starts.T
        held_txt = ", ".join(f"{label(k).lower()} {v:.2f}" for k, v in held.items()
                             if k in ("conflict", "perceived_progress", "risk_tolerance",
                                      "collaborative_behaviour"))
        note = f"other stocks held at initial values ({held_txt}, ...)"
    u = rates[0].reshape(shape)
    v = rates[1].reshape(shape)
    nullclines = {x: _zero_lines(xs, ys, roots[0].reshape(shape)),
                  y: _zero_lines(xs, ys, roots[1].reshape(shape))}

    attractors = [e for e in shown if e.stable]
    sx, sy = (0, 1) if mode == "fixed" else (ix, iy)
    ok = np.all(np.isfinite(X0), axis=0)
    basins = np.full(X0.shape[1], -1, dtype=int)
    if attractors and ok.any():
        _, end = integrate(system, X0[:, ok], horizon, dt, t_save=[horizon])
        end = end[-1]
        span = (system.upper - system.lower)[:, None]
        dist = np.stack([np.max(np.abs(end - a.state[:, None]) / span, axis=0)
                         for a in attractors])
        lab = np.argmin(dist, axis=0)
        lab[np.min(dist, axis=0) > 1e-2] = -1
        basins[ok] = lab
    basins = basins.reshape(bshape)

    trajectories = []
    oks = np.all(np.isfinite(X0s), axis=0)
    if oks.any():
        _, path = integrate(system, X0s[:, oks], horizon, dt)
        for k in range(path.shape[2]):
            trajectories.append(np.column_stack([path[:, sx, k], path[:, sy, k]]))
    # the unstable directions of saddles: the separatrix's companions
    for e in eqs:
        d = e.stability.unstable_direction
        if e.type != "saddle" or d is None:
            continue
        for sign in (1, -1):
            x0 = np.clip(e.x + sign * 1e-3 * d, system.lower, system.upper)
            _, path = integrate(system, x0, horizon, dt)
            trajectories.append(np.column_stack([path[:, sx], path[:, sy]]))

    consts = sc.constants()
    critical = {k: consts[f"critical_{k}"] for k in ("trust", "faith") if k in (x, y)}
    return PhaseData(scenario=sc.name, x_name=x, y_name=y, mode=mode, note=note, xs=xs,
                     ys=ys, u=u, v=v, nullclines=nullclines, equilibria=shown,
                     trajectories=trajectories, basin_x=bx, basin_y=by, basins=basins,
                     attractors=attractors, critical=critical, horizon=horizon)


def _axis_label(name: str) -> str:
    if name == "performance":
        return "Performance vs baseline (0 = baseline)"
    if name == "ambition_level":
        return "Ambition (targeted / achievable)"
    return f"{label(name)} (0-1)"


def plot_phase(data: PhaseData, ax=None, streamlines: bool = True):
    """Draw a :class:`PhaseData` on ``ax``.

    Filled circles are stable equilibria, open circles unstable ones, crosses
    saddles; basins are shaded in colour-blind-safe colours. Nullcline line
    objects carry ``gid = "nullcline:<state>"`` (one line per segment).

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 6.5))
    handles = []
    n_att = len(data.attractors)
    colors = [UNSETTLED_COLOR] + [BASIN_COLORS[i % len(BASIN_COLORS)] for i in range(n_att)]
    dx = (data.basin_x[1] - data.basin_x[0]) / 2 if data.basin_x.size > 1 else 0.5
    dy = (data.basin_y[1] - data.basin_y[0]) / 2 if data.basin_y.size > 1 else 0.5
    ax.imshow(data.basins + 1, origin="lower", cmap=ListedColormap(colors), vmin=-0.5,
              vmax=n_att + 0.5, alpha=0.45, interpolation="nearest", aspect="auto",
              extent=(data.basin_x[0] - dx, data.basin_x[-1] + dx,
                      data.basin_y[0] - dy, data.basin_y[-1] + dy), zorder=0)
    for i, a in enumerate(data.attractors):
        handles.append(Patch(color=colors[i + 1], alpha=0.45,
                             label=f"basin of {a.type} ({a.x:.2f}, {a.y:.2f})"))
    if (data.basins < 0).any():
        handles.append(Patch(color=UNSETTLED_COLOR, alpha=0.45,
                             label=f"not settled after {data.horizon:g} months"))
    if streamlines:
        speed = np.hypot(data.u, data.v)
        ok = np.isfinite(speed)
        if ok.any():
            ax.streamplot(data.xs, data.ys, np.where(ok, data.u, 0), np.where(ok, data.v, 0),
                          color="0.45", linewidth=0.6, density=1.1, arrowsize=0.8, zorder=1)
            handles.append(Line2D([], [], color="0.45", lw=0.8, label="vector field"))
    for k, name in enumerate((data.x_name, data.y_name)):
        style = NULLCLINE_STYLE[k]
        for seg in data.nullclines[name]:
            ax.plot(seg[:, 0], seg[:, 1], lw=2.2, zorder=3, gid=f"nullcline:{name}", **style)
        handles.append(Line2D([], [], lw=2.2, **style,
                              label=f"{label(name).lower()} nullcline (d/dt = 0)"))
    for tr in data.trajectories:
        ax.plot(tr[:, 0], tr[:, 1], color="black", lw=0.9, alpha=0.8, zorder=4,
                gid="trajectory")
        ax.plot(tr[0, 0], tr[0, 1], "o", ms=2.5, color="black", zorder=4)
        if len(tr) > 3:
            j = min(len(tr) - 2, max(1, len(tr) // 12))
            ax.annotate("", xy=tr[j + 1], xytext=tr[j],
                        arrowprops={"arrowstyle": "->", "color": "black", "lw": 0.9},
                        zorder=4)
    if data.trajectories:
        handles.append(Line2D([], [], color="black", lw=0.9, label="trajectories"))
    for name, value in data.critical.items():
        if name == data.x_name:
            ax.axvline(value, color="0.2", ls=":", lw=1.2, zorder=2)
        else:
            ax.axhline(value, color="0.2", ls=":", lw=1.2, zorder=2)
    if data.critical:
        handles.append(Line2D([], [], color="0.2", ls=":", lw=1.2,
                              label="critical level (dissolution risk)"))
    seen = set()
    for e in data.equilibria:
        if e.type == "saddle":
            kw = {"marker": "X", "ms": 11, "mfc": "black", "mec": "white", "mew": 1.0}
            key = "saddle"
        elif e.stable:
            kw = {"marker": "o", "ms": 10, "mfc": "black", "mec": "white", "mew": 1.2}
            key = "stable equilibrium"
        else:
            kw = {"marker": "o", "ms": 10, "mfc": "white", "mec": "black", "mew": 1.8}
            key = "unstable equilibrium"
        ax.plot(e.x, e.y, ls="none", zorder=6, gid="equilibrium", **kw)
        if e.reduced_type != e.type:
            ax.annotate(f"reduced field: {e.reduced_type}", (e.x, e.y), xytext=(8, -12),
                        textcoords="offset points", fontsize=7)
        if key not in seen:
            seen.add(key)
            handles.append(Line2D([], [], ls="none", label=key, **kw))
    ax.set_xlim(data.xs[0], data.xs[-1])
    ax.set_ylim(data.ys[0], data.ys[-1])
    ax.set_xlabel(_axis_label(data.x_name))
    ax.set_ylabel(_axis_label(data.y_name))
    ax.set_title(f"{data.scenario}: {label(data.y_name).lower()} against "
                 f"{label(data.x_name).lower()}\n{data.note};\nno events, evaluation rounds "
                 "averaged, no dissolution", fontsize=9)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5,
              frameon=False)
    return ax


def phase_portrait(scenario, x: str = "trust", y: str = "faith", ax=None,
                   **kwargs) -> object:
    """Compute and draw a phase portrait (see :func:`phase_data` for the options).

    Returns
    -------
    matplotlib Axes
    """
    return plot_phase(phase_data(scenario, x, y, **kwargs), ax=ax)


def save_phase_figure(data: PhaseData, path, formats: Sequence[str] = ("png", "pdf")) -> list:
    """Draw ``data`` on a new figure and write it (atomically) in each format.

    ``path`` without suffix gets one file per format; with a suffix, that format
    and the others alongside.
    """
    from pathlib import Path

    import matplotlib.pyplot as plt

    from ..io import atomic_write

    path = Path(path)
    stem = path.with_suffix("") if path.suffix else path
    fig, ax = plt.subplots(figsize=(10, 6.5))
    plot_phase(data, ax=ax)
    fig.tight_layout()
    written = []
    for fmt in formats:
        out = stem.with_suffix(f".{fmt}")
        atomic_write(out, lambda p, fmt=fmt: fig.savefig(p, dpi=150, format=fmt))
        written.append(out)
    plt.close(fig)
    return written
