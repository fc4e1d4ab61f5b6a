"""The editable timeline: events and lever changes as rows of small inputs.

Each cell is a component with the id ``{"table": T, "field": F, "row": R}`` and each
row has a remove button ``{"table": T, "remove": R}``; the page's callbacks read all
cells at once and regroup them into rows with :func:`rows_from_cells` (pure, so it is
tested without a browser).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model import EVENT_KINDS
from ..plotting import EVENT_LABELS
from ..registry import PARAMETERS
from ..scenario import CONTRACTS
from .controls import label_of
from .state import CHANGE_COLUMNS, EVENT_COLUMNS

EVENTS = "events"
CHANGES = "changes"
FIELDS = {EVENTS: EVENT_COLUMNS, CHANGES: CHANGE_COLUMNS}

HEADINGS = {
    EVENTS: {"at": "month", "kind": "what happens", "size": "size (0-1]",
             "leadership_quality": "new leadership quality (leader change only)",
             "note": "note"},
    CHANGES: {"at": "from month", "lever": "lever", "value": "new value"},
}


def event_options() -> list[dict[str, str]]:
    """Event kinds of the model, by their plot labels."""
    return [{"label": EVENT_LABELS.get(k, k.replace("_", " ")), "value": k}
            for k in EVENT_KINDS]


def lever_names() -> list[str]:
    """Levers a lever change may set: the contract, then the registry's levers."""
    return ["contract"] + [p.name for p in PARAMETERS.values()
                           if p.group == "lever" and not p.name.startswith("contract_")]


def lever_label(name: str) -> str:
    """A lever's name with its allowed values."""
    if name == "contract":
        return "contract (" + " / ".join(CONTRACTS) + ")"
    p = PARAMETERS[name]
    if p.kind == "bool":
        return f"{label_of(name).lower()} (0 no, 1 yes)"
    return f"{label_of(name).lower()} ({p.lower:g}-{p.upper:g})"


def lever_options() -> list[dict[str, str]]:
    return [{"label": lever_label(n), "value": n} for n in lever_names()]


def rows_from_cells(ids: Sequence[Mapping[str, Any]], values: Sequence[Any]
                    ) -> list[tuple[Any, dict[str, Any]]]:
    """Regroup cell values into rows: ``[(row key, {field: value})]`` in page order."""
    rows: dict[Any, dict[str, Any]] = {}
    for cid, value in zip(ids, values):
        rows.setdefault(cid["row"], {})[cid["field"]] = value
    return list(rows.items())


def next_key(keys: Sequence[Any]) -> int:
    """A row key not yet used."""
    ints = [k for k in keys if isinstance(k, int)]
    return max(ints, default=-1) + 1


def insert_by_month(rows: list[tuple[Any, dict[str, Any]]], key: Any,
                    row: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """Insert ``row`` after every row of an earlier or equal month (unreadable months
    count as late)."""
    def month(r):
        try:
            return float(r.get("at"))
        except (TypeError, ValueError):
            return float("inf")

    at = month(row)
    pos = len(rows)
    for i, (_, r) in enumerate(rows):
        if month(r) > at:
            pos = i
            break
    return rows[:pos] + [(key, row)] + rows[pos:]


def render_rows(table: str, rows: Sequence[tuple[Any, Mapping[str, Any]]]):
    """The rows of one timeline table as components (a header and one line per row)."""
    from dash import html

    fields = FIELDS[table]
    header = html.Div([html.Span(HEADINGS[table][f], className=f"cell cell-{f}")
                       for f in fields] + [html.Span("", className="cell cell-remove")],
                      className="trow thead")
    lines = [header]
    for key, row in rows:
        cells = [_cell(table, f, key, row.get(f)) for f in fields]
        cells.append(html.Button("remove", id={"table": table, "remove": key},
                                 className="cell cell-remove", n_clicks=0,
                                 title="Remove this row from the timeline"))
        lines.append(html.Div(cells, className="trow"))
    if not rows:
        lines.append(html.Div("None yet: add one above.", className="hint"))
    return lines


def _cell(table: str, field: str, key: Any, value: Any):
    from dash import dcc

    cid = {"table": table, "field": field, "row": key}
    cls = f"cell cell-{field}"
    if field == "kind":
        return dcc.Dropdown(id=cid, options=event_options(), value=value, clearable=False,
                            className=cls)
    if field == "lever":
        return dcc.Dropdown(id=cid, options=lever_options(), value=value, clearable=False,
                            className=cls)
    shown = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
    return dcc.Input(id=cid, type="text", value=shown, debounce=True, className=cls,
                     placeholder="" if field != "leadership_quality" else "unchanged")

