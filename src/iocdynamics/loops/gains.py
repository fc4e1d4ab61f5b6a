"""Loop gains and eigenvalue elasticities at an equilibrium.

At a point ``x*`` every link ``u -> v`` has a gain ``dv/du`` (the sympy partial
derivative of ``v``'s equation; ``+1``/``-1`` for an inflow/outflow). Then:

* the **state Jacobian** ``J[i, j] = d(net rate of stock i) / d(stock j)`` is
  the sum over every path from stock ``j`` to stock ``i`` of the product of its
  link gains (forward-mode chain rule through the auxiliaries);
* the **loop gain** of a feedback loop is the product of its link gains
  (units ``1/Month**k`` for a loop through ``k`` stocks; Kampmann 2012);
* its **open-loop (static) gain** is the steady-state response that comes back
  round the loop, cut at one stock, when every other stock is held and each stock
  on the loop settles against its own decay: the product over the loop's segments
  ``stock j -> stock i`` of ``(segment gain) / (-J[i, i])`` -- dimensionless
  (for a loop through a single stock, ``J[i, i]`` less the loop's own gain). When
  the loop is the only one besides each stock's self-regulation, its open-loop
  gain reaching 1 makes ``det J`` vanish: a fold, the classical tipping point;
* the **total open-loop gain** ``G = 1 - det(-J) / prod(-J[i, i])`` combines every
  loop between the stocks: expanding ``det(I - K)`` (``K[i, j] = J[i, j] / -J[i, i]``
  off the diagonal) over sets of disjoint state cycles, ``G`` is the sum of the
  cycles' open-loop gains less the products of disjoint pairs, plus triples, ...
  With every stock self-regulating (``J[i, i] < 0``), ``G < 1`` at a stable node,
  ``G > 1`` where an odd number of eigenvalues is positive (a saddle), and ``G``
  crosses 1 exactly where ``det J`` vanishes: a fold, the tipping point;
* the **eigenvalue elasticity** of ``lambda`` with respect to a gain ``g`` is
  ``(g / lambda) d lambda / d g``. For a link of the state graph (an entry of
  ``J``) it is ``J_ij w_i v_j / (lambda w.v)`` with ``w``, ``v`` the left and
  right eigenvectors. For a cycle ``c`` of the state graph with gain ``G_c``
  (Kampmann & Oliva), expanding ``det(lambda I - J)`` over sets of disjoint
  cycles gives ``G_c det(lambda I - J[-c]) / (lambda p'(lambda))``, where
  ``J[-c]`` drops the cycle's stocks and ``p`` is the characteristic polynomial;
  the elasticities of the cycles through a link add up to the link's. A model
  loop gets the share ``g_loop / G_c`` of its state cycle's elasticity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .graph import Loop, LoopGraph
from .ltm import Equations


# ------------------------------------------------------------- linear algebra
def char_poly_derivative(J: np.ndarray, lam: complex) -> complex:
    """``p'(lambda)`` of ``p(lambda) = det(lambda I - J)``: the sum of the principal
    minors of ``lambda I - J`` of order ``n - 1``."""
    n = J.shape[0]
    M = lam * np.eye(n) - J
    return complex(sum(_det_without(M, [i]) for i in range(n)))


def _det_without(M: np.ndarray, drop: Sequence[int]) -> complex:
    keep = [i for i in range(M.shape[0]) if i not in set(drop)]
    if not keep:
        return 1.0
    return complex(np.linalg.det(M[np.ix_(keep, keep)]))


def cycle_gain(J: np.ndarray, cycle: Sequence[int]) -> float:
    """Gain of the state-graph cycle visiting ``cycle`` (stock indices) in causal
    order: the product of ``J[next, this]``."""
    g = 1.0
    for k, j in enumerate(cycle):
        i = cycle[(k + 1) % len(cycle)]
        g *= J[i, j]
    return float(g)


def cycle_elasticity(J: np.ndarray, cycle: Sequence[int], lam: complex) -> complex:
    """Elasticity ``(G_c / lambda) d lambda / d G_c`` of eigenvalue ``lam`` with
    respect to the gain of the state cycle ``cycle``."""
    n = J.shape[0]
    M = lam * np.eye(n) - J
    den = lam * char_poly_derivative(J, lam)
    if not np.isfinite(den) or abs(den) <= 1e-300:
        return complex(np.nan, np.nan)      # repeated (or zero) eigenvalue: undefined
    return complex(cycle_gain(J, cycle) * _det_without(M, list(cycle)) / den)


def link_elasticities(J: np.ndarray, lam_index: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues and link elasticities ``E[k, i, j] = J_ij w_i v_j / (lambda_k w.v)``.

    Returns
    -------
    eigenvalues : (n,) complex, sorted by decreasing real part
    E : (n, n, n) complex
    """
    lam, V = np.linalg.eig(J)
    order = np.argsort(-lam.real, kind="stable")
    lam, V = lam[order], V[:, order]
    W = np.linalg.inv(V).T        # columns: left eigenvectors with w_k . v_k = 1
    E = np.empty((len(lam),) + J.shape, dtype=complex)
    for k in range(len(lam)):
        with np.errstate(divide="ignore", invalid="ignore"):   # lambda = 0: undefined
            E[k] = J * np.outer(W[:, k], V[:, k]) / lam[k]
    return lam, E


