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

    consensus = "agreed"               # several coders: "agreed" or "each_coder"

    [[sources]]
    ref = "aunger2021"
    citation = "Aunger JA, et al. ... BMC Health Serv Res 21:602"
    doi = "10.1186/s12913-021-06630-x" # optional; marks the model's own source

    [[sources]]
    ref = "murray2018"                 # a primary study reported by aunger2021
    citation = "Murray, D'Aunno and Lewis (2018) ..., ref. [42] of aunger2021"

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
    source = {ref = "aunger2021", locator = "p. 12", quote = "...",
              study = "murray2018"}    # study: the primary study a secondary source reports
    claims = ["I3", "T1"]              # ids of the project's claims list (model/claims.md)
    evidence = "secondary"             # primary | secondary | hypothesis | illustrative
    time_basis = "sequence"            # stated | sequence | assumed
    time_reason = "after the merger the text dates to 2016"
    rationale = "'good relationships' is the codebook's anchor of trust level 4"
    anchor_reason = "..."              # only to code against a codebook anchor
    segment = "S12"                    # optional: the coded segment (several coders)

:func:`load_case` checks everything and either returns a complete
:class:`Case` or raises :class:`CaseError` listing every problem with the file,
the entry and the fix; it never returns part of a case. Beyond the schema it
enforces the codebook's rules: every observation says what it rests on (claims,
kind of evidence, basis of its time, rationale); a quote that sets an input is
never also a target; a level that contradicts a codebook anchor needs a stated
reason; an assumed time caps the confidence at :data:`ASSUMED_TIME_MAX_CONFIDENCE`.

Several coders may code the same unit (a variable at a time, or a named
``segment``); ``[case] consensus`` says what the fit uses: ``"agreed"`` -- one
level per unit, from a row with ``coder = "agreed"`` where the coders differ --
or ``"each_coder"`` -- every coder's code, each weighted ``1 / (coders of the
unit)``. :attr:`Case.codes` keeps every code; :attr:`Case.observations` is what
the fit uses.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
             "horizon", "start_date", "provenance", "coders", "consensus", "basis",
             "notes")
#: What a case file rests on (``[case] basis``).
BASES = {"case study": "the study of one real collaboration (primary or as reported)",
         "type sketch": "a description of a type of collaboration, not one collaboration",
         "illustrative example": "an example made up to illustrate the theory"}
REQUIRED_CASE_KEYS = ("id", "title", "collaboration_type", "country", "sector",
                      "arrangement", "horizon", "provenance")
TOP_KEYS = ("case", "sources", "context", "levers", "parameters", "events",
            "lever_changes", "observations")
ARRANGEMENTS = ("voluntary", "mandated")
CONFIDENCE_LABELS = {"low": 1 / 3, "medium": 2 / 3, "high": 1.0}
SOURCE_KEYS = ("ref", "locator", "quote", "study")
SOURCES_KEYS = ("ref", "citation", "url", "doi", "note")
OBSERVATION_KEYS = ("variable", "at", "date", "level", "coder", "confidence", "source",
                    "claims", "evidence", "time_basis", "time_reason", "rationale",
                    "anchor_reason", "segment", "note")
