"""Run an experiment: simulate the design, compute metrics, write results.

``run_experiment(spec_or_path, out_dir)`` writes (into a temporary sibling folder that
replaces ``OUT`` once complete, so ``OUT`` always holds one whole run)::

    OUT/ensemble.nc        trajectories of the key stocks (setting, member, time), metrics
                           (setting, member); lever labels and uncertain
                           parameter values as coordinates
    OUT/summary.csv        one row per lever setting (see :mod:`.summary`); the column
                           ``same_model_as`` names the first setting whose equations
                           are the same (results equal by construction)
    OUT/notes.md           what the model decides by construction: identical settings,
                           uncertain parameters that cannot act, lever paths switched
                           off (see :mod:`.notes`)
    OUT/design.csv         the lever settings and the registry values they fix
    OUT/samples.csv        the uncertainty samples (shared by every setting)
    OUT/figures/*.png      fan charts, heatmaps, probability of synergy
    OUT/parts/             per-group ensemble stores (resumable; removable)

Simulation goes through :func:`iocdynamics.ensembles.simulate_ensemble` with one
store per group of settings that share a base scenario, so a killed run resumes
from its finished chunks; every output file is written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..io import atomic_write, atomic_write_text
from .columns import METRIC_COLUMNS, output_columns
from .design import Design, build_design
from .metrics import compute_metrics
from .notes import ExperimentNotes, experiment_notes
from .spec import ExperimentError, ExperimentSpec, check_varies, load_experiment
from .summary import summarise


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
    notes : ExperimentNotes
        What the model decides by construction (also ``notes.md``).
    """

    spec: ExperimentSpec
    design: Design
    ensemble: xr.Dataset
    summary: pd.DataFrame
    out_dir: Path | None
    files: list[Path]
    notes: ExperimentNotes | None = None

    @property
    def metrics(self) -> xr.Dataset:
        from .metrics import METRICS

        return self.ensemble[[m for m in METRICS if m in self.ensemble]]


def default_out_dir(spec: ExperimentSpec) -> Path:
    """``experiments/results/NAME`` next to the experiment file."""
    src = Path(spec.source)
    folder = src.parent if src.suffix == ".toml" else Path("experiments")
    return folder / "results" / spec.name


def simulate_design(spec: ExperimentSpec, design: Design, *, parts_dir: Path | None = None,
                    workers: int | None = None, scheduler: str | None = None,
                    progress: bool = False, model: str | Path | None = None
                    ) -> xr.Dataset:
    """Simulate every (setting, member) of ``design``.

    Parameters
    ----------
    model : path, optional
        An edited copy of ``ioc.mdl`` to run through PySD, one run at a time
        (see :mod:`iocdynamics.variant`); default: the fast engine.

    Returns
    -------
    xarray.Dataset
        Dims ``(setting, member, time)``.
    """
    from ..ensembles import simulate_ensemble

    cols = output_columns(spec)
    if model is not None:
        cols = _variant_columns(spec, model)
    n_set, n_mem = len(design.settings), len(design.samples)
    data: dict[str, np.ndarray] | None = None
    times = None
    for k, group in enumerate(design.groups):
        frame = design.members_frame(group)
        store = None if parts_dir is None else parts_dir / f"group_{k:03d}.nc"
        if progress and len(design.groups) > 1:
            print(f"  settings group {k + 1}/{len(design.groups)} ({group.key}): "
                  f"{len(frame)} runs", flush=True)
        if model is not None:
            ds = _variant_ensemble(frame, group.base, cols, model)
        else:
            ds = simulate_ensemble(frame, base=group.base, columns=list(cols), store=store,
                                   workers=workers, scheduler=scheduler,
                                   progress=progress)
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


def _variant_columns(spec: ExperimentSpec, model: str | Path) -> tuple[str, ...]:
    """The recorded variables a model variant has; refuses one that lacks what the
    metrics or the figures need."""
    from ..variant import VariantError, load_variant

    v = load_variant(model)
    need = [c for c in (*METRIC_COLUMNS, *spec.figures.fan_stocks) if c not in v.names]
    if need:
        raise VariantError(f"{model}: lacks {', '.join(need)}, which the experiment's "
                           "metrics or figures need")
    return tuple(c for c in output_columns(spec) if c in v.names)


def _variant_ensemble(frame: pd.DataFrame, base, cols, model) -> xr.Dataset:
    """``simulate_ensemble``'s result, one PySD run of the variant per member."""
    from ..variant import load_variant

    v = load_variant(model)
    runs = []
    for _, row in frame.iterrows():
        sc = base.with_values(**{k: float(x) for k, x in row.items()})
        runs.append(v.run(sc, list(cols)))
    t = runs[0].index.to_numpy()
    return xr.Dataset({c: (("member", "time"), np.stack([r[c].to_numpy() for r in runs]))
                       for c in cols}, coords={"member": np.arange(len(runs)), "time": t})


