"""Scenario files: a collaboration's context, policy levers and timeline of events.

A scenario is a TOML file (or the same structure as a dict)::

    name = "voluntary buddying"
    description = "..."
    claims = ["P5", "T1"]
    [simulation]
    final_time = 60        # months
    time_step = 0.125      # months
    save_interval = 1      # months between saved rows
    [context]   ...        # see registry: group "context"
    [levers]    ...        # group "lever"; contract = "none" | "mou" | "binding"
    [parameters] ...       # optional overrides of mechanism constants and initial levels
    [[events]]
    at = 12                # month
    kind = "quick_win"     # see EVENT_KINDS
    size = 1.0             # (0, 1]
    # leadership_quality = 0.9   # leadership_change only: the new leader's quality
    [[lever_changes]]      # optional: a lever set to a new value from a month on
    at = 24
    lever = "formalisation"   # any lever, or "contract" with "none" | "mou" | "binding"
    value = 0.8

Missing keys take the registry defaults. Unknown keys, wrong types and values out
of range raise :class:`ScenarioError` naming the file, the key, the value and the
allowed range.

Why a time step of 0.125 month: the shortest adjustment time allowed by the
registry bounds is 0.25 month (trust eroding at eight times its fastest build
rate), and an Euler step of at most half the shortest time constant keeps every
bounded stock inside its bounds (each step is a convex combination) while
halving it changes no stock by more than 0.02 (see the tests). A power of two
also keeps the clock exact in binary floating point, so event times and
evaluation rounds land on the same steps in every engine.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .engine import save_indices, time_grid
from .io import read_toml
from .model import EVENT_KINDS
from .registry import PARAMETERS, Parameter, defaults

CONTRACTS = ("none", "mou", "binding")
#: The registry indicators behind the scenario key ``contract``.
CONTRACT_FLAGS = ("contract_is_mou", "contract_is_binding")

SIMULATION_KEYS = {
    "final_time": (60.0, 1.0, 1200.0, "Month"),
    "time_step": (0.125, 1e-4, 1.0, "Month"),
    "save_interval": (1.0, 1e-4, 1200.0, "Month"),
}
_SCENARIO_CONTEXT = [p.name for p in PARAMETERS.values() if p.group == "context"]
_SCENARIO_LEVERS = ["contract"] + [p.name for p in PARAMETERS.values()
                                   if p.group == "lever" and not p.name.startswith("contract_")]
_SCENARIO_PARAMETERS = [p.name for p in PARAMETERS.values()
                        if p.group in ("mechanism", "initial")]
#: The keys each table of settings accepts (``contract`` is the lever word for the
#: two contract indicators).
SETTINGS_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "context": tuple(_SCENARIO_CONTEXT), "levers": tuple(_SCENARIO_LEVERS),
    "parameters": tuple(_SCENARIO_PARAMETERS)})
TOP_LEVEL_KEYS = ("name", "description", "claims", "simulation", "context", "levers",
                  "parameters", "events", "lever_changes")
LEVER_CHANGE_KEYS = ("at", "lever", "value")
EVENT_KEYS = ("at", "kind", "size", "leadership_quality", "note")


class ScenarioError(ValueError):
    """A scenario file or dict is invalid; the message names the place and the fix."""


@dataclass(frozen=True)
class Event:
    """A dated event on the collaboration's timeline.

    Attributes
    ----------
    at : float
        Month at which the event happens (it takes effect at the nearest time step).
    kind : str
        One of :data:`iocdynamics.model.EVENT_KINDS`.
    size : float
        Magnitude in (0, 1].
    leadership_quality : float, optional
        For ``leadership_change`` only: the quality of the new leadership from then on.
    note : str
        Free text (e.g. the event's number in the paper's figure).
    """

    at: float
    kind: str
    size: float = 1.0
    leadership_quality: float | None = None
    note: str = ""


@dataclass(frozen=True)
class LeverChange:
    """A policy lever set to a new value from a given month on.

    Attributes
    ----------
    at : float
        Month from which the new value holds (nearest time step).
    lever : str
        A lever name of the registry (``formalisation``, ``evaluation_interval``, ...)
        or ``contract`` (then ``value`` is ``"none"``, ``"mou"`` or ``"binding"``).
    value : float or str
    """

    at: float
    lever: str
    value: float | str


@dataclass(frozen=True)
class Scenario:
    """A fully specified simulation: every model constant, the events and the clock.

    Build one with :meth:`from_file`, :meth:`from_dict` or :func:`load_scenario`;
    change it with :meth:`with_values`.
    """

    name: str = "scenario"
    description: str = ""
    claims: tuple[str, ...] = ()
    final_time: float = 60.0
    time_step: float = 0.125
    save_interval: float = 1.0
    values: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(defaults()))
    events: tuple[Event, ...] = ()
    lever_changes: tuple[LeverChange, ...] = ()
    source: str = "<scenario>"

    # ------------------------------------------------------------ construction
    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario TOML file."""
        path = Path(path)
        data = read_toml(path, ScenarioError, "scenario file")
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> Scenario:
        """Validate a scenario given as a (TOML-shaped) mapping."""
        return _parse(data, source)

    def with_values(self, **values: float | bool | str) -> Scenario:
        """A copy with some settings replaced, in the scenario file's words.

        Parameters
        ----------
        **values
            Context and lever names as in the file (``mandated=True``,
            ``formalisation=0.8``, ``evaluation_interval=1``), ``contract="none"``,
            ``"mou"`` or ``"binding"``, and any other registry constant (mechanism
            constants, initial levels). Validated like the file: unknown names,
            wrong types, values out of range and contradictory contract settings
            raise :class:`ScenarioError`.
        """
        new = dict(self.values)
        where = f"{self.source} (override)"
        values = dict(values)
        if "contract" in values:
            contract = values.pop("contract")
            flags = sorted(set(CONTRACT_FLAGS) & set(values))
            if flags:
                raise ScenarioError(f"{where}: contract = {contract!r} and {', '.join(flags)} "
                                    "both set the formal agreement; give contract = 'none', "
                                    "'mou' or 'binding' alone.")
            new.update(contract_values(contract, where))
        for k, v in values.items():
            if k not in PARAMETERS:
                raise _unknown_setting(k, where)
            new[k] = _check_value(PARAMETERS[k], k, v, where, "values")
        _check_contract_flags(new, where)
        out = replace(self, values=MappingProxyType(new))
        _check_time_step(out)
        return out

    # ---------------------------------------------------------------- queries
    def grid(self) -> np.ndarray:
        """Clock values of the Euler integration."""
        return time_grid(self.final_time, self.time_step)

    def save_times(self) -> np.ndarray:
        """Times of the saved rows."""
        n = int(round(self.final_time / self.save_interval))
        return np.arange(n + 1) * self.save_interval

    def constants(self) -> dict[str, float]:
        """Every model constant by registry name."""
        return dict(self.values)

    def event_step(self, event: Event) -> int:
        """Index of the time step at which ``event`` takes effect."""
        return int(round(event.at / self.time_step))

    def input_series(self) -> dict[str, np.ndarray]:
        """Time-dependent inputs on the integration grid.

        Each event of size ``s`` becomes a rate of ``s / time_step`` during one time
        step (an impulse of total ``s``). A ``leadership_change`` with a
        ``leadership_quality`` makes ``leadership_quality`` a step function.
        """
        grid = self.grid()
        out = {f"{k}_input": np.zeros(len(grid)) for k in EVENT_KINDS}
        lq = np.full(len(grid), float(self.values["leadership_quality"]))
        changed = False
        for ev in sorted(self.events, key=lambda e: e.at):
            k = self.event_step(ev)
            out[f"{ev.kind}_input"][k] += ev.size / self.time_step
            if ev.leadership_quality is not None:
                lq[k:] = ev.leadership_quality
                changed = True
        if changed:
            out["leadership_quality"] = lq
        for change in sorted(self.lever_changes, key=lambda c: c.at):
            k = int(round(change.at / self.time_step))
            for name, value in lever_values(change.lever, change.value).items():
                arr = out.setdefault(name, np.full(len(grid), float(self.values[name])))
                arr[k:] = value
        return out

    def contract(self) -> str:
        """The formal agreement at the start: ``"none"``, ``"mou"`` or ``"binding"``."""
        return contract_name(self.values)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a TOML-shaped dict (all values explicit)."""
        v = self.values
        contract = self.contract()
        d: dict[str, Any] = {"name": self.name, "description": self.description,
                             "claims": list(self.claims),
                             "simulation": {"final_time": self.final_time,
                                            "time_step": self.time_step,
                                            "save_interval": self.save_interval}}
        d["context"] = {k: _export(PARAMETERS[k], v[k]) for k in _SCENARIO_CONTEXT}
        d["levers"] = {"contract": contract}
        d["levers"].update({k: _export(PARAMETERS[k], v[k]) for k in _SCENARIO_LEVERS[1:]})
        d["parameters"] = {k: v[k] for k in _SCENARIO_PARAMETERS}
        d["lever_changes"] = [{"at": c.at, "lever": c.lever,
                               "value": c.value if c.lever == "contract" else
                               _export(PARAMETERS[c.lever], c.value)}
                              for c in self.lever_changes]
        d["events"] = [{k: val for k, val in (("at", e.at), ("kind", e.kind),
                                              ("size", e.size),
                                              ("leadership_quality", e.leadership_quality),
                                              ("note", e.note))
                        if val is not None and val != ""} for e in self.events]
        return d


def contract_values(contract: str, where: str = "contract") -> dict[str, float]:
    """The two registry indicators a contract word sets.

    Parameters
    ----------
    contract : {"none", "mou", "binding"}
    where : str
        Where the word was read, for the error message.

    Returns
    -------
    dict
        ``{"contract_is_mou": 0 or 1, "contract_is_binding": 0 or 1}``.
    """
    if contract not in CONTRACTS:
        raise ScenarioError(f"{where}: contract = {contract!r} is not allowed; use one of "
                            f"{', '.join(repr(c) for c in CONTRACTS)}.")
    return {"contract_is_mou": float(contract == "mou"),
            "contract_is_binding": float(contract == "binding")}


def contract_name(values: Mapping[str, float]) -> str:
    """The contract word (``"none"``, ``"mou"``, ``"binding"``) of registry values."""
    return ("binding" if values["contract_is_binding"] else
            "mou" if values["contract_is_mou"] else "none")


def _check_contract_flags(values: Mapping[str, float], where: str) -> None:
    if values["contract_is_mou"] and values["contract_is_binding"]:
        raise ScenarioError(
            f"{where}: contract_is_mou = 1 and contract_is_binding = 1 together describe no "
            "agreement the model knows (an agreement is either a memorandum of understanding "
            "or a binding contract); set contract = 'mou' or contract = 'binding'.")


def _unknown_setting(key: str, where: str) -> ScenarioError:
    close = difflib.get_close_matches(key, [*PARAMETERS, "contract"], n=3)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ScenarioError(
        f"{where}: unknown setting '{key}'.{hint} Settings are the scenario file's "
        "[context] and [levers] names (e.g. mandated=True, formalisation=0.8), "
        "contract='none' | 'mou' | 'binding', and the model's constants "
        "(`iocdyn equations` lists every one with its range).")


def lever_values(lever: str, value: float | str) -> dict[str, float]:
    """Registry values set by one lever value (``contract`` sets two indicators).

    Parameters
    ----------
    lever : str
        A lever name of the registry, or ``contract``.
    value : float or str
        The lever's value (``"none"``, ``"mou"`` or ``"binding"`` for ``contract``).

    Returns
    -------
    dict
        Registry name -> value.
    """
    if lever == "contract":
        return contract_values(value)
    return {lever: float(value)}


def _export(p: Parameter, value: float):
    if p.kind == "bool":
        return bool(value)
    if p.kind == "int":
        return int(value)
    return value


def load_scenario(scenario: str | Path | Mapping[str, Any] | Scenario) -> Scenario:
    """Accept a path, a dict or a :class:`Scenario` and return a validated Scenario."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, Path)):
        return Scenario.from_file(scenario)
    if isinstance(scenario, Mapping):
        return Scenario.from_dict(scenario)
    raise TypeError(f"a scenario is a path, a dict or a Scenario, not {type(scenario).__name__}")


