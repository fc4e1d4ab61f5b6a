"""Coding spreadsheets: round trips, row-numbered errors, the template, the CLI."""

import csv
import tomllib
from pathlib import Path

import pytest

from iocdynamics.calibration.evidence import load_case, parse_case
from iocdynamics.calibration.spreadsheet import (
    CODE_COLUMNS,
    EXAMPLE_ROW,
    SheetError,
    export_codes,
    import_codes,
    write_template,
)
from iocdynamics.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "calibration" / "cases").glob("*.toml"))


def _key(case):
    return [(o.variable, o.time, o.level, o.coder, o.confidence, o.source, o.claims,
             o.evidence, o.time_basis, o.time_reason, o.rationale) for o in case.codes]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_workbook_round_trips_to_the_same_case_file(path, tmp_path):
    case = load_case(path)
    export_codes(case.to_dict(), tmp_path / "a.xlsx")
    text1, data1 = import_codes(tmp_path / "a.xlsx", case.id)
    # the imported case is the bundled one, code for code and input for input
    again = parse_case(tomllib.loads(text1))
    assert _key(again) == _key(case)
    assert again.scenario_dict() == case.scenario_dict()
    assert dict(again.sources) == dict(case.sources)
    # spreadsheet -> case file -> spreadsheet -> the same case file
    export_codes(data1, tmp_path / "b.xlsx")
    text2, _ = import_codes(tmp_path / "b.xlsx", case.id)
    assert text2 == text1


def test_csv_round_trips_with_a_base_case(tmp_path):
    path = ROOT / "calibration/cases/imposed_buddying.toml"
    case = load_case(path)
    export_codes(case.to_dict(), tmp_path / "codes.csv")
    text1, data1 = import_codes(tmp_path / "codes.csv", case.id, base=path)
    assert _key(parse_case(tomllib.loads(text1))) == _key(case)
    export_codes(data1, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "codes.csv").read_bytes()
    text2, _ = import_codes(tmp_path / "again.csv", case.id, base=path)
    assert text2 == text1


def _write_codes(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(CODE_COLUMNS))
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in CODE_COLUMNS})


def _row(**change):
    r = {"case": "imposed_buddying", "variable": "trust", "month": "0", "level": "low",
         "coder": "B", "confidence": "0.4", "ref": "aunger2021", "locator": "p. 7",
         "quote": "an inherent mistrust", "claims": "F5", "evidence": "hypothesis",
         "time_basis": "assumed", "time_reason": "no time given",
         "rationale": "'inherent mistrust' is the anchor of trust level 2"}
    r.update(change)
    return r


def test_errors_name_the_row_and_all_are_reported(tmp_path):
    base = ROOT / "calibration/cases/imposed_buddying.toml"
    sheet = tmp_path / "codes.csv"
    _write_codes(sheet, [_row(),                                   # row 2: fine
                         _row(month="soon"),                       # row 3
                         _row(month="6", level="huge"),            # row 4
                         _row(month="12", claims=""),              # row 5
                         _row(case="other", month="x"),            # another case: skipped
                         _row(month="18", level="moderate")])      # row 7: against anchor
    with pytest.raises(SheetError) as exc:
        import_codes(sheet, "imposed_buddying", base=base)
    where = [w for w, _ in exc.value.problems]
    assert where == ["codes row 3", "codes row 4", "codes row 5", "codes row 7"], \
        exc.value.problems
    msg = str(exc.value)
    assert "month 'soon' is not a number" in msg and "'huge'" in msg
    assert "claims must list" in msg and "'inherent mistrust'" in msg


def test_a_bad_spreadsheet_writes_nothing(tmp_path):
    base = ROOT / "calibration/cases/imposed_buddying.toml"
    out = tmp_path / "out.toml"
    out.write_text("old content", encoding="utf-8")
    sheet = tmp_path / "codes.csv"
    _write_codes(sheet, [_row(level="huge")])
    rc = main(["import-codes", str(sheet), "--case", "imposed_buddying", "-o", str(out),
               "--base", str(base)])
    assert rc == 2 and out.read_text(encoding="utf-8") == "old content"
    assert {p.name for p in tmp_path.iterdir()} == {"codes.csv", "out.toml"}


def test_csv_without_the_rest_of_the_case_is_refused(tmp_path):
    sheet = tmp_path / "codes.csv"
    _write_codes(sheet, [_row()])
    with pytest.raises(SheetError, match="--base"):
        import_codes(sheet, "imposed_buddying")


def test_unknown_or_missing_columns_are_named(tmp_path):
    sheet = tmp_path / "codes.csv"
    sheet.write_text("case,variable,level\nx,trust,low\n", encoding="utf-8")
    with pytest.raises(SheetError, match=r"codes row 1: missing column\(s\) \['coder'\]"):
        import_codes(sheet, "x", base=ROOT / "calibration/cases/imposed_buddying.toml")


def test_templates_document_the_columns_and_their_example_imports(tmp_path):
    import openpyxl

    write_template(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["codes"]
    assert [c.value for c in ws[1]] == list(CODE_COLUMNS)
    assert all(c.comment is not None and c.comment.text == CODE_COLUMNS[c.value]
               for c in ws[1])
    # the committed CSV template is what write_template makes
    write_template(tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == \
        (ROOT / "calibration/templates/codes.csv").read_text(encoding="utf-8")
    # and its example row is a valid code (given a case with its source)
    base = tomllib.loads((ROOT / "calibration/cases/imposed_buddying.toml")
                         .read_text(encoding="utf-8"))
    base["case"]["id"] = EXAMPLE_ROW["case"]
    base["sources"].append({"ref": "interviews", "citation": "Interviews of the case"})
    from iocdynamics.calibration.casefile import case_to_toml

    base["observations"] = []
    (tmp_path / "base.toml").write_text(case_to_toml(base), encoding="utf-8")
    _, data = import_codes(tmp_path / "t.csv", EXAMPLE_ROW["case"],
                           base=tmp_path / "base.toml")
    assert data["observations"][0]["claims"] == ["F5", "A2"]


def test_cli_import_then_export(tmp_path, capsys):
    case_file = ROOT / "calibration/cases/aco_dissolved.toml"
    assert main(["export-codes", str(case_file), "-o", str(tmp_path / "aco.xlsx")]) == 0
    out = tmp_path / "aco.toml"
    assert main(["import-codes", str(tmp_path / "aco.xlsx"), "--case", "aco_dissolved",
                 "-o", str(out)]) == 0
    assert _key(load_case(out)) == _key(load_case(case_file))
    assert "wrote" in capsys.readouterr().out
