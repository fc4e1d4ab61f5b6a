"""Data classes for a stock-and-flow model written in sympy.

A :class:`StockFlowModel` holds parameters (from the registry), time-dependent
inputs, auxiliaries, flows and stocks, each with units, a description and the
claim ids it encodes. Code generators (Vensim, XMILE, the numpy engine) and the
checks (polarity, units, claims table) read this structure; none of them holds a
second copy of an equation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import sympy as sp

from .registry import Parameter

TIME = sp.Symbol("time", real=True)
"""The simulation clock, in months (``Time`` in Vensim, ``TIME`` in XMILE)."""


@dataclass(frozen=True)
class Input:
    """A time-dependent exogenous input (a constant 0 unless set to a time series)."""

    name: str
    units: str
    description: str
    claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class Auxiliary:
    """An auxiliary (converter) variable: ``name = expr``."""

    name: str
    expr: sp.Expr
    units: str
    description: str
    claims: tuple[str, ...] = ()
    sector: str = ""


@dataclass(frozen=True)
class Flow:
    """A flow into (``direction='in'``) or out of a stock. Inflows may be bi-directional."""

    name: str
    expr: sp.Expr
    units: str
    description: str
    claims: tuple[str, ...]
    stock: str
    direction: Literal["in", "out"] = "in"
    sector: str = ""


@dataclass(frozen=True)
class Stock:
    """A level, integrated from its flows, with an initial-value expression."""

    name: str
    initial: sp.Expr
    units: str
    description: str
    claims: tuple[str, ...] = ()
    lower: float | None = 0.0
    upper: float | None = 1.0
    sector: str = ""


@dataclass(frozen=True)
class Polarity:
    """A signed causal claim: ``d effect / d cause`` has sign ``sign`` (+1 or -1).

    ``effect`` names an auxiliary, a flow or a stock's net rate; ``cause`` names a
    parameter, input or stock. Checked exactly with sympy by the tests.
    """

    claim: str
    effect: str
    cause: str
    sign: int
    note: str = ""


@dataclass
class StockFlowModel:
    """A complete stock-and-flow model.

    Attributes
    ----------
    name : str
    parameters : list of Parameter
    inputs, auxiliaries, flows, stocks : lists of the model elements
    polarities : list of Polarity
        Signed claims that the tests check on the symbolic equations.
    omitted_claims : dict
        Claim id -> reason, for claims of CLAIMS.md the equations do not encode.
    """

    name: str
    parameters: list[Parameter]
    inputs: list[Input]
    auxiliaries: list[Auxiliary]
    flows: list[Flow]
    stocks: list[Stock]
    polarities: list[Polarity] = field(default_factory=list)
    omitted_claims: dict[str, str] = field(default_factory=dict)

    # ----------------------------------------------------------------- lookups
    @cached_property
    def symbols(self) -> dict[str, sp.Symbol]:
        """Every named element as a sympy symbol (plus ``time``)."""
        names = [p.name for p in self.parameters] + [i.name for i in self.inputs]
        names += [a.name for a in self.auxiliaries] + [f.name for f in self.flows]
        names += [s.name for s in self.stocks]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"duplicate element names: {dup}")
        out = {n: sp.Symbol(n, real=True) for n in names}
        out["time"] = TIME
        return out

    @cached_property
    def elements(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for group in (self.parameters, self.inputs, self.auxiliaries, self.flows,
                      self.stocks):
            for e in group:
                out[e.name] = e
        return out

    def stock_flows(self, stock: str) -> list[Flow]:
        """Flows attached to ``stock``, inflows first, in declaration order."""
        fl = [f for f in self.flows if f.stock == stock]
        return [f for f in fl if f.direction == "in"] + [f for f in fl if f.direction == "out"]

    def net_rate(self, stock: str) -> sp.Expr:
        """Sum of inflows minus outflows of ``stock``, as flow symbols."""
        expr = sp.Integer(0)
        for f in self.stock_flows(stock):
            s = self.symbols[f.name]
            expr = expr + (s if f.direction == "in" else -s)
        return expr

    # ----------------------------------------------------------- substitution
    @cached_property
    def definitions(self) -> dict[sp.Symbol, sp.Expr]:
        """Symbol -> defining expression for auxiliaries and flows."""
        out = {self.symbols[a.name]: a.expr for a in self.auxiliaries}
        out.update({self.symbols[f.name]: f.expr for f in self.flows})
        return out

    @cached_property
    def computation_order(self) -> list[str]:
        """Auxiliaries and flows in an order where each depends only on earlier ones."""
        defs = {str(k): v for k, v in self.definitions.items()}
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str, chain: tuple[str, ...]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                raise ValueError(f"simultaneous equations: {' -> '.join(chain + (name,))}")
            state[name] = 1
            for dep in sorted(str(s) for s in defs[name].free_symbols):
                if dep in defs:
                    visit(dep, chain + (name,))
            state[name] = 2
            order.append(name)

        for name in defs:
            visit(name, ())
        return order

    def resolve(self, expr: sp.Expr) -> sp.Expr:
        """Substitute auxiliaries and flows until only parameters, inputs, stocks and
        time remain."""
        defs = self.definitions
        for _ in range(len(defs) + 1):
            new = expr.xreplace(defs)
            if new == expr:
                return new
            expr = new
        raise ValueError("could not resolve expression (cycle?)")

    def resolved(self, name: str) -> sp.Expr:
        """Fully resolved expression of an element; for a stock, its net rate."""
        if name in {s.name for s in self.stocks}:
            return self.resolve(self.net_rate(name))
        return self.resolve(self.symbols[name])

    def resolved_initial(self, stock: str) -> sp.Expr:
        """Initial value of ``stock`` in terms of parameters (and inputs at time 0)."""
        st = next(s for s in self.stocks if s.name == stock)
        return self.resolve(st.initial)

    def initial_value(self, stock: str) -> sp.Expr:
        """Initial value of ``stock`` in terms of parameters only (inputs at their
        time-0 values): auxiliaries resolved, other stocks replaced by their own
        initial values."""
        stock_syms = {self.symbols[s.name]: s.name for s in self.stocks}
        expr = self.resolved_initial(stock).xreplace({TIME: sp.Integer(0)})
        for _ in range(len(self.stocks) + 1):
            deps = [s for s in expr.free_symbols if s in stock_syms]
            if not deps:
                return expr
            expr = expr.xreplace({s: self.resolved_initial(stock_syms[s]) for s in deps})
            expr = expr.xreplace({TIME: sp.Integer(0)})
        raise ValueError(f"circular initial values around {stock!r}")

    def claim_index(self) -> dict[str, list[str]]:
        """Claim id -> names of the elements that encode it."""
        out: dict[str, list[str]] = {}
        for e in self.elements.values():
            for c in getattr(e, "claims", ()):
                out.setdefault(c, []).append(e.name)
        return out

    def names(self, kinds: Iterable[str] = ("stock",)) -> list[str]:
        """Names of elements of the given kinds (``stock``, ``flow``, ``aux``, ``input``,
        ``parameter``)."""
        table = {"stock": self.stocks, "flow": self.flows, "aux": self.auxiliaries,
                 "input": self.inputs, "parameter": self.parameters}
        return [e.name for k in kinds for e in table[k]]
