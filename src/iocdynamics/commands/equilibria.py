"""``iocdyn equilibria SCENARIO [--seed 0] [--starts 96] [-o table.csv]``."""

from __future__ import annotations

from . import bounded_int, parse_sets


def register(sub) -> None:
    p = sub.add_parser("equilibria",
                       help="equilibria of a scenario's event-free model, with stability")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--seed", type=int, default=0, help="seed of the multistart search")
    p.add_argument("--starts", type=bounded_int(1, 100_000), default=96,
                   help="number of starting points (1 to 100000)")
    p.add_argument("--set", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="override a registry value (repeatable)")
    p.add_argument("-o", "--output", help="also write the table as CSV")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..analysis.autonomous import ASSUMPTIONS, autonomous_system
    from ..analysis.equilibria import equilibria_table, find_equilibria
    from ..io import atomic_write, check_output_file

    if args.output:
        check_output_file(args.output, "-o")
    system = autonomous_system(args.scenario, **parse_sets(args.set))
    eqs = find_equilibria(system, n_starts=args.starts, seed=args.seed)
    df = equilibria_table(system, eqs)
    print(f"{system.name}: {len(eqs)} equilibri{'um' if len(eqs) == 1 else 'a'} "
          f"({ASSUMPTIONS})")
    show = ["type", "unstable_dims", "max_residual", "trust", "faith", "conflict",
            "risk_tolerance", "collaborative_behaviour", "performance"]
    import pandas as pd

    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.float_format", "{:.4g}".format):
        print(df[show].to_string())
    if args.output:
        atomic_write(args.output, lambda p: df.to_csv(p, float_format="%.10g"))
        print(f"wrote {args.output}")
    return 0
