"""The experimental design: lever settings crossed with seeded uncertainty samples.

Every lever setting is simulated with the *same* uncertainty samples (common
random numbers), so differences between settings are differences of policy, not
of sampling noise. Settings whose levers only change constants share one base
scenario and run as one ensemble; a setting with a lever that changes at a given
month or with planned events gets its own base scenario (its timeline differs).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from ..registry import PARAMETERS
from ..scenario import Event, LeverChange, Scenario, ScenarioError, contract_values
from .posterior import calibration_uncertainty
from .spec import Distribution, ExperimentError, ExperimentSpec, Level, LeverAxis


@dataclass(frozen=True)
class SettingGroup:
    """Lever settings that share one base scenario.

    Attributes
    ----------
    base : Scenario
        The base scenario with the group's timeline (lever changes, events).
    settings : tuple of int
        Indices (into :attr:`Design.settings`) of the settings in this group.
    """

    key: str
    base: Scenario
    settings: tuple[int, ...]


@dataclass(frozen=True)
class Design:
    """A full design.

    Attributes
    ----------
    settings : DataFrame
        One row per lever setting, one column per lever, holding level labels.
    values : DataFrame
        One row per setting, the registry values the setting fixes from the start.
    samples : DataFrame
        One row per member, the sampled value of every uncertain parameter.
    groups : tuple of SettingGroup
    """

    settings: pd.DataFrame
    values: pd.DataFrame
    samples: pd.DataFrame
    groups: tuple[SettingGroup, ...]

    def members_frame(self, group: SettingGroup) -> pd.DataFrame:
        """Rows = (setting, member) pairs of ``group`` in setting-major order; columns =
        registry parameter names (lever values then uncertain parameters)."""
        n = len(self.samples)
        idx = np.repeat(np.asarray(group.settings), n)
        vals = self.values.iloc[idx].reset_index(drop=True)
        vals = vals.loc[:, vals.notna().all()]  # levers the group sets on its timeline
        smp = pd.concat([self.samples] * len(group.settings), ignore_index=True)
        out = pd.concat([vals, smp], axis=1)
        return out.loc[:, ~out.columns.duplicated()]


def registry_values(name: str, value) -> dict[str, float]:
    """Registry constants set by one lever value (``contract`` sets two)."""
    if name == "contract":
        return contract_values(value)
    return {name: float(value)}


def _apply_timeline(base: Scenario, axis: LeverAxis, level: Level) -> Scenario:
    """``base`` with the timeline part of one level (a timed change or events)."""
    if axis.events is not None:
        plan = axis.events
        evs = tuple(Event(plan.first + i * plan.spacing, plan.kind, plan.size,
                          note=f"planned {plan.kind.replace('_', ' ')}")
                    for i in range(int(level.value)))
        return replace(base, events=base.events + evs)
    def native(v):
        p = PARAMETERS.get(axis.name)
        return bool(v) if p is not None and p.kind == "bool" else v

    changes = []
    if level.before is not None:
        changes.append(LeverChange(0.0, axis.name, native(level.before)))
    changes.append(LeverChange(float(level.at), axis.name, native(level.value)))
    return replace(base, lever_changes=base.lever_changes + tuple(changes))


def lever_settings(spec: ExperimentSpec) -> list[tuple[Level, ...]]:
    """Every combination of lever levels (full factorial, first lever slowest)."""
    return list(itertools.product(*[a.levels for a in spec.levers]))


def _validate(sc: Scenario, spec: ExperimentSpec) -> Scenario:
    """Re-check a derived scenario (events in one step, time step)."""
    try:
        return Scenario.from_dict(sc.to_dict(), source=f"{spec.source} (setting)")
    except ScenarioError as exc:
        raise ExperimentError(f"{spec.source}: a lever setting makes an invalid scenario: "
                              f"{exc}") from exc


def build_design(spec: ExperimentSpec) -> Design:
    """The settings, their base scenarios and the uncertainty samples of ``spec``."""
    combos = lever_settings(spec)
    labels = pd.DataFrame([[a.labels()[a.levels.index(lv)] for a, lv in zip(spec.levers, c)]
                           for c in combos], columns=[a.name for a in spec.levers])
    labels.index.name = "setting"
    rows, keys, bases = [], [], {}
    for c in combos:
        vals: dict[str, float] = {}
        sc = spec.base
        key = []
        for axis, lv in zip(spec.levers, c):
            if axis.events is not None or lv.timed:
                sc = _apply_timeline(sc, axis, lv)
                key.append(f"{axis.name}={level_label_key(axis, lv)}")
            else:
                vals.update(registry_values(axis.name, lv.value))
        rows.append(vals)
        k = ";".join(key) or "base"
        keys.append(k)
        if k not in bases:
            bases[k] = _validate(sc, spec) if key else spec.base
    values = pd.DataFrame(rows, index=labels.index)
    groups = tuple(SettingGroup(k, bases[k], tuple(i for i, kk in enumerate(keys) if kk == k))
                   for k in dict.fromkeys(keys))
    samples = sample_uncertainty(spec)
    return Design(labels, values, samples, groups)


def level_label_key(axis: LeverAxis, level: Level) -> str:
    return axis.labels()[axis.levels.index(level)]


# ------------------------------------------------------------------ sampling
def _ppf(d: Distribution, u: np.ndarray) -> np.ndarray:
    a = d.args
    p = PARAMETERS[d.name]
    if d.kind == "uniform":
        x = a["lower"] + u * (a["upper"] - a["lower"])
    elif d.kind == "loguniform":
        x = np.exp(np.log(a["lower"]) + u * (np.log(a["upper"]) - np.log(a["lower"])))
    elif d.kind == "triangular":
        lo, mode, hi = a["lower"], a["mode"], a["upper"]
        x = stats.triang.ppf(u, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    elif d.kind == "normal":
        lo = (p.lower - a["mean"]) / a["sd"]
        hi = (p.upper - a["mean"]) / a["sd"]
        x = stats.truncnorm.ppf(u, lo, hi, loc=a["mean"], scale=a["sd"])
    elif d.kind == "bernoulli":
        x = (u < a["p"]).astype(float)
    else:  # pragma: no cover - the spec validates kinds
        raise ValueError(d.kind)
    if p.kind == "int":
        x = np.round(x)
    return np.clip(x, p.lower, p.upper)


def uncertainty_distributions(spec: ExperimentSpec) -> tuple[list[Distribution],
                                                              pd.DataFrame | None]:
    """Marginals to sample (explicit, then calibration intervals, then the
    mechanism spread) and posterior draws to resample, if any."""
    unc = spec.uncertainty
    levers = set()
    for a in spec.levers:
        if a.events is None:
            levers |= set(registry_values(a.name, a.levels[0].value))
    dists = list(unc.distributions)
    taken = {d.name for d in dists} | levers
    posterior = None
    if unc.from_calibration is not None:
        kind, data = calibration_uncertainty(unc.from_calibration, spec.source)
        if kind == "posterior":
            cols = [c for c in data.columns if c not in taken]
            posterior = data[cols] if cols else None
            taken |= set(cols)
        else:
            for name, rec in data.items():
                if name in taken:
                    continue
                p = PARAMETERS[name]
                if "lower" in rec and "upper" in rec and rec["upper"] > rec["lower"]:
                    lo, hi = max(p.lower, rec["lower"]), min(p.upper, rec["upper"])
                    dists.append(Distribution(name, "uniform", {"lower": lo, "upper": hi}))
                elif "stderr" in rec and rec["stderr"] > 0 and "estimate" in rec:
                    mean = min(max(rec["estimate"], p.lower), p.upper)
                    dists.append(Distribution(name, "normal",
                                              {"mean": mean, "sd": rec["stderr"]}))
                elif "estimate" in rec:
                    v = min(max(rec["estimate"], p.lower), p.upper)
                    dists.append(Distribution(name, "uniform", {"lower": v, "upper": v}))
                else:
                    continue
                taken.add(name)
    if unc.mechanism_spread > 0:
        s = unc.mechanism_spread
        for p in PARAMETERS.values():
            if p.group != "mechanism" or p.kind != "float" or p.name in taken:
                continue
            v = float(spec.base.values[p.name])
            lo, hi = max(p.lower, v * (1 - s)), min(p.upper, v * (1 + s))
            if hi > lo:
                dists.append(Distribution(p.name, "uniform", {"lower": lo, "upper": hi}))
    return dists, posterior


def sample_uncertainty(spec: ExperimentSpec) -> pd.DataFrame:
    """``spec.members`` seeded draws of every uncertain parameter.

    Latin hypercube (or plain random) draws on the unit cube are mapped through
    each marginal's inverse CDF; posterior draws are resampled row-wise (jointly,
    keeping their correlations). With no uncertainty declared, one member.

    Returns
    -------
    DataFrame
        Rows = members (index ``member``), columns = registry parameter names.
    """
    dists, posterior = uncertainty_distributions(spec)
    n = spec.members if (dists or posterior is not None) else 1
    rng = np.random.default_rng(spec.seed)
    cols: dict[str, np.ndarray] = {}
    if dists:
        if spec.uncertainty.sampling == "lhs":
            u = qmc.LatinHypercube(d=len(dists), rng=rng).random(n)
        else:
            u = rng.random((n, len(dists)))
        for j, d in enumerate(dists):
            cols[d.name] = _ppf(d, u[:, j])
    if posterior is not None:
        rows = rng.choice(len(posterior), size=n, replace=n > len(posterior))
        for c in posterior.columns:
            p = PARAMETERS[c]
            cols[c] = np.clip(posterior[c].to_numpy(dtype=float)[rows], p.lower, p.upper)
    df = pd.DataFrame(cols, index=pd.RangeIndex(n, name="member"))
    return df
