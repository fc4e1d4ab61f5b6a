"""Euler integration on PySD's clock: the time grid, save times and :func:`integrate`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from .inputs import MemberInputs
from .kernel import get_kernel
from .numpy_model import CompiledModel, compile_model, run_numpy


def time_grid(final_time: float, time_step: float, initial_time: float = 0.0) -> np.ndarray:
    """The clock values PySD visits: repeated addition of ``time_step``."""
    return _grid(float(final_time), float(time_step), float(initial_time)).copy()


@lru_cache(maxsize=64)
def _grid(final_time: float, time_step: float, initial_time: float) -> np.ndarray:
    times = [initial_time]
    t = initial_time
    while t + time_step * 1e-10 < final_time:
        t = t + time_step
        times.append(t)
    return np.array(times)


def save_indices(grid: np.ndarray, save_times: np.ndarray, time_step: float) -> np.ndarray:
    """Grid indices of the requested save times (matched within a step fraction)."""
    idx = np.searchsorted(grid, save_times - time_step * 1e-10)
    idx = np.clip(idx, 0, len(grid) - 1)
    bad = np.abs(grid[idx] - save_times) > time_step * 1e-6
    if bad.any():
        raise ValueError(f"save times {save_times[bad][:3]} are not on the time grid "
                         f"(time step {time_step})")
    return idx


def integrate(constants: Mapping[str, np.ndarray | float],
              series: Mapping[str, np.ndarray],
              final_time: float, time_step: float, save_times: np.ndarray,
              columns: tuple[str, ...], compiled: CompiledModel | None = None,
              backend: str = "auto", as_array: bool = False
              ) -> dict[str, np.ndarray] | np.ndarray:
    """Euler-integrate the model.

    Parameters
    ----------
    constants : mapping
        Parameter (and constant input) values: scalars or arrays over the ensemble.
    series : mapping
        Time-dependent values: arrays whose first axis runs over the time grid
        (``len(time_grid(final_time, time_step))``), optionally with ensemble axes.
    final_time, time_step : float
    save_times : array
        Times to record (must lie on the grid).
    columns : tuple of str
        Variables to record.
    compiled : CompiledModel, optional
        A model other than the default one (then the numpy back end runs it).
    backend : {"auto", "numba", "numpy"}
        Compiled kernel (default when numba works) or the numpy back end.
    as_array : bool
        Return one array instead of a dict.

    Returns
    -------
    dict or ndarray
        Column -> array of shape ``(len(save_times),) + ensemble_shape``; with
        ``as_array``, one array of shape ``(len(save_times), len(columns)) +
        ensemble_shape``.
    """
    default = compile_model()
    cm = compiled or default
    columns = tuple(columns)
    n_grid, save_mask, n_saved = _timing(float(final_time), float(time_step),
                                         np.asarray(save_times, dtype=float).tobytes())
    missing = cm.given.difference(constants, series)
    if missing:
        raise KeyError(f"no value given for {sorted(missing)}")
    for name, arr in series.items():
        if len(arr) != n_grid:
            raise ValueError(f"series {name!r} has {len(arr)} points; the grid has "
                             f"{n_grid}")
    if cm is not default or not _kernel_outputs().issuperset(columns):
        outputs = set(cm.outputs)
        unknown = [c for c in columns if c not in outputs]
        if unknown:
            raise KeyError(f"unknown output column(s) {unknown}")
    if cm is not default:
        names = tuple(n for n in cm.parameters + cm.inputs if n not in series)
        varying = tuple(series)
        kernel = None
    else:
        kernel = get_kernel(tuple(series), backend)
        names, varying = kernel.constants, kernel.varying
    single = (set(map(type, constants.values())) <= {float}
              or all(np.ndim(v) == 0 for v in constants.values())) and \
        all(np.ndim(v) == 1 for v in series.values())
    if single:  # one run: no broadcasting
        shape: tuple[int, ...] = ()
        P = np.fromiter(map(constants.__getitem__, names), float, len(names))[None, :]
        rows = [np.asarray(series[n], float) if n in series else
                np.array([[float(constants[n])]]) for n in varying]
    else:
        shapes = [np.shape(v) for v in constants.values()]
        shapes += [np.shape(v)[1:] for v in series.values()]
        shape = np.broadcast_shapes(*shapes)
        m = int(np.prod(shape, dtype=np.int64))

        def flat_c(v):
            return np.broadcast_to(np.asarray(v, float), shape).reshape(m)

        def flat_s(v):  # -> (grid, members) or (grid,)
            a = np.asarray(v, float)
            if a.ndim == 1:
                return a
            return np.broadcast_to(a, (n_grid,) + shape).reshape(n_grid, m)

        P = np.empty((m, len(names)))
        for j, name in enumerate(names):
            P[:, j] = flat_c(constants[name])
        rows = [flat_s(series[n]) if n in series else flat_c(constants[n])[None, :]
                for n in varying]
    inputs = MemberInputs.from_series(P, rows)
    if kernel is None:
        out = run_numpy(cm, inputs, names, varying, save_mask, columns, time_step)
    else:
        out = kernel.run(inputs, save_mask, columns, time_step)
    if as_array:
        return out.transpose(2, 1, 0).reshape((n_saved, len(columns)) + shape)
    if shape == ():
        return dict(zip(columns, out[0]))
    return {c: out[:, j].T.reshape((n_saved,) + shape) for j, c in enumerate(columns)}


@lru_cache(maxsize=64)
def _timing_cached(final_time: float, time_step: float, save_times: bytes
                   ) -> tuple[int, np.ndarray, int]:
    grid = _grid(final_time, time_step, 0.0)
    save_idx = save_indices(grid, np.frombuffer(save_times), time_step)
    save_mask = np.zeros(len(grid), dtype=bool)
    save_mask[save_idx] = True
    return len(grid), save_mask, len(save_idx)


def _timing(final_time: float, time_step: float, save_times: bytes
            ) -> tuple[int, np.ndarray, int]:
    """Grid length, save mask (a fresh copy) and number of saved rows of a clock
    (computed once per clock)."""
    n_grid, save_mask, n_saved = _timing_cached(final_time, time_step, save_times)
    return n_grid, save_mask.copy(), n_saved


@lru_cache(maxsize=1)
def _kernel_outputs() -> frozenset[str]:
    return frozenset(compile_model().outputs)
