"""How well the evidence pins each parameter down.

* the Hessian of the objective at the estimate (central differences, one
  vectorised call) gives standard errors, correlations and Wald intervals;
* profile likelihoods (each point re-optimises the other parameters) give
  likelihood-ratio intervals that need no quadratic approximation;
* plain-language warnings for estimates at a bound, flat profiles, Hessians that
  are not positive definite and correlations beyond the threshold;
* an optional posterior sample with lmfit's ``emcee``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .config import PosteriorSettings, UncertaintySettings
from .fit import polish
from .problem import Problem

LEVEL = 0.90
Z = float(stats.norm.ppf(0.5 + LEVEL / 2))
CHI2 = float(stats.chi2.ppf(LEVEL, 1))


@dataclass
class Profile:
    """Profile of the objective along one parameter.

    Attributes
    ----------
    name : str
    values : array
        Grid of the parameter (sorted).
    objective : array
        Minimum of the objective over the other parameters at each value.
    interval : (float, float)
        90% likelihood-ratio interval (``2 * rise <= chi2(1)``).
    closed : (bool, bool)
        Whether the profile crosses the threshold below and above the estimate
        within the bounds (otherwise the interval ends at the bound).
    """

    name: str
    values: np.ndarray
    objective: np.ndarray
    interval: tuple[float, float]
    closed: tuple[bool, bool]

    @property
    def flat(self) -> bool:
        """No side of the profile rises to the 90% threshold within the bounds."""
        return not any(self.closed)


@dataclass
class Uncertainty:
    """Standard errors, correlations, intervals, profiles and warnings."""

    names: list[str]
    estimate: np.ndarray
    hessian: np.ndarray
    covariance: np.ndarray
    stderr: np.ndarray
    correlation: np.ndarray
    at_bound: dict[str, str]
    wald: dict[str, tuple[float, float]]
    profiles: dict[str, Profile] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    identifiable: dict[str, bool] = field(default_factory=dict)
    positive_definite: bool = True

    def interval(self, name: str) -> tuple[float, float]:
        """The reported 90% interval: the profile one where computed, else Wald."""
        if name in self.profiles:
            return self.profiles[name].interval
        return self.wald[name]

    def interval_kind(self, name: str) -> str:
        return "profile likelihood" if name in self.profiles else "Wald (Hessian)"


def hessian(problem: Problem, x: np.ndarray, rel_step: float = 2e-3
            ) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference Hessian of the objective; parameters at a bound are skipped.

    Returns
    -------
    H : (n, n) array
        Zero rows and columns for skipped parameters.
    active : bool array
        Parameters included.
    """
    n = len(x)
    rng = problem.upper - problem.lower
    room = np.minimum(x - problem.lower, problem.upper - x)
    active = room > 1e-3 * rng
    h = np.minimum(rel_step * rng, 0.99 * room)
    idx = np.flatnonzero(active)
    rows = [x.copy()]
    for i in idx:
        for s in (1, -1):
            y = x.copy()
            y[i] += s * h[i]
            rows.append(y)
    pairs = [(i, j) for a, i in enumerate(idx) for j in idx[a + 1:]]
    for i, j in pairs:
        for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            y = x.copy()
            y[i] += si * h[i]
            y[j] += sj * h[j]
            rows.append(y)
    f = problem.objective(np.array(rows))
    H = np.zeros((n, n))
    f0 = f[0]
    k = 1
    for i in idx:
        H[i, i] = (f[k] - 2 * f0 + f[k + 1]) / h[i] ** 2
        k += 2
    for i, j in pairs:
        fpp, fpm, fmp, fmm = f[k:k + 4]
        H[i, j] = H[j, i] = (fpp - fpm - fmp + fmm) / (4 * h[i] * h[j])
        k += 4
    return H, active


