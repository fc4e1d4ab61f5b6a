"""``iocdyn experiment experiments/NAME.toml [-o DIR] [--members N] [--workers N]``."""

from __future__ import annotations

from . import bounded_int


def register(sub) -> None:
    p = sub.add_parser("experiment",
                       help="run a policy experiment file (levers x uncertainty) and write "
                            "its ensemble, summary and figures")
    p.add_argument("experiment", help="experiment TOML file (see experiments/README.md)")
    p.add_argument("-o", "--output", default=None,
                   help="results folder (default: experiments/results/NAME next to the "
                        "file)")
    p.add_argument("--members", type=int, default=None,
                   help="override the file's number of uncertainty samples per setting "
                        "(checked like the file's members: 1 up to what fits in memory)")
    dask = p.add_mutually_exclusive_group()
    dask.add_argument("--workers", type=bounded_int(1, 1024), default=None,
                      help="run on a local Dask cluster of N worker processes")
    dask.add_argument("--scheduler", default=None,
                      help="run on an existing Dask scheduler (tcp://host:8786)")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    p.add_argument("--fresh", action="store_true",
                   help="discard finished parts of an earlier, interrupted run, and replace "
                        "another experiment's results in the folder")
    p.add_argument("--model", default=None, metavar="FILE.mdl",
                   help="run an edited copy of ioc.mdl (or ioc.xmile) through PySD, one run "
                        "at a time (not resumable); its differences in names go to notes.md")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..experiments.runner import default_out_dir, run_experiment
    from ..experiments.spec import load_experiment

    spec = load_experiment(args.experiment)
    if args.members is not None:
        spec = spec.with_members(args.members, where="--members")
    out = default_out_dir(spec) if args.output is None else args.output
    print(f"experiment {spec.name}: {spec.n_settings} lever settings x {spec.members} "
          f"members (seed {spec.seed})")
    if args.model and (args.workers or args.scheduler):
        raise ValueError("--model runs the file through PySD in this process; leave out "
                         "--workers and --scheduler")
    res = run_experiment(spec, out, workers=args.workers, scheduler=args.scheduler,
                         progress=not args.no_progress, figures=not args.no_figures,
                         fresh=args.fresh, model=args.model)
    s = res.summary
    cols = list(res.design.settings.columns)
    show = cols + ["reached_synergy_probability", "behaviour_at_horizon_median",
                   "dissolved_probability"]
    print(s[show].to_string(float_format=lambda x: f"{x:.2f}"))
    print(res.notes.text().split("\n", 2)[2].strip())
    print(f"wrote {len(res.files)} files under {res.out_dir} (notes.md: what the model "
          "decides by construction)")
    return 0
