"""The EMA Workbench adapter: a callable model whose outcomes equal the metrics of
single simulations, and PRIM on experiment results."""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics.experiments.ema import describe_box, ema_model, import_ema, prim_discovery
from iocdynamics.experiments.metrics import compute_metrics_arrays
from iocdynamics.simulation import simulate

from .conftest import bundled

pytestmark = [
    pytest.mark.filterwarnings("ignore:ipyparallel not installed:UserWarning"),
    pytest.mark.filterwarnings("ignore:altair based interactive:ImportWarning"),
]

BASE = bundled("mandated_cross_sector_system")


def test_model_declares_registry_levers_uncertainties_and_metric_outcomes():
    ema = import_ema()
    model = ema_model(BASE)
    levers = {p.name: p for p in model.levers}
    assert isinstance(levers["contract"], ema.CategoricalParameter)
    assert isinstance(levers["external_broker"], ema.BooleanParameter)
    assert isinstance(levers["formalisation"], ema.RealParameter)
    assert "contract_is_mou" not in levers
    unc = {p.name for p in model.uncertainties}
    assert {"mandated", "history_of_collaboration", "trust_build_time"} <= unc
    assert not unc & set(levers)
    assert [o.name for o in model.outcomes][:2] == ["time_to_synergy", "reached_synergy"]
    with pytest.raises(KeyError, match="did you mean 'formalisation'"):
        ema_model(BASE, levers=["formalization"])
    with pytest.raises(ValueError, match="both a lever and an uncertainty"):
        ema_model(BASE, levers=["formalisation"], uncertainties=["formalisation"])


def test_perform_experiments_outcomes_equal_simulate_and_metrics():
    ema = import_ema()
    model = ema_model(BASE, levers=["contract", "formalisation", "external_broker"],
                      uncertainties={"history_of_collaboration": (0.1, 0.6),
                                     "trust_build_time": (3, 12),
                                     "number_of_organisations": (2, 12)})
    with ema.SequentialEvaluator(model) as ev:
        experiments, outcomes = ema.perform_experiments(model, scenarios=3, policies=2,
                                                        evaluator=ev)
    assert len(experiments) == 6
    for i, row in experiments.iterrows():
        values = {"contract_is_mou": float(row["contract"] == "mou"),
                  "contract_is_binding": float(row["contract"] == "binding"),
                  "formalisation": float(row["formalisation"]),
                  "external_broker": float(bool(row["external_broker"])),
                  "history_of_collaboration": float(row["history_of_collaboration"]),
                  "trust_build_time": float(row["trust_build_time"]),
                  "number_of_organisations": float(row["number_of_organisations"])}
        df = simulate(BASE, engine="fast",
                      columns=["collaborative_behaviour", "performance", "active"], **values)
        ref = compute_metrics_arrays(df.index.to_numpy(), df["collaborative_behaviour"].values,
                                     df["performance"].values, df["active"].values)
        for name, v in ref.items():
            np.testing.assert_allclose(outcomes[name][i], v, rtol=1e-12, equal_nan=True,
                                       err_msg=name)


def test_prim_finds_the_inputs_that_drive_dissolution(tmp_path):
    from iocdynamics.experiments.runner import run_experiment
    from iocdynamics.experiments.spec import parse_experiment

    spec = parse_experiment({
        "name": "prim", "base": str(BASE), "members": 30, "seed": 4,
        "levers": {"conflict_resolution": [0.0, 1.0], "external_broker": [False, True]},
        "uncertainty": {"parameters": {"history_of_collaboration": [0.1, 0.4],
                                       "power_imbalance": [0.4, 0.8]}}},
        source="prim.toml")
    res = run_experiment(spec, tmp_path, figures=False)
    share = float(res.ensemble["dissolved"].mean())
    # the design spans partnerships that dissolve and ones that do not (L3, A3): with
    # nothing to contrast, PRIM would have nothing to discover
    assert 0.1 < share < 0.9, share
    p, box = prim_discovery(tmp_path, outcome="dissolved", threshold=0.8, max_dims=3)
    stats, limits = describe_box(p, box)
    # the box concentrates dissolution well beyond its base rate, and names what
    # drives it: no constructive approach to conflict resolution (A3)
    assert stats["density"] >= 0.8 > share
    assert "conflict_resolution" in set(limits["input"])
    assert 0 < stats["coverage"] <= 1
    assert stats["restricted_dimensions"] == len(limits) <= 3
    with pytest.raises(KeyError, match="unknown outcome"):
        prim_discovery(tmp_path, outcome="nope")
