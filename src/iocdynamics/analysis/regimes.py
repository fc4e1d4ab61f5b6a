"""Regimes of the event-free model: synergy, inertia, and how robust they are.

A *context index* ``c`` in [0, 1] moves a voluntary, single-sector collaboration
from a set-up-for-failure context (``c = 0``: a history of competing, poor
reputations, a legacy of failures, tight finances, an unfavourable regulator,
large and many organisations, little stakeholder involvement) to a favourable one
(``c = 1``), every item linearly; the other context items and the levers are
those of the base scenario. :func:`regime_census` counts the stable equilibria
along that path (synergy: collaborative behaviour above ``SYNERGY_LEVEL``);
:func:`robustness` repeats the census for random draws of every mechanism constant
within a relative spread of its default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..registry import PARAMETERS
from .autonomous import VectorField, autonomous_system
from .equilibria import find_equilibria

#: Context of a collaboration set up for failure (context index 0).
CONTEXT_POOR: Mapping[str, float] = {
    "history_of_collaboration": 0.0, "partner_reputation": 0.2, "legacy_of_failures": 0.8,
    "financial_constraints": 0.9, "regulatory_support": 0.1, "organisation_size": 0.8,
    "number_of_organisations": 6.0, "stakeholder_involvement": 0.2}
#: Context of a favourable collaboration (context index 1).
CONTEXT_GOOD: Mapping[str, float] = {
    "history_of_collaboration": 1.0, "partner_reputation": 0.9, "legacy_of_failures": 0.0,
    "financial_constraints": 0.1, "regulatory_support": 0.9, "organisation_size": 0.2,
    "number_of_organisations": 2.0, "stakeholder_involvement": 0.9}
#: Behaviour above which a stable state counts as synergy (below: inertia).
SYNERGY_LEVEL = 0.3

_BASE = Path(__file__).resolve().parents[3] / "experiments" / "scenarios" / \
    "borderline_partnership.toml"


def context_at(c: float) -> dict[str, float]:
    """Context items at context index ``c`` (0 set up for failure, 1 favourable)."""
    if not 0.0 <= c <= 1.0:
        raise ValueError(f"context index {c} is outside [0, 1]")
    return {k: CONTEXT_POOR[k] + c * (CONTEXT_GOOD[k] - CONTEXT_POOR[k]) for k in CONTEXT_POOR}


@dataclass(frozen=True)
class Census:
    """Stable states along the context path.

    Attributes
    ----------
    index : numpy.ndarray
        Context index values.
    regimes : list of str
        Per index: ``"S"`` (synergy only), ``"i"`` (inertia only), ``"Si"``
        (bistable) or ``""`` (no stable state found).
    """

    index: np.ndarray
    regimes: list[str]

    @property
    def bistable(self) -> bool:
        """Some context has both a synergy and an inertia state."""
        return any(r == "Si" for r in self.regimes)

    @property
    def ordered(self) -> bool:
        """Inertia only at the poor end, synergy only at the good end, both between."""
        return self.regimes[0] == "i" and self.regimes[-1] == "S" and self.bistable


def _system(base) -> VectorField:
    mech = [p.name for p in PARAMETERS.values() if p.group == "mechanism"]
    return autonomous_system(base, params=mech + list(CONTEXT_POOR))


def _census(system: VectorField, values: Mapping[str, float], index: Sequence[float],
            n_starts: int) -> Census:
    regimes = []
    for c in index:
        p = dict(system.param_values)
        p.update(values)
        p.update(context_at(float(c)))
        stable = [e for e in find_equilibria(system, n_starts=n_starts, seed=0, p=p)
                  if e.stable]
        kinds = {"S" if e["collaborative_behaviour"] > SYNERGY_LEVEL else "i" for e in stable}
        regimes.append("".join(k for k in "Si" if k in kinds))
    return Census(np.asarray(index, dtype=float), regimes)


def regime_census(base=None, index: Sequence[float] = tuple(np.linspace(0, 1, 11)),
                  n_starts: int = 48, **values: float) -> Census:
    """Stable states along the context path at the given constants.

    Parameters
    ----------
    base : path, dict or Scenario, optional
        Scenario giving the levers and the context items the path does not move
        (default: the bundled ``borderline_partnership.toml``).
    index : sequence of float
        Context index values.
    n_starts : int
        Multistart size of the equilibrium search.
    **values : float
        Mechanism constants other than the defaults.
    """
    return _census(_system(base or _BASE), values, index, n_starts)


@dataclass(frozen=True)
class Robustness:
    """Share of draws of the mechanism constants that keep the regime structure."""

    draws: int
    spread: float
    seed: int
    bistable_share: float
    ordered_share: float
    censuses: list[Census]


def robustness(draws: int = 40, spread: float = 0.2, seed: int = 0, base=None,
               index: Sequence[float] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
               n_starts: int = 24) -> Robustness:
    """Draw every mechanism constant uniformly within ``1 +- spread`` of its default
    (clipped to its registry bounds) and take the regime census of each draw.

    Returns the share of draws with a bistable context on the path, and the share
    whose path is ordered (inertia only when set up for failure, synergy only when
    favourable, both in between).
    """
    if not 0 < spread < 1:
        raise ValueError(f"spread {spread} must lie in (0, 1)")
    system = _system(base or _BASE)
    rng = np.random.default_rng(seed)
    mech = [p for p in PARAMETERS.values() if p.group == "mechanism"]
    out = []
    for _ in range(draws):
        values = {p.name: float(np.clip(p.default * rng.uniform(1 - spread, 1 + spread),
                                        p.lower, p.upper)) for p in mech}
        out.append(_census(system, values, index, n_starts))
    return Robustness(draws, spread, seed, float(np.mean([c.bistable for c in out])),
                      float(np.mean([c.ordered for c in out])), out)
