"""``python -m iocdynamics.demo OUT``: the main job on the bundled data.

Runs every step module of :mod:`iocdynamics.demos` (each defines ``ORDER`` and
``run(out_dir)``), in order, writing tables and figures under ``OUT``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

from . import demos


def steps():
    """The demo step modules, in their declared order."""
    mods = [importlib.import_module(f"{demos.__name__}.{m.name}")
            for m in pkgutil.iter_modules(demos.__path__)]
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "out")
    out.mkdir(parents=True, exist_ok=True)
    for mod in steps():
        t0 = time.perf_counter()
        print(f"== {mod.__name__.rsplit('.', 1)[-1]}: {mod.__doc__.strip().splitlines()[0]}")
        mod.run(out)
        print(f"   done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
