"""Lists of scenario dicts, checked column-wise: the same members, inputs, numbers
and error messages as validating and running each dict on its own."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iocdynamics.ensembles import compute as ensemble_compute
from iocdynamics.ensembles import plan_ensemble, simulate_ensemble
from iocdynamics.ensembles.batch import check_dicts
from iocdynamics.model import EVENT_KINDS
from iocdynamics.registry import PARAMETERS
from iocdynamics.scenario import CONTRACTS, SETTINGS_KEYS, Scenario, ScenarioError

from .test_ensemble import assert_inputs_are_the_series

LEVERS = [k for k in SETTINGS_KEYS["levers"] if k != "contract"]
TABLES = {name: table for table, names in SETTINGS_KEYS.items() for name in names}
COLUMNS = ["trust", "performance", "active"]
CLOCKS = [(60.0, 0.125, 1.0), (24.0, 0.125, 0.5), (12.0, 0.0625, 0.25)]


def values_of(name: str) -> st.SearchStrategy:
    """Valid values of a scenario setting, as a file would give them."""
    if name == "contract":
        return st.sampled_from(CONTRACTS)
    p = PARAMETERS[name]
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "int":
        return st.integers(int(p.lower), int(p.upper))
    # the 0.125-month step stays valid: adjustment times off their floor
    lo = min(4 * p.lower, p.upper) if p.units == "Month" and p.group == "mechanism" else (
        p.lower)
    return st.one_of(st.floats(lo, p.upper), st.sampled_from(
        [x for x in range(int(np.ceil(lo)), int(p.upper) + 1)][:3] or [p.upper]))


@st.composite
def events(draw, final_time: float) -> list[dict]:
    out, seen = [], set()
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.one_of(st.integers(0, int(final_time) - 1),
                            st.sampled_from(np.arange(0, final_time - 0.5, 0.25).tolist())))
        kind = draw(st.sampled_from(EVENT_KINDS))
        if (kind, at) in seen:  # two of a kind in one step: invalid
            continue
        seen.add((kind, at))
        ev = {"at": at, "kind": kind}
        if draw(st.booleans()):
            ev["size"] = draw(st.floats(0.01, 1.0))
        if kind == "leadership_change" and draw(st.booleans()):
            ev["leadership_quality"] = draw(st.floats(0.0, 1.0))
        if draw(st.integers(0, 4)) == 0:
            ev["note"] = "event"
        out.append(ev)
    return out


@st.composite
def lever_changes(draw, final_time: float) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        lever = draw(st.sampled_from(LEVERS + ["contract"]))
        at = draw(st.one_of(st.integers(0, int(final_time) - 1),
                            st.floats(0.0, final_time - 1.0)))
        out.append({"at": at, "lever": lever, "value": draw(values_of(lever))})
    return out


@st.composite
def scenario_lists(draw) -> list[dict]:
    """Scenario dicts as a user builds them in a loop: one clock, any subset of the
    settings, tables shared between members or not, events and lever changes."""
    final_time, time_step, save_interval = draw(st.sampled_from(CLOCKS))
    names = [k for k in TABLES if k not in ("contract_is_mou", "contract_is_binding")]
    out: list[dict] = []
    for i in range(draw(st.integers(1, 6))):
        d: dict = {}
        if draw(st.booleans()):
            d["name"] = f"member {i}"
        if (final_time, time_step, save_interval) != CLOCKS[0] or draw(st.booleans()):
            d["simulation"] = {"final_time": final_time, "time_step": time_step,
                               "save_interval": save_interval}
        if out and draw(st.booleans()):  # a table shared with the previous member
            for t in SETTINGS_KEYS:
                if t in out[-1]:
                    d[t] = out[-1][t]
        for key in draw(st.lists(st.sampled_from(names), max_size=6, unique=True)):
            d.setdefault(TABLES[key], {})[key] = draw(values_of(key))
        if draw(st.booleans()):
            d["events"] = draw(events(final_time))
        if draw(st.integers(0, 2)) == 0:
            d["lever_changes"] = draw(lever_changes(final_time))
        out.append(d)
    return out


def _arrays_equal(a, b):
    for x, y in zip(a.inputs.arrays(), b.inputs.arrays(), strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)
    assert a.varying == b.varying and a.constants == b.constants
    assert a.coords.keys() == b.coords.keys()
    for k in a.coords:
        np.testing.assert_array_equal(a.coords[k], b.coords[k])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dicts=scenario_lists())
def test_lists_of_dicts_give_the_inputs_and_numbers_of_each_scenario_on_its_own(dicts):
    """A list of dicts is accepted by the column-wise check as it stands, and gives
    the inputs of the same scenarios as objects (``Scenario.from_dict`` one at a
    time), each member's input series on the grid, and bit for bit the numbers of
    running each scenario on its own."""
    scs = [Scenario.from_dict(d) for d in dicts]
    assert check_dicts(dicts)[1].all()  # the column-wise path, not the fallback
    plan = plan_ensemble(dicts)
    _arrays_equal(plan, plan_ensemble(scs))
    assert_inputs_are_the_series(plan, scs)
    ds = simulate_ensemble(dicts, columns=COLUMNS)
    for i, sc in enumerate(scs):
        alone = simulate_ensemble([sc], columns=COLUMNS)
        for c in COLUMNS:
            np.testing.assert_array_equal(ds[c].values[i], alone[c].values[0])


def test_dicts_sharing_tables_and_fresh_copies_give_the_same_members():
    """Members sharing their tables with a base (``dict(base, name=...)``) and deep
    copies of the same dicts are the same members."""
    base = Scenario.from_dict({"levers": {"contract": "mou", "formalisation": 0.7},
                               "context": {"mandated": True}}).to_dict()
    shared = [dict(base, name=f"m{i}", events=[{"at": i, "kind": "quick_win"}])
              for i in range(5)]
    fresh = copy.deepcopy(shared)
    _arrays_equal(plan_ensemble(shared), plan_ensemble(fresh))
    _arrays_equal(plan_ensemble(shared), plan_ensemble([Scenario.from_dict(d)
                                                        for d in shared]))


@pytest.mark.parametrize("dicts", [
    [{}], [{}, {}], [{"events": []}, {"lever_changes": []}], [{"name": "a"}, {}],
    [{"events": [{"at": 1, "kind": "quick_win"}]}, {}],
    [{"context": {}, "levers": {}, "parameters": {}}, {"simulation": {}}],
])
def test_sparse_dicts_are_checked_column_wise(dicts):
    """Empty dicts, empty tables and lists, keys in some members only."""
    assert check_dicts(dicts)[1].all()
    _arrays_equal(plan_ensemble(dicts), plan_ensemble([Scenario.from_dict(d)
                                                       for d in dicts]))


def test_mixed_members_keep_their_order():
    """Paths, Scenario objects and dicts in one list: member i is the i-th given."""
    from .conftest import bundled

    path = bundled("voluntary_buddying")
    sc = Scenario.from_file(path)
    d = dict(sc.to_dict(), name="as a dict", events=[{"at": 2, "kind": "staff_loss"}])
    members = [d, path, sc.with_values(formalisation=0.1), d, sc]
    plan = plan_ensemble(members)
    objects = [Scenario.from_dict(d), sc, sc.with_values(formalisation=0.1),
               Scenario.from_dict(d), sc]
    _arrays_equal(plan, plan_ensemble(objects))
    assert list(plan.coords["scenario"]) == [o.name for o in objects]


def test_values_only_from_dict_accepts_are_left_to_it():
    """Number types the column-wise check does not take (numpy scalars, dict
    subclasses) go through ``Scenario.from_dict`` and give the same members."""
    from collections import OrderedDict

    plain = [{"parameters": {"trust_build_time": 5.0},
              "events": [{"at": 3.0, "kind": "quick_win", "size": 0.5}]},
             {"levers": {"formalisation": 0.25}}]
    unusual = [{"parameters": {"trust_build_time": np.float64(5.0)},
                "events": [OrderedDict(at=3.0, kind="quick_win", size=0.5)]},
               OrderedDict(levers={"formalisation": 0.25})]
    assert not check_dicts([unusual[0]])[1].any()
    _arrays_equal(plan_ensemble(plain), plan_ensemble(unusual))


# ------------------------------------------------------------------- errors
def _set(path: tuple, value):
    def corrupt(d: dict) -> dict:
        d = copy.deepcopy(d)
        target = d
        for key in path[:-1]:
            target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
        target[path[-1]] = value
        return d
    return corrupt


def _event(**ev):
    return lambda d: {**copy.deepcopy(d), "events": [ev]}


def _lever(**change):
    return lambda d: {**copy.deepcopy(d), "lever_changes": [change]}


CORRUPTIONS = {
    "unknown top-level key": _set(("evnts",), []),
    "name not a string": _set(("name",), 3),
    "description not a string": _set(("description",), ["x"]),
    "claims not strings": _set(("claims",), [1]),
    "simulation not a table": _set(("simulation",), 5),
    "time step out of range": _set(("simulation", "time_step"), 2.0),
    "final time not whole steps": _set(("simulation", "final_time"), 60.1),
    "context value out of range": _set(("context", "partner_reputation"), 1.5),
    "context value a string": _set(("context", "partner_reputation"), "high"),
    "bool given as a number": _set(("context", "mandated"), 1),
    "whole number with a fraction": _set(("context", "number_of_organisations"), 2.5),
    "whole number infinite": _set(("context", "number_of_organisations"), float("inf")),
    "not a number": _set(("parameters", "trust_build_time"), float("nan")),
    "a whole number beyond floats": _set(("parameters", "trust_build_time"), 2**1100),
    "whole number setting beyond floats": _set(("context", "number_of_organisations"),
                                               -(2**1100)),
    "final time beyond floats": _set(("simulation", "final_time"), 2**1100),
    "bool as a float setting": _set(("parameters", "trust_build_time"), True),
    "unknown context key": _set(("context", "mandatd"), True),
    "lever in the context": _set(("context", "formalisation"), 0.5),
    "bad contract word": _set(("levers", "contract"), "verbal"),
    "contract not a word": _set(("levers", "contract"), 1),
    "levers not a table": _set(("levers",), [1]),
    "time step too long for the constants": lambda d: {
        **_set(("simulation", "time_step"), 0.25)(d),
        "parameters": {"trust_build_time": 1.0, "trust_erosion_speedup": 8.0}},
    "events not a list": _set(("events",), {"at": 1, "kind": "quick_win"}),
    "event not a table": lambda d: {**d, "events": ["quick_win"]},
    "unknown event kind": _event(at=1.0, kind="quick_loss"),
    "event kind not a string": _event(at=1.0, kind=None),
    "event without a month": _event(kind="quick_win"),
    "event after the end": _event(at=60.0, kind="quick_win"),
    "event on the last step": _event(at=59.95, kind="quick_win"),
    "event before the start": _event(at=-1, kind="quick_win"),
    "event month a string": _event(at="1", kind="quick_win"),
    "event size zero": _event(at=1, kind="quick_win", size=0),
    "event size above one": _event(at=1, kind="quick_win", size=1.5),
    "unknown event key": _event(at=1, kind="quick_win", sizee=1),
    "quality on another kind": _event(at=1, kind="quick_win", leadership_quality=0.5),
    "quality out of range": _event(at=1, kind="leadership_change", leadership_quality=2),
    "note not a string": _event(at=1, kind="quick_win", note=5),
    "two of a kind in one step": lambda d: {**d, "events": [
        {"at": 2.0, "kind": "staff_loss"}, {"at": 2.01, "kind": "staff_loss"}]},
    "lever changes not a list": _set(("lever_changes",), {}),
    "unknown lever": _lever(at=1, lever="formalization", value=0.5),
    "lever value out of range": _lever(at=1, lever="formalisation", value=5.0),
    "bool lever as a number": _lever(at=1, lever="external_broker", value=1.0),
    "contract change word": _lever(at=1, lever="contract", value="handshake"),
    "lever change after the end": _lever(at=70, lever="formalisation", value=0.5),
    "lever change missing value": lambda d: {**d, "lever_changes": [
        {"at": 1, "lever": "formalisation"}]},
    "lever change unknown key": _lever(at=1, lever="formalisation", value=0.5, note="x"),
    "lever name not a string": _lever(at=1, lever=None, value=0.5),
}


def _member_error(d) -> str:
    with pytest.raises((ScenarioError, TypeError)) as exc:
        Scenario.from_dict(d)
    return str(exc.value)


@pytest.mark.parametrize("how", list(CORRUPTIONS))
def test_an_invalid_member_gets_from_dicts_message_naming_the_member(how, monkeypatch):
    """One invalid dict among valid ones: the column-wise check does not accept it, and
    the ensemble refuses it before any work with ``Scenario.from_dict``'s message
    (key, value, fix) prefixed with the member's index."""
    base = Scenario.from_dict({"levers": {"contract": "mou"}}).to_dict()
    members = [dict(base, name=f"m{i}", events=[{"at": float(i), "kind": "quick_win"}])
               for i in range(6)]
    members[4] = CORRUPTIONS[how](members[4])
    expected = _member_error(members[4])
    accepted = check_dicts(members)[1]
    assert not accepted[4] and accepted[[0, 1, 2, 3, 5]].all()
    monkeypatch.setattr(ensemble_compute, "run_chunk",
                        lambda *a, **k: pytest.fail("work started"))
    with pytest.raises((ScenarioError, TypeError)) as exc:
        simulate_ensemble(members)
    assert str(exc.value) == f"member 4: {expected}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dicts=scenario_lists(), data=st.data())
