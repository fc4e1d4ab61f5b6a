"""Quasi-steady state: the other stocks at equilibrium given two chosen stocks.

For a pair of *slow* states (default trust and faith), every other (*fast*)
state is solved from its own equilibrium condition with the two held fixed: a
short relaxation of the fast subsystem (fourth-order Runge-Kutta) gives the
attracting solution approximately, Newton steps on the smooth root system make
it exact. Everything is vectorised over many ``(x, y)`` points at once.

The equilibria of the reduced two-stock field ``(x, y) -> (f_x, f_y)(x, y,
fast*(x, y))`` are exactly the equilibria of the full field (both conditions are
``f = 0``). Its stability need not be the full model's when the eliminated stocks
are not much faster than the two kept; :func:`reduced_jacobian` gives the
reduced linearisation (the Schur complement of the full Jacobian).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from .autonomous import VectorField, stack_rows, stack_values


@dataclass
class QuasiSteadyState:
    """Fast states of ``system`` at equilibrium given the ``slow`` pair.

    Parameters
    ----------
    system : VectorField
    slow : tuple of str
        The states kept (two, usually ``("trust", "faith")``).
    p : parameter values, optional
    relax_time, relax_step : float
        Relaxation of the fast subsystem before Newton (months).
    """

    system: VectorField
    slow: tuple[str, ...] = ("trust", "faith")
    p: object = None
    relax_time: float = 120.0
    relax_step: float = 1.0

    @cached_property
    def slow_idx(self) -> list[int]:
        return [self.system.index(s) for s in self.slow]

    @cached_property
    def fast_idx(self) -> list[int]:
        return [i for i in range(self.system.n) if i not in self.slow_idx]

    @cached_property
    def _fast_fns(self):
        s = self.system
        rows = [s.roots[i] for i in self.fast_idx]
        xs = [s.x_symbols[i] for i in self.fast_idx]
        args = [s.x_symbols, s.p_symbols]
        h = sp.lambdify(args, rows, "numpy", cse=True)
        j = sp.lambdify(args, sp.Matrix(rows).jacobian(xs).tolist(), "numpy", cse=True)
        f = sp.lambdify(args, [s.rates[i] for i in self.fast_idx], "numpy", cse=True)
        return f, h, j

    def _full(self, slow_values: np.ndarray, fast: np.ndarray) -> np.ndarray:
        X = np.empty((self.system.n,) + fast.shape[1:])
        X[self.slow_idx] = slow_values
        X[self.fast_idx] = fast
        return X

    def solve(self, slow_values, guess: np.ndarray | None = None,
              tol: float = 1e-11, max_iter: int = 30) -> np.ndarray:
        """Full states with the fast part at quasi-steady state.

        Parameters
        ----------
        slow_values : array of shape ``(2, N)``
            Values of the slow states.
        guess : array of shape ``(n, N)``, optional
            Start for Newton (e.g. the previous solution); if absent the fast
            subsystem is first relaxed from the middle of its box.

        Returns
        -------
        numpy.ndarray of shape ``(n, N)``
            Columns where Newton did not converge are NaN.
        """
        s = self.system
        f, h, j = self._fast_fns
        pv = s._p(self.p)
        slow_values = np.atleast_2d(np.asarray(slow_values, dtype=float))
        N = slow_values.shape[1]
        lo = s.lower[self.fast_idx][:, None]
        hi = s.upper[self.fast_idx][:, None]
        if guess is None:
            fast = np.broadcast_to((lo + hi) / 2, (len(self.fast_idx), N)).copy()
            dt = self.relax_step
            with np.errstate(all="ignore"):
                for _ in range(int(round(self.relax_time / dt))):
                    def rate(y):
                        return stack_values(f(list(self._full(slow_values, y)), pv))
                    k1 = rate(fast)
                    k2 = rate(fast + 0.5 * dt * k1)
                    k3 = rate(fast + 0.5 * dt * k2)
                    k4 = rate(fast + dt * k3)
                    fast = np.clip(fast + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4), lo, hi)
        else:
            fast = np.array(np.asarray(guess, dtype=float)[self.fast_idx])
        with np.errstate(all="ignore"):
            for _ in range(max_iter):
                X = self._full(slow_values, fast)
                r = stack_values(h(list(X), pv))
                r = np.broadcast_to(r, fast.shape)
                if np.all(np.max(np.abs(r), axis=0) <= tol):
                    break
                J = np.moveaxis(np.broadcast_to(stack_rows(j(list(X), pv)),
                                                (fast.shape[0],) * 2 + (N,)), -1, 0)
                try:
                    dx = np.linalg.solve(J, -r.T[..., None])[..., 0].T
                except np.linalg.LinAlgError:
                    dx = np.stack([np.linalg.lstsq(a, -b, rcond=None)[0]
                                   for a, b in zip(J, r.T)], axis=1)
                fast = fast + np.where(np.isfinite(dx), dx, 0.0)
            X = self._full(slow_values, fast)
            r = np.broadcast_to(stack_values(h(list(X), pv)), fast.shape)
        bad = ~np.all(np.abs(r) <= 1e-8, axis=0)
        X[:, bad] = np.nan
        return X

    def field(self, slow_values, guess: np.ndarray | None = None):
        """Reduced rates ``(f_x, f_y)``, their smooth root rows and the full states.

        Returns
        -------
        rates : numpy.ndarray of shape ``(2, N)``
        roots : numpy.ndarray of shape ``(2, N)``
        X : numpy.ndarray of shape ``(n, N)``
        """
        X = self.solve(slow_values, guess)
        with np.errstate(all="ignore"):
            rates = self.system.rate(X, self.p)[self.slow_idx]
            roots = self.system.residual(X, self.p)[self.slow_idx]
        return rates, roots, X


def reduced_jacobian(system: VectorField, x: np.ndarray, slow=("trust", "faith"),
                     p=None) -> list[np.ndarray]:
    """Jacobians of the reduced two-stock field at an equilibrium ``x``.

    The Schur complement ``J_ss - J_sf J_ff^{-1} J_fs`` of each full Jacobian (one
    per side of trust's switch): the implicit-function derivative of the slow rates
    with the fast states slaved to their quasi-steady state.
    """
    si = [system.index(s) for s in slow]
    fi = [i for i in range(system.n) if i not in si]
    out = []
    for J in system.jacobians(x, p):
        jss, jsf = J[np.ix_(si, si)], J[np.ix_(si, fi)]
        jfs, jff = J[np.ix_(fi, si)], J[np.ix_(fi, fi)]
        out.append(jss - jsf @ np.linalg.solve(jff, jfs))
    return out
