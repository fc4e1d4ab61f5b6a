"""Chunked, resumable ensemble results on disk (netCDF through xarray).

Each finished chunk is written atomically to ``<store>.parts/chunk-NNNNNN.nc``
beside a ``manifest.json`` holding the fingerprint of the ensemble (every input
that determines the numbers). A run killed part-way leaves only whole chunk
files; the next run with the same inputs skips them. When every chunk is there,
the parts are streamed into ``<store>`` (written atomically, fingerprint in its
attributes) and removed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import xarray as xr

from .io import atomic_write, atomic_write_text

FINGERPRINT_ATTR = "ensemble_fingerprint"


class StoreError(ValueError):
    """A store on disk belongs to a different ensemble."""


class ChunkStore:
    """Completed chunks of one ensemble on disk.

    Parameters
    ----------
    path : path
        Final netCDF file.
    plan : iocdynamics.ensemble.EnsemblePlan
    chunk_size : int
    """

    def __init__(self, path: str | Path, plan, chunk_size: int):
        self.path = Path(path)
        self.parts = self.path.with_name(self.path.name + ".parts")
        self.plan = plan
        self.chunk_size = chunk_size
        self.n_chunks = -(-plan.n_members // chunk_size)
        self.fingerprint = plan.fingerprint(chunk_size)

    # ------------------------------------------------------------ state
    def complete(self) -> bool:
        """Whether the final file exists for exactly this ensemble."""
        if not self.path.exists():
            return False
        with xr.open_dataset(self.path) as ds:
            found = ds.attrs.get(FINGERPRINT_ATTR)
        if found != self.fingerprint:
            raise StoreError(
                f"{self.path} holds a different ensemble (other members, columns, model or "
                "chunk size); delete it or choose another store path.")
        return True

    def _manifest(self) -> dict:
        return {"fingerprint": self.fingerprint, "members": self.plan.n_members,
                "chunk_size": self.chunk_size, "chunks": self.n_chunks,
                "columns": list(self.plan.columns)}

    def finished_chunks(self) -> set[int]:
        """Indices of the chunks already on disk (creates the parts folder if needed)."""
        manifest = self.parts / "manifest.json"
        if manifest.exists():
            found = json.loads(manifest.read_text(encoding="utf-8"))
            if found.get("fingerprint") != self.fingerprint:
                raise StoreError(
                    f"{self.parts} holds chunks of a different ensemble (other members, "
                    "columns, model or chunk size); delete the folder to start afresh or "
                    "rerun with the original inputs to resume.")
        else:
            self.parts.mkdir(parents=True, exist_ok=True)
            atomic_write_text(manifest, json.dumps(self._manifest(), indent=1) + "\n")
        done = set()
        for f in self.parts.glob("chunk-*.nc"):
            try:
                k = int(f.stem.split("-")[1])
            except (IndexError, ValueError):
                continue
            if 0 <= k < self.n_chunks:
                done.add(k)
        return done

    def chunk_path(self, k: int) -> Path:
        return self.parts / f"chunk-{k:06d}.nc"

    # ----------------------------------------------------------- writing
    def write_chunk(self, k: int, lo: int, hi: int, out: np.ndarray) -> Path:
        """Write chunk ``k`` (members ``lo:hi``, array ``(members, time, columns)``)."""
        from .ensemble import ensemble_dataset

        data = {c: out[:, :, j] for j, c in enumerate(self.plan.columns)}
        ds = ensemble_dataset(self.plan, data, lo, hi)
        return atomic_write(self.chunk_path(k),
                            lambda p: ds.to_netcdf(p, engine="netcdf4"))

    def assemble(self) -> Path:
        """Stream every chunk into the final file, then remove the parts."""
        import dask

        missing = sorted(set(range(self.n_chunks)) - self.finished_chunks())
        if missing:
            raise RuntimeError(f"cannot assemble {self.path}: chunks {missing[:5]} missing")
        files = [self.chunk_path(k) for k in range(self.n_chunks)]
        with dask.config.set(scheduler="synchronous"):
            ds = xr.open_mfdataset(files, combine="nested", concat_dim="member",
                                   data_vars="minimal", coords="minimal",
                                   compat="override", join="override",
                                   engine="netcdf4", parallel=False)
            try:
                ds.attrs[FINGERPRINT_ATTR] = self.fingerprint
                encoding = {c: {"zlib": False} for c in self.plan.columns}
                atomic_write(self.path, lambda p: ds.to_netcdf(p, engine="netcdf4",
                                                               encoding=encoding))
            finally:
                ds.close()
        shutil.rmtree(self.parts, ignore_errors=True)
        return self.path

    def open(self) -> xr.Dataset:
        """The final file, opened lazily (``.load()`` reads it into memory)."""
        return xr.open_dataset(self.path, engine="netcdf4")
