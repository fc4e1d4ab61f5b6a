"""Case files written from data: the TOML text of a case (what :func:`parse_case` reads).

Used for synthetic cases and by ``iocdyn import-codes``: tables and arrays of tables
in the order of the file format, inline tables for sources, values as TOML
literals, so that the same case always gives the same text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..io import atomic_write_text
from .evidence import Case


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if hasattr(v, "isoformat"):
        return json.dumps(v.isoformat())
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def case_to_toml(case: Case | Mapping[str, Any]) -> str:
    """A case file (TOML text) for a case or a TOML-shaped case mapping."""
    d = case.to_dict() if isinstance(case, Case) else case
    lines = ["[case]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in d["case"].items()]
    for s in d.get("sources", []):
        lines += ["", "[[sources]]"] + [f"{k} = {_toml_value(v)}" for k, v in s.items()]
    for table in ("context", "levers", "parameters"):
        if d.get(table):
            lines += ["", f"[{table}]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in d[table].items()]
    for arr in ("events", "lever_changes", "observations"):
        for item in d.get(arr, []):
            lines += ["", f"[[{arr}]]"] + [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def write_case(case: Case, path: str | Path) -> Path:
    """Write a case as a TOML case file (atomically)."""
    return atomic_write_text(path, case_to_toml(case))
