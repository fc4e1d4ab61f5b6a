"""Scenario files: defaults, validation errors that name the place and the fix."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iocdynamics.registry import PARAMETERS
from iocdynamics.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    shortest_time_constant,
)

from .conftest import SCENARIOS


def write(tmp_path, text: str):
    p = tmp_path / "case.toml"
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path, text: str) -> str:
    with pytest.raises(ScenarioError) as exc:
        Scenario.from_file(write(tmp_path, text))
    return str(exc.value)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_each_key_sets_only_its_own_value(data):
    """A key given in a scenario sets that constant and nothing else; every key left
    out keeps the value of a scenario that gives none."""
    name = data.draw(st.sampled_from([k for k in PARAMETERS if not k.startswith("contract_")]))
    p = PARAMETERS[name]
    table = {"context": "context", "lever": "levers"}.get(p.group, "parameters")
    if p.kind == "bool":
        value = data.draw(st.booleans())
    elif p.kind == "int":
        value = data.draw(st.integers(int(p.lower), int(p.upper)))
    else:
        value = data.draw(st.floats(p.lower, p.upper))
    # the default time step must stay valid: keep adjustment times off their floor
    if p.units == "Month" and p.group == "mechanism":
        value = max(value, 4 * p.lower)
    bare = Scenario.from_dict({})
    sc = Scenario.from_dict({table: {name: value}})
    assert sc.values[name] == float(value)
    assert {k: v for k, v in sc.values.items() if k != name} == \
        {k: v for k, v in bare.values.items() if k != name}


def test_the_default_time_step_is_valid_across_the_registry_bounds():
    """The default step (half the shortest adjustment time the bounds allow) keeps
    Euler steps convex combinations for every parameter set inside the bounds: at
    the corner with every time at its lower bound and every rate, speed-up and event
    effect at its upper bound, the default scenario clock is accepted, and a step
    twice as long is refused."""
    corner = {p.name: (p.lower if p.units == "Month" else p.upper)
              for p in PARAMETERS.values() if p.group == "mechanism"}
    sc = Scenario.from_dict({"parameters": corner})
    assert shortest_time_constant(sc.values) >= 2 * sc.time_step
    with pytest.raises(ScenarioError, match="too long"):
        Scenario.from_dict({"parameters": corner,
                            "simulation": {"time_step": 2 * sc.time_step}})


def test_the_issue_example_vocabulary_loads(tmp_path):
    text = """