RESULT_ENTRIES = ("ensemble.nc", "summary.csv", "design.csv", "samples.csv",
                  "notes.md", "manifest.json", "figures", "parts")
"""What an experiment's results folder holds; a folder holding anything else is never
replaced."""
PARTS_MARKER = "experiment.json"


def design_fingerprint(spec: ExperimentSpec, design: Design) -> str:
    """SHA-256 of everything that determines the simulated numbers of a design
    (recorded variables, settings, their values and timelines, the samples)."""
    payload = {"columns": list(output_columns(spec)), "members": spec.members,
               "seed": spec.seed, "settings": design.settings.to_csv(),
               "values": design.values.to_csv(float_format="%.17g"),
               "samples": design.samples.to_csv(float_format="%.17g"),
               "groups": [[list(g.settings), g.base.to_dict()] for g in design.groups]}
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_json(path: Path) -> dict | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def parts_are_finished(out: Path) -> bool:
    """Whether ``OUT/parts/`` belongs to the finished run whose results ``OUT`` holds
    (then it is a cache that a run with other inputs may discard)."""
    marker = _read_json(out / "parts" / PARTS_MARKER) or {}
    manifest = _read_json(out / "manifest.json") or {}
    return bool(marker.get("fingerprint")) and \
        marker.get("fingerprint") == manifest.get("fingerprint")


def check_results_folder(spec: ExperimentSpec, out: Path, fingerprint: str,
                         fresh: bool = False, resumable: bool = True) -> None:
    """Refuse, before any work, a results folder this run must not use.

    A folder holding files an experiment never writes is refused always (it would
    be replaced as a whole); one holding another experiment's results, or the
    unfinished parts of a run with other inputs (if ``resumable``), unless ``fresh``.
    The parts of the finished run whose results the folder holds are not refused.

    Raises
    ------
    ExperimentError
    """
    from ..folders import FolderError, check_replaceable
    from ..io import OutputError, check_output_folder

    try:
        check_output_folder(out, "results folder")
        check_replaceable(out, RESULT_ENTRIES, "experiment results")
    except (OutputError, FolderError) as exc:
        raise ExperimentError(f"{spec.source}: {exc}") from None
    if fresh:
        return
    manifest = _read_json(out / "manifest.json")
    if manifest is not None and manifest.get("experiment") != spec.name:
        raise ExperimentError(
            f"{spec.source}: {out} holds the results of experiment "
            f"{manifest.get('experiment')!r} (from {manifest.get('source')}), not of "
            f"{spec.name!r}; rerun with --fresh (fresh=True) to replace them, or choose "
            "another folder with -o.")
    parts = out / "parts"
    if resumable and parts.is_dir() and any(parts.iterdir()) and \
            not parts_are_finished(out):
        marker = _read_json(parts / PARTS_MARKER) or {}
        if marker.get("fingerprint") != fingerprint:
            what = (f"experiment {marker['experiment']!r} with other inputs"
                    if marker.get("experiment") else "a run with other inputs")
            raise ExperimentError(
                f"{spec.source}: {parts} holds the unfinished parts of {what} (lever "
                "settings, members, seed, uncertainty or recorded variables differ); rerun "
                "with --fresh (fresh=True) to discard them, or rerun the original file to "
                "resume it.")


