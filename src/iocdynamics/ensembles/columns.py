"""Many validated scenarios as columns: one array per field, one row per member.

:class:`ScenarioColumns` holds what the engine needs of a list of scenarios (the
registry values, the clock, the events and the lever changes) as numpy arrays,
so that members' inputs are built for all members at once (:mod:`.members`).
It is made from :class:`~iocdynamics.scenario.Scenario` objects
(:meth:`ScenarioColumns.from_scenarios`) or from dicts checked column-wise
(:mod:`.batch`); :meth:`ScenarioColumns.merge` puts parts back in member order.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from ..model import EVENT_KINDS
from ..registry import PARAMETERS
from ..scenario import Scenario, lever_values

NAMES = tuple(PARAMETERS)
"""Registry parameters, in the column order of :attr:`ScenarioColumns.values`."""
COLUMN = {name: j for j, name in enumerate(NAMES)}
KIND = {kind: i for i, kind in enumerate(EVENT_KINDS)}


@dataclass(frozen=True)
class Events:
    """Every member's events, a member's in the scenario's order.

    Attributes
    ----------
    member : ndarray of int64
        The member each event belongs to (non-decreasing).
    at, size : ndarray of float
        Month and size.
    kind : ndarray of int64
        Index into :data:`iocdynamics.model.EVENT_KINDS`.
    quality : ndarray of float
        A leadership change's new leadership quality (where ``sets_quality``).
    sets_quality : ndarray of bool
    """

    member: np.ndarray
    at: np.ndarray
    kind: np.ndarray
    size: np.ndarray
    quality: np.ndarray
    sets_quality: np.ndarray

    def take(self, rows: np.ndarray, member: np.ndarray) -> Events:
        """The events ``rows``, renumbered to ``member``."""
        return Events(member, self.at[rows], self.kind[rows], self.size[rows],
                      self.quality[rows], self.sets_quality[rows])


@dataclass(frozen=True)
class Settings:
    """Every member's lever changes as registry values set from a month on (a
    contract change sets two), a member's in the scenario's order.

    Attributes
    ----------
    member : ndarray of int64
        Non-decreasing.
    at : ndarray of float
    column : ndarray of int64
        Index into :data:`NAMES`.
    value : ndarray of float
    """

    member: np.ndarray
    at: np.ndarray
    column: np.ndarray
    value: np.ndarray

    def take(self, rows: np.ndarray, member: np.ndarray) -> Settings:
        return Settings(member, self.at[rows], self.column[rows], self.value[rows])


def no_events() -> Events:
    e = np.zeros(0)
    return Events(np.zeros(0, np.int64), e, np.zeros(0, np.int64), e, e, np.zeros(0, bool))


def no_settings() -> Settings:
    return Settings(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0))


@dataclass(frozen=True)
class ScenarioColumns:
    """Validated scenarios, one row per member.

    Attributes
    ----------
    names, sources : ndarray of object
        Each scenario's name and where it was read (for messages).
    final_time, time_step, save_interval : ndarray of float
    rows : ndarray, shape (rows, len(NAMES))
        Registry values at the start: distinct rows (members often share theirs).
    row : ndarray of int64
        Each member's row.
    events : Events
    settings : Settings
        The lever changes.
    """

    names: np.ndarray
    sources: np.ndarray
    final_time: np.ndarray
    time_step: np.ndarray
    save_interval: np.ndarray
    rows: np.ndarray
    row: np.ndarray
    events: Events
    settings: Settings

    @property
    def n_members(self) -> int:
        return len(self.names)

    @property
    def values(self) -> np.ndarray:
        """Every member's registry values, members x :data:`NAMES`."""
        return self.rows[self.row]

    @property
    def timed(self) -> bool:
        """Whether any member changes a lever or a leader's quality during the run."""
        return bool(len(self.settings.member) or self.events.sets_quality.any())

    @classmethod
    def from_scenarios(cls, scs: Sequence[Scenario]) -> ScenarioColumns:
        """The columns of :class:`~iocdynamics.scenario.Scenario` objects."""
        n = len(scs)
        fields = operator.attrgetter("name", "source", "final_time", "time_step",
                                     "save_interval", "values")
        names, sources, ft, dt, si, values = zip(*map(fields, scs)) if n else [()] * 6
        rows, row = value_rows(values)
        ev = [(i, e.at, KIND[e.kind], e.size, e.leadership_quality)
              for i, sc in enumerate(scs) if sc.events for e in sc.events]
        if ev:
            member, at, kind, size, quality = zip(*ev)
            sets = np.array([q is not None for q in quality])
            events = Events(np.array(member, np.int64), np.array(at, float),
                            np.array(kind, np.int64), np.array(size, float),
                            np.array([q if q is not None else np.nan for q in quality],
                                     float), sets)
        else:
            events = no_events()
        st = [(i, c.at, COLUMN[name], value) for i, sc in enumerate(scs) if sc.lever_changes
              for c in sc.lever_changes for name, value in lever_values(c.lever,
                                                                        c.value).items()]
        if st:
            member, at, column, value = zip(*st)
            settings = Settings(np.array(member, np.int64), np.array(at, float),
                                np.array(column, np.int64), np.array(value, float))
        else:
            settings = no_settings()
        return cls(np.array(names, dtype=object), np.array(sources, dtype=object),
                   np.array(ft, float), np.array(dt, float), np.array(si, float), rows, row,
                   events, settings)

    def take(self, keep: np.ndarray) -> ScenarioColumns:
        """The members where ``keep`` (bool, one per member) holds, renumbered."""
        new = np.cumsum(keep) - 1
        e, s = keep[self.events.member], keep[self.settings.member]
        return ScenarioColumns(self.names[keep], self.sources[keep], self.final_time[keep],
                               self.time_step[keep], self.save_interval[keep], self.rows,
                               self.row[keep],
                               self.events.take(e, new[self.events.member[e]]),
                               self.settings.take(s, new[self.settings.member[s]]))

    @classmethod
    def merge(cls, parts: Sequence[tuple[np.ndarray, ScenarioColumns]], n: int
              ) -> ScenarioColumns:
        """One set of columns from parts, each with the member positions it fills
        (together every position from 0 to ``n - 1`` once)."""
        parts = [(np.asarray(pos, np.int64), part) for pos, part in parts if len(pos)]
        if len(parts) == 1 and np.array_equal(parts[0][0], np.arange(n)):
            return parts[0][1]  # already in member order
        names, sources = np.empty(n, dtype=object), np.empty(n, dtype=object)
        clock = np.empty((3, n))
        row = np.empty(n, np.int64)
        events, settings = [], []
        offset = 0
        for pos, part in parts:
            names[pos], sources[pos] = part.names, part.sources
            clock[:, pos] = (part.final_time, part.time_step, part.save_interval)
            row[pos] = part.row + offset
            offset += len(part.rows)
            events.append(part.events.take(slice(None), pos[part.events.member]))
            settings.append(part.settings.take(slice(None), pos[part.settings.member]))
        rows = np.concatenate([part.rows for _, part in parts])
        return cls(names, sources, clock[0], clock[1], clock[2], rows, row,
                   _by_member(events, Events), _by_member(settings, Settings))


