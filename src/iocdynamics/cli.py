"""The ``iocdyn`` command line.

Sub-commands live in :mod:`iocdynamics.commands`, one module each; every module
defines ``register(subparsers)`` which adds its parser and sets ``func`` (a
callable taking the parsed arguments and returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every sub-command of :mod:`iocdynamics.commands`."""
    parser = argparse.ArgumentParser(
        prog="iocdyn",
        description="System-dynamics model of inter-organisational collaboration in "
                    "healthcare: simulate, export, calibrate, analyse, experiment.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``iocdyn``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, KeyError, OSError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"iocdyn {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\niocdyn {args.command}: interrupted; files already written are whole and "
              "nothing was half-written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
