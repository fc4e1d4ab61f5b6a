"""``simulate``: one scenario, one engine, one table of trajectories."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from . import engine as fast_engine
from . import pysd_runner
from .model import build_model
from .scenario import Scenario, load_scenario

ENGINES = ("pysd", "fast", "xmile")
DEFAULT_ENGINE = "fast"


def default_columns() -> tuple[str, ...]:
    """Every stock, then ``active``."""
    return tuple(s.name for s in build_model().stocks) + ("active",)


def all_columns() -> tuple[str, ...]:
    """Every stock, auxiliary and flow."""
    m = build_model()
    return tuple(s.name for s in m.stocks) + tuple(m.computation_order)


def resolve_columns(columns: Iterable[str] | str | None) -> tuple[str, ...]:
    if columns is None:
        return default_columns()
    if columns == "all":
        return all_columns()
    cols = (columns,) if isinstance(columns, str) else tuple(columns)
    known = set(all_columns())
    bad = [c for c in cols if c not in known]
    if bad:
        raise KeyError(f"unknown output column(s) {bad}; choose stocks, auxiliaries or flows "
                       "of the model")
    return cols


def simulate(scenario: str | Path | Mapping[str, Any] | Scenario,
             engine: str | None = None, columns: Iterable[str] | str | None = None,
             model: str | Path | None = None, **values: float | bool | str
             ) -> pd.DataFrame:
    """Simulate one scenario.

    Parameters
    ----------
    scenario : path, dict or Scenario
        A scenario TOML file, the same structure as a dict, or a :class:`Scenario`.
    engine : {"fast", "pysd", "xmile"}
        ``"fast"`` (default) runs the numba/numpy code generated from the sympy
        equations, which agrees with PySD to 1e-9 on every column; ``"pysd"``
        runs ``models/ioc.mdl`` with PySD (the reference);
        ``"xmile"`` runs ``models/ioc.xmile`` with PySD.
    columns : list of str or "all", optional
        Variables to return (default: every stock and ``active``).
    model : path, optional
        A modeller's edited copy of ``ioc.mdl`` (or ``ioc.xmile``), run through
        PySD (see :mod:`iocdynamics.variant`); ``engine`` must then be left out.
    **values
        Settings in the scenario file's words, validated like the file: context and
        levers by their names (``mandated=True``, ``formalisation=0.8``),
        ``contract="none"``, ``"mou"`` or ``"binding"``, and any model constant by
        its registry name. Contradictory settings (a MoU and a binding contract at
        once) are refused.

    Returns
    -------
    pandas.DataFrame
        Indexed by time in months (``save_interval`` apart). Stocks on 0..1 scales
        except ``performance`` (0 = pre-collaboration baseline, negative below it),
        ``ambition_level`` and ``time_below_critical`` (months); ``active`` is 1
        while the partnership exists and 0 once dissolved.
    """
    sc = load_scenario(scenario)
    if values:
        sc = sc.with_values(**values)
    if model is not None:
        from .variant import load_variant

        if engine not in (None, "pysd"):
            raise ValueError(f"engine {engine!r}: a model file runs through PySD")
        v = load_variant(model)
        if columns == "all":
            columns = [n for n, t in v.names.items() if t in ("Auxiliary", "Stateful")]
        return v.run(sc, None if columns is None else
                     [columns] if isinstance(columns, str) else list(columns))
    cols = resolve_columns(columns)
    engine = engine or DEFAULT_ENGINE
    if engine == "pysd":
        return pysd_runner.run(sc, cols, kind="mdl")
    if engine == "xmile":
        return pysd_runner.run(sc, cols, kind="xmile")
    if engine == "fast":
        return run_fast(sc, cols)
    raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")


def run_fast(sc: Scenario, columns: tuple[str, ...]) -> pd.DataFrame:
    """Simulate ``sc`` with the fast engine and return a DataFrame."""
    series = sc.input_series()
    constants = dict(_absent_inputs())
    constants.update(sc.values)  # the kernel reads the series of the names they give
    times = sc.save_times()
    values = fast_engine.integrate(constants, series, sc.final_time, sc.time_step, times,
                                   columns, as_array=True)
    # the Index objects are made once per clock and column set; each frame gets
    # its own view, so renaming one frame's index leaves the others' alone
    clock = (sc.final_time, sc.save_interval)
    if clock not in _TIME_INDEX:
        if len(_TIME_INDEX) >= 64:
            _TIME_INDEX.clear()
        _TIME_INDEX[clock] = pd.Index(times, name="time")
    return pd.DataFrame(values, index=_TIME_INDEX[clock].view(),
                        columns=_column_index(tuple(columns)).view(), copy=False)


_TIME_INDEX: dict[tuple[float, float], pd.Index] = {}


@lru_cache(maxsize=1)
def _absent_inputs() -> dict[str, float]:
    """Every input of the model at 0 (a scenario's series replace those it has)."""
    return dict.fromkeys(fast_engine.compile_model().inputs, 0.0)


@lru_cache(maxsize=64)
def _column_index(columns: tuple[str, ...]) -> pd.Index:
    return pd.Index(list(columns))
