"""simulate_ensemble in process: members, coordinates, chunking, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iocdynamics.ensembles import sample_parameters, simulate_ensemble
from iocdynamics.registry import PARAMETERS
from iocdynamics.scenario import ScenarioError, load_scenario
from iocdynamics.simulation import default_columns, simulate

from .conftest import bundled

TOLERANCE = 1e-9
VARY = ["trust_build_time", "faith_threshold", "number_of_organisations", "mandated",
        "leadership_quality"]


def _frame(ds, i, columns):
    return pd.DataFrame({c: ds[c].values[i] for c in columns},
                        index=pd.Index(ds["time"].values, name="time"))


def test_parameter_table_rows_match_pysd_runs_of_the_overridden_scenario():
    base = load_scenario(bundled("voluntary_buddying"))
    table = sample_parameters(3, VARY, seed=11)
    ds = simulate_ensemble(table, base)
    assert ds.sizes == {"member": 3, "time": len(base.save_times())}
    assert list(ds.data_vars) == list(default_columns())
    for i in range(3):
        ref = simulate(base.with_values(**table.iloc[i].to_dict()), engine="pysd")
        got = _frame(ds, i, ref.columns)
        assert float((got - ref).abs().max().max()) <= TOLERANCE
        for name in VARY:  # coordinates carry the varied values
            assert ds[name].values[i] == table[name].iloc[i]


def test_varying_a_lever_that_the_base_changes_in_time_matches_pysd():
    """The member's value holds until the base scenario's lever change, as in PySD."""
    base = load_scenario({"simulation": {"final_time": 24},
                          "lever_changes": [{"at": 12, "lever": "formalisation",
                                             "value": 0.9}],
                          "levers": {"contract": "mou"}})
    table = pd.DataFrame({"formalisation": [0.0, 0.5]})
    ds = simulate_ensemble(table, base)
    for i in range(2):
        ref = simulate(base.with_values(formalisation=table.formalisation[i]),
                       engine="pysd")
        assert float((_frame(ds, i, ref.columns) - ref).abs().max().max()) <= TOLERANCE
    # and the two members differ before the change
    assert not np.allclose(ds["confidence"].values[0, 1:12], ds["confidence"].values[1, 1:12])


def test_results_do_not_depend_on_chunking_or_backend():
    table = sample_parameters(37, seed=5)
    base = bundled("fig5_voluntary_partnership")
    whole = simulate_ensemble(table, base, chunk_size=1000)
    for kwargs in ({"chunk_size": 1}, {"chunk_size": 8}, {"chunk_size": 8,
                                                          "backend": "numpy"}):
        other = simulate_ensemble(table, base, **kwargs)
        for c in whole.data_vars:
            np.testing.assert_array_equal(other[c].values, whole[c].values)


def test_scenario_members_carry_names_and_differing_values():
    paths = [bundled("voluntary_buddying"), bundled("imposed_buddying")]
    ds = simulate_ensemble(paths, columns=["trust", "performance"])
    assert list(ds["scenario"].values) == [load_scenario(p).name for p in paths]
    a, b = (load_scenario(p).values for p in paths)
    differing = {k for k in PARAMETERS if a[k] != b[k]}
    assert differing and differing <= set(ds.coords)
    assert "trust_build_time" not in ds.coords or a["trust_build_time"] != b[
        "trust_build_time"]
    assert set(ds.data_vars) == {"trust", "performance"}


def test_members_as_a_number_need_a_seed_and_are_reproducible():
    with pytest.raises(ValueError, match="seed"):
        simulate_ensemble(4)
    a = simulate_ensemble(4, seed=2, columns=["trust"])
    b = simulate_ensemble(4, seed=2, columns=["trust"])
    c = simulate_ensemble(4, seed=3, columns=["trust"])
    np.testing.assert_array_equal(a["trust"].values, b["trust"].values)
    assert not np.array_equal(a["trust"].values, c["trust"].values)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 50), seed=st.integers(0, 2**32 - 1))
def test_sampled_parameters_lie_within_registry_bounds(n, seed):
    table = sample_parameters(n, seed=seed)
    assert len(table) == n
    for name in table.columns:
        p = PARAMETERS[name]
        assert p.group == "mechanism"
        assert table[name].between(p.lower, p.upper).all()
    pd.testing.assert_frame_equal(table, sample_parameters(n, seed=seed))


def test_members_with_different_clocks_are_rejected_naming_the_scenario():
    a = {"name": "monthly", "simulation": {"time_step": 0.125}}
    b = {"name": "finer", "simulation": {"time_step": 0.0625}}
    with pytest.raises(ValueError, match="'finer'.*time_step"):
        simulate_ensemble([a, b])


def test_bad_parameter_tables_get_clear_errors():
    with pytest.raises(ScenarioError, match="unknown column 'trust_buld_time'.*"
                                            "did you mean 'trust_build_time'"):
        simulate_ensemble(pd.DataFrame({"trust_buld_time": [3.0]}))
    with pytest.raises(ScenarioError, match=r"row 1, column 'faith_threshold' = 2\.0 is out "
                                            r"of range.*0\.1 to 0\.9"):
        simulate_ensemble(pd.DataFrame({"faith_threshold": [0.5, 2.0]}))
    with pytest.raises(ScenarioError, match="whole number"):
        simulate_ensemble(pd.DataFrame({"number_of_organisations": [2.5]}))
    base = {"simulation": {"time_step": 0.25}}
    with pytest.raises(ScenarioError, match="row 0 .*time_step"):
        simulate_ensemble(pd.DataFrame({"trust_build_time": [2.0],
                                        "trust_erosion_speedup": [8.0]}), base)


def test_band_plot_draws_the_member_median(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from iocdynamics.ensembles import plot_bands

    ds = simulate_ensemble(30, bundled("voluntary_buddying"), seed=3, columns=["trust"])
    ax = plot_bands(ds, "trust")
    median = [ln for ln in ax.get_lines() if ln.get_label() == "median"][0]
    np.testing.assert_allclose(median.get_ydata(), np.median(ds["trust"].values, axis=0))
    assert ax.get_xlabel() == "Month"
    plt.close(ax.figure)


def test_cli_writes_a_resumable_netcdf(tmp_path, capsys):
    import xarray as xr

    from iocdynamics.cli import main

    out = tmp_path / "e.nc"
    args = ["ensemble", str(bundled("voluntary_buddying")), "--samples", "25", "--seed", "9",
            "--vary", "trust_build_time,faith_threshold", "--columns", "trust,active",
            "--chunk-size", "10", "--no-progress", "-o", str(out)]
    assert main(args) == 0
    assert "25 members" in capsys.readouterr().out
    with xr.open_dataset(out) as ds:
        direct = simulate_ensemble(sample_parameters(25, ["trust_build_time",
                                                          "faith_threshold"], seed=9),
                                   bundled("voluntary_buddying"), columns=["trust", "active"])
        np.testing.assert_array_equal(ds["trust"].values, direct["trust"].values)
        np.testing.assert_array_equal(ds["faith_threshold"].values,
                                      direct["faith_threshold"].values)
    assert main(args) == 0
    assert "3 chunk(s) reused" in capsys.readouterr().out  # nothing recomputed


def _bad_inputs(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("trust_build_time,note\n3.0,caf\xe9\n".encode("latin-1"))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    no_rows = tmp_path / "header.csv"
    no_rows.write_text("trust_build_time\n")
    typo = tmp_path / "typo.csv"
    typo.write_text("trust_buld_time\n3.0\n")
    base = str(bundled("voluntary_buddying"))
    # (arguments, text the message must contain: the flag or file, the value, the fix)
    return [
        (["--samples", "5", "--seed", "1", "--chunk-size", "0"],
         ["--chunk-size", "= 0", "at least 1"]),
        (["--samples", "5", "--seed", "1", "--chunk-size", "-4"],
         ["--chunk-size", "= -4", "at least 1"]),
        (["--samples", "5", "--seed", "1", "--chunk-size", "many"],
         ["--chunk-size", "'many'", "whole number"]),
        (["--params", str(folder)], [f"--params {folder}", "is a folder", "CSV file"]),
        (["--params", str(tmp_path / "missing.csv")], ["missing.csv", "cannot read",
                                                        "check the path"]),
        (["--params", str(latin1)], ["latin1.csv", "not UTF-8", "0xe9", "save the table"]),
        (["--params", str(empty)], ["empty.csv", "empty", "header row"]),
        (["--params", str(no_rows)], ["header.csv", "no rows", "one row per member"]),
        (["--params", str(typo)], ["typo.csv", "trust_buld_time", "did you mean"]),
    ], base


def test_bad_ensemble_inputs_are_refused_before_any_work(tmp_path, capsys, monkeypatch):
    """Each bad flag or file gets one message naming it, the value and the fix, and
    nothing is computed or written."""
    from iocdynamics.cli import main
    from iocdynamics.ensembles import compute as ensemble

    cases, base = _bad_inputs(tmp_path)
    monkeypatch.setattr(ensemble, "run_chunk", lambda *a, **k: pytest.fail("work started"))
    for i, (extra, expected) in enumerate(cases):
        out = tmp_path / f"out{i}.nc"
        try:
            code = main(["ensemble", base, "-o", str(out), "--no-progress"] + extra)
        except SystemExit as exc:  # argparse refuses a flag's value
            code = exc.code
        err = capsys.readouterr().err
        assert code == 2, (extra, err)
        for text in expected:
            assert text in err, (extra, text, err)
        assert "Traceback" not in err
        assert not out.exists() and not out.with_name(out.name + ".parts").exists()


def test_bad_chunk_sizes_and_stores_are_refused_by_the_python_api(tmp_path):
    for bad in (0, -1, 2.5, True, "8"):
        with pytest.raises(ValueError, match=r"chunk_size = .* whole number of at least 1"):
            simulate_ensemble(3, seed=1, chunk_size=bad)
    # a chunk whose trajectories would not fit in memory
    with pytest.raises(ValueError, match=r"chunk_size = 30,000 makes chunks of .* GiB.*"
                                         r"give at most"):
        simulate_ensemble(30_000, seed=1, chunk_size=30_000, columns="all")
    with pytest.raises(ValueError, match="store = .* is a folder; give the netCDF file"):
        simulate_ensemble(3, seed=1, store=tmp_path)
    with pytest.raises(ValueError, match="backend = 'gpu' is not an engine back end"):
        simulate_ensemble(3, seed=1, backend="gpu")


def test_scenario_members_inputs_equal_each_scenarios_own_series():
    """The inputs built for a list of scenarios at once (levels and changes) give, at
    every step, exactly the values of each scenario's own input series on the grid."""
    from iocdynamics.ensembles import plan_ensemble

    from .test_engine_agreement import random_scenario

    groups: dict = {}
    for sc in (random_scenario(s) for s in range(60)):
        groups.setdefault((sc.final_time, sc.time_step), []).append(sc)
    scs_all = [sc for g in groups.values() for sc in g]
    assert any(sc.lever_changes for sc in scs_all)
    assert any(e.leadership_quality is not None for sc in scs_all for e in sc.events)
    for scs in groups.values():
        assert_inputs_are_the_series(plan_ensemble(scs, save_interval=1.0), scs)


