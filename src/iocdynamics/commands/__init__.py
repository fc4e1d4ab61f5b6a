"""Sub-commands of ``iocdyn``: one module each, discovered automatically.

Every command names its output path ``-o/--output``.
"""

from __future__ import annotations

import argparse


def renamed_option(new: str):
    """An argparse action refusing an option that was renamed to ``new``."""

    class Renamed(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            parser.error(f"{option_string} was renamed: use {new}")

    return Renamed
