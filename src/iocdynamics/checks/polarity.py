"""Polarity of the signed claims, checked exactly on the symbolic equations.

For each signed claim (``Polarity`` entries of the model), the partial derivative
of the effect with respect to the cause is derived by sympy -- auxiliaries
substituted, the cause held as an independent variable -- and evaluated at many
states and parameter sets drawn (seeded) across the declared bounds, or, for a
scenario, at its own constants with the states drawn across their bounds. The
sign must never contradict the claim and must be strict somewhere; in a scenario
a derivative that is zero everywhere means the claim's term is switched off
there (reported, not failed).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..registry import Parameter
from ..structure import Input, Polarity, Stock, StockFlowModel

#: Sampling ranges of unbounded stocks and of time.
RANGES = {
    "ambition_level": (0.1, 8.0),
    "performance": (-0.5, 1.0),
    "time_below_critical": (0.0, 40.0),
    "time": (0.0, 120.0),
}


@dataclass(frozen=True)
class PolarityOutcome:
    """The sampled sign of one signed claim.

    Attributes
    ----------
    polarity : Polarity
    lowest, highest : float
        Smallest and largest value of the derivative times the claimed sign.
    """

    polarity: Polarity
    lowest: float
    highest: float

    @property
    def contradicted(self) -> bool:
        """The derivative has the wrong sign somewhere (or is not finite)."""
        return not (np.isfinite(self.lowest) and self.lowest >= -1e-12)

    @property
    def zero(self) -> bool:
        """The derivative is zero at every sample (the term is switched off)."""
        return not self.contradicted and self.highest <= 1e-9

    def describe(self) -> str:
        p = self.polarity
        where = f"{p.claim}: d {p.effect}/d {p.cause} (expected {'+' if p.sign > 0 else '-'})"
        if self.contradicted:
            return f"{where} has the wrong sign at some sampled state (min {self.lowest:.3g})"
        if self.zero:
            return f"{where} is zero at every sampled state"
        return f"{where} holds"


def sample_symbol(model: StockFlowModel, symbol: sp.Symbol, rng: np.random.Generator,
                  n: int) -> np.ndarray:
    """``n`` seeded draws of a symbol across its declared bounds."""
    name = symbol.name
    p = model.elements.get(name)
    if isinstance(p, Parameter):
        if p.kind == "bool":
            return rng.integers(0, 2, n).astype(float)
        if p.kind == "int":
            return rng.integers(int(p.lower), int(p.upper) + 1, n).astype(float)
        return rng.uniform(p.lower, p.upper, n)
    if name in RANGES:
        return rng.uniform(*RANGES[name], n)
    if isinstance(p, Input):
        return rng.uniform(0.0, 10.0, n)
    if isinstance(p, Stock) and p.lower is not None and p.upper is not None:
        return rng.uniform(p.lower, p.upper, n)
    return rng.uniform(0.0, 1.0, n)  # an auxiliary held as the cause: a 0..1 level


def partial_derivative(model: StockFlowModel, effect: str, cause: str) -> sp.Expr:
    """d effect / d cause with the cause held independent of everything else.

    ``effect`` names an auxiliary, a flow, a stock (its net rate) or
    ``initial:STOCK`` (the stock's initial value).
    """
    c = model.symbols[cause]
    if effect.startswith("initial:"):
        expr = model.initial_value(effect.split(":", 1)[1])
    elif effect in {s.name for s in model.stocks}:
        expr = model.net_rate(effect)
    else:
        expr = model.symbols[effect]
    defs = {k: v for k, v in model.definitions.items() if k != c}
    for _ in range(len(defs) + 1):
        new = expr.xreplace(defs)
        if new == expr:
            break
        expr = new
    return sp.diff(expr, c)


def evaluate(model: StockFlowModel, expr: sp.Expr, seed: int, n: int = 400,
             fixed: Mapping[str, float] | None = None) -> np.ndarray:
    """``expr`` at ``n`` seeded samples of its symbols; names in ``fixed`` held at
    the given values."""
    fixed = fixed or {}
    expr = expr.xreplace({model.symbols[k]: sp.Float(v) for k, v in fixed.items()
                          if k in model.symbols})
    rng = np.random.default_rng(seed)
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    f = sp.lambdify(syms, expr, modules="numpy")
    vals = f(*[sample_symbol(model, s, rng, n) for s in syms])
    return np.broadcast_to(np.asarray(vals, dtype=float), (n,))


def polarity_seed(pol: Polarity) -> int:
    """The seed of a polarity's samples (stable across runs and machines)."""
    return zlib.crc32(f"{pol.effect}|{pol.cause}".encode())


def check_polarity(model: StockFlowModel, pol: Polarity, n: int = 400,
                   fixed: Mapping[str, float] | None = None) -> PolarityOutcome:
    """Sample the sign of one signed claim.

    Parameters
    ----------
    model : StockFlowModel
    pol : Polarity
    n : int
        Samples.
    fixed : mapping, optional
        Constants to hold (a scenario's values); the cause itself is always
        sampled across its bounds.
    """
    d = partial_derivative(model, pol.effect, pol.cause)
    hold = {k: v for k, v in (fixed or {}).items() if k != pol.cause}
    values = evaluate(model, d, polarity_seed(pol), n, hold) * pol.sign
    if not np.all(np.isfinite(values)):
        return PolarityOutcome(pol, float("nan"), float("nan"))
    return PolarityOutcome(pol, float(values.min()), float(values.max()))
