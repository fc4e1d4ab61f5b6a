"""Scenario dicts checked column-wise, all members at once.

A list of scenario dicts (as built in a loop) is checked the way
:meth:`~iocdynamics.scenario.Scenario.from_dict` checks one, but a key at a time
across all dicts: each key's values form one column, checked with numpy against
the registry bounds and kind; events and lever changes are checked in flattened
arrays; tables that dicts share (``dict(base, name=...)``) are checked once, and
distinct tables with the same keys together. The result is a
:class:`~.columns.ScenarioColumns` holding the values ``from_dict`` would give.

The check here only decides which dicts are certainly valid; it never words an
error. Every other member (an invalid dict, anything unusual in one, a path, a
``Scenario``) goes through :func:`~iocdynamics.scenario.load_scenario`, in member
order, so the first invalid member raises the message ``from_dict`` gives it,
prefixed with the member's index, before any simulation starts.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import operator
from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np

from ..registry import PARAMETERS, Parameter, defaults
from ..scenario import (
    CONTRACTS,
    EVENT_KEYS,
    LEVER_CHANGE_KEYS,
    SETTINGS_KEYS,
    TOP_LEVEL_KEYS,
    Scenario,
    ScenarioError,
    clock_on_grid,
    contract_values,
    load_scenario,
    simulation_settings,
)
from .columns import (
    COLUMN,
    KIND,
    NAMES,
    Events,
    ScenarioColumns,
    Settings,
    first_and_inverse,
)
from .timeconstants import shortest_time_constants, time_constant_names

SOURCE = "<dict>"
"""The source ``from_dict`` gives a dict (in messages)."""


class _Missing:
    """The value of a key a dict does not have."""


_MISSING = _Missing()
_NUMBER = frozenset({int, float})
_FLAGS = ("contract_is_mou", "contract_is_binding")
_CONTRACT_FLAGS = {c: tuple(contract_values(c)[f] for f in _FLAGS) for c in CONTRACTS}
_LEVERS = frozenset(SETTINGS_KEYS["levers"]) - {"contract"}
_DEFAULTS = defaults()
_DEFAULT_ROW = np.array([_DEFAULTS[n] for n in NAMES])
_TIME_CONSTANTS = sorted(time_constant_names(_DEFAULTS), key=COLUMN.__getitem__)


def load_members(members: Sequence[Any]) -> ScenarioColumns:
    """Every member, validated, as columns.

    Parameters
    ----------
    members : sequence of dict, path or Scenario

    Raises
    ------
    ScenarioError, TypeError
        For the first invalid member: the message of
        :func:`~iocdynamics.scenario.load_scenario`, prefixed with ``member i:``.
    """
    with _collector_paused():
        return _load_members(members)


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused: the check builds many short-lived
    containers (and no cycles), and each pass of the collector would walk every
    object of the caller's members."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_members(members: Sequence[Any]) -> ScenarioColumns:
    dicts = [i for i, m in enumerate(members) if type(m) is dict]
    cols, accepted = check_dicts([members[i] for i in dicts])
    fast = np.asarray(dicts, np.int64)[accepted]
    rest = np.setdiff1d(np.arange(len(members)), fast)
    scs = []
    for i in rest.tolist():
        if isinstance(members[i], Scenario):
            scs.append(members[i])
            continue
        try:
            scs.append(load_scenario(members[i]))
        except ScenarioError as exc:
            raise ScenarioError(f"member {i}: {exc}") from None
        except TypeError as exc:
            raise TypeError(f"member {i}: {exc}") from None
    return ScenarioColumns.merge([(fast, cols), (rest, ScenarioColumns.from_scenarios(scs))],
                                 len(members))


def check_dicts(dicts: Sequence[dict]) -> tuple[ScenarioColumns, np.ndarray]:
    """The scenario dicts this check accepts, as columns, and which they are.

    Parameters
    ----------
    dicts : sequence of dict
        Scenarios as (TOML-shaped) dicts.

    Returns
    -------
    columns : ScenarioColumns
        Of the accepted dicts, in their order: the values
        :meth:`~iocdynamics.scenario.Scenario.from_dict` gives them.
    accepted : ndarray of bool
        One per dict. A dict not accepted may be valid all the same (anything
        unusual is left to ``from_dict``).
    """
    n = len(dicts)
    if not n:
        return ScenarioColumns.from_scenarios([]), np.zeros(0, bool)
    ok, top = _by_key(dicts, TOP_LEVEL_KEYS)
    ok &= _typed(top["name"], str) & _typed(top["description"], str) & _claims(top["claims"])
    names = np.array(_fill(top["name"], "scenario"), dtype=object)
    ft, dt, si = _clock(top["simulation"], ok)
    rows, row = _values(top, n, ok)
    n_steps = np.rint(ft / dt)
    events = _events(top["events"], n, ok, ft, dt, n_steps)
    settings = _lever_changes(top["lever_changes"], n, ok, ft, dt, n_steps)
    # Euler stability: the time step at most half the shortest adjustment time
    valid = np.zeros(len(rows), bool)  # rows of accepted tables only
    valid[row[ok]] = True
    taus = np.zeros(len(rows))
    taus[valid] = shortest_time_constants(
        _DEFAULTS, _TIME_CONSTANTS, rows[np.ix_(valid, [COLUMN[c] for c in _TIME_CONSTANTS])])
    ok &= dt <= taus[row] / 2 + 1e-12
    cols = ScenarioColumns(names, np.full(n, SOURCE, dtype=object), ft, dt, si, rows, row,
                           events, settings)
    return (cols if ok.all() else cols.take(ok)), ok


# ------------------------------------------------------------------- columns
def _by_key(items: list, keys: Sequence[str]) -> tuple[np.ndarray, dict[str, list]]:
    """Where an item is a dict with only the given keys, and one list per key of the
    items' values (:data:`_MISSING` where an item lacks the key or is not a dict; a
    required key that is missing fails the check of its column)."""
    m, allowed = len(items), frozenset(keys)
    if m and set(map(type, items)) <= {dict}:
        same = _same_keys(items)
        if same is not None:
            first, columns = same
            return np.full(m, allowed.issuperset(first)), {
                k: columns[first.index(k)] if k in first else [_MISSING] * m for k in keys}
        ok = np.fromiter(map(allowed.issuperset, items), bool, m)
    else:
        ok = np.fromiter((type(x) is dict and allowed.issuperset(x) for x in items), bool, m)
        items = [x if type(x) is dict else {} for x in items]
    return ok, {k: list(map(operator.methodcaller("get", k, _MISSING), items)) for k in keys}


def _same_keys(items: list[dict]) -> tuple[tuple, list[list]] | None:
    """If every dict has the first one's keys (and no other): those keys and one list
    of values per key, read in one pass over the dicts; otherwise None."""
    first = tuple(items[0])
    if sum(map(len, items)) != len(items) * len(first):
        return None
    try:  # every dict has at least the first one's keys, so exactly those
        if not first:
            return first, []
        if len(first) == 1:
            return first, [list(map(operator.itemgetter(first[0]), items))]
        return first, list(map(list, zip(*map(operator.itemgetter(*first), items))))
    except KeyError:
        return None


def _fill(col: list, default: Any) -> list:
    """A column with ``default`` where a key is missing."""
    if _Missing not in set(map(type, col)):
        return col
    return [default if x is _MISSING else x for x in col]


def _typed(col: list, kind: type) -> np.ndarray:
    """Where a column's value is missing or exactly of type ``kind``."""
    allowed = {_Missing, kind}
    if set(map(type, col)) <= allowed:
        return np.ones(len(col), bool)
    return np.fromiter((type(x) in allowed for x in col), bool, len(col))


