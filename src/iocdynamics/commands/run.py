"""``iocdyn run SCENARIO -o out.csv|.xlsx|.nc [--plot out.png] [--engine pysd]
[--model MINE.mdl]``."""

from __future__ import annotations

from pathlib import Path

PLOT_FORMATS = (".png", ".pdf", ".svg")


def register(sub) -> None:
    p = sub.add_parser("run", help="simulate one scenario and write its trajectories")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("-o", "--output", required=True,
                   help="table to write: .csv, .xlsx (a spreadsheet) or .nc (netCDF)")
    p.add_argument("--plot", help="also write a figure (PNG or PDF)")
    p.add_argument("--engine", default=None, choices=("pysd", "fast", "xmile"),
                   help="simulation engine (default: the package default)")
    p.add_argument("--all-columns", action="store_true",
                   help="write every auxiliary and flow too")
    p.add_argument("--model", default=None, metavar="FILE.mdl",
                   help="run an edited copy of ioc.mdl (or ioc.xmile) through PySD; the "
                        "names it adds, lacks or renames are reported first")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..io import atomic_write, check_output_file
    from ..plotting import plot_scenario
    from ..results_export import TABLE_SUFFIXES, write_table
    from ..scenario import load_scenario
    from ..simulation import DEFAULT_ENGINE, simulate

    check_output_file(args.output, "-o")
    if Path(args.output).suffix.lower() not in TABLE_SUFFIXES:
        raise ValueError(f"-o {args.output}: the file name must end in one of "
                         f"{', '.join(TABLE_SUFFIXES)} (it sets the format)")
    if args.model and args.engine:
        raise ValueError("--model runs the file through PySD; leave out --engine")
    if args.plot:
        check_output_file(args.plot, "--plot")
        if Path(args.plot).suffix.lower() not in PLOT_FORMATS:
            raise ValueError(f"--plot {args.plot}: the file name must end in one of "
                             f"{', '.join(PLOT_FORMATS)} (it sets the format)")
    sc = load_scenario(args.scenario)
    if args.model:
        from ..variant import load_variant

        v = load_variant(args.model)
        for line in v.report.lines():
            print(f"{args.model}: {line}")
    df = simulate(sc, engine=None if args.model else args.engine or DEFAULT_ENGINE,
                  columns="all" if args.all_columns else None, model=args.model)
    write_table(df, args.output, notes={
        "scenario": str(sc.source), "model": str(args.model or "the package's model"),
        "engine": "pysd" if args.model else (args.engine or DEFAULT_ENGINE),
        "time": "months"})
    print(f"wrote {args.output} ({len(df)} rows, {len(df.columns)} columns)")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = plot_scenario(df, sc)
        atomic_write(args.plot, lambda p: fig.savefig(p, dpi=150,
                                                       format=Path(args.plot).suffix[1:]))
        plt.close(fig)
        print(f"wrote {args.plot}")
    return 0
