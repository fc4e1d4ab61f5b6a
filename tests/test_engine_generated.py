"""The engine's generated code against references that do not use it.

* A whole scenario (events, a leadership change with a new quality, a lever change)
  run by the fast engine -- numba kernel and numpy fallback -- equals an explicit
  Euler integration of the lambdified sympy equations (``tests/sector_harness.py``)
  at every saved time, for every stock and several auxiliaries.
* A one-stock model built by hand (goal seeking with a switch, a Vensim ``MODULO``
  and a pulse input) compiled by the engine follows its solution derived by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from iocdynamics import engine
from iocdynamics.registry import Parameter
from iocdynamics.scenario import Scenario, load_scenario
from iocdynamics.simulation import simulate
from iocdynamics.structure import TIME, Auxiliary, Flow, Input, Stock, StockFlowModel

from .conftest import bundled
from .sector_harness import INPUTS, STOCKS, euler, start, state, value

AUX = ("indicated_trust", "task_failures", "evaluation_round_active", "active",
       "trust_adjustment_time")


def _scenario() -> Scenario:
    d = load_scenario(bundled("fig5_voluntary_partnership")).to_dict()
    d["simulation"].update(final_time=30, time_step=0.125, save_interval=0.5)
    d["events"] = [
        {"at": 2.0, "kind": "quick_win", "size": 0.8},
        {"at": 5.0, "kind": "task_failure", "size": 0.5},
        {"at": 7.5, "kind": "conflict_incident", "size": 1.0},
        {"at": 9.0, "kind": "leadership_change", "size": 0.6, "leadership_quality": 0.9},
        {"at": 11.0, "kind": "staff_loss", "size": 0.7},
        {"at": 13.0, "kind": "vision_clarified", "size": 0.4},
    ]
    d["lever_changes"] = [{"at": 15.0, "lever": "formalisation", "value": 0.7},
                          {"at": 15.0, "lever": "contract", "value": "binding"}]
    d["levers"]["evaluation_interval"] = 4
    return Scenario.from_dict(d)


def _reference(sc: Scenario) -> dict[str, np.ndarray]:
    """The scenario stepped by the harness from the model's initial values."""
    series = sc.input_series()
    point = state(**sc.values, **{i: 0.0 for i in INPUTS})
    for name, arr in series.items():
        point[name] = float(arr[0])
    point = start(point)
    steps = len(sc.grid()) - 1
    return euler(point, STOCKS, steps, sc.time_step, record=AUX, series=series)


@pytest.fixture(scope="module")
def reference():
    sc = _scenario()
    return sc, _reference(sc)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_fast_engine_equals_an_independent_euler_integration(reference, backend):
    sc, ref = reference
    series = sc.input_series()
    constants = {k: v for k, v in sc.values.items() if k not in series}
    constants.update({i: 0.0 for i in INPUTS if i not in series})
    cols = STOCKS + AUX
    out = engine.integrate(constants, series, sc.final_time, sc.time_step, sc.save_times(),
                           cols, backend=backend)
    idx = np.searchsorted(ref["time"], sc.save_times() - 1e-9)
    np.testing.assert_allclose(ref["time"][idx], sc.save_times())
    for c in cols:
        np.testing.assert_allclose(np.asarray(out[c]), ref[c][idx], rtol=1e-9, atol=1e-12,
                                   err_msg=c)


def test_simulate_reports_the_state_at_each_save_time_before_its_step(reference):
    sc, ref = reference
    df = simulate(sc, columns=["trust", "conflict", "task_failures"])
    step = round(sc.save_interval / sc.time_step)
    for c in ("trust", "conflict", "task_failures"):
        np.testing.assert_allclose(df[c].to_numpy(), ref[c][::step], rtol=1e-9, atol=1e-12)
    # the task failure at month 5 is reported at its own time (a pulse of size/dt)
    assert df.loc[5.0, "task_failures"] - df.loc[4.5, "task_failures"] > 0.5 / 0.125 - 0.1


