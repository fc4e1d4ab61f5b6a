"""Polarity of links and loops along a run, from the sympy partial derivatives.

A link's sign at a step is the sign of ``d z / d x`` (the sympy derivative of
``z``'s equation, evaluated at that step's values); a flow-to-stock link is
``+1`` (inflow) or ``-1`` (outflow). Where the derivative is identically zero --
a step function such as a threshold switch -- the sign is taken from the run's
discrete partial changes (the sign of the LTM link score where it is not 0),
which is Richardson's definition. A loop's sign at a step is the product of its
link signs; its polarity is ``R`` or ``B`` when that sign never changes over the
run, ``R/B`` when it does (the table then gives the reinforcing share).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .graph import Link, Loop, LoopGraph
from .ltm import Equations, Trajectories


def link_signs(eqs: Equations, link: Link, traj: Trajectories,
               score: np.ndarray | None = None) -> np.ndarray:
    """Sign (-1, 0, +1) of the link's gain at every step (shape of ``traj``)."""
    if link.integration:
        return np.full(traj.shape, 1.0 if link.kind == "inflow" else -1.0)
    values = {a: traj[a] for a in eqs.inputs(link.target)}
    d = eqs.evaluate_derivative(link.target, link.source, values)
    if d is not None and np.any(d != 0):
        return np.sign(np.nan_to_num(d))
    # a step function of the source: the sign its discrete changes showed
    seen = np.unique(np.sign(score[score != 0])) if score is not None else np.array([])
    return np.full(traj.shape, float(seen[0]) if len(seen) == 1 else 0.0)


def loop_signs(loop: Loop, signs: Mapping[tuple[str, str], np.ndarray]) -> np.ndarray:
    """Product of the link signs around ``loop`` at every step."""
    out = None
    for e in loop.links:
        out = signs[e].copy() if out is None else out * signs[e]
    return out


def classify(signs: np.ndarray) -> tuple[str, float]:
    """``(polarity, reinforcing share)`` of a loop from its signs along the run.

    Returns ``("R", 1.0)``, ``("B", 0.0)``, ``("R/B", share)`` when the sign
    changes, or ``("?", nan)`` when the loop's gain was 0 at every step.
    """
    pos, neg = int(np.sum(signs > 0)), int(np.sum(signs < 0))
    if pos and not neg:
        return "R", 1.0
    if neg and not pos:
        return "B", 0.0
    if not pos and not neg:
        return "?", float("nan")
    return "R/B", pos / (pos + neg)


def polarities(graph: LoopGraph, traj: Trajectories,
               scores: Mapping[tuple[str, str], np.ndarray],
               equations: Equations | None = None) -> dict[str, tuple[str, float]]:
    """Polarity and reinforcing share of every loop along the run."""
    eqs = equations or Equations(graph)
    signs = {(lk.source, lk.target): link_signs(eqs, lk, traj, scores.get((lk.source,
                                                                           lk.target)))
             for lk in graph.loop_links}
    return {lp.id: classify(loop_signs(lp, signs)) for lp in graph.loops}
