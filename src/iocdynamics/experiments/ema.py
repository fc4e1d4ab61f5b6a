"""The model for the EMA Workbench: levers, uncertainties and outcomes from the
registry, and PRIM scenario discovery on experiment results.

``ema_model(base)`` returns an :class:`ema_workbench.Model` whose function
simulates ``base`` on the fast engine with the sampled values and returns the
metrics of :data:`iocdynamics.experiments.metrics.METRICS`::

    from ema_workbench import perform_experiments, SequentialEvaluator
    model = ema_model("experiments/scenarios/mandated_cross_sector_system.toml",
                      uncertainties=["history_of_collaboration", "trust_build_time"])
    with SequentialEvaluator(model) as ev:
        experiments, outcomes = perform_experiments(model, scenarios=50, policies=4,
                                                    evaluator=ev)

``prim_discovery(results_folder)`` runs PRIM on a finished ``iocdyn experiment``
(inputs: lever levels and sampled uncertain parameters; outcome: a metric).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..registry import PARAMETERS
from ..scenario import CONTRACTS, contract_values
from .columns import METRIC_COLUMNS
from .metrics import DEFAULT_SYNERGY_THRESHOLD, METRICS, compute_metrics_arrays


def import_ema():
    """Import ``ema_workbench`` without its notices about optional extras
    (ipyparallel, altair) that this adapter does not use."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ipyparallel not installed.*")
        warnings.filterwarnings("ignore", message=".*altair based interactive.*")
        import ema_workbench
        from ema_workbench.analysis import prim  # noqa: F401
    return ema_workbench


