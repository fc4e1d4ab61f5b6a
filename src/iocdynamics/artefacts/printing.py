"""Print sympy expressions as Vensim and XMILE equations.

Only the operations the model uses are supported: arithmetic, powers, ``exp``,
``Max``/``Min``, ``Mod``, comparisons, ``And``/``Or``/``Not`` and ``Piecewise`` (as
IF THEN ELSE). Anything else raises ``NotImplementedError`` rather than printing
something a simulator would misread.

Both printers write the same expression tree, in the constructs that every open
reader of the format accepts (PySD, SDEverywhere, Simlin, BPTK-Py, asdm):

- conditions are single comparisons: ``And``, ``Or``, ``Not`` and ``!=`` become
  nested IF THEN ELSE (no ``:AND:``/``AND``, no ``<>``, which some readers reject),
  nested in the ELSE branch where the logic allows (``And`` through its negated
  terms), since SDEverywhere's XMILE reader follows no other nesting;
- ``Mod(x, m)`` is ``x - m * trunc(x / m)`` (Vensim's and PySD's ``MODULO``), the
  integer part toward zero written ``INT(MAX(q, 0)) - INT(MAX(-q, 0))`` (``INTEGER``
  in Vensim) so that ``INT`` only ever sees a non-negative argument, where
  truncation and floor agree: the readers disagree on the name and spelling of a
  modulo operator, and on what ``INT`` does below zero; no IF, since SDEverywhere
  cannot read an IF inside a condition;
- numbers are written in the shortest form that reads back to the same double.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter


def format_number(value: float) -> str:
    """Shortest round-tripping decimal form of a number (no ``e+`` exponent)."""
    f = float(value)
    if f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return repr(f).replace("e+", "e")


class _SDPrinter(StrPrinter):
    """Common base: numbers as decimals, powers with ``^``, conditions as nested IFs."""

    time_name = "Time"
    integer_name = "INTEGER"
    if_keyword = "IF THEN ELSE("

    def name_of(self, symbol_name: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def if_then_else(self, cond: str, then: str, other: str) -> str:  # pragma: no cover
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

    def _print_Mod(self, expr):
        x, m = (self._print(a) for a in expr.args)
        q = f"({x}) / ({m})"
        # integer part toward zero, INTEGER/INT of non-negative arguments only
        i = self.integer_name
        trunc = f"({i}(MAX({q}, 0)) - {i}(MAX(-{q}, 0)))"
        return f"(({x}) - ({m}) * {trunc})"

    def _print_Piecewise(self, expr):
        *pieces, last = expr.args
        if last.cond is not sp.true:
            raise NotImplementedError("Piecewise needs a default branch")
        out = self._print(last.expr)
        for e, c in reversed(pieces):
            out = self._branch(c, self._print(e), out)
        return out

    def _branch(self, cond, then: str, other: str) -> str:
        """``IF cond THEN then ELSE other`` as IF THEN ELSEs on single comparisons,
        nested in the ELSE branch wherever the logic allows (SDEverywhere's XMILE
        reader follows only that nesting)."""
        if cond is sp.true:
            return then
        if cond is sp.false:
            return other
        if isinstance(cond, sp.Not):
            return self._branch(cond.args[0], other, then)
        if isinstance(cond, sp.Ne):
            return self._branch(sp.Eq(*cond.args, evaluate=False), other, then)
        if isinstance(cond, sp.Or):
            first, *rest = _ordered(cond.args)
            return self._branch(first, then, self._branch(sp.Or(*rest), then, other))
        if isinstance(cond, sp.And):
            first, *rest = _ordered(cond.args)
            return self._branch(_negate(first), other,
                                self._branch(sp.And(*rest), then, other))
        if isinstance(cond, sp.core.relational.Relational):
            if self.if_keyword in then and self.if_keyword not in other \
                    and cond.rel_op != "==":
                cond, then, other = cond.negated, other, then
            op = "=" if cond.rel_op == "==" else cond.rel_op
            return self.if_then_else(f"{self._print(cond.lhs)} {op} {self._print(cond.rhs)}",
                                     then, other)
        raise NotImplementedError(f"cannot print the condition {cond} for an SD tool")

    def _print_Relational(self, expr):
        raise NotImplementedError("a comparison is only printable as a Piecewise condition")

    _print_And = _print_Or = _print_Not = _print_Relational

    def _print_BooleanTrue(self, expr):
        return "1"

    def emptyPrinter(self, expr):  # pragma: no cover - guard
        raise NotImplementedError(f"cannot print {type(expr).__name__} for an SD tool")


def _negate(cond):
    """The logical negation of ``cond``, pushed down to the comparisons."""
    if isinstance(cond, sp.And):
        return sp.Or(*(_negate(c) for c in cond.args))
    if isinstance(cond, sp.Or):
        return sp.And(*(_negate(c) for c in cond.args))
    if isinstance(cond, sp.Not):
        return cond.args[0]
    if isinstance(cond, sp.core.relational.Relational):
        return cond.negated
    return sp.Not(cond)


def _ordered(args):
    """Deterministic order of commutative boolean arguments."""
    return sorted(args, key=sp.default_sort_key)


class VensimPrinter(_SDPrinter):
    """Vensim ``.mdl`` equation syntax (names with spaces)."""

    def name_of(self, symbol_name: str) -> str:
        return symbol_name.replace("_", " ")

    def if_then_else(self, cond: str, then: str, other: str) -> str:
        return f"IF THEN ELSE({cond}, {then}, {other})"


class XmilePrinter(_SDPrinter):
    """XMILE 1.0 equation syntax (names with underscores)."""

    time_name = "TIME"
    integer_name = "INT"
    if_keyword = "(IF "

    def name_of(self, symbol_name: str) -> str:
        return symbol_name

    def if_then_else(self, cond: str, then: str, other: str) -> str:
        # the condition in parentheses: SDEverywhere misreads one opening with "("
        return f"(IF ({cond}) THEN {then} ELSE {other})"


def vensim(expr: sp.Expr) -> str:
    """Vensim equation text of ``expr``."""
    return VensimPrinter(dict(order="none")).doprint(sp.sympify(expr))


def xmile(expr: sp.Expr) -> str:
    """XMILE equation text of ``expr``."""
    return XmilePrinter(dict(order="none")).doprint(sp.sympify(expr))
