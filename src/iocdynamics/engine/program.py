"""From the sympy model to an ordered program of assignments (for both back ends).

The program follows PySD's semantics: stocks are initialised through the
auxiliaries their initial expressions name (computed at time 0), each step
evaluates the auxiliaries in the model's computation order, and the net rate of a
stock is the sum of its inflows minus its outflows. For the compiled kernel it
also says what can be computed once per member instead of every step: auxiliaries
that depend on constants only, calls of elementary functions (powers, ``exp``,
...) whose arguments are constant, and the largest constant subexpressions of the
per-step equations (a weighted average's sum of weights, a ``1 - a*b`` factor of
parameters); a call that occurs more than once in a step is computed once. A
subexpression is a whole node of the equation's tree, which the printer prints as
one operand, so none of this changes a single operation's inputs or order: the
numbers stay those of the straightforward evaluation (the numpy back end's).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.core.relational import Relational
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.logic.boolalg import BooleanAtom, BooleanFunction

from ..structure import StockFlowModel
from .printer import is_call, print_expression


def initial_order(model: StockFlowModel) -> list[str]:
    """Stocks in an order where each initial value depends only on earlier ones."""
    time_sym = model.symbols["time"]
    init = {s.name: model.resolve(s.initial).xreplace({time_sym: sp.Float(0.0)})
            for s in model.stocks}
    done: list[str] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in chain:
            raise ValueError(f"circular initial values: {' -> '.join(chain + (name,))}")
        for dep in sorted(str(x) for x in init[name].free_symbols):
            if dep in init:
                visit(dep, chain + (name,))
        done.append(name)

    for s in model.stocks:
        visit(s.name, ())
    return done


def initial_program(model: StockFlowModel, skip: set[str] = frozenset()
                    ) -> list[tuple[str, sp.Expr]]:
    """Assignments that set every stock's initial value the way PySD does.

    Each stock's initial expression is evaluated as written, through the
    auxiliaries it names (computed at time 0 from the stocks initialised before
    it), so a stock initialised at an auxiliary's level equals that auxiliary
    exactly, as in PySD. ``skip`` names auxiliaries already computed.
    """
    defs = {name: model.definitions[model.symbols[name]] for name in model.computation_order}
    stocks = {s.name: s for s in model.stocks}
    computed = set(skip)
    program: list[tuple[str, sp.Expr]] = []
    for name in initial_order(model):
        expr = stocks[name].initial
        need: set[str] = set()
        todo = [str(x) for x in expr.free_symbols]
        while todo:
            dep = todo.pop()
            if dep in defs and dep not in computed and dep not in need:
                need.add(dep)
                todo += [str(x) for x in defs[dep].free_symbols]
        for aux in model.computation_order:
            if aux in need:
                program.append((aux, defs[aux]))
                computed.add(aux)
        program.append((name, expr))
    return program


def net_rates(model: StockFlowModel) -> list[str]:
    """Code of each stock's net rate (inflows minus outflows, by flow name)."""
    nets = []
    for s in model.stocks:
        terms = ""
        for f in model.stock_flows(s.name):
            terms += ("+" if f.direction == "in" else "-") + f.name
        nets.append(f"({terms or '0.0'})")
    return nets


def constant_subexpressions(expr: sp.Expr, fixed: set[str]) -> list[sp.Expr]:
    """The largest subexpressions of ``expr`` that depend on names in ``fixed`` only
    and are worth computing once: operations on symbols, not numbers or symbols
    alone, not conditions (the scratch array holds floats), and not what prints as
    part of the operation around it: ``1/x``-style powers print as a division in
    the product around them, and a product nested in a product prints without
    parentheses (``a*(b*c)`` as ``a*b*c``), so computing either first would change
    the rounding."""
    out: list[sp.Expr] = []

    def visit(node: sp.Basic, in_product: bool) -> None:
        if node.is_Atom:
            return
        names = {str(s) for s in node.free_symbols}
        negative_power = node.is_Pow and node.exp.is_number and node.exp.is_negative
        whole = not (isinstance(node, _NOT_HOISTED) or negative_power
                     or (in_product and node.is_Mul))
        if whole and names and names <= fixed:
            out.append(node)
            return
        for arg in node.args:
            visit(arg, node.is_Mul)

    visit(expr, False)
    return out


_NOT_HOISTED = (Relational, BooleanFunction, BooleanAtom, ExprCondPair)


