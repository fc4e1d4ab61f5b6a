"""Sub-commands of ``iocdyn``: one module each, discovered automatically.

Shared argument checks live here: flags are checked before any work starts and a
bad value is refused with the flag, the value and the allowed range.

Every command names its output path ``-o/--output``.
"""

from __future__ import annotations

import argparse
import difflib


def bounded_int(lo: int, hi: int, what: str = "") -> type:
    """An argparse ``type`` accepting whole numbers from ``lo`` to ``hi``.

    argparse names the flag and exits with code 2 on a refused value.
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{value} is out of range; allowed {lo} to {hi}{' ' + what if what else ''}")
        return value

    parse.__name__ = "whole number"
    return parse


def parse_sets(pairs, flag: str = "--set") -> dict[str, float]:
    """``--set NAME VALUE`` pairs as registry overrides, each checked against the
    registry (name, type, bounds) before any work starts.

    Raises
    ------
    KeyError
        For a name the registry lacks (with the closest name).
    ValueError
        For a value that is not a number or out of the parameter's bounds.
    """
    from ..registry import PARAMETERS

    out = {}
    for name, text in pairs:
        p = PARAMETERS.get(name)
        if p is None:
            close = difflib.get_close_matches(name, list(PARAMETERS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise KeyError(f"{flag} {name} {text}: {name!r} is not a registry "
                           f"parameter{hint}")
        lowered = str(text).strip().lower()
        if p.kind == "bool" and lowered in ("true", "false"):
            out[name] = float(lowered == "true")
            continue
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{flag} {name} {text!r}: the value must be a number") from None
        if p.kind == "bool" and value not in (0.0, 1.0):
            raise ValueError(f"{flag} {name} {text}: {name} is true/false; give true, "
                             "false, 1 or 0")
        if p.kind == "int" and value != int(value):
            raise ValueError(f"{flag} {name} {text}: {name} must be a whole number from "
                             f"{p.lower:g} to {p.upper:g}")
        if not (value == value and p.lower <= value <= p.upper):
            raise ValueError(f"{flag} {name} {text} is out of range; allowed {p.lower:g} to "
                             f"{p.upper:g} ({p.units})")
        out[name] = value
    return out


def renamed_option(new: str):
    """An argparse action refusing an option that was renamed to ``new``."""

    class Renamed(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            parser.error(f"{option_string} was renamed: use {new}")

    return Renamed
