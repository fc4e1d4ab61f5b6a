"""Run a model file with each open system-dynamics engine, as its users would.

Every runner takes a model file (copied into a fresh folder first: several engines
write beside it) and returns a DataFrame indexed by time in months, one column per
variable, named in the model's snake case. Nothing is edited in the file.

- PySD (``.mdl`` and ``.xmile``): ``read_vensim``/``read_xmile``, ``run()``;
- Simlin (``pysimlin``; ``.mdl`` and ``.xmile``): ``load``, ``run``;
- SDEverywhere (``.mdl`` and ``.xmile``): compiled to JavaScript and run with its
  runtime under node (``tools/sdeverywhere``);
- BPTK-Py (``.xmile``): its XMILE compiler writes a Python model, stepped from the
  start time;
- asdm (``.xmile``): ``sdmodel(from_xmile=...)``, ``simulate()``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SDE_DIR = ROOT / "tools" / "sdeverywhere"


def _copy(path: Path) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="iocdynamics-engine-"))
    dst = folder / Path(path).name
    shutil.copyfile(path, dst)
    return dst


def _snake(name: str) -> str:
    return name.strip().replace(" ", "_").lower()


def run_pysd(path: Path) -> pd.DataFrame:
    import pysd

    src = _copy(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pysd.read_vensim(str(src)) if src.suffix == ".mdl" else pysd.read_xmile(str(src))
        df = model.run(progress=False)
    df.columns = [_snake(c) for c in df.columns]
    df.index = np.asarray(df.index, dtype=float)
    return df


def run_simlin(path: Path) -> pd.DataFrame:
    import simlin

    df = simlin.load(str(_copy(path))).run(analyze_loops=False).results
    df.columns = [_snake(c) for c in df.columns]
    df.index = np.asarray(df.index, dtype=float)
    return df


def run_asdm(path: Path) -> pd.DataFrame:
    from asdm import sdmodel

    src = _copy(path)
    try:
        model = sdmodel(from_xmile=str(src))
        model.simulate()
    except SystemExit as exc:  # asdm calls exit() on an equation it cannot parse
        raise AssertionError(f"asdm could not read {path.name}: it called exit({exc.code}); "
                             "its log names the equation") from None
    df = model.export_simulation_result(format="df")
    spec = model.sim_specs
    df.index = float(spec["initial_time"]) + np.arange(len(df)) * float(spec["dt"])
    df.columns = [_snake(c) for c in df.columns]
    return df


def run_bptk(path: Path) -> pd.DataFrame:
    from BPTK_Py.sdcompiler import compile_xmile

    src = _copy(path)
    dest = src.with_name("bptk_model.py")
    compile_xmile(str(src), str(dest), "py")
    spec = importlib.util.spec_from_file_location(f"bptk_model_{src.parent.name}", dest)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.simulation_model()
    steps = int(round((model.stoptime - model.starttime) / model.dt))
    times = model.starttime + np.arange(steps + 1) * model.dt
    # in time order, so that each stock's memo of the previous step is filled
    values = {name: [model.memoize(name, t) for t in times] for name in model.equations}
    # BPTK-Py names variables in camel case
    return pd.DataFrame({re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower(): v
                         for k, v in values.items()}, index=times)


def sdeverywhere_ready() -> str | None:
    """None when SDEverywhere can run, else why not (node or npm missing, or its
    packages not installable)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are not installed: SDEverywhere runs under node"
    if not (SDE_DIR / "node_modules" / "@sdeverywhere" / "compile").is_dir():
        proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=SDE_DIR,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode:
            raise AssertionError(f"npm ci in {SDE_DIR} failed:\n{proc.stderr[-2000:]}")
    return None


def run_sdeverywhere(path: Path) -> pd.DataFrame:
    src = _copy(path)
    out = src.with_name("out.json")
    proc = subprocess.run(["node", str(SDE_DIR / "run.mjs"), str(src), str(out)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode:
        raise AssertionError(f"SDEverywhere could not run {path.name}:\n{proc.stderr[-3000:]}")
    series = json.loads(out.read_text(encoding="utf-8"))
    return pd.DataFrame({name: pd.Series(dict(map(tuple, pts))) for name, pts in series.items()})


ENGINES = {
    "pysd": (run_pysd, ("mdl", "xmile")),
    "simlin": (run_simlin, ("mdl", "xmile")),
    "sdeverywhere": (run_sdeverywhere, ("mdl", "xmile")),
    "bptk": (run_bptk, ("xmile",)),
    "asdm": (run_asdm, ("xmile",)),
}
"""Engine -> (runner, file kinds it reads)."""
