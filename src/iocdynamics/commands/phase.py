"""``iocdyn phase SCENARIO --x trust --y faith -o FIG [--mode qss|fixed]``."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("phase", help="phase portrait of two stocks (writes PNG and PDF)")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--x", default="trust", help="stock on the horizontal axis")
    p.add_argument("--y", default="faith", help="stock on the vertical axis")
    p.add_argument("-o", "--output", required=True,
                   help="figure path; PNG and PDF are written (suffix replaced)")
    p.add_argument("--mode", default="qss", choices=("qss", "fixed"),
                   help="other stocks at quasi-steady state (qss) or held at their "
                        "initial values (fixed)")
    p.add_argument("--fix", nargs=2, action="append", default=[], metavar=("STOCK", "VALUE"),
                   help="in fixed mode, the value of a held stock (repeatable)")
    p.add_argument("--set", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="override a registry value (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed of the equilibrium search")
    p.set_defaults(func=_run)


def _run(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ..analysis.phase import phase_data, save_phase_figure
    from ..io import check_output_file
    from . import parse_sets

    check_output_file(args.output, "-o")
    fixed = {}
    for name, text in args.fix:
        try:
            fixed[name] = float(text)
        except ValueError:
            raise ValueError(f"--fix {name} {text!r}: the value must be a number") from None
    data = phase_data(args.scenario, args.x, args.y, mode=args.mode, fixed=fixed or None,
                      seed=args.seed, **parse_sets(args.set))
    for path in save_phase_figure(data, args.output):
        print(f"wrote {path}")
    return 0
