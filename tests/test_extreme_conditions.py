"""Extreme-condition and integration-error checks in the system-dynamics tradition."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iocdynamics.checks.extremes import (
    corners,
    extreme_condition_problems,
    integration_error,
    run_members,
    sanity_problems,
)
from iocdynamics.model import EVENT_KINDS
from iocdynamics.registry import PARAMETERS
from iocdynamics.scenario import Scenario, load_scenario
from iocdynamics.simulation import simulate

from .conftest import SCENARIOS


def _ensemble(values, final_time=60.0, dt=0.125, events=()):
    return run_members(values, events, final_time, dt)


def _corners(group_names, n_members, rng):
    return corners(group_names, n_members, rng)


def _assert_sane(out):
    problems = sanity_problems(out)
    assert not problems, problems


def test_all_contexts_and_levers_at_their_bounds():
    """Every context and lever at its lower or upper bound (all-low, all-high and 254
    random corners): no NaN, every bounded stock in bounds."""
    rng = np.random.default_rng(20261125)
    names = [p.name for p in PARAMETERS.values() if p.group in ("context", "lever")]
    vals = _corners(names, 256, rng)
    for name in names:
        p = PARAMETERS[name]
        vals[name][0], vals[name][1] = p.lower, p.upper
    vals["contract_is_mou"][1] = 0.0
    events = [{"at": 6 + 8 * i, "kind": k, "size": 1.0} for i, k in enumerate(EVENT_KINDS)]
    _assert_sane(_ensemble(vals, events=events))


def test_every_parameter_at_its_bounds():
    """Mechanism constants and initial levels at random corners too."""
    rng = np.random.default_rng(7)
    names = list(PARAMETERS)
    vals = _corners(names, 256, rng)
    events = [{"at": 10 + 7 * i, "kind": k, "size": 1.0} for i, k in enumerate(EVENT_KINDS)]
    _assert_sane(_ensemble(vals, events=events))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(EVENT_KINDS),
       at=st.floats(0, 59), size=st.floats(0.01, 1.0))
def test_bounded_by_construction_for_any_parameters_and_event(seed, kind, at, size):
    """Property: any parameter set drawn within the declared bounds, with any single
    event, keeps every bounded stock in [0, 1] (no clipping anywhere)."""
    rng = np.random.default_rng(seed)
    n = 64
    vals = {}
    for k, p in PARAMETERS.items():
        if p.kind == "bool":
            vals[k] = rng.integers(0, 2, n).astype(float)
        elif p.kind == "int":
            vals[k] = rng.integers(int(p.lower), int(p.upper) + 1, n).astype(float)
        else:
            vals[k] = rng.uniform(p.lower, p.upper, n)
    vals["contract_is_mou"] = np.where(vals["contract_is_binding"] == 1, 0.0,
                                       vals["contract_is_mou"])
    _assert_sane(_ensemble(vals, events=[{"at": at, "kind": kind, "size": size}]))


def test_extreme_event_sizes_together_stay_in_bounds():
    """The largest events of every kind, each a step apart, in the worst context."""
    events = [{"at": 12 + 0.125 * i, "kind": k, "size": 1.0} for i, k in enumerate(EVENT_KINDS)]
    vals = {k: np.array([p.upper if p.kind != "bool" else 1.0]) for k, p in PARAMETERS.items()}
    vals["contract_is_mou"] = np.array([0.0])
    _assert_sane(_ensemble(vals, events=events))


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_halving_the_time_step_changes_little(path):
    """Integration error: halving the time step moves no stock by more than 0.02 at any
    saved time (stocks are on 0..1 scales; performance relative to baseline), and the
    dwell clock by at most one step."""
    sc = load_scenario(path)
    err, where = integration_error(sc)
    assert err <= 0.02, (where, err)
    coarse = simulate(sc, engine="fast", columns=["time_below_critical"])
    fine_sc = Scenario.from_dict({**sc.to_dict(), "simulation": {
        **sc.to_dict()["simulation"], "time_step": sc.time_step / 2}}, source=str(path))
    fine = simulate(fine_sc, engine="fast", columns=["time_below_critical"])
    assert (coarse - fine).abs().max().max() <= sc.time_step + 1e-12


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_the_user_facing_extreme_condition_check_passes_on_bundled_scenarios(path):
    assert extreme_condition_problems(path, members=64) == []


def test_the_sanity_check_catches_what_it_is_meant_to():
    """NaN, a bounded stock out of bounds and a fractional ``active`` are all caught."""
    vals = {k: np.array([p.default]) for k, p in PARAMETERS.items()}
    good = _ensemble(vals)
    assert sanity_problems(good) == []
    bad = {k: v.copy() for k, v in good.items()}
    bad["trust"][5, 0] = np.nan
    bad["faith"][7, 0] = 1.2
    bad["active"][9, 0] = 0.5
    found = " | ".join(sanity_problems(bad))
    assert "trust becomes NaN or infinite in 1 member(s)" in found
    assert "faith leaves [0, 1]" in found
    assert "active takes values" in found


def test_time_step_too_long_is_refused_rather_than_clipped():
    with pytest.raises(ValueError, match="Euler"):
        Scenario.from_dict({"simulation": {"time_step": 1.0}})


def test_corner_list_is_exhaustive_for_binary_levers():
    """Every combination of the contract type and the mandate runs and stays sane."""
    combos = list(itertools.product([0, 1], [0, 1], [0, 1]))
    vals = {k: np.full(len(combos), p.default) for k, p in PARAMETERS.items()}
    for i, (mou, mandated, broker) in enumerate(combos):
        vals["contract_is_mou"][i] = mou
        vals["contract_is_binding"][i] = 1 - mou
        vals["mandated"][i] = mandated
        vals["external_broker"][i] = broker
    vals["formalisation"][:] = 1.0
    _assert_sane(_ensemble(vals))
