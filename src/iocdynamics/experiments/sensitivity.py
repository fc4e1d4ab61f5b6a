"""Global sensitivity analysis with SALib: Morris screening and Sobol indices.

A SALib *problem* is plain data (``{"num_vars", "names", "bounds"}``) built from
the registry: :func:`build_problem`. The wrappers :func:`morris` and
:func:`sobol` take a problem and any function ``f(X) -> {output: y}`` (``X`` of
shape (samples, parameters)), so they are validated on functions with known
indices independently of the model; :func:`model_function` turns a base
scenario and a list of outputs into such a function on the fast engine, and
:func:`run_sensitivity` writes tables and figures.

Outputs are metric names of :data:`iocdynamics.experiments.metrics.METRICS`, a
model variable at the horizon (``trust``) or at a month (``trust@24``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..assumptions import Inactive, inactive_parameters
from ..registry import PARAMETERS, get_parameter
from .metrics import DEFAULT_SYNERGY_THRESHOLD, METRICS, compute_metrics_arrays

METHODS = ("morris", "sobol")
DEFAULT_N = {"morris": 20, "sobol": 256}
MIN_N = {"morris": 4, "sobol": 64}
"""Smallest sample sizes accepted: fewer Morris trajectories give no usable spread
(sigma) or interval, and Sobol estimates from fewer than 64 base samples can leave
[0, 1] entirely (S1 = 1.42 was seen at n = 4)."""
Problem = dict
ModelFunction = Callable[[np.ndarray], Mapping[str, np.ndarray]]


#: Bootstrap seed used for ``seed=0`` (SALib's Sobol analysis ignores 0).
_SEED_FOR_ZERO = 2**31 - 1


class SensitivityWarning(UserWarning):
    """An index that the sample cannot resolve (its interval is wider than itself)."""


def registry_groups() -> dict[str, int]:
    """Registry group -> number of parameters (the values ``groups`` accepts)."""
    out: dict[str, int] = {}
    for p in PARAMETERS.values():
        out[p.group] = out.get(p.group, 0) + 1
    return out


def build_problem(names: Sequence[str] | None = None,
                  groups: Iterable[str] = ("mechanism",),
                  bounds: Mapping[str, tuple[float, float]] | None = None,
                  include_bool: bool = False) -> Problem:
    """A SALib problem over registry parameters and their declared bounds.

    Parameters
    ----------
    names : list of str, optional
        Parameters to vary; default: every parameter of ``groups``.
    groups : iterable of str
        Registry groups used when ``names`` is not given.
    bounds : mapping, optional
        Narrower ``(lower, upper)`` per name (within the registry bounds).
    include_bool : bool
        Also vary true/false parameters (rounded to 0/1 by the model function).

    Returns
    -------
    dict
        ``{"num_vars": k, "names": [...], "bounds": [[lo, hi], ...]}``.
    """
    groups = tuple(groups)
    known = registry_groups()
    bad = [g for g in groups if g not in known]
    if bad:
        listing = ", ".join(f"{g} ({n} parameters)" for g, n in known.items())
        raise ValueError(f"unknown parameter group(s) {', '.join(map(repr, bad))}; "
                         f"the groups are {listing}")
    if names is None:
        names = [p.name for p in PARAMETERS.values() if p.group in groups
                 and (include_bool or p.kind != "bool")]
    names = list(names)
    if not names:
        raise ValueError(f"no parameter to vary (groups {groups})")
    out_bounds = []
    for n in names:
        p = get_parameter(n)
        lo, hi = (bounds or {}).get(n, (p.lower, p.upper))
        if not p.lower <= lo < hi <= p.upper:
            raise ValueError(f"bounds of '{n}' ({lo:g}, {hi:g}) must lie within the "
                             f"registry's ({p.lower:g}, {p.upper:g}) with lower < upper")
        out_bounds.append([float(lo), float(hi)])
    return {"num_vars": len(names), "names": names, "bounds": out_bounds}


def _evaluate(func: ModelFunction, X: np.ndarray) -> dict[str, np.ndarray]:
    out = {k: np.asarray(v, dtype=float) for k, v in func(X).items()}
    for k, v in out.items():
        if v.shape != (X.shape[0],):
            raise ValueError(f"output {k!r} has shape {v.shape}; expected ({X.shape[0]},)")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"output {k!r} has non-finite values; choose an output that "
                             "is defined for every run (time_to_synergy is not: use "
                             "reached_synergy or behaviour_at_horizon)")
    return out


def morris(problem: Problem, func: ModelFunction, n_trajectories: int = 20, *,
           seed: int, num_levels: int = 4, conf_level: float = 0.95
           ) -> dict[str, pd.DataFrame]:
    """Morris elementary-effects screening.

    Parameters
    ----------
    problem : dict
        SALib problem.
    func : callable
        ``func(X) -> {output: array (samples,)}``.
    n_trajectories : int
        Number of trajectories (``(k + 1) * n_trajectories`` evaluations).
    seed : int
        Seeds both the sampling and the bootstrap of the confidence intervals.

    Returns
    -------
    dict of str to DataFrame
        Per output: rows = parameters; columns ``mu``, ``mu_star``, ``sigma``,
        ``mu_star_conf`` (in output units per unit of the parameter's range).
    """
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    n_trajectories = check_sample_size("morris", n_trajectories, problem["num_vars"])
    X = sample.sample(problem, n_trajectories, num_levels=num_levels, seed=seed)
    Y = _evaluate(func, X)
    out = {}
    for name, y in Y.items():
        res = analyze.analyze(problem, X, y, num_levels=num_levels, conf_level=conf_level,
                              seed=seed, print_to_console=False)
        out[name] = pd.DataFrame({k: np.asarray(res[k], dtype=float)
                                  for k in ("mu", "mu_star", "sigma", "mu_star_conf")},
                                 index=pd.Index(problem["names"], name="parameter"))
    return out


def sobol(problem: Problem, func: ModelFunction, n: int = 256, *, seed: int,
          conf_level: float = 0.95, num_resamples: int = 200
          ) -> dict[str, pd.DataFrame]:
    """Sobol first-order and total indices (Saltelli sampling, no second order).

    Parameters
    ----------
    problem : dict
    func : callable
    n : int
        Base sample size, a power of two of at least 64 (``n * (k + 2)`` evaluations).
    seed : int
        Seeds the scrambled Sobol sequence and the bootstrap intervals.

    Returns
    -------
    dict of str to DataFrame
        Per output: rows = parameters; columns ``S1``, ``S1_conf``, ``ST``,
        ``ST_conf`` (half-widths of the ``conf_level`` bootstrap intervals).

    Warns
    -----
    SensitivityWarning
        When an index's interval is wider than the index itself (see
        :func:`unresolved_indices`): the sample is too small to tell it apart
        from zero or from its neighbours.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    n = check_sample_size("sobol", n, problem["num_vars"])
    X = sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    Y = _evaluate(func, X)
    out = {}
    for name, y in Y.items():
        if np.ptp(y) == 0:
            z = np.zeros(problem["num_vars"])
            res = {"S1": z, "S1_conf": z, "ST": z, "ST_conf": z}
        else:
            # SALib's Sobol analysis ignores a seed of 0 (``if seed:``) and then draws
            # its bootstrap from numpy's global state: give it a seed it honours
            res = analyze.analyze(problem, y, calc_second_order=False,
                                  conf_level=conf_level, num_resamples=num_resamples,
                                  seed=seed if seed else _SEED_FOR_ZERO,
                                  print_to_console=False)
        out[name] = pd.DataFrame({k: np.asarray(res[k], dtype=float)
                                  for k in ("S1", "S1_conf", "ST", "ST_conf")},
                                 index=pd.Index(problem["names"], name="parameter"))
        loose = unresolved_indices(out[name])
        if loose:
            warnings.warn(f"{name}: {len(loose)} of {2 * problem['num_vars']} Sobol indices "
                          f"have a {conf_level:.0%} interval wider than the index itself "
                          f"({'; '.join(loose[:4])}{'; ...' if len(loose) > 4 else ''}): "
                          f"n = {n} does not resolve them; use a larger n (a power of two)",
                          SensitivityWarning, stacklevel=2)
    return out