def run_experiment(experiment: ExperimentSpec | str | Path,
                   out_dir: str | Path | None = None, *, members: int | None = None,
                   workers: int | None = None, scheduler: str | None = None,
                   progress: bool = False, figures: bool = True,
                   resumable: bool = True, fresh: bool = False,
                   model: str | Path | None = None) -> ExperimentResult:
    """Run an experiment file and write its results.

    The results folder always holds one complete run: the new run is written into a
    temporary sibling folder and swapped in once complete (the unfinished parts of
    a killed run stay in ``OUT/parts/`` so that the next run resumes them).

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
    fresh : bool
        Discard the parts of an earlier run, and replace the results of another
        experiment held in ``out_dir``.
    model : path, optional
        Run an edited copy of ``ioc.mdl`` through PySD instead of the fast engine
        (one run at a time, not resumable); the names it adds, lacks or renames go
        to ``notes.md``.

    Returns
    -------
    ExperimentResult

    Raises
    ------
    ExperimentError
        Before any work, for an experiment that varies nothing or a results folder
        that cannot be used (see :func:`check_results_folder`).
    """
    import shutil

    from ..folders import new_sibling, swap_in

    spec = experiment if isinstance(experiment, ExperimentSpec) else \
        load_experiment(experiment)
    if members is not None:
        spec = spec.with_members(members)
    check_varies(spec)
    if model is not None:
        from ..variant import load_variant

        load_variant(model)  # a file PySD cannot translate is refused before any work
        resumable = False
    out = Path(out_dir) if out_dir is not None else default_out_dir(spec)
    t0 = time.perf_counter()
    design = build_design(spec)
    notes = experiment_notes(spec, design)
    fingerprint = design_fingerprint(spec, design)
    check_results_folder(spec, out, fingerprint, fresh, resumable)
    parts = out / "parts"
    if resumable and parts.is_dir() and not parts.is_symlink() and (
            fresh or (_read_json(parts / PARTS_MARKER) or {}).get("fingerprint")
            != fingerprint):
        shutil.rmtree(parts)  # another run's parts: refused above unless finished or fresh
    if resumable:
        parts.mkdir(parents=True, exist_ok=True)
        atomic_write_text(parts / PARTS_MARKER, json.dumps(
            {"experiment": spec.name, "source": spec.source, "fingerprint": fingerprint},
            indent=2) + "\n")
    ds = simulate_design(spec, design, parts_dir=parts if resumable else None,
                         workers=workers, scheduler=scheduler, progress=progress,
                         model=model)
    met = compute_metrics(ds, spec.synergy_threshold)
    for name in met.data_vars:
        ds[name] = met[name]
    ds.attrs.update({"experiment": spec.name, "source": spec.source, "seed": spec.seed,
                     "members": spec.members, "synergy_threshold": spec.synergy_threshold,
                     "claims": ", ".join(spec.claims), "base_scenario": spec.base.name,
                     "time_units": "Month", "model": str(model or "the package's model"),
                     "uncertain_parameters": ", ".join(design.samples.columns)})
    if model is not None:
        from ..variant import load_variant

        notes.lines += ["## Model file", "", f"Run on {model} through PySD, not on the "
                        "package's model. The notes above read the package's equations; "
                        "where the file changes them, check them on the file (iocdyn check "
                        "FILE). Its names against the model's:", "",
                        *[f"- {line}" for line in load_variant(model).report.lines()], ""]
    summary = summarise(ds, design.settings)
    summary.insert(summary.columns.get_loc("members") + 1, "same_model_as",
                   notes.same_model_as)
    tmp = new_sibling(out)
    try:
        result = write_results(spec, design, ds, summary, tmp, figures=figures,
                               fingerprint=fingerprint, seconds=time.perf_counter() - t0,
                               notes=notes)
        if resumable and parts.is_dir():  # keep the finished parts for the next run
            os.replace(parts, tmp / "parts")
        swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.out_dir = out
    result.files = [out / f.relative_to(tmp) for f in result.files]
    return result


def write_results(spec: ExperimentSpec, design: Design, ds: xr.Dataset,
                  summary: pd.DataFrame, out: Path, *, figures: bool = True,
                  fingerprint: str = "", seconds: float = 0.0,
                  notes: ExperimentNotes | None = None) -> ExperimentResult:
    """Write the ensemble, tables, notes, figures and (last) ``manifest.json`` into
    ``out``."""
    files: list[Path] = []
    if notes is not None:
        files.append(atomic_write_text(out / "notes.md", notes.text()))
    files.append(atomic_write(out / "ensemble.nc", lambda p: ds.to_netcdf(p)))
    files.append(atomic_write(out / "summary.csv",
                              lambda p: summary.to_csv(p, float_format="%.6g")))
    design_table = pd.concat([design.settings, design.values.add_prefix("value_")], axis=1)
    files.append(atomic_write(out / "design.csv",
                              lambda p: design_table.to_csv(p, float_format="%.6g")))
    files.append(atomic_write(out / "samples.csv",
                              lambda p: design.samples.to_csv(p, float_format="%.10g")))
    result = ExperimentResult(spec, design, ds, summary, out, files, notes)
    if figures:
        files += write_figures(result)
    manifest = {"experiment": spec.name, "source": spec.source, "seed": spec.seed,
                "members": spec.members, "settings": len(design.settings),
                "runs": len(design.settings) * len(design.samples),
                "uncertain_parameters": list(design.samples.columns),
                "fingerprint": fingerprint, "seconds": round(seconds, 2),
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
        # named in the order the file asks for the axes: x, then y
        save(fig, f"heatmap_{hm.metric}_{hm.x}_x_{hm.y}{facet}.png")
    n = len(settings)
    fig, ax = plt.subplots(figsize=(max(8.5, 6.0 + 0.06 * 8 * len(settings.columns)),
                                    0.3 * n + 1.8))
    plot_synergy_probability(ds, settings, ax=ax, title=spec.name)
    fig.tight_layout()
    save(fig, "synergy_probability.png")
    return files