def value_rows(values: Sequence[Mapping[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Registry values of many mappings: distinct rows (of :data:`NAMES`) and each
    mapping's row.

    Members often share their values (one object, or equal ones differing in events
    only), so each mapping is compared with the one before (``==`` on the mappings,
    in C; not when the first 64 all differ). An equal one takes its row when its
    zeros also have the same sign (``0.0 == -0.0``; Python's numbers are otherwise
    equal only when their floats are the same): the rows hold every member's values
    to the bit.
    """
    first, row = first_and_inverse(np.fromiter(map(id, values), np.uint64, len(values)))
    distinct = [values[i] for i in first.tolist()]
    same = np.zeros(len(distinct), bool)
    probe = min(len(distinct), 65)  # no equal neighbours among the first: all differ
    same[1:probe] = list(map(operator.eq, distinct[1:probe], distinct[:probe - 1]))
    if same.any():
        same[probe:] = list(map(operator.eq, distinct[probe:], distinct[probe - 1:-1]))
    head = np.maximum.accumulate(np.where(same, 0, np.arange(len(distinct))))
    own = ~same  # mappings read in full
    heads = _read_rows([distinct[i] for i in np.flatnonzero(own)])
    zero = np.any(heads == 0, axis=0)
    follow = np.flatnonzero(same)
    if len(follow) and zero.any():  # followers whose zeros differ in sign read in full
        names = [NAMES[j] for j in np.flatnonzero(zero)]
        signs = np.signbit(_read_rows([distinct[i] for i in follow], names))
        number = np.cumsum(own) - 1
        differ = np.any(signs != np.signbit(heads[number[head[follow]]][:, zero]), axis=1)
        if differ.any():
            own[follow[differ]] = True
            head = np.where(own, np.arange(len(distinct)), head)
            heads = _read_rows([distinct[i] for i in np.flatnonzero(own)])
    number = np.cumsum(own) - 1
    return heads, number[head][row]


def _read_rows(values: Sequence[Mapping[str, float]], names: Sequence[str] = NAMES
               ) -> np.ndarray:
    """The values of ``names`` in each mapping, as rows (any key order)."""
    get = operator.itemgetter(*names)
    flat = chain.from_iterable(map(get, values)) if len(names) > 1 else map(get, values)
    return np.fromiter(flat, float, count=len(values) * len(names)).reshape(
        len(values), len(names))


def first_and_inverse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each distinct value of ``x`` first occurs (in order), and each element's
    value by its number in that order."""
    if len(x) and x.min() == x.max():  # one value: the common case of shared objects
        return np.zeros(1, np.int64), np.zeros(len(x), np.int64)
    _, first, which = np.unique(x, return_index=True, return_inverse=True)
    order = np.argsort(first)
    number = np.empty(len(order), np.int64)
    number[order] = np.arange(len(order))
    return first[order], number[which.reshape(-1)]


def _by_member(parts: list, kind: type):
    """Parts concatenated, sorted by member (each member's rows keep their order)."""
    if not parts:
        return no_events() if kind is Events else no_settings()
    whole = kind(*(np.concatenate(a) for a in zip(*(vars(p).values() for p in parts))))
    order = np.argsort(whole.member, kind="stable")
    return whole.take(order, whole.member[order])
