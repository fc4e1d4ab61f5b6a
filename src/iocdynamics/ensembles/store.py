"""Chunked, resumable ensemble results on disk (netCDF through xarray and netCDF4).

Each finished chunk is written atomically to ``<store>.parts/chunk-NNNNNN.nc``
beside a ``manifest.json`` holding the fingerprint of the ensemble (every input
that determines the numbers, the engine's version and its back end). A run
killed part-way leaves only whole chunk files; the next run with the same inputs
skips them. When every chunk is there, they are copied into ``<store>`` in member
order (written atomically, fingerprint in its attributes) and removed.

The final file is the same, byte for byte, whenever the same ensemble is run
again with the same library versions (netCDF and HDF5 record their versions in
the file): the coordinates and attributes are written first, then every
variable is laid out contiguously and filled chunk by chunk in a fixed order,
with no time stamps.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import xarray as xr

from ..io import atomic_write, atomic_write_text
from .labels import ensemble_dataset

FINGERPRINT_ATTR = "ensemble_fingerprint"
BACKEND_ATTR = "engine_backend"
VERSION_ATTR = "engine_version"


class StoreError(ValueError):
    """A store on disk belongs to a different ensemble."""


class ChunkStore:
    """Completed chunks of one ensemble on disk.

    Parameters
    ----------
    path : path
        Final netCDF file.
    plan : iocdynamics.ensembles.EnsemblePlan
    chunk_size : int
    backend : str
        The engine back end computing the chunks (``"numba"`` or ``"numpy"``).
    engine_version : str
        :attr:`iocdynamics.engine.Kernel.version` of the kernel computing them.
    """

    def __init__(self, path: str | Path, plan, chunk_size: int, backend: str,
                 engine_version: str):
        self.path = Path(path)
        self.parts = self.path.with_name(self.path.name + ".parts")
        self.plan = plan
        self.chunk_size = chunk_size
        self.n_chunks = -(-plan.n_members // chunk_size)
        self.backend = backend
        self.engine_version = engine_version
        self.inputs = plan.fingerprint(chunk_size)
        self.fingerprint = hashlib.sha256(
            f"{self.inputs} {backend} {engine_version}".encode()).hexdigest()

    # ------------------------------------------------------------ state
    def _mismatch(self, where: Path, found: dict, what: str, fresh: str) -> StoreError:
        """The error for a store of another ensemble, naming what differs."""
        if found.get("inputs") == self.inputs and found.get("backend") not in (None,
                                                                              self.backend):
            return StoreError(
                f"{where} holds {what} computed by the {found['backend']} engine back end; "
                f"this run uses {self.backend}. Rerun with backend='{found['backend']}' "
                f"(iocdyn ensemble --backend {found['backend']}) to use it, or {fresh}.")
        if found.get("inputs") == self.inputs and found.get("engine") not in (
                None, self.engine_version):
            return StoreError(
                f"{where} holds {what} computed by another version of the engine "
                f"({found['engine']}; this one is {self.engine_version}: the equations or "
                f"the engine changed since); {fresh}.")
        return StoreError(
            f"{where} holds {what} of a different ensemble (other members, columns, "
            f"model or chunk size); {fresh}.")

    def complete(self) -> bool:
        """Whether the final file exists for exactly this ensemble."""
        if not self.path.exists():
            return False
        with xr.open_dataset(self.path) as ds:
            found = {"fingerprint": ds.attrs.get(FINGERPRINT_ATTR),
                     "inputs": ds.attrs.get("ensemble_inputs"),
                     "backend": ds.attrs.get(BACKEND_ATTR),
                     "engine": ds.attrs.get(VERSION_ATTR)}
        if found["fingerprint"] != self.fingerprint:
            raise self._mismatch(self.path, found, "results",
                                 "delete it or choose another store path")
        return True

    def _manifest(self) -> dict:
        return {"fingerprint": self.fingerprint, "inputs": self.inputs,
                "backend": self.backend, "engine": self.engine_version,
                "members": self.plan.n_members, "chunk_size": self.chunk_size,
                "chunks": self.n_chunks, "columns": list(self.plan.columns)}

    def finished_chunks(self) -> set[int]:
        """Indices of the chunks already on disk (creates the parts folder if needed)."""
        manifest = self.parts / "manifest.json"
        if manifest.exists():
            found = json.loads(manifest.read_text(encoding="utf-8"))
            if found.get("fingerprint") != self.fingerprint:
                raise self._mismatch(self.parts, found, "chunks",
                                     "delete the folder to start afresh")
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
        """Write chunk ``k`` (members ``lo:hi``, array ``(members, columns, time)``)."""
        data = {c: out[:, j] for j, c in enumerate(self.plan.columns)}
        ds = ensemble_dataset(self.plan, data, lo, hi)
        return atomic_write(self.chunk_path(k),
                            lambda p: ds.to_netcdf(p, engine="netcdf4"))

    def assemble(self) -> Path:
        """Copy every chunk, in member order, into the final file; then remove the parts."""
        missing = sorted(set(range(self.n_chunks)) - self.finished_chunks())
        if missing:
            raise RuntimeError(f"cannot assemble {self.path}: chunks {missing[:5]} missing")
        atomic_write(self.path, self._write_final)
        shutil.rmtree(self.parts, ignore_errors=True)
        return self.path

    def _write_final(self, path: Path) -> None:
        import netCDF4

        skeleton = ensemble_dataset(self.plan, None)  # coordinates and attributes
        skeleton.attrs.update({FINGERPRINT_ATTR: self.fingerprint,
                               "ensemble_inputs": self.inputs, BACKEND_ATTR: self.backend,
                               VERSION_ATTR: self.engine_version})
        skeleton.to_netcdf(path, engine="netcdf4")
        n = self.plan.n_members
        with netCDF4.Dataset(path, "a") as nc:
            nc.set_auto_mask(False)
            variables = [nc.createVariable(c, "f8", ("member", "time"), fill_value=np.nan)
                         for c in self.plan.columns]
            for k in range(self.n_chunks):
                lo, hi = k * self.chunk_size, min((k + 1) * self.chunk_size, n)
                with netCDF4.Dataset(self.chunk_path(k)) as part:
                    part.set_auto_mask(False)
                    for c, var in zip(self.plan.columns, variables):
                        var[lo:hi, :] = part[c][:]

    def open(self) -> xr.Dataset:
        """The final file, opened lazily (``.load()`` reads it into memory)."""
        return xr.open_dataset(self.path, engine="netcdf4")