def unresolved_indices(result: pd.DataFrame) -> list[str]:
    """Sobol indices whose interval (twice the half-width) is wider than the index.

    Returns
    -------
    list of str
        ``"ST of name: 0.012 +- 0.030"``, largest index first.
    """
    rows = []
    for idx in ("ST", "S1"):
        for name, r in result.iterrows():
            if 2 * r[f"{idx}_conf"] > abs(r[idx]):
                rows.append((abs(r[idx]), f"{idx} of {name}: {r[idx]:.3g} +- "
                                          f"{r[f'{idx}_conf']:.2g}"))
    return [t for _, t in sorted(rows, key=lambda x: -x[0])]


def runs_per_sample(method: str, num_vars: int) -> int:
    """Model runs per unit of ``n``: ``k + 1`` per Morris trajectory, ``k + 2`` per
    Sobol base sample (first and total order)."""
    return num_vars + (1 if method == "morris" else 2)


def check_sample_size(method: str, n, num_vars: int, bytes_per_run: float = 0.0) -> int:
    """Check ``n`` (``-n`` on the command line) before any work; ``None`` gives the
    default.

    Parameters
    ----------
    method : {"morris", "sobol"}
    n : int or None
        Morris trajectories or Sobol base sample size.
    num_vars : int
        Parameters varied.
    bytes_per_run : float
        Memory one model run's outputs take (0: no memory check).

    Returns
    -------
    int
        The sample size to use.

    Raises
    ------
    ValueError
        Naming the value, the allowed range and the fix.
    """
    from ..limits import gib, largest_count, memory_budget

    what = "Morris trajectories" if method == "morris" else "Sobol base samples"
    if n is None:
        return DEFAULT_N[method]
    lo = MIN_N[method]
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < lo:
        raise ValueError(f"n = {n!r} (-n) {what} is too few; allowed at least {lo} "
                         f"(default {DEFAULT_N[method]})")
    n = int(n)
    if method == "sobol" and n & (n - 1):
        below = 2 ** math.floor(math.log2(n))
        raise ValueError(f"n = {n} (-n) {what} must be a power of two (a Sobol sequence "
                         f"is balanced only at 2^m points); use {below} or {2 * below}")
    runs = n * runs_per_sample(method, num_vars)
    if bytes_per_run > 0:
        budget = memory_budget()
        if runs * bytes_per_run > budget:
            top = largest_count(bytes_per_run * runs_per_sample(method, num_vars), budget)
            if method == "sobol" and top >= 1:
                top = 2 ** math.floor(math.log2(top))
            raise ValueError(f"n = {n} (-n) {what} means {runs} model runs needing "
                             f"{gib(runs * bytes_per_run)}, more than the {gib(budget)} "
                             f"this machine allows; use at most n = {top}")
    return n