EVIDENCE_KINDS = {
    "primary": "the source is the study of this collaboration itself (interviews, "
               "documents, observation)",
    "secondary": "a source reporting a named primary study (source.study)",
    "hypothesis": "the authors' prediction or theory ('is likely to', an example "
                  "figure), not an observation of this collaboration",
    "illustrative": "the coder's illustration of a general statement",
    "synthetic": "generated from known parameter values (for checking the calibrator)",
}
TIME_BASES = {
    "stated": "the text dates it or places it at the start or end",
    "sequence": "the text orders it relative to dated or placed events",
    "assumed": "the coder's placement; caps the confidence",
}
#: Highest confidence a code with ``time_basis = "assumed"`` may carry.
ASSUMED_TIME_MAX_CONFIDENCE = 0.5
CONSENSUS_RULES = ("agreed", "each_coder")
#: Coder name of the consensus level of a unit under ``consensus = "agreed"``.
AGREED = "agreed"
#: DOIs of the texts the model's structure was distilled from (``model/claims.md``): codes
#: resting on them test the model against its own source.
MODEL_SOURCE_DOIS = frozenset({"10.1186/s12913-021-06630-x"})
_CLAIM_ID = re.compile(r"^[A-Z]\d+$")
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
    study: str = ""

    def to_dict(self) -> dict[str, str]:
        d = {"ref": self.ref, "locator": self.locator}
        if self.quote:
            d["quote"] = self.quote
        if self.study:
            d["study"] = self.study
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
    claims : tuple of str
        Claim ids (the project's claims list) the code bears on.
    evidence : str
        One of :data:`EVIDENCE_KINDS`.
    time_basis, time_reason : str
        One of :data:`TIME_BASES`, and why the code sits at this time.
    rationale : str
        One line from the quote to the level.
    anchor_reason : str
        Why the level departs from a codebook anchor (empty if it does not).
    segment : str
        The coded segment (units of agreement); empty: the variable at the time.
    weight : float
        Weight of the code in the likelihood (``1 / coders`` under ``each_coder``).
    """

    variable: str
    time: float
    level: int
    confidence: float
    coder: str
    source: Source
    note: str = ""
    entry: int = 0
    claims: tuple[str, ...] = ()
    evidence: str = ""
    time_basis: str = ""
    time_reason: str = ""
    rationale: str = ""
    anchor_reason: str = ""
    segment: str = ""
    weight: float = 1.0

    @property
    def unit(self) -> tuple:
        """What several coders code alike: the segment, else the variable at the time."""
        return ("segment", self.segment) if self.segment else \
            (self.variable, round(self.time, 6))

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
    codes: tuple[Observation, ...] = ()
    consensus: str = "agreed"
    basis: str = "case study"
    source_dois: Mapping[str, str] = field(default_factory=dict)
    path: str = "<dict>"
    sha256: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def coder_names(self) -> tuple[str, ...]:
        """Coders of the codes (the consensus rows excluded), in order of appearance."""
        return tuple(dict.fromkeys(o.coder for o in self.codes if o.coder != AGREED))

    def is_model_source(self, ref: str) -> bool:
        """Whether ``ref`` is a text the model's structure was distilled from."""
        return self.source_dois.get(ref, "").lower() in MODEL_SOURCE_DOIS

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


def _closest_scale(variable: str) -> tuple[str, Scale] | None:
    """The codable variable closest to a misspelt one, with its scale."""
    import difflib

    from .scales import VARIABLE_SCALES

    close = difflib.get_close_matches(variable, list(VARIABLE_SCALES), n=1)
    return (close[0], VARIABLE_SCALES[close[0]]) if close else None


_CLAIMS_CACHE: dict[str, tuple[frozenset[str] | None, str]] = {}


def known_claim_ids() -> tuple[frozenset[str] | None, str]:
    """The claim ids a case may cite, and where they were read.

    Read through :func:`iocdynamics.claims.read_claims` (the project's claims
    list); failing that, from the generated ``docs/claims.md`` of the checkout.
    ``(None, reason)`` when neither is available: ids are then checked for form
    only.
    """
    if "ids" in _CLAIMS_CACHE:
        return _CLAIMS_CACHE["ids"]
    out: tuple[frozenset[str] | None, str] = (None, "no claims list found: claim ids "
                                              "are checked for form only")
    try:
        from ..claims import default_claims_file, read_claims

        out = (frozenset(read_claims()), str(default_claims_file()))
    except (ImportError, OSError, ValueError):
        doc = Path(__file__).resolve().parents[3] / "docs" / "claims.md"
        try:
            ids = re.findall(r"^## ([A-Z]\d+)\s*$", doc.read_text(encoding="utf-8"),
                             flags=re.M)
            if ids:
                out = (frozenset(ids), str(doc))
        except OSError:
            pass
    _CLAIMS_CACHE["ids"] = out
    return out


def parse_case(data: Mapping[str, Any], source: str = "<dict>", sha256: str = "",
               claim_ids: Iterable[str] | None = None) -> Case:
    """Check a TOML-shaped mapping and build a :class:`Case` (all or nothing).

    ``claim_ids`` are the claim ids an observation may cite (default:
    :func:`known_claim_ids`).
    """
    ids = frozenset(claim_ids) if claim_ids is not None else known_claim_ids()[0]
    p = _Parser(source, ids)
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
    def __init__(self, source: str, claim_ids: frozenset[str] | None = None):
        self.source = source
        self.claim_ids = claim_ids
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
        study = s.get("study", "")
        if study and (not isinstance(study, str) or study not in refs):
            self.bad(entry, f"source study {study!r} is not in [[sources]] (known: "
                            f"{', '.join(refs) or 'none'}); add the primary study there")
            ok = False
        return Source(ref, loc.strip(), " ".join(quote.split()), study or "") if ok else None

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

    def _what(self, o: Mapping, entry: str, src: Source | None, conf: Any
              ) -> dict[str, Any] | None:
        """The fields that say what an observation is; ``None`` if any is wrong."""
        ok = True
        evidence = o.get("evidence")
        if evidence not in EVIDENCE_KINDS:
            self.bad(entry, f"evidence = {evidence!r} must be one of "
                            + "; ".join(f"{k!r} ({v})" for k, v in EVIDENCE_KINDS.items()
                                        if k != "synthetic"))
            ok = False
        elif evidence == "secondary" and src is not None and not src.study:
            self.bad(entry, "secondary evidence names the primary study it reports: add "
                            "study = \"<ref of [[sources]]>\" to the source")
            ok = False
        claims = o.get("claims")
        if evidence == "synthetic" and claims is None:
            claims = []
        if not isinstance(claims, list) or not all(isinstance(c, str) for c in claims) \
                or (not claims and evidence != "synthetic"):
            self.bad(entry, "claims must list the claim ids the code bears on, e.g. "
                            "claims = [\"I3\", \"T1\"]")
            ok = False
        else:
            bad = [c for c in claims if not _CLAIM_ID.match(c) or
                   (self.claim_ids is not None and c not in self.claim_ids)]
            if bad:
                known = f" (known: {', '.join(sorted(self.claim_ids))})" \
                    if self.claim_ids else ""
                self.bad(entry, f"claims {bad} are not ids of the claims list{known}")
                ok = False
        basis = o.get("time_basis")
        if basis not in TIME_BASES:
            self.bad(entry, f"time_basis = {basis!r} must be one of "
                            + "; ".join(f"{k!r} ({v})" for k, v in TIME_BASES.items()))
            ok = False
        reason = o.get("time_reason", "")
        if not isinstance(reason, str) or not reason.strip():
            self.bad(entry, "time_reason must say why the code sits at this time (what the "
                            "text dates, orders or leaves open)")
            ok = False
        if basis == "assumed" and isinstance(conf, (int, float)) and \
                not isinstance(conf, bool) and conf > ASSUMED_TIME_MAX_CONFIDENCE + 1e-12:
            self.bad(entry, f"confidence {conf:g} is above {ASSUMED_TIME_MAX_CONFIDENCE:g}, "
                            "the cap for a code whose time is assumed; lower it, or give the "
                            "text's dating (time_basis = 'stated' or 'sequence')")
            ok = False
        rationale = o.get("rationale", "")
        if not isinstance(rationale, str) or not rationale.strip() or "\n" in \
                rationale.strip():
            self.bad(entry, "rationale must be one line from the quote to the level")
            ok = False
        extra = {}
        for k in ("anchor_reason", "segment"):
            v = o.get(k, "")
            if not isinstance(v, str):
                self.bad(entry, f"{k} must be a string")
                ok = False
            extra[k] = v.strip() if isinstance(v, str) else ""
        if src is not None and not src.quote and evidence in ("primary", "secondary"):
            self.bad(entry, f"{evidence} evidence needs the quote it rests on "
                            "(source.quote)")
            ok = False
        if not ok:
            return None
        return {"claims": tuple(claims), "evidence": evidence, "time_basis": basis,
                "time_reason": " ".join(reason.split()),
                "rationale": rationale.strip(), **extra}

    def _check_quote_reuse(self, data: Mapping, observations: Sequence[Observation]
                           ) -> None:
        """Refuse a quote that sets an input (context, levers, initial levels, events,
        lever changes) and is also the quote of an observation."""
        inputs = [(e, q) for e, q in raw_quotes(data)
                  if not e.startswith("observation ")]
        for o in observations:
            if not o.source.quote:
                continue
            for e, q in inputs:
                if quotes_overlap(o.source.quote, q):
                    self.bad(f"observation {o.entry} ({o.variable})",
                             f"its quote also sets the input {e} ({_short(q)!r}); a "
                             "statement that sets an input cannot be a target too: code the "
                             "outcome from another statement, or drop one of the two")

    def _check_anchors(self, observations: Sequence[Observation]) -> None:
        """Refuse levels that contradict a codebook anchor, unless anchor_reason says why."""
        from .codebook import check_level

        order = sorted(observations, key=lambda o: (o.coder, o.variable, o.time, o.entry))
        prev: dict[tuple[str, str], int] = {}
        for o in order:
            key = (o.coder, o.variable)
            if o.source.quote and not o.anchor_reason:
                for why in check_level(o.variable, o.source.quote, o.level, prev.get(key),
                                       o.scale.labels):
                    self.bad(f"observation {o.entry} ({o.variable})",
                             f"{why}; recode, or give anchor_reason = \"why\"")
            prev[key] = o.level

    def _consensus(self, codes: Sequence[Observation], rule: str) -> list[Observation]:
        """The observations the fit uses under the case's consensus rule."""
        units: dict[tuple, list[Observation]] = {}
        for o in codes:
            units.setdefault(o.unit, []).append(o)
        out: list[Observation] = []
        for unit, group in units.items():
            coded = [o for o in group if o.coder != AGREED]
            agreed = [o for o in group if o.coder == AGREED]
            where = ", ".join(f"observation {o.entry}" for o in group)
            if len({o.coder for o in coded}) < len(coded):
                self.bad(where, f"coder {coded[0].coder!r} codes the same unit "
                                f"({_unit_name(unit)}) twice; one code per coder and unit")
                continue
            if rule == "each_coder":
                if agreed:
                    self.bad(where, "rows with coder = 'agreed' are used only with "
                                    "[case] consensus = 'agreed'")
                    continue
                w = 1.0 / len(coded)
                out += [replace(o, weight=w) for o in coded]
                continue
            if len(agreed) > 1:
                self.bad(where, f"unit {_unit_name(unit)} has {len(agreed)} agreed levels; "
                                "give one")
                continue
            if agreed:
                out.append(agreed[0])
            elif len({o.level for o in coded}) <= 1:
                out.append(coded[0])
            else:
                levels = ", ".join(f"{o.coder}: {o.level}" for o in coded)
                self.bad(where, f"the coders disagree on {_unit_name(unit)} ({levels}) and "
                                "[case] consensus = 'agreed': add the agreed level as a code "
                                "with coder = \"agreed\", or declare consensus = "
                                "\"each_coder\"")
        out.sort(key=lambda o: o.entry)
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
        dois: dict[str, str] = {}
        basis = meta.get("basis", "case study")
        if basis not in BASES:
            self.bad("[case] basis", f"{basis!r} must be one of "
                                     + "; ".join(f"{k!r} ({v})" for k, v in BASES.items()))
        consensus = meta.get("consensus", "agreed")
        if consensus not in CONSENSUS_RULES:
            self.bad("[case] consensus", f"{consensus!r} must be 'agreed' (one level per "
                                         "unit, the coders' agreed one) or 'each_coder' "
                                         "(every coder's code, down-weighted)")
            consensus = "agreed"
        sources = data.get("sources", [])
        if not isinstance(sources, list) or not sources:
            self.bad("[[sources]]", "at least one source is needed (ref and citation)")
            sources = []
        for i, s in enumerate(sources, start=1):
            entry = f"source {i}"
            if not isinstance(s, Mapping):
                self.bad(entry, "must be a table with ref and citation")
                continue
            self._unknown_keys(s, SOURCES_KEYS, entry)
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
            if s.get("doi") is not None:
                if not isinstance(s["doi"], str) or not s["doi"].strip():
                    self.bad(entry, "doi must be a string such as \"10.1186/...\"")
                else:
                    dois[ref] = s["doi"].strip()

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
            guess = _closest_scale(var) if scale is None and isinstance(var, str) else None
            if "level" not in o:
                self.bad(entry, "missing level")
            elif scale is not None:
                try:
                    level = scale.level(o["level"])
                except ValueError as exc:
                    self.bad(entry, str(exc))
            elif guess is not None:  # report a bad level now, not after the name is fixed
                try:
                    guess[1].level(o["level"])
                except ValueError as exc:
                    self.bad(entry, f"{exc} (checked on the scale of {guess[0]!r}, the "
                                    "closest codable variable)")
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
            what = self._what(o, entry, src, conf)
            if None in (scale, t, level, conf, src, what) or not isinstance(coder, str):
                continue
            observations.append(Observation(var, t, level, float(conf), coder.strip(), src,
                                            str(note), i, **what))
        if not observations and not any(e.startswith("observation") for e, _ in
                                        self.problems):
            self.bad("[[observations]]", "a case needs at least one observation")
        self._check_quote_reuse(data, observations)
        self._check_anchors(observations)
        fit_obs = self._consensus(observations, consensus)
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
                    observations=tuple(fit_obs), coders=tuple(coders),
                    notes=str(meta.get("notes", "")), codes=tuple(observations),
                    consensus=consensus, basis=basis, source_dois=dois, path=self.source,
                    sha256=sha256, raw=dict(data))
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


