"""``iocdyn validate-case FILE...``: check case files against the schema and codebook."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("validate-case",
                       help="check coded case files (schema, codebook levels, sources)")
    p.add_argument("files", nargs="+", help="case TOML files")
    p.set_defaults(func=_run)


def _run(args) -> int:
    import sys

    from ..calibration.evidence import CaseError, load_case

    seen: dict[str, str] = {}
    bad = 0
    for f in args.files:
        try:
            c = load_case(f)
        except CaseError as exc:
            print(str(exc), file=sys.stderr)
            bad += 1
            continue
        if c.id in seen:
            print(f"{f}: [case] id: duplicate case id {c.id!r}: {seen[c.id]} uses it too",
                  file=sys.stderr)
            bad += 1
            continue
        seen[c.id] = f
        print(f"ok  {f}: {c.id}, {len(c.observations)} observations of "
              f"{', '.join(c.variables)}; {len(c.events)} events; horizon {c.horizon:g} "
              "months")
    return 2 if bad else 0
