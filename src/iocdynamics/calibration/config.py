"""Calibration configs: which parameters are free, which cases, which settings.

A config is a TOML file (paths in it are relative to the file)::

    name = "bundled"                 # results go to <output_dir>/<name>/
    cases = ["cases/*.toml"]         # case files or glob patterns
    engine = "fast"                  # "fast" (vectorised numpy/numba) or "pysd"
    # model = "mine.mdl"             # optional: an edited copy of ioc.mdl, run by PySD
    seed = 20210602                  # every random draw derives from it
    time_step = 0.25                 # months; checked against the free bounds
    output_dir = "results"

    [likelihood]
    link = "probit"                  # or "logit"
    spread = 0.5                     # latent spread in band widths
    estimate_spread = false
    cutpoints = "fixed"              # codebook cut-points, or "estimated"
    confidence = "scale"             # low confidence widens the spread, or "weight"

    [parameters.trust_build_time]    # shared across cases (mechanism or initial)
    lower = 2
    upper = 24
    prior = {dist = "lognormal", median = 6, sd_log = 0.7}

    [case_parameters.initial_collaborative_behaviour]   # one value per case
    lower = 0
    upper = 0.5
    cases = ["fig5_voluntary_partnership"]   # optional; default all cases

    [search]
    method = "differential_evolution"   # or "multistart"
    max_iterations = 30
    population = 10
    n_starts = 64
    n_polish = 2
    polish_max_nfev = 300

    [uncertainty]
    profile = "all"                  # or a list of parameter names, or []
    profile_points = 9
    corr_threshold = 0.95

    [posterior]                      # lmfit's emcee; also `iocdyn calibrate --posterior`
    enabled = false
    walkers = 16
    steps = 400
    burn = 100
    thin = 2

    [validation]
    leave_one_out = true
"""

from __future__ import annotations

import difflib
import glob
import hashlib
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..io import OutputError, check_output_folder, parse_toml, plain_name_problem
from ..registry import PARAMETERS
from ..scenario import shortest_time_constant
from .likelihood import LINKS


