"""Chunked netCDF stores: a killed run resumes without recomputing finished chunks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from iocdynamics.ensemble import sample_parameters, simulate_ensemble
from iocdynamics.ensemble_store import StoreError

from .conftest import bundled

N, CHUNK, SEED = 600, 20, 17
BASE = bundled("fig5_voluntary_partnership")

SCRIPT = textwrap.dedent("""
    import sys
    from iocdynamics.ensemble import simulate_ensemble
    # the slow numpy back end makes the run long enough to be killed part-way
    simulate_ensemble({n}, {base!r}, seed={seed}, chunk_size={chunk}, store=sys.argv[1],
                      backend="numpy")
""")


def test_killed_run_resumes_from_finished_chunks_and_matches_an_uninterrupted_run(tmp_path):
    store = tmp_path / "ens.nc"
    parts = tmp_path / "ens.nc.parts"
    script = tmp_path / "run.py"
    script.write_text(SCRIPT.format(n=N, base=str(BASE), seed=SEED, chunk=CHUNK))
    proc = subprocess.Popen([sys.executable, str(script), str(store)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(parts.glob("chunk-*.nc"))) >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert not store.exists()
    finished = {p.name: p.stat().st_mtime_ns for p in parts.glob("chunk-*.nc")}
    n_chunks = -(-N // CHUNK)
    assert 3 <= len(finished) < n_chunks
    # every chunk on disk is whole (written atomically): it opens and has its members
    import xarray as xr

    for name in finished:
        with xr.open_dataset(parts / name) as ch:
            assert ch.sizes["member"] == CHUNK

    resumed = simulate_ensemble(N, BASE, seed=SEED, chunk_size=CHUNK, store=store)
    assert resumed.attrs["chunks_reused"] >= len(finished)
    assert resumed.attrs["chunks_computed"] == n_chunks - resumed.attrs["chunks_reused"]
    assert not parts.exists()  # parts are removed once assembled

    reference = simulate_ensemble(N, BASE, seed=SEED, chunk_size=CHUNK)
    for c in reference.data_vars:
        np.testing.assert_array_equal(resumed[c].values, reference[c].values)
    for c in sample_parameters(1, seed=0).columns:
        np.testing.assert_array_equal(resumed[c].values, reference[c].values)
    resumed.close()


def test_finished_chunks_are_not_recomputed(tmp_path, monkeypatch):
    from iocdynamics import ensemble

    store = tmp_path / "e.nc"
    simulate_ensemble(40, BASE, seed=1, chunk_size=10, store=store).close()
    calls = []
    real = ensemble.run_chunk
    monkeypatch.setattr(ensemble, "run_chunk", lambda *a, **k: calls.append(1) or real(*a,
                                                                                      **k))
    again = simulate_ensemble(40, BASE, seed=1, chunk_size=10, store=store)
    assert calls == [] and again.sizes["member"] == 40
    again.close()


def test_a_store_of_another_ensemble_is_not_overwritten(tmp_path):
    store = tmp_path / "e.nc"
    simulate_ensemble(12, BASE, seed=1, chunk_size=5, store=store).close()
    with pytest.raises(StoreError, match="different ensemble"):
        simulate_ensemble(12, BASE, seed=2, chunk_size=5, store=store)
