"""What the codes of a case can show: agreement between coders, independence of sources.

* :func:`reliability` -- Krippendorff's alpha (ordinal, the ``krippendorff``
  package) per variable and over all codes, from the units that two or more
  coders coded;
* :func:`disagreements` -- the units on which coders gave different levels;
* :func:`independence` -- whether each code the fit uses is independent of the
  model's own source, in-sample for it, or circular (see :data:`INDEPENDENCE`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .evidence import AGREED, Case, Observation

INDEPENDENCE = {
    "independent": "observed in a source other than the model's own",
    "in-sample": "a study the model's source reports: observed, but the theory was "
                 "refined on it",
    "circular": "the model's source's own prediction or illustration: the model was "
                "built from it",
    "conjecture": "a prediction or illustration from another source: not an observation",
    "synthetic": "generated from known parameter values",
}


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha (ordinal) of one variable, or of all codes (``"all"``)."""

    variable: str
    alpha: float | None     # None: fewer than two coders on any unit, or no variation
    units: int              # units coded by two or more coders
    coders: int
    note: str = ""


@dataclass(frozen=True)
class Disagreement:
    """A unit on which the coders gave different levels."""

    variable: str
    time: float
    segment: str
    levels: dict[str, int]  # coder -> level
    agreed: int | None      # the agreed level, if the case gives one
    entries: tuple[int, ...]

    @property
    def spread(self) -> int:
        return max(self.levels.values()) - min(self.levels.values())


def _units(codes: Sequence[Observation]) -> dict[tuple, list[Observation]]:
    units: dict[tuple, list[Observation]] = {}
    for o in codes:
        if o.coder != AGREED:
            units.setdefault(o.unit, []).append(o)
    return units


def _alpha(variable: str, groups: list[list[Observation]], coders: list[str],
           n_levels: int) -> Alpha:
    import krippendorff

    paired = [g for g in groups if len(g) >= 2]
    if not paired:
        return Alpha(variable, None, 0, len(coders), "no unit coded by two or more coders")
    data = np.full((len(coders), len(paired)), np.nan)
    for j, g in enumerate(paired):
        for o in g:
            data[coders.index(o.coder), j] = o.level
    values = data[~np.isnan(data)]
    if np.all(values == values[0]):
        return Alpha(variable, None, len(paired), len(coders),
                     "no variation: every code of these units has the same level")
    a = float(krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal",
                                 value_domain=list(range(1, n_levels + 1))))
    return Alpha(variable, a if math.isfinite(a) else None, len(paired), len(coders))


def reliability(case: Case) -> list[Alpha]:
    """Krippendorff's alpha (ordinal) per coded variable, then ``"all"``.

    Only units coded by two or more coders count. ``"all"`` pools every such unit;
    its ordinal distances are computed on level ranks, pooling the 2- and 3-level
    scales (status, performance) with the 5-level one.
    """
    coders = list(case.coder_names)
    units = _units(case.codes)
    out = []
    by_var: dict[str, list[list[Observation]]] = {}
    for g in units.values():
        by_var.setdefault(g[0].variable, []).append(g)
    for var, groups in by_var.items():
        out.append(_alpha(var, groups, coders, groups[0][0].scale.n_levels))
    out.append(_alpha("all", list(units.values()), coders,
                      max((g[0].scale.n_levels for g in units.values()), default=2)))
    return out


def disagreements(case: Case) -> list[Disagreement]:
    """Units whose coders gave different levels, largest spread first."""
    agreed = {o.unit: o.level for o in case.codes if o.coder == AGREED}
    out = []
    for unit, g in _units(case.codes).items():
        if len({o.level for o in g}) > 1:
            out.append(Disagreement(g[0].variable, g[0].time, g[0].segment,
                                    {o.coder: o.level for o in g}, agreed.get(unit),
                                    tuple(o.entry for o in g)))
    return sorted(out, key=lambda d: (-d.spread, d.time, d.variable))


def independence_of(case: Case, o: Observation) -> str:
    """The :data:`INDEPENDENCE` class of one code of a case."""
    if o.evidence == "synthetic":
        return "synthetic"
    own = case.is_model_source(o.source.ref)
    if o.evidence in ("primary", "secondary"):
        return "in-sample" if own else "independent"
    return "circular" if own else "conjecture"


def independence(cases: Sequence[Case]) -> dict[str, dict[str, int]]:
    """Case id -> independence class -> number of codes the fit uses."""
    out: dict[str, dict[str, int]] = {}
    for c in cases:
        counts = dict.fromkeys(INDEPENDENCE, 0)
        for o in c.observations:
            counts[independence_of(c, o)] += 1
        out[c.id] = counts
    return out


def evidence_summary(cases: Sequence[Case]) -> dict:
    """What the evidence of a calibration is: per case its basis, coders, consensus,
    independence counts, Krippendorff's alpha and disagreements; and the totals."""
    per_case = {}
    totals = dict.fromkeys(INDEPENDENCE, 0)
    ind = independence(cases)
    for c in cases:
        alphas = reliability(c) if len(c.coder_names) > 1 else []
        per_case[c.id] = {
            "basis": c.basis, "coders": list(c.coder_names), "consensus": c.consensus,
            "codes": len(c.codes), "observations": len(c.observations),
            "evidence": {k: sum(o.evidence == k for o in c.observations)
                         for k in dict.fromkeys(o.evidence for o in c.observations)},
            "independence": ind[c.id],
            "distinct_quotes": len({o.source.quote for o in c.observations
                                    if o.source.quote}),
            "alpha": {a.variable: {"alpha": a.alpha, "units": a.units, "note": a.note}
                      for a in alphas},
            "disagreements": [{"variable": d.variable, "time": d.time, "segment": d.segment,
                               "levels": d.levels, "agreed": d.agreed}
                              for d in disagreements(c)]}
        for k, v in ind[c.id].items():
            totals[k] += v
    return {"cases": per_case, "totals": totals}


def reading(summary: dict) -> list[str]:
    """Plain sentences on what a fit to this evidence can and cannot show."""
    t = summary["totals"]
    n = sum(t.values())
    out = []
    if t["circular"]:
        out.append(f"{t['circular']} of {n} codes are the model source's own predictions or "
                   "illustrations (circular): the equations were written from the same text, "
                   "so fitting them shows that the model can reproduce its source, not that "
                   "the source is right.")
    if t["in-sample"]:
        out.append(f"{t['in-sample']} of {n} codes are studies the model's source reports "
                   "(in-sample): observations, but the theory was refined on them, so "
                   "agreement is expected rather than a test.")
    if t["conjecture"]:
        out.append(f"{t['conjecture']} of {n} codes are predictions or illustrations of other "
                   "sources (conjecture), not observations.")
    if t["independent"]:
        out.append(f"{t['independent']} of {n} codes are observations independent of the "
                   "model's source: only they can test it.")
    else:
        out.append("No code is independent of the model's source: read the estimates as a "
                   "demonstration of the method, not as findings, and the leave-one-case-out "
                   "scores as transfer between codings of one text, not as prediction of new "
                   "collaborations.")
    single = [cid for cid, c in summary["cases"].items() if len(c["coders"]) < 2]
    if single:
        out.append(f"{len(single)} of {len(summary['cases'])} cases have a single coder: "
                   "the reliability of their codes is not measured.")
    return out
