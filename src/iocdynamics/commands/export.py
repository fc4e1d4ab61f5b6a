"""``iocdyn export``: regenerate ``models/ioc.mdl`` and ``models/ioc.xmile``."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("export", help="regenerate the Vensim and XMILE model files")
    p.add_argument("-o", "--output", "-d", "--directory", dest="directory",
                   help="target folder (default: the checkout's models/)")
    p.add_argument("-s", "--scenario",
                   help="scenario TOML: write its constants, events and lever changes into "
                        "the files (needs -o/--output)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from ..artefacts import export_models

    for path in export_models(args.directory, args.scenario):
        print(f"wrote {path}")
    return 0