name = "voluntary buddying"
[simulation]
final_time = 60
time_step = 0.125
[context]
history_of_collaboration = 0.8
partner_reputation = 0.7
legacy_of_failures = 0.1
financial_constraints = 0.3
regulatory_support = 0.6
organisation_size = 0.3
number_of_organisations = 2
cross_sector = false
mandated = false
integration = 0.2
stakeholder_involvement = 0.6
professional_threat = 0.2
geographic_proximity = 0.7
it_compatibility = 0.5
cultural_distance = 0.3
power_imbalance = 0.2
leadership_quality = 0.7
[levers]
contract = "none"
formalisation = 0.0
evaluation_interval = 6
ambition = 1.0
meeting_frequency = 1.0
conflict_resolution = 0.5
external_broker = false
joint_appointments = 0.0
patient_public_engagement = 0.5
[[events]]
at = 12
kind = "quick_win"
size = 1.0
"""
    sc = Scenario.from_file(write(tmp_path, text))
    assert sc.values["history_of_collaboration"] == 0.8
    assert sc.values["contract_is_mou"] == 0 and sc.values["contract_is_binding"] == 0
    assert sc.events[0].kind == "quick_win" and sc.events[0].at == 12


def test_out_of_range_names_file_key_value_and_range(tmp_path):
    msg = error_of(tmp_path, "[context]\nhistory_of_collaboration = 1.5\n")
    assert "case.toml" in msg and "history_of_collaboration" in msg and "1.5" in msg
    assert "0 to 1" in msg


def test_unknown_key_suggests_the_closest(tmp_path):
    msg = error_of(tmp_path, "[context]\nhistory_of_colaboration = 0.5\n")
    assert "unknown key 'history_of_colaboration'" in msg
    assert "did you mean 'history_of_collaboration'" in msg


def test_wrong_types_are_rejected(tmp_path):
    assert "expected true or false" in error_of(tmp_path, "[context]\nmandated = 1\n")
    assert "whole number" in error_of(tmp_path, "[context]\nnumber_of_organisations = 2.5\n")
    assert "wrong type" in error_of(tmp_path, "[levers]\nformalisation = \"high\"\n")


def test_contract_vocabulary(tmp_path):
    msg = error_of(tmp_path, "[levers]\ncontract = \"handshake\"\n")
    assert "'none', 'mou', 'binding'" in msg
    sc = Scenario.from_dict({"levers": {"contract": "binding"}})
    assert sc.values["contract_is_binding"] == 1 and sc.values["contract_is_mou"] == 0


@pytest.mark.parametrize("event, fragment", [
    ("at = 12\nkind = \"merger\"", "not an event kind the model has"),
    ("at = 75\nkind = \"quick_win\"", "out of range"),
    ("at = 5\nkind = \"quick_win\"\nsize = 0", "size = 0"),
    ("kind = \"quick_win\"", "needs both 'at'"),
    ("at = 5\nkind = \"quick_win\"\nleadership_quality = 0.5", "only allowed on a leadership"),
])
def test_bad_events(tmp_path, event, fragment):
    msg = error_of(tmp_path, f"[[events]]\n{event}\n")
    assert "event 1" in msg and fragment in msg


def test_two_events_of_a_kind_in_one_step_are_rejected(tmp_path):
    msg = error_of(tmp_path, "[[events]]\nat = 5\nkind = \"quick_win\"\n"
                             "[[events]]\nat = 5.01\nkind = \"quick_win\"\n")
    assert "same time step" in msg


def test_time_step_too_long_for_the_fastest_adjustment(tmp_path):
    msg = error_of(tmp_path, "[simulation]\ntime_step = 1.0\nfinal_time = 60\n")
    assert "time_step = 1" in msg and "Euler" in msg


def test_save_interval_must_fit_the_grid(tmp_path):
    msg = error_of(tmp_path, "[simulation]\nsave_interval = 0.3\n")
    assert "save_interval" in msg and "multiple" in msg


def test_invalid_toml_names_the_file(tmp_path):
    assert "case.toml: not valid TOML" in error_of(tmp_path, "[context\n")


def test_lever_change_validation(tmp_path):
    msg = error_of(tmp_path, "[[lever_changes]]\nat = 10\nlever = \"formalisation\"\n"
                             "value = 2\n")
    assert "formalisation" in msg and "0 to 1" in msg
    msg = error_of(tmp_path, "[[lever_changes]]\nat = 10\nlever = \"history_of_collaboration\""
                             "\nvalue = 0.2\n")
    assert "unknown key 'history_of_collaboration'" in msg


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_bundled_scenarios_load_and_round_trip(path):
    sc = load_scenario(path)
    again = Scenario.from_dict(sc.to_dict(), source=str(path))
    assert dict(again.values) == dict(sc.values)
    assert again.events == sc.events and again.claims == sc.claims
    assert sc.claims, "each bundled scenario says which claims it illustrates"


def test_events_become_impulses_on_the_grid():
    sc = Scenario.from_dict({"events": [{"at": 12, "kind": "quick_win", "size": 0.5}]})
    series = sc.input_series()["quick_win_input"]
    grid = sc.grid()
    assert np.isclose(np.sum(series) * sc.time_step, 0.5)
    assert series[np.argmin(np.abs(grid - 12))] == 0.5 / sc.time_step


_float_params = [p for p in PARAMETERS.values() if p.kind == "float"
                 and p.group in ("context", "lever")]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_in_range_context_and_levers_are_accepted(data):
    ctx = {}
    levers = {}
    for p in _float_params:
        v = data.draw(st.floats(p.lower, p.upper, allow_nan=False), label=p.name)
        (ctx if p.group == "context" else levers)[p.name] = v
    sc = Scenario.from_dict({"context": ctx, "levers": levers})
    for k, v in {**ctx, **levers}.items():
        assert math.isclose(sc.values[k], v)


def test_python_settings_speak_the_scenario_files_words():
    """simulate(sc, contract=..., mandated=...) is the file with those keys."""
    import iocdynamics as ioc

    base = {"context": {"history_of_collaboration": 0.6},
            "levers": {"formalisation": 0.4}}
    written = {"context": {**base["context"], "mandated": True},
               "levers": {**base["levers"], "contract": "mou", "evaluation_interval": 3}}
    a = ioc.simulate(base, contract="mou", mandated=True, evaluation_interval=3)
    b = ioc.simulate(written)
    assert a.equals(b)
    sc = Scenario.from_dict(base).with_values(contract="binding")
    assert sc.contract() == "binding"
    assert (sc.values["contract_is_mou"], sc.values["contract_is_binding"]) == (0.0, 1.0)
    # switching the contract through the word resets the other indicator
    assert Scenario.from_dict(written).with_values(contract="binding").contract() == "binding"


@pytest.mark.parametrize("kw, fragment", [
    ({"contract_is_mou": 1, "contract_is_binding": 1}, "set contract = 'mou'"),
    ({"contract": "mou", "contract_is_binding": 1}, "give contract = 'none', 'mou' or"),
    ({"contract": "contract"}, "use one of 'none', 'mou', 'binding'"),
    ({"mandatd": True}, "Did you mean 'mandated'?"),
])
def test_contradictory_or_unknown_settings_are_refused(kw, fragment):
    with pytest.raises(ScenarioError) as exc:
        Scenario.from_dict({}).with_values(**kw)
    assert fragment in str(exc.value)
    # the message names the settings, not every one of the model's constants
    assert len(str(exc.value)) < 400


def test_an_ensemble_table_cannot_hold_both_contracts():
    import pandas as pd

    from iocdynamics import simulate_ensemble

    binding = Scenario.from_dict({"levers": {"contract": "binding"}})
    table = pd.DataFrame({"contract_is_mou": [0.0, 1.0]})
    with pytest.raises(ScenarioError, match="row 1 sets contract_is_mou = 1"):
        simulate_ensemble(table, binding)


@pytest.mark.parametrize("text,message", [
    ("description = 3", "description must be a string."),
    ('claims = "P5"', 'claims must be a list of claim ids, e.g. ["P5", "T1"].'),
    ('claims = ["P5", 2]', 'claims must be a list of claim ids, e.g. ["P5", "T1"].'),
])
def test_description_and_claims_are_checked_naming_the_file(tmp_path, text, message):
    assert error_of(tmp_path, text) == f"{tmp_path / 'case.toml'}: {message}"
