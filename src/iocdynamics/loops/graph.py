"""The variable dependency graph of a stock-and-flow model and its feedback loops.

Nodes are the model's stocks, flows and auxiliaries; an edge ``x -> z`` means
that ``x`` appears in the equation of ``z`` (an *instantaneous* link) or that
``x`` is a flow of stock ``z`` (an *integration* link, inflow ``+1``, outflow
``-1``). Parameters, inputs and time have no incoming edges and so lie on no
loop; they are left out. Initial-value equations are not causal links.

Loops are the elementary circuits of this graph, found with Johnson's algorithm
(:func:`networkx.simple_cycles`), each written from its first stock (in the
model's declaration order) so that the same loop always reads the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx

from ..structure import StockFlowModel

MAX_LOOPS = 100_000
"""Enumeration stops with an error beyond this many loops (Johnson's algorithm is
output-sensitive: a dense graph can hold more circuits than fit in memory)."""


@dataclass(frozen=True)
class Link:
    """A causal link ``source -> target``.

    Attributes
    ----------
    source, target : str
    kind : {"instant", "inflow", "outflow"}
        ``instant`` for a link into an auxiliary or flow, ``inflow``/``outflow``
        for a flow into its stock.
    """

    source: str
    target: str
    kind: str

    @property
    def integration(self) -> bool:
        return self.kind != "instant"


@dataclass(frozen=True)
class Loop:
    """An elementary feedback loop.

    Attributes
    ----------
    id : str
        ``loop_001``, ... in a deterministic order (shorter loops first, then by
        variable names); stable for an unchanged model.
    variables : tuple of str
        The variables in causal order, starting at the loop's first stock; the
        last variable links back to the first.
    stocks : tuple of str
        The stocks on the loop, in causal order.
    """

    id: str
    variables: tuple[str, ...]
    stocks: tuple[str, ...]

    @property
    def links(self) -> tuple[tuple[str, str], ...]:
        v = self.variables
        return tuple((v[i], v[(i + 1) % len(v)]) for i in range(len(v)))

    @property
    def key(self) -> frozenset[tuple[str, str]]:
        """The loop's edge set: two loops are the same loop exactly when equal."""
        return frozenset(self.links)

    def __len__(self) -> int:
        return len(self.variables)

    def describe(self) -> str:
        return " -> ".join(self.variables + (self.variables[0],))


def canonical(cycle: list[str] | tuple[str, ...], stock_order: dict[str, int]) -> tuple[str, ...]:
    """Rotate ``cycle`` to start at its first stock (declaration order).

    Raises
    ------
    ValueError
        If the cycle has no stock (a simultaneous equation; not a feedback loop).
    """
    stocks = [v for v in cycle if v in stock_order]
    if not stocks:
        raise ValueError(f"cycle without a stock (simultaneous equations): {list(cycle)}")
    first = min(stocks, key=stock_order.__getitem__)
    i = list(cycle).index(first)
    return tuple(cycle[i:]) + tuple(cycle[:i])


class LoopGraph:
    """The dependency graph of ``model`` with its links, loops and cycle partitions.

    Parameters
    ----------
    model : StockFlowModel
    """

    def __init__(self, model: StockFlowModel):
        self.model = model
        stocks = [s.name for s in model.stocks]
        self.stock_order = {s: i for i, s in enumerate(stocks)}
        defined = {str(k) for k in model.definitions}
        nodes = set(stocks) | defined
        g = nx.DiGraph()
        g.add_nodes_from(sorted(nodes))
        links: dict[tuple[str, str], Link] = {}
        for name in model.computation_order:
            expr = model.definitions[model.symbols[name]]
            for dep in sorted(str(s) for s in expr.free_symbols):
                if dep in nodes:
                    links[(dep, name)] = Link(dep, name, "instant")
        for s in stocks:
            for f in model.stock_flows(s):
                links[(f.name, s)] = Link(f.name, s, "inflow" if f.direction == "in"
                                          else "outflow")
        g.add_edges_from(links)
        self.graph = g
        self.links = links

    @cached_property
    def loops(self) -> tuple[Loop, ...]:
        """Every elementary feedback loop, in ``id`` order."""
        cycles = []
        for c in nx.simple_cycles(self.graph):
            cycles.append(canonical(c, self.stock_order))
            if len(cycles) > MAX_LOOPS:
                raise ValueError(f"the model has more than {MAX_LOOPS} feedback loops; "
                                 "loop enumeration stopped")
        cycles.sort(key=lambda c: (len(c), c))
        width = max(3, len(str(len(cycles))))
        return tuple(Loop(id=f"loop_{i + 1:0{width}d}", variables=c,
                          stocks=tuple(v for v in c if v in self.stock_order))
                     for i, c in enumerate(cycles))

    @cached_property
    def loop_links(self) -> tuple[Link, ...]:
        """Every link that lies on at least one loop (sorted)."""
        keys = sorted({e for lp in self.loops for e in lp.links})
        return tuple(self.links[k] for k in keys)

    @cached_property
    def partitions(self) -> dict[str, int]:
        """Cycle partition of each stock on a loop: strongly connected components of
        stock-to-stock reachability (stocks that feed back on each other)."""
        stocks = list(self.stock_order)
        reach = nx.DiGraph()
        reach.add_nodes_from(stocks)
        for s in stocks:
            for t in nx.descendants(self.graph, s):
                if t in self.stock_order:
                    reach.add_edge(s, t)
        comps = sorted((sorted(c, key=self.stock_order.__getitem__)
                        for c in nx.strongly_connected_components(reach)),
                       key=lambda c: self.stock_order[c[0]])
        return {s: i for i, comp in enumerate(comps) for s in comp}

    def partition_of(self, loop: Loop) -> int:
        """The cycle partition a loop belongs to (that of any of its stocks)."""
        return self.partitions[loop.stocks[0]]

    def find(self, variables: tuple[str, ...] | list[str]) -> Loop | None:
        """The loop through exactly ``variables`` in this causal order (any rotation),
        or ``None``."""
        v = tuple(variables)
        key = frozenset((v[i], v[(i + 1) % len(v)]) for i in range(len(v)))
        for lp in self.loops:
            if lp.key == key:
                return lp
        return None
