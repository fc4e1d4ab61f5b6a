"""``iocdyn export-cin SCENARIO -o FILE.cin``: a scenario as a Vensim changes file."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("export-cin",
                       help="write a scenario's constants and clock as a Vensim changes file "
                            "(.cin) to load over ioc.mdl")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("-o", "--output", required=True, help="the .cin file to write")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from pathlib import Path

    from ..artefacts.cin import cin_text
    from ..io import atomic_write_text, check_output_file
    from ..scenario import load_scenario

    check_output_file(args.output, "-o")
    if Path(args.output).suffix.lower() != ".cin":
        raise ValueError(f"-o {args.output}: a Vensim changes file ends in .cin")
    sc = load_scenario(args.scenario)
    atomic_write_text(args.output, cin_text(sc))
    print(f"wrote {args.output}")
    if sc.events or sc.lever_changes:
        print(f"note: its {len(sc.events)} event(s) and {len(sc.lever_changes)} lever "
              "change(s) vary over time and are not in a changes file; `iocdyn export -s "
              f"{args.scenario} -o FOLDER` writes model files that carry them")
    return 0
