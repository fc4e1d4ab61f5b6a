"""The model builder: the one place where sectors declare their elements.

A sector module defines ``build(b)`` and adds its auxiliaries, flows, stocks and
signed claims through a :class:`ModelBuilder`. Sectors refer to each other's
variables by name (``b.v("trust")``), as a stock-and-flow diagram does, so the
order in which sectors are built does not matter; :meth:`ModelBuilder.finish`
checks that every name used is defined exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..registry import PARAMETERS
from ..structure import TIME, Auxiliary, Flow, Input, Polarity, Stock, StockFlowModel

#: Units of stocks that are not dimensionless levels (their flows' units follow).
_STOCK_UNITS = {"time_below_critical": "Month"}


@dataclass
class ModelBuilder:
    """Collects the elements of the model, sector by sector."""

    event_kinds: tuple[str, ...]
    sector: str = ""
    inputs: list[Input] = field(default_factory=list)
    auxiliaries: list[Auxiliary] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    stocks: list[Stock] = field(default_factory=list)
    polarities: list[Polarity] = field(default_factory=list)

    # ------------------------------------------------------------ references
    def p(self, name: str) -> sp.Symbol:
        """The registry parameter ``name``."""
        if name not in PARAMETERS:
            raise KeyError(f"model refers to unknown parameter {name!r}")
        return sp.Symbol(name, real=True)

    def v(self, name: str) -> sp.Symbol:
        """The stock, auxiliary or flow ``name`` (defined in this or another sector)."""
        return sp.Symbol(name, real=True)

    def event(self, kind: str) -> sp.Symbol:
        """The input series of events of ``kind`` (event size per month)."""
        if kind not in self.event_kinds:
            raise KeyError(f"unknown event kind {kind!r}")
        return sp.Symbol(f"{kind}_input", real=True)

    @property
    def time(self) -> sp.Symbol:
        return TIME

    # ---------------------------------------------------------- declarations
    def aux(self, name, expr, units, desc, claims=()) -> sp.Symbol:
        self.auxiliaries.append(Auxiliary(name, expr, units, desc, tuple(claims),
                                          self.sector))
        return self.v(name)

    def flow(self, name, stock, expr, desc, claims=(), direction="in", units=None) -> None:
        st_units = _STOCK_UNITS.get(stock, "Dmnl")
        u = units or ("Dmnl" if st_units == "Month" else f"{st_units}/Month")
        self.flows.append(Flow(name, expr, u, desc, tuple(claims), stock, direction,
                               self.sector))

    def stock(self, name, initial, desc, claims=(), lower=0.0, upper=1.0,
              units=None) -> sp.Symbol:
        units = units or _STOCK_UNITS.get(name, "Dmnl")
        initial = sp.sympify(initial)
        self.stocks.append(Stock(name, initial, units, desc, tuple(claims), lower, upper,
                                 self.sector))
        return self.v(name)

    def input(self, name, units, desc, claims=()) -> None:
        self.inputs.append(Input(name, units, desc, tuple(claims)))

    def polarity(self, claim, effect, cause, sign, note="") -> None:
        self.polarities.append(Polarity(claim, effect, cause, sign, note))

    # ---------------------------------------------------------------- finish
    def finish(self, name: str, omitted: dict[str, str] | None = None) -> StockFlowModel:
        """The assembled model; fails on names used but never defined."""
        model = StockFlowModel(name, list(PARAMETERS.values()), self.inputs,
                               self.auxiliaries, self.flows, self.stocks,
                               self.polarities, dict(omitted or {}))
        known = set(model.symbols)
        exprs = [a.expr for a in self.auxiliaries] + [f.expr for f in self.flows]
        exprs += [s.initial for s in self.stocks]
        used = set().union(*(sp.sympify(e).free_symbols for e in exprs))
        missing = sorted(str(s) for s in used if str(s) not in known)
        if missing:
            raise ValueError(f"model uses undefined names: {missing}")
        for s in self.stocks:
            if not model.stock_flows(s.name):
                raise ValueError(f"stock {s.name!r} has no flow")
        for pol in self.polarities:
            for ref in (pol.effect.removeprefix("initial:"), pol.cause):
                if ref not in known:
                    raise ValueError(f"polarity claim {pol.claim} names unknown {ref!r}")
        _ = model.computation_order
        return model
