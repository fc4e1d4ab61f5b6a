"""Coding spreadsheets in and out: one row per coded segment, as coding teams work.

``iocdyn import-codes FILE.csv|FILE.xlsx --case ID -o calibration/cases/ID.toml``
reads a coding spreadsheet into a case file; ``iocdyn export-codes CASE.toml -o
FILE.xlsx|FILE.csv`` writes a case back out. A workbook (``.xlsx``) carries the
whole case, one sheet per part (:data:`SHEETS`); a ``.csv`` file carries the codes
only, and the rest of the case (``[case]``, ``[[sources]]``, context, levers,
events) comes from a base case file. :data:`CODE_COLUMNS` documents the columns;
``calibration/templates/codes.csv`` is a template.

Every problem is reported with its sheet and row number before anything is
written; a spreadsheet exported and imported again gives the same case file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .casefile import case_to_toml
from .evidence import CaseError, parse_case

#: Columns of the ``codes`` sheet (or CSV file): name -> what goes in it.
CODE_COLUMNS: dict[str, str] = {
    "case": "case id; rows of other cases are skipped",
    "segment": "optional id of the coded segment (several coders code the same segment)",
    "variable": "codable model output (CODEBOOK.md), e.g. trust",
    "month": "months since the start of the case (or leave empty and give date)",
    "date": "YYYY-MM or YYYY-MM-DD (needs [case] start_date)",
    "level": "label (very low ... very high) or the level's number",
    "coder": "initials or name; 'agreed' for the agreed level of a unit",
    "confidence": "0-1, or low / medium / high",
    "ref": "[[sources]] ref of the text the quote is from",
    "study": "[[sources]] ref of the primary study a secondary source reports",
    "locator": "pages, section and paragraph, figure or table",
    "quote": "verbatim quote",
    "claims": "claim ids, separated by commas (e.g. I3, T1)",
    "evidence": "primary, secondary, hypothesis or illustrative",
    "time_basis": "stated, sequence or assumed",
    "time_reason": "why the code sits at this time",
    "rationale": "one line from the quote to the level",
    "anchor_reason": "why the level departs from a codebook anchor (else empty)",
    "note": "free note",
}
CASE_COLUMNS = ("key", "value")
SOURCE_COLUMNS = ("ref", "citation", "url", "doi", "note")
INPUT_COLUMNS = ("table", "name", "value", "assumed", "ref", "study", "locator", "quote")
EVENT_COLUMNS = ("month", "date", "kind", "size", "leadership_quality", "note", "ref",
                 "study", "locator", "quote")
CHANGE_COLUMNS = ("month", "date", "lever", "value", "note", "ref", "study", "locator",
                  "quote")
#: Sheets of a workbook and their columns.
SHEETS = {"codes": tuple(CODE_COLUMNS), "case": CASE_COLUMNS, "sources": SOURCE_COLUMNS,
          "inputs": INPUT_COLUMNS, "events": EVENT_COLUMNS, "lever_changes": CHANGE_COLUMNS}
_LIST_KEYS = ("coders",)
_SOURCE_FIELDS = ("ref", "study", "locator", "quote")


class SheetError(ValueError):
    """A coding spreadsheet is invalid; ``problems`` lists ``(where, reason)``."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]):
        self.source = source
        self.problems = list(problems)
        head = [f"{source}: {len(self.problems)} problem(s); nothing was written"] \
            if len(self.problems) > 1 else []
        super().__init__("\n".join(head + [f"{source}: {w}: {r}" for w, r in self.problems]))


# ------------------------------------------------------------------ reading
Row = tuple[int, dict[str, Any]]