def profile(problem: Problem, x_hat: np.ndarray, f_hat: float, name: str, se: float,
            settings: UncertaintySettings) -> Profile:
    """Profile likelihood of one parameter, re-optimising the others at each point."""
    j = problem.names.index(name)
    lo, hi = problem.lower[j], problem.upper[j]
    n = settings.profile_points
    local = []
    if math.isfinite(se) and se > 0:
        a, b = max(lo, x_hat[j] - 3.5 * se), min(hi, x_hat[j] + 3.5 * se)
        local = list(np.linspace(a, b, n - n // 2))
    grid = np.unique(np.concatenate([np.linspace(lo, hi, n // 2 + (0 if local else n - n // 2)),
                                     local]))
    grid = grid[np.abs(grid - x_hat[j]) > 1e-9 * (hi - lo)]
    values, objs = [x_hat[j]], [f_hat]
    single = len(problem.names) == 1
    for side in (grid[grid > x_hat[j]], grid[grid < x_hat[j]][::-1]):
        if single:
            rows = np.repeat(x_hat[None, :], len(side), axis=0)
            rows[:, j] = side
            values += list(side)
            objs += list(problem.objective(rows)) if len(side) else []
            continue
        warm = x_hat.copy()
        for v in side:
            warm[j] = v
            x, f, _ = polish(problem, warm, fixed=(name,), max_nfev=settings.profile_max_nfev)
            warm = x
            values.append(v)
            objs.append(f)
    order = np.argsort(values)
    vals, prof = np.asarray(values)[order], np.asarray(objs)[order]
    fmin = min(f_hat, float(prof.min()))
    rise = 2 * (prof - fmin)
    k0 = int(np.argmin(np.abs(vals - x_hat[j])))

    def crossing(indices):
        prev = k0
        for k in indices:
            if rise[k] >= CHI2:
                # interpolate the signed root sqrt(2 * rise), which is linear in the
                # parameter where the profile is quadratic
                r0, r1 = math.sqrt(max(rise[prev], 0.0)), math.sqrt(rise[k])
                t = (math.sqrt(CHI2) - r0) / (r1 - r0) if r1 > r0 else 1.0
                return float(vals[prev] + t * (vals[k] - vals[prev])), True
            prev = k
        return float(vals[indices[-1]] if len(indices) else vals[k0]), False

    left, lc = crossing(list(range(k0 - 1, -1, -1)))
    right, rc = crossing(list(range(k0 + 1, len(vals))))
    if not lc:
        left = float(lo)
    if not rc:
        right = float(hi)
    return Profile(name, vals, prof, (left, right), (lc, rc))


def assess(problem: Problem, x_hat: np.ndarray, f_hat: float,
           settings: UncertaintySettings, profiles: bool = True, log=None) -> Uncertainty:
    """Hessian, standard errors, correlations, profiles and warnings at the estimate."""
    names = problem.names
    n = len(names)
    H, active = hessian(problem, x_hat)
    idx = np.flatnonzero(active)
    cov = np.full((n, n), np.nan)
    pd_ok = True
    if len(idx):
        Hs = H[np.ix_(idx, idx)]
        Hs = 0.5 * (Hs + Hs.T)
        w, V = np.linalg.eigh(Hs)
        tiny = 1e-9 * max(float(np.abs(w).max()), 1e-12)
        pd_ok = bool(w.min() > tiny)
        w_c = np.maximum(w, tiny)
        cov[np.ix_(idx, idx)] = (V / w_c) @ V.T
    se = np.sqrt(np.where(np.isfinite(np.diag(cov)), np.diag(cov), np.nan))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(se, se)
    np.fill_diagonal(corr, np.where(np.isfinite(se), 1.0, np.nan))
    at_bound = {}
    for j, nm in enumerate(names):
        if not active[j]:
            side = "lower" if x_hat[j] - problem.lower[j] < problem.upper[j] - x_hat[j] \
                else "upper"
            at_bound[nm] = side
    wald = {}
    for j, nm in enumerate(names):
        if math.isfinite(se[j]):
            wald[nm] = (float(max(problem.lower[j], x_hat[j] - Z * se[j])),
                        float(min(problem.upper[j], x_hat[j] + Z * se[j])))
        else:
            wald[nm] = (float(problem.lower[j]), float(problem.upper[j]))
    unc = Uncertainty(list(names), x_hat, H, cov, se, corr, at_bound, wald,
                      positive_definite=pd_ok)
    prof_names = [f.name for f in problem.free if f.role == "shared"]
    if settings.profile != "all":
        prof_names = [p for p in prof_names if p in settings.profile]
    if profiles:
        for nm in prof_names:
            j = names.index(nm)
            unc.profiles[nm] = profile(problem, x_hat, f_hat, nm, float(se[j]), settings)
            if log:
                lo, hi = unc.profiles[nm].interval
                log(f"   profile {nm}: 90% interval [{lo:.4g}, {hi:.4g}]")
    _warnings(problem, unc, settings)
    return unc


def _warnings(problem: Problem, unc: Uncertainty, settings: UncertaintySettings) -> None:
    names = unc.names
    flagged: set[str] = set()
    rng = problem.upper - problem.lower
    for j, nm in enumerate(names):
        if nm in unc.at_bound:
            side = unc.at_bound[nm]
            unc.warnings.append(
                f"{nm}: the estimate sits at its {side} bound "
                f"({problem.lower[j] if side == 'lower' else problem.upper[j]:g}); the "
                "evidence pushes it there, so its interval is one-sided and the bound, not "
                "the evidence, decides the value.")
            flagged.add(nm)
        if nm in unc.profiles:
            p = unc.profiles[nm]
            if p.flat:
                unc.warnings.append(
                    f"{nm}: flat profile -- the evidence does not pin it down: every value "
                    f"from {problem.lower[j]:g} to {problem.upper[j]:g} fits about equally "
                    "well (within the 90% threshold).")
                flagged.add(nm)
            elif not all(p.closed) and nm not in unc.at_bound:
                side = "above" if p.closed[0] else "below"
                unc.warnings.append(
                    f"{nm}: the evidence bounds it only from one side; values {side} the "
                    "estimate up to the bound fit about equally well.")
                flagged.add(nm)
        elif not math.isfinite(unc.stderr[j]) or \
                unc.wald[nm][1] - unc.wald[nm][0] >= 0.9 * rng[j]:
            unc.warnings.append(
                f"{nm}: the evidence does not pin it down: its 90% interval spans "
                "(almost) the whole allowed range.")
            flagged.add(nm)
    if not unc.positive_definite:
        unc.warnings.append(
            "The curvature matrix (Hessian) is not positive definite: some combination of "
            "parameters can change without changing the fit; standard errors along it are "
            "not meaningful.")
    n = len(names)
    for a in range(n):
        for b in range(a + 1, n):
            r = unc.correlation[a, b]
            if np.isfinite(r) and abs(r) > settings.corr_threshold:
                unc.warnings.append(
                    f"{names[a]} and {names[b]} are {'positively' if r > 0 else 'negatively'}"
                    f" correlated (r = {r:+.2f}): the evidence pins down a combination of the "
                    "two, not each on its own.")
                flagged |= {names[a], names[b]}
    unc.identifiable = {nm: nm not in flagged and unc.positive_definite for nm in names}


@dataclass
class Posterior:
    """An emcee chain over the free parameters.

    ``samples`` has shape ``(steps, walkers, n)`` (after burn-in and thinning).
    """

    names: list[str]
    samples: np.ndarray
    log_posterior: np.ndarray
    acceptance: np.ndarray

    def flat(self) -> np.ndarray:
        return self.samples.reshape(-1, len(self.names))


def sample_posterior(problem: Problem, x_hat: np.ndarray, settings: PosteriorSettings,
                     seed: int, progress: bool = False) -> Posterior:
    """Posterior sample with lmfit's ``Minimizer.emcee`` (seeded), started at the estimate.

    ``progress`` shows emcee's progress bar (tqdm).

    Uniform priors inside the bounds unless the config gives others; the log-posterior
    is minus the calibration objective.
    """
    import contextlib
    import io

    import lmfit

    params = problem.lmfit_parameters(x_hat)

    def log_post(p):
        return -float(problem.objective(problem.vector(p))[0])

    mini = lmfit.Minimizer(log_post, params, nan_policy="propagate")
    with contextlib.redirect_stdout(io.StringIO()):
        res = mini.emcee(params=params, steps=settings.steps, nwalkers=settings.walkers,
                         burn=settings.burn, thin=settings.thin, seed=seed,
                         float_behavior="posterior", progress=progress)
    chain = np.asarray(res.chain)
    lnp = np.asarray(res.lnprob)
    return Posterior(list(res.var_names), chain, lnp, np.asarray(res.acceptance_fraction))
