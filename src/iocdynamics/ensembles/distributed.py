"""Running ensemble chunks on Dask (a new ``LocalCluster`` or an existing scheduler).

Each chunk is one task; at most a few chunks per worker are in flight, so the
client never holds more than a bounded number of results. Workers need
``iocdynamics`` importable (it is on a ``LocalCluster``); each compiles or loads
the cached engine kernel once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from .compute import run_chunk

IN_FLIGHT_PER_WORKER = 2


def iter_distributed(plan, todo: Sequence[tuple[int, tuple[int, int]]], backend: str, *,
                     workers: int | None = None, scheduler: str | None = None
                     ) -> Iterator[tuple[int, np.ndarray]]:
    """Run the chunks ``todo`` (``(index, (lo, hi))``) on Dask; yield ``(index, array)``
    as they complete (in any order)."""
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is not None:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers or 1)
        pending = iter(todo)
        index = {}
        ac = as_completed()

        def submit_next() -> bool:
            item = next(pending, None)
            if item is None:
                return False
            k, (lo, hi) = item
            inputs_f = client.scatter(plan.chunk(lo, hi))
            fut = client.submit(run_chunk, inputs_f, plan.save_mask, plan.columns,
                                plan.time_step, plan.varying, backend, False, pure=False)
            index[fut.key] = (k, inputs_f)  # keep the scattered inputs alive until done
            ac.add(fut)
            return True

        for _ in range(IN_FLIGHT_PER_WORKER * n_workers):
            if not submit_next():
                break
        for fut in ac:
            out = fut.result()
            k, inputs_f = index.pop(fut.key)
            fut.release()
            inputs_f.release()
            submit_next()
            yield k, out
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
