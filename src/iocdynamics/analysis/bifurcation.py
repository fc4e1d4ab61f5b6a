"""Bifurcation diagrams by pseudo-arclength continuation, and hysteresis sweeps.

Equilibrium branches of the autonomous field (:mod:`.autonomous`) are followed
against one registry parameter ``p`` on ``[A, B]``: branches are seeded by the
multistart equilibrium search at a few values of ``p`` and traced both ways by
Keller's pseudo-arclength method (tangent predictor, Newton corrector on the
root system bordered by the arclength condition) in box-scaled coordinates, so
folds (saddle-node points, the *tipping points*) are passed rather than lost.
Each point is classified from its Jacobians. A quasi-static sweep of ``p`` up
and then down, integrating the field to rest at each value, checks the stable
branches independently and shows any hysteresis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

from ..plotting import label
from ..registry import PARAMETERS
from ..scenario import load_scenario
from .autonomous import VectorField, autonomous_system, initial_state
from .equilibria import find_equilibria
from .stability import classify


@dataclass
class Branch:
    """One continued branch of equilibria.

    Attributes
    ----------
    p : 1-D array
        Parameter values along the branch (in arclength order).
    x : 2-D array ``(k, n)``
        States.
    stable : 1-D bool array
    types : list of str
    """

    p: np.ndarray
    x: np.ndarray
    stable: np.ndarray
    types: list[str]


@dataclass
class TippingPoint:
    """A fold (saddle-node) of a branch, or another change of stability."""

    kind: str
    p: float
    x: np.ndarray


@dataclass
class BifurcationDiagram:
    """Continued branches, their tipping points and an optional hysteresis sweep."""

    scenario: str
    param: str
    range: tuple[float, float]
    system: VectorField
    branches: list[Branch]
    tipping_points: list[TippingPoint]
    sweep_up: tuple[np.ndarray, np.ndarray] | None = None
    sweep_down: tuple[np.ndarray, np.ndarray] | None = None
    scenario_value: float | None = None
    setting: str = ""
    extra: dict = field(default_factory=dict)

    def output(self, name: str, branch: Branch) -> np.ndarray:
        """Values of a state or auxiliary along ``branch``."""
        return np.array([float(self.system.evaluate(name, xk, [pk]))
                         for pk, xk in zip(branch.p, branch.x)])


def check_param(param: str, lo: float, hi: float) -> None:
    """Validate a continuation parameter and its range against the registry."""
    allowed = [p.name for p in PARAMETERS.values() if p.kind == "float"]
    if param not in PARAMETERS or PARAMETERS[param].kind != "float":
        raise KeyError(f"--param {param!r} cannot be continued; choose a continuous "
                       f"registry parameter: {', '.join(allowed)}")
    p = PARAMETERS[param]
    if not (lo < hi):
        raise ValueError(f"--range {lo:g} {hi:g}: the first value must be below the second")
    if lo < p.lower or hi > p.upper:
        raise ValueError(f"--range {lo:g} {hi:g} is outside the registry bounds of "
                         f"{param}: {p.lower:g} to {p.upper:g} ({p.units})")


def _scale(system: VectorField, lo: float, hi: float):
    span = np.append(system.upper - system.lower, hi - lo)
    off = np.append(system.lower, lo)
    return off, span


def _tangent(system, y, off, span, prev=None):
    x, p = off[:-1] + y[:-1] * span[:-1], off[-1] + y[-1] * span[-1]
    A = np.hstack([system.root_jacobian(x, [p]) * span[None, :-1],
                   system.param_jacobian(x, [p]) * span[-1]])
    t = np.linalg.svd(A)[2][-1]
    if prev is not None and t @ prev < 0:
        t = -t
    return t / np.linalg.norm(t)


def _correct(system, y_pred, t, off, span, tol=1e-10, max_iter=8):
    y = y_pred.copy()
    for _ in range(max_iter):
        x, p = off[:-1] + y[:-1] * span[:-1], off[-1] + y[-1] * span[-1]
        with np.errstate(all="ignore"):
            r = np.append(system.residual(x, [p]), t @ (y - y_pred))
            if not np.all(np.isfinite(r)):
                return None
            if np.max(np.abs(r)) < tol:
                return y
            A = np.vstack([np.hstack([system.root_jacobian(x, [p]) * span[None, :-1],
                                      system.param_jacobian(x, [p]) * span[-1]]), t])
            try:
                y = y - np.linalg.solve(A, r)
            except np.linalg.LinAlgError:
                return None
    return None


def _trace(system, y0, t0, off, span, ds0=0.01, ds_max=0.02, ds_min=1e-5, max_steps=3000):
    pts, y, t, ds = [y0], y0, t0, ds0
    for _ in range(max_steps):
        y_new = _correct(system, y + ds * t, t, off, span)
        if y_new is None:
            ds /= 2
            if ds < ds_min:
                break
            continue
        y_prev, y = y, y_new
        t = _tangent(system, y, off, span, prev=t)
        inside = np.all(y[:-1] > -1e-9) and np.all(y[:-1] < 1 + 1e-9)
        if not (-1e-9 <= y[-1] <= 1 + 1e-9) or not inside:
            # stop at the edge of the parameter range (interpolate the last point)
            if not (-1e-9 <= y[-1] <= 1 + 1e-9) and inside:
                edge = 0.0 if y[-1] < 0 else 1.0
                w = (edge - y_prev[-1]) / (y[-1] - y_prev[-1])
                y_edge = _correct(system, y_prev + w * (y - y_prev), np.eye(len(y))[-1],
                                  off, span)
                if y_edge is not None:
                    pts.append(y_edge)
            break
        pts.append(y)
        if len(pts) > 10 and np.max(np.abs(y - y0)) < 0.5 * ds:
            break  # closed loop
        ds = min(ds * 1.3, ds_max)
    return pts


def trace_branches(system: VectorField, lo: float, hi: float, n_seeds: int = 5,
                   seed: int = 0, n_starts: int = 64,
                   ds_max: float = 0.02) -> tuple[list[Branch], list[TippingPoint]]:
    """Continue every equilibrium branch of a field with one symbolic parameter.

    Parameters
    ----------
    system : VectorField
        With exactly one entry in ``params``.
    lo, hi : float
        Parameter range.
    n_seeds, seed, n_starts, ds_max
        See :func:`continuation`.

    Returns
    -------
    branches : list of Branch
    tipping_points : list of TippingPoint
    """
    if len(system.params) != 1:
        raise ValueError("trace_branches needs a field with exactly one symbolic parameter")
    off, span = _scale(system, lo, hi)
    branches: list[np.ndarray] = []
    for pv in np.linspace(lo, hi, n_seeds):
        for eq in find_equilibria(system, n_starts=n_starts, seed=seed, p=[pv]):
            y0 = (np.append(eq.x, pv) - off) / span
            if any(np.min(np.max(np.abs(b - y0), axis=1)) < 1.5 * ds_max for b in branches):
                continue
            t0 = _tangent(system, y0, off, span)
            fwd = _trace(system, y0, t0, off, span, ds_max=ds_max)
            bwd = _trace(system, y0, -t0, off, span, ds_max=ds_max)
            branches.append(np.array(bwd[::-1] + fwd[1:]))
    out, tips = [], []
    for b in branches:
        Y = off + b * span
        x, p = Y[:, :-1], Y[:, -1]
        cls = [classify(system.jacobians(xk, [pk])) for xk, pk in zip(x, p)]
        stable = np.array([c.stable for c in cls])
        out.append(Branch(p=p, x=x, stable=stable, types=[c.type for c in cls]))
        dp = np.diff(p)
        for k in range(1, len(p) - 1):
            if dp[k - 1] * dp[k] < 0:
                tips.append(TippingPoint("fold", float(p[k]), x[k]))
            elif stable[k] != stable[k + 1] and dp[k] != 0:
                tips.append(TippingPoint("stability change", float(p[k]), x[k]))
    return out, tips


def continuation(scenario, param: str, lo: float, hi: float, n_seeds: int = 5,
                 seed: int = 0, n_starts: int = 64, ds_max: float = 0.02,
                 **values: float) -> BifurcationDiagram:
    """Equilibrium branches of a scenario's autonomous field against ``param``.

    Parameters
    ----------
    scenario : path, dict or Scenario
    param : str
        A continuous registry parameter (lever, context or mechanism constant).
    lo, hi : float
        Range (within the registry bounds).
    n_seeds : int
        Parameter values at which branches are seeded by the equilibrium search.
    seed, n_starts : int
        Seed and size of each search.
    ds_max : float
        Largest arclength step in box-scaled coordinates.
    **values : float
        Registry overrides applied to the scenario (the "setting").

    Returns
    -------
    BifurcationDiagram
    """
    check_param(param, lo, hi)
    sc = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    system = autonomous_system(sc, params=[param], param_ranges={param: (lo, hi)})
    out, tips = trace_branches(system, lo, hi, n_seeds=n_seeds, seed=seed,
                               n_starts=n_starts, ds_max=ds_max)
    setting = ", ".join(f"{k} = {v:g}" for k, v in values.items())
    return BifurcationDiagram(scenario=sc.name, param=param, range=(lo, hi), system=system,
                              branches=out, tipping_points=tips,
                              scenario_value=float(sc.constants()[param]), setting=setting)


def hysteresis_sweep(diagram: BifurcationDiagram, scenario, n: int = 31,
                     settle: float = 600.0, **values: float) -> BifurcationDiagram:
    """Sweep the parameter up then down, letting the field come to rest at each value.

    The sweep starts from the scenario's initial state at the lower end; each
    value starts from the previous rest state. Adds ``sweep_up`` and
    ``sweep_down`` (parameter values and states) to ``diagram``.
    """
    system = diagram.system
    lo, hi = diagram.range
    sc = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    x = initial_state(sc.with_values(**{diagram.param: lo}), system)
    grid = np.linspace(lo, hi, n)
    results = []
    for ps in (grid, grid[::-1]):
        states = []
        for pv in ps:
            with np.errstate(all="ignore"):
                sol = solve_ivp(lambda t, y, pv=pv: system.rate(y, [pv]), (0.0, settle), x,
                                method="LSODA", rtol=1e-8, atol=1e-10)
            x = np.clip(sol.y[:, -1], system.lower, system.upper)
            states.append(x.copy())
        results.append((ps.copy(), np.array(states)))
    diagram.sweep_up, diagram.sweep_down = results
    return diagram


def plot_bifurcation(diagram: BifurcationDiagram, output: str = "collaborative_behaviour",
                     ax=None):
    """Draw equilibria of ``output`` against the parameter.

    Stable branches solid, unstable dashed, tipping points (folds) as diamonds with
    their parameter value, the hysteresis sweep up (triangles up) and down
    (triangles down), and the scenario's own value as a dotted line.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if output not in diagram.system.states and output not in diagram.system.auxiliaries:
        raise KeyError(f"--output {output!r} is not a stock or auxiliary of the model; "
                       f"stocks: {', '.join(diagram.system.states)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    stable_c, unstable_c = "#0072B2", "#D55E00"
    for b in diagram.branches:
        y = diagram.output(output, b)
        # split into runs of equal stability (sharing the boundary point)
        start = 0
        for k in range(1, len(b.p) + 1):
            if k == len(b.p) or b.stable[k] != b.stable[start]:
                sl = slice(start, min(k + 1, len(b.p)))
                st = bool(b.stable[start])
                ax.plot(b.p[sl], y[sl], color=stable_c if st else unstable_c,
                        ls="-" if st else "--", lw=2.2 if st else 1.6, zorder=3,
                        gid="branch:stable" if st else "branch:unstable")
                start = k
    handles = [Line2D([], [], color=stable_c, lw=2.2, label="stable equilibria"),
               Line2D([], [], color=unstable_c, lw=1.6, ls="--",
                      label="unstable equilibria (saddles)")]
    folds = [t for t in diagram.tipping_points if t.kind == "fold"]
    for t in folds:
        yv = float(diagram.system.evaluate(output, t.x, [t.p]))
        ax.plot(t.p, yv, "D", color="black", ms=7, zorder=5, gid="tipping_point")
        ax.annotate(f"{t.p:.3g}", (t.p, yv), xytext=(6, 4), textcoords="offset points",
                    fontsize=8)
    if folds:
        handles.append(Line2D([], [], ls="none", marker="D", color="black",
                              label="tipping point (fold)"))
    others = [t for t in diagram.tipping_points if t.kind != "fold"]
    for t in others:
        yv = float(diagram.system.evaluate(output, t.x, [t.p]))
        ax.plot(t.p, yv, "s", color="0.3", ms=6, zorder=5)
    if others:
        handles.append(Line2D([], [], ls="none", marker="s", color="0.3",
                              label="change of stability"))
    for sweep, marker, col, text in ((diagram.sweep_up, "^", "#E69F00", "sweep up"),
                                     (diagram.sweep_down, "v", "#56B4E9", "sweep down")):
        if sweep is None:
            continue
        ps, xs = sweep
        yv = [float(diagram.system.evaluate(output, xk, [pk])) for pk, xk in zip(ps, xs)]
        ax.plot(ps, yv, ls="none", marker=marker, color=col, ms=5, mec="black", mew=0.4,
                zorder=4, gid=f"sweep:{text.split()[1]}")
        handles.append(Line2D([], [], ls="none", marker=marker, color=col, mec="black",
                              mew=0.4, label=f"simulated to rest, {text}"))
    if diagram.scenario_value is not None and \
            diagram.range[0] <= diagram.scenario_value <= diagram.range[1]:
        ax.axvline(diagram.scenario_value, color="0.4", ls=":", lw=1)
        handles.append(Line2D([], [], color="0.4", ls=":", label="scenario's value"))
    p = PARAMETERS[diagram.param]
    units = "0-1" if p.units == "Dmnl" and p.lower == 0 and p.upper == 1 else p.units
    ax.set_xlabel(f"{label(diagram.param)} ({units})")
    ax.set_ylabel(f"{label(output)} at equilibrium"
                  + (" (0-1)" if output in diagram.system.states
                     and diagram.system.upper[diagram.system.index(output)] <= 1 else ""))
    ax.set_xlim(*diagram.range)
    setting = f" ({diagram.setting})" if diagram.setting else ""
    ax.set_title(f"{diagram.scenario}{setting}: equilibria against "
                 f"{label(diagram.param).lower()}\nno events, evaluation rounds averaged, "
                 "no dissolution", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(handles=handles, fontsize=7.5, loc="best", frameon=True, framealpha=0.85)
    return ax


def bifurcation_table(diagram: BifurcationDiagram, output: str):
    """Branch points as a table: branch, parameter, output, stability, type."""
    import pandas as pd

    rows = []
    for i, b in enumerate(diagram.branches, start=1):
        y = diagram.output(output, b)
        for pk, yk, st, ty in zip(b.p, y, b.stable, b.types):
            rows.append({"branch": i, diagram.param: pk, output: yk, "stable": bool(st),
                         "type": ty})
    return pd.DataFrame(rows)
