"""Coded case-study evidence: the case file format, its schema check and loading.

A case file (TOML, one per case, in ``calibration/cases/``) records one
collaboration as a reviewer can audit it::

    [case]
    id = "voluntary_buddying"          # lower case, digits, underscores; unique
    title = "Voluntary buddying of two trusts"
    collaboration_type = "buddying"
    country = "England"
    sector = "acute care"
    arrangement = "voluntary"          # or "mandated"
    horizon = 60                       # months observed
    start_date = "2016-01"             # optional; lets items give a date
    provenance = "Coded from ...; illustrative."

    [[sources]]
    ref = "aunger2021"
    citation = "Aunger JA, et al. ... BMC Health Serv Res 21:602"

    [context]                          # scenario context (registry names)
    mandated = {value = false, source = {ref = "aunger2021", locator = "p. 12",
                quote = "..."}}
    it_compatibility = {value = 0.5, assumed = "not reported; registry default"}

    [levers]                           # same form; contract = "none"|"mou"|"binding"
    [parameters]                       # optional initial levels, same form

    [[events]]
    at = 9                             # month since the start (or date = "2016-10")
    kind = "quick_win"                 # an event kind of the model
    size = 0.5
    source = {ref = "aunger2021", locator = "p. 12"}

    [[observations]]
    variable = "trust"                 # a codable model output (see CODEBOOK.md)
    at = 0                             # or date = "2016-01"
    level = "high"                     # a label or the number on the variable's scale
    coder = "JA"
    confidence = 0.75                  # (0, 1], or "low" | "medium" | "high"
    source = {ref = "aunger2021", locator = "p. 12", quote = "..."}

:func:`load_case` checks everything and either returns a complete
:class:`Case` or raises :class:`CaseError` listing every problem with the file,
the entry and the fix; it never returns part of a case.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io import decode_text
from ..model import EVENT_KINDS
from ..registry import PARAMETERS
from ..scenario import (
    CONTRACTS,
    EVENT_KEYS,
    Scenario,
    ScenarioError,
)
from .scales import Scale, scale_of

CASE_KEYS = ("id", "title", "collaboration_type", "country", "sector", "arrangement",
             "horizon", "start_date", "provenance", "coders", "notes")
REQUIRED_CASE_KEYS = ("id", "title", "collaboration_type", "country", "sector",
                      "arrangement", "horizon", "provenance")
TOP_KEYS = ("case", "sources", "context", "levers", "parameters", "events",
            "lever_changes", "observations")
ARRANGEMENTS = ("voluntary", "mandated")
CONFIDENCE_LABELS = {"low": 1 / 3, "medium": 2 / 3, "high": 1.0}
SOURCE_KEYS = ("ref", "locator", "quote")
OBSERVATION_KEYS = ("variable", "at", "date", "level", "coder", "confidence", "source",
                    "note")
CASE_EVENT_KEYS = tuple(k for k in EVENT_KEYS if k != "at") + ("at", "date", "source")
LEVER_CHANGE_KEYS = ("at", "date", "lever", "value", "source", "note")
DEFAULT_TIME_STEP = 0.125
"""Time step (months) a case is checked with when it is loaded (a calibration
checks again with its own ``time_step``)."""
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CONTEXT = [p.name for p in PARAMETERS.values() if p.group == "context"]
_LEVERS = ["contract"] + [p.name for p in PARAMETERS.values()
                          if p.group == "lever" and not p.name.startswith("contract_")]
_INITIAL = [p.name for p in PARAMETERS.values() if p.group == "initial"]


class CaseError(ValueError):
    """A case file is invalid. ``problems`` lists ``(entry, reason)`` pairs."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]):
        self.source = source
        self.problems = list(problems)
        lines = [f"{source}: {entry}: {reason}" for entry, reason in self.problems]
        head = (f"{source}: {len(self.problems)} problem(s); the case was not loaded"
                if len(self.problems) > 1 else None)
        super().__init__("\n".join(([head] if head else []) + lines))


@dataclass(frozen=True)
class Source:
    """Where a coded item comes from: a reference of ``[[sources]]`` and a locator."""

    ref: str
    locator: str
    quote: str = ""

    def to_dict(self) -> dict[str, str]:
        d = {"ref": self.ref, "locator": self.locator}
        if self.quote:
            d["quote"] = self.quote
        return d


@dataclass(frozen=True)
class Coded:
    """A coded context, lever or initial value with its provenance.

    Exactly one of ``source`` (traceable to the text) and ``assumed`` (the
    modeller's stated reason) is set.
    """

    value: Any
    source: Source | None = None
    assumed: str = ""


