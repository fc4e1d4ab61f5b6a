"""``iocdyn sensitivity SCENARIO --method morris|sobol [-n N] [--seed S] ...``."""

from __future__ import annotations

from . import bounded_int


def _list(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def register(sub) -> None:
    p = sub.add_parser("sensitivity",
                       help="Morris screening or Sobol indices of chosen outputs over the "
                            "parameters' declared bounds (SALib)")
    p.add_argument("scenario", help="base scenario TOML file")
    p.add_argument("--method", choices=("morris", "sobol"), default="morris")
    p.add_argument("-n", type=int, default=None,
                   help="Morris trajectories (default 20) or Sobol base sample size, a "
                        "power of two (default 256)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--params", default=None,
                   help="comma-separated registry parameters to vary (default: --groups)")
    p.add_argument("--groups", default="mechanism",
                   help="comma-separated registry groups to vary: context, lever, "
                        "mechanism, initial (default: mechanism)")
    p.add_argument("--outputs", default="behaviour_at_horizon,cumulative_performance",
                   help="comma-separated metrics, variables (at the horizon) or "
                        "variable@month")
    p.add_argument("-o", "--output", required=True, help="folder for tables and figures")
    dask = p.add_mutually_exclusive_group()
    dask.add_argument("--workers", type=bounded_int(1, 1024), default=None)
    dask.add_argument("--scheduler", default=None)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_run)


def _run(args) -> int:
    import sys
    import warnings
    from pathlib import Path

    from ..experiments.sensitivity import SensitivityWarning, run_sensitivity

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SensitivityWarning)
        res = run_sensitivity(args.scenario, args.output, method=args.method, n=args.n,
                              seed=args.seed, params=_list(args.params),
                              groups=_list(args.groups), outputs=_list(args.outputs),
                              workers=args.workers, scheduler=args.scheduler,
                              progress=not args.no_progress)
    for w in caught:
        if issubclass(w.category, SensitivityWarning):
            print(f"iocdyn sensitivity: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    key = "mu_star" if args.method == "morris" else "ST"
    for name, df in res.items():
        top = df.sort_values(key, ascending=False).head(8)
        print(f"{name}: most influential by {key}")
        print(top.to_string(float_format=lambda x: f"{x:.3g}"))
    notes = (Path(args.output) / "notes.md").read_text(encoding="utf-8").splitlines()
    print("\n".join(notes[2:]).strip())
    print(f"wrote results under {args.output} (read notes.md before the indices)")
    return 0
