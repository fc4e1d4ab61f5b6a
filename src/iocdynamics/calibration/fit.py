"""Fitting: a seeded global search, then a local polish with lmfit.

The global search is lmfit's ``differential_evolution`` (seeded) or a seeded
Latin-hypercube multistart whose candidates are simulated in one vectorised
call; the best candidates are polished with lmfit's L-BFGS-B, given the
gradient by central differences (also one vectorised call).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .config import SearchSettings
from .problem import Problem


@dataclass
class FitOutcome:
    """The best point found and how it was found.

    Attributes
    ----------
    x : array
        Estimates, in the order of ``problem.names``.
    objective : float
        Negative log-posterior at ``x`` (up to a constant).
    nfev : int
        Objective evaluations (each simulates every case).
    seconds : float
    method : str
    polished : list of (objective, x)
        End points of every polish, best first (agreement is a check on the search).
    """

    x: np.ndarray
    objective: float
    nfev: int
    seconds: float
    method: str
    polished: list = field(default_factory=list)

    @property
    def agreeing_starts(self) -> int:
        """Polished starts ending within 0.1 log-likelihood units of the best."""
        return sum(1 for f, _ in self.polished if f - self.objective < 0.1)


class _Counter:
    def __init__(self, problem: Problem):
        self.problem = problem
        self.n = 0

    def f(self, rows: np.ndarray) -> np.ndarray:
        rows = np.atleast_2d(rows)
        self.n += rows.shape[0]
        return self.problem.objective(rows)


def polish(problem: Problem, x0: np.ndarray, fixed: Sequence[str] = (),
           max_nfev: int = 300) -> tuple[np.ndarray, float, int]:
    """Local minimisation from ``x0`` with lmfit's L-BFGS-B (some names held fixed).

    Returns
    -------
    x, objective, nfev
    """
    import lmfit

    params = problem.lmfit_parameters(x0, fixed=fixed)
    vary = [j for j, n in enumerate(problem.names) if n not in fixed]
    count = [0]
    if not vary:
        f = float(problem.objective(x0)[0])
        return np.asarray(x0, float), f, 1

    def fn(p):
        count[0] += 1
        return float(problem.objective(problem.vector(p))[0])

    def jac(p):
        count[0] += 2 * len(vary)
        return problem.gradient(problem.vector(p))[vary]

    res = lmfit.minimize(fn, params, method="lbfgsb", jac=jac, max_nfev=max_nfev)
    x = problem.vector(res.params)
    return x, float(problem.objective(x)[0]), count[0]


BATCH = 256
"""Multistart candidates simulated per vectorised call (bounds the memory in use)."""


def fit_problem(problem: Problem, search: SearchSettings, seed: int,
                log=None, progress: bool = False) -> FitOutcome:
    """Global search then local polish; the same seed gives the same result.

    ``progress`` shows a progress bar (tqdm) of the global search's evaluations.
    Ctrl-C stops the search (``KeyboardInterrupt`` propagates; nothing is kept).
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    counter = _Counter(problem)
    n = len(problem.names)
    starts: list[np.ndarray] = []
    if search.method == "differential_evolution":
        import lmfit

        params = problem.lmfit_parameters()
        # scipy's differential evolution: a population of popsize * n, then up to
        # maxiter generations of the same size (it may stop earlier on convergence)
        total = (search.max_iterations + 1) * search.population * n
        with tqdm(total=total, desc="   differential evolution", unit="eval",
                  disable=not progress, leave=False) as bar:
            def fn(p):
                bar.update(1)
                return float(counter.f(problem.vector(p))[0])

            def generation_done(intermediate_result) -> bool:
                # lmfit ignores a ``maxiter`` argument (it sets scipy's from max_nfev),
                # so the generations are counted here and scipy stopped after
                # ``max_iterations`` of them
                generations[0] += 1
                return generations[0] >= search.max_iterations

            generations = [0]
            mini = lmfit.Minimizer(fn, params, max_nfev=10**9)
            res = mini.minimize(method="differential_evolution", seed=seed,
                                popsize=search.population, callback=generation_done,
                                polish=False, tol=1e-4, init="latinhypercube")
        starts.append(problem.vector(res.params))
        starts.append(problem.start.copy())
    else:
        from scipy.stats import qmc

        lhs = qmc.LatinHypercube(d=n, seed=seed).random(search.n_starts)
        cand = problem.lower + lhs * (problem.upper - problem.lower)
        cand = np.vstack([problem.start[None, :], cand])
        f = np.empty(len(cand))
        with tqdm(total=len(cand), desc="   multistart", unit="start",
                  disable=not progress, leave=False) as bar:
            for lo in range(0, len(cand), BATCH):
                f[lo:lo + BATCH] = counter.f(cand[lo:lo + BATCH])
                bar.update(len(f[lo:lo + BATCH]))
        order = np.argsort(f, kind="stable")
        for i in order:
            if len(starts) >= search.n_polish:
                break
            if all(np.max(np.abs(cand[i] - s) / (problem.upper - problem.lower)) > 0.05
                   for s in starts):
                starts.append(cand[i])
    if log:
        log(f"   global search ({search.method}): {counter.n} evaluations, "
            f"{time.perf_counter() - t0:.1f} s")
    polished = []
    nfev = counter.n
    for s in starts[:max(1, search.n_polish)]:
        x, f, k = polish(problem, s, max_nfev=search.polish_max_nfev)
        nfev += k
        polished.append((f, x))
    polished.sort(key=lambda t: t[0])
    best_f, best_x = polished[0]
    return FitOutcome(best_x, best_f, nfev, time.perf_counter() - t0, search.method,
                      polished)
