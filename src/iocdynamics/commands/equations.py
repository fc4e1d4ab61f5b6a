"""``iocdyn equations``: every equation and parameter of the model as Markdown."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("equations", help="print or write the model's equations and parameters")
    p.add_argument("-o", "--output", help="write Markdown to this file instead of printing")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..document import equations_markdown
    from ..io import atomic_write_text

    text = equations_markdown()
    if args.output:
        atomic_write_text(args.output, text)
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0
