"""Polarity of the signed claims, checked exactly on the symbolic equations.

For each signed claim (``Polarity`` entries of the model), the partial derivative
of the effect with respect to the cause is derived by sympy -- auxiliaries
substituted, the cause held as an independent variable -- and evaluated at many
states and parameter sets drawn (seeded) across the declared bounds. The sign
must never contradict the claim and must be strict somewhere.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from iocdynamics.checks import polarity as checks
from iocdynamics.model import build_model

MODEL = build_model()
N_SAMPLES = 400


def evaluate(expr: sp.Expr, seed: int, n: int = N_SAMPLES) -> np.ndarray:
    return checks.evaluate(MODEL, expr, seed, n)


@pytest.mark.parametrize(
    "pol", MODEL.polarities, ids=[f"{p.claim}-{p.effect}-{p.cause}" for p in MODEL.polarities])
def test_polarity(pol):
    out = checks.check_polarity(MODEL, pol, N_SAMPLES)
    assert not out.contradicted, out.describe()
    assert not out.zero, (
        f"{pol.claim}: d {pol.effect}/d {pol.cause} is never strictly of the claimed sign")


def test_the_check_catches_a_reversed_claim():
    """The same check fails on a claim written with the wrong sign."""
    from dataclasses import replace

    pol = MODEL.polarities[0]
    flipped = checks.check_polarity(MODEL, replace(pol, sign=-pol.sign), N_SAMPLES)
    assert flipped.contradicted and "wrong sign" in flipped.describe()


def test_held_constants_can_switch_a_claim_off():
    """At a scenario's constants a claim's term can be switched off: zero, not wrong."""
    vals = {p.name: p.default for p in MODEL.parameters}
    outcomes = [checks.check_polarity(MODEL, p, 50, {**vals, "formalisation": 0.0})
                for p in MODEL.polarities if p.cause in ("contract_is_mou",
                                                         "contract_is_binding")]
    assert outcomes and all(o.zero and not o.contradicted for o in outcomes)


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