def _clean(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        return v if v else None
    return v


def _read_csv(path: Path) -> dict[str, list[Row]]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows = [(i, {k.strip(): _clean(v) for k, v in r.items() if k})
            for i, r in enumerate(reader, start=2)]
    return {"codes": rows, "_header": [(1, {h.strip(): h for h in reader.fieldnames or []})]}


def _read_xlsx(path: Path) -> dict[str, list[Row]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out: dict[str, list[Row]] = {}
    for ws in wb.worksheets:
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            continue
        names = [str(h).strip() if h is not None else "" for h in header]
        rows = []
        for i, values in enumerate(it, start=2):
            row = {n: _clean(v) for n, v in zip(names, values) if n}
            if any(v is not None for v in row.values()):
                rows.append((i, row))
        out[ws.title] = rows
        out[f"_header_{ws.title}"] = [(1, {n: n for n in names if n})]
    wb.close()
    return out


def read_sheets(path: str | Path) -> dict[str, list[Row]]:
    """Rows (with their 1-based row numbers) of every sheet of a CSV or XLSX file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise SheetError(str(path), [("file", "must be a .csv or .xlsx file")])
    try:
        return _read_csv(path) if suffix == ".csv" else _read_xlsx(path)
    except OSError as exc:
        raise SheetError(str(path), [("file", f"cannot read it ({exc.strerror})")]) from exc
    except (ValueError, KeyError, csv.Error) as exc:
        raise SheetError(str(path), [("file", f"not a readable spreadsheet: {exc}")]) \
            from exc


def _number(v: Any) -> Any:
    """A cell as int or float when it is a number (text from CSV included)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return int(v) if float(v).is_integer() else float(v)
    if isinstance(v, str) and re.fullmatch(r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?", v):
        f = float(v)
        return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
    return v


def _value(v: Any) -> Any:
    """A cell as a TOML value: booleans, numbers, else the text."""
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return _number(v)


def _text(v: Any) -> str:
    if hasattr(v, "strftime"):  # a date cell
        return v.strftime("%Y-%m-%d")
    return v if isinstance(v, str) else ("" if v is None else str(_number(v)))


def _source(row: Mapping[str, Any]) -> dict[str, Any] | None:
    if row.get("ref") is None and row.get("locator") is None and row.get("quote") is None:
        return None
    src = {"ref": _text(row.get("ref")), "locator": _text(row.get("locator"))}
    if row.get("study") is not None:
        src["study"] = _text(row["study"])
    if row.get("quote") is not None:
        src["quote"] = _text(row["quote"])
    return {k: src[k] for k in _SOURCE_FIELDS if k in src}


def _time(row: Mapping[str, Any], where: str, problems: list) -> dict[str, Any]:
    month, date = row.get("month"), row.get("date")
    if month is not None:
        m = _number(month)
        if not isinstance(m, (int, float)) or isinstance(m, bool):
            problems.append((where, f"month {month!r} is not a number of months"))
            return {}
        return {"at": m}
    if date is not None:
        return {"date": _text(date)}
    return {}


def observation_from_row(row: Mapping[str, Any], where: str, problems: list
                         ) -> dict[str, Any]:
    """A ``[[observations]]`` entry from one row of the codes sheet (canonical key order).

    Cell problems (a month that is not a number) go to ``problems`` as ``(where,
    reason)``; everything else is left to :func:`parse_case`, whose messages are
    mapped back to the row.
    """
    o: dict[str, Any] = {"variable": _text(row.get("variable"))}
    o.update(_time(row, where, problems))
    if row.get("level") is not None:
        o["level"] = _number(row["level"])
    o["coder"] = _text(row.get("coder"))
    if row.get("confidence") is not None:
        o["confidence"] = _number(row["confidence"])
    src = _source(row)
    if src is not None:
        o["source"] = src
    claims = _text(row.get("claims"))
    o["claims"] = [c.strip() for c in re.split(r"[,;]", claims) if c.strip()]
    for k in ("evidence", "time_basis", "time_reason", "rationale", "anchor_reason",
              "segment", "note"):
        if row.get(k) is not None:
            o[k] = _text(row[k])
    return o


def _case_table(rows: Sequence[Row]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for _, r in rows:
        key, value = _text(r.get("key")), r.get("value")
        if not key:
            continue
        if key in _LIST_KEYS:
            out[key] = [c.strip() for c in _text(value).split(";") if c.strip()]
        else:
            out[key] = _number(value) if key == "horizon" else _text(value)
    return out


def _inputs(rows: Sequence[Row], sheet: str, problems: list) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for i, r in rows:
        table = _text(r.get("table"))
        if table not in ("context", "levers", "parameters"):
            problems.append((f"{sheet} row {i}", f"table {table!r} must be context, levers "
                                                 "or parameters"))
            continue
        item: dict[str, Any] = {"value": _value(r.get("value"))}
        if r.get("assumed") is not None:
            item["assumed"] = _text(r["assumed"])
        src = _source(r)
        if src is not None:
            item["source"] = src
        out.setdefault(table, {})[_text(r.get("name"))] = item
    return out


def _timeline(rows: Sequence[Row], sheet: str, keys: Sequence[str], problems: list
              ) -> list[dict]:
    out = []
    for i, r in rows:
        item = _time(r, f"{sheet} row {i}", problems)
        for k in keys:
            if r.get(k) is not None:
                item[k] = _value(r[k]) if k in ("size", "leadership_quality", "value") \
                    else _text(r[k])
        src = _source(r)
        if src is not None:
            item["source"] = src
        out.append(item)
    return out


def case_from_sheets(sheets: Mapping[str, list[Row]], case_id: str,
                     base: Mapping[str, Any] | None, source: str
                     ) -> tuple[dict[str, Any], dict[int, str], list[tuple[str, str]]]:
    """A TOML-shaped case mapping from spreadsheet rows, observation number -> row name,
    and the problems of the cells (their rows are left out of the mapping).

    Raises
    ------
    SheetError
        If the sheet cannot be read as codes at all (columns, no base for a CSV).
    """
    problems: list[tuple[str, str]] = []
    header = sheets.get("_header") or sheets.get("_header_codes") or [(1, {})]
    missing = [c for c in ("case", "variable", "level", "coder") if c not in header[0][1]]
    if missing:
        raise SheetError(source, [("codes row 1", f"missing column(s) {missing}; the "
                                                  f"columns are {', '.join(CODE_COLUMNS)}")])
    unknown = [c for c in header[0][1] if c not in CODE_COLUMNS]
    if unknown:
        problems.append(("codes row 1", f"unknown column(s) {unknown}; the columns are "
                                        f"{', '.join(CODE_COLUMNS)}"))
    if "case" in sheets:
        data: dict[str, Any] = {"case": _case_table(sheets["case"])}
        data["sources"] = [{k: _text(r[k]) for k in SOURCE_COLUMNS if r.get(k) is not None}
                           for _, r in sheets.get("sources", [])]
        data.update(_inputs(sheets.get("inputs", []), "inputs", problems))
        for name, keys in (("events", ("kind", "size", "leadership_quality", "note")),
                           ("lever_changes", ("lever", "value", "note"))):
            items = _timeline(sheets.get(name, []), name, keys, problems)
            if items:
                data[name] = items
    elif base is not None:
        data = {k: v for k, v in base.items() if k != "observations"}
    else:
        raise SheetError(source, [("file", "a CSV file carries the codes only: give the "
                                           "rest of the case with --base CASE.toml (or an "
                                           "existing output file)")])
    rows = [(i, r) for i, r in sheets.get("codes", []) if _text(r.get("case")) == case_id]
    if not rows:
        found = sorted({_text(r.get("case")) for _, r in sheets.get("codes", [])} - {""})
        problems.append(("codes", f"no row has case = {case_id!r} (cases in the sheet: "
                                  f"{', '.join(found) or 'none'})"))
    obs, where = [], {}
    for i, r in rows:
        before = len(problems)
        o = observation_from_row(r, f"codes row {i}", problems)
        if len(problems) == before:
            obs.append(o)
            where[len(obs)] = f"codes row {i}"
    data["observations"] = obs
    return data, where, problems


def import_codes(path: str | Path, case_id: str, base: str | Path | None = None
                 ) -> tuple[str, dict[str, Any]]:
    """Read a coding spreadsheet into a valid case file text (nothing is written).

    Parameters
    ----------
    path : path
        ``.csv`` (codes only) or ``.xlsx`` (a workbook with the sheets of :data:`SHEETS`).
    case_id : str
        Rows whose ``case`` column holds this id are imported.
    base : path, optional
        Case file giving everything but the codes (needed for a CSV).

    Returns
    -------
    (str, dict)
        The TOML text and the case mapping.

    Raises
    ------
    SheetError
        Every problem, by sheet and row, including those of the case check.
    """
    import tomllib

    sheets = read_sheets(path)
    base_data = None
    if base is not None:
        try:
            base_data = tomllib.loads(Path(base).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SheetError(str(base), [("file", f"cannot read the base case ({exc})")]) \
                from exc
    data, where, problems = case_from_sheets(sheets, case_id, base_data, str(path))
    try:
        parse_case(data, source=str(path))
    except CaseError as exc:
        for entry, reason in exc.problems:
            m = re.match(r"observations? (\d+)", entry)
            if m and int(m[1]) in where:
                rows = [where[int(n)] for n in re.findall(r"observation (\d+)", entry)
                        if int(n) in where]
                problems.append((", ".join(rows), reason))
            else:
                problems.append((entry, reason))
    if problems:
        raise SheetError(str(path), sorted(problems, key=_row_order))
    return case_to_toml(data), data


def _row_order(problem: tuple[str, str]) -> tuple[int, int]:
    m = re.search(r"row (\d+)", problem[0])
    return (0, int(m[1])) if m else (1, 0)


# ------------------------------------------------------------------ writing
def _cell(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    return v


def code_rows(data: Mapping[str, Any], case_id: str) -> list[dict[str, Any]]:
    """Rows of the codes sheet for a TOML-shaped case mapping."""
    rows = []
    for o in data.get("observations", []):
        src = o.get("source", {})
        r = {"case": case_id, "segment": o.get("segment"), "variable": o.get("variable"),
             "month": o.get("at"), "date": o.get("date"), "level": o.get("level"),
             "coder": o.get("coder"), "confidence": o.get("confidence"),
             **{k: src.get(k) for k in ("ref", "study", "locator", "quote")},
             "claims": _cell(o.get("claims", [])), "evidence": o.get("evidence"),
             "time_basis": o.get("time_basis"), "time_reason": o.get("time_reason"),
             "rationale": o.get("rationale"), "anchor_reason": o.get("anchor_reason"),
             "note": o.get("note")}
        rows.append({k: r[k] for k in CODE_COLUMNS})
    return rows


def _sheet_rows(data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    case = data.get("case", {})
    out: dict[str, list[dict[str, Any]]] = {
        "codes": code_rows(data, case.get("id", "")),
        "case": [{"key": k, "value": "; ".join(v) if k in _LIST_KEYS else v}
                 for k, v in case.items()],
        "sources": [{k: s.get(k) for k in SOURCE_COLUMNS} for s in data.get("sources", [])],
        "inputs": [], "events": [], "lever_changes": []}
    for table in ("context", "levers", "parameters"):
        for name, item in (data.get(table) or {}).items():
            src = item.get("source", {})
            out["inputs"].append({"table": table, "name": name, "value": item.get("value"),
                                  "assumed": item.get("assumed"),
                                  **{k: src.get(k) for k in _SOURCE_FIELDS}})
    for name, cols in (("events", EVENT_COLUMNS), ("lever_changes", CHANGE_COLUMNS)):
        for item in data.get(name, []):
            src = item.get("source", {})
            row = {**item, "month": item.get("at"), **{k: src.get(k) for k in _SOURCE_FIELDS}}
            out[name].append({c: row.get(c) for c in cols})
    return out


def _csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CODE_COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if r.get(k) is None else r[k] for k in CODE_COLUMNS})
    return buf.getvalue()


def export_codes(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write a case (TOML-shaped mapping) to ``.xlsx`` (every sheet) or ``.csv`` (codes).

    The file is written to a temporary sibling and renamed into place.
    """
    from ..io import atomic_write_text

    path = Path(path)
    rows = _sheet_rows(data)
    if path.suffix.lower() == ".csv":
        return atomic_write_text(path, _csv_text(rows["codes"]))
    if path.suffix.lower() != ".xlsx":
        raise SheetError(str(path), [("file", "export to a .csv or .xlsx file")])
    _write_workbook(rows, path)
    return path


def _write_workbook(rows: Mapping[str, list[dict[str, Any]]], path: Path) -> None:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, cols in SHEETS.items():
        ws = wb.create_sheet(name)
        ws.append(list(cols))
        for c, col in zip(ws[1], cols):
            c.font = Font(bold=True)
            if name == "codes":
                c.comment = Comment(CODE_COLUMNS[col], "iocdynamics")
        for r in rows.get(name, []):
            ws.append([r.get(c) for c in cols])
    from ..io import atomic_write

    atomic_write(path, lambda p: wb.save(p))


#: The example row of the templates (a code as the codebook asks for it).
EXAMPLE_ROW = {
    "case": "my_case", "variable": "trust", "month": 6, "level": "low", "coder": "AB",
    "confidence": 0.7, "ref": "interviews", "locator": "transcript 4, p. 3",
    "quote": "there was still a them and us feeling between the two boards",
    "claims": "F5, A2", "evidence": "primary", "time_basis": "stated",
    "time_reason": "the interviewee dates it to the first board meeting, month 6",
    "rationale": "'them and us' is the codebook's anchor of trust level 2 (low)"}


def write_template(path: str | Path) -> Path:
    """A coding workbook or CSV with the columns and one example row (in a workbook each
    column's header carries its description as a comment)."""
    path = Path(path)
    row = {k: EXAMPLE_ROW.get(k) for k in CODE_COLUMNS}
    if path.suffix.lower() == ".csv":
        from ..io import atomic_write_text

        return atomic_write_text(path, _csv_text([row]))
    _write_workbook({"codes": [row]}, path)
    return path


def columns_markdown() -> str:
    """The codes columns as a Markdown table (for the docs)."""
    lines = ["| column | content |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in CODE_COLUMNS.items()]
    return "\n".join(lines)
