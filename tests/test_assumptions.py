"""Which terms a scenario switches off: checked against simulations, not against the
code's own output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iocdynamics import simulate, simulate_ensemble
from iocdynamics.assumptions import (
    deciding_assumptions,
    identical_settings,
    inactive_parameters,
    switched_off,
)
from iocdynamics.registry import PARAMETERS
from iocdynamics.scenario import Scenario, ScenarioError, load_scenario

from .conftest import SCENARIOS, bundled

VARIED = [p.name for p in PARAMETERS.values() if p.group in ("mechanism", "context")]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_an_inactive_parameter_changes_nothing_across_its_bounds(path):
    sc = load_scenario(path)
    off = [x.parameter for x in inactive_parameters(sc, VARIED)]
    assert len(off) < len(VARIED)
    rows = []
    for name in off:
        p = PARAMETERS[name]
        for v in (p.lower, p.upper):
            try:
                sc.with_values(**{name: v})
            except ScenarioError:  # a time constant the time step cannot follow
                continue
            rows.append({name: v})
    if not rows:
        pytest.skip("no parameter is inactive in this scenario")
    table = pd.DataFrame(rows).fillna({n: sc.values[n] for n in off})
    ds = simulate_ensemble(table, sc, columns="all")
    ref = simulate(sc, columns="all")
    for col in ref.columns:
        got = ds[col].transpose("member", "time").values
        np.testing.assert_array_equal(got, np.broadcast_to(ref[col].to_numpy(), got.shape),
                                      err_msg=col)


def test_parameters_that_act_are_not_called_inactive():
    """Every parameter that moves a stock when changed alone is active."""
    sc = load_scenario(bundled("fig5_voluntary_partnership"))
    off = {x.parameter for x in inactive_parameters(sc, VARIED)}
    ref = simulate(sc)
    for name in VARIED:
        p = PARAMETERS[name]
        if p.kind == "bool":
            v = 1.0 - sc.values[name]
        else:
            v = p.lower + 0.37 * (p.upper - p.lower)
        try:
            df = simulate(sc, **{name: v})
        except ScenarioError:
            continue
        if not np.allclose(df.to_numpy(), ref.to_numpy(), rtol=0, atol=0):
            assert name not in off, name


def test_the_mandate_switches_off_the_mou_trust_boost_and_says_so():
    vol = Scenario.from_dict({"context": {"mandated": False, "integration": 0.2},
                              "levers": {"contract": "mou", "formalisation": 1.0}})
    imp = vol.with_values(mandated=True)
    assert not [s for s in switched_off(vol, ["contract_is_mou"])]
    off = switched_off(imp, ["contract_is_mou"])
    assert off and all(any(d.name == "mandated" for d in s.deciders) for s in off)
    assert "mandated = true" in off[0].describe(imp.values)
    # and the simulation agrees: under the mandate the MoU's trust boost is gone
    a = simulate(imp, mou_trust_boost=PARAMETERS["mou_trust_boost"].lower)
    b = simulate(imp, mou_trust_boost=PARAMETERS["mou_trust_boost"].upper)
    pd.testing.assert_frame_equal(a, b)
    a = simulate(vol, mou_trust_boost=PARAMETERS["mou_trust_boost"].lower)
    b = simulate(vol, mou_trust_boost=PARAMETERS["mou_trust_boost"].upper)
    assert not a.equals(b)


def test_settings_equal_by_construction_are_found_with_the_assumption_that_decides():
    """Under a mandate an MoU at full strength is a binding contract at half strength
    when an MoU gives half a binding contract's confidence."""
    base = load_scenario(bundled("imposed_buddying")).with_values(mou_confidence_weight=0.5)
    mou = base.with_values(contract="mou", formalisation=1.0)
    binding = base.with_values(contract="binding", formalisation=0.5)
    other = base.with_values(contract="binding", formalisation=1.0)
    assert identical_settings([mou, binding, other]) == [0, 0, 2]
    pd.testing.assert_frame_equal(simulate(mou, columns="all"),
                                  simulate(binding, columns="all"))
    assert not simulate(mou).equals(simulate(other))
    why = {d.name for _, d in deciding_assumptions(mou, binding)}
    assert {"mandated", "mou_confidence_weight"} <= why
    # change the deciding assumption and the tie is gone, in the model and the runs
    mou6 = mou.with_values(mou_confidence_weight=0.6)
    bind6 = binding.with_values(mou_confidence_weight=0.6)
    assert identical_settings([mou6, bind6]) == [0, 1]
    assert not simulate(mou6).equals(simulate(bind6))
    # left uncertain (a symbol), the weight makes them different models too
    assert identical_settings([mou, binding], keep=["mou_confidence_weight"]) == [0, 1]
