"""Theory names for the model's loops, read from a declarative TOML file.

:data:`NAMED_LOOPS_FILE` (``named.toml`` beside this module) maps the loops the
programme theory names (trust-building, faith-progress, conflict-trust, ...) to
loops of the model, each given by its variables in causal order. An entry whose
loop is not in the model is an error that names the entry, the links the model
lacks and the nearest loops it has, so that a change of the equations surfaces
here instead of silently dropping a named loop.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from ..io import read_toml
from .graph import Loop, LoopGraph

NAMED_LOOPS_FILE = Path(__file__).with_name("named.toml")
POLARITIES = ("R", "B")
ENTRY_KEYS = ("name", "claims", "polarity", "description", "variables", "paths")


class NamedLoopError(ValueError):
    """A named-loops file is invalid or names a loop the model does not have."""


@dataclass(frozen=True)
class NamedLoop:
    """A loop (or a group of loops) the theory names.

    Attributes
    ----------
    name : str
    claims : tuple of str
    polarity : {"R", "B"}
        The theory's expectation.
    description : str
    loops : tuple of Loop
        The model loops reported under this name (their relative scores add up).
    """

    name: str
    claims: tuple[str, ...]
    polarity: str
    description: str
    loops: tuple[Loop, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(lp.id for lp in self.loops)


def _nearest(graph: LoopGraph, variables: list[str], n: int = 3) -> list[Loop]:
    want = set(variables)
    return sorted(graph.loops, key=lambda lp: (-len(want & set(lp.variables)),
                                               abs(len(lp) - len(want)), lp.id))[:n]


def _resolve(graph: LoopGraph, variables, where: str) -> Loop:
    if not isinstance(variables, list) or len(variables) < 2 or \
            not all(isinstance(v, str) for v in variables):
        raise NamedLoopError(f"{where}: a loop is a list of at least two variable names, "
                             f"not {variables!r}")
    lp = graph.find(variables)
    if lp is not None:
        return lp
    unknown = [v for v in variables if v not in graph.graph]
    msgs = []
    known = list(graph.graph.nodes)
    for v in unknown:
        close = difflib.get_close_matches(v, known, n=2)
        msgs.append(f"{v!r} is not a variable of the model"
                    + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""))
    if not unknown:
        missing = [f"{a} -> {b}" for a, b in zip(variables, variables[1:] + variables[:1])
                   if not graph.graph.has_edge(a, b)]
        msgs.append("the model has no link " + ", ".join(missing))
    near = "; ".join(lp.describe() for lp in _nearest(graph, variables))
    raise NamedLoopError(f"{where}: no such loop in the model: {'; '.join(msgs)}. "
                         f"Nearest loops of the model: {near}. Fix the entry's variables "
                         "(or remove the entry if the mechanism is gone).")


def load_named_loops(graph: LoopGraph, path: str | Path | None = None) -> tuple[NamedLoop, ...]:
    """Read the named loops and match each to the model's loops.

    Parameters
    ----------
    graph : LoopGraph
    path : path, optional
        Default :data:`NAMED_LOOPS_FILE`.

    Raises
    ------
    NamedLoopError
        For an invalid file or entry, or a loop that the model does not have
        (the message names the file, the entry and the fix).
    """
    path = Path(path) if path else NAMED_LOOPS_FILE
    data = read_toml(path, NamedLoopError, "named-loops file")
    entries = data.get("loop")
    bad_top = sorted(set(data) - {"loop"})
    if bad_top:
        raise NamedLoopError(f"{path}: unknown top-level key(s) {bad_top}; entries are "
                             "[[loop]] tables")
    if not isinstance(entries, list) or not entries:
        raise NamedLoopError(f"{path}: no [[loop]] entries")
    out: list[NamedLoop] = []
    seen: dict[str, str] = {}
    for i, e in enumerate(entries, 1):
        where = f"{path}, [[loop]] #{i} ({e.get('name', '?')!r})"
        extra = sorted(set(e) - set(ENTRY_KEYS))
        if extra:
            raise NamedLoopError(f"{where}: unknown key(s) {extra}; allowed: "
                                 f"{', '.join(ENTRY_KEYS)}")
        name = e.get("name")
        if not isinstance(name, str) or not name:
            raise NamedLoopError(f"{where}: 'name' must be a non-empty string")
        if any(n.name == name for n in out):
            raise NamedLoopError(f"{where}: the name {name!r} is used twice")
        pol = e.get("polarity")
        if pol not in POLARITIES:
            raise NamedLoopError(f"{where}: 'polarity' must be \"R\" or \"B\", not {pol!r}")
        claims = e.get("claims", [])
        if not isinstance(claims, list) or not all(isinstance(c, str) for c in claims):
            raise NamedLoopError(f"{where}: 'claims' must be a list of claim ids")
        if ("variables" in e) == ("paths" in e):
            raise NamedLoopError(f"{where}: give exactly one of 'variables' (one loop) or "
                                 "'paths' (a list of loops)")
        paths = [e["variables"]] if "variables" in e else e["paths"]
        if not isinstance(paths, list) or not paths:
            raise NamedLoopError(f"{where}: 'paths' must be a non-empty list of loops")
        loops = []
        for v in paths:
            lp = _resolve(graph, v, where)
            if lp.id in seen:
                raise NamedLoopError(f"{where}: the loop {lp.describe()} is already named "
                                     f"{seen[lp.id]!r}; a loop can have one name")
            seen[lp.id] = name
            loops.append(lp)
        out.append(NamedLoop(name=name, claims=tuple(claims), polarity=pol,
                             description=str(e.get("description", "")), loops=tuple(loops)))
    return tuple(out)
