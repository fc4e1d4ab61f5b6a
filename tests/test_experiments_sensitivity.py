"""SALib wrappers checked on functions with known indices, then on the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iocdynamics.experiments.sensitivity import (
    SensitivityWarning,
    build_problem,
    model_function,
    morris,
    run_sensitivity,
    sobol,
    unresolved_indices,
)
from iocdynamics.registry import PARAMETERS

from .conftest import bundled


def ishigami(X):
    from SALib.test_functions import Ishigami

    return {"y": Ishigami.evaluate(X)}


ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def test_sobol_recovers_the_analytic_ishigami_indices():
    # a = 7, b = 0.1: V = 13.8446; S1 = (0.3139, 0.4424, 0); ST = (0.5576, 0.4424, 0.2437)
    # x3's first-order index is exactly 0: its interval is wider than the index
    with pytest.warns(SensitivityWarning, match="S1 of x3"):
        res = sobol(ISHIGAMI, ishigami, 4096, seed=3)["y"]
    np.testing.assert_allclose(res["S1"], [0.3139, 0.4424, 0.0], atol=0.04)
    np.testing.assert_allclose(res["ST"], [0.5576, 0.4424, 0.2437], atol=0.04)
    assert (res["S1_conf"] > 0).all() and (res["ST_conf"] > 0).all()
    with pytest.warns(SensitivityWarning):
        again = sobol(ISHIGAMI, ishigami, 4096, seed=3)["y"]
    pd.testing.assert_frame_equal(res, again)
    # the resolved indices are not flagged
    assert [u.split(":")[0] for u in unresolved_indices(res)] == ["S1 of x3"]


def test_sobol_intervals_repeat_with_seed_zero():
    """SALib ignores a bootstrap seed of 0; the wrapper does not."""
    prob = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}

    def f(X):
        return {"y": X[:, 0] ** 2 + X[:, 1]}

    runs = [sobol(prob, f, 256, seed=0)["y"] for _ in range(2)]
    pd.testing.assert_frame_equal(*runs)


def test_sobol_of_a_linear_model_is_its_variance_shares():
    prob = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 2], [0, 1]]}
    coef = np.array([1.0, 1.0, 0.0])
    res = sobol(prob, lambda X: {"y": X @ coef}, 1024, seed=1)["y"]
    # Var = coef^2 * range^2 / 12 -> shares 1/5, 4/5, 0; additive: S1 = ST
    np.testing.assert_allclose(res["S1"], [0.2, 0.8, 0.0], atol=0.03)
    np.testing.assert_allclose(res["ST"], [0.2, 0.8, 0.0], atol=0.03)


def test_morris_of_a_linear_model_gives_coefficient_times_range():
    prob = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 2], [0, 1]]}
    coef = np.array([2.0, -3.0, 0.0])
    res = morris(prob, lambda X: {"y": X @ coef}, 10, seed=2)["y"]
    np.testing.assert_allclose(res["mu_star"], [2.0, 6.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(res["mu"], [2.0, -6.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(res["sigma"], 0.0, atol=1e-9)


def test_problem_is_plain_data_from_the_registry():
    prob = build_problem()
    assert prob["num_vars"] == len(prob["names"]) == len(prob["bounds"])
    for name, (lo, hi) in zip(prob["names"], prob["bounds"]):
        p = PARAMETERS[name]
        assert p.group == "mechanism" and (lo, hi) == (p.lower, p.upper)
    ctx = build_problem(groups=["context"])
    assert "mandated" not in ctx["names"]  # true/false left out unless asked
    assert "mandated" in build_problem(groups=["context"], include_bool=True)["names"]
    with pytest.raises(KeyError, match="did you mean 'trust_build_time'"):
        build_problem(["trust_buildtime"])
    with pytest.raises(ValueError, match="must lie within"):
        build_problem(["trust_build_time"], bounds={"trust_build_time": (1, 5)})
    with pytest.raises(ValueError, match="unknown parameter group") as exc:
        build_problem(groups=["mechanisms"])
    for group in {p.group for p in PARAMETERS.values()}:
        assert group in str(exc.value)


def test_model_function_matches_single_simulations():
    from iocdynamics.simulation import simulate

    prob = build_problem(["trust_build_time", "risk_threshold", "number_of_organisations"])
    f = model_function(bundled("voluntary_buddying"), prob,
                       ["behaviour_at_horizon", "trust@24", "performance"])
    X = np.array([[4.0, 0.3, 2.4], [20.0, 0.7, 7.6]])
    out = f(X)
    for i, row in enumerate(X):
        df = simulate(bundled("voluntary_buddying"), engine="fast",
                      columns=["collaborative_behaviour", "trust", "performance"],
                      trust_build_time=row[0], risk_threshold=row[1],
                      number_of_organisations=round(row[2]))
        assert out["behaviour_at_horizon"][i] == pytest.approx(
            df["collaborative_behaviour"].iloc[-1], abs=1e-10)
        assert out["trust@24"][i] == pytest.approx(df.loc[24.0, "trust"], abs=1e-10)
        assert out["performance"][i] == pytest.approx(df["performance"].iloc[-1], abs=1e-10)
    with pytest.raises(KeyError, match="unknown output 'trusst'"):
        model_function(bundled("voluntary_buddying"), prob, ["trusst"])


def test_run_sensitivity_writes_tables_and_figures(tmp_path):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SensitivityWarning)
        res = run_sensitivity(bundled("voluntary_buddying"), tmp_path, method="sobol", n=64,
                              seed=1, params=["trust_build_time", "faith_threshold",
                                              "risk_threshold"],
                              outputs=["behaviour_at_horizon"])
    loose = unresolved_indices(res["behaviour_at_horizon"])
    assert bool(loose) == any(issubclass(w.category, SensitivityWarning) for w in caught)
    assert bool(loose) == ("Not resolved by the sample" in (tmp_path / "notes.md").read_text())
    assert set(res) == {"behaviour_at_horizon"}
    for name in ("problem.json", "sobol_behaviour_at_horizon.csv",
                 "sobol_behaviour_at_horizon.png", "notes.md"):
        assert (tmp_path / name).stat().st_size > 0
    res = run_sensitivity(bundled("voluntary_buddying"), tmp_path, method="morris", n=4,
                          seed=1, params=["trust_build_time", "faith_threshold"],
                          outputs=["trust@12"], figures=False)
    assert (tmp_path / "morris_trust_at_12.csv").exists()


def test_cli_sensitivity(tmp_path, capsys):
    from iocdynamics.cli import main

    rc = main(["sensitivity", str(bundled("voluntary_buddying")), "--method", "morris",
               "-n", "4", "--params", "trust_build_time,faith_threshold",
               "--outputs", "behaviour_at_horizon", "-o", str(tmp_path), "--no-progress"])
    assert rc == 0
    assert (tmp_path / "morris_behaviour_at_horizon.png").exists()
    assert "faith_threshold" in capsys.readouterr().out
    rc = main(["sensitivity", str(bundled("voluntary_buddying")), "--params", "nope",
               "-o", str(tmp_path)])
    assert rc == 2
    assert "unknown parameter 'nope'" in capsys.readouterr().err
    rc = main(["sensitivity", str(bundled("voluntary_buddying")), "--groups", "foo",
               "-o", str(tmp_path)])
    assert rc == 2
    assert "the groups are context" in capsys.readouterr().err


def test_sensitivity_says_which_parameters_are_inactive_by_construction(tmp_path):
    """A parameter whose every term the scenario switches off is flagged, with why;
    its effect is exactly zero in the runs (checked, not assumed)."""
    from iocdynamics.assumptions import inactive_parameters
    from iocdynamics.scenario import load_scenario

    sc = load_scenario(bundled("imposed_buddying"))
    names = [p.name for p in PARAMETERS.values() if p.group == "mechanism"]
    off = [x.parameter for x in inactive_parameters(sc, names)]
    on = [n for n in names if n not in off]
    assert off and on
    params = off[:3] + on[:2]
    res = run_sensitivity(sc, tmp_path, method="morris", n=4, seed=2, params=params,
                          outputs=["behaviour_at_horizon", "trust@24"], figures=False)
    notes = (tmp_path / "notes.md").read_text()
    for df in res.values():
        assert list(df.index[df["inactive"]]) == off[:3]
        assert (df.loc[off[:3], ["mu_star", "sigma"]] == 0).all().all()
    for p in off[:3]:
        assert f"- {p}: no effect by construction" in notes
