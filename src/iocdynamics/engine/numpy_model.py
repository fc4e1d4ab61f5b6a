"""The numpy back end: the model's equations on arrays over members, step by step.

Used when numba is missing or fails, on request (``backend="numpy"``), and for
models other than the default one. It prints the equations with the same printer
as the compiled kernel and calls the same elementary functions, so it gives the
same bits (see :mod:`.elementary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from ..model import build_model
from ..structure import StockFlowModel
from . import elementary
from .inputs import MemberInputs
from .printer import print_expression
from .program import initial_program, net_rates


@dataclass(frozen=True)
class CompiledModel:
    """A stock-and-flow model compiled to numpy.

    Attributes
    ----------
    stocks : tuple of str
        Stock names, in state order.
    outputs : tuple of str
        Every variable the step function can report (stocks, auxiliaries, flows).
    parameters, inputs : tuple of str
        Constants and time-dependent inputs the equations refer to by name.
    source : str
        Generated Python source (for inspection).
    """

    stocks: tuple[str, ...]
    outputs: tuple[str, ...]
    parameters: tuple[str, ...]
    inputs: tuple[str, ...]
    source: str
    _initial: object
    _step: object

    @cached_property
    def given(self) -> frozenset[str]:
        """Names the model needs values of: its parameters and inputs."""
        return frozenset(self.parameters + self.inputs)

    def initial(self, values: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """Initial stock values given parameter and input values at time 0."""
        return list(self._initial(values))

    def step(self, time: float, state: list, values: Mapping[str, np.ndarray]
             ) -> tuple[list, dict]:
        """Net rate of every stock, and every variable's value, at ``state``."""
        return self._step(time, state, values)

    def rates(self, time: float, state: list, values: Mapping[str, np.ndarray]) -> list:
        """Net rate of every stock."""
        return self._step(time, state, values)[0]

    def report(self, time: float, state: list, values: Mapping[str, np.ndarray],
               names: tuple[str, ...]) -> list:
        """Values of the named variables at the given state."""
        full = self._step(time, state, values)[1]
        return [full[n] for n in names]


def _generate(model: StockFlowModel) -> str:
    stocks = [s.name for s in model.stocks]
    given = [p.name for p in model.parameters] + [i.name for i in model.inputs]
    lines = ["def initial(v):"]
    for n in given:
        lines.append(f"    {n} = v['{n}']")
    lines.append("    time = numpy.float64(0.0)")
    for name, expr in initial_program(model):
        lines.append(f"    {name} = {print_expression(name, expr)}")
    lines.append("    return (" + ", ".join(stocks) + ",)")
    lines.append("")
    lines.append("def step(time, state, v):")
    for n in given:
        lines.append(f"    {n} = v['{n}']")
    lines.append("    (" + ", ".join(stocks) + ",) = state")
    for name in model.computation_order:
        expr = model.definitions[model.symbols[name]]
        lines.append(f"    {name} = {print_expression(name, expr)}")
    names = stocks + list(model.computation_order)
    lines.append("    return [" + ", ".join(net_rates(model)) + "], {"
                 + ", ".join(f"'{n}': {n}" for n in names) + "}")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=4)
def compile_model(model: StockFlowModel | None = None) -> CompiledModel:
    """Compile ``model`` (default: the collaboration model) to numpy functions."""
    model = model or build_model()
    src = _generate(model)
    namespace = dict(elementary.NUMPY_NAMESPACE)
    exec(compile(src, f"<iocdynamics generated {model.name}>", "exec"), namespace)
    return CompiledModel(
        stocks=tuple(s.name for s in model.stocks),
        outputs=tuple([s.name for s in model.stocks] + list(model.computation_order)),
        parameters=tuple(p.name for p in model.parameters),
        inputs=tuple(i.name for i in model.inputs),
        source=src,
        _initial=namespace["initial"],
        _step=namespace["step"],
    )


def run_numpy(cm: CompiledModel, inputs: MemberInputs, constants: tuple[str, ...],
              varying: tuple[str, ...], save_mask: np.ndarray, columns: tuple[str, ...],
              time_step: float) -> np.ndarray:
    """Integrate every member with numpy: ``(members, columns, saved times)``.

    Floating-point exceptions give inf/NaN silently, as in the compiled kernel.
    """
    with np.errstate(all="ignore"):
        return _run(cm, inputs, constants, varying, save_mask, columns, time_step)


def _changes_by_step(inputs: MemberInputs):
    """Every member's changes as (step, member, var, value, impulse), sorted by step,
    each member's changes of one step in their list order."""
    counts = inputs.last - inputs.first
    member = np.repeat(np.arange(inputs.n_members), counts)
    offsets = np.cumsum(counts) - counts
    idx = np.repeat(inputs.first - offsets, counts) + np.arange(int(counts.sum()))
    steps = inputs.step[idx]
    order = np.argsort(steps, kind="stable")
    idx, member = idx[order], member[order]
    return (inputs.step[idx], member, inputs.var[idx], inputs.value[idx],
            inputs.impulse[idx])


def _run(cm, inputs, constants, varying, save_mask, columns, time_step):
    m = inputs.n_members
    n = len(save_mask) - 1
    values = {name: inputs.constants[:, j] for j, name in enumerate(constants)}
    level = inputs.levels.T.copy()  # (varying, members)
    impulse = np.full(level.shape, -0.0)
    steps, member, var, value, is_impulse = _changes_by_step(inputs)
    bounds = np.searchsorted(steps, np.arange(n + 2))
    out = np.empty((m, len(columns), int(np.sum(save_mask))))
    j = 0
    t = np.float64(0.0)  # numpy scalar: a division by zero gives inf, as in the kernel
    state = None
    for k in range(n + 1):
        a, b = bounds[k], bounds[k + 1]
        if b > a:
            sets = a + np.flatnonzero(~is_impulse[a:b])
            if len(sets):  # the last of several new levels of one input wins
                key = (var[sets] * m + member[sets])[::-1]
                _, keep = np.unique(key, return_index=True)
                keep = sets[::-1][keep]
                level[var[keep], member[keep]] = value[keep]
            imps = a + np.flatnonzero(is_impulse[a:b])
            np.add.at(impulse, (var[imps], member[imps]), value[imps])
        for i, name in enumerate(varying):
            values[name] = level[i] + impulse[i]
        if b > a:
            impulse[:] = -0.0
        if state is None:
            state = cm.initial(values)
        rates, full = cm.step(t, state, values)
        if save_mask[k]:
            for c, name in enumerate(columns):
                out[:, c, j] = full[name]
            j += 1
        state = [s + d * time_step for s, d in zip(state, rates)]
        t = t + time_step
    return out
