"""What each member of an ensemble is given: constants, and inputs that change at steps.

Time-dependent inputs (events, lever changes, a new leader's quality) are stored
as changes, not as series on the grid: a member's input ``v`` at step ``k`` is its
*level* (``levels[m, v]``, replaced by every *set* change at or before step ``k``)
plus ``-0.0`` plus the *impulses* at step ``k`` (an event of size ``s`` is an
impulse ``s / dt`` during one step). ``-0.0`` is the neutral element of addition,
so an input without an impulse is its level to the bit, and an impulse on a level
of 0 is the impulse itself. A member's changes are ``step[first[m]:last[m]]``
(sorted by step; ties apply in order), so members may share one list (a table of
parameter sets on a base scenario) or have their own (scenarios).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MemberInputs:
    """Constants and input changes of ``n_members`` members.

    Attributes
    ----------
    constants : ndarray, shape (members, constants)
        In the kernel's constant order.
    levels : ndarray, shape (members, varying)
        Per-step inputs before any change.
    first, last : ndarray of int64, shape (members,)
        Each member's range of changes.
    step, var : ndarray of int64, shape (changes,)
        Grid step of each change and the input (column of ``levels``) it changes.
    value : ndarray, shape (changes,)
        New level, or the amount of an impulse.
    impulse : ndarray of bool, shape (changes,)
        True for an impulse (this step only), False for a new level.
    """

    constants: np.ndarray
    levels: np.ndarray
    first: np.ndarray
    last: np.ndarray
    step: np.ndarray
    var: np.ndarray
    value: np.ndarray
    impulse: np.ndarray

    @classmethod
    def make(cls, constants, levels, first=None, last=None, step=(), var=(), value=(),
             impulse=()) -> MemberInputs:
        """Build with the dtypes and memory layout the kernel expects (no changes by
        default)."""
        constants = np.ascontiguousarray(constants, dtype=np.float64)
        m = constants.shape[0]
        step = np.ascontiguousarray(step, dtype=np.int64)
        zeros = np.zeros(m, dtype=np.int64)
        return cls(constants=constants,
                   levels=np.ascontiguousarray(levels, dtype=np.float64).reshape(m, -1),
                   first=zeros if first is None else np.ascontiguousarray(first, np.int64),
                   last=(np.full(m, len(step), np.int64) if last is None
                         else np.ascontiguousarray(last, np.int64)),
                   step=step, var=np.ascontiguousarray(var, dtype=np.int64),
                   value=np.ascontiguousarray(value, dtype=np.float64),
                   impulse=np.ascontiguousarray(impulse, dtype=np.bool_))

    @property
    def n_members(self) -> int:
        return int(self.constants.shape[0])

    def chunk(self, lo: int, hi: int) -> MemberInputs:
        """Members ``lo:hi``, with only the changes they use."""
        first, last = self.first[lo:hi], self.last[lo:hi]
        if hi <= lo or len(self.step) == 0:
            a = b = 0
        else:
            a, b = int(first.min()), int(last.max())
        return MemberInputs(
            constants=self.constants[lo:hi], levels=self.levels[lo:hi],
            first=first - a, last=last - a, step=self.step[a:b], var=self.var[a:b],
            value=self.value[a:b], impulse=self.impulse[a:b])

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Every array, in a fixed order (for hashing)."""
        return (self.constants, self.levels, self.first, self.last, self.step, self.var,
                self.value, self.impulse)

    def on_grid(self, n_grid: int) -> np.ndarray:
        """The per-step inputs every member reads, ``(members, varying, grid)`` (for
        inspection and tests; the engine never builds this array)."""
        out = np.empty((self.n_members,) + self.levels.shape[1:] + (n_grid,))
        for m in range(self.n_members):
            level = self.levels[m].copy()
            a, b = self.first[m], self.last[m]
            for k in range(n_grid):
                impulse = np.full(len(level), -0.0)
                while a < b and self.step[a] == k:
                    if self.impulse[a]:
                        impulse[self.var[a]] += self.value[a]
                    else:
                        level[self.var[a]] = self.value[a]
                    a += 1
                out[m, :, k] = level + impulse
        return out

    @classmethod
    def from_series(cls, constants: np.ndarray, series: Sequence[np.ndarray]
                    ) -> MemberInputs:
        """Inputs whose per-step values are given on the grid.

        Parameters
        ----------
        constants : ndarray, shape (members, constants)
        series : sequence of ndarray, each of shape (grid,) or (grid, members)
            One per varying input (broadcast views are fine); shape ``(1, members)``
            is a value per member that does not change.

        Each series becomes its first value and a new level wherever it changes,
        so the kernel reads exactly the given values.
        """
        m = np.asarray(constants).shape[0]
        levels = np.empty((m, len(series)))
        shared_rows, shared_vars = [], []  # series equal for every member
        own: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for v, s in enumerate(series):
            s = np.asarray(s, dtype=np.float64)
            if s.ndim == 2 and s.shape[0] == 1:
                levels[:, v] = s[0]
            elif s.ndim == 2 and s.shape[1] > 1 and not np.all(s == s[:, :1]):
                levels[:, v] = s[0]
                k, mem = np.nonzero(s[1:] != s[:-1])
                own.append((mem, k + 1, np.full(len(k), v), s[k + 1, mem]))
            else:
                shared_rows.append(s if s.ndim == 1 else s[:, 0])
                shared_vars.append(v)
        step = var = np.zeros(0, np.int64)
        value = np.zeros(0)
        if shared_rows:
            S = np.stack(shared_rows, axis=1)  # (grid, shared inputs)
            ns = S.shape[1]
            where = np.flatnonzero(S[1:] != S[:-1]) + ns  # in S, by step then input
            shared = np.asarray(shared_vars, np.int64)
            levels[:, shared] = S[0]
            step, var, value = where // ns, shared[where % ns], S.ravel()[where]
        if not own:  # one list for every member
            return cls.make(constants, levels, step=step, var=var, value=value,
                            impulse=np.zeros(len(step), bool))
        shared = [(step, var, value)] if len(step) else []
        for k, var, value in shared:  # per member: repeat the shared changes
            own.append((np.repeat(np.arange(m), len(k)), np.tile(k, m), np.tile(var, m),
                        np.tile(value, m)))
        mem, step, var, value = (np.concatenate(a) for a in zip(*own))
        order = np.lexsort((var, step, mem))
        mem, step, var, value = mem[order], step[order], var[order], value[order]
        first = np.searchsorted(mem, np.arange(m), side="left")
        last = np.searchsorted(mem, np.arange(m), side="right")
        return cls.make(constants, levels, first, last, step, var, value,
                        np.zeros(len(step), bool))
