"""Every calibration option changes the objective exactly as documented.

The reference objective is computed here independently of ``Problem``: each case is
simulated on its own with ``simulate`` (not the vectorised calibration simulator),
the probability of each coded level is a difference of ``scipy.stats`` normal
distribution functions at the codebook's (or the given) cut-points, and priors are
``scipy.stats`` log-densities. Each option -- confidence as a spread divisor or as a
weight, an estimated spread, estimated cut-points, case-specific parameters, normal
and lognormal priors -- must move the objective by exactly what the reference says,
so a calibration that ignored the option fails.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from iocdynamics.calibration import load_case, load_config, synthetic_cases
from iocdynamics.calibration.config import ConfigError
from iocdynamics.calibration.problem import (
    BAD_OBJECTIVE,
    SPREAD,
    Problem,
    case_parameter_name,
)
from iocdynamics.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ("fig5_voluntary_partnership", "mandated_cross_sector_system")
VARS = ("trust", "faith", "collaborative_behaviour", "performance")
DT = 0.25


@pytest.fixture(scope="module")
def cases():
    templates = [load_case(ROOT / f"calibration/cases/{n}.toml") for n in TEMPLATES]
    return synthetic_cases(templates, {"trust_build_time": 9.0}, VARS,
                           np.arange(0, 49, 6.0), seed=5, time_step=DT)


def problem(cases, likelihood=None, parameters=None, case_parameters=None):
    cfg = {"name": "options", "seed": 1, "time_step": DT,
           "parameters": parameters or {"trust_build_time": {"lower": 2, "upper": 24}},
           "likelihood": likelihood or {}}
    if case_parameters:
        cfg["case_parameters"] = case_parameters
    return Problem(load_config(cfg), cases)


def reference(cases, values, spread=0.5, confidence="scale", cuts=None, case_values=None):
    """-sum log P(level | x): every case simulated alone, scipy's normal CDF."""
    total = 0.0
    for case in cases:
        vals = dict(values, **(case_values or {}).get(case.id, {}))
        sc = case.scenario(time_step=DT).with_values(**vals)
        df = simulate(sc, engine="fast", columns=list(VARS))
        for o in case.observations:
            x = float(df[o.variable].iloc[int(round(o.time / DT))])
            c = np.concatenate(([-np.inf], (cuts or {}).get(o.scale.name, o.scale.cutpoints),
                                [np.inf]))
            s = spread * o.scale.band_width
            if confidence == "scale":
                s = s / o.confidence
            p = (stats.norm.cdf((c[o.level] - x) / s)
                 - stats.norm.cdf((c[o.level - 1] - x) / s))
            w = o.weight * (o.confidence if confidence == "weight" else 1.0)
            total -= w * np.log(p)
    return total


def test_the_evidence_has_mixed_confidence(cases):
    conf = {o.confidence for c in cases for o in c.observations}
    assert len(conf) > 1 and min(conf) < 1


@pytest.mark.parametrize("confidence", ["scale", "weight"])
def test_confidence_option_matches_the_reference(cases, confidence):
    """'scale': a code's spread is divided by its confidence; 'weight': its
    log-likelihood is multiplied by it. Each differs from the other at mixed
    confidences, so treating one as the other (or ignoring it) fails."""
    prob = problem(cases, {"confidence": confidence})
    for tbt in (4.0, 12.0):
        got = float(prob.objective({"trust_build_time": tbt})[0])
        assert got == pytest.approx(
            reference(cases, {"trust_build_time": tbt}, confidence=confidence), rel=1e-9)
    other = "weight" if confidence == "scale" else "scale"
    assert got != pytest.approx(
        reference(cases, {"trust_build_time": 12.0}, confidence=other), rel=1e-3)


def test_estimated_spread_enters_the_likelihood(cases):
    prob = problem(cases, {"estimate_spread": True, "spread": 0.5})
    assert SPREAD in prob.names
    for s in (0.2, 0.9):
        got = float(prob.objective({"trust_build_time": 7.0, SPREAD: s})[0])
        assert got == pytest.approx(reference(cases, {"trust_build_time": 7.0}, spread=s),
                                    rel=1e-9)


