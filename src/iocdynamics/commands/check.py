"""``iocdyn check [SCENARIO | MODEL.mdl] [--scenario S] [-o REPORT.md]``."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "check",
        help="units, extreme conditions (Reality Check), polarity of the signed claims and "
             "integration error, on a scenario or on an edited copy of the model file")
    p.add_argument("target", nargs="?", default=None,
                   help="a scenario TOML file, or an edited model file (.mdl or .xmile); "
                        "default: the model at the registry defaults")
    p.add_argument("--scenario", default=None,
                   help="with a model file: the scenario to run it with (default: the "
                        "registry defaults)")
    p.add_argument("--corners", type=int, default=16,
                   help="with a model file: random corners of the contexts and levers "
                        "besides all low and all high (default 16)")
    p.add_argument("-o", "--output", default=None, help="also write the report (Markdown)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from pathlib import Path

    from ..checks import check_model_file, check_scenario
    from ..io import atomic_write_text, check_output_file

    if args.output:
        check_output_file(args.output, "-o")
    target = args.target
    is_file = target is not None and Path(target).suffix.lower() in (".mdl", ".xmile", ".xml")
    if args.scenario and not is_file:
        raise ValueError("--scenario goes with a model file (.mdl or .xmile); to check a "
                         "scenario, give it as the target")
    if is_file:
        results = check_model_file(target, args.scenario, corners=max(0, args.corners))
    else:
        results = check_scenario(target)
    what = target or "the model at the registry defaults"
    lines = [f"iocdyn check {what}"]
    for r in results:
        lines += r.lines()
    failed = [r.name for r in results if not r.passed]
    lines.append(f"{len(results) - len(failed)} of {len(results)} checks passed"
                 + (f"; failed: {', '.join(failed)}" if failed else ""))
    print("\n".join(lines))
    if args.output:
        atomic_write_text(args.output, "\n".join(["# " + lines[0], "", "```",
                                                  *lines[1:], "```", ""]))
        print(f"wrote {args.output}")
    return 1 if failed else 0
