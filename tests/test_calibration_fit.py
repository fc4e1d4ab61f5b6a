"""Calibration: configs, recovery of a known value, reproducibility, outputs."""

import json
from pathlib import Path

import numpy as np
import pytest

from iocdynamics.calibration import ConfigError, calibrate, load_case, load_config
from iocdynamics.calibration.problem import Problem
from iocdynamics.calibration.report import write_results
from iocdynamics.calibration.synthetic import case_to_toml, synthetic_cases

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ("fig5_voluntary_partnership", "mandated_cross_sector_system", "aco_dissolved")
VARS = ("trust", "faith", "conflict", "collaborative_behaviour")


def _templates():
    return [load_case(ROOT / f"calibration/cases/{n}.toml") for n in TEMPLATES]


def _config(**extra):
    cfg = {"name": "t", "seed": 7, "time_step": 0.25,
           "parameters": {"conflict_effect_on_trust": {"lower": 0, "upper": 1}},
           "search": {"method": "multistart", "n_starts": 16, "n_polish": 1,
                      "polish_max_nfev": 100},
           "uncertainty": {"profile": "all", "profile_points": 5, "profile_max_nfev": 30}}
    cfg.update(extra)
    return cfg


def test_free_parameters_take_the_configured_bounds_and_start_at_the_model_value():
    """lmfit parameters carry the config's bounds and start; without a start, the
    fit starts where the model runs when nothing is fitted (the simulated latent
    values at the start equal those of an unfitted simulation of each case)."""
    from iocdynamics.simulation import simulate

    cfg = _config(parameters={"conflict_effect_on_trust": {"lower": 0.1, "upper": 0.9,
                                                            "start": 0.42},
                              "trust_build_time": {"lower": 3, "upper": 20}})
    prob = Problem(load_config(cfg), _templates())
    params = prob.lmfit_parameters()
    assert list(params) == ["conflict_effect_on_trust", "trust_build_time"]
    c = params["conflict_effect_on_trust"]
    assert (c.value, c.min, c.max) == (0.42, 0.1, 0.9)
    t = params["trust_build_time"]
    assert (t.min, t.max) == (3, 20)
    x = prob.latent({"conflict_effect_on_trust": 0.42})[0]
    k = 0
    for case in prob.cases:
        sc = case.scenario(time_step=0.25).with_values(conflict_effect_on_trust=0.42)
        df = simulate(sc, engine="fast", columns=list(prob.columns))
        for o in case.observations:
            assert x[k] == pytest.approx(df[o.variable].iloc[round(o.time / 0.25)],
                                         rel=1e-9, abs=1e-12)
            k += 1
    assert k == prob.n_obs


@pytest.mark.parametrize("change,words", [
    ({"parameters": {"trust_build_time": {"lower": 0.5, "upper": 10}}}, "from 2 to 36"),
    ({"parameters": {"trust_buildtime": {}}}, "did you mean 'trust_build_time'"),
    ({"parameters": {"mandated": {}}}, "context parameter"),
    ({"time_step": 1.0, "parameters": {"dwell_recovery_time": {"lower": 0.25, "upper": 2}}},
     "too long"),
    ({"likelihood": {"link": "cauchit"}}, "link"),
])
def test_bad_configs_are_rejected_clearly(change, words):
    with pytest.raises(ConfigError, match=words):
        load_config(_config(**change))


def test_case_specific_context_must_not_be_coded_in_the_case():
    cfg = load_config(_config(case_parameters={"history_of_collaboration": {}}))
    with pytest.raises(ConfigError, match="codes history_of_collaboration"):
        Problem(cfg, _templates())


