"""Read calibration results (``calibration/results/NAME/``) as uncertainty.

Two forms are understood, and the richer one wins:

* **posterior samples** -- ``posterior.csv`` / ``samples.csv`` (one column per
  registry parameter, one row per draw), ``posterior.npz`` (arrays ``samples``
  of shape (draws, k) or (steps, walkers, k) -- an emcee chain -- and ``names``),
  or ``posterior.nc`` (an xarray dataset with one variable per parameter, or a
  ``samples`` variable with a ``parameter`` coordinate). Members are drawn from
  the rows with the experiment's seed.
* **estimates and intervals** -- ``fit.json``. Each fitted parameter is read from
  ``{"parameters": {name: {...}}}`` (the calibration's own format) or
  ``{"estimates": {name: value}, "intervals": {name: [lower, upper]}}``. Per
  parameter, an interval (``interval``, else ``wald_interval``; an open profile
  interval with a null end is skipped) becomes a uniform distribution on it, else a
  standard error (``stderr``) a normal truncated to the registry bounds, else the
  estimate a fixed value. ``lower``/``upper`` beside an estimate are search bounds,
  not an interval, and are ignored. Names that are not registry parameters
  (per-case parameters, link parameters) are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..registry import PARAMETERS

POSTERIOR_FILES = ("posterior.csv", "samples.csv", "posterior.npz", "posterior.nc")


class CalibrationResultsError(ValueError):
    """Calibration results are missing or unreadable."""


def _known(names) -> list[str]:
    return [n for n in names if n in PARAMETERS]


def read_posterior(folder: Path) -> pd.DataFrame | None:
    """Posterior draws in ``folder`` as a DataFrame (rows = draws), or None."""
    for fname in POSTERIOR_FILES:
        path = folder / fname
        if not path.exists():
            continue
        if path.suffix == ".csv":
            df = pd.read_csv(path)
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                if "samples" not in z or "names" not in z:
                    raise CalibrationResultsError(f"{path}: needs arrays 'samples' and "
                                                  "'names'.")
                names = [str(n) for n in z["names"]]
                arr = np.asarray(z["samples"], dtype=float).reshape(-1, len(names))
            df = pd.DataFrame(arr, columns=names)
        else:
            import xarray as xr

            with xr.open_dataset(path) as ds:
                if "samples" in ds and "parameter" in ds["samples"].dims:
                    s = ds["samples"]
                    names = [str(n) for n in s["parameter"].values]
                    arr = s.transpose(..., "parameter").values.reshape(-1, len(names))
                    df = pd.DataFrame(arr, columns=names)
                else:
                    df = pd.DataFrame({v: ds[v].values.ravel() for v in ds.data_vars})
        cols = _known(df.columns)
        if not cols:
            raise CalibrationResultsError(f"{path}: no column names a registry parameter.")
        df = df[cols].dropna()
        if df.empty:
            raise CalibrationResultsError(f"{path}: no complete posterior draw.")
        return df
    return None


def _pick(d: Mapping[str, Any], *keys):
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return None


def read_fit(folder: Path) -> dict[str, dict[str, float]]:
    """Per-parameter ``{"estimate", "lower", "upper", "stderr"}`` from ``fit.json``
    (keys missing where the file has none)."""
    path = folder / "fit.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalibrationResultsError(f"{path}: cannot read ({exc.strerror}).") from exc
    except json.JSONDecodeError as exc:
        raise CalibrationResultsError(f"{path}: not valid JSON: {exc}") from exc
    out: dict[str, dict[str, float]] = {}
    params = data.get("parameters")
    if isinstance(params, Mapping):
        for name, entry in params.items():
            if name not in PARAMETERS:
                continue
            if not isinstance(entry, Mapping):
                out[name] = {"estimate": float(entry)}
                continue
            rec: dict[str, float] = {}
            est = _pick(entry, "estimate", "value", "best", "median", "map")
            if est is not None:
                rec["estimate"] = float(est)
            se = _pick(entry, "stderr", "sd", "std")
            if se is not None:
                rec["stderr"] = float(se)
            # a (profile or credible) interval first, then a Wald interval; bare
            # lower/upper only without an estimate (with one they are search bounds)
            for key in ("interval", "credible_interval", "ci", "wald_interval"):
                iv = entry.get(key)
                if isinstance(iv, (list, tuple)) and len(iv) == 2 and \
                        all(v is not None for v in iv):
                    rec["lower"], rec["upper"] = float(iv[0]), float(iv[1])
                    break
            else:
                lo, hi = _pick(entry, "lower", "low"), _pick(entry, "upper", "high")
                if est is None and se is None and lo is not None and hi is not None:
                    rec["lower"], rec["upper"] = float(lo), float(hi)
            out[name] = rec
    est = data.get("estimates", {})
    ivs = data.get("intervals", {})
    if isinstance(est, Mapping):
        for name, v in est.items():
            if name in PARAMETERS:
                out.setdefault(name, {})["estimate"] = float(v)
    if isinstance(ivs, Mapping):
        for name, v in ivs.items():
            if name in PARAMETERS:
                out.setdefault(name, {}).update(lower=float(v[0]), upper=float(v[1]))
    if not out:
        raise CalibrationResultsError(f"{path}: no registry parameter found under "
                                      "'parameters' or 'estimates'.")
    return out


def calibration_uncertainty(folder: Path, source: str = "<experiment>"):
    """What a calibration folder offers: ``("posterior", DataFrame)`` or
    ``("fit", dict)``.

    Raises
    ------
    CalibrationResultsError
        If the folder or both kinds of results are absent, naming the folder and
        the files looked for.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CalibrationResultsError(
            f"{source}: [uncertainty] from_calibration = '{folder}': no such folder; run "
            "the calibration first (it writes calibration/results/NAME/) or remove the key.")
    post = read_posterior(folder)
    if post is not None:
        return "posterior", post
    if (folder / "fit.json").exists():
        return "fit", read_fit(folder)
    raise CalibrationResultsError(
        f"{source}: [uncertainty] from_calibration = '{folder}' holds neither posterior "
        f"samples ({', '.join(POSTERIOR_FILES)}) nor fit.json.")
