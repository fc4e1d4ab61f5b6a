"""``iocdyn calibrate CONFIG [--posterior] [-o DIR] [--no-loo] [--no-profiles]
[--model MINE.mdl]``."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="fit the model to coded case evidence (lmfit)")
    p.add_argument("config", help="calibration config TOML (e.g. calibration/CONFIG.toml)")
    p.add_argument("--posterior", action="store_true",
                   help="also sample the posterior with emcee (saved as posterior.npz)")
    p.add_argument("-o", "--output", help="folder receiving NAME/ (default: the config's "
                                          "output_dir)")
    p.add_argument("--no-loo", action="store_true", help="skip leave-one-case-out")
    p.add_argument("--no-profiles", action="store_true",
                   help="Wald intervals only (faster)")
    p.add_argument("--model", default=None, metavar="FILE.mdl",
                   help="fit an edited copy of ioc.mdl (or ioc.xmile) through PySD, one run "
                        "at a time (slow: use a small search); overrides the config's model")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..calibration import calibrate

    res = calibrate(args.config, output_dir=args.output,
                    posterior=True if args.posterior else None,
                    leave_one_out_cv=False if args.no_loo else None,
                    profiles=not args.no_profiles, model=args.model)
    print(f"report: {res.output / 'report.md'}")
    return 0
