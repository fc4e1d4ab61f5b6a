"""Equations as code: one printer for both back ends.

Every equation of the sympy model prints to a Python expression that numpy runs on
arrays over members and numba runs on scalars, unchanged. Elementary functions
print as calls of the shared definitions in :mod:`.elementary`, so both back ends
perform the same exactly rounded operations.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp
from sympy.core.relational import Relational
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.logic.boolalg import BooleanAtom
from sympy.printing.pycode import PythonCodePrinter

_SUPPORTED = (sp.Symbol, sp.Number, sp.NumberSymbol, sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log,
              sp.tanh, sp.Abs, sp.Min, sp.Max, sp.floor, sp.ceiling, sp.sign, sp.Mod,
              sp.Piecewise, ExprCondPair, Relational, sp.And, sp.Or, sp.Not, sp.Xor, sp.ITE,
              BooleanAtom)
"""Expression nodes the engine evaluates reproducibly (see :mod:`.elementary`)."""

SMALL_POWER = 4
"""Integer powers up to this print as products."""


class UnsupportedExpressionError(ValueError):
    """An equation uses a function the engine has no reproducible definition of."""


def check_supported(name: str, expr: sp.Expr) -> None:
    """Raise :class:`UnsupportedExpressionError` if ``expr`` (the equation of ``name``)
    uses a function the generated code cannot evaluate the same way everywhere."""
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, _SUPPORTED):
            supported = ("+ - * / ** exp log tanh Abs Min Max floor ceiling sign Mod "
                         "Piecewise, comparisons and And/Or/Not")
            raise UnsupportedExpressionError(
                f"equation of '{name}': the fast engine cannot evaluate {type(node).__name__} "
                f"(in {node}); it supports {supported}. Rewrite the equation with these, "
                "or add a definition to iocdynamics/engine/elementary.py and to the printer in"
                " iocdynamics/engine/printer.py.")


class _Printer(PythonCodePrinter):
    """Prints an equation as code that both back ends run unchanged.

    Numbers print as float literals; integer powers up to the fourth as products,
    square roots as ``_sqrt`` (exactly rounded); every other power, ``exp``, ``log``,
    ``tanh``, ``Min``, ``Max``, ``sign`` and ``Mod`` as calls of the shared
    definitions of :mod:`.elementary`; ``Piecewise`` as nested ``_select``
    (both branches evaluated, as in vector code); ``And``/``Or``/``Not`` as ``&``,
    ``|`` and ``^ True`` (element-wise on arrays, plain on scalars).
    """

    def __init__(self, names: Mapping[sp.Expr, str] | None = None):
        super().__init__({"fully_qualified_modules": False, "inline": True,
                          "allow_unknown_functions": False})
        self._names = dict(names or {})

    def _print(self, expr, **kwargs):
        # a subexpression computed earlier (hoisted or shared) prints as its variable,
        # without changing how the rest of the expression prints
        name = self._names.get(expr) if isinstance(expr, sp.Basic) else None
        return name if name is not None else super()._print(expr, **kwargs)

    def _number(self, expr) -> str:
        return repr(float(expr))

    _print_Integer = _print_Float = _print_Rational = _print_Half = _number
    _print_Zero = _print_One = _print_NegativeOne = _number
    _print_NumberSymbol = _print_Pi = _print_Exp1 = _number

    def _print_Infinity(self, expr):
        return "_INF"

    def _print_NegativeInfinity(self, expr):
        return "(-_INF)"

    def _print_NaN(self, expr):
        return "_NAN"

    def _print_Pow(self, expr, rational=False):
        base, e = expr.args
        b = self._print(base)
        if e.is_Integer and 1 <= abs(int(e)) <= SMALL_POWER:
            prod = "*".join([f"({b})"] * abs(int(e)))
            return f"({prod})" if int(e) > 0 else f"(1.0/({prod}))"
        if e == sp.S.Half:
            return f"_sqrt({b})"
        if e == -sp.S.Half:
            return f"(1.0/_sqrt({b}))"
        return f"_pow({b}, {self._print(e)})"

    def _call(self, fn, expr):
        return f"{fn}({', '.join(self._print(a) for a in expr.args)})"

    def _print_exp(self, expr):
        return self._call("_exp", expr)

    def _print_log(self, expr):
        return self._call("_log", expr)

    def _print_tanh(self, expr):
        return self._call("_tanh", expr)

    def _print_Abs(self, expr):
        return self._call("abs", expr)

    def _print_sign(self, expr):
        return self._call("_sign", expr)

    def _print_floor(self, expr):
        return self._call("_floor", expr)

    def _print_ceiling(self, expr):
        return self._call("_ceil", expr)

    def _print_Mod(self, expr):
        return self._call("_vmod", expr)

    def _fold(self, fn, args):
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{fn}({out}, {self._print(a)})"
        return out

    def _print_Min(self, expr):
        return self._fold("_min", expr.args)

    def _print_Max(self, expr):
        return self._fold("_max", expr.args)

    def _print_Piecewise(self, expr):
        *pieces, last = expr.args
        if last.cond == sp.true:
            out = self._print(last.expr)
        else:
            pieces.append(last)
            out = "_NAN"
        for e, c in reversed(pieces):
            out = f"_select({self._print(c)}, {self._print(e)}, {out})"
        return out

    def _print_ITE(self, expr):
        return self._print(expr.rewrite(sp.Piecewise))

    def _join(self, op, args):
        return "(" + f" {op} ".join(f"({self._print(a)})" for a in args) + ")"

    def _print_And(self, expr):
        return self._join("&", expr.args)

    def _print_Or(self, expr):
        return self._join("|", expr.args)

    def _print_Xor(self, expr):
        return self._join("^", expr.args)

    def _print_Not(self, expr):
        return f"(({self._print(expr.args[0])}) ^ True)"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"


def print_expression(name: str, expr: sp.Expr,
                     names: Mapping[sp.Expr, str] | None = None) -> str:
    """The code of ``expr`` (the equation of ``name``) for both back ends;
    subexpressions in ``names`` print as the given variable names."""
    check_supported(name, expr)
    return _Printer(names).doprint(expr)


def is_call(expr: sp.Basic) -> bool:
    """Whether ``expr`` prints as a call of an elementary function (``_pow``, ``_exp``,
    ``_log``, ``_tanh``): an expensive subexpression worth computing once."""
    if isinstance(expr, (sp.exp, sp.log, sp.tanh)):
        return True
    if isinstance(expr, sp.Pow):
        e = expr.args[1]
        small = e.is_Integer and 1 <= abs(int(e)) <= SMALL_POWER
        return not (small or e in (sp.S.Half, -sp.S.Half))
    return False
