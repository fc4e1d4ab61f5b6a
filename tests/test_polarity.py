"""Polarity of the signed claims, checked exactly on the symbolic equations.

For each signed claim (``Polarity`` entries of the model), the partial derivative
of the effect with respect to the cause is derived by sympy -- auxiliaries
substituted, the cause held as an independent variable -- and evaluated at many
states and parameter sets drawn (seeded) across the declared bounds. The sign
must never contradict the claim and must be strict somewhere.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import sympy as sp

from iocdynamics.model import build_model

MODEL = build_model()
N_SAMPLES = 400
RANGES = {  # sampling ranges for unbounded stocks, inputs, auxiliaries and time
    "ambition_level": (0.1, 8.0),
    "performance": (-0.5, 1.0),
    "time_below_critical": (0.0, 40.0),
    "time": (0.0, 120.0),
}


def _sample(symbol: sp.Symbol, rng: np.random.Generator, n: int) -> np.ndarray:
    name = symbol.name
    p = MODEL.elements.get(name)
    from iocdynamics.registry import Parameter
    from iocdynamics.structure import Input, Stock

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
    if isinstance(p, Stock):
        return rng.uniform(p.lower, p.upper, n)
    return rng.uniform(0.0, 1.0, n)  # an auxiliary held as the cause: a 0..1 level


def partial_derivative(effect: str, cause: str) -> sp.Expr:
    """d effect / d cause with the cause held independent of everything else."""
    c = MODEL.symbols[cause]
    if effect.startswith("initial:"):
        expr = MODEL.initial_value(effect.split(":", 1)[1])
    elif effect in {s.name for s in MODEL.stocks}:
        expr = MODEL.net_rate(effect)
    else:
        expr = MODEL.symbols[effect]
    defs = {k: v for k, v in MODEL.definitions.items() if k != c}
    for _ in range(len(defs) + 1):
        new = expr.xreplace(defs)
        if new == expr:
            break
        expr = new
    return sp.diff(expr, c)


def evaluate(expr: sp.Expr, seed: int, n: int = N_SAMPLES) -> np.ndarray:
    rng = np.random.default_rng(seed)
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    f = sp.lambdify(syms, expr, modules="numpy")
    vals = f(*[_sample(s, rng, n) for s in syms])
    return np.broadcast_to(np.asarray(vals, dtype=float), (n,))


@pytest.mark.parametrize(
    "pol", MODEL.polarities, ids=[f"{p.claim}-{p.effect}-{p.cause}" for p in MODEL.polarities])
def test_polarity(pol):
    d = partial_derivative(pol.effect, pol.cause)
    values = evaluate(d, seed=zlib.crc32(f"{pol.effect}|{pol.cause}".encode())) * pol.sign
    assert np.all(np.isfinite(values)), f"non-finite derivative for {pol}"
    assert values.min() >= -1e-12, (
        f"{pol.claim}: d {pol.effect}/d {pol.cause} has the wrong sign at some sampled state "
        f"(min {values.min():.3g}, expected sign {pol.sign:+d})")
    assert values.max() > 1e-9, (
        f"{pol.claim}: d {pol.effect}/d {pol.cause} is never strictly of the claimed sign")


def test_every_polarity_sign_is_plus_or_minus_one():
    assert {p.sign for p in MODEL.polarities} <= {-1, 1}
    assert {p.sign for p in MODEL.polarities} == {-1, 1}


def test_every_polarity_names_real_elements():
    names = set(MODEL.symbols)
    for p in MODEL.polarities:
        eff = p.effect.split(":", 1)[-1]
        assert eff in names and p.cause in names, p


def test_contracts_contribute_less_once_trust_has_grown():
    """F3: the marginal effect of confidence on risk tolerance falls as trust rises."""
    expr = MODEL.resolve(MODEL.symbols["indicated_risk_tolerance"])
    k, t = MODEL.symbols["confidence"], MODEL.symbols["trust"]
    cross = sp.diff(expr, k, t)
    values = evaluate(cross, seed=3)
    assert values.max() <= 1e-12 and values.min() < -1e-9


def test_conflict_hits_trust_harder_than_faith():
    """A2 (Fig. 5, event 5): without a broker, conflict removes a larger share of
    indicated trust than of indicated faith, at every state and parameter set."""
    dt = MODEL.definitions[MODEL.symbols["conflict_damage_on_trust"]]
    df = MODEL.definitions[MODEL.symbols["conflict_damage_on_faith"]]
    diff = (dt - df).subs(MODEL.symbols["external_broker"], 0)
    values = evaluate(diff, seed=5)
    assert values.min() >= -1e-12 and values.max() > 1e-9


def test_trust_erodes_faster_than_it_builds_by_construction():
    """Soft-variable practice: the erosion time never exceeds the build time."""
    expr = MODEL.definitions[MODEL.symbols["trust_adjustment_time"]]
    build, erode = (MODEL.resolve(a.expr) for a in expr.args)
    values = evaluate(build - erode, seed=7)
    assert values.min() >= 0 and values.max() > 0
