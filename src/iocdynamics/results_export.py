"""Write a table of results as CSV, netCDF or an Excel workbook, chosen by the file's
suffix: the same trajectories for a spreadsheet user, a Python user and a
netCDF reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .io import atomic_write

#: Suffixes :func:`write_table` understands.
TABLE_SUFFIXES = (".csv", ".xlsx", ".nc")


def write_table(df: pd.DataFrame, path: str | Path, *, sheet: str = "trajectories",
                notes: dict[str, str] | None = None) -> Path:
    """Write ``df`` (indexed by time) to ``path`` by its suffix, atomically.

    Parameters
    ----------
    df : DataFrame
    path : path
        ``.csv``, ``.xlsx`` (openpyxl; a second sheet ``about`` holds ``notes``)
        or ``.nc`` (netCDF through xarray; ``notes`` become attributes).
    sheet : str
        Name of the data sheet of a workbook.
    notes : dict, optional
        Provenance (scenario, engine, model file...).

    Raises
    ------
    ValueError
        For another suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    notes = notes or {}
    if suffix == ".csv":
        return atomic_write(path, lambda p: df.to_csv(p, float_format="%.10g"))
    if suffix == ".xlsx":
        def write(p):
            with pd.ExcelWriter(p, engine="openpyxl") as xl:
                df.to_excel(xl, sheet_name=sheet)
                if notes:
                    pd.Series(notes, name="value").rename_axis("about").to_excel(
                        xl, sheet_name="about")
        return atomic_write(path, write)
    if suffix == ".nc":
        ds = df.to_xarray()
        ds.attrs.update({k: str(v) for k, v in notes.items()})
        return atomic_write(path, lambda p: ds.to_netcdf(p))
    raise ValueError(f"{path}: write results as {', '.join(TABLE_SUFFIXES)} (chosen by the "
                     "file's suffix)")
