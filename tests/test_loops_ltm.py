"""Loops That Matter on small models whose scores are derived by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iocdynamics.loops import ltm
from iocdynamics.loops.graph import LoopGraph

from .loops_models import births_deaths, euler, oscillator, table2


def scores_of(model, constants, dt, n, convention="aligned", series=None):
    g = LoopGraph(model)
    run = euler(model, constants, dt, n, series)
    consts = {k: v for k, v in run.items() if k in constants}
    traj = ltm.Trajectories({k: v for k, v in run.items() if k not in constants},
                            consts, dt)
    links = ltm.link_scores(g, traj, convention)
    loops = ltm.loop_scores(g, links)
    return g, links, loops, ltm.relative_loop_scores(g, loops)


def test_paper_table2_link_scores():
    """z = (w + x)/y with w 7 -> 10, x 2 -> 4, y 3 -> 5: link scores 5, 10/3, -6
    (Schoenberg, Davidsen & Eberlein 2020, Table 2)."""
    m = table2()
    g = LoopGraph(m)
    w, x, y = np.array([7.0, 10.0]), np.array([2.0, 4.0]), np.array([3.0, 5.0])
    traj = ltm.Trajectories({"time": np.array([0.0, 1.0]), "w": w, "x": x, "y": y,
                             "z": (w + x) / y, "w_in": w, "x_in": x, "y_in": y}, {}, 1.0)
    eqs = ltm.Equations(g)
    got = {v: ltm.instant_link_score(eqs, g.links[(v, "z")], traj)[1] for v in "wxy"}
    assert got["w"] == pytest.approx(5.0)
    assert got["x"] == pytest.approx(10.0 / 3.0)
    assert got["y"] == pytest.approx(-6.0)
    assert ltm.instant_link_score(eqs, g.links[("w", "z")], traj)[0] == 0.0


def test_births_and_deaths_relative_scores_by_hand():
    """One stock, inflow b*x (R) and outflow d*x (B): each flow's change is b (or d)
    times the stock's change, so the loop scores are b/|b-d| and -d/|b-d| and the
    relative scores b/(b+d) and -d/(b+d) at every step from the third."""
    b, d = 0.3, 0.1
    g, links, loops, rel = scores_of(births_deaths(b, d), {"birth_rate": b, "death_rate": d,
                                                          "x0": 10.0}, 0.25, 40)
    assert [lp.describe() for lp in g.loops] == ["population -> births -> population",
                                                 "population -> deaths -> population"]
    births, deaths = g.loops
    assert np.allclose(loops[births.id][2:], b / abs(b - d))
    assert np.allclose(loops[deaths.id][2:], -d / abs(b - d))
    assert np.allclose(rel[births.id][2:], b / (b + d))
    assert np.allclose(rel[deaths.id][2:], -d / (b + d))
    assert np.all(rel[births.id][:2] == 0)
    # the stock-to-flow link: the flow changes only with the stock -> +1
    assert np.allclose(links[("population", "births")][1:], 1.0)


@settings(max_examples=25, deadline=None)
@given(b=st.floats(0.01, 2.0), d=st.floats(0.01, 2.0), dt=st.sampled_from([0.0625, 0.25, 1.0]))
def test_single_stock_relative_scores_property(b, d, dt):
    if abs(b - d) < 1e-3:
        return
    g, _, _, rel = scores_of(births_deaths(b, d), {"birth_rate": b, "death_rate": d,
                                                   "x0": 1.0}, dt, 8)
    births, deaths = g.loops
    assert np.allclose(rel[births.id][2:], b / (b + d), rtol=1e-6)
    assert np.allclose(rel[deaths.id][2:], -d / (b + d), rtol=1e-6)


def test_isolated_two_stock_loop_scores_minus_one():
    """An isolated loop has loop score +-1 whatever its gain (the paper's property);
    the oscillator's loop is balancing: -1 wherever both stocks accelerate."""
    g, _, loops, rel = scores_of(oscillator(), {"k1": 0.5, "k2": 0.2}, 0.125, 200)
    (loop,) = g.loops
    assert loop.stocks == ("position", "velocity")
    s = loops[loop.id][2:]
    active = s != 0
    assert active.mean() > 0.9
    assert np.allclose(s[active], -1.0)
    assert np.allclose(rel[loop.id][2:][active], -1.0)


def test_published_timing_differs_by_one_step_in_the_flow_change():
    """``published`` takes the flow's change over the current interval: its score at
    step k uses the flow change the ``aligned`` score uses at k+1, over the same
    acceleration as at k."""
    m = births_deaths(0.3, 0.1)
    g = LoopGraph(m)
    run = euler(m, {"birth_rate": 0.3, "death_rate": 0.1, "x0": 10.0}, 0.5, 12)
    traj = ltm.Trajectories({k: run[k] for k in ("time", "population", "births", "deaths")},
                            {"birth_rate": 0.3, "death_rate": 0.1}, 0.5)
    link = g.links[("births", "population")]
    a = ltm.flow_link_score(link, traj, "aligned")
    p = ltm.flow_link_score(link, traj, "published")
    s, f = run["population"], run["births"]
    k = 5
    accel = s[k] - 2 * s[k - 1] + s[k - 2]
    assert a[k] == pytest.approx(abs(0.5 * (f[k - 1] - f[k - 2]) / accel))
    assert p[k] == pytest.approx(abs(0.5 * (f[k] - f[k - 1]) / accel))
    with pytest.raises(ValueError, match="convention"):
        ltm.flow_link_score(link, traj, "stella")


def test_numeric_functions_reproduce_the_engine():
    """The numeric functions the link scores re-evaluate give back every auxiliary and
    flow of a fast-engine run of the Fig. 5 scenario (so partial changes are computed
    with the model's own equations)."""
    from iocdynamics.loops.scores import model_graph, scenario_trajectories
    from tests.test_loops_named import FIG5

    g = model_graph()
    traj = scenario_trajectories(FIG5)
    eqs = ltm.Equations(g)
    for name in g.model.computation_order:
        got = eqs.evaluate(name, {a: traj[a] for a in eqs.inputs(name)})
        assert np.allclose(got, traj[name], rtol=1e-12, atol=1e-12), name


def test_ensemble_scores_equal_single_runs():
    """Scores over an ensemble (arrays over members) equal those of each run alone."""
    import pandas as pd

    from iocdynamics.loops import ensemble_loop_scores, loop_scores
    from tests.test_loops_named import FIG5

    samples = pd.DataFrame({"trust_build_time": [4.0, 9.0], "faith_threshold": [0.3, 0.5]})
    ds = ensemble_loop_scores(FIG5, samples)
    for m in range(2):
        one = loop_scores(FIG5, **samples.iloc[m].to_dict())
        assert np.allclose(ds["relative"].isel(member=m).values, one.relative.values,
                           atol=1e-12)
        assert np.allclose(ds["named"].isel(member=m).values, one.named_relative().values,
                           atol=1e-12)
