"""The autonomous, event-free vector field of the collaboration model.

The simulation model is non-autonomous (dated events, periodic evaluation
rounds) and carries dissolution bookkeeping. Equilibria, stability and phase
portraits need a time-invariant vector field ``dx/dt = f(x; p)``; it is defined
here, explicitly, from the same sympy equations:

* every event input is 0 (no events);
* the evaluation-and-dissemination rounds (``evaluation_round_active``, a
  periodic 0/1 switch in time) are replaced by their time average, the duty
  cycle ``evaluation_round_duration / evaluation_interval`` (0 when the interval
  is 0, i.e. no evaluation; 1 when the interval is no longer than a round, i.e.
  continuous evaluation) -- the standard averaging approximation;
* the dissolution bookkeeping (``time_below_critical``, ``dissolved``,
  ``active``) is left out of the state with ``active = 1``: dissolution is an
  absorbing state outside the smooth dynamics;
* the remaining stocks (``ambition_level`` included) form the state.

Trust's adjustment time switches (a Piecewise) between building and eroding at
``indicated_trust = trust``. The rate is ``(indicated - trust) / time``: both
pieces vanish where the numerator does, so the equilibria are the zeros of the
smooth numerator (the *root system*), and the linearisation has one Jacobian per
side of the switch (the trust row scaled by ``1/build_time`` or
``speedup/build_time``). :mod:`.stability` classifies both.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy as sp
from scipy.stats import qmc

from ..model import build_model
from ..registry import PARAMETERS
from ..scenario import Scenario, load_scenario
from ..structure import TIME

#: Stocks left out of the autonomous state (dissolution bookkeeping).
EXCLUDED_STOCKS = ("time_below_critical",)

ASSUMPTIONS = ("event-free; evaluation rounds averaged (duty cycle); "
               "partnership active (no dissolution)")
"""One-line statement of the autonomous approximation, for figures and tables."""


def duty_cycle(interval, duration):
    """Time-average of ``evaluation_round_active``.

    Parameters
    ----------
    interval, duration : float or sympy expression
        ``evaluation_interval`` and ``evaluation_round_duration`` (months).

    Returns
    -------
    float or sympy expression
        0 if ``interval <= 0``; 1 if ``interval <= duration``; else
        ``duration / interval``.
    """
    if all(isinstance(v, (int, float, np.floating)) for v in (interval, duration)):
        if interval <= 0:
            return 0.0
        return 1.0 if interval <= duration else float(duration) / float(interval)
    return sp.Piecewise((0, interval <= 0), (duration / sp.Max(interval, duration), True))


def stack_values(values: Sequence) -> np.ndarray:
    """Stack the (possibly scalar) outputs of a lambdified list into an array."""
    arrs = [np.asarray(v, dtype=float) for v in values]
    shape = np.broadcast_shapes(*(a.shape for a in arrs)) if arrs else ()
    return np.stack([np.broadcast_to(a, shape) for a in arrs])


def stack_rows(rows: Sequence[Sequence]) -> np.ndarray:
    """Stack a lambdified matrix (list of rows) into an array ``(m, k[, N])``."""
    arrs = [[np.asarray(v, dtype=float) for v in r] for r in rows]
    shape = np.broadcast_shapes(*(a.shape for r in arrs for a in r))
    return np.stack([np.stack([np.broadcast_to(a, shape) for a in r]) for r in arrs])


@dataclass
class VectorField:
    """A bounded autonomous vector field ``dx/dt = f(x; p)`` written in sympy.

    Attributes
    ----------
    name : str
        What the field describes (scenario name).
    states : tuple of str
        State variable names, in order.
    rates : list of sympy.Expr
        The true right-hand side (may contain a state-dependent Piecewise).
    roots : list of sympy.Expr
        Smooth expressions with the same zeros: ``rates[i] = roots[i] * scale``
        with ``scale`` one of ``row_scales[i]`` (all positive).
    row_scales : list of tuple of sympy.Expr
        Positive factors per row, one per side of a switch (``(1,)`` if smooth).
    lower, upper : numpy.ndarray
        A box containing every equilibrium (finite bounds).
    params : tuple of str
        Parameters kept symbolic (for continuation), default values in
        ``param_values``.
    param_values : dict
        Values of ``params`` used when none are given.
    auxiliaries : dict
        Name -> expression (in states and ``params``) of outputs that are not
        states, for :meth:`evaluate`.
    assumptions : str
        How the field was derived (shown on figures and tables).
    """

    name: str
    states: tuple[str, ...]
    rates: list[sp.Expr]
    roots: list[sp.Expr]
    row_scales: list[tuple[sp.Expr, ...]]
    lower: np.ndarray
    upper: np.ndarray
    params: tuple[str, ...] = ()
    param_values: dict[str, float] = field(default_factory=dict)
    auxiliaries: dict[str, sp.Expr] = field(default_factory=dict)
    assumptions: str = ""

    # -------------------------------------------------------------- symbols
    @cached_property
    def x_symbols(self) -> list[sp.Symbol]:
        return [sp.Symbol(s, real=True) for s in self.states]

    @cached_property
    def p_symbols(self) -> list[sp.Symbol]:
        return [sp.Symbol(p, real=True) for p in self.params]

    @property
    def n(self) -> int:
        return len(self.states)

    def index(self, name: str) -> int:
        """Position of state ``name``; a clear error for an unknown name."""
        try:
            return self.states.index(name)
        except ValueError:
            raise KeyError(f"unknown state {name!r}; the states are "
                           f"{', '.join(self.states)}") from None

    # ------------------------------------------------------ compiled functions
    def _lambdify(self, exprs):
        return sp.lambdify([self.x_symbols, self.p_symbols], exprs, modules="numpy", cse=True)

    @cached_property
    def _f(self):
        return self._lambdify(self.rates)

    @cached_property
    def _h(self):
        return self._lambdify(self.roots)

    @cached_property
    def _jh(self):
        return self._lambdify(sp.Matrix(self.roots).jacobian(self.x_symbols).tolist())

    @cached_property
    def _hp(self):
        return self._lambdify(sp.Matrix(self.roots).jacobian(self.p_symbols).tolist())

    @cached_property
    def _scales(self):
        return self._lambdify([list(s) for s in self.row_scales])

    def _p(self, p) -> list[float]:
        if p is None:
            return [self.param_values[k] for k in self.params]
        if isinstance(p, Mapping):
            return [float(p.get(k, self.param_values[k])) for k in self.params]
        return [float(v) for v in np.atleast_1d(p)]

    def rate(self, x, p=None) -> np.ndarray:
        """True rates ``f(x)``: ``x`` of shape ``(n,)`` or ``(n, N)``."""
        x = np.asarray(x, dtype=float)
        return stack_values(self._f(list(x), self._p(p)))

    def residual(self, x, p=None) -> np.ndarray:
        """The smooth root system at ``x`` (zero exactly where :meth:`rate` is)."""
        x = np.asarray(x, dtype=float)
        return stack_values(self._h(list(x), self._p(p)))

    def root_jacobian(self, x, p=None) -> np.ndarray:
        """Jacobian of the root system, shape ``(n, n)`` (or ``(n, n, N)``)."""
        x = np.asarray(x, dtype=float)
        rows = self._jh(list(x), self._p(p))
        return stack_rows(rows)

    def param_jacobian(self, x, p=None) -> np.ndarray:
        """Derivative of the root system with respect to ``params``, shape ``(n, k)``."""
        rows = self._hp(list(np.asarray(x, dtype=float)), self._p(p))
        return stack_rows(rows)

    def jacobians(self, x, p=None) -> list[np.ndarray]:
        """Jacobians of the true field at an equilibrium ``x``, one per side of each
        switch (a single matrix for a smooth field).

        At an equilibrium every root vanishes, so the derivative of
        ``root * scale`` is ``scale * d(root)``: each variant scales the rows of the
        root Jacobian by one choice of positive factor per row.
        """
        jr = self.root_jacobian(x, p)
        scales = self._scales(list(np.asarray(x, dtype=float)), self._p(p))
        options = [np.atleast_1d(np.asarray(s, dtype=float)) for s in scales]
        out = []
        for choice in itertools.product(*options):
            out.append(np.asarray(choice)[:, None] * jr)
        return out

    def evaluate(self, name: str, x, p=None) -> np.ndarray:
        """Value of a state or an auxiliary output at state(s) ``x``."""
        if name in self.states:
            return np.asarray(x, dtype=float)[self.index(name)]
        if name not in self.auxiliaries:
            raise KeyError(f"unknown output {name!r}; choose a state "
                           f"({', '.join(self.states)}) or an auxiliary of the model")
        fn = self._aux_fns.get(name)
        if fn is None:
            fn = self._aux_fns[name] = self._lambdify(self.auxiliaries[name])
        x = np.asarray(x, dtype=float)
        val = np.asarray(fn(list(x), self._p(p)), dtype=float)
        return np.broadcast_to(val, x.shape[1:]).copy() if x.ndim > 1 else val

    @cached_property
    def _aux_fns(self) -> dict:
        return {}

    # ----------------------------------------------------------- derived fields
    def restrict(self, free: Sequence[str], fixed: Mapping[str, float]) -> VectorField:
        """The field of the ``free`` states with every other state held fixed.

        Parameters
        ----------
        free : sequence of str
            States that stay dynamic.
        fixed : mapping
            Values of all the other states.
        """
        idx = [self.index(s) for s in free]
        missing = [s for s in self.states if s not in free and s not in fixed]
        if missing:
            raise KeyError(f"values needed for the held states {missing}")
        sub = {sp.Symbol(s, real=True): float(fixed[s]) for s in self.states if s not in free}
        return VectorField(
            name=self.name, states=tuple(free),
            rates=[self.rates[i].xreplace(sub) for i in idx],
            roots=[self.roots[i].xreplace(sub) for i in idx],
            row_scales=[tuple(sp.sympify(s).xreplace(sub) for s in self.row_scales[i])
                        for i in idx],
            lower=self.lower[idx].copy(), upper=self.upper[idx].copy(), params=self.params,
            param_values=dict(self.param_values),
            auxiliaries={k: v.xreplace(sub) for k, v in self.auxiliaries.items()},
            assumptions=self.assumptions + "; other stocks held fixed")

    def with_params(self, **values: float) -> VectorField:
        """A copy with other default values of the symbolic parameters."""
        bad = [k for k in values if k not in self.params]
        if bad:
            raise KeyError(f"{bad} are not symbolic parameters of this field "
                           f"({list(self.params)})")
        new = VectorField(self.name, self.states, self.rates, self.roots, self.row_scales,
                          self.lower, self.upper, self.params,
                          {**self.param_values, **values}, self.auxiliaries, self.assumptions)
        for attr in ("_f", "_h", "_jh", "_hp", "_scales", "_aux_fns"):
            if attr in self.__dict__:
                new.__dict__[attr] = self.__dict__[attr]
        return new


# ----------------------------------------------------------------- construction
def split_switch(rate: sp.Expr, states: set[sp.Symbol]) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
    """Write ``rate = root * scale`` with ``scale`` a state-switched positive Piecewise.

    Returns ``(rate, (1,))`` for a smooth rate.
    """
    switches = [pw for pw in rate.atoms(sp.Piecewise)
                if any(c.free_symbols & states for _, c in pw.args)]
    if not switches:
        return rate, (sp.Integer(1),)
    if len(switches) > 1:
        raise NotImplementedError(f"more than one state switch in a rate: {switches}")
    pw = switches[0]
    z = sp.Dummy("z")
    rz = rate.xreplace({pw: z})
    if rz.xreplace({z: 0}) != 0 or sp.diff(rz, z, 2) != 0:
        raise NotImplementedError("a switched rate must be proportional to its switch")
    branches = tuple(e for e, _ in pw.args)
    if any(b.free_symbols & states for b in branches):
        raise NotImplementedError("switch branches must not depend on the state")
    return sp.diff(rz, z), branches


def _resolve(model, expr: sp.Expr, overrides: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    defs = dict(model.definitions)
    defs.update(overrides)
    for _ in range(len(defs) + 1):
        new = expr.xreplace(defs)
        if new == expr:
            return new
        expr = new
    raise ValueError("could not resolve expression")


def _check_params(params: Sequence[str]) -> None:
    for p in params:
        if p not in PARAMETERS:
            raise KeyError(f"unknown parameter {p!r}; choose one of the registry: "
                           f"{', '.join(PARAMETERS)}")


def autonomous_system(scenario, params: Sequence[str] = (),
                      param_ranges: Mapping[str, tuple[float, float]] | None = None,
                      **values: float) -> VectorField:
    """The event-free, averaged vector field of a scenario.

    Parameters
    ----------
    scenario : path, dict or Scenario
        Its context, levers and mechanism constants are used; events are ignored,
        and so are ``lever_changes`` (the levers keep their initial values).
    params : sequence of str
        Registry parameters kept symbolic (for continuation).
    param_ranges : mapping, optional
        Range of each symbolic parameter, used to size the box of the unbounded
        stocks (default: the registry bounds).
    **values : float
        Overrides of registry values (validated by :meth:`Scenario.with_values`).

    Returns
    -------
    VectorField
        Thirteen states (all stocks but ``time_below_critical``).
    """
    sc: Scenario = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    _check_params(params)
    model = build_model()
    sym = model.symbols
    consts = sc.constants()
    keep = set(params)
    subs = {sym[k]: float(v) for k, v in consts.items() if k not in keep}
    subs.update({sym[i.name]: 0.0 for i in model.inputs})
    interval = sym["evaluation_interval"] if "evaluation_interval" in keep \
        else consts["evaluation_interval"]
    duration = sym["evaluation_round_duration"] if "evaluation_round_duration" in keep \
        else consts["evaluation_round_duration"]
    overrides = {sym["active"]: sp.Integer(1), sym["dissolved"]: sp.Integer(0),
                 sym["evaluation_round_active"]: sp.sympify(duty_cycle(interval, duration))}

    states = tuple(s.name for s in model.stocks if s.name not in EXCLUDED_STOCKS)
    xs = {sym[s] for s in states}
    rates, roots, scales = [], [], []
    for s in states:
        r = _resolve(model, model.net_rate(s), overrides).xreplace(subs)
        if TIME in r.free_symbols:
            raise ValueError(f"the rate of {s} still depends on time")
        extra = r.free_symbols - xs - {sym[p] for p in params}
        if extra:
            raise ValueError(f"the rate of {s} depends on excluded symbols {extra}")
        root, sc_ = split_switch(r, xs)
        rates.append(r)
        roots.append(root)
        scales.append(sc_)
    aux = {}
    for name in model.computation_order:
        if name in ("active", "dissolved", "evaluation_round_active"):
            continue
        e = _resolve(model, sym[name], overrides).xreplace(subs)
        if TIME in e.free_symbols or e.free_symbols - xs - {sym[p] for p in params}:
            continue
        aux[name] = e
    aux["evaluation_duty_cycle"] = sp.sympify(duty_cycle(interval, duration))

    pvals = {p: float(consts[p]) for p in params}
    ranges = dict(param_ranges or {})
    for p in params:
        ranges.setdefault(p, (PARAMETERS[p].lower, PARAMETERS[p].upper))
    lower, upper = _state_box(model, states, roots, params, pvals, ranges)
    return VectorField(name=sc.name, states=states, rates=rates, roots=roots,
                       row_scales=scales, lower=lower, upper=upper, params=tuple(params),
                       param_values=pvals, auxiliaries=aux, assumptions=ASSUMPTIONS)


def _state_box(model, states, roots, params, pvals, ranges, n_samples: int = 4096,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of each state; for an unbounded stock, the range of its equilibrium
    value ``x* = -b/a`` (its rate is ``a x + b``) over the box of the others."""
    stock = {s.name: s for s in model.stocks}
    n = len(states)
    lower = np.array([stock[s].lower if stock[s].lower is not None else np.nan
                      for s in states], dtype=float)
    upper = np.array([stock[s].upper if stock[s].upper is not None else np.nan
                      for s in states], dtype=float)
    xs = [sp.Symbol(s, real=True) for s in states]
    ps = [sp.Symbol(p, real=True) for p in params]
    rng_box = qmc.LatinHypercube(d=n + len(params), seed=seed).random(n_samples)
    pending = [i for i in range(n) if np.isnan(lower[i])]
    for _ in range(len(pending) + 1):
        if not pending:
            break
        for i in list(pending):
            a = sp.diff(roots[i], xs[i])
            if a.free_symbols & set(xs) or sp.diff(roots[i], xs[i], 2) != 0:
                raise NotImplementedError(f"unbounded stock {states[i]} is not linear "
                                          "goal-seeking; give it bounds")
            b = roots[i].xreplace({xs[i]: 0})
            deps = [j for j, x in enumerate(xs) if x in b.free_symbols]
            if any(np.isnan(lower[j]) for j in deps):
                continue
            fn = sp.lambdify([xs, ps], -b / a, "numpy")
            pts = [lower[j] + rng_box[:, j] * (upper[j] - lower[j]) if not np.isnan(lower[j])
                   else np.zeros(n_samples) for j in range(n)]
            pv = []
            for k, p in enumerate(params):
                lo, hi = ranges[p]
                pv.append(lo + rng_box[:, n + k] * (hi - lo))
            vals = np.broadcast_to(np.asarray(fn(pts, pv), dtype=float), (n_samples,))
            lo, hi = float(np.min(vals)), float(np.max(vals))
            pad = 0.1 * (hi - lo) + 1e-3
            lower[i], upper[i] = lo - pad, hi + pad
            pending.remove(i)
    if pending:
        raise NotImplementedError(f"cannot bound the stocks {[states[i] for i in pending]}")
    return lower, upper


