"""Extreme-condition (Reality Check) and integration-error tests in the
system-dynamics tradition, on the fast engine.

Extreme conditions: contexts, levers and mechanism constants at random corners of
their declared bounds, with events of every kind at full size: no stock may become
NaN or infinite, every bounded stock must stay in its bounds (by construction,
nothing is clipped) and ``active`` must stay 0 or 1. Integration error: halving
the time step must move no stock by more than a tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..engine import compile_model, integrate
from ..model import EVENT_KINDS, build_model
from ..registry import PARAMETERS
from ..scenario import Scenario, load_scenario


def stocks() -> list[str]:
    return [s.name for s in build_model().stocks]


def bounded_stocks() -> list[tuple[str, float, float]]:
    """Stocks with declared lower and upper bounds."""
    return [(s.name, s.lower, s.upper) for s in build_model().stocks
            if s.lower is not None and s.upper is not None]


def run_members(values: Mapping[str, np.ndarray], events: Sequence[Mapping] = (),
                final_time: float = 60.0, time_step: float = 0.125
                ) -> dict[str, np.ndarray]:
    """Simulate members given as arrays of every registry value; events shared.

    Returns
    -------
    dict
        Stock (and ``active``) -> array (saved times, members).
    """
    sc = Scenario.from_dict({"events": [dict(e) for e in events],
                             "simulation": {"final_time": final_time,
                                            "time_step": time_step}})
    series = sc.input_series()
    consts = {k: v for k, v in values.items() if k not in series}
    for name in compile_model().inputs:
        if name not in series:
            consts[name] = 0.0
    cols = tuple(stocks()) + ("active",)
    return integrate(consts, series, final_time, time_step, sc.save_times(), cols)


def corners(names: Sequence[str], n_members: int, rng: np.random.Generator,
            base: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Members whose ``names`` sit at random corners of their bounds, every other
    value at ``base`` (default: the registry defaults). A member never holds both a
    MoU and a binding contract."""
    base = base or {k: p.default for k, p in PARAMETERS.items()}
    vals = {k: np.full(n_members, float(base[k])) for k in PARAMETERS}
    for name in names:
        p = PARAMETERS[name]
        vals[name] = np.where(rng.integers(0, 2, n_members) == 1, p.upper, p.lower)
    vals["contract_is_mou"] = np.where(vals["contract_is_binding"] == 1, 0.0,
                                       vals["contract_is_mou"])
    return vals


def sanity_problems(out: Mapping[str, np.ndarray]) -> list[str]:
    """What is wrong with simulated members: NaN or infinite stocks, bounded stocks
    out of bounds, ``active`` other than 0 or 1."""
    problems = []
    for name in stocks():
        arr = np.asarray(out[name])
        bad = ~np.isfinite(arr)
        if bad.any():
            problems.append(f"{name} becomes NaN or infinite in "
                            f"{int(bad.reshape(bad.shape[0], -1).any(axis=0).sum())} "
                            "member(s)")
    for name, lo, hi in bounded_stocks():
        arr = np.asarray(out[name])
        finite = arr[np.isfinite(arr)]
        if finite.size and (finite.min() < lo - 1e-12 or finite.max() > hi + 1e-12):
            problems.append(f"{name} leaves [{lo:g}, {hi:g}]: "
                            f"[{finite.min():.3g}, {finite.max():.3g}]")
    active = np.unique(np.asarray(out["active"]))
    if not set(active.tolist()) <= {0.0, 1.0}:
        problems.append(f"active takes values other than 0 and 1: {active[:5]}")
    return problems


def every_event(first: float = 6.0, spacing: float = 8.0) -> list[dict]:
    """One full-size event of every kind, ``spacing`` months apart."""
    return [{"at": first + spacing * i, "kind": k, "size": 1.0}
            for i, k in enumerate(EVENT_KINDS)]


def _event_dicts(sc: Scenario) -> list[dict]:
    return [{"at": e.at, "kind": e.kind, "size": e.size} for e in sc.events]


def extreme_condition_problems(scenario=None, members: int = 256, seed: int = 20261125
                               ) -> list[str]:
    """Run the extreme-condition tests around ``scenario`` (default: the registry
    defaults) and return what went wrong (empty when every run is sane).

    Three ensembles: every context and lever at random corners of its bounds (the
    first member all low, the second all high) with the scenario's events and one
    full-size event of every kind; every constant at random corners; the scenario
    with every kind of event at full size in successive time steps.
    """
    sc = load_scenario(scenario if scenario is not None else {})
    base = dict(sc.values)
    rng = np.random.default_rng(seed)
    T, dt = sc.final_time, sc.time_step
    spacing = max(dt, min(8.0, (T - 1) / (len(EVENT_KINDS) + 1)))
    events = every_event(first=spacing, spacing=spacing)
    problems: list[str] = []

    names = [p.name for p in PARAMETERS.values() if p.group in ("context", "lever")]
    vals = corners(names, members, rng, base)
    for name in names:
        p = PARAMETERS[name]
        vals[name][0], vals[name][1] = p.lower, p.upper
    vals["contract_is_mou"][1] = 0.0
    own = [e for e in _event_dicts(sc)
           if all(abs(e["at"] - x["at"]) >= dt or e["kind"] != x["kind"] for x in events)]
    out = run_members(vals, events + own, T, dt)
    problems += [f"contexts and levers at their bounds: {p}" for p in sanity_problems(out)]

    vals = corners(list(PARAMETERS), members, rng, base)
    out = _stable_members(vals, dt, lambda v: run_members(v, events, T, dt))
    problems += [f"every constant at its bounds: {p}" for p in sanity_problems(out)]

    burst = [{"at": min(T / 5, T - 1) + dt * i, "kind": k, "size": 1.0}
             for i, k in enumerate(EVENT_KINDS)]
    one = {k: np.array([v]) for k, v in base.items()}
    out = run_members(one, burst, T, dt)
    problems += [f"every event at once: {p}" for p in sanity_problems(out)]
    return problems


def _stable_members(vals: dict[str, np.ndarray], dt: float, run):
    """Run only the members whose time constants the time step can follow (the
    scenario refuses the others before running)."""
    from ..scenario import shortest_time_constant

    n = len(next(iter(vals.values())))
    keep = np.array([dt <= shortest_time_constant({k: v[i] for k, v in vals.items()}) / 2
                     + 1e-12 for i in range(n)])
    return run({k: v[keep] for k, v in vals.items()})


def integration_error(scenario) -> tuple[float, str]:
    """Largest change of any stock (clocks in months excepted: a crossing may move by
    a step) at any saved time when the time step is halved, and the stock where it
    happens."""
    from ..simulation import simulate

    sc = load_scenario(scenario)
    cols = stocks()
    coarse = simulate(sc, engine="fast", columns=cols)
    d = sc.to_dict()
    fine_sc = Scenario.from_dict({**d, "simulation": {**d["simulation"],
                                                     "time_step": sc.time_step / 2}},
                                 source=sc.source)
    fine = simulate(fine_sc, engine="fast", columns=cols)
    diff = (coarse - fine).abs().max()
    dwell = [s.name for s in build_model().stocks if s.units == "Month"]
    diff = diff.drop(labels=dwell)
    return float(diff.max()), str(diff.idxmax())
