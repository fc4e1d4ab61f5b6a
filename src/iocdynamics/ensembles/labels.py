"""The result of an ensemble as a labelled xarray Dataset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from .plan import EnsemblePlan


def ensemble_dataset(plan: EnsemblePlan, data: Mapping[str, np.ndarray] | None,
                     lo: int = 0, hi: int | None = None) -> xr.Dataset:
    """Label the results of members ``lo:hi`` of ``plan`` as an xarray Dataset
    (``data=None``: the coordinates and attributes only)."""
    hi = plan.n_members if hi is None else hi
    coords: dict[str, Any] = {"member": np.arange(lo, hi),
                              "time": ("time", plan.save_times, {"units": "Month"})}
    for name, values in plan.coords.items():
        coords[name] = ("member", values[lo:hi])
    variables = {} if data is None else {c: (("member", "time"), data[c])
                                         for c in plan.columns}
    ds = xr.Dataset(variables, coords=coords)
    ds.attrs.update(plan.attrs)
    ds.attrs.update({"final_time": plan.final_time, "time_step": plan.time_step,
                     "time_units": "Month"})
    return ds
