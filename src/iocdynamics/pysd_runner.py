"""Run the generated Vensim (or XMILE) model with PySD, the reference engine.

PySD writes its translated ``.py`` beside the model file, so the model file is
copied into a private temporary folder first; the checkout's ``models/`` stays
clean. A translated model is loaded once per process and reused: every run
passes every constant and input again, so no run sees another's settings.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .artefacts import MODEL_FILES, model_texts, repository_models_dir
from .io import atomic_write_text
from .scenario import Scenario

_LOADED: dict[tuple[str, str], object] = {}
_TMP: list[Path] = []


def workdir() -> Path:
    """A private temporary folder for PySD translations, removed at exit."""
    if not _TMP:
        d = Path(tempfile.mkdtemp(prefix="iocdynamics-pysd-"))
        atexit.register(shutil.rmtree, d, ignore_errors=True)
        _TMP.append(d)
    return _TMP[0]


def model_file(kind: str = "mdl", source_dir: str | Path | None = None) -> Path:
    """A private copy of ``ioc.<kind>`` ready for PySD to translate.

    The copy is taken from ``source_dir`` (default: the checkout's ``models/``);
    outside a checkout the file is generated from the sympy source.
    """
    name = f"ioc.{kind}"
    if name not in MODEL_FILES:
        raise ValueError(f"kind must be 'mdl' or 'xmile', not {kind!r}")
    src_dir = Path(source_dir) if source_dir else repository_models_dir()
    dst = workdir() / kind / name
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src_dir is not None and (src_dir / name).exists():
        shutil.copyfile(src_dir / name, dst)
    else:
        atomic_write_text(dst, model_texts()[name])
    return dst


def load(kind: str = "mdl", source_dir: str | Path | None = None):
    """Translate (once) and return the PySD model."""
    import pysd

    key = (kind, str(source_dir))
    if key not in _LOADED:
        path = model_file(kind, source_dir)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "mdl":
                _LOADED[key] = pysd.read_vensim(str(path))
            else:
                _LOADED[key] = pysd.read_xmile(str(path))
    return _LOADED[key]


def pysd_params(scenario: Scenario) -> dict[str, object]:
    """The ``params=`` mapping PySD needs for ``scenario`` (python names)."""
    params: dict[str, object] = {k: float(v) for k, v in scenario.constants().items()}
    grid = scenario.grid()
    for name, arr in scenario.input_series().items():
        if name.endswith("_input") and not np.any(arr):
            params[name] = 0.0
        else:
            params[name] = pd.Series(arr, index=grid)
    return params


def run(scenario: Scenario, columns: tuple[str, ...], kind: str = "mdl",
        source_dir: str | Path | None = None) -> pd.DataFrame:
    """Simulate ``scenario`` with PySD.

    Returns
    -------
    pandas.DataFrame
        Indexed by time (months), one column per requested variable (snake case).
    """
    model = load(kind, source_dir)
    params = pysd_params(scenario)
    with warnings.catch_warnings():
        # replacing constants by time series is the documented way to set events
        warnings.simplefilter("ignore")
        df = model.run(params=params, initial_condition="original",
                       final_time=scenario.final_time, time_step=scenario.time_step,
                       return_timestamps=scenario.save_times(),
                       return_columns=list(columns), progress=False)
    df = df.rename(columns=lambda c: c.replace(" ", "_"))
    df.index = pd.Index(np.asarray(df.index, dtype=float), name="time")
    return df[list(columns)].astype(float)