# ------------------------------------------------------------------ a hand-made model
def _toy() -> StockFlowModel:
    """dx/dt = (g - x)/tau_up if g > x else (g - x)/tau_down, plus a pulse input, with
    and an auxiliary reporting MODULO(time, period)."""
    par = [Parameter("goal", 0.8, 0, 1, "Dmnl", "mechanism", "target"),
           Parameter("tau_up", 4.0, 1, 10, "Month", "mechanism", "rise time"),
           Parameter("tau_down", 1.0, 0.5, 10, "Month", "mechanism", "fall time"),
           Parameter("x0", 0.2, 0, 1, "Dmnl", "initial", "start"),
           Parameter("period", 2.0, 0, 10, "Month", "mechanism", "MODULO period")]
    s = {n: sp.Symbol(n, real=True) for n in ("goal", "tau_up", "tau_down", "x0", "x",
                                               "kick_input", "tau", "wrap", "period")}
    tau = sp.Piecewise((s["tau_up"], s["goal"] > s["x"]), (s["tau_down"], True))
    auxes = [Auxiliary("tau", tau, "Month", "time constant"),
             Auxiliary("wrap", sp.Mod(TIME, s["period"]), "Month", "Vensim MODULO")]
    flows = [Flow("adjust", (s["goal"] - s["x"]) / s["tau"], "Dmnl/Month", "goal seeking", (),
                  "x"),
             Flow("kick", s["kick_input"] * (1 - s["x"]), "Dmnl/Month", "pulse", (), "x")]
    stocks = [Stock("x", s["x0"], "Dmnl", "level")]
    return StockFlowModel("toy", par, [Input("kick_input", "1/Month", "pulse")], auxes,
                          flows, stocks)


def test_generated_code_of_a_hand_made_model_follows_its_solution():
    cm = engine.compile_model.__wrapped__(_toy())
    dt, n = 0.125, 160
    kick = np.zeros(n + 1)
    kick[80] = 0.5 / dt   # month 10: a pulse of size 0.5 closes half the gap to 1
    times = np.arange(n + 1) * dt
    values = {"goal": 0.8, "tau_up": 4.0, "tau_down": 1.0, "x0": 0.2, "period": 2.0}
    out = engine.integrate(values, {"kick_input": kick}, n * dt, dt, times,
                           ("x", "tau", "wrap"), compiled=cm)
    x = np.asarray(out["x"])
    k = np.arange(81)
    # rising from 0.2 towards 0.8 with time constant 4: Euler's exact discrete solution
    np.testing.assert_allclose(x[:81], 0.8 - 0.6 * (1 - dt / 4) ** k, rtol=1e-12)
    # the pulse: one step of adjustment and half of the gap to 1
    x80 = x[80]
    assert x[81] == pytest.approx(x80 + dt * (0.8 - x80) / 4 + 0.5 * (1 - x80), rel=1e-12)
    # above the goal it falls with time constant 1
    m = np.arange(n - 81 + 1)
    np.testing.assert_allclose(x[81:], 0.8 + (x[81] - 0.8) * (1 - dt / 1) ** m, rtol=1e-12)
    np.testing.assert_array_equal(np.asarray(out["tau"]), np.where(times <= 10, 4.0, 1.0))
    # MODULO(time, 2) by hand; a period below 1e-6 gives 0 (PySD's QUANTUM rule)
    np.testing.assert_allclose(np.asarray(out["wrap"]), times - 2 * np.floor(times / 2))
    tiny = engine.integrate({**values, "period": 1e-7}, {"kick_input": kick}, n * dt, dt,
                            times, ("wrap",), compiled=cm)
    assert np.all(np.asarray(tiny["wrap"]) == 0)


