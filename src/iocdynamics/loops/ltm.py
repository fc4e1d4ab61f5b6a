"""Loops That Matter: link scores, loop scores and relative loop scores.

The definitions are those of Schoenberg, Davidsen & Eberlein (2020, *System
Dynamics Review* 36(2)), with the flow-to-stock link score corrected by
Schoenberg, Hayward & Eberlein (2023, *SDR* 39(2), Eq. 3). They are computed
from trajectories recorded at every time step ``dt`` (index ``k``, time
``t_k``), arrays of shape ``(T, *ensemble)``:

* **instantaneous link** ``x -> z`` with ``z = f(x, y, ...)``::

      LS = |D_x z / D z| * sign(D_x z / D x)      (0 if D z = 0 or D x = 0)

  where ``D z = z_k - z_{k-1}``, ``D x = x_k - x_{k-1}`` and the partial change
  ``D_x z = f(x_k, y_{k-1}, ...) - z_{k-1}`` re-evaluates ``z``'s equation (the
  code generated from the sympy model) with ``x`` at its current value and every
  other input, parameters, event inputs and time included, at its previous one;
* **flow-to-stock link** ``f -> S`` (inflow sign ``+1``, outflow ``-1``)::

      LS = sign * |dt * D f / (D S_k - D S_{k-1})|    (0 if the denominator is 0)

  where ``D S_k = S_k - S_{k-1}``: the change in the flow relative to the
  stock's second difference (its acceleration). ``dt`` makes the ratio
  dimensionless (the papers' examples use ``dt = 1``). Two timings of ``D f``
  exist: ``"aligned"`` (default, Simlin's) takes ``f_{k-1} - f_{k-2}``, the
  change of the flow over the interval whose Euler step produced the measured
  acceleration; ``"published"`` takes ``f_k - f_{k-1}`` as printed in the paper
  (Stella's reading). They agree as ``dt -> 0``;
* **loop score**: the product of the link scores around the loop;
* **relative loop score**: loop score over the sum of the absolute loop scores of
  every loop in the same cycle partition (0 where that sum is 0).

Every score is 0 at the first step (and, for loops, at the first two: a
flow-to-stock link needs two earlier states).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import numpy as np
import sympy as sp

from .graph import Link, LoopGraph

CONVENTIONS = ("aligned", "published")

SMALL_VENSIM = 1e-6
"""Vensim's ``MODULO`` treats a modulus below this as none (the engine's rule)."""


def vensim_mod(x, m):
    """Vensim/PySD ``MODULO(x, m) = x - m * INTEGER(x / m)`` (0 for ``m`` < 1e-6),
    element-wise."""
    x, m = np.broadcast_arrays(np.asarray(x, float), np.asarray(m, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m < SMALL_VENSIM, 0.0, x - m * np.trunc(x / m))


_MODULES = [{"mod": vensim_mod}, "numpy"]


class Equations:
    """Numeric functions of a model's auxiliaries and flows, generated from sympy.

    Parameters
    ----------
    graph : LoopGraph
    """

    def __init__(self, graph: LoopGraph):
        self.model = graph.model
        self._fns: dict[str, tuple[tuple[str, ...], object]] = {}
        self._derivs: dict[tuple[str, str], object] = {}

    def inputs(self, name: str) -> tuple[str, ...]:
        """Every name the equation of ``name`` reads (sorted)."""
        return self.function(name)[0]

    def expression(self, name: str) -> sp.Expr:
        return self.model.definitions[self.model.symbols[name]]

    def function(self, name: str):
        """``(argument names, numeric function)`` of the equation of ``name``."""
        if name not in self._fns:
            expr = self.expression(name)
            args = tuple(sorted(str(s) for s in expr.free_symbols))
            syms = [sp.Symbol(a, real=True) for a in args]
            self._fns[name] = (args, sp.lambdify(syms, expr, modules=_MODULES))
        return self._fns[name]

    def evaluate(self, name: str, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The equation of ``name`` at ``values`` (arrays broadcast together)."""
        args, fn = self.function(name)
        arrays = np.broadcast_arrays(*[np.asarray(values[a], float) for a in args])
        with np.errstate(all="ignore"):
            out = fn(*arrays)
        shape = arrays[0].shape if arrays else ()
        return np.broadcast_to(np.asarray(out, float), shape)

    def derivative(self, name: str, wrt: str):
        """Numeric function of ``d(equation of name) / d(wrt)`` (same arguments as
        :meth:`function`), or ``None`` where sympy finds it identically 0 (a step)."""
        key = (name, wrt)
        if key not in self._derivs:
            args = self.inputs(name)
            d = sp.diff(self.expression(name), self.model.symbols[wrt])
            if d == 0:
                self._derivs[key] = None
            else:
                syms = [sp.Symbol(a, real=True) for a in args]
                self._derivs[key] = sp.lambdify(syms, d, modules=_MODULES)
        return self._derivs[key]

    def evaluate_derivative(self, name: str, wrt: str, values) -> np.ndarray | None:
        fn = self.derivative(name, wrt)
        if fn is None:
            return None
        args = self.inputs(name)
        arrays = np.broadcast_arrays(*[np.asarray(values[a], float) for a in args])
        with np.errstate(all="ignore"):
            out = fn(*arrays)
        return np.broadcast_to(np.asarray(out, float), arrays[0].shape).copy()


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast_shapes(num.shape, den.shape))
    np.divide(num, den, out=out, where=den != 0)
    return out


