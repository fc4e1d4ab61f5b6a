"""``iocdyn export-codes CASE.toml -o FILE.xlsx|FILE.csv`` (or ``--template FILE``): a case
back to a coding spreadsheet, or an empty, documented one."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("export-codes",
                       help="write a case to a coding spreadsheet (.xlsx: whole case; .csv: "
                            "codes), or an empty template")
    p.add_argument("case_file", nargs="?", help="case TOML file")
    p.add_argument("-o", "--output", help="spreadsheet to write (.xlsx or .csv)")
    p.add_argument("--template", metavar="FILE",
                   help="write an empty coding spreadsheet with documented columns instead")
    p.set_defaults(func=_run)


def _run(args) -> int:
    import sys

    from ..calibration.evidence import CaseError, load_case
    from ..calibration.spreadsheet import SheetError, export_codes, write_template
    from ..io import check_output_file

    try:
        if args.template:
            print(f"wrote {write_template(args.template)}")
            return 0
        if not args.case_file or not args.output:
            print("iocdyn export-codes: give CASE.toml and -o FILE (or --template FILE)",
                  file=sys.stderr)
            return 2
        check_output_file(args.output, "-o")
        case = load_case(args.case_file)
        path = export_codes(case.to_dict(), args.output)
    except (CaseError, SheetError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"wrote {path}: case {case.id!r}, {len(case.codes)} codes")
    return 0
