"""Running experiments: files, agreement with single runs, determinism, resuming."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from iocdynamics.experiments.runner import run_experiment
from iocdynamics.experiments.spec import parse_experiment
from iocdynamics.simulation import simulate

from .conftest import bundled

TEXT = {
    "name": "tiny",
    "base": str(bundled("imposed_buddying")),
    "members": 3,
    "seed": 5,
    "levers": {"contract": ["none", {"value": "binding", "at": 12}],
               "formalisation": [0.0, 1.0]},
    "uncertainty": {"parameters": {"trust_build_time": [4, 10],
                                   "history_of_collaboration": [0.3, 0.8]}},
    "figures": {"fan_stocks": ["trust"],
                "heatmap": [{"x": "formalisation", "y": "contract",
                             "metric": "behaviour_at_horizon"}]},
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    return run_experiment(parse_experiment(TEXT, source="tiny.toml"), out), out


def test_writes_ensemble_summary_and_figures(tiny):
    res, out = tiny
    for name in ("ensemble.nc", "summary.csv", "design.csv", "samples.csv",
                 "manifest.json", "figures/fan_trust.png", "figures/synergy_probability.png",
                 "figures/heatmap_behaviour_at_horizon_formalisation_x_contract.png"):
        assert (out / name).stat().st_size > 0, name
    with xr.open_dataset(out / "ensemble.nc") as ds:
        assert ds["trust"].dims == ("setting", "member", "time")
        assert ds["dissolved"].dims == ("setting", "member")
        assert ds.sizes["setting"] == 4 and ds.sizes["member"] == 3
        assert list(ds["contract"].values) == ["none", "none", "none->binding@12",
                                               "none->binding@12"]
        assert "sample_trust_build_time" in ds.coords
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 4
    assert {"behaviour_at_horizon_median", "behaviour_at_horizon_p5",
            "reached_synergy_probability", "time_to_synergy_median"} <= set(summary.columns)
    assert (summary["behaviour_at_horizon_p5"] <= summary["behaviour_at_horizon_median"]).all()


def test_every_run_equals_a_single_simulation_of_the_same_inputs(tiny):
    res, _ = tiny
    d = res.design
    for group in d.groups:
        for i in group.settings:
            for j in range(len(d.samples)):
                vals = {k: v for k, v in d.values.loc[i].items() if pd.notna(v)}
                vals.update(d.samples.iloc[j].to_dict())
                df = simulate(group.base, engine="fast",
                              columns=["collaborative_behaviour", "trust"], **vals)
                got = res.ensemble["collaborative_behaviour"].isel(setting=i, member=j)
                np.testing.assert_allclose(got.values, df["collaborative_behaviour"].values,
                                           rtol=1e-9, atol=1e-12)


def test_timed_lever_changes_the_trajectory_only_after_its_month(tiny):
    res, _ = tiny
    ds = res.ensemble
    s = res.design.settings
    plain = int(s.index[(s.contract == "none") & (s.formalisation == "1")][0])
    timed = int(s.index[(s.contract == "none->binding@12") & (s.formalisation == "1")][0])
    a = ds["confidence"].isel(setting=plain)
    b = ds["confidence"].isel(setting=timed)
    before = ds["time"] <= 12
    np.testing.assert_allclose(a.where(before, drop=True), b.where(before, drop=True))
    assert (b.isel(time=-1) > a.isel(time=-1)).all()


def test_same_file_same_numbers_and_resume_reuses_finished_parts(tiny, tmp_path,
                                                                   monkeypatch):
    res, out = tiny
    spec = parse_experiment(TEXT, source="tiny.toml")
    first = run_experiment(spec, tmp_path, figures=False)
    pd.testing.assert_frame_equal(first.summary, res.summary)
    assert (tmp_path / "parts").is_dir()
    (tmp_path / "ensemble.nc").unlink()

    import iocdynamics.ensembles.compute as ens

    def boom(*a, **k):
        raise AssertionError("a finished part was simulated again")

    monkeypatch.setattr(ens, "run_chunk", boom)
    again = run_experiment(spec, tmp_path, figures=False)
    xr.testing.assert_identical(again.ensemble, first.ensemble)


def test_mandated_partnership_gains_more_from_a_binding_contract(tmp_path):
    """F1: in a mandated partnership formalisation through a binding contract builds
    confidence that stands in for trust; compared within one run."""
    text = dict(TEXT, name="f1", members=8,
                levers={"contract": ["none", "binding"], "formalisation": [0.0, 1.0]})
    text["figures"] = {"fan_stocks": ["trust"]}
    res = run_experiment(parse_experiment(text, source="f1.toml"), tmp_path, figures=False)
    s = res.summary.set_index(["contract", "formalisation"])
    none = s.loc[("none", "0"), "behaviour_at_horizon_median"]
    binding = s.loc[("binding", "1"), "behaviour_at_horizon_median"]
    assert binding > none


def test_cli_runs_a_file_and_reports_bad_input(tmp_path, capsys):
    from iocdynamics.cli import main

    exp = tmp_path / "e.toml"
    exp.write_text(f'name = "e"\nbase = "{bundled("voluntary_buddying")}"\nmembers = 2\n'
                   '[levers]\nformalisation = [0.0, 0.5]\n'
                   '[uncertainty.parameters]\ntrust_build_time = [4, 8]\n')
    assert main(["experiment", str(exp), "-o", str(tmp_path / "r"), "--no-figures",
                 "--no-progress"]) == 0
    assert (tmp_path / "r" / "summary.csv").exists()
    exp.write_text('name = "e"\n[levers]\nformalisation = [2.0]\n')
    assert main(["experiment", str(exp), "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert "e.toml" in err and "formalisation = 2.0 is out of range; allowed 0 to 1" in err


@pytest.mark.slow
def test_dask_workers_give_the_same_numbers(tiny, tmp_path):
    res, _ = tiny
    spec = parse_experiment(TEXT, source="tiny.toml")
    dask = run_experiment(spec, tmp_path, workers=1, figures=False, resumable=False)
    np.testing.assert_allclose(dask.ensemble["trust"].values, res.ensemble["trust"].values)


def test_settings_equal_by_construction_and_switched_off_paths_are_reported(tmp_path):
    """At formalisation 0 the three contracts are one model: the runs agree exactly and
    summary.csv and notes.md say so; under the mandate the notes name the mandate as
    what switches off the MoU's trust term."""
    text = {"name": "contracts", "base": str(bundled("imposed_buddying")), "members": 2,
            "seed": 3, "levers": {"contract": ["none", "mou", "binding"],
                                  "formalisation": [0.0, 1.0]},
            "uncertainty": {"parameters": {"trust_build_time": [4, 10],
                                           "mou_confidence_weight": [0.3, 0.7]}}}
    res = run_experiment(parse_experiment(text, source="contracts.toml"), tmp_path,
                         figures=False)
    s = pd.read_csv(tmp_path / "summary.csv")
    zero = s.index[s["formalisation"] == 0].tolist()
    full = s.index[s["formalisation"] == 1].tolist()
    assert len(zero) == 3 and set(s.loc[zero, "same_model_as"]) == {zero[0]}
    assert list(s.loc[full, "same_model_as"]) == full
    ds = res.ensemble
    for i in zero[1:]:
        np.testing.assert_array_equal(ds["trust"].isel(setting=i).values,
                                      ds["trust"].isel(setting=zero[0]).values)
    assert not np.array_equal(ds["trust"].isel(setting=full[0]).values,
                              ds["trust"].isel(setting=full[2]).values)
    notes = (tmp_path / "notes.md").read_text()
    assert "decided by formalisation = 0" in notes
    mou_line = next(line for line in notes.splitlines() if "mou_confidence_weight," in line)
    assert "cannot act" in notes and "contract = 'none'" in mou_line
    path_lines = [line for line in notes.splitlines() if line.strip().startswith("- mou_assurance")]
    assert path_lines and all("mandated = true" in line for line in path_lines)
