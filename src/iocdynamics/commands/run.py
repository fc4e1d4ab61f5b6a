"""``iocdyn run SCENARIO -o out.csv [--plot out.png] [--engine pysd]``."""

from __future__ import annotations

from pathlib import Path

PLOT_FORMATS = (".png", ".pdf", ".svg")


def register(sub) -> None:
    p = sub.add_parser("run", help="simulate one scenario and write its trajectories")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("-o", "--output", required=True, help="CSV file to write")
    p.add_argument("--plot", help="also write a figure (PNG or PDF)")
    p.add_argument("--engine", default=None, choices=("pysd", "fast", "xmile"),
                   help="simulation engine (default: the package default)")
    p.add_argument("--all-columns", action="store_true",
                   help="write every auxiliary and flow too")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..io import atomic_write, check_output_file
    from ..plotting import plot_scenario
    from ..scenario import load_scenario
    from ..simulation import DEFAULT_ENGINE, simulate

    check_output_file(args.output, "-o")
    if args.plot:
        check_output_file(args.plot, "--plot")
        if Path(args.plot).suffix.lower() not in PLOT_FORMATS:
            raise ValueError(f"--plot {args.plot}: the file name must end in one of "
                             f"{', '.join(PLOT_FORMATS)} (it sets the format)")
    sc = load_scenario(args.scenario)
    df = simulate(sc, engine=args.engine or DEFAULT_ENGINE,
                  columns="all" if args.all_columns else None)
    atomic_write(args.output, lambda p: df.to_csv(p, float_format="%.10g"))
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
