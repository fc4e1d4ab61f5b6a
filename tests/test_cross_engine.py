"""Every open SD engine runs the generated model files unedited and agrees with the fast
engine to 1e-9 on every variable at every saved month.

Engines and the formats they read: PySD, Simlin and SDEverywhere (``.mdl`` and
``.xmile``), BPTK-Py and asdm (``.xmile``). Three cases: the committed files (registry
defaults, no events); files written for a bundled scenario in which the partnership
dissolves; files written for the bundled scenario with the most events, with every
policy lever and the contract changed mid-run. SDEverywhere needs node and npm and is
marked slow (``make test-slow``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iocdynamics import PARAMETERS, Scenario, export_models, load_scenario, simulate

from .conftest import ROOT, SCENARIOS
from .sd_engines import ENGINES, sdeverywhere_ready

CASES = ("defaults", "dissolution", "events_and_lever_changes")
TOLERANCE = 1e-9


def _pairs():
    for engine, (_, kinds) in ENGINES.items():
        for kind in kinds:
            marks = [pytest.mark.slow] if engine == "sdeverywhere" else []
            yield pytest.param(engine, kind, marks=marks, id=f"{engine}-{kind}")


def _bundled() -> list[Scenario]:
    return [load_scenario(p) for p in sorted(SCENARIOS.glob("*.toml"))]


def _dissolving() -> Scenario:
    for sc in _bundled():
        if simulate(sc, engine="fast", columns=["active"])["active"].min() == 0:
            return sc
    raise AssertionError("no bundled scenario dissolves: the dissolution case needs one")


def _with_lever_changes() -> Scenario:
    """The bundled scenario with the most events, every lever moved an eighth of the way
    towards its farther bound (booleans switched) at staggered months, and the
    contract changed twice."""
    base = max(_bundled(), key=lambda sc: len({e.kind for e in sc.events}))
    levers = [p for p in PARAMETERS.values()
              if p.group == "lever" and not p.name.startswith("contract_")]
    changes = [{"at": 8.0, "lever": "contract", "value": "mou"},
               {"at": base.final_time - 16, "lever": "contract", "value": "binding"}]
    for k, p in enumerate(levers):
        at = 10.0 + k * (base.final_time - 20) / len(levers)
        d = float(base.values[p.name])
        if p.kind == "bool":
            value = not bool(d)
        else:
            far = p.upper if p.upper - d >= d - p.lower else p.lower
            value = d + (far - d) / 8
            value = round(value) if p.kind == "int" else value
        changes.append({"at": at, "lever": p.name, "value": value})
    return Scenario.from_dict({**base.to_dict(), "name": f"{base.name} with lever changes",
                               "lever_changes": changes}, source="lever changes")


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> dict[str, tuple[Scenario, Path]]:
    """Case -> (scenario, folder holding ioc.mdl and ioc.xmile for it)."""
    out = {"defaults": (Scenario(), ROOT / "models")}
    for name, sc in (("dissolution", _dissolving()),
                     ("events_and_lever_changes", _with_lever_changes())):
        folder = tmp_path_factory.mktemp(name)
        export_models(folder, sc)
        out[name] = (sc, folder)
    return out


_REFERENCE: dict[str, pd.DataFrame] = {}


def _reference(case: str, sc: Scenario) -> pd.DataFrame:
    """The fast engine's run of a case (every stock, auxiliary and flow)."""
    if case not in _REFERENCE:
        _REFERENCE[case] = simulate(sc, engine="fast", columns="all")
    return _REFERENCE[case]


def _at_times(df: pd.DataFrame, times: np.ndarray, label: str) -> pd.DataFrame:
    index = df.index.to_numpy(dtype=float)
    pos = np.searchsorted(index, times - 1e-9)
    ok = (pos < len(index)) & (np.abs(index[np.minimum(pos, len(index) - 1)] - times) < 1e-9)
    assert ok.all(), f"{label}: no rows at months {times[~ok][:5]}"
    return df.iloc[pos]


def assert_agrees(df: pd.DataFrame, reference: pd.DataFrame, label: str) -> None:
    """Every reference variable, at every reference time, within TOLERANCE."""
    missing = [c for c in reference.columns if c not in df.columns]
    assert not missing, f"{label}: the engine reports no {missing[:8]}"
    got = _at_times(df, reference.index.to_numpy(dtype=float), label)[list(reference.columns)]
    a, b = got.to_numpy(dtype=float), reference.to_numpy(dtype=float)
    assert np.isfinite(a).all(), f"{label}: non-finite values"
    err = np.abs(a - b)
    i, j = np.unravel_index(np.argmax(err), err.shape)
    assert err[i, j] <= TOLERANCE, (
        f"{label}: {reference.columns[j]} at month {reference.index[i]} is {a[i, j]!r}, "
        f"the fast engine has {b[i, j]!r}")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("engine,kind", list(_pairs()))
def test_engine_runs_the_file_unedited_and_agrees_with_the_fast_engine(cases, engine, kind,
                                                                       case):
    if engine == "sdeverywhere":
        reason = sdeverywhere_ready()
        if reason:
            pytest.skip(reason)
    sc, folder = cases[case]
    runner, _ = ENGINES[engine]
    df = runner(folder / f"ioc.{kind}")
    assert_agrees(df, _reference(case, sc), f"{engine} on {case} ioc.{kind}")


def test_cases_exercise_dissolution_events_and_lever_changes(cases):
    dissolving, _ = cases["dissolution"]
    active = _reference("dissolution", dissolving)["active"]
    assert active.iloc[0] == 1 and active.iloc[-1] == 0
    sc, folder = cases["events_and_lever_changes"]
    assert len({e.kind for e in sc.events}) >= 3 and len(sc.lever_changes) >= 3
    assert any(e.leadership_quality is not None for e in sc.events)
    # the files carry the timeline: an event input is a step function of the clock
    assert "IF THEN ELSE(Time < " in (folder / "ioc.mdl").read_text(encoding="utf-8")
    assert "(IF (TIME &lt; " in (folder / "ioc.xmile").read_text(encoding="utf-8")
    # and the lever changes move the trajectories
    moved = _reference("events_and_lever_changes", sc)
    plain = simulate(sc.__class__.from_dict({**sc.to_dict(), "lever_changes": []}),
                     engine="fast", columns="all")
    assert np.abs(moved.to_numpy() - plain.to_numpy()).max() > 1e-3


def test_pysd_saves_every_time_step_of_the_xmile_file():
    """XMILE has no save interval: PySD reports every time step of the .xmile file and
    every SAVEPER of the .mdl file (documented in the README)."""
    sc = Scenario()
    mdl = ENGINES["pysd"][0](ROOT / "models" / "ioc.mdl")
    xml = ENGINES["pysd"][0](ROOT / "models" / "ioc.xmile")
    assert len(mdl) == round(sc.final_time / sc.save_interval) + 1
    assert len(xml) == round(sc.final_time / sc.time_step) + 1