@dataclass(frozen=True)
class Observation:
    """One ordinal code of one model output at one time.

    Attributes
    ----------
    variable : str
        Codable model output (see :data:`~iocdynamics.calibration.scales.VARIABLE_SCALES`).
    time : float
        Months since the start of the case.
    level : int
        1-based level on the variable's scale.
    confidence : float
        Coder confidence in (0, 1].
    coder : str
    source : Source
    note : str
    entry : int
        1-based position in the file's ``[[observations]]`` (for messages).
    """

    variable: str
    time: float
    level: int
    confidence: float
    coder: str
    source: Source
    note: str = ""
    entry: int = 0

    @property
    def scale(self) -> Scale:
        return scale_of(self.variable)

    @property
    def label(self) -> str:
        return self.scale.labels[self.level - 1]


@dataclass(frozen=True)
class Case:
    """A validated case: metadata, sources, context coding, timeline, observations.

    Build with :func:`load_case` or :func:`parse_case`; turn into a simulation
    with :meth:`scenario`.
    """

    id: str
    title: str
    collaboration_type: str
    country: str
    sector: str
    arrangement: str
    horizon: float
    provenance: str
    start_date: _dt.date | None
    sources: Mapping[str, str]
    context: Mapping[str, Coded]
    levers: Mapping[str, Coded]
    parameters: Mapping[str, Coded]
    events: tuple[dict, ...]
    lever_changes: tuple[dict, ...]
    observations: tuple[Observation, ...]
    coders: tuple[str, ...] = ()
    notes: str = ""
    path: str = "<dict>"
    sha256: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def variables(self) -> tuple[str, ...]:
        """Observed variables, in order of first appearance."""
        return tuple(dict.fromkeys(o.variable for o in self.observations))

    @property
    def coded_names(self) -> frozenset[str]:
        """Registry names whose value the case codes (context, levers, initial levels)."""
        names = set(self.context) | set(self.parameters)
        for k in self.levers:
            names |= {"contract_is_mou", "contract_is_binding"} if k == "contract" else {k}
        return frozenset(names)

    def scenario_dict(self, time_step: float = DEFAULT_TIME_STEP,
                      save_interval: float | None = None) -> dict[str, Any]:
        """The case as a scenario mapping (see :mod:`iocdynamics.scenario`)."""
        return {
            "name": self.id, "description": self.title,
            "simulation": {"final_time": self.horizon, "time_step": time_step,
                           "save_interval": save_interval or time_step},
            "context": {k: c.value for k, c in self.context.items()},
            "levers": {k: c.value for k, c in self.levers.items()},
            "parameters": {k: c.value for k, c in self.parameters.items()},
            "events": [dict(e) for e in self.events],
            "lever_changes": [dict(c) for c in self.lever_changes],
        }

    def scenario(self, time_step: float = DEFAULT_TIME_STEP,
                 save_interval: float | None = None) -> Scenario:
        """The validated :class:`~iocdynamics.scenario.Scenario` of the case."""
        return Scenario.from_dict(self.scenario_dict(time_step, save_interval),
                                  source=self.path)

    def to_dict(self) -> dict[str, Any]:
        """The case as a TOML-shaped mapping (what :func:`parse_case` reads)."""
        return {k: v for k, v in self.raw.items()}


# ---------------------------------------------------------------- loading
def load_case(path: str | Path) -> Case:
    """Read and check one case file.

    Raises
    ------
    CaseError
        Listing every problem (file, entry, reason); nothing is returned then.
    """
    path = Path(path)
    try:
        data_bytes = path.read_bytes()
    except OSError as exc:
        raise CaseError(str(path), [("file", f"cannot read it ({exc.strerror})")]) from exc
    try:
        data = tomllib.loads(decode_text(data_bytes, path, _Undecodable))
    except _Undecodable as exc:
        raise CaseError(str(path), [("file", str(exc).removeprefix(f"{path}: "))]) from None
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(str(path), [("file", f"not valid TOML: {exc}")]) from exc
    return parse_case(data, source=str(path), sha256=hashlib.sha256(data_bytes).hexdigest())


def load_cases(paths: Iterable[str | Path]) -> list[Case]:
    """Load several case files; also rejects duplicate case ids.

    Raises
    ------
    CaseError
        For the first invalid file, or naming both files of a duplicated id.
    """
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for p in paths:
        case = load_case(p)
        if case.id in seen:
            raise CaseError(case.path, [("[case] id", f"duplicate case id {case.id!r}: "
                                         f"{seen[case.id]} uses it too; give each case "
                                         "its own id")])
        seen[case.id] = case.path
        cases.append(case)
    return cases


