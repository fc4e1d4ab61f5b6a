"""Why two fitted parameters come out uncorrelated.

A correlation of exactly zero between two estimates is rarely a finding: most often
no case informs both, because each case's scenario switches off the terms of one of
them (a mandate-only mistrust in the voluntary cases, say). Which case a parameter
can act in is read from the equations (:mod:`iocdynamics.assumptions`).
"""

from __future__ import annotations

import numpy as np

from ..assumptions import inactive_parameters


def cases_where_active(problem, name: str) -> set[str] | None:
    """Ids of the cases in whose scenario the free parameter ``name`` can act (``None``
    for a likelihood parameter such as the spread)."""
    free = {f.name: f for f in problem.free}
    f = free[name]
    if f.registry is None:
        return None
    if f.case is not None:
        return {f.case}
    others = [g.registry for g in problem.free if g.registry and g.registry != f.registry]
    out = set()
    for case, sc in zip(problem.cases, problem.sim.scenarios):
        if not inactive_parameters(sc, [f.registry], keep=others):
            out.add(case.id)
    return out


def observations_moved(problem, x: np.ndarray, rel: float = 1e-3) -> dict[str, set[int]]:
    """For each free parameter of the model, the coded observations whose simulated
    value moves when the parameter moves a little (``rel`` of its range) from ``x``."""
    x = np.asarray(x, dtype=float)
    rows, names = [x], []
    for i, f in enumerate(problem.free):
        if f.registry is None:
            continue
        h = rel * (f.upper - f.lower)
        y = x.copy()
        y[i] = x[i] + h if x[i] + h <= f.upper else x[i] - h
        rows.append(y)
        names.append(f.name)
    lat = problem.latent(np.array(rows))
    moved = np.abs(lat[1:] - lat[0]) > 1e-12 * (1 + np.abs(lat[0]))
    return {n: set(np.flatnonzero(m).tolist()) for n, m in zip(names, moved)}


def _codes(problem, idx: set[int]) -> str:
    out = []
    for i in sorted(idx):
        ci, o = problem.observations[i]
        out.append(f"{problem.cases[ci].id} {o.variable} at {o.time:g}")
    return "; ".join(out) if out else "no code"


def zero_correlations(problem, correlation: np.ndarray, x: np.ndarray | None = None,
                      tol: float = 0.005) -> list[str]:
    """One sentence per pair of free parameters whose correlation rounds to 0.00.

    Parameters
    ----------
    problem : Problem
    correlation : array (n, n)
        Correlation of the estimates (from the curvature at the estimate).
    x : array, optional
        The estimate: with it, the coded observations each parameter moves there
        are compared too.
    tol : float
        |r| below which a correlation reads 0.00.
    """
    names = problem.names
    active = {n: cases_where_active(problem, n) for n in names}
    moved = observations_moved(problem, x) if x is not None else {}
    out = []
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            r = correlation[a, b]
            if not (np.isfinite(r) and abs(r) < tol):
                continue
            na, nb = names[a], names[b]
            rr = f"r = {r:+.4f}" if r != 0 else "r = 0 exactly"
            ca, cb = active[na], active[nb]
            if ca is None or cb is None:
                out.append(f"{na} and {nb}: {rr}; one of them sets the likelihood, not "
                           "the model, and the coded levels inform it apart from the other.")
            elif not ca & cb:
                def where(n, c):
                    return f"{n} acts in {', '.join(sorted(c))}" if c else \
                        f"{n} acts in none of the cases"
                out.append(f"{na} and {nb}: {rr} because no case informs both: "
                           f"{where(na, ca)} and {where(nb, cb)} (each other case's "
                           "scenario switches their terms off). The fit estimates them "
                           "separately: a property of the cases chosen, not a finding.")
            elif na in moved and nb in moved and not moved[na] & moved[nb]:
                out.append(f"{na} and {nb}: {rr} because no coded observation responds "
                           f"to both at the estimate: {na} moves {_codes(problem, moved[na])}"
                           f"; {nb} moves {_codes(problem, moved[nb])}. Each is informed by "
                           "its own codes: a property of what was coded, not a finding.")
            else:
                shared = (f" and move the same codes ({_codes(problem, moved[na] & moved[nb])})"
                          if na in moved and nb in moved else "")
                out.append(f"{na} and {nb}: {rr} although both act in "
                           f"{', '.join(sorted(ca & cb))}{shared}: at the estimate the "
                           "likelihood's curvature has (almost) no cross term, so the codes "
                           "inform each apart from the other; with intervals as wide as "
                           "these (see the warnings), read it as 'not informative', not as "
                           "'independent'.")
    return out


def undefined_correlations(problem, correlation: np.ndarray) -> list[str]:
    """Free parameters whose correlations are undefined (n/a), with why."""
    out = []
    for i, n in enumerate(problem.names):
        row = np.delete(np.asarray(correlation[i], dtype=float), i)
        if row.size and not np.isfinite(row).any():
            out.append(f"{n}: n/a -- its estimate sits at a bound, where the curvature "
                       "(and so a correlation) is not defined; its profile and interval "
                       "say what the evidence allows.")
    return out
