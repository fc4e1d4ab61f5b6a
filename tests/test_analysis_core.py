"""Root finder, classifier and continuation on small systems with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from iocdynamics.analysis.autonomous import VectorField, duty_cycle, integrate, split_switch
from iocdynamics.analysis.bifurcation import trace_branches
from iocdynamics.analysis.equilibria import find_equilibria
from iocdynamics.analysis.stability import classify, eigen_type

x, y, p = sp.symbols("x y p", real=True)


def field(rates, params=(), values=None, states=("x", "y")) -> VectorField:
    return VectorField(name="toy", states=states, rates=list(rates), roots=list(rates),
                       row_scales=[(sp.Integer(1),)] * len(rates), lower=np.zeros(len(rates)),
                       upper=np.ones(len(rates)), params=tuple(params),
                       param_values=dict(values or {}))


def toggle() -> VectorField:
    """x' = x(1-x)(x-0.3), y' = 0.5 - y: stable at x = 0 and 1, saddle at x = 0.3."""
    return field([x * (1 - x) * (x - sp.Rational(3, 10)), sp.Rational(1, 2) - y])


def test_root_finder_finds_the_known_equilibria_including_on_bounds():
    eqs = find_equilibria(toggle(), n_starts=40, seed=3)
    xs = sorted(round(e["x"], 9) for e in eqs)
    assert xs == [0.0, 0.3, 1.0]
    assert all(abs(e["y"] - 0.5) < 1e-9 for e in eqs)
    types = {round(e["x"], 3): e.type for e in eqs}
    assert types == {0.0: "stable node", 0.3: "saddle", 1.0: "stable node"}


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_root_finder_is_seed_invariant_on_a_known_system(seed):
    assert len(find_equilibria(toggle(), n_starts=30, seed=seed)) == 3


def test_saddle_unstable_direction_is_the_x_axis():
    saddle = next(e for e in find_equilibria(toggle(), seed=0) if e.type == "saddle")
    d = saddle.stability.unstable_direction
    assert abs(abs(d[0]) - 1) < 1e-9 and abs(d[1]) < 1e-9


@pytest.mark.parametrize("matrix, expected", [
    ([[-1, 0], [0, -2]], "stable node"),
    ([[-0.1, 1], [-1, -0.1]], "stable focus"),
    ([[1, 0], [0, -1]], "saddle"),
    ([[0.2, 1], [-1, 0.2]], "unstable focus"),
    ([[1, 0], [0, 2]], "unstable node"),
    ([[0, 1], [-1, 0]], "non-hyperbolic"),
])
def test_classifier_on_known_matrices(matrix, expected):
    assert eigen_type(np.linalg.eigvals(np.array(matrix, float))) == expected
    assert classify([np.array(matrix, float)]).type == expected


def test_sides_that_disagree_are_reported():
    s = classify([np.array([[-1.0, 0], [0, -1]]), np.array([[1.0, 0], [0, -1]])])
    assert s.type == "switch-dependent" and not s.stable


def test_switched_rate_is_split_into_root_and_positive_scales():
    t = sp.Symbol("t", real=True)
    ind = 0.2 + 0.5 * t**2
    rate = (ind - t) * sp.Piecewise((sp.Rational(1, 6), ind > t), (sp.Rational(1, 2), True))
    root, scales = split_switch(rate, {t})
    assert sp.simplify(root - (ind - t)) == 0
    assert set(scales) == {sp.Rational(1, 6), sp.Rational(1, 2)}


def test_duty_cycle_averages_the_evaluation_rounds():
    assert duty_cycle(0.0, 1.0) == 0.0
    assert duty_cycle(0.5, 1.0) == 1.0
    assert duty_cycle(6.0, 1.5) == pytest.approx(0.25)
    interval = sp.Symbol("interval", real=True)
    expr = duty_cycle(interval, 1.0)
    for v, want in ((0.0, 0.0), (0.5, 1.0), (4.0, 0.25)):
        assert float(expr.subs(interval, v)) == pytest.approx(want)


def test_integrator_converges_to_the_stable_equilibria_and_leaves_the_saddle():
    sys_ = toggle()
    _, path = integrate(sys_, np.array([[0.31, 0.29], [0.2, 0.8]]), 200.0, 0.5)
    end = path[-1]
    assert end[0, 0] == pytest.approx(1.0, abs=1e-6)
    assert end[0, 1] == pytest.approx(0.0, abs=1e-6)
    assert np.allclose(end[1], 0.5, atol=1e-6)


def test_continuation_follows_a_fold_through_the_normal_form():
    """x' = p - (x - 0.5)^2, y' = 0.5 - y: a saddle-node at p = 0."""
    sys_ = field([p - (x - sp.Rational(1, 2)) ** 2, sp.Rational(1, 2) - y], params=("p",),
                 values={"p": 0.1})
    branches, tips = trace_branches(sys_, -0.05, 0.2, n_seeds=3, n_starts=20)
    assert len(branches) == 1
    b = branches[0]
    assert np.allclose(np.abs(b.x[:, 0] - 0.5), np.sqrt(np.clip(b.p, 0, None)), atol=1e-7)
    folds = [t for t in tips if t.kind == "fold"]
    assert len(folds) == 1 and abs(folds[0].p) < 1e-3
    upper = b.x[:, 0] > 0.5 + 1e-3
    lower = b.x[:, 0] < 0.5 - 1e-3
    assert b.stable[upper].all() and not b.stable[lower].any()
