"""``iocdyn regimes [--robustness] [--draws 40] [--spread 0.2] [--seed 0]``."""

from __future__ import annotations

from . import bounded_int


def register(sub) -> None:
    p = sub.add_parser("regimes",
                       help="synergy and inertia along a context path from set up for "
                            "failure to favourable; optionally their robustness")
    p.add_argument("--robustness", action="store_true",
                   help="repeat the census over random draws of every mechanism constant")
    p.add_argument("--draws", type=bounded_int(1, 10_000), default=40,
                   help="number of draws (1 to 10000)")
    p.add_argument("--spread", type=float, default=0.2,
                   help="relative spread of each draw around the default (0 < s < 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..analysis.regimes import SYNERGY_LEVEL, regime_census, robustness

    if not 0 < args.spread < 1:
        raise ValueError(f"--spread {args.spread}: choose a value in (0, 1), e.g. 0.2")
    names = {"S": "synergy only", "i": "inertia only", "Si": "synergy and inertia",
             "": "no stable state"}
    census = regime_census()
    print(f"stable states along the context path (synergy: behaviour > {SYNERGY_LEVEL}):")
    for c, r in zip(census.index, census.regimes):
        print(f"  context index {c:.1f}: {names[r]}")
    if args.robustness:
        rob = robustness(draws=args.draws, spread=args.spread, seed=args.seed)
        print(f"{rob.draws} draws of every mechanism constant within +-{rob.spread:.0%} "
              f"(seed {rob.seed}):")
        print(f"  a bistable context on the path: {rob.bistable_share:.0%} of draws")
        print(f"  inertia only at index 0, synergy only at 1, both between: "
              f"{rob.ordered_share:.0%} of draws")
    return 0