@dataclass(frozen=True)
class Program:
    """The kernel's assignments for one set of per-step inputs.

    Attributes
    ----------
    stocks : tuple of str
        State, in order.
    constants, varying : tuple of str
        Inputs that are constant per member, and inputs read at every step.
    hoisted : tuple of (str, str)
        ``(name, code)`` computed once per member before the time loop: auxiliaries
        that depend on constants only, then elementary-function calls with constant
        arguments and the other largest constant subexpressions of the per-step
        equations (named ``_h0``, ``_h1``, ...; see :func:`constant_subexpressions`).
    initial : tuple of (str, str)
        Initial values of the stocks (through the auxiliaries they name).
    step : tuple of (str, str)
        Per-step assignments in computation order; a call that occurs more than
        once is assigned first to a temporary (``_t0``, ...).
    step_auxiliaries : tuple of str
        The auxiliaries and flows among ``step`` (reportable).
    reads : tuple of str
        Constants and hoisted names the per-step code reads.
    nets : tuple of str
        Code of each stock's net rate.
    record : tuple of str
        Every reportable variable: stocks, then auxiliaries and flows in
        computation order.
    model_ops : int
        Operations per member and step of the model's own arithmetic, counted on
        the sympy expressions of ``step`` (an elementary function counts one; two
        per stock for the Euler update).
    """

    stocks: tuple[str, ...]
    constants: tuple[str, ...]
    varying: tuple[str, ...]
    hoisted: tuple[tuple[str, str], ...]
    initial: tuple[tuple[str, str], ...]
    step: tuple[tuple[str, str], ...]
    step_auxiliaries: tuple[str, ...]
    reads: tuple[str, ...]
    nets: tuple[str, ...]
    record: tuple[str, ...]
    model_ops: int


def build_program(model: StockFlowModel, varying: tuple[str, ...]) -> Program:
    """The :class:`Program` of ``model`` with ``varying`` read at every step."""
    stocks = tuple(s.name for s in model.stocks)
    given = [p.name for p in model.parameters] + [i.name for i in model.inputs]
    constants = tuple(n for n in given if n not in varying)
    order = list(model.computation_order)
    defs = {name: model.definitions[model.symbols[name]] for name in order}

    fixed = set(constants)
    hoisted_aux = []
    for name in order:
        if {str(s) for s in defs[name].free_symbols} <= fixed:
            fixed.add(name)
            hoisted_aux.append(name)
    per_step = [n for n in order if n not in fixed]

    # elementary-function calls of the per-step equations: hoist the constant ones,
    # compute each other one once per step (before the first equation using it)
    names: dict[sp.Expr, str] = {}
    hoisted_nodes: list[sp.Expr] = []
    n_temps = 0
    first_use: dict[str, list[sp.Expr]] = {}
    uses: dict[sp.Expr, int] = {}
    for n in per_step:
        for node in sp.preorder_traversal(defs[n]):
            if is_call(node):
                uses[node] = uses.get(node, 0) + 1
    for n in per_step:
        for node in sp.postorder_traversal(defs[n]):  # inner calls first
            if not is_call(node) or node in names:
                continue
            if {str(s) for s in node.free_symbols} <= fixed:
                names[node] = f"_h{len(hoisted_nodes)}"
                hoisted_nodes.append(node)
            elif uses[node] > 1:
                names[node] = f"_t{n_temps}"
                n_temps += 1
                first_use.setdefault(n, []).append(node)
    # then every other largest subexpression of constants (after the calls it uses)
    for n in per_step:
        for node in constant_subexpressions(defs[n], fixed):
            if node not in names:
                names[node] = f"_h{len(hoisted_nodes)}"
                hoisted_nodes.append(node)

    hoisted = [(n, print_expression(n, defs[n])) for n in hoisted_aux]
    hoisted_names = {k: v for k, v in names.items() if v.startswith("_h")}
    for node in hoisted_nodes:
        inner = {k: v for k, v in hoisted_names.items() if k != node}
        hoisted.append((names[node], print_expression(names[node], node, inner)))

    initial = [(n, print_expression(n, e, hoisted_names))
               for n, e in initial_program(model, set(hoisted_aux))]

    step = []
    for n in per_step:
        for node in first_use.get(n, []):
            inner = {k: v for k, v in names.items() if k != node}
            step.append((names[node], print_expression(n, node, inner)))
        step.append((n, print_expression(n, defs[n], names)))

    as_symbols = {k: sp.Symbol(v) for k, v in hoisted_names.items()}
    step_exprs = [defs[n].xreplace(as_symbols) for n in per_step]
    read = {str(x) for e in step_exprs for x in e.free_symbols}
    reads = tuple(n for n in list(constants) + hoisted_aux + [names[c] for c in hoisted_nodes]
                  if n in read)
    ops = sum(sp.count_ops(e, visual=False) for e in step_exprs)
    return Program(stocks=stocks, constants=constants, varying=tuple(varying),
                   hoisted=tuple(hoisted), initial=tuple(initial), step=tuple(step),
                   step_auxiliaries=tuple(per_step), reads=reads,
                   nets=tuple(net_rates(model)), record=stocks + tuple(order),
                   model_ops=int(ops) + 2 * len(stocks))