class _Undecodable(ValueError):
    pass


def event_time_problems(horizon: float, events: Sequence[Mapping[str, Any]],
                        changes: Sequence[Mapping[str, Any]], time_step: float
                        ) -> list[tuple[str, str]]:
    """``(entry, reason)`` for each event or lever change that would take effect only
    at the horizon's time step, i.e. after the observed period (no effect on the fit).

    Events act from the nearest time step, so ``at`` must be below
    ``horizon - time_step / 2``.
    """
    n = int(round(horizon / time_step))
    latest = horizon - time_step / 2
    out = []
    for what, items in (("event", events), ("lever change", changes)):
        for i, e in enumerate(items, start=1):
            at = float(e["at"])
            if int(round(at / time_step)) >= n:
                out.append((f"{what} {i}", f"at = {at:g} months falls on the time step of "
                            f"the horizon ({horizon:g} months, time step {time_step:g}), "
                            "where it would act after the observed period and have no "
                            f"effect; allowed: at < {latest:g} (horizon - time_step/2), or "
                            "extend [case] horizon"))
    return out


def check_event_times(cases: Sequence[Case], time_step: float) -> None:
    """Raise :class:`CaseError` for the first case with an event or lever change that
    the simulation at ``time_step`` would place after its horizon."""
    for c in cases:
        problems = event_time_problems(c.horizon, c.events, c.lever_changes, time_step)
        if problems:
            raise CaseError(c.path, problems)


def check_unique_ids(cases: Sequence[Case]) -> None:
    """Raise :class:`CaseError` if two cases share an id."""
    seen: dict[str, str] = {}
    for c in cases:
        if c.id in seen:
            raise CaseError(c.path, [("[case] id", f"duplicate case id {c.id!r}: "
                                      f"{seen[c.id]} uses it too; give each case its "
                                      "own id")])
        seen[c.id] = c.path


def parse_case(data: Mapping[str, Any], source: str = "<dict>", sha256: str = "") -> Case:
    """Check a TOML-shaped mapping and build a :class:`Case` (all or nothing)."""
    p = _Parser(source)
    case = p.parse(data, sha256)
    if p.problems:
        raise CaseError(source, p.problems)
    assert case is not None
    return case


def months_between(start: _dt.date, date: _dt.date) -> float:
    """Months from ``start`` to ``date`` (whole months plus a day fraction)."""
    return (date.year - start.year) * 12 + (date.month - start.month) + \
        (date.day - start.day) / 30.4375


