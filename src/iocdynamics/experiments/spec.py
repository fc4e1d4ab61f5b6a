"""Experiment files: schema, parsing and validation.

An experiment file is TOML::

    name = "formalisation_by_mandate"
    description = "..."
    claims = ["F1", "F2"]
    base = "scenarios/voluntary_buddying.toml"   # relative to this file
    members = 200          # uncertainty samples per lever setting
    seed = 1               # every random draw derives from it

    [levers]               # full factorial over these (context keys allowed too)
    contract = ["none", "mou", "binding"]
    formalisation = {range = [0, 1], n = 5}
    mandated = [false, true]
    evaluation_interval = {values = [3, 12], at = 24}   # set from month 24 on
    [levers.quick_wins]    # an event-count lever: 0, 2 or 4 quick wins
    count = [0, 2, 4]
    first = 6              # month of the first
    spacing = 6            # months between them
    size = 0.5

    [uncertainty]
    sampling = "lhs"       # or "random"
    mechanism_spread = 0.2 # every mechanism constant uniform within +-20% of its base
    from_calibration = "calibration/results/NAME"   # posterior samples or intervals
    [uncertainty.parameters]
    history_of_collaboration = [0.1, 0.4]           # uniform
    trust_build_time = {distribution = "triangular", lower = 3, mode = 6, upper = 12}
    leadership_quality = {distribution = "normal", mean = 0.5, sd = 0.15}
    organisation_size = "bounds"                    # uniform over the registry bounds

    [metrics]
    synergy_threshold = 0.4

    [figures]
    fan_stocks = ["trust", "faith", "collaborative_behaviour", "performance"]
    [[figures.heatmap]]
    x = "formalisation"
    y = "contract"
    metric = "behaviour_at_horizon"
    facet = "mandated"

``base`` is either a path (relative to the experiment file) or an inline table
with the structure of a scenario file; an inline table may name a ``file`` whose
tables it overrides key by key and whose events it extends.

A lever level is a value, or a table ``{value = V, at = MONTH, before = B}``: the
lever holds ``B`` (default: the base value) until ``MONTH`` and ``V`` from then on.

Bad input raises :class:`ExperimentError` naming the file, the key, the value and
the allowed range.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..io import parse_toml, plain_name_problem, read_toml
from ..model import EVENT_KINDS
from ..registry import PARAMETERS
from ..scenario import CONTRACTS, Scenario, ScenarioError, description_and_claims
from .metrics import DEFAULT_SYNERGY_THRESHOLD, METRICS

TOP_LEVEL_KEYS = ("name", "description", "claims", "base", "members", "seed", "levers",
                  "uncertainty", "metrics", "figures")
UNCERTAINTY_KEYS = ("sampling", "mechanism_spread", "from_calibration", "parameters")
SAMPLINGS = ("lhs", "random")
DISTRIBUTIONS = {
    "uniform": ("lower", "upper"),
    "loguniform": ("lower", "upper"),
    "triangular": ("lower", "mode", "upper"),
    "normal": ("mean", "sd"),
    "bernoulli": ("p",),
}
EVENT_LEVER_KEYS = ("count", "first", "spacing", "size", "kind")
FIGURE_KEYS = ("fan_stocks", "fan_where", "heatmap")
HEATMAP_KEYS = ("x", "y", "metric", "facet", "where", "statistic")
STATISTICS = ("median", "mean", "p5", "p95")
DEFAULT_FAN_STOCKS = ("trust", "faith", "collaborative_behaviour", "performance")
MAX_MEMBERS = 1_000_000
"""Hard upper bound of ``members`` (a lower one follows from the machine's memory,
see :func:`check_members`)."""
DEFAULT_MEMBERS = 100


class ExperimentError(ValueError):
    """An experiment file is invalid; the message names the place and the fix."""


# ---------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Level:
    """One value of a lever.

    Attributes
    ----------
    value : float, str or int
        The lever's value (``contract``: ``"none"``, ``"mou"`` or ``"binding"``;
        an event-count lever: the number of events).
    at : float, optional
        Month from which ``value`` holds; ``None`` means from the start.
    before : float or str, optional
        Value before ``at`` (default: the base scenario's value).
    """

    value: float | str | int
    at: float | None = None
    before: float | str | None = None

    @property
    def timed(self) -> bool:
        return self.at is not None


@dataclass(frozen=True)
class EventPlan:
    """How an event-count lever places its events: ``count`` events of ``kind``
    and ``size``, the first at month ``first``, then every ``spacing`` months."""

    kind: str
    first: float
    spacing: float
    size: float


@dataclass(frozen=True)
class LeverAxis:
    """One factor of the design: a lever (or context key) and its levels."""

    name: str
    levels: tuple[Level, ...]
    events: EventPlan | None = None
    base_label: str = "base"

    def labels(self) -> list[str]:
        """Short labels of the levels, for tables and figures."""
        return [level_label(self.name, lv, self.base_label) for lv in self.levels]


@dataclass(frozen=True)
class Distribution:
    """A marginal distribution of one uncertain parameter.

    ``kind`` is a key of :data:`DISTRIBUTIONS`; ``args`` its named arguments.
    Normal distributions are truncated to the registry bounds.
    """

    name: str
    kind: str
    args: Mapping[str, float]


@dataclass(frozen=True)
class UncertaintySpec:
    """The uncertainty propagated through every lever setting."""

    sampling: str = "lhs"
    distributions: tuple[Distribution, ...] = ()
    mechanism_spread: float = 0.0
    from_calibration: Path | None = None

    @property
    def empty(self) -> bool:
        return not self.distributions and self.mechanism_spread == 0 and \
            self.from_calibration is None


@dataclass(frozen=True)
class Heatmap:
    """A heatmap of ``statistic`` of ``metric`` over levers ``x`` and ``y``."""

    x: str
    y: str
    metric: str
    facet: str | None = None
    where: Mapping[str, Any] = field(default_factory=dict)
    statistic: str = "median"


@dataclass(frozen=True)
class FigureSpec:
    """Figures to draw: fan charts of ``fan_stocks`` (for the settings matching
    ``fan_where``, lever -> level label) and heatmaps."""

    fan_stocks: tuple[str, ...] = DEFAULT_FAN_STOCKS
    heatmaps: tuple[Heatmap, ...] = ()
    fan_where: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment file. Build one with :func:`load_experiment`."""

    name: str
    description: str
    claims: tuple[str, ...]
    base: Scenario
    levers: tuple[LeverAxis, ...]
    uncertainty: UncertaintySpec
    members: int
    seed: int
    synergy_threshold: float = DEFAULT_SYNERGY_THRESHOLD
    figures: FigureSpec = FigureSpec()
    source: str = "<experiment>"

    @property
    def n_settings(self) -> int:
        """Number of lever settings (the size of the full factorial)."""
        return int(np.prod([len(a.levels) for a in self.levers])) if self.levers else 1

    def lever(self, name: str) -> LeverAxis:
        for a in self.levers:
            if a.name == name:
                return a
        raise KeyError(f"{self.source}: no lever '{name}' in this experiment")

    def with_members(self, members: int, where: str = "members =") -> ExperimentSpec:
        """A copy with another ensemble size (e.g. a reduced one for a demo), checked
        like the file's ``members`` (``where`` names it in errors, e.g. ``--members``)."""
        from dataclasses import replace

        out = replace(self, members=members)
        check_members(out, where)
        return replace(out, members=int(members))


# ------------------------------------------------------------------ helpers
def check_varies(spec: ExperimentSpec) -> None:
    """Refuse an experiment with neither levers nor uncertainty (e.g. an empty file):
    it is a single run of the base scenario.

    Raises
    ------
    ExperimentError
    """
    if not spec.levers and spec.uncertainty.empty:
        raise ExperimentError(f"{spec.source}: the experiment varies nothing: add levers "
                              "([levers], e.g. formalisation = [0, 0.5, 1]) or uncertainty "
                              "([uncertainty], e.g. mechanism_spread = 0.2); for one run of "
                              "a scenario use `iocdyn run`.")


def check_members(spec: ExperimentSpec, where: str = "members =") -> None:
    """Check the ensemble size: a whole number from 1 to :data:`MAX_MEMBERS` whose
    trajectories fit in this machine's memory budget.

    Raises
    ------
    ExperimentError
        Naming the file, ``where`` (the key or flag), the value and the largest
        value that fits.
    """
    from ..limits import gib, largest_count, memory_budget
    from .columns import bytes_per_member

    m = spec.members
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or \
            not 1 <= m <= MAX_MEMBERS:
        raise ExperimentError(f"{spec.source}: {where} {m!r} is out of range; allowed a "
                              f"whole number from 1 to {MAX_MEMBERS}.")
    per = bytes_per_member(spec)
    budget = memory_budget()
    if not spec.uncertainty.empty and m * per > budget:  # no uncertainty: one member
        raise ExperimentError(
            f"{spec.source}: {where} {m} is too many for this machine: "
            f"{spec.n_settings} lever settings x {m} members need {gib(m * per)} of "
            f"trajectories in memory, more than the {gib(budget)} allowed; use at most "
            f"{largest_count(per, budget)} members (or fewer lever settings).")


def _fmt(x: float) -> str:
    return f"{x:g}"


def _fmt_value(name: str, value) -> str:
    if isinstance(value, str):
        return value
    p = PARAMETERS.get(name)
    if name == "evaluation_interval" and float(value) == 0:
        return "none"
    if p is not None and p.kind == "bool":
        return "yes" if value else "no"
    return _fmt(float(value))


def level_label(name: str, level: Level, base_label: str = "base") -> str:
    """A short human-readable label of a lever level (e.g. ``"mou"``, ``"0.5"``,
    ``"none->binding@12"``, ``"none"`` for ``evaluation_interval = 0``)."""
    text = _fmt_value(name, level.value)
    if level.timed:
        before = base_label if level.before is None else _fmt_value(name, level.before)
        text = f"{before}->{text}@{_fmt(level.at)}"
    return text


def _unknown(key: str, known, where: str, source: str) -> ExperimentError:
    close = difflib.get_close_matches(str(key), list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return ExperimentError(f"{source}: unknown key '{key}' in {where}{hint} "
                           f"Known keys: {', '.join(known)}.")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_param_value(name: str, value, source: str, where: str) -> float | str:
    """Validate one value of a lever/parameter against the registry."""
    if name == "contract":
        if value not in CONTRACTS:
            raise ExperimentError(f"{source}: {where} contract = {value!r} is not allowed; "
                                  f"use one of {', '.join(repr(c) for c in CONTRACTS)}.")
        return value
    p = PARAMETERS[name]
    if p.kind == "bool":
        if isinstance(value, bool):
            return float(value)
        raise ExperimentError(f"{source}: {where} {name} = {value!r} has the wrong type; "
                              "expected true or false.")
    if not _is_number(value):
        raise ExperimentError(f"{source}: {where} {name} = {value!r} has the wrong type; "
                              f"expected a number from {_fmt(p.lower)} to {_fmt(p.upper)} "
                              f"({p.units}).")
    if p.kind == "int" and float(value) != int(value):
        raise ExperimentError(f"{source}: {where} {name} = {value!r} must be a whole number "
                              f"from {_fmt(p.lower)} to {_fmt(p.upper)}.")
    if not p.lower <= float(value) <= p.upper:
        raise ExperimentError(f"{source}: {where} {name} = {value!r} is out of range; "
                              f"allowed {_fmt(p.lower)} to {_fmt(p.upper)} ({p.units}).")
    return float(value)


def _lever_names() -> list[str]:
    return ["contract"] + [n for n in PARAMETERS if not n.startswith("contract_is_")]


# ------------------------------------------------------------------ sections
def _merge_scenario(file_data: Mapping[str, Any], inline: Mapping[str, Any]) -> dict:
    out = dict(file_data)
    for k, v in inline.items():
        if k == "file":
            continue
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            merged = dict(out[k])
            merged.update(v)
            out[k] = merged
        elif k in ("events", "lever_changes") and isinstance(v, list):
            out[k] = list(out.get(k, [])) + list(v)
        else:
            out[k] = v
    return out


def _parse_base(raw, folder: Path, source: str) -> Scenario:
    def read(path_text: str, key: str) -> tuple[dict, str]:
        path = Path(path_text)
        if not path.is_absolute():
            path = folder / path
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ExperimentError(f"{source}: {key} = {path_text!r}: cannot read {path} "
                                  f"({exc.strerror}); give a scenario file relative to "
                                  "the experiment file.") from exc
        try:
            return parse_toml(data, path, ExperimentError), str(path)
        except ExperimentError as exc:
            raise ExperimentError(f"{source}: {key} = {path_text!r}: {exc}") from None

    try:
        if raw is None:
            return Scenario(source=f"{source} [base]")
        if isinstance(raw, str):
            data, where = read(raw, "base")
            return Scenario.from_dict(data, source=where)
        if isinstance(raw, Mapping):
            data: Mapping[str, Any] = {}
            if "file" in raw:
                if not isinstance(raw["file"], str):
                    raise ExperimentError(f"{source}: [base] file = {raw['file']!r} must be "
                                          "a path string.")
                data, _ = read(raw["file"], "[base] file")
            return Scenario.from_dict(_merge_scenario(data, raw), source=f"{source} [base]")
    except ScenarioError as exc:
        raise ExperimentError(f"{source}: the base scenario is invalid: {exc}") from exc
    raise ExperimentError(f"{source}: base = {raw!r} must be a scenario file path or an "
                          "inline table ([base]).")


def _parse_level(name: str, raw, source: str, default_at=None) -> Level:
    where = f"[levers] {name}:"
    if isinstance(raw, Mapping):
        for k in raw:
            if k not in ("value", "at", "before"):
                raise _unknown(k, ("value", "at", "before"), f"[levers] {name}", source)
        if "value" not in raw:
            raise ExperimentError(f"{source}: {where} a level table needs 'value' (and "
                                  "'at', the month it takes effect).")
        at = raw.get("at", default_at)
        value = _check_param_value(name, raw["value"], source, where)
        before = raw.get("before")
        if before is not None:
            before = _check_param_value(name, before, source, where + " before:")
    else:
        at, before = default_at, None
        value = _check_param_value(name, raw, source, where)
    if at is not None and (not _is_number(at) or at < 0):
        raise ExperimentError(f"{source}: {where} at = {at!r} is out of range; allowed 0 "
                              "up to the base scenario's final_time (months).")
    return Level(value, None if at is None else float(at), before)


def _acts(at: float, final_time: float, time_step: float) -> bool:
    """Whether a change at month ``at`` acts before the run ends: it takes effect at
    the nearest time step, which must come before the last one."""
    return int(round(at / time_step)) < int(round(final_time / time_step))


def _parse_event_lever(name: str, raw: Mapping, source: str, final_time: float,
                       time_step: float) -> LeverAxis:
    for k in raw:
        if k not in EVENT_LEVER_KEYS:
            raise _unknown(k, EVENT_LEVER_KEYS, f"[levers.{name}]", source)
    kind = raw.get("kind", name[:-1] if name.endswith("s") else name)
    if kind not in EVENT_KINDS:
        raise ExperimentError(f"{source}: [levers.{name}] kind = {kind!r} is not an event "
                              f"kind; use one of {', '.join(EVENT_KINDS)}.")
    counts = raw["count"]
    if not isinstance(counts, list) or not counts or not all(
            _is_number(c) and c == int(c) and c >= 0 for c in counts):
        raise ExperimentError(f"{source}: [levers.{name}] count = {counts!r} must be a "
                              "non-empty list of whole numbers >= 0.")
    first, spacing, size = raw.get("first", 6.0), raw.get("spacing", 6.0), \
        raw.get("size", 1.0)
    for key, v, lo in (("first", first, 0.0), ("spacing", spacing, 1e-9)):
        if not _is_number(v) or v < lo:
            raise ExperimentError(f"{source}: [levers.{name}] {key} = {v!r} is out of "
                                  f"range; allowed {'0' if lo == 0 else 'above 0'} months "
                                  "or more.")
    if not _is_number(size) or not 0 < size <= 1:
        raise ExperimentError(f"{source}: [levers.{name}] size = {size!r} is out of range; "
                              "allowed above 0 up to 1.")
    last = first + (max(counts) - 1) * spacing
    if max(counts) > 0 and not _acts(last, final_time, time_step):
        raise ExperimentError(f"{source}: [levers.{name}] count = {max(counts)} events from "
                              f"month {_fmt(first)} every {_fmt(spacing)} months end at "
                              f"{_fmt(last)}, too late: after the horizon "
                              f"({_fmt(final_time)}) or on its last time step, where it has "
                              "no effect; allowed: the last event before "
                              f"{_fmt(final_time - time_step / 2)} (final_time - "
                              "time_step/2).")
    plan = EventPlan(kind, float(first), float(spacing), float(size))
    return LeverAxis(name, tuple(Level(int(c)) for c in counts), plan)


def _base_label(name: str, base: Scenario) -> str:
    v = base.values
    if name == "contract":
        return ("binding" if v["contract_is_binding"] else
                "mou" if v["contract_is_mou"] else "none")
    return _fmt_value(name, v[name])


def _parse_levers(raw, source: str, base: Scenario) -> tuple[LeverAxis, ...]:
    final_time = base.final_time
    if not isinstance(raw, Mapping):
        raise ExperimentError(f"{source}: 'levers' must be a table ([levers]).")
    known = _lever_names()
    axes = []
    for name, spec in raw.items():
        if isinstance(spec, Mapping) and "count" in spec:
            axes.append(_parse_event_lever(name, spec, source, final_time,
                                           base.time_step))
            continue
        if name not in known:
            raise _unknown(name, known, "[levers]", source)
        default_at = None
        if isinstance(spec, Mapping) and ("range" in spec or "values" in spec):
            for k in spec:
                if k not in ("range", "n", "values", "at"):
                    raise _unknown(k, ("range", "n", "values", "at"), f"[levers] {name}",
                                   source)
            default_at = spec.get("at")
            if "values" in spec:
                items = spec["values"]
            else:
                rng, n = spec["range"], spec.get("n", 5)
                if not (isinstance(rng, list) and len(rng) == 2 and all(map(_is_number, rng))
                        and rng[0] < rng[1]):
                    raise ExperimentError(f"{source}: [levers] {name} range = {rng!r} must "
                                          "be [lower, upper] with lower < upper.")
                if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 1000:
                    raise ExperimentError(f"{source}: [levers] {name} n = {n!r} is out of "
                                          "range; allowed 2 to 1000 grid points.")
                items = [float(x) for x in np.linspace(rng[0], rng[1], n)]
                p = PARAMETERS.get(name)
                if p is not None and p.kind == "int":
                    items = list(dict.fromkeys(int(round(x)) for x in items))
        elif isinstance(spec, list):
            items = spec
        else:
            items = [spec]
        if not isinstance(items, list) or not items:
            raise ExperimentError(f"{source}: [levers] {name} = {spec!r} must be a list of "
                                  "values, {range = [lo, hi], n = N}, {values = [...], "
                                  "at = MONTH} or an event-count table with 'count'.")
        levels = tuple(_parse_level(name, it, source, default_at) for it in items)
        for lv in levels:
            if lv.at is not None and not _acts(lv.at, final_time, base.time_step):
                raise ExperimentError(f"{source}: [levers] {name}: at = {_fmt(lv.at)} is "
                                      "out of range: it would act only at the last time "
                                      "step, i.e. have no effect; allowed 0 up to below "
                                      f"{_fmt(final_time - base.time_step / 2)} (months; "
                                      "the base scenario's final_time - time_step/2).")
        if len(set(levels)) != len(levels):
            raise ExperimentError(f"{source}: [levers] {name} lists the same level twice.")
        axes.append(LeverAxis(name, levels, base_label=_base_label(name, base)))
    return tuple(axes)


def _parse_distribution(name: str, raw, source: str) -> Distribution:
    where = f"[uncertainty.parameters] {name}"
    p = PARAMETERS[name]
    if raw == "bounds":
        return Distribution(name, "uniform", {"lower": p.lower, "upper": p.upper})
    if isinstance(raw, list):
        if len(raw) != 2:
            raise ExperimentError(f"{source}: {where} = {raw!r} must be [lower, upper] "
                                  "(uniform).")
        raw = {"distribution": "uniform", "lower": raw[0], "upper": raw[1]}
    if not isinstance(raw, Mapping):
        raise ExperimentError(f"{source}: {where} = {raw!r} must be [lower, upper], "
                              "\"bounds\" or a table with 'distribution'.")
    kind = raw.get("distribution", "uniform")
    if kind not in DISTRIBUTIONS:
        raise ExperimentError(f"{source}: {where} distribution = {kind!r} is not "
                              f"supported; use one of {', '.join(DISTRIBUTIONS)}.")
    need = DISTRIBUTIONS[kind]
    for k in raw:
        if k != "distribution" and k not in need:
            raise _unknown(k, ("distribution",) + need, where, source)
    args = {}
    for k in need:
        if k not in raw or not _is_number(raw[k]):
            raise ExperimentError(f"{source}: {where}: a {kind} distribution needs a number "
                                  f"'{k}' (it needs {', '.join(need)}).")
        args[k] = float(raw[k])
    if kind == "bernoulli":
        if p.kind != "bool" or not 0 <= args["p"] <= 1:
            raise ExperimentError(f"{source}: {where}: bernoulli is for true/false "
                                  "parameters, with p from 0 to 1.")
        return Distribution(name, kind, args)
    if p.kind == "bool":
        raise ExperimentError(f"{source}: {where}: {name} is true/false; use "
                              "{distribution = \"bernoulli\", p = ...}.")
    if kind == "normal":
        if not p.lower <= args["mean"] <= p.upper or args["sd"] <= 0:
            raise ExperimentError(f"{source}: {where}: mean = {_fmt(args['mean'])}, sd = "
                                  f"{_fmt(args['sd'])} out of range; allowed a mean from "
                                  f"{_fmt(p.lower)} to {_fmt(p.upper)} ({p.units}) and sd "
                                  "> 0 (the normal is truncated to that range).")
        return Distribution(name, kind, args)
    lo, hi = args["lower"], args["upper"]
    if not p.lower <= lo < hi <= p.upper:
        raise ExperimentError(f"{source}: {where}: lower = {_fmt(lo)}, upper = {_fmt(hi)} "
                              f"out of range; allowed {_fmt(p.lower)} <= lower < upper <= "
                              f"{_fmt(p.upper)} ({p.units}).")
    if kind == "loguniform" and lo <= 0:
        raise ExperimentError(f"{source}: {where}: a loguniform needs lower > 0.")
    if kind == "triangular" and not lo <= args["mode"] <= hi:
        raise ExperimentError(f"{source}: {where}: mode = {_fmt(args['mode'])} is out of "
                              f"range; allowed {_fmt(lo)} to {_fmt(hi)}.")
    return Distribution(name, kind, args)


def _parse_uncertainty(raw, source: str, folder: Path) -> UncertaintySpec:
    if raw is None:
        return UncertaintySpec()
    if not isinstance(raw, Mapping):
        raise ExperimentError(f"{source}: 'uncertainty' must be a table ([uncertainty]).")
    for k in raw:
        if k not in UNCERTAINTY_KEYS:
            raise _unknown(k, UNCERTAINTY_KEYS, "[uncertainty]", source)
    sampling = raw.get("sampling", "lhs")
    if sampling not in SAMPLINGS:
        raise ExperimentError(f"{source}: [uncertainty] sampling = {sampling!r} is not "
                              f"allowed; use one of {', '.join(SAMPLINGS)}.")
    spread = raw.get("mechanism_spread", 0.0)
    if not _is_number(spread) or not 0 <= spread < 1:
        raise ExperimentError(f"{source}: [uncertainty] mechanism_spread = {spread!r} is out "
                              "of range; allowed 0 up to (not including) 1 (a fraction of "
                              "each mechanism constant's base value).")
    calib = raw.get("from_calibration")
    if calib is not None:
        if not isinstance(calib, str):
            raise ExperimentError(f"{source}: [uncertainty] from_calibration = {calib!r} "
                                  "must be a folder path (calibration/results/NAME).")
        calib = resolve_path(calib, folder)
    params = raw.get("parameters", {})
    if not isinstance(params, Mapping):
        raise ExperimentError(f"{source}: [uncertainty.parameters] must be a table.")
    dists = []
    for name, spec in params.items():
        if name not in PARAMETERS:
            raise _unknown(name, list(PARAMETERS), "[uncertainty.parameters]", source)
        dists.append(_parse_distribution(name, spec, source))
    return UncertaintySpec(sampling, tuple(dists), float(spread), calib)


def resolve_path(text: str, folder: Path) -> Path:
    """A path as written in an experiment file: absolute, relative to the current
    directory if it exists there, else relative to the project root (the parent
    of the experiment file's folder), else relative to that folder."""
    p = Path(text)
    if p.is_absolute() or p.exists():
        return p
    for root in (folder.parent, folder):
        if (root / p).exists():
            return root / p
    return p


def _parse_figures(raw, levers: tuple[LeverAxis, ...], source: str) -> FigureSpec:
    if raw is None:
        return FigureSpec()
    if not isinstance(raw, Mapping):
        raise ExperimentError(f"{source}: 'figures' must be a table ([figures]).")
    for k in raw:
        if k not in FIGURE_KEYS:
            raise _unknown(k, FIGURE_KEYS, "[figures]", source)
    from ..simulation import all_columns

    stocks = raw.get("fan_stocks", list(DEFAULT_FAN_STOCKS))
    cols = all_columns()
    if not isinstance(stocks, list) or not stocks:
        raise ExperimentError(f"{source}: [figures] fan_stocks must be a list of model "
                              "variables.")
    for s in stocks:
        if s not in cols:
            raise _unknown(s, cols, "[figures] fan_stocks", source)
    names = [a.name for a in levers]
    fan_where = raw.get("fan_where", {})
    if not isinstance(fan_where, Mapping) or any(k not in names for k in fan_where):
        raise ExperimentError(f"{source}: [figures] fan_where = {fan_where!r} must map levers "
                              f"of this experiment ({', '.join(names)}) to a level label.")
    fan_where = {k: _where_label(k, v) for k, v in fan_where.items()}
    maps = []
    hm = raw.get("heatmap", [])
    if not isinstance(hm, list):
        raise ExperimentError(f"{source}: [figures] heatmap must be an array of tables "
                              "([[figures.heatmap]]).")
    for i, h in enumerate(hm, start=1):
        where = f"[[figures.heatmap]] {i}"
        if not isinstance(h, Mapping):
            raise ExperimentError(f"{source}: {where} must be a table.")
        for k in h:
            if k not in HEATMAP_KEYS:
                raise _unknown(k, HEATMAP_KEYS, where, source)
        for k in ("x", "y", "metric"):
            if k not in h:
                raise ExperimentError(f"{source}: {where} needs x, y and metric.")
        for k in ("x", "y", "facet"):
            if h.get(k) is not None and h[k] not in names:
                raise ExperimentError(f"{source}: {where} {k} = {h[k]!r} is not a lever of "
                                      f"this experiment; use one of {', '.join(names)}.")
        if h["metric"] not in METRICS:
            raise _unknown(h["metric"], list(METRICS), f"{where} metric", source)
        stat = h.get("statistic", "median")
        if stat not in STATISTICS:
            raise ExperimentError(f"{source}: {where} statistic = {stat!r} is not allowed; "
                                  f"use one of {', '.join(STATISTICS)}.")
        where_sel = h.get("where", {})
        if not isinstance(where_sel, Mapping) or any(k not in names for k in where_sel):
            raise ExperimentError(f"{source}: {where} where = {where_sel!r} must map levers "
                                  f"of this experiment ({', '.join(names)}) to a level label.")
        maps.append(Heatmap(h["x"], h["y"], h["metric"], h.get("facet"),
                            {k: _where_label(k, v) for k, v in where_sel.items()}, stat))
    return FigureSpec(tuple(stocks), tuple(maps), fan_where)


def _where_label(lever: str, value) -> str:
    """The level label a ``where`` value selects (``true`` -> ``"yes"``, 0.5 -> ``"0.5"``)."""
    if isinstance(value, str):
        return value
    return _fmt_value(lever, value)


# ------------------------------------------------------------------ entry points
def parse_experiment(data: Mapping[str, Any], source: str = "<dict>",
                     folder: Path | None = None) -> ExperimentSpec:
    """Validate an experiment given as a (TOML-shaped) mapping.

    Parameters
    ----------
    data : mapping
    source : str
        Name used in error messages (the file path).
    folder : Path, optional
        Folder relative paths are read from (default: the current directory).
    """
    folder = folder or Path(".")
    for k in data:
        if k not in TOP_LEVEL_KEYS:
            raise _unknown(k, TOP_LEVEL_KEYS, "the top level", source)
    name = data.get("name", Path(source).stem)
    problem = plain_name_problem(name)
    if problem:
        raise ExperimentError(f"{source}: name = {name!r} {problem}; it names the results "
                              "folder experiments/results/NAME, e.g. name = \"my_policy\".")
    description, claims = description_and_claims(data, source, ExperimentError,
                                                 '["F1", "F2"]')
    members = data.get("members", DEFAULT_MEMBERS)
    if isinstance(members, bool) or not isinstance(members, int) or \
            not 1 <= members <= MAX_MEMBERS:
        raise ExperimentError(f"{source}: members = {members!r} is out of range; allowed a "
                              f"whole number from 1 to {MAX_MEMBERS}.")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ExperimentError(f"{source}: seed = {seed!r} must be a whole number >= 0.")
    base = _parse_base(data.get("base"), folder, source)
    levers = _parse_levers(data.get("levers", {}), source, base)
    unc = _parse_uncertainty(data.get("uncertainty"), source, folder)
    lever_params = set()
    for a in levers:
        if a.events is None:
            lever_params |= ({"contract_is_mou", "contract_is_binding"}
                             if a.name == "contract" else {a.name})
    clash = sorted(lever_params & {d.name for d in unc.distributions})
    if clash:
        raise ExperimentError(f"{source}: {', '.join(clash)} is both a lever and uncertain; "
                              "remove it from [levers] or from [uncertainty.parameters].")
    met = data.get("metrics", {})
    if not isinstance(met, Mapping):
        raise ExperimentError(f"{source}: 'metrics' must be a table ([metrics]).")
    for k in met:
        if k != "synergy_threshold":
            raise _unknown(k, ("synergy_threshold",), "[metrics]", source)
    thr = met.get("synergy_threshold", DEFAULT_SYNERGY_THRESHOLD)
    if not _is_number(thr) or not 0 < thr < 1:
        raise ExperimentError(f"{source}: [metrics] synergy_threshold = {thr!r} is out of "
                              "range; allowed above 0 and below 1 (collaborative "
                              "behaviour).")
    figures = _parse_figures(data.get("figures"), levers, source)
    spec = ExperimentSpec(name=name, description=description.strip(), claims=tuple(claims),
                          base=base, levers=levers, uncertainty=unc, members=members,
                          seed=seed, synergy_threshold=float(thr), figures=figures,
                          source=source)
    check_members(spec)
    return spec


def load_experiment(path: str | Path) -> ExperimentSpec:
    """Read and validate an experiment TOML file.

    Raises
    ------
    ExperimentError
        With the file, the key, the value and the allowed range.
    """
    path = Path(path)
    data = read_toml(path, ExperimentError, "experiment file")
    return parse_experiment(data, source=str(path), folder=path.resolve().parent)
