"""Members' inputs for the engine, built for all members at once.

A list of scenarios or a table of parameter sets becomes one
:class:`~iocdynamics.engine.MemberInputs`: a matrix of constants (members x
constants), the per-step inputs' levels, and their changes (an event is an
impulse ``size / time_step`` during one step; a leadership change with a new
quality and a lever change set a new level from their step on). No series are
built on the grid: memory grows with the number of events, not with the
number of steps.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..engine import MemberInputs
from ..model import EVENT_KINDS
from ..scenario import Scenario
from .columns import NAMES, ScenarioColumns


def _first_of_runs(*keys: np.ndarray) -> np.ndarray:
    """Whether each row (sorted by ``keys``) starts a run of equal keys."""
    start = np.ones(len(keys[0]), bool)
    if len(start):
        start[1:] = np.any([k[1:] != k[:-1] for k in keys], axis=0)
    return start


def _rows(*columns) -> tuple[np.ndarray, ...]:
    return tuple(np.concatenate(c) for c in zip(*columns))


def scenario_changes(cols: ScenarioColumns, varying: tuple[str, ...], time_step: float
                     ) -> tuple[np.ndarray, ...]:
    """The input changes of every member: ``(member, step, var, value, impulse)``.

    Sorted by member and step; within a step, a member's events come first (in the
    order of their months, an event before the new leader's quality it brings), then
    its lever changes (in the order the levers first change). Each scenario's
    :meth:`~iocdynamics.scenario.Scenario.input_series` holds the same values at every
    step: an event is an impulse of ``size / time_step`` during its step, a lever
    change a new level from its step on when it changes the lever's value (the last
    change of a step wins).
    """
    var = {name: i for i, name in enumerate(varying)}
    ev, st = cols.events, cols.settings
    # events, in each member's order of months (ties: the scenario's order)
    e = np.lexsort((np.arange(len(ev.at)), ev.at, ev.member))
    e_member, e_step = ev.member[e], np.rint(ev.at[e] / time_step).astype(np.int64)
    event_var = np.array([var[f"{k}_input"] for k in EVENT_KINDS], np.int64)
    q = np.flatnonzero(ev.sets_quality[e])
    rank = np.arange(len(e))
    parts = [(e_member, e_step, event_var[ev.kind[e]], ev.size[e] / time_step,
              np.ones(len(e), bool), np.zeros(len(e), np.int64), 2 * rank)]
    if len(q):
        parts.append((e_member[q], e_step[q], np.full(len(q), var["leadership_quality"]),
                      ev.quality[e][q], np.zeros(len(q), bool), np.zeros(len(q), np.int64),
                      2 * rank[q] + 1))
    if len(st.member):
        parts.append(_setting_rows(cols, var, time_step))
    member, step, which, value, impulse, group, within = _rows(*parts)
    order = np.lexsort((within, group, step, member))
    return (member[order], step[order], which[order], value[order], impulse[order])


def _setting_rows(cols: ScenarioColumns, var: dict[str, int], time_step: float
                  ) -> tuple[np.ndarray, ...]:
    """Rows of the levels the lever changes set, as in ``input_series``: changes apply
    in the order of their months (the scenario's order on ties), each from its step on;
    a row where the level differs from the one before (or from the start value)."""
    st = cols.settings
    s = np.lexsort((np.arange(len(st.at)), st.at, st.member))  # the order they apply in
    member, column, value = st.member[s], st.column[s], st.value[s]
    step = np.rint(st.at[s] / time_step).astype(np.int64)
    applied = np.arange(len(s))
    # a lever's rank: where it first changes in its member's order
    g = np.lexsort((applied, column, member))
    first = _first_of_runs(member[g], column[g])
    rank = np.empty(len(s), np.int64)
    rank[g] = applied[g][np.maximum.accumulate(np.where(first, np.arange(len(g)), 0))]
    # per member, lever and step: the value of the last change applied
    g = np.lexsort((applied, step, column, member))
    member, column, step, value, rank = member[g], column[g], step[g], value[g], rank[g]
    last = np.ones(len(g), bool)
    last[:-1] = _first_of_runs(member, column, step)[1:]
    member, column, step, value, rank = (a[last] for a in (member, column, step, value, rank))
    # the level before each: the previous step's (same member and lever) or the start
    prev = cols.rows[cols.row[member], column]
    later = ~_first_of_runs(member, column)
    prev[later] = value[:-1][later[1:]]
    keep = value != prev
    names = np.array([var.get(n, -1) for n in NAMES], np.int64)  # levers all vary
    n = int(keep.sum())
    return (member[keep], step[keep], names[column[keep]], value[keep],
            np.zeros(n, bool), np.ones(n, np.int64), rank[keep])


def table_inputs(base: Scenario, table: Mapping[str, np.ndarray], n: int,
                 constants: tuple[str, ...], varying: tuple[str, ...]) -> MemberInputs:
    """Inputs of ``n`` members: ``base`` with the columns of ``table`` (registry name ->
    values per member) replacing its values; every member shares the base's changes."""

    def matrix(names):
        out = np.empty((n, len(names)))
        for j, name in enumerate(names):
            if name in table:
                out[:, j] = table[name]
            else:
                out[:, j] = base.values.get(name, 0.0)  # event inputs: 0
        return out

    _, step, var, value, impulse = scenario_changes(ScenarioColumns.from_scenarios([base]),
                                                    varying, base.time_step)
    return MemberInputs.make(matrix(constants), matrix(varying), step=step, var=var,
                             value=value, impulse=impulse)


def member_inputs(cols: ScenarioColumns, constants: tuple[str, ...],
                  varying: tuple[str, ...], changes: tuple[np.ndarray, ...]) -> MemberInputs:
    """Assemble the engine's inputs of scenario members.

    Parameters
    ----------
    cols : ScenarioColumns
    constants, varying : tuple of str
        The kernel's constants and per-step inputs.
    changes : tuple of arrays
        From :func:`scenario_changes`.
    """
    col = {n: j for j, n in enumerate(NAMES)}
    m = cols.n_members
    own_rows = len(cols.rows) == m and np.array_equal(cols.row, np.arange(m))

    def per_member(rows: np.ndarray) -> np.ndarray:
        return rows if own_rows else rows[cols.row]

    P = per_member(np.take(cols.rows, [col[n] for n in constants], axis=1))
    start = np.zeros((len(cols.rows), len(varying)))  # event inputs: 0
    for j, n in enumerate(varying):
        if n in col:
            start[:, j] = cols.rows[:, col[n]]
    member, step, var, value, impulse = changes
    first = np.searchsorted(member, np.arange(m), side="left")
    last = np.searchsorted(member, np.arange(m), side="right")
    return MemberInputs.make(P, per_member(start), first, last, step, var, value, impulse)
