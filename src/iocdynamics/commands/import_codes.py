"""``iocdyn import-codes FILE --case ID -o CASE.toml [--base CASE.toml]``: a coding
spreadsheet (``.csv`` or ``.xlsx``) into a checked case file."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("import-codes",
                       help="read a coding spreadsheet (.csv or .xlsx) into a case file")
    p.add_argument("file", help="coding spreadsheet: .xlsx workbook or .csv of codes")
    p.add_argument("--case", required=True, help="case id: the rows whose case column holds "
                                                 "it are imported")
    p.add_argument("-o", "--output", required=True, help="case file to write (TOML)")
    p.add_argument("--base", help="case file giving everything but the codes (needed for a "
                                  ".csv; default: the output file, if it exists)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    import sys

    from ..calibration.spreadsheet import SheetError, import_codes
    from ..io import atomic_write_text, check_output_file

    out = check_output_file(args.output, "-o")
    base = args.base or (str(out) if out.exists() and args.file.lower().endswith(".csv")
                         else None)
    try:
        text, data = import_codes(args.file, args.case, base=base)
    except SheetError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    atomic_write_text(out, text)
    print(f"wrote {out}: case {args.case!r}, {len(data['observations'])} codes")
    return 0
