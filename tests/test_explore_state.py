"""The explorer's logic without a browser: controls from the registry, what is on the
page -> Scenario -> TOML -> load_scenario -> simulate, readable errors, the figure."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iocdynamics import EVENT_KINDS, PARAMETERS, Event, Scenario, load_scenario, simulate
from iocdynamics.cli import main
from iocdynamics.explore.controls import controls, grouped_controls, nice_step
from iocdynamics.explore.state import (
    Setting,
    SettingError,
    file_stem,
    horizon_summary,
    scenario_from_setting,
    scenario_from_toml,
    scenario_to_toml,
    setting_of,
    trajectories_csv,
)
from iocdynamics.scenario import ScenarioError

from .conftest import SCENARIOS

BUNDLED = sorted(SCENARIOS.glob("*.toml"))


def _same_scenario(a: Scenario, b: Scenario) -> None:
    assert dict(a.values) == dict(b.values)
    assert a.events == b.events
    assert a.lever_changes == b.lever_changes
    assert (a.final_time, a.time_step, a.save_interval) == \
        (b.final_time, b.time_step, b.save_interval)
    assert a.name == b.name


# ------------------------------------------------------------------ controls
def test_every_context_item_and_lever_has_one_control_with_its_help():
    ctrls = {c.name: c for c in controls()}
    assert len(ctrls) == len(controls())
    for p in PARAMETERS.values():
        if p.name in ("contract_is_mou", "contract_is_binding"):
            c = ctrls["contract"]
            assert c.widget == "choice" and set(c.choices) == {"none", "mou", "binding"}
        else:
            c = ctrls[p.name]
            assert (c.lower, c.upper, c.units) == (p.lower, p.upper, p.units)
            assert c.widget == {"bool": "bool", "int": "int"}.get(p.kind, "slider")
            assert p.description in c.help
            if p.kind not in ("bool",):
                assert f"Range {p.lower:g} to {p.upper:g}" in c.help
        for claim in p.claims:
            assert re.search(rf"Claims:.*\b{claim}\b", c.help), (p.name, claim)


def test_controls_are_grouped_context_then_levers():
    groups = grouped_controls()
    keys = [g[0] for g in groups]
    assert keys[:2] == ["context", "lever"]
    for key, _, _, sectors in groups:
        for _, ctrls in sectors:
            assert all(c.group == key for c in ctrls)
    contract = next(c for _, _, _, s in groups for _, cs in s for c in cs
                    if c.name == "contract")
    assert contract.group == "lever"


@given(st.floats(0, 50), st.floats(1e-3, 200))
def test_slider_steps_are_round_and_fine(lower, span):
    lower = round(lower, 2)
    upper = lower + round(span, 3)
    if upper <= lower:
        return
    step = nice_step(lower, upper)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1, 2, 5))
    assert step <= (upper - lower) / 100 * 1.0001


def test_slider_grids_hold_the_bounds_and_the_defaults():
    for c in controls():
        if c.widget != "slider":
            continue
        default = PARAMETERS[c.name].default
        for x in (c.lower, c.upper, default):
            k = (x - c.lower) / c.step
            assert abs(k - round(k)) < 1e-6, (c.name, x, c.step)


# ------------------------------------------------------------------ page <-> scenario
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_page_shows_a_scenario_and_gives_it_back(path):
    sc = load_scenario(path)
    again = scenario_from_setting(setting_of(sc))
    _same_scenario(sc, again)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_downloaded_toml_round_trips_to_the_shown_values(path, tmp_path):
    sc = scenario_from_setting(setting_of(load_scenario(path)))
    shown = simulate(sc)
    f = tmp_path / "setting.toml"
    f.write_text(scenario_to_toml(sc), encoding="utf-8")
    back = load_scenario(f)
    _same_scenario(sc, back)
    pd.testing.assert_frame_equal(simulate(back), shown, check_exact=True)


def test_iocdyn_run_reproduces_the_downloaded_csv_byte_for_byte(tmp_path):
    sc = load_scenario(BUNDLED[0])
    setting = setting_of(sc)
    values = dict(setting.values)
    values["formalisation"] = 0.73
    values["contract"] = "binding"
    events = list(setting.events) + [{"at": "7", "kind": "quick_win", "size": "0.5",
                                      "leadership_quality": None, "note": ""}]
    changes = [{"at": 24, "lever": "evaluation_interval", "value": "3"}]
    sc = scenario_from_setting(replace(setting, values=values, events=events,
                                       lever_changes=changes))
    toml_file, out = tmp_path / "s.toml", tmp_path / "run.csv"
    toml_file.write_text(scenario_to_toml(sc), encoding="utf-8")
    assert main(["run", str(toml_file), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == trajectories_csv(simulate(sc))


_levers = [p for p in PARAMETERS.values() if p.group in ("context", "lever")
           and not p.name.startswith("contract_")]


@st.composite
def settings_(draw):
    base = setting_of(Scenario(name="drawn"))
    values = dict(base.values)
    for p in _levers:
        if p.kind == "bool":
            values[p.name] = draw(st.sampled_from([0, 1]))
        elif p.kind == "int":
            values[p.name] = draw(st.integers(int(p.lower), int(p.upper)))
        else:
            values[p.name] = draw(st.floats(p.lower, p.upper, allow_nan=False))
    values["contract"] = draw(st.sampled_from(["none", "mou", "binding"]))
    months = draw(st.lists(st.integers(0, 59 * 8), max_size=4, unique=True))
    events = [{"at": m / 8, "kind": draw(st.sampled_from(EVENT_KINDS)),
               "size": draw(st.floats(0.01, 1.0)), "leadership_quality": None, "note": ""}
              for m in months]
    changes = [{"at": draw(st.integers(0, 59)), "lever": "formalisation",
                "value": draw(st.floats(0, 1))} for _ in range(draw(st.integers(0, 2)))]
    return replace(base, values=values, events=events, lever_changes=changes)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settings_())
def test_any_setting_round_trips_through_toml_exactly(setting):
    sc = scenario_from_setting(setting)
    back = scenario_from_toml(scenario_to_toml(sc), "drawn.toml")
    _same_scenario(sc, back)
    pd.testing.assert_frame_equal(simulate(back), simulate(sc), check_exact=True)


# ------------------------------------------------------------------ readable errors
def _default_setting(**kw) -> Setting:
    return replace(setting_of(Scenario()), **kw)


@pytest.mark.parametrize("change, words", [
    ({"events": [{"at": "abc", "kind": "quick_win"}]}, ["event 1", "'abc'", "not a number"]),
    ({"events": [{"at": 99, "kind": "quick_win"}]}, ["event 1", "99", "out of range",
                                                     "0 to 60"]),
    ({"events": [{"at": 5, "kind": "merger"}]}, ["event 1", "merger", "quick_win"]),
    ({"events": [{"at": 5, "kind": "quick_win", "size": 3}]}, ["size", "3", "up to 1"]),
    ({"events": [{"at": "", "kind": "quick_win"}]}, ["event 1", "month is empty"]),
    ({"lever_changes": [{"at": 3, "lever": "contract", "value": "handshake"}]},
     ["lever change 1", "handshake", "binding"]),
    ({"lever_changes": [{"at": 3, "lever": "ambition", "value": "lots"}]},
     ["lever change 1", "'lots'", "not a number"]),
    ({"clock": {"final_time": 5000, "time_step": 0.125, "save_interval": 1}},
     ["final_time", "5000", "1 to 1200"]),
])
def test_bad_values_give_a_message_that_names_the_place(change, words):
    with pytest.raises((SettingError, ScenarioError)) as err:
        scenario_from_setting(_default_setting(**change))
    msg = str(err.value)
    assert "current setting" in msg
    for w in words:
        assert w in msg, (w, msg)
    assert "Traceback" not in msg


def test_out_of_range_and_empty_controls_are_named():
    s = setting_of(Scenario())
    with pytest.raises(ScenarioError, match=r"formalisation = 1\.5 is out of range; allowed "
                                            r"0 to 1"):
        scenario_from_setting(replace(s, values={**s.values, "formalisation": 1.5}))
    with pytest.raises(SettingError, match="control 'ambition' is empty"):
        scenario_from_setting(replace(s, values={**s.values, "ambition": None}))
    with pytest.raises(SettingError, match="whole number"):
        scenario_from_setting(replace(s, values={**s.values, "number_of_organisations": 2.5}))


def test_an_upload_that_is_not_a_scenario_names_the_file():
    with pytest.raises(ScenarioError, match=r"^mine\.toml: not valid TOML"):
        scenario_from_toml(b"[context\n", "mine.toml")
    with pytest.raises(ScenarioError, match=r"^mine\.toml: not a text file"):
        scenario_from_toml(b"\xff\xfe\x00", "mine.toml")
    with pytest.raises(ScenarioError, match=r"mine\.toml: \[levers\] formalisation = 2"):
        scenario_from_toml(b"[levers]\nformalisation = 2\n", "mine.toml")


def test_file_stem_keeps_downloads_plain():
    assert file_stem("Fig. 5 voluntary partnership") == "Fig._5_voluntary_partnership"
    assert file_stem("../../etc/passwd") == "etc_passwd"
    assert file_stem("  ") == "scenario"


# ------------------------------------------------------------------ reading the result
def test_summary_states_synergy_inertia_and_dissolution():
    t = pd.Index([0.0, 1.0, 2.0], name="time")
    rising = pd.DataFrame({"collaborative_behaviour": [0.1, 0.5, 0.6],
                           "performance": [0.0, 0.01, 0.02], "active": [1, 1, 1]}, index=t)
    lines = horizon_summary(rising, 0.4)
    assert "0.60, in synergy" in lines[0] and "month 1." in lines[1]
    falling = pd.DataFrame({"collaborative_behaviour": [0.3, 0.2, 0.1],
                            "performance": [0.0, -0.1, -0.2], "active": [1, 0, 0]}, index=t)
    lines = horizon_summary(falling, 0.4, baseline=rising)
    text = " ".join(lines)
    assert "0.10, in inertia" in text and "dissolved at month 1" in text
    assert "difference -0.50" in text


# ------------------------------------------------------------------ the figure
def test_figure_draws_the_simulated_values_shading_and_markers():
    from iocdynamics.explore.views import SYNERGY_THRESHOLD, key_stocks, trajectory_figure

    sc = load_scenario(SCENARIOS / "fig5_voluntary_partnership.toml")
    df = simulate(sc)
    base = simulate(sc.with_values(formalisation=0.0))
    fig = trajectory_figure(df, sc, baseline=base, baseline_name="no formalisation")
    current = {t["meta"]["column"]: t for t in fig["data"] if t["meta"]["role"] == "current"}
    assert list(current) == list(key_stocks())
    for c, trace in current.items():
        np.testing.assert_array_equal(trace["y"], df[c].to_numpy())
        np.testing.assert_array_equal(trace["x"], df.index.to_numpy())
    baseline = [t for t in fig["data"] if t["meta"]["role"] == "baseline"]
    assert len(baseline) == len(current)
    shapes = fig["layout"]["shapes"]
    rects = [s for s in shapes if s["type"] == "rect"]
    assert any(s["y0"] == SYNERGY_THRESHOLD and s["fillcolor"] == "#2ca02c" for s in rects)
    assert any(s["y1"] == SYNERGY_THRESHOLD and s["fillcolor"] == "#d62728" for s in rects)
    event_lines = {s["x0"] for s in shapes if s["type"] == "line" and s["xref"] != "paper"
                   and s.get("line", {}).get("dash") == "dot"}
    assert event_lines == {e.at for e in sc.events}
    letters = [a for a in fig["layout"]["annotations"] if a.get("hovertext")]
    described = " ".join(a["hovertext"] for a in letters)
    for e in sc.events:
        assert f"month {e.at:g}: " in described and f"(event {e.note})" in described


def test_timeline_marks_share_a_letter_only_when_close():
    from iocdynamics.explore.views import timeline_marks

    sc = Scenario(events=(Event(10, "quick_win"), Event(11, "task_failure"),
                          Event(30, "staff_loss")), final_time=60)
    marks = timeline_marks(sc)
    assert [m.letter for m in marks] == ["A", "B"]
    assert [m.at for m in marks] == [10, 30]
    assert marks[0].text == "month 10: quick win; month 11: task failure"


def test_figure_marks_dissolution():
    from iocdynamics.explore.views import trajectory_figure

    sc = load_scenario(SCENARIOS / "mandated_cross_sector_system.toml")
    df = simulate(sc)
    if not (df["active"] < 0.5).any():
        pytest.skip("this scenario no longer dissolves")
    t0 = float(df.index[np.argmax(df["active"].to_numpy() < 0.5)])
    fig = trajectory_figure(df, sc)
    assert any(s["type"] == "rect" and s["x0"] == t0 for s in fig["layout"]["shapes"])
    assert any(f"dissolved at month {t0:g}" in a["text"] for a in fig["layout"]["annotations"])


def test_uncertainty_band_holds_runs_around_the_setting():
    from iocdynamics.explore.views import band_bounds, uncertainty_band

    sc = load_scenario(SCENARIOS / "voluntary_buddying.toml")
    cols = ["trust", "collaborative_behaviour"]
    for name, (lo, hi) in band_bounds(sc, 0.25).items():
        p = PARAMETERS[name]
        assert p.lower <= lo <= sc.values[name] <= hi <= p.upper
    wide = uncertainty_band(sc, 0.25, cols, members=60)
    assert all((wide.lower[c] <= wide.upper[c] + 1e-15).all() for c in cols)
    assert (wide.upper["trust"] - wide.lower["trust"]).max() > 1e-3
    # with no spread every member is the scenario itself: the band is its trajectory
    none = uncertainty_band(sc, 0.0, cols, members=8)
    df = simulate(sc)
    for c in cols:
        np.testing.assert_allclose(none.lower[c], df[c].to_numpy(), atol=1e-12)
        np.testing.assert_allclose(none.upper[c], df[c].to_numpy(), atol=1e-12)


def test_the_page_has_a_control_for_every_parameter():
    from iocdynamics.explore.app import build_app

    app = build_app(SCENARIOS / "fig5_voluntary_partnership.toml")
    text = str(app.layout.to_plotly_json())
    for c in controls():
        assert f"control-{c.name}'" in text, c.name


def test_a_bad_scenario_file_stops_before_serving(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[levers]\nformalisation = 3\n")
    assert main(["explore", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "formalisation" in err and "0 to 1" in err


def test_events_added_on_the_page_reach_the_scenario():
    s = setting_of(Scenario())
    sc = scenario_from_setting(replace(s, events=[{"at": "12", "kind": "quick_win",
                                                   "size": "", "note": "first"}]))
    assert sc.events == (Event(12.0, "quick_win", 1.0, None, "first"),)


def test_differences_name_what_changed_against_the_baseline():
    from iocdynamics.explore.state import differences

    a = Scenario()
    b = a.with_values(mandated=1.0, formalisation=0.25, contract_is_mou=1.0)
    b = replace(b, events=(Event(3, "quick_win"),), final_time=48)
    diff = differences(a, b)
    assert "mandated: no -> yes" in diff
    assert "formalisation: 0 -> 0.25" in diff
    assert "contract: none -> mou" in diff
    assert "final time: 60 -> 48" in diff
    assert "events (0 -> 1)" in diff
    assert differences(a, a) == []


def test_timeline_cells_regroup_into_rows_and_insert_by_month():
    from iocdynamics.explore.timeline import insert_by_month, next_key, rows_from_cells

    ids = [{"table": "events", "field": f, "row": r} for r in (3, 0) for f in ("at", "kind")]
    rows = rows_from_cells(ids, ["5", "quick_win", "abc", "staff_loss"])
    assert rows == [(3, {"at": "5", "kind": "quick_win"}),
                    (0, {"at": "abc", "kind": "staff_loss"})]
    assert next_key([3, 0]) == 4 and next_key([]) == 0
    out = insert_by_month(rows, 4, {"at": 2, "kind": "task_failure"})
    assert [k for k, _ in out] == [4, 3, 0]  # before month 5; 'abc' counts as late
    out = insert_by_month(out, 5, {"at": "5", "kind": "staff_loss"})
    assert [k for k, _ in out] == [4, 3, 5, 0]  # after the equal month


def test_lever_change_choices_cover_every_lever():
    from iocdynamics.explore.timeline import lever_names

    levers = {p.name for p in PARAMETERS.values() if p.group == "lever"}
    assert set(lever_names()) == (levers - {"contract_is_mou", "contract_is_binding"}) \
        | {"contract"}


def test_controls_sit_under_a_sector_whose_equations_use_them():
    from iocdynamics.explore.controls import model_sectors
    from iocdynamics.model import build_model

    m = build_model()
    exprs = [(s.sector, s.initial) for s in m.stocks] + \
        [(a.sector, a.expr) for a in m.auxiliaries] + [(f.sector, f.expr) for f in m.flows]
    for c in controls():
        names = ("contract_is_mou", "contract_is_binding") if c.name == "contract" \
            else (c.name,)
        if not c.sector:
            continue
        assert c.sector in model_sectors()
        assert any(sec == c.sector and any(s.name in names for s in e.free_symbols)
                   for sec, e in exprs), c.name