def _claims(col: list) -> np.ndarray:
    """Where claims are missing or a list of strings (each distinct list checked once)."""
    lists, which = _distinct(col)
    return np.fromiter((c is _MISSING or (type(c) is list and all(type(x) is str for x in c))
                        for c in lists), bool, len(lists))[which]


def _distinct(col: list) -> tuple[list, np.ndarray]:
    """The distinct objects of a column (by identity) and each row's one."""
    first, which = first_and_inverse(np.fromiter(map(id, col), np.uint64, len(col)))
    return [col[i] for i in first], which


def _numbers(col: list) -> tuple[np.ndarray, np.ndarray]:
    """A column's values as floats (0 where not a plain int or float) and where they
    are plain ints or floats (bools are not)."""
    if set(map(type, col)) <= _NUMBER:
        ok = np.ones(len(col), bool)
    else:
        ok = np.fromiter((type(x) in _NUMBER for x in col), bool, len(col))
        col = [x if good else 0.0 for x, good in zip(col, ok)]
    try:
        return np.array(col, dtype=float), ok
    except OverflowError:  # an int beyond the float range
        big = np.fromiter((type(x) is int and abs(x) > 2**1000 for x in col), bool, len(col))
        return np.array([0.0 if b else x for x, b in zip(col, big)], float), ok & ~big