def _parameter(ema, name: str, spec: Any = None):
    """An EMA parameter for a registry name (or ``contract``), optionally with
    narrower bounds ``(lo, hi)`` or a list of categories."""
    if name == "contract":
        cats = list(spec) if spec is not None else list(CONTRACTS)
        bad = [c for c in cats if c not in CONTRACTS]
        if bad:
            raise ValueError(f"contract categories {bad} are not allowed; use {CONTRACTS}")
        return ema.CategoricalParameter("contract", cats)
    if name not in PARAMETERS:
        import difflib

        close = difflib.get_close_matches(name, list(PARAMETERS) + ["contract"], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise KeyError(f"unknown parameter '{name}'{hint}")
    p = PARAMETERS[name]
    if p.kind == "bool":
        return ema.BooleanParameter(name)
    if isinstance(spec, (list, tuple)) and len(spec) != 2:
        return ema.CategoricalParameter(name, list(spec))
    lo, hi = spec if spec is not None else (p.lower, p.upper)
    if not p.lower <= lo < hi <= p.upper:
        raise ValueError(f"bounds of '{name}' ({lo:g}, {hi:g}) must lie within "
                         f"({p.lower:g}, {p.upper:g}) with lower < upper")
    if p.kind == "int":
        return ema.IntegerParameter(name, int(lo), int(hi))
    return ema.RealParameter(name, float(lo), float(hi))


def _parameters(ema, items, default_names):
    if items is None:
        items = default_names
    if isinstance(items, Mapping):
        return [_parameter(ema, k, v) for k, v in items.items()]
    return [_parameter(ema, k) for k in items]


def default_levers() -> list[str]:
    """Every lever of the registry, with ``contract`` for the two contract flags."""
    return ["contract"] + [p.name for p in PARAMETERS.values()
                           if p.group == "lever" and not p.name.startswith("contract_is_")]


def default_uncertainties() -> list[str]:
    """Every context and mechanism parameter of the registry."""
    return [p.name for p in PARAMETERS.values() if p.group in ("context", "mechanism")]


def registry_values(kwargs: Mapping[str, Any]) -> dict[str, float]:
    """Registry constants from EMA keyword arguments (``contract`` -> the two flags,
    booleans -> 0/1, integers rounded)."""
    out: dict[str, float] = {}
    for k, v in kwargs.items():
        if k == "contract":
            out.update(contract_values(v))
        elif PARAMETERS[k].kind == "int":
            out[k] = float(round(v))
        else:
            out[k] = float(v)
    return out


def evaluate(base, threshold: float = DEFAULT_SYNERGY_THRESHOLD, **kwargs
             ) -> dict[str, float]:
    """Simulate ``base`` with the given lever and parameter values (fast engine)
    and return every metric as a float."""
    from ..simulation import simulate

    df = simulate(base, engine="fast", columns=list(METRIC_COLUMNS),
                  **registry_values(kwargs))
    m = compute_metrics_arrays(df.index.to_numpy(), df["collaborative_behaviour"].to_numpy(),
                               df["performance"].to_numpy(), df["active"].to_numpy(),
                               threshold)
    return {k: float(v) for k, v in m.items()}


def ema_model(base=None, *, name: str = "iocdyn",
              levers: Sequence[str] | Mapping[str, Any] | None = None,
              uncertainties: Sequence[str] | Mapping[str, Any] | None = None,
              metrics: Sequence[str] | None = None,
              threshold: float = DEFAULT_SYNERGY_THRESHOLD):
    """The collaboration model as an EMA Workbench ``Model``.

    Parameters
    ----------
    base : path, dict or Scenario, optional
        Scenario supplying every value not sampled (events, clock). Default: the
        default scenario.
    name : str
        Model name (an identifier).
    levers : list of names or mapping name -> (lower, upper) or categories, optional
        Default: every lever of the registry (``contract`` as a categorical
        none/mou/binding; true/false levers as boolean parameters).
    uncertainties : list or mapping, optional
        Default: every context and mechanism parameter, over its registry bounds.
    metrics : list of str, optional
        Outcomes (default: every metric; ``time_to_synergy`` is NaN when synergy
        is never reached).
    threshold : float
        Synergy threshold on collaborative behaviour.

    Returns
    -------
    ema_workbench.Model
    """
    from ..scenario import Scenario, load_scenario

    ema = import_ema()
    sc = load_scenario(base) if base is not None else Scenario()
    metrics = list(metrics) if metrics is not None else list(METRICS)
    bad = [m for m in metrics if m not in METRICS]
    if bad:
        raise KeyError(f"unknown metric(s) {bad}; choose from {list(METRICS)}")

    def run(**kwargs):
        res = evaluate(sc, threshold, **kwargs)
        return {m: res[m] for m in metrics}

    model = ema.Model(name, function=run)
    model.levers = _parameters(ema, levers, default_levers())
    model.uncertainties = _parameters(ema, uncertainties, default_uncertainties())
    clash = {p.name for p in model.levers} & {p.name for p in model.uncertainties}
    if clash:
        raise ValueError(f"{sorted(clash)} cannot be both a lever and an uncertainty")
    model.outcomes = [ema.ScalarOutcome(m) for m in metrics]
    return model


# ------------------------------------------------------------ scenario discovery
def experiment_table(results: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inputs and metrics of a finished experiment, one row per run.

    Returns
    -------
    x : DataFrame
        Lever levels (categorical) and sampled parameter values per run.
    y : DataFrame
        Every metric per run.
    """
    import xarray as xr

    path = Path(results)
    path = path / "ensemble.nc" if path.is_dir() else path
    if not path.exists():
        raise FileNotFoundError(f"{path}: no experiment results; run `iocdyn experiment` "
                                "first")
    with xr.open_dataset(path) as ds:
        n_set, n_mem = ds.sizes["setting"], ds.sizes["member"]
        x: dict[str, Any] = {}
        for c, coord in ds.coords.items():
            if coord.dims == ("setting",) and c != "setting":
                x[c] = np.repeat(coord.values.astype(str), n_mem)
            elif coord.dims == ("member",) and c.startswith("sample_"):
                x[c[len("sample_"):]] = np.tile(coord.values, n_set)
        y = {m: ds[m].transpose("setting", "member").values.ravel()
             for m in METRICS if m in ds}
    xdf = pd.DataFrame(x)
    for c in xdf.columns:
        if xdf[c].dtype == object or pd.api.types.is_string_dtype(xdf[c]):
            xdf[c] = xdf[c].astype("category")
    return xdf, pd.DataFrame(y)


def prim_discovery(results: str | Path, outcome: str = "reached_synergy",
                   threshold: float = 0.8, peel_alpha: float = 0.1,
                   inputs: Sequence[str] | None = None, min_value: float = 0.5,
                   max_dims: int | None = 4):
    """PRIM scenario discovery on an experiment's results.

    Parameters
    ----------
    results : path
        ``experiments/results/NAME`` (or its ``ensemble.nc``).
    outcome : str
        Metric; runs with ``outcome >= min_value`` are the cases of interest
        (for the binary metrics: those that reached synergy, or dissolved).
    threshold : float
        PRIM's density threshold for the box (share of cases inside it).
    inputs : list of str, optional
        Restrict the candidate dimensions (default: levers and sampled
        parameters).
    max_dims : int, optional
        Select, on the peeling trajectory, the box of highest coverage among those
        with density >= ``threshold`` restricting at most this many dimensions
        (a readable box); None keeps PRIM's own choice.

    Returns
    -------
    prim : ema_workbench.analysis.prim.Prim
    box : PrimBox
        The box found, its selected step set (see :func:`describe_box`).
    """
    import_ema()
    from ema_workbench.analysis import prim

    x, y = experiment_table(results)
    if outcome not in y:
        raise KeyError(f"unknown outcome '{outcome}'; choose from {list(y.columns)}")
    if inputs is not None:
        x = x[list(inputs)]
    x = x.loc[:, x.nunique() > 1]
    cases = np.nan_to_num(y[outcome].to_numpy(), nan=-np.inf) >= min_value
    if not cases.any():
        raise ValueError(f"no run has {outcome} >= {min_value:g}: nothing to discover")
    with warnings.catch_warnings():
        # the workbench's PRIM still uses pandas' deprecated inplace keyword
        warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame")
        p = prim.Prim(x, cases, threshold=threshold, peel_alpha=peel_alpha)
        box = p.find_box()
    if max_dims is not None:
        traj = box.peeling_trajectory
        ok = traj[(traj["density"] >= threshold) & (traj["res_dim"] <= max_dims)]
        if len(ok):
            box.select(int(ok["coverage"].idxmax()))
    return p, box


def describe_box(prim_obj, box) -> tuple[dict[str, float], pd.DataFrame]:
    """Statistics and restricted dimensions of the selected PRIM box.

    Returns
    -------
    stats : dict
        ``coverage`` (share of all cases inside the box), ``density`` (share of
        runs inside the box that are cases), ``mass`` (share of runs inside),
        ``restricted_dimensions``.
    limits : DataFrame
        One row per restricted input: the box's ``lower`` and ``upper`` limits (or
        the kept ``levels`` of a categorical input) and the full range.
    """
    lim, init = box.box_lim, prim_obj.box_init
    rows = []
    for c in lim.columns:
        a, b = lim[c].tolist(), init[c].tolist()
        if a == b:
            continue
        if isinstance(a[0], set):
            rows.append({"input": c, "levels": ", ".join(sorted(map(str, a[0]))),
                         "all levels": ", ".join(sorted(map(str, b[0])))})
        else:
            rows.append({"input": c, "lower": a[0], "upper": a[1],
                         "range": f"{b[0]:.3g} .. {b[1]:.3g}"})
    stats = {"coverage": float(box.coverage), "density": float(box.density),
             "mass": float(box.mass), "restricted_dimensions": len(rows)}
    return stats, pd.DataFrame(rows)