class ConfigError(ValueError):
    """A calibration config is invalid; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class Prior:
    """A prior on one parameter, entering the objective as ``-log density``.

    ``dist`` is ``uniform`` (no penalty inside the bounds), ``normal`` (``mean``,
    ``sd``) or ``lognormal`` (``median``, ``sd_log``).
    """

    dist: str = "uniform"
    a: float = 0.0
    b: float = 1.0

    def penalty(self, x: np.ndarray) -> np.ndarray:
        """``-log p(x)`` up to a constant (0 for uniform)."""
        x = np.asarray(x, dtype=float)
        if self.dist == "normal":
            return 0.5 * ((x - self.a) / self.b) ** 2
        if self.dist == "lognormal":
            with np.errstate(divide="ignore", invalid="ignore"):
                lx = np.log(np.maximum(x, 1e-300))
            return 0.5 * ((lx - math.log(self.a)) / self.b) ** 2 + lx
        return np.zeros_like(x)

    def describe(self) -> str:
        if self.dist == "normal":
            return f"normal(mean {self.a:g}, sd {self.b:g})"
        if self.dist == "lognormal":
            return f"lognormal(median {self.a:g}, sd of log {self.b:g})"
        return "uniform on the bounds"


@dataclass(frozen=True)
class FreeParameter:
    """A parameter the calibration estimates.

    Attributes
    ----------
    name : str
        Registry name.
    lower, upper : float
        Search bounds (within the registry bounds).
    start : float
        Starting value (registry default unless given).
    prior : Prior
    cases : tuple of str or None
        For case-specific parameters: the case ids that get their own value
        (``None``: shared across cases).
    """

    name: str
    lower: float
    upper: float
    start: float
    prior: Prior = Prior()
    cases: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SearchSettings:
    method: str = "differential_evolution"
    max_iterations: int = 30
    population: int = 10
    n_starts: int = 64
    n_polish: int = 2
    polish_max_nfev: int = 300


@dataclass(frozen=True)
class UncertaintySettings:
    profile: tuple[str, ...] | str = "all"
    profile_points: int = 9
    profile_max_nfev: int = 80
    corr_threshold: float = 0.95


@dataclass(frozen=True)
class PosteriorSettings:
    enabled: bool = False
    walkers: int = 16
    steps: int = 400
    burn: int = 100
    thin: int = 2


@dataclass(frozen=True)
class CalibrationConfig:
    """A validated calibration config (see the module docstring for the TOML form)."""

    name: str = "calibration"
    description: str = ""
    cases: tuple[Path, ...] = ()
    engine: str = "fast"
    model: Path | None = None
    seed: int = 0
    time_step: float = 0.25
    output_dir: Path = Path("calibration/results")
    link: str = "probit"
    spread: float = 0.5
    estimate_spread: bool = False
    spread_bounds: tuple[float, float] = (0.05, 3.0)
    cutpoints: str = "fixed"
    confidence: str = "scale"
    shared: tuple[FreeParameter, ...] = ()
    case_specific: tuple[FreeParameter, ...] = ()
    search: SearchSettings = SearchSettings()
    uncertainty: UncertaintySettings = UncertaintySettings()
    posterior: PosteriorSettings = PosteriorSettings()
    leave_one_out: bool = False
    source: str = "<dict>"
    sha256: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def with_overrides(self, **changes: Any) -> CalibrationConfig:
        """A copy with some fields replaced (e.g. ``posterior=...``)."""
        return replace(self, **changes)


TOP_KEYS = ("name", "description", "cases", "engine", "model", "seed", "time_step", "output_dir",
            "likelihood", "parameters", "case_parameters", "search", "uncertainty",
            "posterior", "validation")
ENGINES = ("fast", "pysd")
MAX_STARTS = 100_000
"""Upper bound of ``[search] n_starts`` (each start simulates every case once)."""


def _err(source: str, where: str, msg: str) -> ConfigError:
    return ConfigError(f"{source}: {where}: {msg}")


def _check_keys(d: Mapping, allowed, where: str, source: str) -> None:
    for k in d:
        if k not in allowed:
            close = difflib.get_close_matches(k, list(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _err(source, where, f"unknown key {k!r}{hint}; allowed: "
                                      f"{', '.join(allowed)}")


def _number(d: Mapping, key: str, default, where: str, source: str, lo=-math.inf,
            hi=math.inf, integer=False):
    v = d.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
            or not lo <= v <= hi or (integer and int(v) != v):
        kind = "a whole number" if integer else "a number"
        raise _err(source, f"{where} {key}", f"{v!r} must be {kind} from {lo:g} to {hi:g}")
    return int(v) if integer else float(v)


def _boolean(d: Mapping, key: str, default: bool, where: str, source: str) -> bool:
    v = d.get(key, default)
    if not isinstance(v, bool):
        raise _err(source, f"{where} {key}", f"{v!r} must be true or false (TOML booleans, "
                                             "without quotes)")
    return v


def _prior(spec: Any, where: str, source: str) -> Prior:
    if spec is None:
        return Prior()
    if isinstance(spec, str):
        spec = {"dist": spec}
    if not isinstance(spec, Mapping):
        raise _err(source, where, "prior must be a table such as {dist = \"normal\", "
                                  "mean = 6, sd = 2}")
    dist = spec.get("dist", "uniform")
    if dist == "uniform":
        _check_keys(spec, ("dist",), where, source)
        return Prior()
    if dist == "normal":
        _check_keys(spec, ("dist", "mean", "sd"), where, source)
        return Prior("normal", _number(spec, "mean", None, where, source),
                     _number(spec, "sd", None, where, source, lo=1e-12))
    if dist == "lognormal":
        _check_keys(spec, ("dist", "median", "sd_log"), where, source)
        return Prior("lognormal", _number(spec, "median", None, where, source, lo=1e-12),
                     _number(spec, "sd_log", None, where, source, lo=1e-12))
    raise _err(source, where, f"prior dist {dist!r} must be 'uniform', 'normal' or "
                              "'lognormal'")


def _free(name: str, spec: Any, table: str, source: str, allowed_groups) -> FreeParameter:
    where = f"[{table}.{name}]"
    p = PARAMETERS.get(name)
    if p is None:
        close = difflib.get_close_matches(name, list(PARAMETERS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise _err(source, where, f"not a registry parameter{hint}")
    if p.group not in allowed_groups:
        raise _err(source, where, f"{name} is a {p.group} parameter; here only "
                                  f"{' or '.join(allowed_groups)} parameters can be free"
                                  + (" (free context per case in [case_parameters])"
                                     if table == "parameters" else ""))
    if p.kind != "float":
        raise _err(source, where, f"{name} is a {p.kind}; only continuous parameters can "
                                  "be calibrated")
    if not isinstance(spec, Mapping):
        raise _err(source, where, "must be a table with lower and upper (and optionally "
                                  "start, prior, cases)")
    _check_keys(spec, ("lower", "upper", "start", "prior", "cases"), where, source)
    lo = _number(spec, "lower", p.lower, where, source, p.lower, p.upper)
    hi = _number(spec, "upper", p.upper, where, source, p.lower, p.upper)
    if not lo < hi:
        raise _err(source, where, f"lower {lo:g} must be below upper {hi:g}")
    start = _number(spec, "start", min(max(p.default, lo), hi), where, source, lo, hi)
    cases = spec.get("cases")
    if cases is not None:
        if table != "case_parameters":
            raise _err(source, where, "cases is only allowed in [case_parameters]")
        if not isinstance(cases, list) or not all(isinstance(c, str) for c in cases):
            raise _err(source, where, "cases must be a list of case ids")
        cases = tuple(cases)
    elif table == "case_parameters":
        cases = ()  # all cases, resolved when the cases are known
    return FreeParameter(name, lo, hi, start, _prior(spec.get("prior"), where, source),
                         cases)


def load_config(config: str | Path | Mapping[str, Any] | CalibrationConfig,
                base_dir: str | Path | None = None) -> CalibrationConfig:
    """Read and validate a calibration config.

    Parameters
    ----------
    config : path, mapping or CalibrationConfig
        A TOML file, the same structure as a dict, or an already loaded config.
    base_dir : path, optional
        Folder that relative paths in a dict config refer to (default: the
        current folder; for a file, the file's folder).

    Raises
    ------
    ConfigError
        Naming the file, the key and the fix.
    """
    if isinstance(config, CalibrationConfig):
        return config
    sha = ""
    if isinstance(config, (str, Path)):
        path = Path(config)
        try:
            raw_bytes = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the config ({exc.strerror})") from exc
        data = parse_toml(raw_bytes, path, ConfigError)
        source, base, sha = str(path), path.parent, hashlib.sha256(raw_bytes).hexdigest()
    elif isinstance(config, Mapping):
        data, source, base = config, "<config>", Path(base_dir or ".")
    else:
        raise TypeError("a config is a path, a mapping or a CalibrationConfig")
    if base_dir is not None:
        base = Path(base_dir)
    _check_keys(data, TOP_KEYS, "top level", source)

    name = data.get("name", Path(source).stem if source != "<config>" else "calibration")
    problem = plain_name_problem(name)
    if problem:
        raise _err(source, "name", f"{name!r} {problem}; the results go to "
                                   "<output_dir>/<name>/, e.g. name = \"bundled\"")
    patterns = data.get("cases", [])
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not all(isinstance(c, str) for c in patterns):
        raise _err(source, "cases", "must be a list of case files or glob patterns")
    cases: list[Path] = []
    for pat in patterns:
        full = pat if Path(pat).is_absolute() else str(base / pat)
        hits = sorted(Path(h) for h in glob.glob(full))
        if not hits:
            raise _err(source, "cases", f"{pat!r} matches no file (looked in {base})")
        cases += [h for h in hits if h not in cases]
    engine = data.get("engine", "fast")
    if engine not in ENGINES:
        raise _err(source, "engine", f"{engine!r} must be one of {', '.join(ENGINES)}")
    model = data.get("model")
    if model is not None:
        if not isinstance(model, str) or Path(model).suffix.lower() not in (".mdl", ".xmile"):
            raise _err(source, "model", f"{model!r} must be the path of a .mdl or .xmile "
                                        "file (an edited copy of ioc.mdl)")
        model = Path(model) if Path(model).is_absolute() else base / model
        if not model.is_file():
            raise _err(source, "model", f"{str(model)!r}: no such model file")
        if data.get("engine", "pysd") != "pysd":
            raise _err(source, "engine", f"{engine!r}: a model file runs through PySD; "
                                         "set engine = \"pysd\" or leave engine out")
        engine = "pysd"
    seed = _number(data, "seed", 0, "", source, 0, 2**32 - 1, integer=True)
    time_step = _number(data, "time_step", 0.25, "", source, 1e-3, 1.0)
    out = data.get("output_dir", "results")
    if not isinstance(out, str) or not out:
        raise _err(source, "output_dir", f"{out!r} must be a folder path (a string)")
    output_dir = Path(out) if Path(out).is_absolute() else base / out
    try:
        check_output_folder(output_dir, "output_dir")
    except OutputError as exc:
        raise _err(source, "output_dir", f"{out!r}: {exc}") from None

    for table in ("likelihood", "search", "uncertainty", "posterior", "validation"):
        if not isinstance(data.get(table, {}), Mapping):
            raise _err(source, table, f"{data[table]!r} must be a table: write [{table}] "
                                      "with its keys on the lines below")
    lik = data.get("likelihood", {})
    _check_keys(lik, ("link", "spread", "estimate_spread", "spread_bounds", "cutpoints",
                      "confidence"), "[likelihood]", source)
    link = lik.get("link", "probit")
    if link not in LINKS:
        raise _err(source, "[likelihood] link", f"{link!r} must be one of {LINKS}")
    spread = _number(lik, "spread", 0.5, "[likelihood]", source, 1e-3, 10)
    est_spread = _boolean(lik, "estimate_spread", False, "[likelihood]", source)
    sb = lik.get("spread_bounds", [0.05, 3.0])
    if not (isinstance(sb, list) and len(sb) == 2 and all(
            not isinstance(b, bool) and isinstance(b, (int, float)) and math.isfinite(b)
            for b in sb) and 0 < sb[0] < sb[1]):
        raise _err(source, "[likelihood] spread_bounds", f"{sb!r} must be [lower, upper], "
                   "two numbers with 0 < lower < upper, e.g. [0.05, 3.0]")
    if est_spread and not sb[0] <= spread <= sb[1]:
        raise _err(source, "[likelihood] spread", "must lie within spread_bounds")
    cut = lik.get("cutpoints", "fixed")
    if cut not in ("fixed", "estimated"):
        raise _err(source, "[likelihood] cutpoints", f"{cut!r} must be 'fixed' or "
                                                     "'estimated'")
    conf = lik.get("confidence", "scale")
    if conf not in ("scale", "weight"):
        raise _err(source, "[likelihood] confidence", f"{conf!r} must be 'scale' (low "
                   "confidence widens the spread) or 'weight' (it down-weights the code)")

    params = data.get("parameters", {})
    if not isinstance(params, Mapping):
        raise _err(source, "[parameters]", "must be a table of tables")
    shared = tuple(_free(n, s, "parameters", source, ("mechanism", "initial"))
                   for n, s in params.items())
    cparams = data.get("case_parameters", {})
    if not isinstance(cparams, Mapping):
        raise _err(source, "[case_parameters]", "must be a table of tables")
    specific = tuple(_free(n, s, "case_parameters", source, ("initial", "context"))
                     for n, s in cparams.items())
    both = {p.name for p in shared} & {p.name for p in specific}
    if both:
        raise _err(source, "[case_parameters]", f"{sorted(both)} are also shared in "
                                                "[parameters]; choose one")
    if not shared and not specific:
        raise _err(source, "[parameters]", "no free parameter; add e.g. "
                                           "[parameters.trust_build_time]")

    s = data.get("search", {})
    _check_keys(s, ("method", "max_iterations", "population", "n_starts", "n_polish",
                    "polish_max_nfev"), "[search]", source)
    method = s.get("method", "differential_evolution")
    if method not in ("differential_evolution", "multistart"):
        raise _err(source, "[search] method", f"{method!r} must be 'differential_evolution'"
                                              " or 'multistart'")
    search = SearchSettings(
        method, _number(s, "max_iterations", 30, "[search]", source, 1, 10**5, True),
        _number(s, "population", 10, "[search]", source, 2, 1000, True),
        _number(s, "n_starts", 64, "[search]", source, 1, MAX_STARTS, True),
        _number(s, "n_polish", 2, "[search]", source, 1, 1000, True),
        _number(s, "polish_max_nfev", 300, "[search]", source, 1, 10**6, True))

    u = data.get("uncertainty", {})
    _check_keys(u, ("profile", "profile_points", "profile_max_nfev", "corr_threshold"),
                "[uncertainty]", source)
    prof = u.get("profile", "all")
    free_names = {p.name for p in shared}
    if isinstance(prof, list):
        bad = [n for n in prof if not isinstance(n, str) or n not in free_names]
        if bad:
            raise _err(source, "[uncertainty] profile", f"{bad} are not shared free "
                                                        "parameters of [parameters]")
        prof = tuple(prof)
    elif prof != "all":
        raise _err(source, "[uncertainty] profile", "must be \"all\" or a list of names")
    unc = UncertaintySettings(
        prof, _number(u, "profile_points", 9, "[uncertainty]", source, 3, 200, True),
        _number(u, "profile_max_nfev", 80, "[uncertainty]", source, 1, 10**5, True),
        _number(u, "corr_threshold", 0.95, "[uncertainty]", source, 0, 1))

    pst = data.get("posterior", {})
    _check_keys(pst, ("enabled", "walkers", "steps", "burn", "thin"), "[posterior]", source)
    post = PosteriorSettings(
        _boolean(pst, "enabled", False, "[posterior]", source),
        _number(pst, "walkers", 16, "[posterior]", source, 2, 10**4, True),
        _number(pst, "steps", 400, "[posterior]", source, 1, 10**7, True),
        _number(pst, "burn", 100, "[posterior]", source, 0, 10**7, True),
        _number(pst, "thin", 2, "[posterior]", source, 1, 10**5, True))
    if post.burn >= post.steps:
        raise _err(source, "[posterior] burn", "must be smaller than steps")
    v = data.get("validation", {})
    _check_keys(v, ("leave_one_out",), "[validation]", source)

    cfg = CalibrationConfig(
        name=name, description=str(data.get("description", "")), cases=tuple(cases),
        engine=engine, model=model, seed=seed, time_step=time_step, output_dir=output_dir,
        link=link,
        spread=spread, estimate_spread=est_spread, spread_bounds=(float(sb[0]), float(sb[1])),
        cutpoints=cut, confidence=conf, shared=shared, case_specific=specific,
        search=search, uncertainty=unc, posterior=post,
        leave_one_out=_boolean(v, "leave_one_out", False, "[validation]", source),
        source=source, sha256=sha, raw=dict(data))
    check_time_step(cfg)
    return cfg


def check_time_step(cfg: CalibrationConfig, values: Mapping[str, float] | None = None
                    ) -> None:
    """Check the time step against every corner of the free parameters' box.

    Euler integration keeps the stocks in bounds only if ``time_step`` is at most
    half the shortest adjustment time; this must hold wherever the search may go.

    Raises
    ------
    ConfigError
    """
    from ..registry import defaults

    base = dict(defaults())
    if values:
        base.update(values)
    free = [p for p in cfg.shared + cfg.case_specific]
    names = [p.name for p in free]
    worst = math.inf
    corners = itertools.product(*[(p.lower, p.upper) for p in free]) if len(free) <= 12 \
        else [tuple(p.lower for p in free), tuple(p.upper for p in free)]
    for corner in corners:
        v = dict(base)
        v.update(zip(names, corner))
        worst = min(worst, shortest_time_constant(v))
    if cfg.time_step > worst / 2 + 1e-12:
        raise _err(cfg.source, "time_step",
                   f"{cfg.time_step:g} months is too long: within the bounds of the free "
                   f"parameters the shortest adjustment time falls to {worst:g} months, and "
                   f"Euler integration needs time_step <= {worst / 2:g}; shorten the time "
                   "step or narrow the bounds")
