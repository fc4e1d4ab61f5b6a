"""Dimensional consistency of the model's equations.

Units are declared as strings in Vensim notation (``Dmnl``, ``Month``, ``1/Month``,
``Dmnl/Month``). The model has a single base dimension, time, so a unit is an
integer power of ``Month``. :func:`check_units` infers the dimension of every
equation from the declared units of the symbols it uses and reports each
inconsistency: terms of a sum with different dimensions, a flow whose units are
not those of its stock per month, an exponent or a function argument that is not
dimensionless, branches of an IF THEN ELSE that disagree.
"""

from __future__ import annotations

import re

import sympy as sp

from .structure import StockFlowModel

_TOKEN = re.compile(r"^\s*([A-Za-z]+)\s*(?:\^\s*(-?\d+))?\s*$")


def parse_units(text: str) -> int:
    """Power of ``Month`` of a unit string (``Dmnl`` -> 0, ``1/Month`` -> -1)."""
    num, _, den = text.partition("/")
    power = 0
    for part, sign in ((num, 1), (den, -1)):
        if not part.strip():
            continue
        for factor in part.split("*"):
            factor = factor.strip()
            if factor in ("1", "Dmnl"):
                continue
            m = _TOKEN.match(factor)
            if not m or m.group(1) not in ("Month", "Months"):
                raise ValueError(f"unknown unit {factor!r} in {text!r}")
            power += sign * int(m.group(2) or 1)
    return power


class UnitError(ValueError):
    """An equation mixes dimensions."""


def _dim(expr: sp.Expr, dims: dict[str, int]) -> int | None:
    """Dimension of ``expr``; ``None`` for a pure number (compatible with anything
    only where it multiplies or divides)."""
    if expr.is_Number:
        return None
    if expr.is_Symbol:
        return dims[expr.name]
    if isinstance(expr, sp.Add):
        ds = {_dim(a, dims) for a in expr.args} - {None}
        ds_all = [_dim(a, dims) for a in expr.args]
        if len(ds) > 1 or (ds and None in ds_all and ds != {0}):
            raise UnitError(f"terms of different dimensions in {expr}")
        return ds.pop() if ds else None
    if isinstance(expr, sp.Mul):
        total, any_dim = 0, False
        for a in expr.args:
            d = _dim(a, dims)
            if d is not None:
                total += d
                any_dim = True
        return total if any_dim else None
    if isinstance(expr, sp.Pow):
        base, exp = expr.args
        de = _dim(exp, dims)
        if de not in (None, 0):
            raise UnitError(f"exponent with a dimension in {expr}")
        db = _dim(base, dims)
        if db in (None, 0):
            return db
        if not exp.is_Integer:
            raise UnitError(f"non-integer power of a dimensioned quantity in {expr}")
        return db * int(exp)
    if isinstance(expr, (sp.Max, sp.Min, sp.Mod)):
        ds = {_dim(a, dims) for a in expr.args} - {None}
        if len(ds) > 1:
            raise UnitError(f"arguments of different dimensions in {expr}")
        return ds.pop() if ds else None
    if isinstance(expr, sp.exp):
        if _dim(expr.args[0], dims) not in (None, 0):
            raise UnitError(f"argument of EXP has a dimension in {expr}")
        return 0
    if isinstance(expr, sp.Piecewise):
        ds = set()
        for e, c in expr.args:
            _cond(c, dims)
            ds.add(_dim(e, dims))
        ds -= {None}
        if len(ds) > 1:
            raise UnitError(f"IF THEN ELSE branches of different dimensions in {expr}")
        return ds.pop() if ds else None
    raise UnitError(f"cannot check units of {type(expr).__name__}: {expr}")


def _cond(c, dims: dict[str, int]) -> None:
    if c in (sp.true, sp.false):
        return
    if isinstance(c, (sp.And, sp.Or, sp.Not)):
        for a in c.args:
            _cond(a, dims)
        return
    if isinstance(c, sp.core.relational.Relational):
        dl, dr = _dim(c.lhs, dims), _dim(c.rhs, dims)
        if None not in (dl, dr) and dl != dr:
            raise UnitError(f"comparison of different dimensions in {c}")
        zero = c.lhs == 0 or c.rhs == 0  # zero is a valid value of any dimension
        if (dl is None) != (dr is None) and (dl or dr) and not zero:
            raise UnitError(f"comparison of a number with a dimensioned quantity in {c}")
        return
    raise UnitError(f"cannot check units of condition {c}")


def declared_dimensions(model: StockFlowModel) -> dict[str, int]:
    """Declared dimension (power of Month) of every named element and of ``time``."""
    dims = {"time": 1}
    for group in (model.parameters, model.inputs, model.auxiliaries, model.flows,
                  model.stocks):
        for e in group:
            dims[e.name] = parse_units(e.units)
    return dims


def check_units(model: StockFlowModel) -> list[str]:
    """Every unit inconsistency of ``model`` (an empty list when consistent)."""
    dims = declared_dimensions(model)
    problems = []

    def expect(where: str, expr: sp.Expr, want: int) -> None:
        try:
            got = _dim(expr, dims)
        except UnitError as exc:
            problems.append(f"{where}: {exc}")
            return
        if got is not None and got != want:
            problems.append(f"{where}: equation has dimension Month^{got}, declared "
                            f"Month^{want}")

    for a in model.auxiliaries:
        expect(a.name, a.expr, dims[a.name])
    stock_dims = {s.name: dims[s.name] for s in model.stocks}
    for f in model.flows:
        expect(f.name, f.expr, dims[f.name])
        if dims[f.name] != stock_dims[f.stock] - 1:
            problems.append(f"{f.name}: flow units {f.units!r} are not the units of stock "
                            f"{f.stock!r} per Month")
    for s in model.stocks:
        expect(f"initial value of {s.name}", s.initial, dims[s.name])
    return problems
