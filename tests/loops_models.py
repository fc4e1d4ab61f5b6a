"""Small hand-built stock-and-flow models for the loop tests, and an Euler run of them."""

from __future__ import annotations

import numpy as np
import sympy as sp

from iocdynamics.registry import Parameter
from iocdynamics.structure import Auxiliary, Flow, Input, Stock, StockFlowModel


def par(name: str, default: float, lower: float = -100.0, upper: float = 100.0) -> Parameter:
    return Parameter(name, default, lower, upper, "Dmnl", "mechanism", name)


def S(name):
    return sp.Symbol(name, real=True)


def births_deaths(b: float = 0.3, d: float = 0.1, x0: float = 10.0) -> StockFlowModel:
    """One stock with a reinforcing (births) and a balancing (deaths) loop."""
    x = S("population")
    return StockFlowModel(
        "births_deaths", [par("birth_rate", b), par("death_rate", d), par("x0", x0)], [],
        [], [Flow("births", S("birth_rate") * x, "1/Month", "", (), "population", "in"),
             Flow("deaths", S("death_rate") * x, "1/Month", "", (), "population", "out")],
        [Stock("population", S("x0"), "Dmnl", "", (), None, None)])


def oscillator(k1: float = 0.5, k2: float = 0.2) -> StockFlowModel:
    """Two stocks in one balancing loop (a harmonic oscillator), through an auxiliary."""
    return StockFlowModel(
        "oscillator", [par("k1", k1), par("k2", k2)], [],
        [Auxiliary("pull", -S("k2") * S("position"), "Dmnl", "")],
        [Flow("velocity_change", S("pull"), "1/Month", "", (), "velocity", "in"),
         Flow("movement", S("k1") * S("velocity"), "1/Month", "", (), "position", "in")],
        [Stock("position", sp.Integer(1), "Dmnl", "", (), None, None),
         Stock("velocity", sp.Integer(0), "Dmnl", "", (), None, None)])


def table2() -> StockFlowModel:
    """``z = (w + x) / y`` of Schoenberg, Davidsen & Eberlein (2020), Table 2, fed by
    inputs (and a stock so that the structure is a valid model)."""
    return StockFlowModel(
        "table2", [], [Input("w_in", "Dmnl", ""), Input("x_in", "Dmnl", ""),
                       Input("y_in", "Dmnl", "")],
        [Auxiliary("w", S("w_in"), "Dmnl", ""), Auxiliary("x", S("x_in"), "Dmnl", ""),
         Auxiliary("y", S("y_in"), "Dmnl", ""),
         Auxiliary("z", (S("w") + S("x")) / S("y"), "Dmnl", "")],
        [Flow("fz", S("z"), "1/Month", "", (), "acc", "in")],
        [Stock("acc", sp.Integer(0), "Dmnl", "", (), None, None)])


def goal_seeking(g: float, tau: float = 2.0, c: float = 0.3) -> StockFlowModel:
    """``x' = (g x + c - x) / tau``: a reinforcing loop through ``indicated`` and the
    stock's goal-seeking (balancing) adjustment."""
    x = S("level")
    return StockFlowModel(
        "goal_seeking", [par("g", g), par("tau", tau), par("c", c)], [],
        [Auxiliary("indicated", S("g") * x + S("c"), "Dmnl", "")],
        [Flow("adjustment", (S("indicated") - x) / S("tau"), "1/Month", "", (), "level")],
        [Stock("level", sp.Integer(0), "Dmnl", "", (), None, None)])


def euler(model: StockFlowModel, constants: dict, dt: float, n: int,
          series: dict | None = None) -> dict:
    """Euler run of ``model`` (every variable at every step), written independently of
    the engine and of the loops package: plain sympy substitution."""
    series = series or {}
    state = {}
    init_subs = {S(k): v for k, v in constants.items()}
    for st in model.stocks:
        state[st.name] = float(st.initial.xreplace(init_subs))
    out: dict[str, list] = {}
    time = 0.0
    for k in range(n + 1):
        vals = dict(constants)
        vals.update({name: arr[k] for name, arr in series.items()})
        vals.update(state)
        vals["time"] = time
        for name in model.computation_order:
            expr = model.definitions[S(name)]
            vals[name] = float(expr.xreplace({S(a): vals[a] for a in
                                              (str(s) for s in expr.free_symbols)}))
        for name, v in vals.items():
            out.setdefault(name, []).append(v)
        for st in model.stocks:
            net = sum((vals[f.name] if f.direction == "in" else -vals[f.name])
                      for f in model.stock_flows(st.name))
            state[st.name] = state[st.name] + dt * net
        time += dt
    return {k: np.array(v) for k, v in out.items()}