def test_estimated_cutpoints_enter_the_likelihood(cases):
    """Cut-points are a first cut plus positive gaps, per scale; moved away from the
    codebook's, the likelihood follows the moved ones. The first cut may move by two
    band widths either way, each gap from 5% to four times the codebook's."""
    prob = problem(cases, {"cutpoints": "estimated"})
    assert {s.name for s in prob.scales_used} == {"unit", "relative"}
    theta = {"trust_build_time": 7.0}
    moved = {}
    for scale in prob.scales_used:
        base = np.array(scale.cutpoints)
        w = scale.band_width
        new = base[0] - 0.3 * w + np.concatenate(([0.0], np.cumsum(1.3 * np.diff(base))))
        moved[scale.name] = list(new)
        j = prob.names.index(f"cut_{scale.name}_1")
        assert (prob.lower[j], prob.upper[j]) == pytest.approx((base[0] - 2 * w,
                                                                base[0] + 2 * w))
        theta[f"cut_{scale.name}_1"] = new[0]
        for k in range(1, len(base)):
            j = prob.names.index(f"cut_{scale.name}_gap{k + 1}")
            gap = base[k] - base[k - 1]
            assert (prob.lower[j], prob.upper[j]) == pytest.approx((0.05 * gap, 4 * gap))
            theta[f"cut_{scale.name}_gap{k + 1}"] = new[k] - new[k - 1]
        assert prob.cutpoints(theta)[scale.name] == pytest.approx(tuple(new))
    got = float(prob.objective(theta)[0])
    assert got == pytest.approx(
        reference(cases, {"trust_build_time": 7.0}, cuts=moved), rel=1e-9)
    assert got != pytest.approx(reference(cases, {"trust_build_time": 7.0}), rel=1e-3)


def test_case_specific_parameter_sets_only_its_case(cases):
    """A case-specific initial level is set for the named case only; the other case
    keeps the value it codes (or the default)."""
    target = cases[0].id
    prob = problem(cases, case_parameters={
        "initial_collaborative_behaviour": {"lower": 0, "upper": 0.8, "cases": [target]}})
    name = case_parameter_name("initial_collaborative_behaviour", target)
    assert name in prob.names
    theta = {"trust_build_time": 7.0, name: 0.6}
    got = float(prob.objective(theta)[0])
    want = reference(cases, {"trust_build_time": 7.0},
                     case_values={target: {"initial_collaborative_behaviour": 0.6}})
    assert got == pytest.approx(want, rel=1e-9)
    shared = reference(cases, {"trust_build_time": 7.0,
                               "initial_collaborative_behaviour": 0.6})
    assert got != pytest.approx(shared, rel=1e-4)
    # several candidates at once: row by row as one at a time
    rows = np.array([[7.0, 0.6], [5.0, 0.1], [11.0, 0.35]])
    assert prob.names == ["trust_build_time", name]
    np.testing.assert_allclose(prob.objective(rows),
                               [float(prob.objective(r)[0]) for r in rows], rtol=1e-12)
    # a context the case codes cannot be freed for it
    with pytest.raises(ConfigError, match="codes history_of_collaboration"):
        problem(cases, case_parameters={"history_of_collaboration": {}})


def test_fixed_cutpoints_are_the_codebooks(cases):
    prob = problem(cases)
    got = prob.cutpoints({"trust_build_time": 7.0})
    assert got == {s.name: s.cutpoints for s in prob.scales_used}


def test_a_failed_simulation_gets_the_bad_objective(cases, monkeypatch):
    """A candidate whose simulation is not finite is ranked last: its objective is
    exactly BAD_OBJECTIVE, however many codes there are."""
    prob = problem(cases)
    good = prob.latent(np.array([[7.0]]))
    monkeypatch.setattr(prob, "latent", lambda theta: np.vstack([good, good * np.nan]))
    val = prob.objective(np.array([[7.0], [8.0]]))
    assert val[1] == pytest.approx(BAD_OBJECTIVE, rel=1e-12)
    assert val[0] < BAD_OBJECTIVE / 1e6


@pytest.mark.parametrize("prior,logpdf", [
    ({"dist": "normal", "mean": 6, "sd": 2},
     lambda x: stats.norm.logpdf(x, 6, 2)),
    ({"dist": "lognormal", "median": 6, "sd_log": 0.7},
     lambda x: stats.lognorm.logpdf(x, 0.7, scale=6)),
])
def test_priors_add_minus_their_log_density(cases, prior, logpdf):
    """The objective is -log likelihood - log prior (up to a constant): between two
    values, the prior adds exactly the difference of scipy's log-densities."""
    flat = problem(cases)
    informed = problem(cases, parameters={
        "trust_build_time": {"lower": 2, "upper": 24, "prior": prior}})
    a, b = {"trust_build_time": 4.0}, {"trust_build_time": 15.0}
    d_flat = float(flat.objective(a)[0] - flat.objective(b)[0])
    d_informed = float(informed.objective(a)[0] - informed.objective(b)[0])
    assert d_informed - d_flat == pytest.approx(-(logpdf(4.0) - logpdf(15.0)), rel=1e-9)
