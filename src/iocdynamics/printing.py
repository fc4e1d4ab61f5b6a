"""Print sympy expressions as Vensim and XMILE equations.

Only the operations the model uses are supported: arithmetic, powers, ``exp``,
``Max``/``Min``, ``Mod``, comparisons, ``And``/``Or`` and ``Piecewise`` (as
IF THEN ELSE). Anything else raises ``NotImplementedError`` rather than printing
something a simulator would misread.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter


def format_number(value: float) -> str:
    """Shortest round-tripping decimal form of a number."""
    f = float(value)
    if f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


class _SDPrinter(StrPrinter):
    """Common base: numbers as decimals, powers with ``^`` and explicit parentheses."""

    time_name = "Time"
    and_op = " :AND: "
    or_op = " :OR: "
    eq_op = " = "
    ne_op = " <> "

    def name_of(self, symbol_name: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _print_Symbol(self, expr):
        if expr.name == "time":
            return self.time_name
        return self.name_of(expr.name)

    def _print_Float(self, expr):
        return format_number(expr)

    def _print_Integer(self, expr):
        return str(int(expr))

    def _print_Rational(self, expr):
        return f"{expr.p}/{expr.q}"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.as_base_exp()
        if exp == -1:
            return f"1/{self.parenthesize(base, precedence(expr), strict=True)}"
        return f"({self._print(base)})^({self._print(exp)})"

    def _print_exp(self, expr):
        return f"EXP({self._print(expr.args[0])})"

    def _print_Max(self, expr):
        return self._nested("MAX", expr.args)

    def _print_Min(self, expr):
        return self._nested("MIN", expr.args)

    def _nested(self, fname, args):
        if len(args) == 1:
            return self._print(args[0])
        first = self._print(args[0])
        return f"{fname}({first}, {self._nested(fname, args[1:])})"

    def _print_Relational(self, expr):
        op = {"==": self.eq_op, "!=": self.ne_op}.get(expr.rel_op, f" {expr.rel_op} ")
        return f"({self._print(expr.lhs)}{op}{self._print(expr.rhs)})"

    def _print_And(self, expr):
        return "(" + self.and_op.join(self._print(a) for a in _ordered(expr.args)) + ")"

    def _print_Or(self, expr):
        return "(" + self.or_op.join(self._print(a) for a in _ordered(expr.args)) + ")"

    def _print_BooleanTrue(self, expr):
        return "1"

    def emptyPrinter(self, expr):  # pragma: no cover - guard
        raise NotImplementedError(f"cannot print {type(expr).__name__} for an SD tool")


def _ordered(args):
    """Deterministic order of commutative boolean arguments."""
    return sorted(args, key=sp.default_sort_key)


class VensimPrinter(_SDPrinter):
    """Vensim ``.mdl`` equation syntax (names with spaces)."""

    def name_of(self, symbol_name: str) -> str:
        return symbol_name.replace("_", " ")

    def _print_Piecewise(self, expr):
        *pieces, last = expr.args
        if last.cond is not sp.true:
            raise NotImplementedError("Piecewise needs a default branch")
        out = self._print(last.expr)
        for e, c in reversed(pieces):
            out = f"IF THEN ELSE({self._print(c)}, {self._print(e)}, {out})"
        return out

    def _print_Mod(self, expr):
        return f"MODULO({self._print(expr.args[0])}, {self._print(expr.args[1])})"


class XmilePrinter(_SDPrinter):
    """XMILE 1.0 equation syntax (names with underscores)."""

    time_name = "TIME"
    and_op = " AND "
    or_op = " OR "

    def name_of(self, symbol_name: str) -> str:
        return symbol_name

    def _print_Piecewise(self, expr):
        *pieces, last = expr.args
        if last.cond is not sp.true:
            raise NotImplementedError("Piecewise needs a default branch")
        out = self._print(last.expr)
        for e, c in reversed(pieces):
            out = f"(IF {self._print(c)} THEN {self._print(e)} ELSE {out})"
        return out

    def _print_Mod(self, expr):
        # XMILE's infix modulo operator (lower case is what PySD's reader accepts).
        return f"(({self._print(expr.args[0])}) mod ({self._print(expr.args[1])}))"


def vensim(expr: sp.Expr) -> str:
    """Vensim equation text of ``expr``."""
    return VensimPrinter(dict(order="none")).doprint(sp.sympify(expr))


def xmile(expr: sp.Expr) -> str:
    """XMILE equation text of ``expr``."""
    return XmilePrinter(dict(order="none")).doprint(sp.sympify(expr))
