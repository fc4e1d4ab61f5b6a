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

from iocdynamics.ensembles import StoreError, sample_parameters, simulate_ensemble

from .conftest import bundled

N, CHUNK, SEED = 400, 2, 17
BASE = bundled("fig5_voluntary_partnership")

SCRIPT = textwrap.dedent("""
    import sys
    from iocdynamics.ensembles import simulate_ensemble
    # many small chunks (a file each) make the run long enough to be killed part-way
    simulate_ensemble({n}, {base!r}, seed={seed}, chunk_size={chunk}, store=sys.argv[1])
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

    # an uninterrupted run in one chunk with the numpy back end: the same numbers
    reference = simulate_ensemble(N, BASE, seed=SEED, chunk_size=N, backend="numpy")
    for c in reference.data_vars:
        np.testing.assert_array_equal(resumed[c].values, reference[c].values)
    for c in sample_parameters(1, seed=0).columns:
        np.testing.assert_array_equal(resumed[c].values, reference[c].values)
    resumed.close()


def test_finished_chunks_are_not_recomputed(tmp_path, monkeypatch):
    from iocdynamics.ensembles import compute as ensemble

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


class _Interrupt(Exception):
    pass


def _interrupted_run(store, monkeypatch, backend, after=2):
    """Run until ``after`` chunks are on disk, then stop as a kill would."""
    from iocdynamics.ensembles import compute as ensemble

    real = ensemble.run_chunk
    calls = []

    def run_some(*a, **k):
        if len(calls) == after:
            raise _Interrupt
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(ensemble, "run_chunk", run_some)
    with pytest.raises(_Interrupt):
        simulate_ensemble(40, BASE, seed=1, chunk_size=10, store=store, backend=backend)
    monkeypatch.undo()


def test_a_resume_with_another_back_end_is_refused_naming_both(tmp_path, monkeypatch):
    store = tmp_path / "e.nc"
    _interrupted_run(store, monkeypatch, "numpy")
    assert len(list((tmp_path / "e.nc.parts").glob("chunk-*.nc"))) == 2
    with pytest.raises(StoreError, match=r"computed by the numpy engine back end; this run "
                                         r"uses numba\. Rerun with backend='numpy'"):
        simulate_ensemble(40, BASE, seed=1, chunk_size=10, store=store, backend="numba")
    # the same back end resumes, and the finished file refuses the other one too
    done = simulate_ensemble(40, BASE, seed=1, chunk_size=10, store=store, backend="numpy")
    assert done.attrs["chunks_reused"] == 2
    done.close()
    with pytest.raises(StoreError, match="numpy engine back end"):
        simulate_ensemble(40, BASE, seed=1, chunk_size=10, store=store, backend="numba")


def test_a_store_of_another_engine_version_is_refused(tmp_path, monkeypatch):
    import json

    store = tmp_path / "e.nc"
    _interrupted_run(store, monkeypatch, "numba")
    manifest = tmp_path / "e.nc.parts" / "manifest.json"
    found = json.loads(manifest.read_text())
    found["engine"], found["fingerprint"] = "0123456789abcdef", "other"
    manifest.write_text(json.dumps(found))
    with pytest.raises(StoreError, match="another version of the engine"):
        simulate_ensemble(40, BASE, seed=1, chunk_size=10, store=store, backend="numba")


def test_the_same_ensemble_gives_the_same_file_bytes(tmp_path):
    """Two uninterrupted runs, one with members finishing in another order (on a
    2-worker cluster, smaller chunks would change the fingerprint), give equal bytes;
    scenario members (string coordinates) too."""
    paths = []
    for name in ("a", "b"):
        ds = simulate_ensemble(50, BASE, seed=3, chunk_size=7, store=tmp_path / f"{name}.nc")
        ds.close()
        paths.append(tmp_path / f"{name}.nc")
    assert paths[0].read_bytes() == paths[1].read_bytes()
    scenarios = [bundled("voluntary_buddying"), bundled("imposed_buddying"),
                 bundled("voluntary_buddying")]
    for name in ("c", "d"):
        simulate_ensemble(scenarios, chunk_size=2, store=tmp_path / f"{name}.nc").close()
    assert (tmp_path / "c.nc").read_bytes() == (tmp_path / "d.nc").read_bytes()
