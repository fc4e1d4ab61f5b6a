"""Run an experiment: simulate the design, compute metrics, write results.

``run_experiment(spec_or_path, out_dir)`` writes::

    OUT/ensemble.nc        trajectories of the key stocks (setting, member, time), metrics
                           (setting, member); lever labels and uncertain
                           parameter values as coordinates
    OUT/summary.csv        one row per lever setting (see :mod:`.summary`)
    OUT/design.csv         the lever settings and the registry values they fix
    OUT/samples.csv        the uncertainty samples (shared by every setting)
    OUT/figures/*.png      fan charts, heatmaps, probability of synergy
    OUT/parts/             per-group ensemble stores (resumable; removable)

Simulation goes through :func:`iocdynamics.ensembles.simulate_ensemble` with one
store per group of settings that share a base scenario, so a killed run resumes
from its finished chunks; every output file is written atomically.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..io import atomic_write, atomic_write_text
from ..simulation import default_columns
from .design import Design, build_design
from .metrics import compute_metrics
from .spec import ExperimentSpec, load_experiment
from .summary import summarise

METRIC_COLUMNS = ("collaborative_behaviour", "performance", "active")


@dataclass
class ExperimentResult:
    """What :func:`run_experiment` produced.

    Attributes
    ----------
    spec : ExperimentSpec
    design : Design
    ensemble : xarray.Dataset
        Trajectories with dims ``(setting, member, time)`` and metrics with dims
        ``(setting, member)``.
    summary : DataFrame
        One row per setting.
    out_dir : Path or None
    files : list of Path
    """

    spec: ExperimentSpec
    design: Design
    ensemble: xr.Dataset
    summary: pd.DataFrame
    out_dir: Path | None
    files: list[Path]

    @property
    def metrics(self) -> xr.Dataset:
        from .metrics import METRICS

        return self.ensemble[[m for m in METRICS if m in self.ensemble]]


def default_out_dir(spec: ExperimentSpec) -> Path:
    """``experiments/results/NAME`` next to the experiment file."""
    src = Path(spec.source)
    folder = src.parent if src.suffix == ".toml" else Path("experiments")
    return folder / "results" / spec.name


KEY_STOCKS = ("trust", "faith", "conflict", "perceived_progress", "risk_tolerance",
              "confidence", "collaborative_behaviour", "performance", "active")
"""Variables every experiment records (the mechanisms of the theory and the outcome);
others only when a fan chart asks for them, to keep large ensembles in memory."""


def output_columns(spec: ExperimentSpec) -> tuple[str, ...]:
    """Model variables to record: the key stocks, ``active`` and any fan-chart variable."""
    cols = [c for c in default_columns() if c in KEY_STOCKS]
    for c in spec.figures.fan_stocks + METRIC_COLUMNS:
        if c not in cols:
            cols.append(c)
    return tuple(cols)


def simulate_design(spec: ExperimentSpec, design: Design, *, parts_dir: Path | None = None,
                    workers: int | None = None, scheduler: str | None = None,
                    progress: bool = False) -> xr.Dataset:
    """Simulate every (setting, member) of ``design``.

    Returns
    -------
    xarray.Dataset
        Dims ``(setting, member, time)``.
    """
    from ..ensembles import simulate_ensemble

    cols = output_columns(spec)
    n_set, n_mem = len(design.settings), len(design.samples)
    data: dict[str, np.ndarray] | None = None
    times = None
    for k, group in enumerate(design.groups):
        frame = design.members_frame(group)
        store = None if parts_dir is None else parts_dir / f"group_{k:03d}.nc"
        if progress and len(design.groups) > 1:
            print(f"  settings group {k + 1}/{len(design.groups)} ({group.key}): "
                  f"{len(frame)} runs", flush=True)
        ds = simulate_ensemble(frame, base=group.base, columns=list(cols), store=store,
                               workers=workers, scheduler=scheduler, progress=progress)
        ds = ds.load()
        ds.close()
        if data is None:
            times = ds["time"].values
            data = {c: np.full((n_set, n_mem, times.size), np.nan) for c in cols}
        for c in cols:
            arr = ds[c].transpose("member", "time").values
            data[c][list(group.settings)] = arr.reshape(len(group.settings), n_mem, -1)
    coords: dict = {"setting": np.arange(n_set), "member": np.arange(n_mem),
                    "time": ("time", times, {"units": "Month"})}
    for lever in design.settings.columns:
        coords[lever] = ("setting", design.settings[lever].astype(str).to_numpy())
    for name in design.samples.columns:
        coords[f"sample_{name}"] = ("member", design.samples[name].to_numpy(dtype=float))
    out = xr.Dataset({c: (("setting", "member", "time"), v) for c, v in data.items()},
                     coords=coords)
    return out


def run_experiment(experiment: ExperimentSpec | str | Path,
                   out_dir: str | Path | None = None, *, members: int | None = None,
                   workers: int | None = None, scheduler: str | None = None,
                   progress: bool = False, figures: bool = True,
                   resumable: bool = True) -> ExperimentResult:
    """Run an experiment file and write its results.

    Parameters
    ----------
    experiment : ExperimentSpec or path
    out_dir : path, optional
        Results folder (default: ``experiments/results/NAME`` next to the file).
    members : int, optional
        Override the file's ensemble size (e.g. a reduced one for a demo).
    workers, scheduler
        Run on Dask (a new local cluster of ``workers`` processes, or an existing
        scheduler address); default in-process.
    progress : bool
        Show progress bars.
    figures : bool
        Also draw the figures.
    resumable : bool
        Keep per-group stores under ``OUT/parts/`` so that a killed run resumes.

    Returns
    -------
    ExperimentResult
    """
    spec = experiment if isinstance(experiment, ExperimentSpec) else \
        load_experiment(experiment)
    if members is not None:
        spec = spec.with_members(members)
    out = Path(out_dir) if out_dir is not None else default_out_dir(spec)
    t0 = time.perf_counter()
    design = build_design(spec)
    ds = simulate_design(spec, design, parts_dir=(out / "parts") if resumable else None,
                         workers=workers, scheduler=scheduler, progress=progress)
    met = compute_metrics(ds, spec.synergy_threshold)
    for name in met.data_vars:
        ds[name] = met[name]
    ds.attrs.update({"experiment": spec.name, "source": spec.source, "seed": spec.seed,
                     "members": spec.members, "synergy_threshold": spec.synergy_threshold,
                     "claims": ", ".join(spec.claims), "base_scenario": spec.base.name,
                     "time_units": "Month",
                     "uncertain_parameters": ", ".join(design.samples.columns)})
    summary = summarise(ds, design.settings)
    files: list[Path] = []
    files.append(atomic_write(out / "ensemble.nc", lambda p: ds.to_netcdf(p)))
    files.append(atomic_write(out / "summary.csv",
                              lambda p: summary.to_csv(p, float_format="%.6g")))
    design_table = pd.concat([design.settings, design.values.add_prefix("value_")], axis=1)
    files.append(atomic_write(out / "design.csv",
                              lambda p: design_table.to_csv(p, float_format="%.6g")))
    files.append(atomic_write(out / "samples.csv",
                              lambda p: design.samples.to_csv(p, float_format="%.10g")))
    result = ExperimentResult(spec, design, ds, summary, out, files)
    if figures:
        files += write_figures(result)
    manifest = {"experiment": spec.name, "source": spec.source, "seed": spec.seed,
                "members": spec.members, "settings": len(design.settings),
                "runs": len(design.settings) * len(design.samples),
                "uncertain_parameters": list(design.samples.columns),
                "seconds": round(time.perf_counter() - t0, 2),
                "files": sorted(str(f.relative_to(out)) for f in files)}
    files.append(atomic_write_text(out / "manifest.json",
                                   json.dumps(manifest, indent=2) + "\n"))
    return result


def write_figures(result: ExperimentResult) -> list[Path]:
    """Draw and write every figure of an experiment (PNG, 130 dpi)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .figures import fan_chart_figure, heatmap_figure, plot_synergy_probability

    spec, ds, settings = result.spec, result.ensemble, result.design.settings
    fig_dir = result.out_dir / "figures"
    files = []

    def save(fig, name, tight=True):
        kw = {"bbox_inches": "tight"} if tight else {}
        files.append(atomic_write(fig_dir / name,
                                  lambda p: fig.savefig(p, dpi=120, format="png", **kw)))
        plt.close(fig)

    keep = np.ones(len(settings), dtype=bool)
    for lever, level in spec.figures.fan_where.items():
        keep &= settings[lever].astype(str).to_numpy() == level
    fan_ds = ds.isel(setting=np.flatnonzero(keep))
    fan_settings = settings[keep].drop(columns=list(spec.figures.fan_where))
    note = ", ".join(f"{k}={v}" for k, v in spec.figures.fan_where.items())
    for stock in spec.figures.fan_stocks:
        fig = fan_chart_figure(fan_ds, stock, fan_settings,
                               title=spec.name + (f" ({note})" if note else ""))
        save(fig, f"fan_{stock}.png", tight=False)
    for hm in spec.figures.heatmaps:
        fig = heatmap_figure(ds, settings, hm, title=spec.name)
        facet = f"_by_{hm.facet}" if hm.facet else ""
        save(fig, f"heatmap_{hm.metric}_{hm.y}_x_{hm.x}{facet}.png")
    n = len(settings)
    fig, ax = plt.subplots(figsize=(max(8.5, 6.0 + 0.06 * 8 * len(settings.columns)),
                                    0.3 * n + 1.8))
    plot_synergy_probability(ds, settings, ax=ax, title=spec.name)
    fig.tight_layout()
    save(fig, "synergy_probability.png")
    return files
