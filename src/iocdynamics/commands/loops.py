"""``iocdyn loops SCENARIO -o scores.csv [--plot fig.png] [--table loops.csv] [--gains g.csv]``."""

from __future__ import annotations

from pathlib import Path

FIGURE_FORMATS = ("png", "pdf", "svg")


def register(sub) -> None:
    p = sub.add_parser("loops", help="which feedback loops drive a scenario (Loops That "
                                     "Matter), with a dominance figure")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("-o", "--output", required=True,
                   help="CSV of relative loop scores of the named loops over time")
    p.add_argument("--plot", help="dominance figure (PNG, PDF or SVG)")
    p.add_argument("--table", help="CSV with one row per loop: name, claims, polarity, "
                                   "variables, mean and peak relative score")
    p.add_argument("--gains", help="CSV of open-loop gains and eigenvalue elasticities of "
                                   "the named loops at each equilibrium")
    p.add_argument("--all-loops", action="store_true",
                   help="write every loop's relative score, not only the named ones")
    p.add_argument("--every-step", action="store_true",
                   help="write every time step (default: the scenario's save times)")
    p.add_argument("--named", help="named-loops TOML (default: the model's)")
    p.add_argument("--convention", default="aligned", choices=("aligned", "published"),
                   help="timing of the flow-to-stock link score (see docs/loops.md)")
    p.add_argument("--set", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="override a registry value (repeatable)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    import pandas as pd

    from ..io import atomic_write, check_output_file
    from ..loops import equilibrium_loop_gains, loop_scores
    from . import parse_sets

    for flag, path in (("-o", args.output), ("--plot", args.plot), ("--table", args.table),
                       ("--gains", args.gains)):
        if path:
            check_output_file(path, flag)
    if args.plot and Path(args.plot).suffix.lstrip(".").lower() not in FIGURE_FORMATS:
        raise ValueError(f"--plot {args.plot}: the figure must end in "
                         f"{', '.join('.' + f for f in FIGURE_FORMATS)}")
    sets = parse_sets(args.set)
    res = loop_scores(args.scenario, named=args.named, convention=args.convention, **sets)
    frame = res.named_relative()
    if args.all_loops:
        frame = pd.concat([frame, res.relative], axis=1)
    if not args.every_step:
        frame = res.at_save_times(frame)
    atomic_write(args.output, lambda p: frame.to_csv(p, float_format="%.10g"))
    print(f"{res.scenario.name}: {len(res.loops)} feedback loops, "
          f"{len(res.named)} named; wrote {args.output}")
    times = sorted({0.0, *(e.at for e in res.scenario.events), res.scenario.final_time})
    share = res.reinforcing_share()
    for a, b in zip(times, times[1:]):
        if b > a:
            top = res.dominant(a, b).head(3)
            r = share[(share.index >= a) & (share.index <= b)].mean()
            print(f"  {a:5.1f}-{b:5.1f} months: reinforcing {r:.2f}; "
                  + ", ".join(f"{k} {v:+.2f}" for k, v in top.items()))
    if args.table:
        atomic_write(args.table, lambda p: res.table.to_csv(p, float_format="%.10g"))
        print(f"wrote {args.table}")
    if args.gains:
        g = equilibrium_loop_gains(res.scenario, named=args.named, n_eigen=None)
        atomic_write(args.gains, lambda p: g.table.to_csv(p, index=False,
                                                           float_format="%.10g"))
        print(f"wrote {args.gains} ({len(g.equilibria)} equilibria)")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from ..loops import plot_dominance

        top, _ = plot_dominance(res)
        fig = top.figure
        fmt = Path(args.plot).suffix.lstrip(".").lower()
        atomic_write(args.plot, lambda p: fig.savefig(p, dpi=150, format=fmt))
        plt.close(fig)
        print(f"wrote {args.plot}")
    return 0