def test_dense_synthetic_evidence_recovers_a_known_value_reproducibly():
    truth = {"conflict_effect_on_trust": 0.35}
    cases = synthetic_cases(_templates(), truth, VARS, np.arange(0, 61, 1.0), seed=11)
    r1 = calibrate(_config(), cases=cases, write=False, verbose=False)
    r2 = calibrate(_config(), cases=cases, write=False, verbose=False)
    est = r1.estimates["conflict_effect_on_trust"]
    # the default start (0.6) is far; ~700 codes pin the value down
    assert abs(est - 0.35) < 0.1
    se = r1.uncertainty.stderr[0]
    assert abs(est - 0.35) < 3 * se and 2 * 1.645 * se < 0.3
    assert r1.uncertainty.identifiable["conflict_effect_on_trust"]
    assert est == r2.estimates["conflict_effect_on_trust"]


def test_an_uninformative_parameter_is_flagged():
    # nothing observed depends on capability decay within these outputs' resolution:
    # the trust codes of one early month cannot pin it down
    cases = synthetic_cases(_templates()[:1], {}, ("trust",), [0.0, 1.0], seed=3)
    cfg = _config(parameters={"capability_decay_rate": {"lower": 0, "upper": 0.5}})
    r = calibrate(cfg, cases=cases, write=False, verbose=False)
    assert not r.uncertainty.identifiable["capability_decay_rate"]
    assert any("capability_decay_rate" in w for w in r.uncertainty.warnings)


def test_synthetic_cases_round_trip_through_a_case_file(tmp_path):
    import tomllib

    from iocdynamics.calibration import parse_case

    case = synthetic_cases(_templates()[:1], {}, ("trust",), [0, 12, 24], seed=1)[0]
    again = parse_case(tomllib.loads(case_to_toml(case)))
    assert [(o.variable, o.time, o.level, o.confidence) for o in again.observations] == \
        [(o.variable, o.time, o.level, o.confidence) for o in case.observations]


def test_outputs_posterior_and_leave_one_out(tmp_path):
    cases = synthetic_cases(_templates(), {"conflict_effect_on_trust": 0.4}, VARS,
                            np.arange(0, 61, 6.0), seed=5)
    cfg = _config(posterior={"enabled": True, "walkers": 4, "steps": 30, "burn": 10,
                             "thin": 1}, validation={"leave_one_out": True})
    r = calibrate(cfg, cases=cases, output_dir=tmp_path, verbose=False)
    out = tmp_path / "t"
    fit_text = (out / "fit.json").read_text()
    fit = json.loads(fit_text)
    p = fit["parameters"]["conflict_effect_on_trust"]
    assert p["interval"][0] <= p["estimate"] <= p["interval"][1]
    assert set(fit["data"]["cases"]) == {c.id for c in cases}
    assert "lmfit" in fit["versions"] and isinstance(fit["warnings"], list)
    assert len(fit["leave_one_out"]) == 3
    report = (out / "report.md").read_text()
    assert "Leave-one-case-out prediction" in report and "## Estimates" in report
    for c in cases:
        assert (out / "figures" / f"case_{c.id}.png").stat().st_size > 1000
    assert (out / "figures" / "correlation.png").exists()
    assert (out / "figures" / "profile_conflict_effect_on_trust.png").exists()
    with np.load(out / "posterior.npz") as z:
        assert list(z["names"]) == ["conflict_effect_on_trust"]
        assert z["samples"].shape == (20, 4, 1)
        assert np.all((z["samples"] >= 0) & (z["samples"] <= 1))
    # a failing rewrite leaves the earlier result intact
    import iocdynamics.calibration.report as rep

    def boom(*a, **k):
        raise RuntimeError("disk full")

    orig = rep._figures
    rep._figures = boom
    try:
        with pytest.raises(RuntimeError):
            write_results(r, out)
    finally:
        rep._figures = orig
    assert (out / "fit.json").read_text() == fit_text
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_bundled_demo_config_runs_from_the_cli(tmp_path):
    from iocdynamics.cli import main

    assert main(["calibrate", str(ROOT / "calibration/demo.toml"), "--output",
                 str(tmp_path), "--no-loo"]) == 0
    fit = json.loads((tmp_path / "demo" / "fit.json").read_text())
    assert set(fit["parameters"]) == {"trust_build_time", "conflict_effect_on_trust",
                                      "mandate_mistrust"}