def test_exp_underflows_through_the_smallest_subnormal_as_numpy_does():
    """exp is correctly rounded down to the last subnormal: e**-745.1 is 5e-324, not 0."""
    from iocdynamics.engine import elementary

    x = np.array([-744.0, -745.0, -745.1, -745.2, -746.0, -746.5, -800.0])
    np.testing.assert_array_equal(elementary.FUNCTIONS["exp"](x), np.exp(x))
    assert elementary.FUNCTIONS["exp"](np.array([-745.1]))[0] > 0


def test_compiled_model_reports_every_variable_at_a_state():
    """``CompiledModel.report`` gives auxiliaries and flows at a state, as the
    equations do (the harness's lambdified sympy)."""
    cm = engine.compile_model()
    point = state(trust=0.3, faith=0.7, conflict=0.4, collaborative_behaviour=0.6)
    names = ("indicated_trust", "task_success", "trust_adjustment", "routine_task_failures")
    values = {k: np.array([point[k]]) for k in (*cm.parameters, *cm.inputs)}
    got = cm.report(0.0, [np.array([point[s]]) for s in cm.stocks], values, names)
    for name, v in zip(names, got):
        assert float(np.ravel(v)[0]) == pytest.approx(value(name, point), rel=1e-12), name


def test_integrate_refuses_bad_arguments_on_every_call(reference):
    """What ``integrate`` computes once per clock (grid, save mask) does not hide a
    mistake in a later call: save times off the grid, a missing value, a series of
    the wrong length and an unknown column are refused every time, naming them."""
    sc, _ = reference
    series = sc.input_series()
    constants = {k: v for k, v in sc.values.items() if k not in series}
    constants.update({i: 0.0 for i in INPUTS if i not in series})
    args = (sc.final_time, sc.time_step)
    good = engine.integrate(constants, series, *args, sc.save_times(), STOCKS)
    assert len(good[STOCKS[0]]) == len(sc.save_times())
    for _ in range(2):
        with pytest.raises(ValueError, match=r"save times \[0\.3\] are not on the time grid"):
            engine.integrate(constants, series, *args, np.array([0.0, 0.3]), STOCKS)
        with pytest.raises(KeyError, match="no value given for .*'trust_build_time'"):
            engine.integrate({k: v for k, v in constants.items() if k != "trust_build_time"},
                             series, *args, sc.save_times(), STOCKS)
        with pytest.raises(ValueError, match=r"series 'quick_win_input' has 3 points"):
            engine.integrate(constants, {**series, "quick_win_input": np.zeros(3)}, *args,
                             sc.save_times(), STOCKS)
        n_grid = len(sc.grid())
        with pytest.raises(ValueError, match=rf"has {n_grid + 1} points; the grid has {n_grid}"):
            engine.integrate(constants, {**series, "quick_win_input": np.zeros(n_grid + 1)},
                             *args, sc.save_times(), STOCKS)
        with pytest.raises(KeyError, match=r"unknown output column\(s\) \['trsut'\]"):
            engine.integrate(constants, series, *args, sc.save_times(), ("trust", "trsut"))


def test_integrate_as_one_array_holds_the_same_numbers_as_the_dict(reference):
    """``as_array=True`` returns (saved times, columns) + ensemble shape, column by
    column the arrays of the dict, for one run and for an ensemble."""
    sc, _ = reference
    series = sc.input_series()
    constants = {k: v for k, v in sc.values.items() if k not in series}
    constants.update({i: 0.0 for i in INPUTS if i not in series})
    cols = STOCKS + AUX
    for trust_build_time in (constants["trust_build_time"], np.array([[3.0, 5.0, 8.0]])):
        values = {**constants, "trust_build_time": trust_build_time}
        args = (values, series, sc.final_time, sc.time_step, sc.save_times(), cols)
        by_name = engine.integrate(*args)
        table = engine.integrate(*args, as_array=True)
        assert table.shape == (len(sc.save_times()), len(cols)) + np.shape(trust_build_time)
        for j, c in enumerate(cols):
            np.testing.assert_array_equal(table[:, j], by_name[c], err_msg=c)
