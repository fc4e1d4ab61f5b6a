"""``iocdyn bifurcation SCENARIO --param NAME --range A B [-o FIG] [--variable STOCK]``."""

from __future__ import annotations

import argparse

from . import renamed_option

FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def register(sub) -> None:
    p = sub.add_parser("bifurcation",
                       help="equilibria against a lever or context (continuation, "
                            "tipping points, hysteresis)")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--param", required=True, help="registry parameter to vary")
    p.add_argument("--range", nargs=2, type=float, required=True, metavar=("A", "B"),
                   help="range of the parameter (within its registry bounds)")
    p.add_argument("--variable", default="collaborative_behaviour",
                   help="stock or auxiliary on the vertical axis (default: "
                        "collaborative_behaviour)")
    p.add_argument("-o", "--output", default=None,
                   help="figure path; PNG and PDF are written (default: "
                        "bifurcation_<param>.png)")
    p.add_argument("--figure", action=renamed_option("-o/--output FIGURE"),
                   help=argparse.SUPPRESS)
    p.add_argument("--table", help="also write the branch points as CSV")
    p.add_argument("--set", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="override a registry value (repeatable)")
    p.add_argument("--no-sweep", action="store_true", help="skip the hysteresis sweep")
    p.add_argument("--seed", type=int, default=0, help="seed of the equilibrium search")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..analysis.bifurcation import (
        bifurcation_table,
        continuation,
        hysteresis_sweep,
        plot_bifurcation,
    )
    from ..io import atomic_write, check_output_file
    from . import parse_sets

    check_figure_path(args.output)
    for flag, path in (("-o", args.output), ("--table", args.table)):
        if path:
            check_output_file(path, flag)
    sets = parse_sets(args.set)
    lo, hi = args.range
    d = continuation(args.scenario, args.param, lo, hi, seed=args.seed, **sets)
    if args.variable not in d.system.states and args.variable not in d.system.auxiliaries:
        raise KeyError(f"--variable {args.variable!r} is not a stock or auxiliary; stocks: "
                       f"{', '.join(d.system.states)}")
    if not args.no_sweep:
        hysteresis_sweep(d, args.scenario, **sets)
    for t in d.tipping_points:
        print(f"{t.kind} at {args.param} = {t.p:.4g}")
    if not d.tipping_points:
        print(f"no tipping point for {args.param} in [{lo:g}, {hi:g}]")
    fig, ax = plt.subplots(figsize=(8, 5))
    plot_bifurcation(d, args.variable, ax=ax)
    fig.tight_layout()
    stem = Path(args.output or f"bifurcation_{args.param}.png").with_suffix("")
    for fmt in ("png", "pdf"):
        out = stem.with_suffix(f".{fmt}")
        atomic_write(out, lambda p, fmt=fmt: fig.savefig(p, dpi=150, format=fmt))
        print(f"wrote {out}")
    plt.close(fig)
    if args.table:
        df = bifurcation_table(d, args.variable)
        atomic_write(args.table, lambda p: df.to_csv(p, index=False, float_format="%.10g"))
        print(f"wrote {args.table}")
    return 0


def check_figure_path(path: str | None) -> None:
    """Refuse a model variable given where the figure path goes (the old meaning of
    ``--output``) and a path that is not a figure."""
    if path is None:
        return
    from pathlib import Path

    from ..simulation import all_columns

    if path in all_columns():
        raise ValueError(f"--output {path} names a model variable: -o/--output is the "
                         f"figure path; the vertical axis is --variable {path}")
    if Path(path).suffix.lower() not in FIGURE_SUFFIXES:
        raise ValueError(f"--output {path}: a figure path ends in "
                         f"{', '.join(FIGURE_SUFFIXES)} (PNG and PDF are written beside it)")
