"""Equilibria and stability of the collaboration model: properties, not numbers."""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics.analysis.autonomous import autonomous_system, integrate
from iocdynamics.analysis.equilibria import RESIDUAL_TOL, find_equilibria, in_bounds
from iocdynamics.scenario import load_scenario
from iocdynamics.simulation import simulate

from .conftest import SCENARIOS, bundled

#: A setting with two stable equilibria and a saddle (found by continuation over
#: formalisation; see docs/analysis.md).
BISTABLE = ("fig5_voluntary_partnership", {})  # bistable at the default constants


@pytest.fixture(scope="module")
def systems():
    return {p.stem: autonomous_system(p) for p in sorted(SCENARIOS.glob("*.toml"))}


@pytest.fixture(scope="module")
def bistable():
    name, values = BISTABLE
    system = autonomous_system(bundled(name), **values)
    return system, find_equilibria(system, seed=0)


def test_every_reported_equilibrium_is_a_root_in_bounds(systems):
    for name, system in systems.items():
        eqs = find_equilibria(system, n_starts=64, seed=0)
        assert eqs, name
        for e in eqs:
            assert e.residual <= RESIDUAL_TOL, name
            assert np.max(np.abs(system.rate(e.x))) <= RESIDUAL_TOL
            assert in_bounds(system, e.x), name
            for s, v in zip(e.states, e.x):
                if s not in ("performance", "ambition_level"):
                    assert -1e-9 <= v <= 1 + 1e-9, (name, s, v)


def test_count_and_location_do_not_depend_on_the_seed(systems, bistable):
    cases = [(systems["voluntary_buddying"], None), bistable]
    for system, _ in cases:
        runs = [find_equilibria(system, n_starts=64, seed=s) for s in (0, 1, 2)]
        assert len({len(r) for r in runs}) == 1
        for other in runs[1:]:
            for a, b in zip(runs[0], other):
                assert np.allclose(a.x, b.x, atol=1e-7)
                assert a.type == b.type


def test_bistable_setting_has_two_attractors_and_a_saddle(bistable):
    _, eqs = bistable
    assert sorted(e.type.split()[0] for e in eqs) == ["saddle", "stable", "stable"]


def test_trajectories_near_stable_equilibria_converge(bistable):
    system, eqs = bistable
    rng = np.random.default_rng(11)
    for e in eqs:
        if not e.stable:
            continue
        span = system.upper - system.lower
        starts = e.x[:, None] + 0.01 * span[:, None] * rng.uniform(-1, 1, (system.n, 6))
        starts = np.clip(starts, system.lower[:, None], system.upper[:, None])
        _, path = integrate(system, starts, 600.0, 0.5, t_save=[600.0])
        assert np.max(np.abs(path[-1] - e.x[:, None])) < 1e-4


def test_trajectories_near_the_saddle_leave_along_its_unstable_direction(bistable):
    system, eqs = bistable
    saddle = next(e for e in eqs if e.type == "saddle")
    d = saddle.stability.unstable_direction
    assert d is not None and saddle.stability.n_unstable == 1
    stable = [e for e in eqs if e.stable]
    growth = float(saddle.stability.eigenvalues[0].real)
    t1 = 3.5 / growth  # the departure grows about 33-fold
    ends = []
    for sign in (1, -1):
        x0 = saddle.x + sign * 1e-4 * d
        t, path = integrate(system, x0, 1200.0 + t1, 0.25, t_save=[0.0, t1, 1200.0 + t1])
        # at first the departure grows along +-d
        dep = path[1] - saddle.x
        assert np.linalg.norm(dep) > 10 * 1e-4
        assert sign * (dep @ d) / np.linalg.norm(dep) > 0.9
        dist = [np.max(np.abs(path[-1] - s.x)) for s in stable]
        ends.append(int(np.argmin(dist)))
        assert min(dist) < 1e-4
    assert ends[0] != ends[1], "the two sides of the saddle reach different attractors"


@pytest.mark.parametrize("interval", [0.0, 0.5])
def test_stability_matches_the_full_model_simulation(interval):
    """With no events and evaluation rounds either absent (interval 0) or continuous
    (interval below the round duration) the averaging is exact: the fast engine's
    long-run state is the stable equilibrium found from the symbolic field."""
    sc = load_scenario(bundled("imposed_buddying"))  # one equilibrium (inertia)
    d = sc.to_dict()
    d["events"], d["lever_changes"] = [], []
    d["simulation"]["final_time"] = 480.0
    d["simulation"]["save_interval"] = 480.0
    d["levers"]["evaluation_interval"] = interval
    df = simulate(d, engine="fast")
    system = autonomous_system(d)
    eqs = find_equilibria(system, n_starts=48, seed=0)
    stable = [e for e in eqs if e.stable]
    assert len(stable) == 1 == len(eqs)
    end = df.iloc[-1]
    assert end["active"] == 1
    for s in system.states:
        assert end[s] == pytest.approx(stable[0][s], abs=1e-4), s
