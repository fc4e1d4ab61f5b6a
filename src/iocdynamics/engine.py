"""The fast engine: numpy code generated from the same sympy equations.

The generated function evaluates, for a whole ensemble at once (every value may
be an array over members), the auxiliaries and flows in dependency order and
returns the net rate of every stock. Integration follows PySD exactly: Euler
steps ``state + rate * dt`` with the clock advanced by repeated addition of
``dt``, outputs recorded at the requested save times, time-dependent inputs read
at the current grid point.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from .equations import build_model
from .structure import StockFlowModel


class _Printer(NumPyPrinter):
    """numpy printer whose Piecewise and boolean output works element-wise."""

    def _print_Piecewise(self, expr):
        *pieces, last = expr.args
        out = self._print(last.expr)
        for e, c in reversed(pieces):
            out = f"numpy.where({self._print(c)}, {self._print(e)}, {out})"
        return out


@dataclass(frozen=True)
class CompiledModel:
    """A stock-and-flow model compiled to numpy.

    Attributes
    ----------
    stocks : tuple of str
        Stock names, in state order.
    outputs : tuple of str
        Every variable the step function can report (stocks, auxiliaries, flows).
    source : str
        Generated Python source (for inspection).
    """

    stocks: tuple[str, ...]
    outputs: tuple[str, ...]
    parameters: tuple[str, ...]
    inputs: tuple[str, ...]
    source: str
    _initial: object
    _rates: object
    _report: object

    def initial(self, values: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """Initial stock values given parameter and input values at time 0."""
        return list(self._initial(values))

    def rates(self, time: float, state: list, values: Mapping[str, np.ndarray]) -> list:
        """Net rate of every stock."""
        return self._rates(time, state, values)

    def report(self, time: float, state: list, values: Mapping[str, np.ndarray],
               names: tuple[str, ...]) -> list:
        """Values of the named variables at the given state."""
        full = self._report(time, state, values)
        return [full[n] for n in names]


def _generate(model: StockFlowModel) -> str:
    pr = _Printer({"fully_qualified_modules": True, "inline": True,
                   "allow_unknown_functions": False})
    stocks = [s.name for s in model.stocks]
    given = [p.name for p in model.parameters] + [i.name for i in model.inputs]
    lines = ["import functools", "import numpy", ""]
    # initial values: each stock's initial expression resolved through auxiliaries,
    # evaluated after the stocks it refers to
    lines.append("def initial(v):")
    for n in given:
        lines.append(f"    {n} = v['{n}']")
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

    for name in stocks:
        visit(name, ())
    for name in done:
        lines.append(f"    {name} = {pr.doprint(init[name])}")
    lines.append("    return (" + ", ".join(stocks) + ",)")
    lines.append("")

    def body(indent="    "):
        out = []
        for n in given:
            out.append(f"{indent}{n} = v['{n}']")
        out.append(f"{indent}(" + ", ".join(stocks) + ",) = state")
        for name in model.computation_order:
            expr = model.definitions[model.symbols[name]]
            out.append(f"{indent}{name} = {pr.doprint(expr)}")
        return out

    lines.append("def rates(time, state, v):")
    lines += body()
    nets = []
    for s in model.stocks:
        terms = ""
        for f in model.stock_flows(s.name):
            terms += ("+" if f.direction == "in" else "-") + f.name
        nets.append(f"({terms})")
    lines.append("    return [" + ", ".join(nets) + "]")
    lines.append("")
    lines.append("def report(time, state, v):")
    lines += body()
    names = stocks + list(model.computation_order)
    lines.append("    return {" + ", ".join(f"'{n}': {n}" for n in names) + "}")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=4)
def compile_model(model: StockFlowModel | None = None) -> CompiledModel:
    """Compile ``model`` (default: the collaboration model) to numpy functions."""
    model = model or build_model()
    src = _generate(model)
    namespace: dict = {}
    exec(compile(src, f"<iocdynamics generated {model.name}>", "exec"), namespace)
    outputs = tuple([s.name for s in model.stocks] + list(model.computation_order))
    return CompiledModel(
        stocks=tuple(s.name for s in model.stocks),
        outputs=outputs,
        parameters=tuple(p.name for p in model.parameters),
        inputs=tuple(i.name for i in model.inputs),
        source=src,
        _initial=namespace["initial"],
        _rates=namespace["rates"],
        _report=namespace["report"],
    )


def time_grid(final_time: float, time_step: float, initial_time: float = 0.0) -> np.ndarray:
    """The clock values PySD visits: repeated addition of ``time_step``."""
    times = [initial_time]
    t = initial_time
    while t + time_step * 1e-10 < final_time:
        t = t + time_step
        times.append(t)
    return np.array(times)


def save_indices(grid: np.ndarray, save_times: np.ndarray, time_step: float) -> np.ndarray:
    """Grid indices of the requested save times (matched within a step fraction)."""
    idx = np.searchsorted(grid, save_times - time_step * 1e-10)
    idx = np.clip(idx, 0, len(grid) - 1)
    bad = np.abs(grid[idx] - save_times) > time_step * 1e-6
    if bad.any():
        raise ValueError(f"save times {save_times[bad][:3]} are not on the time grid "
                         f"(time step {time_step})")
    return idx


def integrate(constants: Mapping[str, np.ndarray | float],
              series: Mapping[str, np.ndarray],
              final_time: float, time_step: float, save_times: np.ndarray,
              columns: tuple[str, ...], compiled: CompiledModel | None = None
              ) -> dict[str, np.ndarray]:
    """Euler-integrate the model.

    Parameters
    ----------
    constants : mapping
        Parameter (and constant input) values: scalars or arrays over the ensemble.
    series : mapping
        Time-dependent values: arrays whose first axis runs over the time grid
        (``len(time_grid(final_time, time_step))``), optionally with an ensemble axis.
    final_time, time_step : float
    save_times : array
        Times to record (must lie on the grid).
    columns : tuple of str
        Variables to record.

    Returns
    -------
    dict
        Column -> array of shape ``(len(save_times),) + ensemble_shape``.
    """
    cm = compiled or compile_model()
    grid = time_grid(final_time, time_step)
    save_idx = save_indices(grid, np.asarray(save_times, dtype=float), time_step)
    missing = (set(cm.parameters) | set(cm.inputs)) - set(constants) - set(series)
    if missing:
        raise KeyError(f"no value given for {sorted(missing)}")
    values = dict(constants)
    for name, arr in series.items():
        if len(arr) != len(grid):
            raise ValueError(f"series {name!r} has {len(arr)} points; the grid has "
                             f"{len(grid)}")
        values[name] = arr[0]
    out = {c: [] for c in columns}
    save_set = {int(i): k for k, i in enumerate(save_idx)}
    state = cm.initial(values)
    for k, t in enumerate(grid):
        for name, arr in series.items():
            values[name] = arr[k]
        if k in save_set:
            rep = cm.report(t, state, values, columns)
            for c, val in zip(columns, rep):
                out[c].append(np.array(val, dtype=float, copy=True))
        if k == len(grid) - 1:
            break
        r = cm.rates(t, state, values)
        state = [s + d * time_step for s, d in zip(state, r)]
    return {c: np.stack([np.broadcast_to(v, np.broadcast_shapes(*[x.shape for x in vs]))
                         for v in vs])
            for c, vs in out.items()}
