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

from collections.abc import Sequence
from itertools import chain

import numpy as np

from ..engine import MemberInputs
from ..model import EVENT_KINDS
from ..registry import PARAMETERS
from ..scenario import Scenario

NAMES = tuple(PARAMETERS)
"""Registry parameters, in the column order of :func:`value_matrix`."""


def value_matrix(scs: Sequence[Scenario]) -> np.ndarray:
    """Every scenario's registry values, members x :data:`NAMES`."""
    n = len(NAMES)

    def row(sc):  # values are stored in registry order; any other order is looked up
        v = sc.values
        return v.values() if tuple(v) == NAMES else (v[k] for k in NAMES)

    flat = np.fromiter(chain.from_iterable(row(sc) for sc in scs), dtype=float,
                       count=len(scs) * n)
    return flat.reshape(len(scs), n)


def _level_names(varying: tuple[str, ...]) -> dict[str, int]:
    return {name: i for i, name in enumerate(varying)}


def scenario_changes(scs: Sequence[Scenario], varying: tuple[str, ...]
                     ) -> tuple[np.ndarray, ...]:
    """The input changes of each scenario: ``(member, step, var, value, impulse)``,
    sorted by member and step, in the order the scenario applies them."""
    var = _level_names(varying)
    event_var = [var[f"{k}_input"] for k in EVENT_KINDS]
    kind = {k: i for i, k in enumerate(EVENT_KINDS)}
    lq = var.get("leadership_quality")
    event_inputs = {f"{k}_input" for k in EVENT_KINDS}
    rows: list[tuple[int, int, int, float, bool]] = []  # member, step, var, value, impulse
    sizes: list[tuple[int, float, float]] = []  # row, size, time step
    for i, sc in enumerate(scs):
        if sc.events:
            for ev in sorted(sc.events, key=lambda e: e.at):
                k = sc.event_step(ev)
                sizes.append((len(rows), ev.size, sc.time_step))
                rows.append((i, k, event_var[kind[ev.kind]], 0.0, True))
                if ev.leadership_quality is not None:
                    rows.append((i, k, lq, float(ev.leadership_quality), False))
        if sc.lever_changes:  # the scenario's own series say which values change
            base = sc.values
            for name, s in sc.input_series().items():
                if name in event_inputs or name == "leadership_quality":
                    continue
                prev = np.concatenate([[base[name]], s[:-1]])
                for k in np.flatnonzero(s != prev):
                    rows.append((i, int(k), var[name], float(s[k]), False))
    if rows:
        member, step, which, value, impulse = (np.array(c) for c in zip(*rows))
    else:
        member = step = which = np.zeros(0, np.int64)
        value, impulse = np.zeros(0), np.zeros(0, bool)
    value = value.astype(float)
    if sizes:  # an impulse of total ``size`` spread over one step
        pos, size, dt = (np.array(c) for c in zip(*sizes))
        value[pos.astype(np.int64)] = size.astype(float) / dt.astype(float)
    member, step = member.astype(np.int64), step.astype(np.int64)
    order = np.lexsort((np.arange(len(step)), step, member))
    return (member[order], step[order], which.astype(np.int64)[order], value[order],
            impulse.astype(bool)[order])


def member_inputs(values: np.ndarray, constants: tuple[str, ...], varying: tuple[str, ...],
                  changes: tuple[np.ndarray, ...], shared: bool = False) -> MemberInputs:
    """Assemble the engine's inputs.

    Parameters
    ----------
    values : ndarray, members x :data:`NAMES`
    constants, varying : tuple of str
        The kernel's constants and per-step inputs.
    changes : tuple of arrays
        From :func:`scenario_changes`.
    shared : bool
        The changes are member 0's and apply to every member (a base scenario).
    """
    col = {n: j for j, n in enumerate(NAMES)}
    m = values.shape[0]
    P = values[:, [col[n] for n in constants]]
    levels = np.zeros((m, len(varying)))
    for j, n in enumerate(varying):
        if n in col:
            levels[:, j] = values[:, col[n]]
    member, step, var, value, impulse = changes
    if shared:
        return MemberInputs.make(P, levels, step=step, var=var, value=value, impulse=impulse)
    first = np.searchsorted(member, np.arange(m), side="left")
    last = np.searchsorted(member, np.arange(m), side="right")
    return MemberInputs.make(P, levels, first, last, step, var, value, impulse)
