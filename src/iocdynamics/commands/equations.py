"""``iocdyn equations``: every equation and parameter of the model as Markdown."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("equations", help="print or write the model's equations and parameters")
    p.add_argument("-o", "--output", help="write Markdown to this file instead of printing")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..artefacts import equations_markdown
    from ..io import write_or_print

    write_or_print(equations_markdown(), args.output)
    return 0
