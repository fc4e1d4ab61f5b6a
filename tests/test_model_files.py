"""The generated Vensim and XMILE files: up to date, reproducible, and equivalent in PySD."""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics import pysd_runner
from iocdynamics.model import build_model
from iocdynamics.export import MODEL_FILES, export_models, model_texts
from iocdynamics.registry import PARAMETERS
from iocdynamics.scenario import load_scenario
from iocdynamics.simulation import all_columns

from .conftest import SCENARIOS


def test_committed_model_files_are_up_to_date(root):
    texts = model_texts()
    for name in MODEL_FILES:
        committed = (root / "models" / name).read_text(encoding="utf-8")
        assert committed == texts[name], (
            f"models/{name} is stale: run `iocdyn export` (or `make models`) and commit it")


def test_export_is_byte_for_byte_reproducible(tmp_path):
    a = export_models(tmp_path / "a")
    b = export_models(tmp_path / "b")
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()


@pytest.fixture(scope="module")
def translated(tmp_path_factory):
    """PySD models translated from copies in a temporary folder."""
    return {kind: pysd_runner.load(kind) for kind in ("mdl", "xmile")}


def _doc_names(model) -> dict[str, str]:
    doc = model.doc
    return dict(zip(doc["Py Name"], doc["Type"]))


@pytest.mark.parametrize("kind", ["mdl", "xmile"])
def test_registry_names_match_pysd_doc(translated, kind):
    """One registry, projected everywhere: the constants PySD finds in each file are
    exactly the registry's parameters plus the event inputs."""
    names = _doc_names(translated[kind])
    control = {"initial_time", "final_time", "time_step", "saveper"}
    constants = {n for n, t in names.items() if t == "Constant"} - control
    m = build_model()
    expected = set(PARAMETERS) | {i.name for i in m.inputs}
    assert constants == expected
    stateful = {n for n, t in names.items() if t == "Stateful"}
    assert stateful == {s.name for s in m.stocks}


def test_units_and_ranges_reach_the_vensim_file(translated):
    doc = translated["mdl"].doc.set_index("Py Name")
    for p in PARAMETERS.values():
        assert doc.loc[p.name, "Units"] == p.units
        lims = doc.loc[p.name, "Limits"]
        assert tuple(float(x) for x in lims) == (p.lower, p.upper)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_vensim_and_xmile_give_the_same_trajectories(translated, path):
    sc = load_scenario(path)
    cols = all_columns()
    a = pysd_runner.run(sc, cols, kind="mdl")
    b = pysd_runner.run(sc, cols, kind="xmile")
    assert a.shape == b.shape and len(a) == len(sc.save_times())
    assert np.nanmax(np.abs(a.to_numpy() - b.to_numpy())) <= 1e-9


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_fast_engine_agrees_with_pysd_on_bundled_scenarios(path):
    from iocdynamics.simulation import run_fast

    sc = load_scenario(path)
    cols = all_columns()
    a = pysd_runner.run(sc, cols, kind="mdl")
    b = run_fast(sc, cols)
    assert np.nanmax(np.abs(a.to_numpy() - b.to_numpy())) <= 1e-9


def test_events_are_pysd_params_not_package_magic(translated):
    """A PySD user sets an event with a pandas Series, without this package."""
    import warnings

    import pandas as pd

    model = translated["mdl"]
    grid = np.arange(0, 60.125, 0.125)
    qw = np.zeros_like(grid)
    qw[grid == 12.0] = 1 / 0.125
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = model.run(params={"quick_win_input": 0.0}, return_columns=["trust"],
                         initial_condition="original")
        hit = model.run(params={"quick_win_input": pd.Series(qw, index=grid)},
                        return_columns=["trust"], initial_condition="original")
        model.run(params={"quick_win_input": 0.0}, initial_condition="original")
    before = hit.index < 12
    assert np.allclose(hit["trust"][before], base["trust"][before])
    assert (hit["trust"][hit.index > 12] > base["trust"][hit.index > 12]).all()


def test_sketch_places_every_variable_on_one_view(tmp_path):
    """PySD reads the sketch (split_views): three views, each variable on exactly one,
    the stocks and flows on the dynamics view."""
    import shutil
    import warnings

    import pysd

    src = tmp_path / "ioc.mdl"
    shutil.copyfile(pysd_runner.model_file("mdl"), src)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pysd.read_vensim(str(src), split_views=True)
    modules = model.modules
    assert len(modules) == 3
    placed = [v for names in modules.values() for v in names]
    assert len(placed) == len(set(placed))
    m = build_model()
    everything = set(PARAMETERS) | set(m.symbols) - {"time"}
    assert set(placed) == everything
    dynamics = next(names for key, names in modules.items() if "dynamics" in key)
    assert {s.name for s in m.stocks} | {f.name for f in m.flows} <= set(dynamics)
