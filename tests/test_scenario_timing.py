"""Scenario timing: the clock, save times, event pulses, lever changes and the checks
on time step and timing, against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics.model import EVENT_KINDS
from iocdynamics.registry import defaults
from iocdynamics.scenario import Scenario, ScenarioError, shortest_time_constant
from iocdynamics.simulation import simulate


def scenario(**sim):
    d = {"simulation": {"final_time": 12, "time_step": 0.25, "save_interval": 0.5, **sim}}
    return d


def test_grid_and_save_times():
    sc = Scenario.from_dict(scenario())
    np.testing.assert_array_equal(sc.grid(), np.arange(49) * 0.25)
    np.testing.assert_array_equal(sc.save_times(), np.arange(25) * 0.5)


@pytest.mark.parametrize("at,step", [(0, 0), (3.0, 12), (3.1, 12), (3.2, 13), (11.5, 46)])
def test_an_event_is_a_pulse_of_size_over_dt_at_its_nearest_step(at, step):
    d = scenario()
    d["events"] = [{"at": at, "kind": "quick_win", "size": 0.6}]
    sc = Scenario.from_dict(d)
    assert sc.event_step(sc.events[0]) == step
    s = sc.input_series()
    assert set(s) == {f"{k}_input" for k in EVENT_KINDS}
    expected = np.zeros(49)
    expected[step] = 0.6 / 0.25
    np.testing.assert_array_equal(s["quick_win_input"], expected)
    for k in EVENT_KINDS:
        if k != "quick_win":
            assert not s[f"{k}_input"].any()


def test_events_of_one_kind_add_and_a_new_leader_sets_quality_from_then_on():
    d = scenario()
    d["context"] = {"leadership_quality": 0.3}
    d["events"] = [{"at": 2, "kind": "staff_loss", "size": 0.5},
                   {"at": 4, "kind": "staff_loss", "size": 1.0},
                   {"at": 6, "kind": "leadership_change", "size": 0.4,
                    "leadership_quality": 0.8},
                   {"at": 9, "kind": "leadership_change", "size": 0.2}]
    s = Scenario.from_dict(d).input_series()
    assert s["staff_loss_input"][8] == 2.0 and s["staff_loss_input"][16] == 4.0
    assert s["staff_loss_input"].sum() == 6.0
    assert s["leadership_change_input"][24] == 1.6 and s["leadership_change_input"][36] == 0.8
    lq = s["leadership_quality"]
    assert np.all(lq[:24] == 0.3) and np.all(lq[24:] == 0.8)


def test_lever_changes_hold_from_their_step_on():
    d = scenario()
    d["levers"] = {"formalisation": 0.1, "contract": "mou"}
    d["lever_changes"] = [{"at": 3, "lever": "formalisation", "value": 0.9},
                          {"at": 5, "lever": "formalisation", "value": 0.4},
                          {"at": 6, "lever": "contract", "value": "binding"}]
    s = Scenario.from_dict(d).input_series()
    f = s["formalisation"]
    assert np.all(f[:12] == 0.1) and np.all(f[12:20] == 0.9) and np.all(f[20:] == 0.4)
    assert np.all(s["contract_is_mou"][:24] == 1) and np.all(s["contract_is_mou"][24:] == 0)
    assert np.all(s["contract_is_binding"][:24] == 0)
    assert np.all(s["contract_is_binding"][24:] == 1)
    assert "leadership_quality" not in s


def test_a_simulated_event_acts_in_its_own_step():
    """The quick win at month 3 raises trust between the rows at 3 and 3.25 by the
    share of the gap it closes, and not before."""
    d = scenario(save_interval=0.25)
    d["events"] = [{"at": 3, "kind": "quick_win", "size": 1.0}]
    with_win = simulate(d, columns=["trust", "trust_adjustment"])
    without = simulate(scenario(save_interval=0.25), columns=["trust"])
    np.testing.assert_array_equal(with_win["trust"].loc[:3.0], without["trust"].loc[:3.0])
    t = with_win.loc[3.0, "trust"]
    jump = with_win.loc[3.25, "trust"] - t - 0.25 * with_win.loc[3.0, "trust_adjustment"]
    assert jump == pytest.approx(defaults()["quick_win_trust_effect"] * (1 - t), rel=1e-12)


# ------------------------------------------------------------------ the checks
def _taus(**v):
    vals = defaults()
    vals.update(v)
    return shortest_time_constant(vals)


@pytest.mark.parametrize("changes,expected", [
    # erosion: build time 2 / speed-up 8
    ({"trust_build_time": 2, "trust_erosion_speedup": 8}, 0.25),
    ({"faith_adjustment_time": 0.2}, 0.2),
    ({"conflict_adjustment_time": 0.2, "competitive_failure_rate": 0}, 0.2),
    ({"risk_tolerance_adjustment_time": 0.2}, 0.2),
    ({"confidence_adjustment_time": 0.2}, 0.2),
    ({"behaviour_adjustment_time": 0.2}, 0.2),
    ({"performance_adjustment_time": 0.2}, 0.2),
    ({"vision_adjustment_time": 0.2}, 0.2),
    ({"assimilation_time": 0.2}, 0.2),
    ({"ambition_adjustment_time": 0.2}, 0.2),
    ({"dwell_recovery_time": 0.2}, 0.2),
    ({"informal_perception_time": 0.2, "competitive_failure_rate": 0}, 0.2),
    ({"contract_obsolescence_time": 0.2}, 0.2),
    # capability: 1 / (accrual + decay) = 1 / (4 + 1)
    ({"capability_accrual_rate": 4, "capability_decay_rate": 1}, 0.2),
    # experience under routine failures: 1 / (1/2 + 10 * 0.3) = 1/3.5
    ({"experience_time": 2, "competitive_failure_rate": 10,
      "task_failure_experience_effect": 0.3, "task_failure_conflict_effect": 0,
      "task_failure_progress_effect": 0}, 1 / 3.5),
    # conflict under routine failures: 1 / (1/3 + 10 * 0.3)
    ({"competitive_failure_rate": 10, "task_failure_conflict_effect": 0.3,
      "task_failure_experience_effect": 0, "task_failure_progress_effect": 0},
     1 / (1 / 3 + 3)),
    # perceived progress under routine failures: 1 / (1/12 + 10 * 0.3)
    ({"competitive_failure_rate": 10, "task_failure_progress_effect": 0.3,
      "task_failure_experience_effect": 0, "task_failure_conflict_effect": 0},
     1 / (1 / 12 + 3)),
    # an evaluation round closes effectiveness e-folds in its duration: 0.5 / 2
    ({"evaluation_round_duration": 0.5, "evaluation_effectiveness": 2}, 0.25),
    # no evaluation: the round does not count
    ({"evaluation_round_duration": 0.1, "evaluation_effectiveness": 0}, 1.0),
])
def test_shortest_time_constant_by_hand(changes, expected):
    """At the defaults the shortest is 1 month (dwell recovery, an evaluation round);
    each change makes one time constant the shortest."""
    assert _taus() == pytest.approx(1.0)
    assert _taus(**changes) == pytest.approx(expected, rel=1e-12)


def test_time_step_up_to_half_the_shortest_time_constant_is_accepted():
    d = scenario(time_step=0.5, final_time=12, save_interval=1)
    Scenario.from_dict(d)  # shortest 1 month: a step of 0.5 is the largest allowed
    d["parameters"] = {"dwell_recovery_time": 0.75}
    with pytest.raises(ScenarioError, match=r"time_step = 0.5 is too long .*0\.75 months"
                                            r".*time_step <= 0.375"):
        Scenario.from_dict(d)


def test_a_clock_that_drifts_off_the_grid_is_refused():
    """0.01 added 6000 times is not 60 in binary floating point; 1/128 is exact."""
    with pytest.raises(ScenarioError, match=r"adding it 6000 times .* time_step = 0.0078125"):
        Scenario.from_dict(scenario(time_step=0.01, final_time=60, save_interval=0.1))
    Scenario.from_dict(scenario(time_step=0.0078125, final_time=60, save_interval=0.125))
    # 0.1 added 6000 times lands on 600, but drifts off the save times on the way
    with pytest.raises(ScenarioError, match="adding it 6000 times"):
        Scenario.from_dict(scenario(time_step=0.1, final_time=600, save_interval=1))


def test_an_event_on_the_last_step_is_refused_the_one_before_accepted():
    d = scenario()
    d["events"] = [{"at": 11.75, "kind": "quick_win"}]
    Scenario.from_dict(d)
    d["events"] = [{"at": 11.9, "kind": "quick_win"}]
    with pytest.raises(ScenarioError, match=r"event 1: at = 11.9 falls on the last time "
                                            r"step.*at < 11.875"):
        Scenario.from_dict(d)
    d["events"] = []
    d["lever_changes"] = [{"at": 11.9, "lever": "formalisation", "value": 0.5}]
    with pytest.raises(ScenarioError, match="lever change 1: at = 11.9"):
        Scenario.from_dict(d)
