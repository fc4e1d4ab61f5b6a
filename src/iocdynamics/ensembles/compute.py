"""Running chunks of members with the engine, in this process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import engine
from .plan import EnsemblePlan

DEFAULT_CHUNK_SIZE = 2048
"""Members per chunk: big enough to amortise the per-call cost, small enough that a
chunk's trajectories (chunk x saved times x columns) stay a few tens of MB."""

MAX_CHUNK_BYTES = 2**30
"""Largest chunk of trajectories held at once (1 GiB): with several chunks in flight
the memory stays within a workstation's."""


def check_chunk_size(chunk_size: Any, n_values: int = 1, n_members: int | None = None,
                     flag: str = "chunk_size") -> int:
    """``chunk_size`` as an int, or a ValueError naming ``flag``, the value and the fix.

    ``n_values`` is the number of values per member (saved times x columns): a
    chunk (of at most ``n_members``) must stay within :data:`MAX_CHUNK_BYTES`.
    """
    ok = isinstance(chunk_size, (int, np.integer)) and not isinstance(chunk_size, bool)
    if not ok or chunk_size < 1:
        raise ValueError(
            f"{flag} = {chunk_size!r} is not a number of members per chunk: give a whole "
            f"number of at least 1 (default {DEFAULT_CHUNK_SIZE}).")
    largest = max(1, MAX_CHUNK_BYTES // (8 * n_values))
    if min(chunk_size, n_members or chunk_size) > largest:
        raise ValueError(
            f"{flag} = {chunk_size:,} makes chunks of {chunk_size * n_values * 8 / 2**30:.1f} "
            f"GiB ({n_values:,} values per member); give at most {largest:,} (default "
            f"{DEFAULT_CHUNK_SIZE}).")
    return int(chunk_size)


def run_chunk(inputs: engine.MemberInputs, save_mask: np.ndarray,
              columns: tuple[str, ...], time_step: float, varying: tuple[str, ...],
              backend: str = "auto", parallel: bool | None = None,
              out: np.ndarray | None = None) -> np.ndarray:
    """Integrate one chunk of members: ``(members, columns, saved times)`` (into
    ``out`` if given)."""
    kernel = engine.get_kernel(varying, backend)
    return kernel.run(inputs, save_mask, columns, time_step, parallel=parallel, out=out)


def chunk_bounds(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """``(lo, hi)`` member ranges of the chunks."""
    return [(lo, min(lo + chunk_size, n)) for lo in range(0, n, chunk_size)]


def iter_local(plan: EnsemblePlan, todo, backend: str, results: np.ndarray | None = None
               ) -> Iterator[tuple[int, np.ndarray]]:
    """Run the chunks ``todo`` (``(index, (lo, hi))``) here, in order; with
    ``results`` (members x columns x times) each chunk is written into its rows."""
    for k, (lo, hi) in todo:
        out = None if results is None else results[lo:hi]
        yield k, run_chunk(plan.chunk(lo, hi), plan.save_mask, plan.columns, plan.time_step,
                           plan.varying, backend, out=out)
