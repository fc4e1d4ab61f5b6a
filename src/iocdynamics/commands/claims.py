"""``iocdyn claims``: the claims table (claim -> equation terms -> tests)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("claims", help="print or write the claims table")
    p.add_argument("-o", "--output", help="write Markdown to this file instead of printing")
    p.add_argument("--claims-file", help="a claims list ('- ID statement' lines; default: "
                                          "the project's, iocdynamics/model/claims.md)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..claims import claims_markdown, claims_table, read_claims
    from ..io import write_or_print

    write_or_print(claims_markdown(claims_table(read_claims(args.claims_file))), args.output)
    return 0
