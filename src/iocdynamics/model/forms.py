"""Standard system-dynamics formulations used where the theory names a relation
but not its functional form.

Each form is a plain sympy expression builder; the constants it takes are named,
bounded parameters of the registry, so a modeller can see and vary every choice.
"""

from __future__ import annotations

import sympy as sp


def wavg(*pairs: tuple[sp.Expr, sp.Expr]) -> sp.Expr:
    """Weighted average ``sum(w*x)/sum(w)`` of ``(weight, value)`` pairs."""
    num = sp.Add(*[w * x for w, x in pairs])
    den = sp.Add(*[w for w, _ in pairs])
    return num / den


def mean(*values: sp.Expr) -> sp.Expr:
    """Equal-weight average, kept as ``(a + b + ...)/n`` for readable model files."""
    return sp.Mul(sp.Add(*values), sp.Pow(sp.Integer(len(values)), -1, evaluate=False),
                  evaluate=False)


def hill(x: sp.Expr, theta: sp.Expr, n: sp.Expr) -> sp.Expr:
    """Normalised Hill function: S-shaped on [0, 1], 0 at 0, 1 at 1, 1/2-ish at theta."""
    return x**n * (1 + theta**n) / (x**n + theta**n)


def ifelse(cond, a, b) -> sp.Expr:
    """``IF THEN ELSE`` as a sympy Piecewise."""
    return sp.Piecewise((a, cond), (b, True))


def noisy_or(*shares: sp.Expr) -> sp.Expr:
    """``1 - prod(1 - s)``: the share reached by independent routes to the same end."""
    return 1 - sp.Mul(*[1 - s for s in shares])