def parse_output(name: str) -> tuple[str, float | None]:
    """``"trust@24"`` -> ``("trust", 24.0)``; a metric or bare variable -> ``(name, None)``."""
    if "@" in name:
        var, _, at = name.partition("@")
        return var, float(at)
    return name, None


def model_function(base, problem: Problem, outputs: Sequence[str], *,
                   threshold: float = DEFAULT_SYNERGY_THRESHOLD,
                   workers: int | None = None, scheduler: str | None = None,
                   progress: bool = False) -> ModelFunction:
    """A function ``X -> {output: y}`` that simulates ``base`` with the parameters of
    ``problem`` set to the rows of ``X`` (fast engine, via ``simulate_ensemble``).

    Integer parameters are rounded and true/false ones thresholded at 0.5.
    """
    from ..ensembles import simulate_ensemble
    from ..scenario import load_scenario
    from ..simulation import all_columns

    sc = load_scenario(base)
    known = set(all_columns())
    needed = {"collaborative_behaviour", "performance", "active"}
    for o in outputs:
        var, at = parse_output(o)
        if var in METRICS and at is None:
            continue
        if var not in known:
            raise KeyError(f"unknown output '{o}'; use a metric ({', '.join(METRICS)}), a "
                           "model variable (at the horizon) or variable@month")
        if at is not None and not 0 <= at <= sc.final_time:
            raise ValueError(f"output '{o}': month {at:g} is outside 0..{sc.final_time:g}")
        needed.add(var)
    cols = sorted(needed)

    def f(X: np.ndarray) -> dict[str, np.ndarray]:
        df = pd.DataFrame(np.asarray(X, dtype=float), columns=problem["names"])
        for name in df.columns:
            p = PARAMETERS[name]
            if p.kind == "int":
                df[name] = np.round(df[name])
            elif p.kind == "bool":
                df[name] = (df[name] >= 0.5).astype(float)
        ds = simulate_ensemble(df, base=sc, columns=cols, workers=workers,
                               scheduler=scheduler, progress=progress)
        t = ds["time"].values
        arr = {c: ds[c].transpose("member", "time").values for c in cols}
        met = compute_metrics_arrays(t, arr["collaborative_behaviour"], arr["performance"],
                                     arr["active"], threshold)
        out = {}
        for o in outputs:
            var, at = parse_output(o)
            if var in METRICS and at is None:
                out[o] = met[var]
            elif at is None:
                out[o] = arr[var][:, -1]
            else:
                out[o] = np.array([np.interp(at, t, row) for row in arr[var]])
        return out

    return f


