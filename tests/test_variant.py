"""A modeller's edited copy of the model file: names compared, runs through PySD that
agree with the fast engine when nothing is edited, scenario and result exports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iocdynamics import load_scenario, simulate
from iocdynamics.cli import main
from iocdynamics.variant import VariantError, compare_names, load_variant

from .conftest import ROOT, bundled


def test_compare_names_sorts_added_lacking_and_renamed():
    r = compare_names(["trust", "trust_building_time", "my_new_stock"],
                      ["trust", "trust_build_time", "faith"])
    assert r.renamed == (("trust_build_time", "trust_building_time"),)
    assert r.added == ("my_new_stock",) and r.lacking == ("faith",)
    assert compare_names(["a"], ["a"]).identical


def _copy(folder: Path, edit=lambda t: t, name="mine.mdl") -> Path:
    text = (ROOT / "models" / "ioc.mdl").read_text(encoding="utf-8")
    out = folder / name
    out.write_text(edit(text), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def unedited(tmp_path_factory) -> Path:
    """One translated, unedited copy for the module (PySD translates once per file)."""
    return _copy(tmp_path_factory.mktemp("unedited"))


@pytest.fixture(scope="module")
def renamed(tmp_path_factory) -> Path:
    """A copy with two constants respelt."""
    return _copy(tmp_path_factory.mktemp("renamed"),
                 lambda t: t.replace("trust build time", "trust building time")
                 .replace("mandate mistrust", "mandate distrust"))


def test_an_unedited_copy_runs_like_the_fast_engine(unedited):
    path = unedited
    v = load_variant(path)
    assert v.report.identical
    sc = load_scenario(bundled("fig5_voluntary_partnership"))
    mine = simulate(sc, model=path)
    fast = simulate(sc)
    pd.testing.assert_frame_equal(mine, fast[mine.columns], rtol=0, atol=1e-9)
    assert not list(path.parent.glob("*.py")), "PySD wrote its translation beside the file"


def test_a_renamed_constant_is_reported_and_a_scenario_setting_it_refused(tmp_path, capsys,
                                                                          renamed):
    path = renamed
    sc = load_scenario(bundled("voluntary_buddying"))
    out = tmp_path / "run.csv"
    assert main(["run", str(bundled("voluntary_buddying")), "-o", str(out),
                 "--model", str(path)]) == 0
    assert "trust_build_time -> trust_building_time" in capsys.readouterr().out
    with pytest.raises(VariantError, match="renamed trust_building_time"):
        simulate(sc.with_values(trust_build_time=9), model=path)


def test_an_experiment_on_a_copy_gives_the_fast_engines_numbers(tmp_path, unedited):
    from iocdynamics.experiments.runner import run_experiment
    from iocdynamics.experiments.spec import parse_experiment

    text = {"name": "v", "base": str(bundled("voluntary_buddying")), "members": 2,
            "seed": 4, "levers": {"contract": ["none", "mou"]},
            "uncertainty": {"parameters": {"trust_build_time": [4, 10]}}}
    spec = parse_experiment(text, source="v.toml")
    fast = run_experiment(spec, tmp_path / "fast", figures=False)
    mine = run_experiment(spec, tmp_path / "mine", figures=False, model=unedited)
    for var in ("trust", "collaborative_behaviour", "performance"):
        np.testing.assert_allclose(mine.ensemble[var].values, fast.ensemble[var].values,
                                   rtol=0, atol=1e-9)
    assert "Model file" in (tmp_path / "mine" / "notes.md").read_text()


def test_a_calibration_objective_on_a_copy_equals_the_fast_one(unedited, renamed):
    from iocdynamics.calibration.config import load_config
    from iocdynamics.calibration.evidence import load_case
    from iocdynamics.calibration.problem import Problem

    cfg = load_config({"name": "t", "time_step": 0.25,
                       "parameters": {"mandate_mistrust": {"lower": 0, "upper": 1}}})
    cases = [load_case(ROOT / "calibration" / "cases" / "imposed_buddying.toml")]
    fast = Problem(cfg, cases)
    mine = Problem(cfg.with_overrides(engine="pysd", model=unedited), cases)
    theta = np.array([[0.2], [0.7]])
    np.testing.assert_allclose(mine.objective(theta), fast.objective(theta), rtol=1e-9)
    with pytest.raises(ValueError, match="looks renamed mandate_distrust"):
        Problem(cfg.with_overrides(engine="pysd", model=renamed), cases)


def test_a_file_pysd_cannot_read_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "broken.mdl"
    bad.write_text("this is not a model", encoding="utf-8")
    with pytest.raises(VariantError, match="broken.mdl: PySD cannot translate"):
        load_variant(bad)


def test_a_scenario_exports_to_a_vensim_changes_file_pysd_agrees_with(tmp_path, capsys,
                                                                       unedited):
    from iocdynamics.artefacts.cin import read_cin

    src = bundled("imposed_buddying")
    out = tmp_path / "case.cin"
    assert main(["export-cin", str(src), "-o", str(out)]) == 0
    values = read_cin(out.read_text(encoding="utf-8"))
    sc = load_scenario(src)
    calm = replace(sc, events=(), lever_changes=())  # a changes file holds constants only
    for name, v in sc.values.items():
        assert values[name] == pytest.approx(v, abs=0), name
    # PySD, given only the file's constants, runs the scenario the fast engine runs
    model = load_variant(unedited).model
    clock = {k: values.pop(k) for k in ("final_time", "time_step", "saveper")}
    df = model.run(params=values, final_time=clock["final_time"],
                   time_step=clock["time_step"], return_timestamps=sc.save_times(),
                   return_columns=["trust", "faith"], initial_condition="original",
                   progress=False)
    fast = simulate(calm, columns=["trust", "faith"])
    np.testing.assert_allclose(df.to_numpy(), fast.to_numpy(), atol=1e-9)
    assert main(["export-cin", str(bundled("fig5_voluntary_partnership")),
                 "-o", str(tmp_path / "fig5.cin")]) == 0
    assert "are not in a changes file" in capsys.readouterr().out


@pytest.mark.parametrize("suffix", [".xlsx", ".nc", ".csv"])
def test_results_export_by_suffix_reads_back(tmp_path, suffix):
    import xarray as xr

    out = tmp_path / f"r{suffix}"
    assert main(["run", str(bundled("voluntary_buddying")), "-o", str(out)]) == 0
    ref = simulate(bundled("voluntary_buddying"))
    if suffix == ".xlsx":
        got = pd.read_excel(out, sheet_name="trajectories", index_col=0)
        assert "scenario" in pd.read_excel(out, sheet_name="about", index_col=0).index
    elif suffix == ".nc":
        with xr.open_dataset(out) as ds:
            got = ds.to_dataframe()
    else:
        got = pd.read_csv(out, index_col=0)
    np.testing.assert_allclose(got[ref.columns].to_numpy(), ref.to_numpy(), atol=1e-9)
    assert main(["run", str(bundled("voluntary_buddying")), "-o",
                 str(tmp_path / "r.json")]) == 2