def raw_sources(data: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """Every ``(entry, source table)`` of a TOML-shaped case mapping: context, levers,
    initial levels, events, lever changes, observations (entries as in messages)."""
    out: list[tuple[str, Mapping[str, Any]]] = []
    for table in ("context", "levers", "parameters"):
        t = data.get(table)
        for k, item in (t.items() if isinstance(t, Mapping) else ()):
            src = item.get("source") if isinstance(item, Mapping) else None
            if isinstance(src, Mapping):
                out.append((f"[{table}] {k}", src))
    for table in ("events", "lever_changes", "observations"):
        arr = data.get(table)
        for i, item in enumerate(arr if isinstance(arr, list) else [], start=1):
            src = item.get("source") if isinstance(item, Mapping) else None
            if isinstance(src, Mapping):
                out.append((f"{table[:-1].replace('_', ' ')} {i}", src))
    return out


def raw_quotes(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every ``(entry, quote)`` of a TOML-shaped case mapping (see :func:`raw_sources`)."""
    return [(e, s["quote"]) for e, s in raw_sources(data)
            if isinstance(s.get("quote"), str) and s["quote"].strip()]


def quotes(case: Case) -> list[tuple[str, str]]:
    """Every ``(entry, quote)`` of a case: context, levers, events, observations."""
    return raw_quotes(case.raw)


#: Consecutive words two quotes must share to count as the same statement.
OVERLAP_WORDS = 6


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalise_text(text).lower().replace("-", ""))


def quotes_overlap(a: str, b: str, run: int = OVERLAP_WORDS) -> bool:
    """Whether two quotes are the same statement: one contains the other, or they share
    ``run`` consecutive words (fewer if the shorter quote is shorter, but at least 3)."""
    wa, wb = _tokens(a), _tokens(b)
    if not wa or not wb:
        return False
    n = min(run, len(wa), len(wb))
    if n < 3:
        return wa == wb
    grams = {tuple(wa[i:i + n]) for i in range(len(wa) - n + 1)}
    return any(tuple(wb[i:i + n]) in grams for i in range(len(wb) - n + 1))


def _short(q: str, n: int = 60) -> str:
    q = " ".join(q.split())
    return q if len(q) <= n else q[:n - 3] + "..."


def _unit_name(unit: tuple) -> str:
    return f"segment {unit[1]!r}" if unit[0] == "segment" else \
        f"{unit[0]} at month {unit[1]:g}"