def parse_date(value: Any) -> _dt.date:
    """A date from ``"YYYY-MM"``, ``"YYYY-MM-DD"`` or a TOML date."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value.strip())
        if m:
            try:
                return _dt.date(int(m[1]), int(m[2]), int(m[3] or 1))
            except ValueError:
                pass
    raise ValueError(f"{value!r} is not a date; write \"YYYY-MM\" or \"YYYY-MM-DD\"")


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[tuple[str, str]] = []

    def bad(self, entry: str, reason: str) -> None:
        self.problems.append((entry, reason))

    # ---------------------------------------------------------- helpers
    def _unknown_keys(self, d: Mapping, allowed: Sequence[str], entry: str) -> None:
        import difflib

        for k in d:
            if k not in allowed:
                close = difflib.get_close_matches(k, list(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.bad(entry, f"unknown key {k!r}{hint}; allowed: {', '.join(allowed)}")

    def _source(self, s: Any, entry: str, refs: Mapping[str, str]) -> Source | None:
        if s is None:
            self.bad(entry, "missing source; add source = {ref = \"...\", locator = "
                            "\"page, section or figure\", quote = \"...\"}")
            return None
        if not isinstance(s, Mapping):
            self.bad(entry, "source must be a table {ref = ..., locator = ..., quote = ...}")
            return None
        self._unknown_keys(s, SOURCE_KEYS, f"{entry} source")
        ref, loc, quote = s.get("ref"), s.get("locator"), s.get("quote", "")
        ok = True
        if not isinstance(ref, str) or not ref:
            self.bad(entry, "source needs ref, the key of an entry of [[sources]]")
            ok = False
        elif ref not in refs:
            self.bad(entry, f"source ref {ref!r} is not in [[sources]] (known: "
                            f"{', '.join(refs) or 'none'}); add it there")
            ok = False
        if not isinstance(loc, str) or not loc.strip():
            self.bad(entry, "source needs a locator (page, section, figure or table)")
            ok = False
        if not isinstance(quote, str):
            self.bad(entry, "source quote must be a string")
            ok = False
        return Source(ref, loc.strip(), " ".join(quote.split())) if ok else None

    def _time(self, d: Mapping, entry: str, start: _dt.date | None, horizon: float | None,
              inclusive: bool) -> float | None:
        if ("at" in d) == ("date" in d):
            self.bad(entry, "give exactly one of at (month since the start) and date")
            return None
        if "date" in d:
            if start is None:
                self.bad(entry, "date needs [case] start_date (or give at = month)")
                return None
            try:
                t = months_between(start, parse_date(d["date"]))
            except ValueError as exc:
                self.bad(entry, str(exc))
                return None
        else:
            t = d["at"]
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
                self.bad(entry, f"at = {t!r} must be a number of months")
                return None
            t = float(t)
        if t < 0:
            self.bad(entry, f"time {t:g} months is before the start of the case")
            return None
        if horizon is not None and (t > horizon or (not inclusive and t >= horizon)):
            self.bad(entry, f"time {t:g} months is beyond the horizon ({horizon:g} months); "
                            "extend [case] horizon or correct the time")
            return None
        return t

    def _coded_table(self, table: Any, name: str, allowed: Sequence[str],
                     refs: Mapping[str, str]) -> dict[str, Coded]:
        out: dict[str, Coded] = {}
        if table is None:
            return out
        if not isinstance(table, Mapping):
            self.bad(f"[{name}]", "must be a table")
            return out
        for key, item in table.items():
            entry = f"[{name}] {key}"
            if key not in allowed:
                import difflib

                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.bad(entry, f"not a {name} of the model{hint}")
                continue
            if not isinstance(item, Mapping) or "value" not in item:
                self.bad(entry, "write {value = ..., source = {ref = ..., locator = ...}} "
                                "or {value = ..., assumed = \"why this value\"}")
                continue
            self._unknown_keys(item, ("value", "source", "assumed"), entry)
            has_src, assumed = "source" in item, item.get("assumed", "")
            if has_src == bool(assumed):
                self.bad(entry, "give either a source (coded from the text) or assumed = "
                                "\"reason\" (set by the modeller), not both or neither")
                continue
            if assumed and not isinstance(assumed, str):
                self.bad(entry, "assumed must be a string giving the reason")
                continue
            src = self._source(item["source"], entry, refs) if has_src else None
            if has_src and src is None:
                continue
            value = item["value"]
            if key == "contract":
                if value not in CONTRACTS:
                    self.bad(entry, f"value {value!r} is not allowed; use one of "
                                    f"{', '.join(repr(c) for c in CONTRACTS)}")
                    continue
            else:
                p = PARAMETERS[key]
                if p.kind == "bool":
                    if not isinstance(value, bool):
                        self.bad(entry, f"value {value!r} must be true or false")
                        continue
                elif isinstance(value, bool) or not isinstance(value, (int, float)) or \
                        not p.lower <= value <= p.upper:
                    self.bad(entry, f"value {value!r} is out of range; allowed "
                                    f"{p.lower:g} to {p.upper:g} ({p.units})")
                    continue
            out[key] = Coded(value, src, assumed)
        return out

    # ------------------------------------------------------------- parse
    def parse(self, data: Mapping[str, Any], sha256: str) -> Case | None:
        if not isinstance(data, Mapping):
            self.bad("file", "a case is a TOML table")
            return None
        self._unknown_keys(data, TOP_KEYS, "top level")
        meta = data.get("case")
        if not isinstance(meta, Mapping):
            self.bad("[case]", "missing the [case] table (id, title, collaboration_type, "
                               "country, sector, arrangement, horizon, provenance)")
            meta = {}
        self._unknown_keys(meta, CASE_KEYS, "[case]")
        for k in REQUIRED_CASE_KEYS:
            if k not in meta:
                self.bad(f"[case] {k}", "missing")
        cid = meta.get("id", "")
        if "id" in meta and (not isinstance(cid, str) or not _ID.match(cid)):
            self.bad("[case] id", f"{cid!r} must start with a lower-case letter and use only "
                                  "lower-case letters, digits and underscores")
        for k in ("title", "collaboration_type", "country", "sector", "provenance"):
            if k in meta and (not isinstance(meta[k], str) or not meta[k].strip()):
                self.bad(f"[case] {k}", "must be a non-empty string")
        arrangement = meta.get("arrangement")
        if "arrangement" in meta and arrangement not in ARRANGEMENTS:
            self.bad("[case] arrangement", f"{arrangement!r} must be 'voluntary' or "
                                           "'mandated'")
        horizon = meta.get("horizon")
        if "horizon" in meta:
            if isinstance(horizon, bool) or not isinstance(horizon, (int, float)) or \
                    not 1 <= horizon <= 1200:
                self.bad("[case] horizon", f"{horizon!r} must be a number of months "
                                           "from 1 to 1200")
                horizon = None
            else:
                horizon = float(horizon)
        start = None
        if meta.get("start_date") is not None:
            try:
                start = parse_date(meta["start_date"])
            except ValueError as exc:
                self.bad("[case] start_date", str(exc))
        coders = meta.get("coders", [])
        if not isinstance(coders, list) or not all(isinstance(c, str) for c in coders):
            self.bad("[case] coders", "must be a list of strings")
            coders = []

        refs: dict[str, str] = {}
        sources = data.get("sources", [])
        if not isinstance(sources, list) or not sources:
            self.bad("[[sources]]", "at least one source is needed (ref and citation)")
            sources = []
        for i, s in enumerate(sources, start=1):
            entry = f"source {i}"
            if not isinstance(s, Mapping):
                self.bad(entry, "must be a table with ref and citation")
                continue
            self._unknown_keys(s, ("ref", "citation", "url"), entry)
            ref, cit = s.get("ref"), s.get("citation")
            if not isinstance(ref, str) or not _ID.match(ref or ""):
                self.bad(entry, "ref must be a short key such as \"aunger2021\"")
                continue
            if not isinstance(cit, str) or not cit.strip():
                self.bad(entry, "citation must be the full reference")
                continue
            if ref in refs:
                self.bad(entry, f"duplicate source ref {ref!r}")
            refs[ref] = " ".join(cit.split())

        context = self._coded_table(data.get("context"), "context", _CONTEXT, refs)
        levers = self._coded_table(data.get("levers"), "levers", _LEVERS, refs)
        params = self._coded_table(data.get("parameters"), "parameters", _INITIAL, refs)
        if arrangement in ARRANGEMENTS:
            if "mandated" in context and context["mandated"].value != (arrangement ==
                                                                       "mandated"):
                self.bad("[context] mandated", f"value {context['mandated'].value} "
                                               f"contradicts arrangement = {arrangement!r}")
            elif "mandated" not in context:
                context["mandated"] = Coded(arrangement == "mandated", None,
                                            f"from [case] arrangement = {arrangement!r}")

        events: list[dict] = []
        for i, e in enumerate(_array(data, "events", self), start=1):
            entry = f"event {i}"
            if not isinstance(e, Mapping):
                self.bad(entry, "must be a table with at (or date), kind, size and source")
                continue
            self._unknown_keys(e, CASE_EVENT_KEYS, entry)
            t = self._time(e, entry, start, horizon, inclusive=False)
            kind = e.get("kind")
            if kind not in EVENT_KINDS:
                self.bad(entry, f"kind = {kind!r} is an event kind the model lacks; use one "
                                f"of {', '.join(EVENT_KINDS)}")
                continue
            src = self._source(e.get("source"), entry, refs)
            if t is None or src is None:
                continue
            ev = {k: v for k, v in e.items() if k in ("kind", "size", "leadership_quality",
                                                        "note")}
            ev["at"] = t
            events.append(ev)

        changes: list[dict] = []
        for i, c in enumerate(_array(data, "lever_changes", self), start=1):
            entry = f"lever change {i}"
            if not isinstance(c, Mapping):
                self.bad(entry, "must be a table with at (or date), lever, value, source")
                continue
            self._unknown_keys(c, LEVER_CHANGE_KEYS, entry)
            t = self._time(c, entry, start, horizon, inclusive=False)
            src = self._source(c.get("source"), entry, refs)
            if t is None or src is None:
                continue
            changes.append({"at": t, "lever": c.get("lever"), "value": c.get("value")})

        observations: list[Observation] = []
        for i, o in enumerate(_array(data, "observations", self), start=1):
            entry = f"observation {i}"
            if not isinstance(o, Mapping):
                self.bad(entry, "must be a table (variable, at or date, level, coder, "
                                "confidence, source)")
                continue
            self._unknown_keys(o, OBSERVATION_KEYS, entry)
            var = o.get("variable")
            if isinstance(var, str):
                entry = f"observation {i} ({var})"
            try:
                scale = scale_of(var) if isinstance(var, str) else None
                if scale is None:
                    self.bad(entry, "variable must name a codable model output")
            except KeyError as exc:
                self.bad(entry, exc.args[0])
                scale = None
            t = self._time(o, entry, start, horizon, inclusive=True)
            level = None
            if "level" not in o:
                self.bad(entry, "missing level")
            elif scale is not None:
                try:
                    level = scale.level(o["level"])
                except ValueError as exc:
                    self.bad(entry, str(exc))
            conf = o.get("confidence")
            if isinstance(conf, str) and conf.lower() in CONFIDENCE_LABELS:
                conf = CONFIDENCE_LABELS[conf.lower()]
            if isinstance(conf, bool) or not isinstance(conf, (int, float)) or \
                    not 0 < conf <= 1:
                self.bad(entry, f"confidence = {conf!r} must be in (0, 1] or one of "
                                "'low', 'medium', 'high'")
                conf = None
            coder = o.get("coder")
            if not isinstance(coder, str) or not coder.strip():
                self.bad(entry, "missing coder (initials or name of who coded it)")
            src = self._source(o.get("source"), entry, refs)
            note = o.get("note", "")
            if None in (scale, t, level, conf, src) or not isinstance(coder, str):
                continue
            observations.append(Observation(var, t, level, float(conf), coder.strip(), src,
                                            str(note), i))
        if not observations and not any(e.startswith("observation") for e, _ in
                                        self.problems):
            self.bad("[[observations]]", "a case needs at least one observation")

        if horizon is not None and not self.problems:
            for entry, reason in event_time_problems(horizon, events, changes,
                                                     DEFAULT_TIME_STEP):
                self.bad(entry, reason)
        if self.problems:
            return None
        case = Case(id=cid, title=meta["title"].strip(),
                    collaboration_type=meta["collaboration_type"].strip(),
                    country=meta["country"].strip(), sector=meta["sector"].strip(),
                    arrangement=arrangement, horizon=horizon,
                    provenance=" ".join(meta["provenance"].split()), start_date=start,
                    sources=refs, context=context, levers=levers, parameters=params,
                    events=tuple(events), lever_changes=tuple(changes),
                    observations=tuple(observations), coders=tuple(coders),
                    notes=str(meta.get("notes", "")), path=self.source, sha256=sha256,
                    raw=dict(data))
        try:
            case.scenario()
        except ScenarioError as exc:
            msg = str(exc)
            if msg.startswith(self.source + ": "):
                msg = msg[len(self.source) + 2:]
            self.bad("scenario", msg)
            return None
        return case


def _array(data: Mapping, key: str, p: _Parser) -> list:
    v = data.get(key, [])
    if not isinstance(v, list):
        p.bad(f"[[{key}]]", "must be an array of tables")
        return []
    return v


# ------------------------------------------------------------ traceability
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                         "\u2013": "-", "\u2014": "-", "\ufb01": "fi", "\ufb02": "fl"})


def normalise_text(text: str) -> str:
    """Text for quote matching: typographic quotes made plain, words broken by a
    hyphen at a line end joined, whitespace collapsed."""
    text = text.translate(_QUOTES)
    text = re.sub(r"(\w)-[ \t]*\r?\n\s*(\w)", r"\1\2", text)
    return " ".join(text.split())


def quote_in_text(quote: str, text: str) -> bool:
    """Whether ``quote`` occurs in ``text`` after :func:`normalise_text` (a hyphen that
    only broke a line may survive in either, so hyphens are also ignored as a fallback)."""
    q, t = normalise_text(quote), normalise_text(text)
    if q in t:
        return True
    return q.replace("-", "") in t.replace("-", "")


def quotes(case: Case) -> list[tuple[str, str]]:
    """Every ``(entry, quote)`` of a case: context, levers, events, observations."""
    out: list[tuple[str, str]] = []
    raw = case.raw
    for table in ("context", "levers", "parameters"):
        for k, item in (raw.get(table) or {}).items():
            q = (item.get("source") or {}).get("quote") if isinstance(item, Mapping) else None
            if q:
                out.append((f"[{table}] {k}", q))
    for table in ("events", "lever_changes", "observations"):
        for i, item in enumerate(raw.get(table) or [], start=1):
            q = (item.get("source") or {}).get("quote")
            if q:
                out.append((f"{table[:-1].replace('_', ' ')} {i}", q))
    return out
