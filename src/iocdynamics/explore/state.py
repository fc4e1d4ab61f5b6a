"""The explorer's logic without the page: what is on the page -> a Scenario -> TOML.

Everything here is a pure function of plain values (what a browser sends back:
numbers, strings, ``None``, lists of row dicts), so it is tested without a browser.
The page holds a *setting*: the values of the controls, the clock, the timeline
tables and the loaded scenario's name, description and claims.
:func:`scenario_from_setting` turns it into a validated
:class:`~iocdynamics.scenario.Scenario` (the scenario contract's own checks, with
messages a reader can act on); :func:`scenario_to_toml` writes a scenario as the
TOML that :func:`~iocdynamics.scenario.load_scenario` reads back to the same
values, so ``iocdyn run`` reproduces the page exactly.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from ..registry import PARAMETERS
from ..scenario import SIMULATION_KEYS, Scenario, ScenarioError
from .controls import is_contract_indicator

SOURCE = "current setting"
"""How error messages name what is on the page."""

EVENT_COLUMNS = ("at", "kind", "size", "leadership_quality", "note")
CHANGE_COLUMNS = ("at", "lever", "value")
CSV_FLOAT_FORMAT = "%.10g"
"""Number format of the trajectories CSV (the same as ``iocdyn run``'s)."""

_TABLE_OF_GROUP = {"context": "context", "lever": "levers", "mechanism": "parameters",
                   "initial": "parameters"}


class SettingError(ValueError):
    """Something typed on the page is not a value; the message says where and why."""


@dataclass(frozen=True)
class Setting:
    """Everything on the page that defines a scenario.

    Attributes
    ----------
    values : mapping
        Control values by control name (registry names, and ``contract``).
    clock : mapping
        ``final_time``, ``time_step`` and ``save_interval`` (months).
    events : sequence of dict
        Rows of the events table (keys of :data:`EVENT_COLUMNS`).
    lever_changes : sequence of dict
        Rows of the lever-changes table (keys of :data:`CHANGE_COLUMNS`).
    name, description : str
    claims : tuple of str
    """

    values: Mapping[str, Any]
    clock: Mapping[str, Any]
    events: Sequence[Mapping[str, Any]] = ()
    lever_changes: Sequence[Mapping[str, Any]] = ()
    name: str = "scenario"
    description: str = ""
    claims: tuple[str, ...] = ()


# ------------------------------------------------------------ scenario -> page
def contract_of(values: Mapping[str, float]) -> str:
    """The scenario's ``contract`` key for a set of registry values."""
    if values["contract_is_binding"]:
        return "binding"
    return "mou" if values["contract_is_mou"] else "none"


def control_values(sc: Scenario) -> dict[str, Any]:
    """Values of every control for a scenario (booleans as 0/1, ``contract`` a string)."""
    out: dict[str, Any] = {}
    for name, value in sc.values.items():
        if is_contract_indicator(name):
            continue
        p = PARAMETERS[name]
        out[name] = int(value) if p.kind in ("int", "bool") else float(value)
    out["contract"] = contract_of(sc.values)
    return out


def event_rows(sc: Scenario) -> list[dict[str, Any]]:
    """The scenario's events as rows of the events table, in time order."""
    return [{"at": e.at, "kind": e.kind, "size": e.size,
             "leadership_quality": e.leadership_quality, "note": e.note}
            for e in sorted(sc.events, key=lambda e: e.at)]


def change_rows(sc: Scenario) -> list[dict[str, Any]]:
    """The scenario's lever changes as rows of the lever-changes table."""
    return [{"at": c.at, "lever": c.lever, "value": c.value}
            for c in sorted(sc.lever_changes, key=lambda c: c.at)]


def setting_of(sc: Scenario) -> Setting:
    """The page's setting that shows scenario ``sc``."""
    return Setting(values=control_values(sc),
                   clock={"final_time": sc.final_time, "time_step": sc.time_step,
                          "save_interval": sc.save_interval},
                   events=event_rows(sc), lever_changes=change_rows(sc), name=sc.name,
                   description=sc.description, claims=tuple(sc.claims))


# ------------------------------------------------------------ page -> scenario
def _blank(x: Any) -> bool:
    return x is None or (isinstance(x, str) and not x.strip())


def _number(x: Any, where: str, what: str) -> float:
    """A number typed on the page (a number or a numeric string)."""
    if _blank(x):
        raise SettingError(f"{where}: {what} is empty; type a number.")
    if isinstance(x, bool):
        raise SettingError(f"{where}: {what} = {x!r} is not a number.")
    if isinstance(x, (int, float)):
        value = float(x)
    else:
        try:
            value = float(str(x).strip())
        except ValueError:
            raise SettingError(f"{where}: {what} = {str(x)!r} is not a number; type a "
                               "number such as 12 or 0.5.") from None
    if not math.isfinite(value):
        raise SettingError(f"{where}: {what} = {x!r} is not a finite number.")
    return value


def _control_value(name: str, value: Any) -> Any:
    p = PARAMETERS.get(name)
    where = f"{SOURCE}: control '{name}'"
    if p is None:
        raise SettingError(f"{where} is not a parameter of the model.")
    if _blank(value):
        raise SettingError(f"{where} is empty; enter a value from {p.lower:g} to "
                           f"{p.upper:g}.")
    if p.kind == "bool":
        if value in (True, False, 0, 1, "0", "1", "true", "false"):
            return value in (True, 1, "1", "true")
        raise SettingError(f"{where} = {value!r} must be yes or no.")
    x = _number(value, where, "value")
    if p.kind == "int":
        if x != int(x):
            raise SettingError(f"{where} = {x:g} must be a whole number.")
        return int(x)
    return x


def _row_place(what: str, table: str, i: int, row: Mapping[str, Any],
               columns: Sequence[str]) -> str:
    """Where a table row is, for messages; refuses columns the table does not have."""
    where = f"{SOURCE}: {what} {i} (row {i} of the {table} table)"
    unknown = [k for k in row if k not in columns]
    if unknown:
        raise SettingError(f"{where}: unknown column(s) {unknown}.")
    return where


def _event(i: int, row: Mapping[str, Any]) -> dict[str, Any]:
    where = _row_place("event", "events", i, row, EVENT_COLUMNS)
    if _blank(row.get("at")):
        raise SettingError(f"{where}: the month is empty; enter the month of the event.")
    if _blank(row.get("kind")):
        raise SettingError(f"{where}: the kind is empty; choose what happens.")
    out: dict[str, Any] = {"at": _number(row["at"], where, "month"),
                           "kind": str(row["kind"])}
    out["size"] = 1.0 if _blank(row.get("size")) else _number(row["size"], where, "size")
    if not _blank(row.get("leadership_quality")):
        out["leadership_quality"] = _number(row["leadership_quality"], where,
                                            "new leadership quality")
    if not _blank(row.get("note")):
        out["note"] = str(row["note"])
    return out


def _change(i: int, row: Mapping[str, Any]) -> dict[str, Any]:
    where = _row_place("lever change", "lever-changes", i, row, CHANGE_COLUMNS)
    for key, what in (("at", "the month"), ("lever", "the lever"), ("value", "the value")):
        if _blank(row.get(key)):
            raise SettingError(f"{where}: {what} is empty.")
    lever = str(row["lever"])
    value = row["value"]
    if lever == "contract":
        value = str(value).strip()
    elif lever in PARAMETERS and PARAMETERS[lever].kind == "bool":
        value = _control_value(lever, value)
    else:
        value = _number(value, where, "value")
        if lever in PARAMETERS and PARAMETERS[lever].kind == "int" and value == int(value):
            value = int(value)
    return {"at": _number(row["at"], where, "month"), "lever": lever, "value": value}


def scenario_dict(setting: Setting) -> dict[str, Any]:
    """The setting as a TOML-shaped scenario dict (what the scenario contract reads).

    Raises
    ------
    SettingError
        If a control, a clock entry or a table cell is not a value of the right kind.
    """
    d: dict[str, Any] = {"name": setting.name or "scenario",
                         "description": setting.description or "",
                         "claims": list(setting.claims),
                         "simulation": {}, "context": {}, "levers": {}, "parameters": {}}
    for key in SIMULATION_KEYS:
        if key in setting.clock:
            d["simulation"][key] = _number(setting.clock[key], f"{SOURCE}: [simulation]",
                                           key)
    for name, value in setting.values.items():
        if name == "contract":
            d["levers"]["contract"] = str(value)
            continue
        if is_contract_indicator(name):
            raise SettingError(f"{SOURCE}: set the contract with 'contract', not '{name}'.")
        p = PARAMETERS.get(name)
        if p is None:
            raise SettingError(f"{SOURCE}: control '{name}' is not a parameter of the "
                               "model.")
        d[_TABLE_OF_GROUP[p.group]][name] = _control_value(name, value)
    d["events"] = [_event(i, r) for i, r in enumerate(setting.events, start=1)]
    d["lever_changes"] = [_change(i, r) for i, r in enumerate(setting.lever_changes, start=1)]
    return d


def scenario_from_setting(setting: Setting) -> Scenario:
    """Validate the page's setting as a scenario.

    Raises
    ------
    SettingError, ScenarioError
        With a message naming the control, clock entry or table row, the value and
        the allowed range.
    """
    return Scenario.from_dict(scenario_dict(setting), source=SOURCE)


# ------------------------------------------------------------ scenario <-> TOML
def scenario_to_toml(sc: Scenario) -> str:
    """Scenario ``sc`` as a TOML file that :func:`~iocdynamics.load_scenario` reads back
    to identical values, events and lever changes (so ``iocdyn run`` reproduces it)."""
    head = (f"# Scenario '{sc.name}' as set in the iocdyn explorer.\n"
            "# Every value is explicit; reproduce the trajectories with\n"
            "#   iocdyn run THIS_FILE.toml -o trajectories.csv\n\n")
    return head + tomli_w.dumps(sc.to_dict())


def scenario_from_toml(text: str | bytes, filename: str) -> Scenario:
    """Read a scenario from the text of a TOML file (an upload), without touching disk.

    Raises
    ------
    ScenarioError
        Naming ``filename`` and the reason (not UTF-8, not TOML, or the scenario
        contract's own message).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError(f"{filename}: not a text file (UTF-8); upload a scenario "
                                ".toml file.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{filename}: not valid TOML: {exc}") from exc
    return Scenario.from_dict(data, source=filename)


def file_stem(name: str) -> str:
    """A safe file name stem for downloads of scenario ``name``."""
    keep = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name.strip())
    return keep.strip("._") or "scenario"


def trajectories_csv(df: pd.DataFrame) -> str:
    """Trajectories as the CSV text ``iocdyn run`` writes for the same scenario."""
    return df.to_csv(float_format=CSV_FLOAT_FORMAT, lineterminator="\n")


# ------------------------------------------------------------ reading the result
def horizon_summary(df: pd.DataFrame, threshold: float,
                    baseline: pd.DataFrame | None = None) -> list[str]:
    """Plain sentences on where the collaboration ends up.

    Parameters
    ----------
    df : DataFrame
        Trajectories with ``collaborative_behaviour``, ``performance`` and ``active``.
    threshold : float
        Collaborative behaviour above which the collaboration is in synergy.
    baseline : DataFrame, optional
        Trajectories of the pinned baseline, to state the difference.
    """
    t_end = float(df.index[-1])
    b = float(df["collaborative_behaviour"].iloc[-1])
    state = "synergy" if b >= threshold else "inertia"
    lines = [f"At month {t_end:g}: collaborative behaviour {b:.2f}, in {state} "
             f"(synergy from {threshold:g})."]
    above = np.flatnonzero(df["collaborative_behaviour"].to_numpy() >= threshold)
    if above.size:
        lines.append(f"Synergy first reached at month {float(df.index[above[0]]):g}.")
    if "performance" in df:
        lines.append(f"Performance at the horizon: {float(df['performance'].iloc[-1]):+.3f} "
                     "against the pre-collaboration baseline.")
    if "active" in df and (df["active"] < 0.5).any():
        t0 = float(df.index[np.argmax(df["active"].to_numpy() < 0.5)])
        lines.append(f"The partnership dissolved at month {t0:g}.")
    if baseline is not None and "collaborative_behaviour" in baseline:
        bb = float(baseline["collaborative_behaviour"].iloc[-1])
        lines.append(f"Pinned baseline at its horizon: collaborative behaviour {bb:.2f} "
                     f"(difference {b - bb:+.2f}).")
    return lines


def frame_from_records(records: Mapping[str, Iterable[float]]) -> pd.DataFrame:
    """A trajectories table from the ``{"time": [...], column: [...]}`` form the page
    keeps (e.g. a pinned baseline)."""
    data = {k: np.asarray(list(v), dtype=float) for k, v in records.items() if k != "time"}
    return pd.DataFrame(data, index=pd.Index(np.asarray(list(records["time"]), dtype=float),
                                             name="time"))


def records_of(df: pd.DataFrame, columns: Iterable[str]) -> dict[str, list[float]]:
    """The inverse of :func:`frame_from_records` for some columns."""
    out = {"time": [float(t) for t in df.index]}
    for c in columns:
        out[c] = [float(x) for x in df[c]]
    return out


def _shown(name: str, value: Any) -> str:
    p = PARAMETERS.get(name)
    if p is not None and p.kind == "bool":
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


def differences(before: Scenario, after: Scenario) -> list[str]:
    """What differs between two scenarios, in words: control values (the contract as
    one), the clock, and the timeline (``"mandated: no -> yes"``)."""
    out = []
    a, b = control_values(before), control_values(after)
    for name in a:
        if a[name] != b[name]:
            out.append(f"{name.replace('_', ' ')}: {_shown(name, a[name])} -> "
                       f"{_shown(name, b[name])}")
    for key in SIMULATION_KEYS:
        x, y = getattr(before, key), getattr(after, key)
        if x != y:
            out.append(f"{key.replace('_', ' ')}: {x:g} -> {y:g}")
    if before.events != after.events:
        out.append(f"events ({len(before.events)} -> {len(after.events)})")
    if before.lever_changes != after.lever_changes:
        out.append(f"lever changes ({len(before.lever_changes)} -> "
                   f"{len(after.lever_changes)})")
    return out
