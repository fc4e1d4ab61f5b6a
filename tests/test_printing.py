"""The equation printers keep the meaning of the sympy expression: conditions of every
logical shape become nested IF THEN ELSE on single comparisons, ``Mod`` becomes
Vensim's MODULO, numbers read back exactly. The printed Vensim text is evaluated in
Python and compared with sympy's own evaluation."""

from __future__ import annotations

import itertools
import math
import re

import pytest
import sympy as sp

from iocdynamics.artefacts.printing import format_number, vensim, xmile

x, y, z = sp.symbols("x y z", real=True)
VALUES = (-1.5, -1.0, 0.0, 0.5, 1.0, 2.0)   # equalities and both signs are hit

CONDITIONS = [
    x < y,
    sp.Eq(x, y),
    sp.Ne(x, y),
    sp.Not(x >= y),
    sp.And(x < y, y <= z),
    sp.Or(x > 0, sp.Ne(y, z)),
    sp.And(sp.Or(x < 0, y > 0), sp.Not(sp.Eq(z, 1))),
    sp.Or(sp.And(x < y, y < z), sp.Eq(x, z)),
    sp.And(x < y, sp.Or(y < z, z < 0), x > -1),
]


def _ite(cond, then, other):
    return then if cond else other


def _evaluate(text: str, env: dict[str, float]) -> float:
    """Evaluate printed Vensim text (single-letter names) with Python semantics."""
    py = text.replace("IF THEN ELSE(", "_ite(").replace("^", "**")
    py = re.sub(r"(?<![<>=])=(?!=)", "==", py)
    funcs = {"_ite": _ite, "MAX": max, "MIN": min, "EXP": math.exp,
             "INTEGER": lambda v: float(math.trunc(v))}
    return float(eval(py, {"__builtins__": {}}, {**funcs, **env}))  # noqa: S307


@pytest.mark.parametrize("cond", CONDITIONS, ids=str)
def test_conditions_print_as_nested_ifs_with_the_same_meaning(cond):
    expr = sp.Piecewise((x + 1, cond), (2 * y, z > 0), (z - 3, True))
    text = vensim(expr)
    for token in (":AND:", ":OR:", ":NOT:", "<>"):
        assert token not in text and token.strip(":") not in xmile(expr)
    for vx, vy, vz in itertools.product(VALUES, repeat=3):
        env = {"x": vx, "y": vy, "z": vz}
        expected = float(expr.subs({x: vx, y: vy, z: vz}))
        assert _evaluate(text, env) == expected, (text, env)


def test_nested_piecewise_branches_keep_their_meaning():
    inner = sp.Piecewise((x, y > 0), (y, True))
    expr = sp.Piecewise((inner, sp.And(x > 0, z > 0)), (-inner, True))
    text = vensim(expr)
    for vx, vy, vz in itertools.product(VALUES, repeat=3):
        expected = float(expr.subs({x: vx, y: vy, z: vz}))
        assert _evaluate(text, {"x": vx, "y": vy, "z": vz}) == expected


def test_mod_is_vensim_modulo_in_both_formats():
    """``x - m * trunc(x / m)`` (MODULO, C's fmod), with INTEGER/INT of non-negative
    arguments only; for x >= 0, m > 0 it is sympy's Mod."""
    text = vensim(sp.Mod(x, y))
    assert "MODULO" not in text and " mod " not in xmile(sp.Mod(x, y))
    assert "INT(MAX(" in xmile(sp.Mod(x, y))
    for vx in (-7.25, -3.0, -0.5, 0.0, 0.125, 2.0, 6.0, 13.875, 59.5):
        for vm in (0.5, 1.0, 6.0, 7.0, -4.0):
            got = _evaluate(text, {"x": vx, "y": vm})
            assert got == math.fmod(vx, vm), (vx, vm)
            if vx >= 0 and vm > 0:
                assert got == float(sp.Mod(sp.Float(vx), sp.Float(vm)))


@pytest.mark.parametrize("value", [0.1, 1 / 3, 1e-05, 2.5e20, 6.0, -0.125, 123456.789])
def test_numbers_read_back_exactly_without_a_plus_exponent(value):
    text = format_number(value)
    assert float(text) == value and "e+" not in text