# ------------------------------------------------------------------ validation
def _unknown(key: str, known, where: str, source: str) -> ScenarioError:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return ScenarioError(f"{source}: unknown key '{key}' in {where}{hint} "
                         f"Known keys: {', '.join(known)}.")


def _fmt(x: float) -> str:
    return f"{x:g}"


def _as_float(value: int | float) -> float:
    """A number as a float (an int beyond the float range as an infinity)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _check_value(p: Parameter | None, key: str, value: Any, source: str, table: str) -> float:
    if p is None:
        raise _unknown(key, PARAMETERS, f"[{table}]", source)
    where = f"{source}: [{table}] {key} = {value!r}"
    if p.kind == "bool":
        if isinstance(value, bool):
            return float(value)
        if table == "values" and value in (0, 1, 0.0, 1.0):
            return float(value)
        raise ScenarioError(f"{where} has the wrong type; expected true or false.")
    if p.kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(_as_float(value)) or float(value) != int(value):
            raise ScenarioError(f"{where} has the wrong type; expected a whole number "
                                f"from {_fmt(p.lower)} to {_fmt(p.upper)}.")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where} has the wrong type; expected a number from "
                            f"{_fmt(p.lower)} to {_fmt(p.upper)} ({p.units}).")
    value = _as_float(value)
    if not math.isfinite(value) or value < p.lower or value > p.upper:
        raise ScenarioError(f"{where} is out of range; allowed {_fmt(p.lower)} to "
                            f"{_fmt(p.upper)} ({p.units}).")
    return value


def _table(data: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    t = data.get(key, {})
    if not isinstance(t, Mapping):
        raise ScenarioError(f"{source}: '{key}' must be a table ([{key}]), not "
                            f"{type(t).__name__}.")
    return t


def simulation_settings(data: Mapping[str, Any], source: str = "<dict>"
                        ) -> dict[str, float]:
    """The clock of a scenario mapping: its ``[simulation]`` table validated, with the
    defaults for missing keys.

    Parameters
    ----------
    data : mapping
        A scenario as a (TOML-shaped) mapping; only ``data["simulation"]`` is read.
    source : str
        Where the scenario comes from, for the error message.

    Returns
    -------
    dict
        ``final_time``, ``time_step`` and ``save_interval`` in months.

    Raises
    ------
    ScenarioError
        A value is out of range, or the times are not whole numbers of steps.
    """
    sim = {k: v[0] for k, v in SIMULATION_KEYS.items()}
    for k, v in _table(data, "simulation", source).items():
        if k not in SIMULATION_KEYS:
            raise _unknown(k, SIMULATION_KEYS, "[simulation]", source)
        _, lo, hi, units = SIMULATION_KEYS[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or \
                not math.isfinite(_as_float(v)) or not lo <= v <= hi:
            raise ScenarioError(f"{source}: [simulation] {k} = {v!r} is out of range; "
                                f"allowed {_fmt(lo)} to {_fmt(hi)} ({units}).")
        sim[k] = float(v)
    for k in ("final_time", "save_interval"):
        ratio = sim[k] / sim["time_step"]
        if abs(ratio - round(ratio)) > 1e-9 * max(1.0, ratio):
            raise ScenarioError(f"{source}: [simulation] {k} = {_fmt(sim[k])} is not a "
                                f"whole number of time steps ({_fmt(sim['time_step'])}); "
                                "choose a multiple.")
    ratio = sim["final_time"] / sim["save_interval"]
    if abs(ratio - round(ratio)) > 1e-9 * max(1.0, ratio):
        raise ScenarioError(f"{source}: [simulation] final_time = {_fmt(sim['final_time'])} "
                            f"is not a multiple of save_interval = "
                            f"{_fmt(sim['save_interval'])}.")
    return sim



def description_and_claims(data: Mapping[str, Any], source: str,
                           error: type[Exception] = ScenarioError,
                           example: str = '["P5", "T1"]') -> tuple[str, list[str]]:
    """The ``description`` (default ``""``) and ``claims`` (default ``[]``) of a
    scenario or experiment file, checked: ``error`` names ``source`` and the key, with
    ``example`` as a valid list of claim ids."""
    description = data.get("description", "")
    if not isinstance(description, str):
        raise error(f"{source}: description must be a string.")
    claims = data.get("claims", [])
    if not isinstance(claims, list) or not all(isinstance(c, str) for c in claims):
        raise error(f"{source}: claims must be a list of claim ids, e.g. {example}.")
    return description, claims


def _parse(data: Mapping[str, Any], source: str) -> Scenario:
    for k in data:
        if k not in TOP_LEVEL_KEYS:
            raise _unknown(k, TOP_LEVEL_KEYS, "the top level", source)
    values = defaults()
    name = data.get("name", Path(source).stem if source not in ("<dict>",) else "scenario")
    if not isinstance(name, str):
        raise ScenarioError(f"{source}: name = {name!r} must be a string.")
    description, claims = description_and_claims(data, source)

    sim = simulation_settings(data, source)

    for k, v in _table(data, "context", source).items():
        if k not in _SCENARIO_CONTEXT:
            raise _unknown(k, _SCENARIO_CONTEXT, "[context]", source)
        values[k] = _check_value(PARAMETERS[k], k, v, source, "context")
    for k, v in _table(data, "levers", source).items():
        if k == "contract":
            values.update(contract_values(v, f"{source}: [levers]"))
            continue
        if k not in _SCENARIO_LEVERS:
            raise _unknown(k, _SCENARIO_LEVERS, "[levers]", source)
        values[k] = _check_value(PARAMETERS[k], k, v, source, "levers")
    for k, v in _table(data, "parameters", source).items():
        if k not in _SCENARIO_PARAMETERS:
            raise _unknown(k, _SCENARIO_PARAMETERS, "[parameters]", source)
        values[k] = _check_value(PARAMETERS[k], k, v, source, "parameters")

    events_raw = data.get("events", [])
    if not isinstance(events_raw, list):
        raise ScenarioError(f"{source}: events must be an array of tables ([[events]]).")
    events = []
    for i, e in enumerate(events_raw, start=1):
        where = f"{source}: event {i}"
        if not isinstance(e, Mapping):
            raise ScenarioError(f"{where} must be a table with at, kind and size.")
        for k in e:
            if k not in EVENT_KEYS:
                raise _unknown(k, EVENT_KEYS, f"event {i}", source)
        if "at" not in e or "kind" not in e:
            raise ScenarioError(f"{where} needs both 'at' (month) and 'kind'.")
        kind = e["kind"]
        if kind not in EVENT_KINDS:
            raise ScenarioError(f"{where}: kind = {kind!r} is not an event kind the model "
                                f"has; use one of {', '.join(EVENT_KINDS)}.")
        at = e["at"]
        if isinstance(at, bool) or not isinstance(at, (int, float)) or \
                not 0 <= at < sim["final_time"]:
            raise ScenarioError(f"{where}: at = {at!r} is out of range; allowed 0 to "
                                f"{_fmt(sim['final_time'])} (months, before final_time).")
        size = e.get("size", 1.0)
        if isinstance(size, bool) or not isinstance(size, (int, float)) or \
                not 0 < size <= 1:
            raise ScenarioError(f"{where}: size = {size!r} is out of range; allowed above "
                                "0 up to 1.")
        lq = e.get("leadership_quality")
        if lq is not None:
            if kind != "leadership_change":
                raise ScenarioError(f"{where}: leadership_quality is only allowed on a "
                                    "leadership_change event.")
            if isinstance(lq, bool) or not isinstance(lq, (int, float)) or not 0 <= lq <= 1:
                raise ScenarioError(f"{where}: leadership_quality = {lq!r} is out of "
                                    "range; allowed 0 to 1.")
            lq = float(lq)
        note = e.get("note", "")
        if not isinstance(note, str):
            raise ScenarioError(f"{where}: note must be a string.")
        events.append(Event(float(at), kind, float(size), lq, note))

    changes_raw = data.get("lever_changes", [])
    if not isinstance(changes_raw, list):
        raise ScenarioError(f"{source}: lever_changes must be an array of tables "
                            "([[lever_changes]]).")
    changes = []
    for i, c in enumerate(changes_raw, start=1):
        where = f"{source}: lever change {i}"
        if not isinstance(c, Mapping) or not {"at", "lever", "value"} <= set(c):
            raise ScenarioError(f"{where} must be a table with at, lever and value.")
        for k in c:
            if k not in LEVER_CHANGE_KEYS:
                raise _unknown(k, LEVER_CHANGE_KEYS, f"lever change {i}", source)
        at, lever, value = c["at"], c["lever"], c["value"]
        if isinstance(at, bool) or not isinstance(at, (int, float)) or \
                not 0 <= at < sim["final_time"]:
            raise ScenarioError(f"{where}: at = {at!r} is out of range; allowed 0 to "
                                f"{_fmt(sim['final_time'])} (months, before final_time).")
        if lever == "contract":
            if value not in CONTRACTS:
                raise ScenarioError(f"{where}: contract = {value!r} is not allowed; use one "
                                    f"of {', '.join(repr(x) for x in CONTRACTS)}.")
        elif lever in _SCENARIO_LEVERS:
            value = _check_value(PARAMETERS[lever], lever, value, source,
                                 f"lever_changes {i}")
        else:
            raise _unknown(str(lever), _SCENARIO_LEVERS, f"lever change {i} (lever)", source)
        changes.append(LeverChange(float(at), lever, value))

    sc = Scenario(name=name, description=description, claims=tuple(claims),
                  final_time=sim["final_time"], time_step=sim["time_step"],
                  save_interval=sim["save_interval"],
                  values=MappingProxyType(values), events=tuple(events),
                  lever_changes=tuple(changes), source=source)
    seen: dict[tuple[str, int], Event] = {}
    for ev in sc.events:
        key = (ev.kind, sc.event_step(ev))
        if key in seen:
            raise ScenarioError(f"{source}: two {ev.kind} events at months "
                                f"{_fmt(seen[key].at)} and {_fmt(ev.at)} fall in the same "
                                "time step; merge them into one event or space them apart.")
        seen[key] = ev
    _check_time_step(sc)
    _check_clock(sc)
    _check_timing(sc)
    return sc


def shortest_time_constant(values: Mapping[str, float]) -> float:
    """Shortest adjustment time (months) implied by a set of constants."""
    v = values
    taus = [v["trust_build_time"] / v["trust_erosion_speedup"], v["faith_adjustment_time"],
            v["conflict_adjustment_time"], v["informal_perception_time"],
            v["risk_tolerance_adjustment_time"], v["confidence_adjustment_time"],
            v["behaviour_adjustment_time"], v["performance_adjustment_time"],
            v["vision_adjustment_time"], v["assimilation_time"],
            v["ambition_adjustment_time"], v["dwell_recovery_time"],
            1.0 / (v["capability_accrual_rate"] + v["capability_decay_rate"]),
            v["contract_obsolescence_time"]]
    # stocks drained by routine task failures as well as by their own adjustment
    fail = v["competitive_failure_rate"]
    for tau, effect in ((v["experience_time"], "task_failure_experience_effect"),
                        (v["conflict_adjustment_time"], "task_failure_conflict_effect"),
                        (v["informal_perception_time"], "task_failure_progress_effect")):
        taus.append(1.0 / (1.0 / tau + fail * v[effect]))
    if v["evaluation_effectiveness"] > 0:
        taus.append(v["evaluation_round_duration"] / v["evaluation_effectiveness"])
    return min(taus)


def _check_time_step(sc: Scenario) -> None:
    tau = shortest_time_constant(sc.values)
    if sc.time_step > tau / 2 + 1e-12:
        raise ScenarioError(
            f"{sc.source}: [simulation] time_step = {_fmt(sc.time_step)} is too long for "
            f"the shortest adjustment time of this scenario ({_fmt(tau)} months); Euler "
            f"integration needs time_step <= {_fmt(tau / 2)} to keep the stocks in bounds.")


def clock_on_grid(final_time: float, time_step: float, save_interval: float) -> bool:
    """Whether the clock reaches ``final_time`` and every save time in whole steps
    (repeated addition of a step that is not a binary fraction drifts off the grid).

    Parameters
    ----------
    final_time, time_step, save_interval : float
        A scenario's clock (months), each already in range.
    """
    grid = time_grid(final_time, time_step)
    n = int(round(final_time / time_step))
    if len(grid) != n + 1 or abs(grid[-1] - final_time) > time_step * 1e-6:
        return False
    save_times = np.arange(int(round(final_time / save_interval)) + 1) * save_interval
    try:
        save_indices(grid, save_times, time_step)
    except ValueError:
        return False
    return True


def _check_clock(sc: Scenario) -> None:
    """The clock lands on the save times (:func:`clock_on_grid`)."""
    n = int(round(sc.final_time / sc.time_step))
    if not clock_on_grid(sc.final_time, sc.time_step, sc.save_interval):
        exact = 2.0 ** math.floor(math.log2(sc.time_step))
        raise ScenarioError(
            f"{sc.source}: [simulation] time_step = {_fmt(sc.time_step)}: adding it "
            f"{n} times does not land on the save times up to final_time = "
            f"{_fmt(sc.final_time)} in floating point; use a power of two such as "
            f"time_step = {_fmt(exact)} (exact in binary, so the clock stays on the grid).")


def _check_timing(sc: Scenario) -> None:
    """Every event and lever change takes effect before the last time step: a change
    at the last step would act after the run ends, i.e. silently have no effect."""
    n = int(round(sc.final_time / sc.time_step))
    latest = sc.final_time - sc.time_step / 2
    items = [(f"event {i}", e.at) for i, e in enumerate(sc.events, start=1)]
    items += [(f"lever change {i}", c.at) for i, c in enumerate(sc.lever_changes, start=1)]
    for where, at in items:
        if int(round(at / sc.time_step)) >= n:
            raise ScenarioError(
                f"{sc.source}: {where}: at = {_fmt(at)} falls on the last time step "
                f"(final_time = {_fmt(sc.final_time)}, time_step = {_fmt(sc.time_step)}), "
                f"where it would have no effect; allowed: at < {_fmt(latest)} "
                "(final_time - time_step/2), or extend final_time.")