def _between(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & (x >= lo) & (x <= hi)


def _check_values(p: Parameter, col: list) -> tuple[np.ndarray, np.ndarray]:
    """Values of parameter ``p`` as a scenario table gives them (floats) and where
    they are valid: the scenario module's checks, on a column."""
    if p.kind == "bool":  # true or false, nothing else
        ok = np.fromiter((type(x) is bool for x in col), bool, len(col))
        return np.array([x is True for x in col], float), ok
    x, ok = _numbers(col)
    ok &= _between(x, p.lower, p.upper)
    if p.kind == "int":
        ok &= x == np.trunc(np.where(ok, x, 0.0))
    return x, ok


# --------------------------------------------------------------------- clock
def _clock(col: list, ok: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each member's final_time, time_step and save_interval (the default clock where
    its simulation table is not accepted); each distinct table is checked once."""
    tables, which = _distinct(col)
    seen: dict[Any, tuple[float, float, float] | None] = {}  # by content
    clocks = [_one_clock(t, seen) for t in tables]
    ok &= np.array([c is not None for c in clocks], bool)[which]
    default = tuple(simulation_settings({}).values())
    out = np.array([c if c is not None else default for c in clocks], float).reshape(-1, 3)
    out = out[which]
    return out[:, 0].copy(), out[:, 1].copy(), out[:, 2].copy()


def _one_clock(table: Any, seen: dict) -> tuple[float, float, float] | None:
    """A simulation table's clock, or None if it is not accepted; ``seen`` holds the
    clocks of the tables (of plain numbers) already checked, by content."""
    content = None
    if type(table) is dict and set(map(type, table.values())) <= _NUMBER:
        content = tuple(table.items())
        if content in seen:
            return seen[content]
    clock = _check_clock(table)
    if content is not None:
        seen[content] = clock
    return clock


def _check_clock(table: Any) -> tuple[float, float, float] | None:
    try:
        sim = simulation_settings({} if table is _MISSING else {"simulation": table})
    except ScenarioError:
        return None
    clock = (sim["final_time"], sim["time_step"], sim["save_interval"])
    return clock if _on_grid(clock) else None


@functools.lru_cache(maxsize=64)
def _on_grid(clock: tuple[float, float, float]) -> bool:
    return clock_on_grid(*clock)


# ------------------------------------------------------------------ settings
def _values(top: dict[str, list], n: int, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The members' registry values: the defaults, with the settings of a member's
    ``context``, ``levers`` and ``parameters`` tables. Returns one row (of NAMES) per
    distinct combination of tables, and each member's row."""
    tables = []
    for table, allowed in SETTINGS_KEYS.items():
        member, good, groups = _settings(top[table], allowed)
        ok &= good[member]
        tables.append((member, len(good), groups))
    combo = np.zeros(n, np.int64)  # the distinct combinations of tables
    for member, count, _ in tables:
        combo = first_and_inverse(combo * count + member)[1]
    first, combo = first_and_inverse(combo)
    rows = np.tile(_DEFAULT_ROW, (len(first), 1))
    for member, _, groups in tables:
        t = member[first]  # each row's table
        for which, where, values in groups:
            hit = np.flatnonzero(np.isin(t, which))
            rows[np.ix_(hit, where)] = values[np.searchsorted(which, t[hit])]
    return rows, combo


def _settings(col: list, allowed: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, list]:
    """One table of settings (``context``, ``levers`` or ``parameters``) of every
    member, checked: each distinct table once, tables with the same keys together.

    Returns each member's table, whether each table is accepted, and per group of
    tables with the same keys: the tables (sorted), the columns (of NAMES) they set
    and their values (tables x columns)."""
    tables, member = _distinct(col)
    good = np.ones(len(tables), bool)
    known = set(allowed)
    keys = [() if t is _MISSING else tuple(t) if type(t) is dict else None for t in tables]
    groups = []
    for k, rows in _groups(keys).items():
        group = [tables[r] for r in rows]
        rows = np.asarray(rows, np.int64)
        if k is None or not known.issuperset(k):
            good[rows] = False
            continue
        sub: list[np.ndarray] = []
        where: list[int] = []
        for key, c in _by_key(group, k)[1].items():
            if key == "contract":
                valid, flags = _contracts(c)
                good[rows] &= valid
                sub.extend(flags.T)
                where.extend(COLUMN[f] for f in _FLAGS)
                continue
            x, valid = _check_values(PARAMETERS[key], c)
            good[rows] &= valid
            sub.append(x)
            where.append(COLUMN[key])
        if where:
            groups.append((rows, where, np.column_stack(sub)))
    return member, good, groups


def _groups(keys: list) -> dict[Any, list[int]]:
    """Row numbers by key (in order)."""
    if len(set(keys)) == 1:
        return {keys[0]: list(range(len(keys)))}
    out: dict[Any, list[int]] = {}
    for i, k in enumerate(keys):
        out.setdefault(k, []).append(i)
    return out


def _contracts(col: list) -> tuple[np.ndarray, np.ndarray]:
    """Where a contract word is valid, and the two indicators it sets (rows x 2)."""
    flags = [_CONTRACT_FLAGS.get(x) if type(x) is str else None for x in col]
    valid = np.fromiter((f is not None for f in flags), bool, len(flags))
    return valid, np.array([f or (0.0, 0.0) for f in flags], float).reshape(-1, 2)


# ------------------------------------------------------ events, lever changes
def _flatten(col: list, n: int, ok: np.ndarray) -> tuple[list, np.ndarray]:
    """A list per member (none: empty) as one list, and each item's member; a member
    whose value is not a list is not accepted."""
    types = set(map(type, col))
    if types == {_Missing}:
        return [], np.zeros(0, np.int64)
    if not types <= {list}:
        is_list = np.fromiter((type(x) is list or x is _MISSING for x in col), bool, n)
        ok &= is_list
        col = [x if type(x) is list else () for x in col]
    lengths = np.fromiter(map(len, col), np.int64, n)
    return list(chain.from_iterable(col)), np.repeat(np.arange(n), lengths)


def _months(col: list, final_time: np.ndarray, dt: np.ndarray, n_steps: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Months ``at`` as floats, and where they are valid: from 0, before final_time
    and before the last time step."""
    at, ok = _numbers(col)
    with np.errstate(invalid="ignore"):
        ok &= (at >= 0) & (at < final_time)
    at[~ok] = 0.0
    ok &= np.rint(at / dt) < n_steps
    return at, ok


def _events(col: list, n: int, ok: np.ndarray, ft: np.ndarray, dt: np.ndarray,
            n_steps: np.ndarray) -> Events:
    """Every member's events, checked (a member with an invalid one is not accepted)."""
    items, member = _flatten(col, n, ok)
    good, c = _by_key(items, EVENT_KEYS)
    kinds = c["kind"] if set(map(type, c["kind"])) <= {str} else [
        x if type(x) is str else "" for x in c["kind"]]
    kind = np.fromiter(map(KIND.get, kinds, repeat(-1)), np.int64, len(items))
    good &= kind >= 0
    at, valid = _months(c["at"], ft[member], dt[member], n_steps[member])
    good &= valid
    size, valid = _numbers(_fill(c["size"], 1.0))
    with np.errstate(invalid="ignore"):
        good &= valid & (size > 0) & (size <= 1)
    quality = c["leadership_quality"]
    sets = np.zeros(len(items), bool)
    if not set(map(type, quality)) <= {_Missing, type(None)}:
        sets = np.fromiter((x is not None and x is not _MISSING for x in quality), bool,
                           len(items))
        q, valid = _numbers([x if s else 0.0 for x, s in zip(quality, sets)])
        valid &= _between(q, 0.0, 1.0) & (kind == KIND["leadership_change"])
        good &= ~sets | valid
    else:
        q = np.zeros(len(items))
    good &= _typed(c["note"], str)
    # two events of a kind in one time step are refused
    step = np.rint(at / dt[member]).astype(np.int64)
    order = np.lexsort((step, kind, member))
    key = np.stack([member[order], kind[order], step[order]])
    same = np.zeros(len(items), bool)
    same[1:] = np.all(key[:, 1:] == key[:, :-1], axis=0)
    good[order[same]] = False
    ok[member[~good]] = False
    return Events(member, at, np.maximum(kind, 0), size, np.where(sets, q, np.nan), sets)


def _lever_changes(col: list, n: int, ok: np.ndarray, ft: np.ndarray, dt: np.ndarray,
                   n_steps: np.ndarray) -> Settings:
    """Every member's lever changes, checked, as the registry values they set (a
    contract change sets two, the memorandum's indicator first)."""
    items, member = _flatten(col, n, ok)
    m = len(items)
    good, c = _by_key(items, LEVER_CHANGE_KEYS)
    at, valid = _months(c["at"], ft[member], dt[member], n_steps[member])
    good &= valid
    column = np.zeros((m, 2), np.int64)  # the registry values a change sets
    value = np.zeros((m, 2))
    twice = np.zeros(m, bool)
    names = [x if type(x) is str else None for x in c["lever"]]
    for name, rows in _groups(names).items():
        vals = [c["value"][r] for r in rows]
        if name == "contract":
            valid, value[rows] = _contracts(vals)
            column[rows] = [COLUMN[f] for f in _FLAGS]
            twice[rows] = True
        elif name in _LEVERS:
            value[rows, 0], valid = _check_values(PARAMETERS[name], vals)
            column[rows, 0] = COLUMN[name]
        else:
            valid = False
        good[rows] &= valid
    ok[member[~good]] = False
    rows = np.repeat(np.arange(m), np.where(twice, 2, 1))
    second = np.zeros(len(rows), np.int64)
    second[1:] = rows[1:] == rows[:-1]
    return Settings(member[rows], at[rows], column[rows, second], value[rows, second])