def assert_inputs_are_the_series(plan, scs):
    """Every member's inputs on the grid are its scenario's own input series, and its
    constants the scenario's values."""
    n_grid = len(scs[0].grid())
    got = plan.inputs.on_grid(n_grid)
    for i, sc in enumerate(scs):
        series = sc.input_series()
        for j, name in enumerate(plan.varying):
            want = series.get(name, np.full(n_grid, sc.values.get(name, 0.0)))
            np.testing.assert_array_equal(got[i, j], want, err_msg=f"{sc.name}: {name}")
        np.testing.assert_array_equal(plan.inputs.constants[i],
                                      [sc.values[n] for n in plan.constants])


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60))
def test_time_constants_of_a_table_equal_the_row_by_row_values(seed, n):
    """The stability check computes every row's shortest adjustment time on whole
    columns; it equals the scenario module's row-by-row value exactly, also when a
    branch (evaluation rounds on or off) differs between rows."""
    from iocdynamics.ensembles.timeconstants import shortest_time_constants
    from iocdynamics.scenario import shortest_time_constant

    table = sample_parameters(n, seed=seed)
    rng = np.random.default_rng(seed)
    table["evaluation_effectiveness"] *= rng.integers(0, 2, n)  # some rounds off
    values = dict(load_scenario(bundled("voluntary_buddying")).values)
    cols = list(table.columns)
    got = shortest_time_constants(values, cols, table.to_numpy(dtype=float))
    want = []
    for i in range(n):
        values.update(table.iloc[i].to_dict())
        want.append(shortest_time_constant(values))
    np.testing.assert_array_equal(got, want)
