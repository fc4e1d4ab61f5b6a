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
from collections.abc import Sequence
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
        first, row = first_and_inverse(np.fromiter(map(id, values), np.uint64, n))
        by_name = operator.itemgetter(*NAMES)  # any key order, one pass per mapping
        distinct = [values[i] for i in first.tolist()]
        rows = np.fromiter(chain.from_iterable(map(by_name, distinct)), float,
                           count=len(first) * len(NAMES)).reshape(len(first), len(NAMES))
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
