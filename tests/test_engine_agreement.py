"""The fast engine agrees with PySD (the reference) on random scenarios.

Fifty scenarios are drawn with a fixed seed across the registry bounds of every
parameter, with random events (every kind, leadership changes with a new
quality) and lever changes; every output column of the fast engine (numba
kernel and pure-numpy fallback, single runs and one ensemble call) must match
PySD's run of ``models/ioc.mdl`` to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from iocdynamics import engine
from iocdynamics.engine import elementary
from iocdynamics.engine import kernel as kernel_module
from iocdynamics.model import EVENT_KINDS
from iocdynamics.registry import PARAMETERS
from iocdynamics.scenario import CONTRACTS, Scenario
from iocdynamics.simulation import all_columns, simulate

N_SCENARIOS = 50
TOLERANCE = 1e-9
LEVERS = [p.name for p in PARAMETERS.values()
          if p.group == "lever" and not p.name.startswith("contract_")]


def _draw(rng: np.random.Generator, name: str):
    p = PARAMETERS[name]
    x = rng.uniform(p.lower, p.upper)
    if p.kind == "bool":
        return bool(rng.integers(0, 2))
    if p.kind == "int":
        return int(rng.integers(int(p.lower), int(p.upper) + 1))
    return float(x)


def random_scenario(seed: int, events: bool = True, lever_changes: bool = True) -> Scenario:
    """A valid scenario with every parameter drawn uniformly over its bounds."""
    rng = np.random.default_rng(seed)
    time_step = float(rng.choice([0.125, 0.0625]))
    final_time = float(rng.choice([24, 36, 48]))
    save_interval = float(rng.choice([0.25, 0.5, 1.0]))
    d: dict = {"name": f"random {seed}",
               "simulation": {"final_time": final_time, "time_step": time_step,
                              "save_interval": save_interval},
               "context": {}, "levers": {"contract": str(rng.choice(CONTRACTS))},
               "parameters": {}, "events": [], "lever_changes": []}
    for p in PARAMETERS.values():
        if p.name.startswith("contract_"):
            continue
        table = {"context": "context", "lever": "levers"}.get(p.group, "parameters")
        d[table][p.name] = _draw(rng, p.name)
    if events:
        months = rng.choice(np.arange(0, final_time, 0.5), size=int(rng.integers(0, 9)),
                            replace=False)
        for at in months:
            kind = str(rng.choice(EVENT_KINDS))
            ev = {"at": float(at), "kind": kind, "size": float(rng.uniform(0.05, 1.0))}
            if kind == "leadership_change" and rng.random() < 0.5:
                ev["leadership_quality"] = float(rng.uniform(0, 1))
            d["events"].append(ev)
    if lever_changes and rng.random() < 0.4:
        for at in rng.choice(np.arange(1, final_time), size=int(rng.integers(1, 3)),
                             replace=False):
            lever = str(rng.choice(LEVERS + ["contract"]))
            value = (str(rng.choice(CONTRACTS)) if lever == "contract"
                     else _draw(rng, lever))
            d["lever_changes"].append({"at": float(at), "lever": lever, "value": value})
    return Scenario.from_dict(d)


@pytest.fixture(scope="module")
def cases():
    """(scenario, PySD result) pairs, every column."""
    out = []
    for seed in range(N_SCENARIOS):
        sc = random_scenario(seed)
        out.append((sc, simulate(sc, engine="pysd", columns="all")))
    return out


def _max_diff(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, str]:
    assert list(a.columns) == list(b.columns)
    assert np.array_equal(a.index.to_numpy(), b.index.to_numpy())
    diffs = (a - b).abs().max()
    return float(diffs.max()), str(diffs.idxmax())


def test_random_scenarios_cover_events_and_lever_changes(cases):
    scs = [sc for sc, _ in cases]
    kinds = {e.kind for sc in scs for e in sc.events}
    assert kinds == set(EVENT_KINDS)
    assert sum(bool(sc.lever_changes) for sc in scs) >= 10
    assert any(e.leadership_quality is not None for sc in scs for e in sc.events)
    # dissolution happens in some runs and not in others: both branches are exercised
    active_end = [df["active"].iloc[-1] for _, df in cases]
    assert 0.0 in active_end and 1.0 in active_end


def test_fast_engine_matches_pysd_on_every_column(cases):
    worst = []
    for sc, ref in cases:
        fast = simulate(sc, engine="fast", columns="all")
        diff, col = _max_diff(fast, ref)
        worst.append((diff, col, sc.name))
    assert max(worst)[0] <= TOLERANCE, max(worst)


def test_numpy_fallback_matches_pysd_on_every_column(cases):
    cols = all_columns()
    for sc, ref in cases[:15]:
        series = sc.input_series()
        constants = {k: v for k, v in sc.constants().items() if k not in series}
        for name in engine.compile_model().inputs:
            constants.setdefault(name, 0.0) if name not in series else None
        out = engine.integrate(constants, series, sc.final_time, sc.time_step,
                               sc.save_times(), cols, backend="numpy")
        got = pd.DataFrame(out, index=ref.index)
        diff, col = _max_diff(got, ref)
        assert diff <= TOLERANCE, (sc.name, col, diff)


def test_one_ensemble_call_matches_pysd(cases):
    from iocdynamics.ensembles import simulate_ensemble

    # members must share the clock: group the random scenarios by it
    groups: dict = {}
    for sc, ref in cases:
        groups.setdefault((sc.final_time, sc.time_step, sc.save_interval), []).append(
            (sc, ref))
    checked = 0
    for group in groups.values():
        ds = simulate_ensemble([sc for sc, _ in group], columns="all", chunk_size=3)
        for i, (sc, ref) in enumerate(group):
            got = pd.DataFrame({c: ds[c].values[i] for c in ref.columns}, index=ref.index)
            diff, col = _max_diff(got, ref)
            assert diff <= TOLERANCE, (sc.name, col, diff)
            assert ds["scenario"].values[i] == sc.name
            checked += 1
    assert checked == N_SCENARIOS


@settings(max_examples=300, deadline=None)
@given(x=st.floats(-1e4, 1e4, allow_nan=False),
       m=st.one_of(st.floats(0, 1e3, allow_nan=False), st.sampled_from([0.5, 1.0, 6.0])))
def test_modulo_is_pysds_bit_for_bit(x, m):
    from pysd.py_backend.functions import modulo

    expected = modulo(x, m)
    assert float(elementary.FUNCTIONS["mod"](x, m)) == expected
    # the generated code calls the same definition
    printed = engine.print_expression("m", sp.Mod(sp.Symbol("x"), sp.Symbol("m"),
                                                   evaluate=False))
    with np.errstate(all="ignore"):
        got = eval(printed, dict(elementary.NUMPY_NAMESPACE), {"x": np.array([x]),
                                                               "m": np.array([m])})
    assert float(got[0]) == expected


def test_auto_backend_falls_back_to_numpy_when_numba_fails(monkeypatch):
    def broken(src):
        raise ImportError("no numba here")

    monkeypatch.setattr(kernel_module, "load_numba_module", broken)
    monkeypatch.setattr(kernel_module, "_KERNELS", {})
    kernel = engine.get_kernel(backend="auto")
    assert kernel.backend == "numpy"
    sc = random_scenario(3, lever_changes=False)
    ref = simulate(sc, engine="fast", columns="all")  # the numpy kernel now
    monkeypatch.undo()
    fast = simulate(sc, engine="fast", columns="all")
    assert engine.get_kernel(tuple(sc.input_series())).backend == "numba"
    pd.testing.assert_frame_equal(fast, ref, check_exact=True)  # the same bits


def test_kernel_is_generated_from_the_equations(model):
    """Every auxiliary and flow of the sympy model appears as an assignment in the
    kernel, and hoisted ones depend on constants only."""
    kernel = engine.get_kernel()
    for name in model.computation_order:
        assert f"    {name} = " in kernel.source
    assert set(kernel.record) == set(model.computation_order) | {s.name for s in model.stocks}
    assert kernel.flops_per_step > 2 * len(model.stocks)


def test_frames_from_repeated_runs_do_not_share_their_labels_or_values():
    """``simulate`` builds a frame's time index and column labels once per clock and
    column set: renaming or editing one frame leaves the next call's frame as it was."""
    sc = random_scenario(5, lever_changes=False)
    a = simulate(sc, engine="fast")
    first = a.iloc[0, 0]
    a.index.name, a.columns.name = "month", "variable"
    a.iloc[0, 0] = -1.0
    b = simulate(sc, engine="fast")
    assert (b.index.name, b.columns.name) == ("time", None)
    assert b.iloc[0, 0] == first != -1.0
