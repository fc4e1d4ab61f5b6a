"""Loop gains and eigenvalue elasticities against hand and sympy derivations."""

from __future__ import annotations

import networkx as nx
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
    participation,
    total_open_loop_gain,
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


@pytest.mark.parametrize("b, c", [(0.5, 1.5), (1.0, 2.0), (1.0, 2.2), (-0.5, 1.5)])
def test_total_open_loop_gain_of_two_stocks(b, c):
    """x' = a x + b y, y' = c x + d y with a, d < 0: the one loop between the stocks
    has open-loop gain (b / -d)(c / -a) = bc / ad, which is G; G > 1 exactly where
    det J < 0 (a saddle), and G = 1 where det J = 0 (b c = 2 is the fold here)."""
    a, d = -1.0, -2.0
    J = np.array([[a, b], [c, d]])
    G = total_open_loop_gain(J)
    assert G == pytest.approx(b * c / (a * d))
    assert (G > 1) == (np.linalg.det(J) < 0) == (np.max(np.linalg.eigvals(J).real) > 0)
    if b * c == 2.0:
        assert G == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(arrays(float, (4, 4), elements=st.floats(-2, 2).map(lambda v: round(v, 3))),
       arrays(float, 4, elements=st.floats(0.1, 3).map(lambda v: round(v, 3))))
def test_total_open_loop_gain_is_the_loop_expansion(M, decay):
    """For any 4-stock Jacobian with self-regulated stocks, G equals the sum of the
    open-loop gains of every state cycle less the products over pairs of disjoint
    cycles (no three disjoint cycles fit in four stocks): the cycle expansion of
    det(I - K), enumerated here with networkx."""
    J = M.copy()
    np.fill_diagonal(J, -decay)
    K = J / decay[:, None]
    g = nx.DiGraph([(j, i) for i in range(4) for j in range(4) if i != j])
    cycles = list(nx.simple_cycles(g))
    gains = [np.prod([K[c[(k + 1) % len(c)], c[k]] for k in range(len(c))]) for c in cycles]
    first = sum(gains)
    pairs = sum(gains[m] * gains[n] for m in range(len(cycles)) for n in range(m + 1, len(cycles))
                if not set(cycles[m]) & set(cycles[n]))
    assert total_open_loop_gain(J) == pytest.approx(first - pairs, rel=1e-9, abs=1e-9)


def test_participation_lies_in_the_block_of_each_mode():
    """A block-triangular Jacobian (stock 2 is fed by the loop of stocks 0 and 1 but
    does not feed back): the modes of the loop have no participation of stock 2 and
    its own mode has participation 1 there; each mode's participations add up to 1."""
    J = np.array([[-1.0, 0.5, 0.0], [1.5, -2.0, 0.0], [0.7, 0.3, -0.25]])
    lam, P = participation(J)
    assert np.allclose(P.sum(axis=0), 1.0)
    own = int(np.argmin(np.abs(lam + 0.25)))
    assert P[2, own] == pytest.approx(1.0)
    for k in range(3):
        if k != own:
            assert P[2, k] == pytest.approx(0.0, abs=1e-12)


def test_borderline_partnership_tips_through_trust_building():
    """The borderline partnership (bistable at the default constants): the total
    open-loop gain G is below 1 at the two stable nodes and above 1 at the saddle
    between them (det J changes sign); at the saddle the trust-building loop (L1)
    alone has an open-loop gain above 1 and the largest elasticity of the unstable
    eigenvalue among the reinforcing loops, while at both stable nodes every named
    reinforcing loop's open-loop gain is below 1 (the risk threshold's S-curve is
    flat below it and saturated above it)."""
    from iocdynamics.loops import equilibrium_loop_gains, named_loops

    from .test_loops_named import ROOT

    res = equilibrium_loop_gains(ROOT / "experiments" / "scenarios" /
                                 "borderline_partnership.toml", n_eigen=None)
    t = res.table
    types = t.groupby("equilibrium")["type"].first()
    assert sorted(types) == ["saddle", "stable node", "stable node"]
    G = t.groupby("equilibrium")["G"].first()
    for n, kind in types.items():
        assert (G[n] > 1) == (kind == "saddle"), (kind, G[n])
    reinforcing = {n.name for n in named_loops() if n.polarity == "R"}
    slow = res.slowest()
    for n, kind in types.items():
        rows = slow[(slow["equilibrium"] == n) & slow["name"].isin(reinforcing)]
        rows = rows.set_index("name")
        if kind == "saddle":
            assert rows["eigenvalue"].iloc[0].real > 0
            assert rows.loc["trust-building", "open_loop_gain"] > 1
            assert rows["elasticity_real"].idxmax() == "trust-building"
        else:
            assert (rows["open_loop_gain"].dropna() < 1).all()
