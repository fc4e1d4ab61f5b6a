"""All equilibria of a bounded vector field: multistart root finding, deduplicated.

Starts are a Latin hypercube over the field's box (explicit seed); all starts are
driven together to roots of the smooth root system by damped Newton steps with the
symbolic Jacobian, kept inside the box; starts where Newton stalls (against a
bound) are retried with a bounded trust-region solver
(:func:`scipy.optimize.least_squares`). A root is kept if its residual is below tolerance and it
lies in the box; roots closer than a tolerance (relative to the box) are merged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from scipy.stats import qmc

from .autonomous import VectorField
from .stability import Stability, classify

RESIDUAL_TOL = 1e-9
"""Largest accepted ``max |f(x*)|`` of a reported equilibrium."""


@dataclass(frozen=True)
class Equilibrium:
    """One equilibrium of a :class:`VectorField`.

    Attributes
    ----------
    x : numpy.ndarray
        State at the equilibrium (order of ``states``).
    states : tuple of str
    residual : float
        ``max |f(x)|`` of the true rates there.
    stability : Stability
    """

    x: np.ndarray
    states: tuple[str, ...]
    residual: float
    stability: Stability

    @property
    def type(self) -> str:
        return self.stability.type

    @property
    def stable(self) -> bool:
        return self.stability.stable

    def __getitem__(self, name: str) -> float:
        return float(self.x[self.states.index(name)])


def _starts(system: VectorField, n: int, seed: int) -> np.ndarray:
    u = qmc.LatinHypercube(d=system.n, seed=seed).random(n)
    return system.lower + u * (system.upper - system.lower)


def _newton_polish(system: VectorField, x: np.ndarray, p, steps: int = 4) -> np.ndarray:
    for _ in range(steps):
        r = system.residual(x, p)
        if np.max(np.abs(r)) < 1e-14:
            break
        try:
            dx = np.linalg.solve(system.root_jacobian(x, p), -r)
        except np.linalg.LinAlgError:
            break
        x_new = x + dx
        if np.max(np.abs(system.residual(x_new, p))) >= np.max(np.abs(r)):
            break
        x = x_new
    return x


def newton_many(system: VectorField, X0: np.ndarray, p=None, max_iter: int = 60,
                tol: float = RESIDUAL_TOL * 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Damped Newton on many starts at once (columns of ``X0``), kept in the box.

    Returns the end points and a mask of those that converged to a root in the box
    (``max |f| <= RESIDUAL_TOL``).
    """
    lo, hi = system.lower[:, None], system.upper[:, None]
    X = np.clip(np.array(X0, dtype=float), lo, hi)
    r = system.residual(X, p)
    norm = np.sqrt(np.sum(r**2, axis=0))
    for _ in range(max_iter):
        active = norm > tol
        if not active.any():
            break
        idx = np.flatnonzero(active)
        J = np.moveaxis(system.root_jacobian(X[:, idx], p), -1, 0)
        with np.errstate(all="ignore"):
            try:
                dx = np.linalg.solve(J, -r[:, idx].T[..., None])[..., 0].T
            except np.linalg.LinAlgError:
                dx = np.stack([np.linalg.lstsq(j, -rr, rcond=None)[0]
                               for j, rr in zip(J, r[:, idx].T)], axis=1)
        dx = np.where(np.isfinite(dx), dx, 0.0)
        # fraction to the boundary: iterates stay inside the box (roots on a bound
        # are approached geometrically)
        xi = X[:, idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(dx > 0, (hi - xi) / dx, np.where(dx < 0, (lo - xi) / dx, np.inf))
        alpha = np.minimum(1.0, 0.995 * np.min(room, axis=0))
        alpha = np.where(alpha > 0, alpha, 1.0)
        best_x, best_r, best_n = X[:, idx], r[:, idx], norm[idx]
        improved = np.zeros(idx.size, dtype=bool)
        for _ in range(10):
            trial = np.clip(X[:, idx] + alpha * dx, lo, hi)
            with np.errstate(all="ignore"):
                rt = system.residual(trial, p)
            nt = np.sqrt(np.sum(rt**2, axis=0))
            better = np.isfinite(nt) & (nt < best_n) & ~improved
            best_x = np.where(better, trial, best_x)
            best_r = np.where(better, rt, best_r)
            best_n = np.where(better, nt, best_n)
            improved |= better
            if improved.all():
                break
            alpha = np.where(improved, alpha, alpha / 2)
        X[:, idx], r[:, idx], norm[idx] = best_x, best_r, best_n
        if not improved.any():
            break
    rates = system.rate(X, p)
    ok = (np.max(np.abs(rates), axis=0) <= RESIDUAL_TOL) & np.all(X >= lo, axis=0) \
        & np.all(X <= hi, axis=0)
    return X, ok


def solve_from(system: VectorField, x0, p=None) -> np.ndarray | None:
    """One bounded root-finding run from ``x0``; ``None`` if it does not converge."""
    lo, hi = system.lower, system.upper
    x0 = np.clip(np.asarray(x0, dtype=float), lo + 1e-12 * (hi - lo), hi - 1e-12 * (hi - lo))
    res = least_squares(lambda x: system.residual(x, p),
                        x0, jac=lambda x: system.root_jacobian(x, p),
                        bounds=(lo, hi), method="trf", xtol=1e-13, ftol=1e-13, gtol=1e-13,
                        max_nfev=200)
    x = _newton_polish(system, res.x, p)
    if not in_bounds(system, x):
        x = res.x
    if np.max(np.abs(system.rate(x, p))) > RESIDUAL_TOL or not in_bounds(system, x):
        return None
    return x


def in_bounds(system: VectorField, x, tol: float = 1e-9) -> bool:
    """``x`` lies in the field's box (to ``tol`` relative to the box)."""
    span = system.upper - system.lower
    return bool(np.all(x >= system.lower - tol * span) and np.all(x <= system.upper + tol * span))


def deduplicate(points: list[np.ndarray], system: VectorField,
                tol: float = 1e-6) -> list[np.ndarray]:
    """Merge points closer than ``tol`` (relative to the box) in every coordinate."""
    span = system.upper - system.lower
    kept: list[np.ndarray] = []
    for x in points:
        if not any(np.all(np.abs(x - k) <= tol * span) for k in kept):
            kept.append(x)
    return kept


def find_equilibria(system: VectorField, n_starts: int = 96, seed: int = 0, p=None,
                    extra_starts: np.ndarray | None = None, dedup_tol: float = 1e-6,
                    max_fallback: int = 16) -> list[Equilibrium]:
    """Every equilibrium of ``system`` that multistart root finding reaches.

    Parameters
    ----------
    system : VectorField
    n_starts : int
        Latin-hypercube starts in the box.
    seed : int
        Seed of the Latin hypercube (same seed, same result).
    p : parameter values, optional
        For a field with symbolic parameters.
    extra_starts : array of shape (m, n), optional
        Further starting points (e.g. a simulation's end state).
    dedup_tol : float
        Points closer than this (relative to the box) are one equilibrium.
    max_fallback : int
        Starts where vectorised Newton stalls (typically against a bound) are
        retried, up to this many, with the bounded trust-region solver.

    Returns
    -------
    list of Equilibrium
        Sorted by decreasing value of the first state that differs, so the same
        equilibria come in the same order.
    """
    starts = _starts(system, n_starts, seed)
    if extra_starts is not None:
        starts = np.vstack([np.atleast_2d(extra_starts), starts])
    xs, ok = newton_many(system, starts.T, p)
    roots = [xs[:, k] for k in np.flatnonzero(ok)]
    failed = np.flatnonzero(~ok)[:max_fallback]
    roots += [x for x in (solve_from(system, starts[k], p) for k in failed) if x is not None]
    roots = deduplicate(roots, system, dedup_tol)
    roots.sort(key=lambda x: tuple(-np.round(x / (system.upper - system.lower), 6)))
    return [make_equilibrium(system, x, p) for x in roots]


def make_equilibrium(system: VectorField, x: np.ndarray, p=None) -> Equilibrium:
    """Wrap a root with its residual and stability."""
    return Equilibrium(x=np.asarray(x, dtype=float), states=system.states,
                       residual=float(np.max(np.abs(system.rate(x, p)))),
                       stability=classify(system.jacobians(x, p)))


def equilibria_table(system: VectorField, equilibria: list[Equilibrium],
                     outputs: tuple[str, ...] = (), p=None) -> pd.DataFrame:
    """A table of equilibria: type, stability, residual, leading eigenvalue and state.

    Parameters
    ----------
    system : VectorField
    equilibria : list of Equilibrium
    outputs : tuple of str
        Auxiliaries to add as columns (e.g. ``indicated_trust``).

    Returns
    -------
    pandas.DataFrame
        One row per equilibrium, indexed 1, 2, ...
    """
    rows = []
    for eq in equilibria:
        ev = eq.stability.eigenvalues
        row = {"type": eq.type, "stable": eq.stable,
               "unstable_dims": eq.stability.n_unstable,
               "max_residual": eq.residual,
               "leading_eigenvalue": complex(ev[0]) if ev.size else np.nan,
               "types_by_trust_side": " | ".join(eq.stability.side_types)}
        row.update({s: float(v) for s, v in zip(eq.states, eq.x)})
        for name in outputs:
            row[name] = float(system.evaluate(name, eq.x, p))
        rows.append(row)
    df = pd.DataFrame(rows)
    df.index = pd.RangeIndex(1, len(df) + 1, name="equilibrium")
    return df


__all__ = ["Equilibrium", "Stability", "deduplicate", "equilibria_table", "find_equilibria",
           "in_bounds", "make_equilibrium", "solve_from"]
