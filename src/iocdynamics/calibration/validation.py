"""Leave-one-case-out prediction: fit on all cases but one, predict the held-out codes.

For each held-out case the shared parameters are fitted to the other cases; the
held-out case's own case-specific parameters (if any) stay at their starting
values, since nothing about them is known without its evidence. The predictive
distribution of each held-out code is scored against two references: the model
at the starting (registry default) values, and a uniform guess over the levels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .config import CalibrationConfig
from .evidence import Case
from .fit import fit_problem
from .likelihood import level_probabilities
from .problem import Problem


@dataclass
class HeldOut:
    """Scores of one held-out case (means per observation)."""

    case: str
    n_obs: int
    log_score: float          # mean log P(observed level), fitted on the others
    log_score_default: float  # same with the starting (registry default) values
    log_score_uniform: float  # uniform guess over each scale's levels
    hit_rate: float           # share of codes equal to the most probable level
    mean_level_error: float   # mean |observed - expected level|
    estimates: dict[str, float]


def score_case(config: CalibrationConfig, case: Case, values: dict[str, float]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-observation log P, predicted level probabilities and observed levels of a case
    at the given registry values (unweighted)."""
    prob = Problem(config.with_overrides(case_specific=()), [case])
    theta = prob.as_matrix({n: values.get(n, s) for n, s in zip(prob.names, prob.start)})
    ll = prob.loglik_terms(theta, weighted=False)[0]
    x = prob.latent(theta)[0]
    spread = prob.spread(theta)
    cuts = prob.cutpoints(theta)
    probs = []
    for i, (_, o) in enumerate(prob.observations):
        s = spread * o.scale.band_width
        if config.confidence == "scale":
            s = s / o.confidence
        probs.append(level_probabilities(np.array(x[i]), cuts[o.scale.name], s, config.link))
    return ll, probs, prob.obs_level


def leave_one_out(config: CalibrationConfig, cases: Sequence[Case], log=None
                  ) -> list[HeldOut]:
    """Fit on every case but one, score the held-out one; one row per case."""
    out = []
    for i, held in enumerate(cases):
        rest = [c for j, c in enumerate(cases) if j != i]
        prob = Problem(config, rest)
        fit = fit_problem(prob, config.search, config.seed)
        est = {n: float(v) for n, v in zip(prob.names, fit.x)}
        ll, probs, levels = score_case(config, held, est)
        ll0, _, _ = score_case(config, held, {})
        uni = np.array([-np.log(len(p)) for p in probs])
        modal = np.array([int(np.argmax(p)) + 1 for p in probs])
        expected = np.array([float(np.dot(np.arange(1, len(p) + 1), p)) for p in probs])
        row = HeldOut(held.id, len(levels), float(ll.mean()), float(ll0.mean()),
                      float(uni.mean()), float(np.mean(modal == levels)),
                      float(np.mean(np.abs(expected - levels))), est)
        out.append(row)
        if log:
            log(f"   leave out {held.id}: mean log score {row.log_score:.3f} (defaults "
                f"{row.log_score_default:.3f}, uniform {row.log_score_uniform:.3f})")
    return out
