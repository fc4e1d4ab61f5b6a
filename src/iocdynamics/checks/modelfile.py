"""Checks of a modeller's edited model file (``.mdl`` or ``.xmile``).

* **model and units**: Simlin's model check and dimensional analysis of every
  equation (:mod:`simlin`, the engine behind the Simlin editor);
* **names**: what the file adds, lacks or renames against the model
  (:mod:`iocdynamics.variant`);
* **extreme conditions**: the scenario run through PySD with every context and
  lever the file has at random corners of their bounds and every kind of event at
  full size: no NaN, every stock within the range the file declares for it,
  ``active`` 0 or 1;
* **polarity**: each signed claim whose cause is a constant of the file and whose
  effect is a variable of it, by moving the cause from its lower to its upper
  bound at the start of the run: the effect must not move against the claim.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ..model import EVENT_KINDS, build_model
from ..registry import PARAMETERS
from ..scenario import Scenario, load_scenario
from ..variant import ModelVariant, load_variant
from .result import CheckResult


def simlin_issues(path: str | Path) -> list[str]:
    """Simlin's model and unit issues for a model file (empty when clean)."""
    import simlin

    with tempfile.TemporaryDirectory(prefix="iocdynamics-simlin-") as tmp:
        copy = Path(tmp) / Path(path).name
        shutil.copyfile(path, copy)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = simlin.load(str(copy))
            issues = list(m.check()) + list(m.check_units())
    out = []
    for i in issues:
        msg = getattr(i, "message", str(i)).strip().splitlines()
        var = getattr(i, "variable", None)
        text = msg[-1] if msg else str(i)
        out.append(f"{var}: {text}" if var and var not in text else text)
    return out


def _corner_runs(v: ModelVariant, sc: Scenario, corners: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    names = [p.name for p in PARAMETERS.values()
             if p.group in ("context", "lever") and p.name in v.names]
    spacing = max(sc.time_step, min(8.0, (sc.final_time - 1) / (len(EVENT_KINDS) + 1)))
    events = [{"at": spacing * (i + 1), "kind": k, "size": 1.0}
              for i, k in enumerate(EVENT_KINDS) if f"{k}_input" in v.names]
    base = sc.to_dict()
    problems: list[str] = []
    cols = [n for n in v.stocks] + (["active"] if "active" in v.names else [])
    for m in range(corners + 2):
        vals = {}
        for name in names:
            p = PARAMETERS[name]
            hi = m == 1 or (m > 1 and rng.integers(0, 2) == 1)
            vals[name] = p.upper if hi else p.lower
        if vals.get("contract_is_binding") == 1:
            vals["contract_is_mou"] = 0.0
        try:
            member = Scenario.from_dict({**base, "events": events}, source=sc.source)
            member = member.with_values(**vals)
        except ValueError:
            continue  # a corner the scenario's time step cannot follow
        label = "all low" if m == 0 else "all high" if m == 1 else f"corner {m - 1}"
        try:
            df = v.run(member, cols)
        except ArithmeticError as exc:  # overflow, division by zero in the file's equations
            problems.append(f"{label}: the run fails: {type(exc).__name__}: {exc}")
            continue
        for c in cols:
            arr = df[c].to_numpy()
            if not np.all(np.isfinite(arr)):
                problems.append(f"{label}: {c} becomes NaN or infinite")
                continue
            lo, hi = v.limits.get(c, (np.nan, np.nan))
            if c == "active" and not set(np.unique(arr).tolist()) <= {0.0, 1.0}:
                problems.append(f"{label}: active takes values other than 0 and 1")
            if np.isfinite(lo) and arr.min() < lo - 1e-9:
                problems.append(f"{label}: {c} falls to {arr.min():.3g}, below its declared "
                                f"minimum {lo:g}")
            if np.isfinite(hi) and arr.max() > hi + 1e-9:
                problems.append(f"{label}: {c} rises to {arr.max():.3g}, above its declared "
                                f"maximum {hi:g}")
    return problems


def _numeric_polarity(v: ModelVariant, sc: Scenario) -> tuple[list[str], int, int]:
    """Signed claims checked by moving a constant cause across its bounds at time 0:
    (problems, checked, zero here). Two PySD runs of one step per cause."""
    from ..pysd_runner import pysd_params

    by_cause: dict[str, list] = {}
    for pol in build_model().polarities:
        effect = pol.effect.split(":", 1)[1] if pol.effect.startswith("initial:") \
            else pol.effect
        if pol.cause not in PARAMETERS or pol.cause not in v.names or effect not in v.names:
            continue
        if effect in v.stocks and not pol.effect.startswith("initial:"):
            continue  # a stock's net rate is not a variable of the file
        by_cause.setdefault(pol.cause, []).append((pol, effect))
    base = {k: val for k, val in pysd_params(sc).items() if k in v.names}
    problems, checked, zero = [], 0, 0
    for cause, pols in by_cause.items():
        p = PARAMETERS[cause]
        cols = sorted({e for _, e in pols})
        ends = []
        for value in (p.lower, p.upper):
            params = {**base, cause: float(value)}
            if cause.startswith("contract_is_") and value:
                params["contract_is_mou" if cause.endswith("binding")
                       else "contract_is_binding"] = 0.0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    df = v.model.run(params=params, initial_condition="original",
                                     final_time=sc.time_step, time_step=sc.time_step,
                                     return_timestamps=[0.0], return_columns=cols,
                                     progress=False)
                except ArithmeticError:
                    break
            ends.append(df.rename(columns=lambda c: c.replace(" ", "_")).iloc[0])
        if len(ends) < 2:
            continue
        for pol, effect in pols:
            checked += 1
            change = (float(ends[1][effect]) - float(ends[0][effect])) * pol.sign
            if change < -1e-9:
                problems.append(f"{pol.claim}: {effect} moves "
                                f"{'down' if pol.sign > 0 else 'up'} as {cause} rises "
                                f"(claimed {'+' if pol.sign > 0 else '-'})")
            elif abs(change) <= 1e-12:
                zero += 1
    return problems, checked, zero


def check_model_file(path: str | Path, scenario=None, corners: int = 16, seed: int = 0
                     ) -> list[CheckResult]:
    """Run the model-file checks (see the module docstring).

    Parameters
    ----------
    path : path
        The edited ``.mdl`` or ``.xmile`` (never written to).
    scenario : path, dict or Scenario, optional
        The settings to run (default: the registry defaults).
    corners : int
        Random corners of the contexts and levers (besides all low and all high).
    """
    results = []
    v = load_variant(path)  # refuses a missing or untranslatable file first
    issues = simlin_issues(path)
    results.append(CheckResult("model and units (Simlin)", not issues,
                               "no model or unit issue" if not issues
                               else f"{len(issues)} issue(s)", tuple(issues)))
    results.append(CheckResult("names against the model", True,
                               "; ".join(v.report.lines()), ()))
    sc = load_scenario(scenario if scenario is not None else {})
    problems = _corner_runs(v, sc, corners, seed)
    results.append(CheckResult("extreme conditions (PySD)", not problems,
                               f"{corners + 2} runs at corners of the contexts and levers, "
                               "every kind of event at full size", tuple(problems)))
    problems, checked, zero = _numeric_polarity(v, sc)
    results.append(CheckResult("polarity (PySD, at the start of the run)", not problems,
                               f"{checked} signed claims with a constant cause checked; "
                               f"{zero} without effect in these settings",
                               tuple(problems)))
    return results
