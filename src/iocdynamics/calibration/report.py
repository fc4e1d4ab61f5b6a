"""Calibration outputs: ``fit.json``, ``report.md``, figures and the posterior chain.

Everything is written into a temporary sibling folder which then replaces the
results folder in one rename, so a reader (or an interrupted run) never sees a
half-written result and earlier results survive a failed run.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..folders import check_replaceable, new_sibling, swap_in
from .agreement import evidence_summary, reading
from .explain import undefined_correlations, zero_correlations
from .uncertainty import CHI2, LEVEL

if TYPE_CHECKING:
    from .api import CalibrationResult

PACKAGES = ("iocdynamics", "numpy", "scipy", "pandas", "lmfit", "emcee", "matplotlib",
            "numba", "pysd")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if np.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, Path):
        return str(x)
    return x


def _variant_lines(path) -> list[str]:
    from ..variant import load_variant

    return load_variant(path).report.lines()


def _portable(path: str | None, config: str | None) -> str | None:
    """``path`` relative to the config's folder when possible (the same fit gives the
    same file wherever the checkout lives); else the file name."""
    if not path:
        return path
    p = Path(path)
    if config:
        base = Path(config).resolve().parent
        try:
            return Path(os.path.relpath(p.resolve(), base)).as_posix()
        except ValueError:
            pass
    return p.name


def fit_dict(result: CalibrationResult) -> dict[str, Any]:
    """The content of ``fit.json``."""
    from .api import estimates_table

    cfg, prob, u = result.config, result.problem, result.uncertainty
    table = estimates_table(result)
    d: dict[str, Any] = {
        "name": cfg.name,
        "objective": {"neg_log_posterior": result.fit.objective,
                      "log_likelihood": float(prob.loglik_terms(result.fit.x).sum()),
                      "n_observations": prob.n_obs,
                      "evaluations": result.fit.nfev,
                      "polished_starts": [f for f, _ in result.fit.polished],
                      "agreeing_starts": result.fit.agreeing_starts},
        "parameters": {r["name"]: {k: r[k] for k in
                                   ("estimate", "stderr", "interval", "interval_kind",
                                    "wald_interval", "identifiable", "at_bound", "lower",
                                    "upper", "start", "prior", "units", "case", "role")}
                       for r in table},
        "interval_level": LEVEL,
        "correlation": {"names": prob.names, "matrix": u.correlation},
        "zero_correlations": zero_correlations(prob, np.asarray(u.correlation, dtype=float),
                                               result.fit.x),
        "profiles": {n: {"values": p.values, "objective": p.objective,
                         "interval": p.interval, "closed": p.closed, "flat": p.flat}
                     for n, p in u.profiles.items()},
        "warnings": u.warnings,
        "settings": {"config": _portable(cfg.source, cfg.source), "engine": cfg.engine,
                     "model": (_portable(str(cfg.model), cfg.source) if cfg.model
                               else "package"),
                     "seed": cfg.seed,
                     "time_step": cfg.time_step, "link": cfg.link, "spread": cfg.spread,
                     "estimate_spread": cfg.estimate_spread, "cutpoints": cfg.cutpoints,
                     "confidence": cfg.confidence, "search": vars(cfg.search),
                     "uncertainty": {**vars(cfg.uncertainty)},
                     "posterior": vars(cfg.posterior) if result.posterior else None,
                     "cutpoint_values": prob.cutpoints(result.fit.x),
                     "spread_value": prob.spread(result.fit.x)},
        "evidence": evidence_summary(result.cases),
        "data": {"config_sha256": cfg.sha256,
                 "cases": {c.id: {"path": _portable(c.path, cfg.source),
                                  "sha256": c.sha256,
                                  "observations": len(c.observations)}
                           for c in result.cases}},
        "versions": package_versions(),
    }
    if result.loo is not None:
        d["leave_one_out"] = [vars(r) for r in result.loo]
    if result.posterior is not None:
        flat = result.posterior.flat()
        d["posterior"] = {
            "file": "posterior.npz", "draws": int(flat.shape[0]),
            "mean_acceptance": float(np.mean(result.posterior.acceptance)),
            "summary": {n: {"median": float(np.median(flat[:, j])),
                            "interval": [float(np.quantile(flat[:, j], 0.05)),
                                         float(np.quantile(flat[:, j], 0.95))]}
                        for j, n in enumerate(result.posterior.names)}}
    return _clean(d)


def _fmt(x: Any, digits: int = 4) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def report_md(result: CalibrationResult, fit: dict[str, Any]) -> str:
    """The human-readable report."""
    cfg = result.config
    L = [f"# Calibration report: {cfg.name}", ""]
    free = result.problem.names
    L += [f"Fit of {len(free)} free parameter{'s' if len(free) != 1 else ''} "
          f"({', '.join(free)}) to {len(result.cases)} case"
          f"{'s' if len(result.cases) != 1 else ''} "
          f"({', '.join(c.id for c in result.cases)}); config "
          f"{_portable(cfg.source, cfg.source)}.", ""]
    if cfg.description:
        L += ["Description (from the config):", "", cfg.description.strip(), ""]
    ev = fit["evidence"]
    L += ["## Evidence", "",
          "| case | basis | type | arrangement | coders | codes (fit) | variables |",
          "|---|---|---|---|---|---|---|"]
    for c in result.cases:
        e = ev["cases"][c.id]
        L.append(f"| {c.id} | {c.basis} | {c.collaboration_type} | {c.arrangement} | "
                 f"{len(e['coders'])} | {e['codes']} ({e['observations']}) | "
                 f"{', '.join(c.variables)} |")
    L += ["", "Provenance of each case:", ""]
    L += [f"- **{c.id}**: {c.provenance}" for c in result.cases]
    L += ["", "### What this evidence can show", "",
          "Each code the fit uses, by its independence of the text the model was built from "
          "(the kind of evidence and its source; see `CODEBOOK.md`):", "",
          "| case | independent | in-sample | circular | conjecture | synthetic | "
          "distinct quotes |", "|---|---|---|---|---|---|---|"]
    for cid, e in ev["cases"].items():
        i = e["independence"]
        L.append(f"| {cid} | {i['independent']} | {i['in-sample']} | {i['circular']} | "
                 f"{i['conjecture']} | {i['synthetic']} | {e['distinct_quotes']} |")
    t = ev["totals"]
    L.append(f"| **all** | {t['independent']} | {t['in-sample']} | {t['circular']} | "
             f"{t['conjecture']} | {t['synthetic']} | |")
    L += [""] + reading(ev) + [""]
    multi = {cid: e for cid, e in ev["cases"].items() if len(e["coders"]) > 1}
    if multi:
        L += ["### Agreement between coders", "",
              "Krippendorff's alpha (ordinal) over the units two or more coders coded; the "
              "fit uses each case's declared consensus rule.", "",
              "| case | coders | consensus | variable | alpha | units |",
              "|---|---|---|---|---|---|"]
        for cid, e in multi.items():
            for var, a in e["alpha"].items():
                val = f"{a['alpha']:.3f}" if a["alpha"] is not None else f"n/a ({a['note']})"
                L.append(f"| {cid} | {', '.join(e['coders'])} | {e['consensus']} | {var} | "
                         f"{val} | {a['units']} |")
        dis = [(cid, d) for cid, e in multi.items() for d in e["disagreements"]]
        if dis:
            L += ["", "Disagreements:", ""]
            for cid, d in dis:
                where = f"segment {d['segment']}" if d["segment"] else f"month {d['time']:g}"
                levels = ", ".join(f"{k} {v}" for k, v in d["levels"].items())
                agreed = f" (agreed {d['agreed']})" if d["agreed"] is not None else ""
                L.append(f"- {cid}: {d['variable']} at {where}: {levels}{agreed}")
        L.append("")
    o = fit["objective"]
    s = fit["settings"]
    L += ["", "## Settings", "",
          f"- Objective: ordered {cfg.link} likelihood of each coded level given the "
          f"simulated value (spread {_fmt(s['spread_value'])} band widths, "
          f"{'estimated' if cfg.estimate_spread else 'fixed'}; cut-points "
          f"{cfg.cutpoints}; coder confidence "
          f"{'divides the spread' if cfg.confidence == 'scale' else 'weights each code'}),"
          " plus prior penalties.",
          f"- Search: {cfg.search.method} (seed {cfg.seed}), then lmfit L-BFGS-B polish; "
          f"{o['evaluations']} evaluations; {o['agreeing_starts']} of "
          f"{len(o['polished_starts'])} polished starts reached the best value.",
          f"- Engine: {cfg.engine}, time step {cfg.time_step:g} month"
          + (f"; model file {cfg.model} (an edited copy of ioc.mdl; "
             + "; ".join(_variant_lines(cfg.model)) + ")." if cfg.model else "."),
          f"- Best -log posterior {_fmt(o['neg_log_posterior'])}; log-likelihood "
          f"{_fmt(o['log_likelihood'])} over {o['n_observations']} codes.", ""]
    L += ["## Estimates", "",
          f"Intervals are {int(LEVEL * 100)}% intervals: profile likelihood where "
          "profiled, otherwise Wald (estimate +/- 1.645 standard errors from the Hessian).",
          "",
          "| parameter | estimate | std. error | 90% interval | kind | bounds | prior | "
          "pinned down |", "|---|---|---|---|---|---|---|---|"]
    for n, p in fit["parameters"].items():
        lo, hi = p["interval"]
        L.append(f"| {n} | {_fmt(p['estimate'])} | {_fmt(p['stderr'])} | "
                 f"[{_fmt(lo)}, {_fmt(hi)}] | {p['interval_kind']} | "
                 f"[{_fmt(p['lower'])}, {_fmt(p['upper'])}] | {p['prior']} | "
                 f"{'yes' if p['identifiable'] else '**no**'} |")
    L += ["", "## Identifiability", ""]
    if fit["warnings"]:
        L += ["The evidence does not pin everything down:", ""]
        L += [f"- {w}" for w in fit["warnings"]]
    else:
        L.append("Every free parameter is pinned down by the evidence (closed profiles, no "
                 "correlation beyond the threshold).")
    L += ["", "![correlations](figures/correlation.png)", ""]
    notes = fit.get("zero_correlations", []) + undefined_correlations(
        result.problem, np.asarray(result.uncertainty.correlation, dtype=float))
    if notes:
        L += ["Reading the correlations of 0.00 and n/a:", ""]
        L += [f"- {z}" for z in notes]
        L.append("")
    if result.uncertainty.profiles:
        L += ["Profiles (twice the rise of -log posterior; the dashed line is the "
              f"{int(LEVEL * 100)}% threshold {CHI2:.2f}):", ""]
        L += [f"![profile {n}](figures/profile_{n}.png)" for n in result.uncertainty.profiles]
        L.append("")
    if result.posterior is not None:
        ps = fit["posterior"]
        L += ["## Posterior", "",
              f"emcee through lmfit: {ps['draws']} draws after burn-in and thinning, mean "
              f"acceptance {ps['mean_acceptance']:.2f}; saved in `posterior.npz` (arrays "
              "`samples` (steps, walkers, parameters), `names`, `log_posterior`).", "",
              "| parameter | median | 90% credible interval |", "|---|---|---|"]
        for n, v in ps["summary"].items():
            L.append(f"| {n} | {_fmt(v['median'])} | [{_fmt(v['interval'][0])}, "
                     f"{_fmt(v['interval'][1])}] |")
        L.append("")
    L += ["## Fit to each case", "",
          "Lines: the fitted model. Boxes: the band of each coded level, opacity = coder "
          "confidence.", ""]
    L += [f"![{c.id}](figures/case_{c.id}.png)" for c in result.cases]
    L.append("")
    if result.loo is not None:
        L += ["## Leave-one-case-out prediction", "",
              "Each case in turn is left out, the shared parameters are fitted to the others,"
              " and the held-out codes are predicted. Scores are means per code: log score = "
              "log of the predicted probability of the coded level (higher is better); "
              "hit rate = share of codes equal to the most probable level; level error = "
              "|coded - expected level|.", "",
              "| held-out case | codes | log score (fit on others) | log score (defaults) | "
              "log score (uniform guess) | hit rate | level error |",
              "|---|---|---|---|---|---|---|"]
        for r in result.loo:
            L.append(f"| {r.case} | {r.n_obs} | {r.log_score:.3f} | "
                     f"{r.log_score_default:.3f} | {r.log_score_uniform:.3f} | "
                     f"{r.hit_rate:.2f} | {r.mean_level_error:.2f} |")
        n = sum(r.n_obs for r in result.loo)
        mean = sum(r.log_score * r.n_obs for r in result.loo) / n
        mean0 = sum(r.log_score_default * r.n_obs for r in result.loo) / n
        mean_u = sum(r.log_score_uniform * r.n_obs for r in result.loo) / n
        L += ["", f"Over all {n} held-out codes: log score {mean:.3f} after fitting, "
              f"{mean0:.3f} at the default values, {mean_u:.3f} for a uniform guess. "
              + ("Fitting to the other cases improved the prediction of the held-out ones."
                 if mean > mean0 else
                 "Fitting to the other cases did not improve the prediction of the held-out "
                 "ones: with this evidence the fitted mechanism does not transfer between "
                 "cases.")
              + ("" if ev["totals"]["independent"] else
                 " No held-out code is independent of the model's source (see Evidence): "
                 "this measures consistency between codings of one text, not prediction."),
              ""]
    L += ["## Reproducibility", "",
          f"- Config `{_portable(cfg.source, cfg.source)}` "
          f"(sha256 `{cfg.sha256 or 'n/a'}`), seed {cfg.seed}.",
          "- Case files and their sha256 are listed in `fit.json` (`data`).",
          "- Package versions: " + ", ".join(f"{k} {v}" for k, v in fit["versions"].items()),
          ""]
    return "\n".join(L)


def _figures(result: CalibrationResult, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .figures import case_figure, plot_correlation, plot_profile

    prob = result.problem
    folder.mkdir(parents=True, exist_ok=True)
    trajs = prob.trajectories(result.fit.x)
    cuts = prob.cutpoints(result.fit.x)
    for c in result.cases:
        cols = list(c.variables)
        traj = prob.trajectories(result.fit.x, columns=cols)[c.id] if cols else trajs[c.id]
        fig = case_figure(c, traj, cuts)
        fig.savefig(folder / f"case_{c.id}.png", dpi=110)
        plt.close(fig)
    for n, p in result.uncertainty.profiles.items():
        fig, ax = plt.subplots(figsize=(4.5, 3.2))
        j = prob.names.index(n)
        units = prob.describe_free()[j]["units"]
        plot_profile(p, float(result.fit.x[j]), units, ax=ax)
        fig.tight_layout()
        fig.savefig(folder / f"profile_{n}.png", dpi=110)
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(2.2 + 0.8 * len(prob.names), 1.8 + 0.6 * len(prob.names)))
    plot_correlation(prob.names, result.uncertainty.correlation, ax=ax)
    fig.tight_layout()
    fig.savefig(folder / "correlation.png", dpi=110)
    plt.close(fig)


RESULT_ENTRIES = ("fit.json", "report.md", "figures", "posterior.npz")
"""What a calibration result folder holds; a folder holding anything else is never
replaced."""


def write_results(result: CalibrationResult, folder: str | Path) -> Path:
    """Write ``fit.json``, ``report.md``, ``figures/`` (and ``posterior.npz``) into
    ``folder``, replacing an earlier result only once everything is written.

    Raises
    ------
    FolderError
        Before writing anything, if ``folder`` holds files a calibration result
        never contains (it would be replaced as a whole).
    """
    folder = Path(folder)
    check_replaceable(folder, RESULT_ENTRIES, "calibration results")
    tmp = new_sibling(folder)
    try:
        fit = fit_dict(result)
        (tmp / "fit.json").write_text(json.dumps(fit, indent=2) + "\n", encoding="utf-8")
        (tmp / "report.md").write_text(report_md(result, fit), encoding="utf-8")
        _figures(result, tmp / "figures")
        if result.posterior is not None:
            p = result.posterior
            np.savez(tmp / "posterior.npz", samples=p.samples, names=np.array(p.names),
                     log_posterior=p.log_posterior, acceptance=p.acceptance)
        swap_in(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
