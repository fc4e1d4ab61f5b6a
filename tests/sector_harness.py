"""Drive one sector's stocks with the model's own equations, every other stock held.

The net rate of a stock and the value of an auxiliary or flow are taken from the
symbolic model (auxiliaries and flows substituted: ``StockFlowModel.resolved``) and
lambdified once; every other stock, every parameter and every input is a number the
test chooses. :func:`euler` then steps the chosen stocks the way every engine of the
project does (``state + rate * dt``, the clock advanced by repeated addition, an
event of size ``s`` an input of ``s / dt`` during one step), so the trajectory can be
compared with a solution derived by hand: for first-order goal seeking towards a held
target ``x*`` with time constant ``tau``, Euler's steps give exactly
``x_k = x* + (x0 - x*) (1 - dt/tau)^k``.

Nothing here knows a sector's equations: the tests state them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import sympy as sp

from iocdynamics.model import build_model
from iocdynamics.registry import defaults

MODEL = build_model()
STOCKS = tuple(s.name for s in MODEL.stocks)
INPUTS = tuple(i.name for i in MODEL.inputs)
PARAMETERS = tuple(p.name for p in MODEL.parameters)
ARGS = ("time",) + STOCKS + PARAMETERS + INPUTS
_STOCK_SET = frozenset(STOCKS)


@functools.cache
def _compiled(name: str, initial: str = ""):
    """Lambdified value of ``name`` (a stock's net rate, an auxiliary or a flow; with
    ``initial="held"`` a stock's initial value given the other stocks, with
    ``initial="start"`` its value at the start of a run) as a function of :data:`ARGS`."""
    if initial == "held":
        expr = MODEL.resolved_initial(name)
    elif initial == "start":
        expr = MODEL.initial_value(name)
    else:
        expr = MODEL.resolved(name)
    syms = [MODEL.symbols[a] for a in ARGS]
    return sp.lambdify(syms, expr, modules="math")


def state(**values: float) -> dict[str, float]:
    """A full point: registry defaults, every input 0, every stock 0.5 (ambition level
    1, time below critical 0), time 0; ``values`` override any of them."""
    out: dict[str, float] = {"time": 0.0}
    out.update({s: 0.5 for s in STOCKS})
    out.update(ambition_level=1.0, time_below_critical=0.0, performance=0.0)
    out.update(defaults())
    out.update({i: 0.0 for i in INPUTS})
    for k, v in values.items():
        if k not in out:
            raise KeyError(f"{k!r} is not a stock, parameter, input or time")
        out[k] = float(v)
    return out


def value(name: str, point: Mapping[str, float]) -> float:
    """Value of an auxiliary or flow (or a stock's net rate) at ``point``."""
    return float(_compiled(name)(*(point[a] for a in ARGS)))


def rate(stock: str, point: Mapping[str, float]) -> float:
    """Net rate of ``stock`` at ``point``."""
    if stock not in _STOCK_SET:
        raise KeyError(f"{stock!r} is not a stock")
    return value(stock, point)


def initial(stock: str, point: Mapping[str, float]) -> float:
    """Initial value of ``stock`` as the model states it, other stocks at ``point``."""
    return float(_compiled(stock, "held")(*(point[a] for a in ARGS)))


def start(point: Mapping[str, float]) -> dict[str, float]:
    """``point`` with every stock at the value a run starts from (other stocks at their
    own initial values, inputs as in ``point``)."""
    out = dict(point)
    for s in STOCKS:
        out[s] = float(_compiled(s, "start")(*(point[a] for a in ARGS)))
    return out


def euler(point: Mapping[str, float], free: tuple[str, ...], steps: int, dt: float,
          events: Mapping[int, Mapping[str, float]] | None = None,
          record: tuple[str, ...] = (),
          series: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Step the stocks ``free`` from ``point`` (all else held) ``steps`` times.

    Parameters
    ----------
    point : mapping
        Every stock, parameter, input and ``time`` (see :func:`state`).
    free : tuple of str
        Stocks that move; every other stock keeps its value in ``point``.
    steps : int
        Euler steps of length ``dt``.
    events : mapping, optional
        Step index -> {event kind: size}: an input of ``size / dt`` during that step.
    record : tuple of str
        Auxiliaries or flows to record as well.
    series : mapping, optional
        Parameter or input name -> its value at each of the ``steps + 1`` grid times.

    Returns
    -------
    dict
        ``time`` and each free stock and recorded name: arrays of ``steps + 1`` values
        (the value at each grid time, before that time's step).
    """
    cur = dict(point)
    events = events or {}
    out: dict[str, list[float]] = {n: [] for n in ("time",) + tuple(free) + tuple(record)}
    for k in range(steps + 1):
        for kind in {kd for evs in events.values() for kd in evs}:
            cur[f"{kind}_input"] = events.get(k, {}).get(kind, 0.0) / dt
        for name, values in (series or {}).items():
            cur[name] = float(values[k])
        for n in ("time",) + tuple(free):
            out[n].append(cur[n])
        for n in record:
            out[n].append(value(n, cur))
        if k == steps:
            break
        rates = [rate(s, cur) for s in free]
        for s, r in zip(free, rates):
            cur[s] = cur[s] + r * dt
        cur["time"] = cur["time"] + dt
    return {n: np.array(v) for n, v in out.items()}


def goal_seeking(x0: float, target: float, tau: float, dt: float, steps: int) -> np.ndarray:
    """Euler's exact discrete solution of ``dx/dt = (target - x) / tau``."""
    k = np.arange(steps + 1)
    return target + (x0 - target) * (1.0 - dt / tau) ** k


def crossing_time(t: np.ndarray, x: np.ndarray, level: float) -> float:
    """First time ``x`` reaches ``level`` (linear interpolation between grid points)."""
    s = np.sign(x - level)
    idx = np.flatnonzero(s != s[0])
    if not len(idx):
        raise AssertionError(f"never reaches {level}")
    i = idx[0]
    return float(t[i - 1] + (level - x[i - 1]) * (t[i] - t[i - 1]) / (x[i] - x[i - 1]))