def initial_state(scenario, system: VectorField, **values: float) -> np.ndarray:
    """The scenario's initial stock values, in the order of ``system.states``."""
    sc = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    model = build_model()
    sym = model.symbols
    subs = {sym[k]: sp.Float(v) for k, v in sc.constants().items()}
    subs.update({sym[i.name]: sp.Float(0) for i in model.inputs})
    subs[TIME] = sp.Float(0)
    exprs = {s.name: sp.sympify(model.resolve(model.resolved_initial(s.name))).xreplace(subs)
             for s in model.stocks}
    known: dict[sp.Symbol, sp.Float] = {}
    for _ in range(len(exprs) + 1):
        for name, e in exprs.items():
            v = sp.sympify(e).xreplace(known)
            if not v.free_symbols:
                known[sym[name]] = sp.Float(v)
        if len(known) == len(exprs):
            break
    else:
        raise ValueError("initial values are circular")
    return np.array([float(known[sym[s]]) for s in system.states])


def integrate(system: VectorField, x0, t_end: float, dt: float = 0.25, p=None,
              t_save: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Integrate ``system`` with classical fourth-order Runge-Kutta at a fixed step.

    Parameters
    ----------
    system : VectorField
    x0 : array of shape ``(n,)`` or ``(n, N)``
        Start(s); several starts are integrated together (vectorised).
    t_end, dt : float
        Horizon and step (months).
    p : parameter values, optional
    t_save : sequence of float, optional
        Times to return (default: every step).

    Returns
    -------
    t : numpy.ndarray
    x : numpy.ndarray of shape ``(len(t), n[, N])``
    """
    x = np.array(x0, dtype=float)
    steps = int(np.ceil(t_end / dt - 1e-9))
    h = t_end / steps if steps else 0.0
    times = np.arange(steps + 1) * h
    save = times if t_save is None else np.asarray(t_save, dtype=float)
    save_idx = set(np.clip(np.round(save / h).astype(int), 0, steps)) if steps else {0}
    out_t, out_x = [], []
    for k in range(steps + 1):
        if k in save_idx:
            out_t.append(times[k])
            out_x.append(x.copy())
        if k == steps:
            break
        k1 = system.rate(x, p)
        k2 = system.rate(x + 0.5 * h * k1, p)
        k3 = system.rate(x + 0.5 * h * k2, p)
        k4 = system.rate(x + h * k3, p)
        x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return np.asarray(out_t), np.asarray(out_x)
