"""Loop gains and eigenvalue elasticities against hand and sympy derivations."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from iocdynamics.loops.gains import (
    cycle_elasticity,
    cycle_gain,
    gain_point,
    link_elasticities,
)
from iocdynamics.loops.graph import LoopGraph

from .loops_models import goal_seeking, oscillator

A, B, C, D = -1.0, 0.5, 1.5, -2.0   # x' = a x + b y ; y' = c x + d y


def test_two_stocks_eigenvalues_and_elasticities_by_sympy():
    """Two coupled stocks: three loops (x's own a, y's own d, the major loop G = b c).
    lambda = ((a+d) +- sqrt((a-d)^2 + 4G)) / 2; the elasticity (g/lambda) dlambda/dg of
    each loop gain from sympy equals the cycle-expansion formula, and the eigenvector
    link elasticities equal the sums over the loops through each link."""
    a, d, G, lam = sp.symbols("a d G lambda")
    roots = [((a + d) + s * sp.sqrt((a - d) ** 2 + 4 * G)) / 2 for s in (1, -1)]
    J = np.array([[A, B], [C, D]])
    vals = {a: A, d: D, G: B * C}
    lams, E = link_elasticities(J)
    for k, r in enumerate(sorted(roots, key=lambda r: -float(r.subs(vals)))):
        lv = complex(r.subs(vals))
        assert lams[k] == pytest.approx(lv)
        hand = {name: complex((sym * sp.diff(r, sym) / r).subs(vals))
                for name, sym in (("a", a), ("d", d), ("G", G))}
        ours = {"a": cycle_elasticity(J, [0], lams[k]), "d": cycle_elasticity(J, [1], lams[k]),
                "G": cycle_elasticity(J, [0, 1], lams[k])}
        for name in hand:
            assert ours[name] == pytest.approx(hand[name], rel=1e-10)
        # links: (0,0) lies on loop a, (1,1) on d, (0,1) and (1,0) on the major loop
        assert E[k, 0, 0] == pytest.approx(ours["a"])
        assert E[k, 1, 1] == pytest.approx(ours["d"])
        assert E[k, 0, 1] == pytest.approx(ours["G"])
        assert E[k, 1, 0] == pytest.approx(ours["G"])
        # lambda is homogeneous of degree 1 in J: link elasticities sum to 1
        assert E[k].sum() == pytest.approx(1.0)
    assert cycle_gain(J, [0, 1]) == pytest.approx(B * C)


@settings(max_examples=30, deadline=None)
@given(arrays(float, (3, 3), elements=st.floats(-2, 2).map(lambda v: round(v, 3))))
def test_link_elasticity_is_the_sum_over_loops_through_it(M):
    """For any 3x3 Jacobian with distinct eigenvalues: the elasticity of each link
    equals the sum of the cycle elasticities of the state cycles through it."""
    ev = np.linalg.eigvals(M)
    if np.min(np.abs(np.subtract.outer(ev, ev)) + np.eye(3)) < 1e-3 or \
            np.min(np.abs(ev)) < 1e-3:
        return
    lam, E = link_elasticities(M)
    cycles = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2], [0, 2, 1]]
    for k in range(3):
        for i in range(3):
            for j in range(3):
                through = [c for c in cycles
                           if any(c[m] == j and c[(m + 1) % len(c)] == i
                                  for m in range(len(c)))]
                total = sum(cycle_elasticity(M, c, lam[k]) for c in through)
                assert E[k, i, j] == pytest.approx(total, rel=1e-6, abs=1e-9)


def test_jacobian_from_link_gains_equals_sympy():
    """The state Jacobian assembled from the link gains (chain rule through the
    auxiliary) equals sympy's Jacobian of the resolved rates."""
    m = oscillator(0.5, 0.2)
    g = LoopGraph(m)
    vals = {"k1": 0.5, "k2": 0.2, "position": 0.3, "velocity": -0.1, "time": 0.0}
    vals["pull"] = -0.2 * 0.3
    vals["velocity_change"] = vals["pull"]
    vals["movement"] = 0.5 * -0.1
    pt = gain_point(g, vals, ("position", "velocity"))
    xs = [m.symbols["position"], m.symbols["velocity"]]
    rates = sp.Matrix([m.resolved("position"), m.resolved("velocity")])
    Jsym = np.array(rates.jacobian(xs).subs({m.symbols["k1"]: 0.5, m.symbols["k2"]: 0.2}),
                    dtype=float)
    assert np.allclose(pt.jacobian, Jsym)
    (loop,) = pt.loops
    assert pt.loop_gain(loop) == pytest.approx(-0.5 * 0.2)


@pytest.mark.parametrize("gain", [0.5, 0.9, 1.2])
def test_open_loop_gain_crossing_one_is_the_fold(gain):
    """x' = (g x + c - x)/tau: the reinforcing loop through ``indicated`` has open-loop
    gain g (its stock's own regulation is the adjustment, -1/tau); the Jacobian
    (g - 1)/tau changes sign exactly where that gain crosses 1."""
    tau = 2.0
    m = goal_seeking(gain, tau)
    g = LoopGraph(m)
    vals = {"g": gain, "tau": tau, "c": 0.3, "level": 0.4, "time": 0.0}
    vals["indicated"] = gain * 0.4 + 0.3
    vals["adjustment"] = (vals["indicated"] - 0.4) / tau
    pt = gain_point(g, vals, ("level",))
    loops = {lp.describe(): lp for lp in pt.loops}
    reinforcing = loops["level -> indicated -> adjustment -> level"]
    balancing = loops["level -> adjustment -> level"]
    assert pt.loop_gain(reinforcing) == pytest.approx(gain / tau)
    assert pt.loop_gain(balancing) == pytest.approx(-1 / tau)
    assert pt.open_loop_gain(reinforcing) == pytest.approx(gain)
    assert pt.jacobian[0, 0] == pytest.approx((gain - 1) / tau)
    assert (pt.open_loop_gain(reinforcing) > 1) == (pt.jacobian[0, 0] > 0)


def test_fig5_equilibrium_gains_match_the_analysis_jacobian():
    """At the Fig. 5 scenario's equilibria the Jacobian from the link gains is one of
    the analysis module's (checked inside; an error otherwise) and the elasticities
    of every eigenvalue over all model loops of the state graph add up with the
    self-regulation to the link elasticities (sum of link elasticities = 1)."""
    from iocdynamics.loops import equilibrium_loop_gains

    from .test_loops_named import FIG5

    res = equilibrium_loop_gains(FIG5, n_eigen=None)
    assert len(res.points) == len(res.equilibria) >= 1
    for pt in res.points:
        lam, E = link_elasticities(pt.jacobian)
        assert np.allclose(E.sum(axis=(1, 2)), 1.0)
    names = set(res.table["name"])
    assert {"trust-building", "faith-progress", "conflict-trust"} <= names
