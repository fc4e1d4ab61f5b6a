"""Dask scale-out: a 2-worker LocalCluster and an existing scheduler give the same
numbers as an in-process run with the same seed."""

from __future__ import annotations

import numpy as np
import pytest

from iocdynamics.ensembles import simulate_ensemble

from .conftest import bundled

BASE = bundled("fig5_voluntary_partnership")


def _same(a, b):
    assert a.sizes == b.sizes
    for name in list(a.data_vars) + list(a.coords):
        np.testing.assert_array_equal(a[name].values, b[name].values)


def test_local_cluster_matches_in_process():
    local = simulate_ensemble(300, BASE, seed=4, chunk_size=40)
    on_cluster = simulate_ensemble(300, BASE, seed=4, chunk_size=40, workers=2)
    _same(local, on_cluster)


@pytest.mark.slow
def test_existing_scheduler_with_a_store_matches_in_process(tmp_path):
    from dask.distributed import LocalCluster

    local = simulate_ensemble(300, BASE, seed=4, chunk_size=40)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        stored = simulate_ensemble(300, BASE, seed=4, chunk_size=40,
                                   scheduler=cluster.scheduler_address,
                                   store=tmp_path / "d.nc")
        _same(local, stored.load())
        stored.close()


def test_workers_and_scheduler_are_exclusive():
    with pytest.raises(ValueError, match="not both"):
        simulate_ensemble(2, seed=1, workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="positive"):
        simulate_ensemble(2, seed=1, workers=0)