def test_profile_and_hessian_intervals_agree_for_a_well_pinned_parameter():
    # two independent routes to the 90% interval: the likelihood ratio along the
    # profile and the curvature at the optimum; near-quadratic objective -> close
    cases = synthetic_cases(_templates(), {"conflict_effect_on_trust": 0.35}, VARS,
                            np.arange(0, 61, 1.0), seed=2)
    r = calibrate(_config(), cases=cases, write=False, verbose=False)
    prof = r.uncertainty.profiles["conflict_effect_on_trust"].interval
    wald = r.uncertainty.wald["conflict_effect_on_trust"]
    width = wald[1] - wald[0]
    assert abs(prof[0] - wald[0]) < 0.1 * width and abs(prof[1] - wald[1]) < 0.1 * width


def test_a_case_of_ones_own_beside_the_bundled_ones_stays_out_of_the_bundled_fit(tmp_path):
    """The bundled configs name their cases: a new file in calibration/cases/ is not
    pulled in; neither config carries a description into a copy's report."""
    import shutil
    import tomllib

    shutil.copytree(ROOT / "calibration", tmp_path / "calibration")
    mine = tmp_path / "calibration" / "cases" / "my_case.toml"
    shutil.copy(ROOT / "calibration" / "cases" / "voluntary_buddying.toml", mine)
    for name in ("CONFIG.toml", "demo.toml"):
        path = tmp_path / "calibration" / name
        cfg = load_config(path)
        assert mine not in cfg.cases and len(cfg.cases) == 5
        assert "description" not in tomllib.loads(path.read_text(encoding="utf-8"))
        assert cfg.description == ""


def test_the_report_says_what_was_fitted_to_what(tmp_path):
    case = ROOT / "calibration" / "cases" / "imposed_buddying.toml"
    cfg = {"name": "mine", "cases": [str(case)], "time_step": 0.25,
           "output_dir": str(tmp_path),
           "parameters": {"mandate_mistrust": {"lower": 0, "upper": 1}},
           "search": {"method": "multistart", "n_starts": 4, "n_polish": 1,
                      "polish_max_nfev": 20},
           "uncertainty": {"profile": []}}
    r = calibrate(cfg, verbose=False, profiles=False)
    head = (r.output / "report.md").read_text().split("## Evidence")[0]
    assert "Fit of 1 free parameter (mandate_mistrust) to 1 case (imposed_buddying)" in head
    assert "vignettes" not in head


def test_a_zero_correlation_between_parameters_no_case_shares_is_explained():
    """mandate_mistrust can act only in the mandated cases, a case-specific initial
    level only in its own voluntary case: no case informs both, and the report says so.
    Checked independently: the objective's cross difference is zero."""
    from iocdynamics.calibration.evidence import load_cases
    from iocdynamics.calibration.explain import cases_where_active, zero_correlations

    cases = load_cases(sorted((ROOT / "calibration" / "cases").glob("*.toml")))
    voluntary = next(c.id for c in cases if c.arrangement == "voluntary"
                     and any(o.variable == "collaborative_behaviour"
                             for o in c.observations))
    cfg = load_config({"name": "z", "time_step": 0.25,
                       "parameters": {"mandate_mistrust": {"lower": 0, "upper": 1}},
                       "case_parameters": {"initial_collaborative_behaviour": {
                           "lower": 0.0, "upper": 0.5, "cases": [voluntary]}}})
    prob = Problem(cfg, cases)
    a, b = prob.names
    assert cases_where_active(prob, a) == {c.id for c in cases if c.arrangement == "mandated"}
    assert cases_where_active(prob, b) == {voluntary}
    x = prob.start.copy()
    h = np.array([0.05, 0.05])
    f = [prob.objective(x + np.array([i * h[0], j * h[1]]))[0] for i in (0, 1)
         for j in (0, 1)]
    assert abs(f[3] - f[2] - f[1] + f[0]) < 1e-10
    corr = np.eye(2)
    text = zero_correlations(prob, corr, x)
    assert len(text) == 1 and "no case informs both" in text[0]
