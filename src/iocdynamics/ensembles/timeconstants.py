"""Shortest adjustment times of many parameter sets at once.

The Euler stability check (time step at most half the shortest adjustment time,
:func:`~iocdynamics.scenario.shortest_time_constant`) runs on whole columns of
parameter values: for the rows of a parameter table, and for the members of a
list of scenarios.
"""

from __future__ import annotations

import operator
import types
from collections.abc import Mapping, Sequence

import numpy as np

from ..scenario import shortest_time_constant


class _Mixed(Exception):
    """A comparison whose result differs between rows (``mask``: where it holds)."""

    def __init__(self, mask: np.ndarray):
        super().__init__("rows take different branches")
        self.mask = mask


class _Column(np.ndarray):
    """A table column whose comparisons give one bool when every row agrees, so that
    a branch of :func:`shortest_time_constant` can run on all rows at once."""

    def _compare(self, other, op):
        result = op(np.asarray(self), np.asarray(other))
        if result.all():
            return True
        if not result.any():
            return False
        raise _Mixed(np.broadcast_to(result, self.shape))

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)


def _rowwise(reduce):
    def f(*args):
        items = args[0] if len(args) == 1 else args
        return reduce.reduce(np.broadcast_arrays(*[np.asarray(x, float) for x in items]))
    return f


def shortest_time_constants(values: Mapping[str, float], cols: Sequence[str],
                            table: np.ndarray) -> np.ndarray:
    """:func:`~iocdynamics.scenario.shortest_time_constant` of every row of ``table``
    (columns ``cols`` replacing ``values``), computed on whole columns.

    The scenario module's own function runs on arrays (its ``min`` taken row-wise, each
    branch on the rows that take it); the numbers are those of the row-by-row call (IEEE
    arithmetic is the same on arrays), which is checked on the first row. Anything
    the function does that arrays cannot follow falls back to the row-by-row call.
    """
    f = shortest_time_constant
    vectorised = types.FunctionType(f.__code__, {**f.__globals__, "min": _rowwise(np.minimum),
                                                 "max": _rowwise(np.maximum)})
    values = dict(values)

    def scalar(rows: np.ndarray) -> np.ndarray:
        out = np.empty(len(rows))
        for i, row in enumerate(rows.tolist()):
            values.update(zip(cols, row))
            out[i] = f(values)
        return out

    def columns(rows: np.ndarray) -> np.ndarray:
        if len(rows) == 1:
            return scalar(rows)
        v = dict(values)
        v.update({c: np.ascontiguousarray(rows[:, j]).view(_Column)
                  for j, c in enumerate(cols)})
        try:
            return np.broadcast_to(np.asarray(vectorised(v), float), len(rows)).copy()
        except _Mixed as mixed:  # a branch differs between rows: each side on its own
            out = np.empty(len(rows))
            for side in (mixed.mask, ~mixed.mask):
                out[side] = columns(rows[side])
            return out

    if len(table) == 0:
        return np.empty(0)
    try:
        with np.errstate(all="ignore"):
            taus = columns(table)
        if taus[0] == scalar(table[:1])[0]:
            return taus
    except Exception:  # any construct arrays cannot follow: row by row
        pass
    return scalar(table)


class _KeyLog(dict):
    """A dict that remembers which keys were read."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def time_constant_names(values: Mapping[str, float]) -> set[str]:
    """Names :func:`shortest_time_constant` reads (on every branch it has)."""
    names: set[str] = set()
    for effectiveness in (0.0, 1.0):
        probe = _KeyLog(values)
        probe["evaluation_effectiveness"] = effectiveness
        shortest_time_constant(probe)
        names |= probe.read
    return names