class Trajectories:
    """Every variable of one run (or an ensemble) on the time grid.

    Parameters
    ----------
    series : mapping
        Name -> array ``(T, *ensemble)`` (or ``(T,)``) for stocks, auxiliaries,
        flows, inputs and time.
    constants : mapping
        Name -> scalar or array of the ensemble's shape, for parameters.
    dt : float
        The time step between rows.
    """

    def __init__(self, series: Mapping[str, np.ndarray], constants: Mapping[str, object],
                 dt: float):
        if "time" not in series:
            raise KeyError("the trajectories need a 'time' series")
        self.dt = float(dt)
        self.T = len(series["time"])
        shapes = [np.shape(v)[1:] for v in series.values()]
        shapes += [np.shape(v) for v in constants.values()]
        self.shape = (self.T,) + np.broadcast_shapes(*shapes)
        self._series = {}
        for k, v in series.items():
            a = np.asarray(v, float)
            if a.shape[0] != self.T:
                raise ValueError(f"series {k!r} has {a.shape[0]} rows, time has {self.T}")
            a = a.reshape(a.shape + (1,) * (len(self.shape) - a.ndim))
            self._series[k] = np.broadcast_to(a, self.shape)
        for k, v in constants.items():
            if k not in self._series:
                self._series[k] = np.broadcast_to(np.asarray(v, float)[None], self.shape)

    @property
    def times(self) -> np.ndarray:
        """The clock, shape ``(T,)``."""
        return self._series["time"].reshape(self.T, -1)[:, 0]

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._series[name]
        except KeyError:
            raise KeyError(f"no trajectory for {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._series

    @cached_property
    def previous(self) -> _Shifted:
        return _Shifted(self, 0, -1)

    @cached_property
    def current(self) -> _Shifted:
        return _Shifted(self, 1, None)


class _Shifted(Mapping):
    """Rows ``start:stop`` of every trajectory (previous or current values)."""

    def __init__(self, traj: Trajectories, start, stop):
        self._t, self._sl = traj, slice(start, stop)

    def __getitem__(self, name):
        return self._t[name][self._sl]

    def __iter__(self):
        return iter(self._t._series)

    def __len__(self):
        return len(self._t._series)


def instant_link_score(eqs: Equations, link: Link, traj: Trajectories) -> np.ndarray:
    """LTM score of an instantaneous link ``x -> z`` at every step (0 at the first)."""
    x, z = link.source, link.target
    prev, cur = traj.previous, traj.current
    mixed = {a: (cur[a] if a == x else prev[a]) for a in eqs.inputs(z)}
    partial = eqs.evaluate(z, mixed) - prev[z]
    dz = cur[z] - prev[z]
    dx = cur[x] - prev[x]
    score = np.abs(_safe_ratio(partial, dz)) * np.sign(_safe_ratio(partial, dx))
    score = np.where((dz == 0) | (dx == 0), 0.0, score)
    out = np.zeros(traj.shape)
    out[1:] = score
    return out


def flow_link_score(link: Link, traj: Trajectories, convention: str = "aligned") -> np.ndarray:
    """LTM score of a flow-to-stock link at every step (0 at the first two)."""
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, not {convention!r}")
    f, s = traj[link.source], traj[link.target]
    out = np.zeros(traj.shape)
    if traj.T < 3:
        return out
    accel = (s[2:] - s[1:-1]) - (s[1:-1] - s[:-2])
    df = f[1:-1] - f[:-2] if convention == "aligned" else f[2:] - f[1:-1]
    sign = 1.0 if link.kind == "inflow" else -1.0
    out[2:] = sign * np.abs(_safe_ratio(traj.dt * df, accel))
    return out


def link_scores(graph: LoopGraph, traj: Trajectories, convention: str = "aligned",
                links=None, equations: Equations | None = None
                ) -> dict[tuple[str, str], np.ndarray]:
    """Link scores of ``links`` (default: every link on a loop).

    Returns
    -------
    dict
        ``(source, target)`` -> array of the trajectories' shape.
    """
    eqs = equations or Equations(graph)
    out = {}
    for link in links or graph.loop_links:
        if link.integration:
            out[(link.source, link.target)] = flow_link_score(link, traj, convention)
        else:
            out[(link.source, link.target)] = instant_link_score(eqs, link, traj)
    return out


def loop_scores(graph: LoopGraph, scores: Mapping[tuple[str, str], np.ndarray]
                ) -> dict[str, np.ndarray]:
    """Loop score of every loop: the product of its link scores."""
    out = {}
    for lp in graph.loops:
        prod = None
        for e in lp.links:
            prod = scores[e].copy() if prod is None else prod * scores[e]
        out[lp.id] = prod
    return out


def relative_loop_scores(graph: LoopGraph, scores: Mapping[str, np.ndarray]
                         ) -> dict[str, np.ndarray]:
    """Each loop score over the sum of absolute loop scores in its cycle partition."""
    totals: dict[int, np.ndarray] = {}
    for lp in graph.loops:
        p = graph.partition_of(lp)
        a = np.abs(scores[lp.id])
        totals[p] = a if p not in totals else totals[p] + a
    return {lp.id: _safe_ratio(scores[lp.id], totals[graph.partition_of(lp)])
            for lp in graph.loops}
