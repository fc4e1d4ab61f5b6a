"""Experiment files: parsing, validation messages, design and seeded sampling."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iocdynamics.experiments.design import build_design, sample_uncertainty
from iocdynamics.experiments.spec import ExperimentError, load_experiment, parse_experiment
from iocdynamics.registry import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
BASE = str(EXPERIMENTS / "scenarios" / "voluntary_buddying.toml")


def spec_of(**kw):
    data = {"name": "t", "base": BASE, "members": 8, "seed": 1}
    data.update(kw)
    return parse_experiment(data, source="exp.toml")


def test_every_bundled_experiment_parses_and_builds_its_design():
    files = sorted(EXPERIMENTS.glob("*.toml"))
    for f in files:
        spec = load_experiment(f)
        d = build_design(spec.with_members(3))
        assert len(d.settings) == spec.n_settings
        assert spec.claims, f"{f.name} names no claims"


def test_full_factorial_and_contract_values():
    spec = spec_of(levers={"contract": ["none", "mou", "binding"],
                           "formalisation": {"range": [0, 1], "n": 3}})
    d = build_design(spec)
    assert len(d.settings) == 9
    assert list(d.settings.columns) == ["contract", "formalisation"]
    row = d.settings.index[(d.settings.contract == "mou")][0]
    assert d.values.loc[row, "contract_is_mou"] == 1.0
    assert d.values.loc[row, "contract_is_binding"] == 0.0
    assert sorted(set(d.values["formalisation"])) == [0.0, 0.5, 1.0]
    assert len(d.groups) == 1  # no timeline change: one base scenario


def test_timed_levers_and_event_counts_get_their_own_base_scenarios():
    spec = spec_of(levers={"contract": [{"value": "binding", "at": 12, "before": "none"},
                                        "none"],
                           "quick_wins": {"count": [0, 2], "first": 6, "spacing": 6,
                                          "size": 0.5}})
    d = build_design(spec)
    assert len(d.groups) == 4
    labels = set(d.settings["contract"])
    assert labels == {"none->binding@12", "none"}
    for g in d.groups:
        sc = g.base
        wins = [e for e in sc.events if e.kind == "quick_win"]
        i = g.settings[0]
        extra = 2 if d.settings.loc[i, "quick_wins"] == "2" else 0
        base_wins = [e for e in spec.base.events if e.kind == "quick_win"]
        assert len(wins) == len(base_wins) + extra
        if d.settings.loc[i, "contract"] == "none->binding@12":
            binding = sc.input_series()["contract_is_binding"]
            k = int(round(12 / sc.time_step))
            assert binding[k - 1] == 0 and binding[k] == 1


def test_samples_are_seeded_latin_hypercube_and_within_bounds():
    unc = {"parameters": {"trust_build_time": [3, 12],
                          "leadership_quality": {"distribution": "normal", "mean": 0.5,
                                                 "sd": 0.4},
                          "risk_threshold": {"distribution": "triangular", "lower": 0.3,
                                             "mode": 0.4, "upper": 0.7}},
           "mechanism_spread": 0.1}
    a = sample_uncertainty(spec_of(uncertainty=unc, members=50))
    b = sample_uncertainty(spec_of(uncertainty=unc, members=50))
    c = sample_uncertainty(spec_of(uncertainty=unc, members=50, seed=2))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    # Latin hypercube: exactly one draw in each of 50 equal strata of the uniform
    strata = np.floor((a["trust_build_time"] - 3) / 9 * 50).astype(int)
    assert sorted(strata) == list(range(50))
    for name in a.columns:
        p = PARAMETERS[name]
        assert a[name].between(p.lower, p.upper).all(), name
    assert a["risk_threshold"].between(0.3, 0.7).all()
    # the spread covers mechanism constants not named explicitly, around the base value
    base = spec_of().base.values["conflict_adjustment_time"]
    assert a["conflict_adjustment_time"].between(0.9 * base, 1.1 * base).all()


def test_no_uncertainty_means_one_member():
    assert len(sample_uncertainty(spec_of(members=20))) == 1


def test_posterior_samples_are_resampled_jointly(tmp_path):
    folder = tmp_path / "calibration" / "results" / "fit1"
    folder.mkdir(parents=True)
    post = pd.DataFrame({"trust_build_time": np.linspace(4, 10, 30),
                         "faith_adjustment_time": np.linspace(3, 9, 30),
                         "not_a_parameter": 1.0})
    post.to_csv(folder / "posterior.csv", index=False)
    s = sample_uncertainty(spec_of(uncertainty={"from_calibration": str(folder)},
                                   members=12))
    assert list(s.columns) == ["trust_build_time", "faith_adjustment_time"]
    # every member is one posterior row (the joint draw is kept)
    pairs = set(zip(post.trust_build_time.round(12), post.faith_adjustment_time.round(12)))
    assert set(zip(s.trust_build_time.round(12), s.faith_adjustment_time.round(12))) <= pairs


def test_posterior_npz_emcee_chain(tmp_path):
    rng = np.random.default_rng(0)
    chain = rng.uniform(4, 8, (20, 6, 2))  # steps x walkers x parameters
    np.savez(tmp_path / "posterior.npz", samples=chain,
             names=np.array(["trust_build_time", "risk_threshold"]))
    chain[..., 1] = chain[..., 1] / 10  # risk_threshold in 0.4..0.8
    np.savez(tmp_path / "posterior.npz", samples=chain,
             names=np.array(["trust_build_time", "risk_threshold"]))
    s = sample_uncertainty(spec_of(uncertainty={"from_calibration": str(tmp_path)},
                                   members=10))
    flat = chain.reshape(-1, 2)
    for row in s.to_numpy():
        assert np.any(np.all(np.isclose(flat, row), axis=1))


def test_fit_json_intervals_become_uniform_ranges(tmp_path):
    (tmp_path / "fit.json").write_text(json.dumps({
        "parameters": {"trust_build_time": {"estimate": 8.0, "interval": [6.0, 10.0]},
                       "risk_threshold": {"value": 0.4, "stderr": 0.05},
                       "faith_threshold": {"value": 0.45}}}))
    s = sample_uncertainty(spec_of(uncertainty={"from_calibration": str(tmp_path)},
                                   members=40))
    assert s["trust_build_time"].between(6, 10).all()
    assert s["trust_build_time"].std() > 0.5
    assert (s["faith_threshold"] == 0.45).all()
    assert abs(s["risk_threshold"].mean() - 0.4) < 0.03


def test_missing_calibration_results_give_a_clear_error(tmp_path):
    spec = spec_of(uncertainty={"from_calibration": str(tmp_path / "nope")})
    with pytest.raises(ValueError, match="from_calibration.*no such folder"):
        sample_uncertainty(spec)
    with pytest.raises(ValueError, match="neither posterior"):
        sample_uncertainty(spec_of(uncertainty={"from_calibration": str(tmp_path)}))


@pytest.mark.parametrize("change, match", [
    ({"levers": {"formalisation": [0.2, 1.5]}},
     r"exp.toml: \[levers\] formalisation: formalisation = 1.5 is out of range; "
     r"allowed 0 to 1"),
    ({"levers": {"formalization": [0.2]}}, r"unknown key 'formalization'.*formalisation"),
    ({"levers": {"contract": ["none", "loose"]}}, r"contract = 'loose' is not allowed"),
    ({"levers": {"external_broker": [0, 1]}}, r"external_broker = 0 has the wrong type"),
    ({"members": 0}, r"members = 0 is out of range"),
    ({"seed": -1}, r"seed = -1"),
    ({"colour": 1}, r"unknown key 'colour'"),
    ({"uncertainty": {"parameters": {"trust_build_time": [1, 12]}}},
     r"trust_build_time: lower = 1, upper = 12 out of range; allowed 2 <= lower"),
    ({"uncertainty": {"parameters": {"x": [0, 1]}}}, r"unknown key 'x'"),
    ({"uncertainty": {"mechanism_spread": 1.5}}, r"mechanism_spread = 1.5 is out of range"),
    ({"levers": {"formalisation": [0.5]},
      "uncertainty": {"parameters": {"formalisation": [0, 1]}}},
     r"formalisation is both a lever and uncertain"),
    ({"levers": {"quick_wins": {"count": [0, 20], "first": 6, "spacing": 6}}},
     r"after the horizon"),
    ({"levers": {"formalisation": {"values": [0.5], "at": 80}}}, r"at = 80 is out of range"),
    ({"metrics": {"synergy_threshold": 1.2}}, r"synergy_threshold = 1.2 is out of range"),
    ({"figures": {"heatmap": [{"x": "formalisation", "y": "contract",
                               "metric": "behaviour_at_horizon"}]}},
     r"x = 'formalisation' is not a lever of this experiment"),
    ({"base": "nowhere.toml"}, r"base = 'nowhere.toml': cannot read"),
])
def test_bad_input_names_file_key_value_and_range(change, match):
    with pytest.raises(ExperimentError, match=match):
        spec_of(**change)


def test_inline_base_overrides_a_file_and_extends_its_events():
    spec = spec_of(base={"file": BASE, "context": {"mandated": True},
                         "events": [{"at": 20, "kind": "conflict_incident"}]})
    assert spec.base.values["mandated"] == 1.0
    kinds = [e.kind for e in spec.base.events]
    assert "quick_win" in kinds and "conflict_incident" in kinds
    with pytest.raises(ExperimentError, match="base scenario is invalid"):
        spec_of(base={"file": BASE, "context": {"mandated": 3}})


def test_bundled_files_are_valid_toml_with_readme_entries():
    readme = (EXPERIMENTS / "README.md").read_text(encoding="utf-8")
    for f in sorted(EXPERIMENTS.glob("*.toml")):
        data = tomllib.loads(f.read_text(encoding="utf-8"))
        assert data["name"] == f.stem
        assert f"`{f.stem}`" in readme, f"{f.stem} is not described in the README"


def test_fit_json_in_the_calibration_format(tmp_path):
    """The calibration writes search bounds as lower/upper beside the estimate; an
    open profile interval has a null end; per-case names are not registry names."""
    (tmp_path / "fit.json").write_text(json.dumps({"parameters": {
        "trust_build_time": {"estimate": 7.0, "stderr": 1.0, "interval": [5.5, 9.0],
                             "wald_interval": [5.0, 9.0], "lower": 2, "upper": 24},
        "conflict_effect_on_trust": {"estimate": 0.5, "stderr": 0.1,
                                     "interval": [0.3, None],
                                     "wald_interval": [0.3, 0.7], "lower": 0, "upper": 1},
        "mandate_mistrust": {"estimate": 0.2, "stderr": 0.05, "interval": None,
                             "wald_interval": None, "lower": 0, "upper": 1},
        "history_of_collaboration[aco]": {"estimate": 0.3, "lower": 0, "upper": 1}}}))
    s = sample_uncertainty(spec_of(uncertainty={"from_calibration": str(tmp_path)},
                                   members=60))
    assert set(s.columns) == {"trust_build_time", "conflict_effect_on_trust",
                              "mandate_mistrust"}
    assert s["trust_build_time"].between(5.5, 9.0).all()
    assert s["trust_build_time"].max() - s["trust_build_time"].min() > 2.5
    assert s["conflict_effect_on_trust"].between(0.3, 0.7).all()
    assert abs(s["mandate_mistrust"].mean() - 0.2) < 0.02
    assert s["mandate_mistrust"].std() == pytest.approx(0.05, rel=0.3)


@pytest.mark.parametrize("key,value,message", [
    ("description", 3, "exp.toml: description must be a string."),
    ("claims", "F1", 'exp.toml: claims must be a list of claim ids, e.g. ["F1", "F2"].'),
    ("claims", ["F1", 2], 'exp.toml: claims must be a list of claim ids, e.g. ["F1", "F2"].'),
])
def test_description_and_claims_are_checked_naming_the_file(key, value, message):
    with pytest.raises(ExperimentError) as exc:
        spec_of(**{key: value})
    assert str(exc.value) == message
