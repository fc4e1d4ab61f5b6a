"""``calibrate(config)``: load the evidence, fit, assess, validate, write the results."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import CalibrationConfig, ConfigError, load_config
from .evidence import Case, check_event_times, check_unique_ids, load_cases
from .fit import FitOutcome, fit_problem
from .problem import Problem
from .uncertainty import Posterior, Uncertainty, assess, sample_posterior
from .validation import HeldOut, leave_one_out


@dataclass
class CalibrationResult:
    """Everything a calibration produced (``output`` is where it was written)."""

    config: CalibrationConfig
    cases: list[Case]
    problem: Problem
    fit: FitOutcome
    uncertainty: Uncertainty
    posterior: Posterior | None = None
    loo: list[HeldOut] | None = None
    output: Path | None = None
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)

    @property
    def estimates(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.problem.names, self.fit.x)}

    def interval(self, name: str) -> tuple[float, float]:
        return self.uncertainty.interval(name)


def calibrate(config: str | Path | Mapping[str, Any] | CalibrationConfig, *,
              cases: Sequence[Case] | None = None, output_dir: str | Path | None = None,
              posterior: bool | None = None, leave_one_out_cv: bool | None = None,
              profiles: bool = True, write: bool = True, verbose: bool = True,
              model: str | Path | None = None) -> CalibrationResult:
    """Calibrate the model to coded case evidence.

    Parameters
    ----------
    config : path, mapping or CalibrationConfig
        The calibration config (see :mod:`iocdynamics.calibration.config`).
    cases : sequence of Case, optional
        Use these cases instead of the config's case files (e.g. synthetic ones).
    output_dir : path, optional
        Folder that receives ``<name>/`` (default: the config's ``output_dir``).
    posterior : bool, optional
        Sample the posterior with emcee (default: the config's ``[posterior] enabled``).
    leave_one_out_cv : bool, optional
        Run leave-one-case-out prediction (default: the config's setting).
    profiles : bool
        Compute profile likelihoods (else intervals are Wald intervals).
    write : bool
        Write ``fit.json``, ``report.md`` and figures (atomically).
    verbose : bool
        Print progress.
    model : path, optional
        Fit an edited copy of ``ioc.mdl`` (run through PySD, one run at a time)
        instead of the package's model; overrides the config's ``model``.

    Returns
    -------
    CalibrationResult
    """
    t0 = time.perf_counter()
    cfg = load_config(config)
    if model is not None:
        from ..variant import load_variant

        load_variant(model)  # refused before any work if PySD cannot translate it
        cfg = cfg.with_overrides(engine="pysd", model=Path(model))
    lines: list[str] = []
    target = None
    if write:
        target = check_target(cfg, output_dir)

    def log(msg: str) -> None:
        lines.append(msg)
        if verbose:
            print(msg, flush=True)

    cases = list(cases) if cases is not None else load_cases(cfg.cases)
    if not cases:
        raise ConfigError(f"{cfg.source}: cases: no case file given")
    check_unique_ids(cases)
    check_event_times(cases, cfg.time_step)
    ids = {c.id for c in cases}
    for p in cfg.case_specific:
        bad = [c for c in (p.cases or ()) if c not in ids]
        if bad:
            raise ConfigError(f"{cfg.source}: [case_parameters.{p.name}] cases: {bad} are "
                              f"not among the loaded cases ({', '.join(sorted(ids))})")
    problem = Problem(cfg, cases)
    if posterior if posterior is not None else cfg.posterior.enabled:
        check_posterior(cfg, len(problem.names))
    log(f"   {len(cases)} cases, {problem.n_obs} coded observations, "
        f"{len(problem.names)} free parameters: {', '.join(problem.names)}")
    fit = fit_problem(problem, cfg.search, cfg.seed, log=log, progress=verbose)
    log(f"   best -log posterior {fit.objective:.3f} after {fit.nfev} evaluations "
        f"({fit.agreeing_starts} of {len(fit.polished)} polished starts agree)")
    unc = assess(problem, fit.x, fit.objective, cfg.uncertainty, profiles=profiles, log=log)
    for w in unc.warnings:
        log(f"   warning: {w}")
    post = None
    if posterior if posterior is not None else cfg.posterior.enabled:
        log(f"   posterior: emcee, {cfg.posterior.walkers} walkers x "
            f"{cfg.posterior.steps} steps")
        post = sample_posterior(problem, fit.x, cfg.posterior, cfg.seed, progress=verbose)
    loo = None
    if (leave_one_out_cv if leave_one_out_cv is not None else cfg.leave_one_out):
        if len(cases) < 2:
            log("   leave-one-out skipped: it needs at least two cases")
        else:
            loo = leave_one_out(cfg, cases, log=log)
    result = CalibrationResult(cfg, cases, problem, fit, unc, post, loo,
                               seconds=time.perf_counter() - t0, log=lines)
    if write:
        from .report import write_results

        result.output = write_results(result, target)
        log(f"   wrote {result.output}")
    return result


def check_target(cfg: CalibrationConfig, output_dir: str | Path | None = None) -> Path:
    """The results folder ``<output_dir>/<name>``, checked before any work starts.

    Raises
    ------
    ConfigError
        If the folder cannot be written or holds files that are not a calibration
        result (it is replaced as a whole).
    """
    from ..folders import FolderError, check_replaceable
    from ..io import OutputError, check_output_folder
    from .report import RESULT_ENTRIES

    if output_dir is not None:
        try:
            check_output_folder(output_dir, "--output")
        except OutputError as exc:
            raise ConfigError(str(exc)) from None
    target = (Path(output_dir) if output_dir is not None else cfg.output_dir) / cfg.name
    try:
        check_output_folder(target, "results folder")
        check_replaceable(target, RESULT_ENTRIES, "calibration results")
    except (OutputError, FolderError) as exc:
        raise ConfigError(f"{cfg.source}: name = {cfg.name!r}, output_dir: {exc}") from None
    return target


def check_posterior(cfg: CalibrationConfig, n_free: int) -> None:
    """Check the emcee settings against the number of estimated quantities.

    emcee's stretch move needs at least two walkers per dimension, and the chain
    (steps x walkers x dimensions) must fit in memory.

    Raises
    ------
    ConfigError
    """
    from ..limits import gib, memory_budget

    pst = cfg.posterior
    if pst.walkers < 2 * n_free:
        raise ConfigError(f"{cfg.source}: [posterior] walkers = {pst.walkers} is too few: "
                          f"this calibration estimates {n_free} quantities and emcee needs "
                          f"at least two walkers each; set walkers = {2 * n_free} or more")
    need = pst.steps * pst.walkers * (n_free + 2) * 8
    budget = memory_budget()
    if need > budget:
        raise ConfigError(f"{cfg.source}: [posterior] steps = {pst.steps} x walkers = "
                          f"{pst.walkers} would keep a chain of {gib(need)}, more than the "
                          f"{gib(budget)} this machine allows; lower "
                          "steps or walkers")


def estimates_table(result: CalibrationResult) -> list[dict[str, Any]]:
    """One row per free parameter: estimate, standard error, 90% interval, flags."""
    u = result.uncertainty
    rows = []
    for j, d in enumerate(result.problem.describe_free()):
        n = d["name"]
        lo, hi = u.interval(n)
        rows.append({**d, "estimate": float(result.fit.x[j]),
                     "stderr": float(u.stderr[j]) if np.isfinite(u.stderr[j]) else None,
                     "interval": [lo, hi], "interval_kind": u.interval_kind(n),
                     "wald_interval": list(u.wald[n]),
                     "identifiable": bool(u.identifiable.get(n, False)),
                     "at_bound": u.at_bound.get(n)})
    return rows
