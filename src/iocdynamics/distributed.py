"""Running ensemble chunks on Dask (a new ``LocalCluster`` or an existing scheduler).

Each chunk is one task; at most a few chunks per worker are in flight, so the
client never holds more than a bounded number of results. Workers need
``iocdynamics`` importable (it is on a ``LocalCluster``); each compiles or loads
the cached engine kernel once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

IN_FLIGHT_PER_WORKER = 2


def iter_distributed(plan, todo: Sequence[tuple[int, tuple[int, int]]], backend: str, *,
                     workers: int | None = None, scheduler: str | None = None
                     ) -> Iterator[tuple[int, np.ndarray]]:
    """Run the chunks ``todo`` (``(index, (lo, hi))``) on Dask; yield ``(index, array)``
    as they complete (in any order)."""
    from dask.distributed import Client, LocalCluster, as_completed

    from .ensemble import run_chunk

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
            P, S, sidx = plan.chunk(lo, hi)
            P_f, S_f = client.scatter([P, S])
            fut = client.submit(run_chunk, P_f, S_f, sidx, plan.save_mask, plan.columns,
                                plan.time_step, plan.varying, backend, False, pure=False)
            index[fut.key] = (k, P_f, S_f)  # keep the scattered inputs alive until done
            ac.add(fut)
            return True

        for _ in range(IN_FLIGHT_PER_WORKER * n_workers):
            if not submit_next():
                break
        for fut in ac:
            out = fut.result()
            k, P_f, S_f = index.pop(fut.key)
            fut.release()
            P_f.release()
            S_f.release()
            submit_next()
            yield k, out
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