def test_the_first_invalid_member_is_named(dicts, data):
    """Of several invalid members, the first in the list is named, with its message."""
    bad = sorted(data.draw(st.sets(st.integers(0, len(dicts) - 1), min_size=1)))
    for i in bad:
        how = data.draw(st.sampled_from(list(CORRUPTIONS)))
        dicts[i] = CORRUPTIONS[how](dicts[i])
    with pytest.raises((ScenarioError, TypeError)) as exc:
        plan_ensemble(dicts)
    assert str(exc.value) == f"member {bad[0]}: {_member_error(dicts[bad[0]])}"


def test_equal_values_share_a_row_only_to_the_bit():
    """Scenario objects with equal values share one row of values, but a zero of
    the other sign (``0.0 == -0.0``) or a whole number for its float keeps every
    member's values to the bit."""
    from iocdynamics.ensembles.columns import NAMES, value_rows
    from iocdynamics.registry import defaults

    zero = next(k for k, v in defaults().items() if v == 0.0)
    plus = dict(defaults())
    minus = dict(plus, **{zero: -0.0})
    whole = {k: int(v) if float(v).is_integer() else v for k, v in plus.items()}
    mappings = [plus, dict(plus), minus, dict(minus), whole, plus]
    rows, row = value_rows(mappings)
    got = rows[row]
    want = np.array([[float(m[k]) for k in NAMES] for m in mappings])
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    assert len(rows) < len(mappings)  # shared where the bits agree
    sc = Scenario.from_dict({})
    scs = [sc.with_values(**{zero: 0.0}), sc.with_values(**{zero: -0.0})]
    constants = plan_ensemble(scs).inputs.constants
    assert not np.signbit(constants[0]).any() and np.signbit(constants[1]).sum() == 1