def total_open_loop_gain(J: np.ndarray) -> float:
    """``G = 1 - det(-J) / prod(-J[i, i])``: the combined open-loop gain of every loop
    between the stocks (see the module notes); ``nan`` if a stock has no
    self-regulation (``J[i, i] >= 0``)."""
    d = -np.diag(J)
    if np.any(d <= 0):
        return float("nan")
    K = J / d[:, None]                 # rows scaled: -1 on the diagonal
    return float(1.0 - np.linalg.det(-K))


def participation(J: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (decreasing real part, as :func:`link_elasticities`) and
    participation factors ``P[i, k] = Re(w_ik v_ik)`` (each column sums to 1): how
    much stock ``i`` takes part in mode ``k``. For a block-triangular Jacobian (one
    block per cycle partition) a mode's participation lies in its own block."""
    lam, V = np.linalg.eig(J)
    order = np.argsort(-lam.real, kind="stable")
    lam, V = lam[order], V[:, order]
    W = np.linalg.inv(V).T
    return lam, (W * V).real


# ----------------------------------------------------------- model structure
@dataclass
class GainPoint:
    """Link gains, the state Jacobian and loop gains at one point.

    Attributes
    ----------
    states : tuple of str
    jacobian : ndarray (n, n)
    link_gains : dict
        ``(source, target)`` -> gain, for every link of the graph among the
        variables with values.
    loops : tuple of Loop
        Loops through the states and defined auxiliaries only.
    """

    states: tuple[str, ...]
    jacobian: np.ndarray
    link_gains: dict[tuple[str, str], float]
    loops: tuple[Loop, ...]

    def loop_gain(self, loop: Loop) -> float:
        """Product of the link gains around ``loop``."""
        g = 1.0
        for e in loop.links:
            g *= self.link_gains[e]
        return g

    def segments(self, loop: Loop) -> list[tuple[str, str, float]]:
        """``(from stock, to stock, gain of the loop's path between them)``."""
        v = loop.variables
        out, g, start = [], 1.0, v[0]
        for k in range(len(v)):
            a, b = v[k], v[(k + 1) % len(v)]
            g *= self.link_gains[(a, b)]
            if b in self.states:
                out.append((start, b, g))
                start, g = b, 1.0
        return out

    def open_loop_gain(self, loop: Loop, own: float | None = None) -> float:
        """Static open-loop gain (dimensionless, see the module notes).

        For a loop through one stock the stock's own regulation excludes the loop
        itself (or ``own``, the summed gain of several such loops reported
        together); the gain is undefined (``nan``) when nothing else regulates it.
        """
        idx = {s: i for i, s in enumerate(self.states)}
        segs = self.segments(loop)
        if len(segs) == 1 and own is None:
            own = self.loop_gain(loop)
        own = own if len(segs) == 1 else 0.0
        out = 1.0
        for _, b, g in segs:
            d = -(self.jacobian[idx[b], idx[b]] - own)
            if abs(d) <= 1e-12 * max(1.0, abs(g)):
                return float("nan")
            out *= g / d
        return float(out)

    def state_cycle(self, loop: Loop) -> list[int]:
        idx = {s: i for i, s in enumerate(self.states)}
        return [idx[s] for s in loop.stocks]


def gain_point(graph: LoopGraph, values: Mapping[str, float], states: Sequence[str],
               equations: Equations | None = None) -> GainPoint:
    """Link gains and state Jacobian of ``graph``'s model at ``values``.

    Parameters
    ----------
    graph : LoopGraph
    values : mapping
        A value for every parameter, input, stock, auxiliary and flow the
        ``states``' rates depend on.
    states : sequence of str
        The stocks treated as the state (others are held at their values).
    """
    eqs = equations or Equations(graph)
    model = graph.model
    states = tuple(states)
    defined = set(values)
    gains: dict[tuple[str, str], float] = {}
    for (a, b), link in graph.links.items():
        if a not in defined or b not in defined:
            continue
        if link.integration:
            gains[(a, b)] = 1.0 if link.kind == "inflow" else -1.0
        else:
            d = eqs.evaluate_derivative(b, a, {k: values[k] for k in eqs.inputs(b)})
            gains[(a, b)] = 0.0 if d is None else float(d)
    # forward-mode chain rule: d(variable)/d(state j) for every variable
    n = len(states)
    deriv = {s: np.eye(n)[i] for i, s in enumerate(states)}
    for name in model.computation_order:
        if name not in defined:
            continue
        total = np.zeros(n)
        for u in eqs.inputs(name):
            if (u, name) in gains and u in deriv:
                total = total + gains[(u, name)] * deriv[u]
        deriv[name] = total
    J = np.zeros((n, n))
    for i, s in enumerate(states):
        for f in model.stock_flows(s):
            J[i] += (1.0 if f.direction == "in" else -1.0) * deriv.get(f.name, np.zeros(n))
    keep = tuple(lp for lp in graph.loops
                 if all(v in defined for v in lp.variables) and set(lp.stocks) <= set(states))
    return GainPoint(states=states, jacobian=J, link_gains=gains, loops=keep)


def elasticity_table(point: GainPoint, loops: Mapping[str, Sequence[Loop]],
                     n_eigen: int | None = None) -> pd.DataFrame:
    """Loop gains, open-loop gains and eigenvalue elasticities of named loops.

    Parameters
    ----------
    point : GainPoint
    loops : mapping
        Name -> the model loops reported under that name (gains and
        elasticities add up over them).
    n_eigen : int, optional
        Only the first eigenvalues (by decreasing real part).

    Returns
    -------
    DataFrame
        One row per (eigenvalue, name): ``eigenvalue``, the ``stock`` taking the
        largest part in its mode (participation factor), ``loop_gain``,
        ``open_loop_gain``, ``elasticity`` (complex) and its real part.
    """
    J = point.jacobian
    lam, P = participation(J)
    if n_eigen is not None:
        lam = lam[:n_eigen]
    rows = []
    for k, lk in enumerate(lam):
        stock = point.states[int(np.argmax(np.abs(P[:, k])))]
        for name, group in loops.items():
            gsum, osum, esum = 0.0, 0.0, 0j
            own: dict[str, float] = {}     # one-stock loops reported together
            for lp in group:
                if len(lp.stocks) == 1:
                    own[lp.stocks[0]] = own.get(lp.stocks[0], 0.0) + point.loop_gain(lp)
            done: set[str] = set()
            for lp in group:
                g = point.loop_gain(lp)
                cyc = point.state_cycle(lp)
                G = cycle_gain(J, cyc)
                share = g / G if G != 0 else 0.0
                gsum += g
                if len(lp.stocks) == 1:
                    if lp.stocks[0] not in done:     # the group's self-loops as one
                        done.add(lp.stocks[0])
                        one = point.open_loop_gain(lp, own[lp.stocks[0]])
                        osum += one * own[lp.stocks[0]] / g if g else np.nan
                else:
                    osum += point.open_loop_gain(lp)
                esum += share * cycle_elasticity(J, cyc, lk)
            rows.append({"eigen_index": k + 1, "eigenvalue": complex(lk), "stock": stock,
                         "name": name,
                         "loop_gain": gsum, "open_loop_gain": osum, "elasticity": esum,
                         "elasticity_real": esum.real})
    return pd.DataFrame(rows)


# ------------------------------------------------------------- the scenario
EQUILIBRIUM_TOL = 1e-7
"""Largest rate (per month) at a state given to :func:`loop_gains_at`."""

@dataclass
class EquilibriumGains:
    """Loop gains and elasticities at each equilibrium of a scenario's autonomous field.

    Attributes
    ----------
    equilibria : list
        :class:`iocdynamics.analysis.Equilibrium` objects.
    points : list of GainPoint
        One per equilibrium.
    sides : list of int
        Which Jacobian variant of the field (side of its switches) the link gains
        reproduce at each equilibrium (0: the first, e.g. trust building).
    table : DataFrame
        Every equilibrium x eigenvalue x named loop (see :func:`elasticity_table`),
        with the equilibrium's number, type, total open-loop gain ``G``, stock
        values, and the cycle ``partition`` of the stock leading each mode.
    """

    equilibria: list
    points: list[GainPoint]
    sides: list[int]
    table: pd.DataFrame

    def slowest(self, stock: str = "trust") -> pd.DataFrame:
        """Rows of the slowest mode (largest real part) of each equilibrium among
        the modes led by a stock of ``stock``'s cycle partition: the eigenvalue
        that decides whether that feedback system is stable there."""
        t = self.table
        part = t.loc[t["stock"] == stock, "partition"]
        if part.empty:
            raise ValueError(f"no mode is led by a stock of {stock!r}'s partition")
        core = t[t["partition"] == part.iloc[0]]
        first = core.groupby("equilibrium")["eigen_index"].transform("min")
        return core[core["eigen_index"] == first].reset_index(drop=True)


def _autonomous_values(graph: LoopGraph, system, x, constants, eqs: Equations) -> dict:
    """Every variable's value at state ``x`` under the field's approximation: events
    off, stocks outside the state at 0, auxiliaries as the field defines them, the
    others from the model's equations (the evaluation rounds at their duty cycle)."""
    model = graph.model
    values: dict[str, float] = {k: float(v) for k, v in constants.items()}
    values.update({i.name: 0.0 for i in model.inputs})
    values["time"] = 0.0
    values.update({s.name: 0.0 for s in model.stocks})
    values.update({s: float(v) for s, v in zip(system.states, x)})
    for name in model.computation_order:
        if name in system.auxiliaries:
            values[name] = float(system.evaluate(name, x))
        else:
            values[name] = float(eqs.evaluate(name, {a: values[a] for a in eqs.inputs(name)}))
    if "evaluation_duty_cycle" in system.auxiliaries:
        values["evaluation_round_active"] = float(system.evaluate("evaluation_duty_cycle", x))
    return values


def _gains_at(graph: LoopGraph, eqs: Equations, names, system, x, constants,
              n_eigen: int | None, where: str) -> tuple[GainPoint, int, pd.DataFrame]:
    """Gain point, matching Jacobian variant and elasticity table at state ``x``."""
    field_vars = set(system.states) | set(system.auxiliaries)
    vals = _autonomous_values(graph, system, x, constants, eqs)
    pt = gain_point(graph, vals, system.states, eqs)
    pt.loops = tuple(lp for lp in pt.loops if set(lp.variables) <= field_vars)
    variants = system.jacobians(np.asarray(x, float))
    match = [k for k, Jv in enumerate(variants)
             if np.allclose(pt.jacobian, Jv, rtol=1e-7, atol=1e-10)]
    if not match:
        err = min(np.max(np.abs(pt.jacobian - Jv)) for Jv in variants)
        raise ValueError(f"{where}: the Jacobian from the link gains differs from the "
                         f"field's by {err:.3g}; the loop structure and the autonomous "
                         "field disagree")
    groups = {n.name: [lp for lp in n.loops if lp in pt.loops] for n in names}
    groups = {k: v for k, v in groups.items() if v}
    df = elasticity_table(pt, groups, n_eigen)
    df.insert(0, "G", total_open_loop_gain(pt.jacobian))
    df.insert(df.columns.get_loc("stock") + 1, "partition",
              [graph.partitions[s] for s in df["stock"]])
    for s in ("trust", "faith", "collaborative_behaviour"):
        if s in system.states:
            df[s] = float(x[system.states.index(s)])
    return pt, match[0], df


def loop_gains_at(scenario, x, named=None, n_eigen: int | None = 3,
                  **values: float) -> tuple[GainPoint, pd.DataFrame]:
    """Loop gains, total open-loop gain and eigenvalue elasticities of the named
    loops at an equilibrium ``x`` of a scenario's event-free field -- e.g. a fold found
    by :func:`iocdynamics.analysis.continuation` (pass its parameter value in
    ``values``).

    Parameters
    ----------
    scenario : path, dict or Scenario
    x : array
        An equilibrium of the field (order of its ``states``).
    named : path, optional
        Named-loops TOML (default: the model's).
    n_eigen : int, optional
        Eigenvalues to report (largest real part first); ``None`` for all.
    **values : float
        Overrides of model constants.

    Returns
    -------
    GainPoint, DataFrame
        The table as :attr:`EquilibriumGains.table` (one row per eigenvalue and
        named loop).
    """
    from ..analysis.autonomous import autonomous_system
    from ..scenario import load_scenario
    from .named import load_named_loops
    from .scores import model_graph

    sc = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    graph = model_graph()
    system = autonomous_system(sc)
    x = np.asarray(x, float)
    if x.shape != (len(system.states),):
        raise ValueError(f"x: expected {len(system.states)} values (the states "
                         f"{', '.join(system.states)}), got shape {x.shape}")
    res = float(np.max(np.abs(system.rate(x))))
    if not res <= EQUILIBRIUM_TOL:
        raise ValueError(f"x is not an equilibrium of {sc.name!r}'s field (largest rate "
                         f"{res:.3g} > {EQUILIBRIUM_TOL:g}); the field's Jacobian that the "
                         "gains are checked against holds at equilibria only")
    pt, _, df = _gains_at(graph, Equations(graph), load_named_loops(graph, named), system,
                          x, sc.constants(), n_eigen, f"{sc.name!r} at the given state")
    return pt, df


def equilibrium_loop_gains(scenario, named=None, n_eigen: int | None = 3,
                           **values: float) -> EquilibriumGains:
    """Open-loop gains and eigenvalue elasticities of the named loops at every
    equilibrium of a scenario (its event-free field, :mod:`iocdynamics.analysis`).

    Parameters
    ----------
    scenario : path, dict or Scenario
    named : path, optional
        Named-loops TOML (default: the model's).
    n_eigen : int, optional
        Eigenvalues to report per equilibrium (largest real part first); ``None``
        for all.
    **values : float
        Overrides of model constants.

    Raises
    ------
    ValueError
        If the Jacobian assembled from the link gains matches none of the field's
        (the two descriptions of the model would disagree).
    """
    from ..analysis.autonomous import autonomous_system
    from ..analysis.equilibria import find_equilibria
    from ..scenario import load_scenario
    from .named import load_named_loops
    from .scores import model_graph

    sc = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    graph = model_graph()
    eqs = Equations(graph)
    names = load_named_loops(graph, named)
    system = autonomous_system(sc)
    eqa = find_equilibria(system)
    points, sides, frames = [], [], []
    for n_eq, eq in enumerate(eqa, 1):
        pt, side, df = _gains_at(graph, eqs, names, system, eq.x, sc.constants(), n_eigen,
                                 f"equilibrium {n_eq} of {sc.name!r}")
        df.insert(0, "equilibrium", n_eq)
        df.insert(1, "type", eq.type)
        points.append(pt)
        sides.append(side)
        frames.append(df)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return EquilibriumGains(equilibria=eqa, points=points, sides=sides, table=table)