# ----------------------------------------------------------------- figures
def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_morris(result: pd.DataFrame, ax=None, output: str = "", top: int = 10):
    """Morris mu*-sigma plot: parameters far right matter; high sigma/mu* means
    non-linear or interacting effects. The ``top`` parameters by mu* are numbered
    on the plot and named, in rank order, in a key beside it (no label sits on
    another); parameters inactive in the scenario by construction (column
    ``inactive``) are drawn hollow.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, (9, 5.5))
    r = result.sort_values("mu_star", ascending=False)
    off = r["inactive"].to_numpy(dtype=bool) if "inactive" in r else np.zeros(len(r), bool)
    ax.errorbar(r["mu_star"], r["sigma"], xerr=r["mu_star_conf"], fmt="none",
                ecolor="0.75", elinewidth=0.8)
    ax.scatter(r["mu_star"][~off], r["sigma"][~off], s=22, color="#1f77b4", zorder=3,
               label="parameter")
    if off.any():
        ax.scatter(r["mu_star"][off], r["sigma"][off], s=22, facecolors="none",
                   edgecolors="0.5", zorder=3, label="inactive in this scenario")
    lim = max(float(r["mu_star"].max()), float(r["sigma"].max()), 1e-12) * 1.12
    xs = np.linspace(0, lim, 10)
    for ratio, ls in ((1.0, "-"), (0.5, "--"), (0.1, ":")):
        ax.plot(xs, ratio * xs, color="0.6", lw=0.8, ls=ls, label=f"sigma/mu* = {ratio:g}")
    shown = r.head(top)
    key = []
    for k, (name, row) in enumerate(shown.iterrows(), start=1):
        ax.annotate(str(k), (row["mu_star"], row["sigma"]), xytext=(3, 3),
                    textcoords="offset points", fontsize=8, fontweight="bold",
                    color="#0b3d6b")
        key.append(f"{k:>2}  {name}")
    rest = len(r) - len(shown)
    if rest:
        key.append(f"    ({rest} more, smaller mu*)")
    ax.text(1.02, 1.0, "Ranked by mu*:\n" + "\n".join(key), transform=ax.transAxes,
            fontsize=8, va="top", ha="left", family="monospace")
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim)
    what = label_output(output)
    ax.set_xlabel(f"mu* (mean |elementary effect| on {what}, per parameter range)")
    ax.set_ylabel("sigma (spread of elementary effects)")
    ax.set_title(f"Morris screening: {what}", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left", frameon=False)
    ax.grid(alpha=0.3)
    return ax


def plot_sobol(result: pd.DataFrame, ax=None, output: str = "", top: int = 15,
               conf_level: float = 0.95):
    """Bar chart of Sobol first-order (S1) and total (ST) indices with their
    bootstrap intervals, for the ``top`` parameters by ST.

    Returns
    -------
    matplotlib Axes
    """
    r = result.sort_values("ST", ascending=False).head(top)[::-1]
    ax = _axes(ax, (7, 0.35 * len(r) + 1.5))
    y = np.arange(len(r))
    ax.barh(y + 0.2, r["ST"], height=0.38, color="#d62728", alpha=0.8, label="total (ST)",
            xerr=r["ST_conf"], error_kw={"elinewidth": 0.8, "capsize": 2})
    ax.barh(y - 0.2, r["S1"], height=0.38, color="#1f77b4", alpha=0.8,
            label="first order (S1)", xerr=r["S1_conf"],
            error_kw={"elinewidth": 0.8, "capsize": 2})
    ax.set_yticks(y, r.index, fontsize=8)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel(f"Share of output variance (bars: {conf_level:.0%} bootstrap interval)")
    ax.set_title(f"Sobol indices: {label_output(output)}", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return ax


def label_output(name: str) -> str:
    from ..plotting import label

    var, at = parse_output(name)
    if var in METRICS and at is None:
        return METRICS[var].label.split(" (")[0].lower()
    text = label(var).lower()
    return f"{text} at month {at:g}" if at is not None else f"{text} at the horizon"


# ----------------------------------------------------------------- driver
def run_sensitivity(scenario, out_dir: str | Path, *, method: str = "morris",
                    n: int | None = None, seed: int = 0,
                    params: Sequence[str] | None = None,
                    groups: Iterable[str] = ("mechanism",),
                    outputs: Sequence[str] = ("behaviour_at_horizon",
                                              "cumulative_performance"),
                    workers: int | None = None, scheduler: str | None = None,
                    progress: bool = False, figures: bool = True
                    ) -> dict[str, pd.DataFrame]:
    """Run Morris or Sobol on a scenario and write ``<method>_<output>.csv``,
    ``problem.json`` and figures under ``out_dir``.

    Parameters
    ----------
    scenario : path, dict or Scenario
        The base scenario; the problem's parameters override it.
    method : {"morris", "sobol"}
    n : int, optional
        Trajectories (Morris, default 20, at least 4) or base sample size (Sobol,
        default 256, a power of two of at least 64); see :func:`check_sample_size`.
    seed : int
    params, groups
        See :func:`build_problem`.
    outputs : list of str
        Metric names, variables (at the horizon) or ``variable@month``.

    Returns
    -------
    dict of str to DataFrame
        Per output, the indices (see :func:`morris`, :func:`sobol`) and a column
        ``inactive``: the parameter has no effect in this scenario by construction
        (:func:`iocdynamics.assumptions.inactive_parameters`); ``notes.md`` in
        ``out_dir`` says why, and which indices the sample does not resolve.
    """
    import json

    from ..io import atomic_write, atomic_write_text, check_output_folder

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    from ..scenario import load_scenario

    problem = build_problem(params, groups)
    sc = load_scenario(scenario)
    # outputs plus the three metric inputs, float64, twice (simulation and tables)
    per_run = len(sc.save_times()) * (len(outputs) + 3) * 8 * 2
    n = check_sample_size(method, n, problem["num_vars"], per_run)
    check_output_folder(out_dir, "-o")
    func = model_function(scenario, problem, list(outputs), workers=workers,
                          scheduler=scheduler, progress=progress)
    inactive = inactive_parameters(scenario, problem["names"])
    if method == "morris":
        res = morris(problem, func, n, seed=seed)
        loose = []
    else:
        res = sobol(problem, func, n, seed=seed)  # warns on unresolved indices
        loose = [f"{name}: {u}" for name, df in res.items() for u in unresolved_indices(df)]
    off = {x.parameter for x in inactive}
    for df in res.values():
        df["inactive"] = [name in off for name in df.index]
    out = Path(out_dir)
    atomic_write_text(out / "problem.json", json.dumps(
        {"method": method, "n": n, "seed": seed, "scenario": str(scenario),
         "outputs": list(outputs), **problem}, indent=2) + "\n")
    for name, df in res.items():
        safe = name.replace("@", "_at_")
        atomic_write(out / f"{method}_{safe}.csv",
                     lambda p, df=df: df.to_csv(p, float_format="%.6g"))
    notes = sensitivity_notes(scenario, method, res, inactive, loose)
    atomic_write_text(out / "notes.md", "\n".join(notes) + "\n")
    if figures:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        for name, df in res.items():
            safe = name.replace("@", "_at_")
            if method == "morris":
                fig, ax = plt.subplots(figsize=(10, 6))
                plot_morris(df, ax=ax, output=name)
            else:
                fig, ax = plt.subplots(figsize=(7.5, 0.35 * min(15, len(df)) + 1.6))
                plot_sobol(df, ax=ax, output=name)
            fig.tight_layout()
            atomic_write(out / f"{method}_{safe}.png",
                         lambda p, fig=fig: fig.savefig(p, dpi=130, format="png"))
            plt.close(fig)
    return res


def sensitivity_notes(scenario, method: str, result: Mapping[str, pd.DataFrame],
                      inactive: Sequence[Inactive], unresolved: Sequence[str] = ()
                      ) -> list[str]:
    """What a reader must know before reading the indices: parameters that are
    inactive in the scenario by construction, parameters that showed no effect in
    any run without being inactive, and indices the sample does not resolve.

    Returns
    -------
    list of str
        Markdown lines.
    """
    from ..scenario import load_scenario

    sc = load_scenario(scenario)
    lines = [f"# {method.capitalize()} sensitivity of '{sc.name}'", ""]
    if inactive:
        lines += ["## Inactive in this scenario (zero effect by construction)", "",
                  "Their index is zero because the scenario switches off every term they "
                  "enter, not because the theory says they do not matter:", ""]
        lines += [f"- {x.describe(sc.values)}" for x in inactive]
        lines.append("")
    off = {x.parameter for x in inactive}
    key = "mu_star" if method == "morris" else "ST"
    for name, df in result.items():
        still = [p for p in df.index if p not in off and df.loc[p, key] == 0
                 and (method != "morris" or df.loc[p, "sigma"] == 0)]
        if still:
            lines += [f"## No effect on {name} in any run", "",
                      "Not switched off by the scenario, yet no run moved the output: a "
                      "threshold never crossed or a term that stays zero along these runs:",
                      "", *[f"- {p}" for p in still], ""]
    if unresolved:
        lines += ["## Not resolved by the sample", "", *[f"- {u}" for u in unresolved], ""]
    if len(lines) == 2:
        lines.append("Every varied parameter is active in this scenario.")
    return lines
