"""``iocdyn ensemble SCENARIO... -o out.nc``: many runs with the fast engine.

Members are the given scenarios, or (with one scenario as the base) the rows of a
parameter table (``--params table.csv``) or ``--samples N`` parameter sets drawn
with ``--seed``. Results go to a netCDF file; a killed run resumes when the same
command is given again.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("ensemble", help="simulate many scenarios or parameter sets (fast "
                       "engine) into a netCDF file")
    p.add_argument("scenario", nargs="+", help="scenario TOML file(s); with --params or "
                   "--samples, exactly one: the base scenario")
    p.add_argument("-o", "--output", required=True, help="netCDF file to write (resumable)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--params", help="CSV table: one row per member, columns are registry "
                     "parameter names")
    src.add_argument("--samples", type=int, help="draw this many parameter sets uniformly "
                     "over the registry bounds (needs --seed)")
    p.add_argument("--vary", help="comma-separated parameters for --samples (default: every "
                   "mechanism parameter)")
    p.add_argument("--seed", type=int, help="seed of the --samples draw")
    p.add_argument("--columns", help="comma-separated output variables, or 'all' (default: "
                   "stocks and active)")
    p.add_argument("--save-interval", type=float, help="months between saved times")
    p.add_argument("--chunk-size", type=_chunk_size, help="members per chunk (default 2048)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="run on a Dask LocalCluster of N workers")
    where.add_argument("--scheduler", help="run on an existing Dask scheduler (address)")
    p.add_argument("--backend", default="auto", choices=("auto", "numba", "numpy"),
                   help="engine back end (same numbers)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_run)


def _chunk_size(text: str) -> int:
    from ..ensembles import check_chunk_size

    try:
        value = int(text)
    except ValueError:
        value = text
    try:
        return check_chunk_size(value, flag="--chunk-size")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def read_table(path: str):
    """The ``--params`` CSV table, or a ValueError naming the file, the problem and the fix."""
    import io

    import pandas as pd

    where = f"--params {path}"
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{where}: is a folder, not a table; give a CSV file with one row "
                         "per member and registry parameter names as column headers.")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ValueError(f"{where}: cannot read the table ({exc.strerror}); check the "
                         "path.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: not UTF-8 text (byte {exc.start} is "
                         f"0x{raw[exc.start]:02x}); save the table as UTF-8 CSV.") from None
    try:
        table = pd.read_csv(io.StringIO(text))
    except pd.errors.EmptyDataError:
        raise ValueError(f"{where}: the file is empty; give a header row of parameter "
                         "names and one row per member.") from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"{where}: not a CSV table ({exc}).") from None
    table.attrs["source"] = str(path)
    return table


def _run(args) -> int:
    from ..ensembles import sample_parameters, simulate_ensemble

    base = None
    members: object = args.scenario
    if args.params or args.samples is not None:
        if len(args.scenario) != 1:
            raise SystemExit("iocdyn ensemble: --params/--samples take exactly one (base) "
                             f"scenario, not {len(args.scenario)}")
        base = args.scenario[0]
        if args.params:
            members = read_table(args.params)
        else:
            if args.seed is None:
                raise SystemExit("iocdyn ensemble: --samples needs --seed (same seed, same "
                                 "members)")
            names = args.vary.split(",") if args.vary else None
            members = sample_parameters(args.samples, names, seed=args.seed)
    elif args.vary or args.seed is not None:
        raise SystemExit("iocdyn ensemble: --vary and --seed go with --samples")
    columns = None
    if args.columns:
        columns = "all" if args.columns == "all" else args.columns.split(",")
    ds = simulate_ensemble(members, base, columns=columns, save_interval=args.save_interval,
                           chunk_size=args.chunk_size, store=args.output,
                           workers=args.workers, scheduler=args.scheduler,
                           progress=not args.no_progress, backend=args.backend)
    reused = ds.attrs.get("chunks_reused", 0)
    note = f"; {reused} chunk(s) reused from an earlier run" if reused else ""
    print(f"wrote {args.output} ({ds.sizes['member']} members x {ds.sizes['time']} times, "
          f"{len(ds.data_vars)} variables{note})")
    ds.close()
    return 0
