"""Case files: bundled cases load and are traceable; bad files give clear errors."""

import copy
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from iocdynamics.calibration.evidence import (
    CaseError,
    load_case,
    load_cases,
    months_between,
    parse_case,
    parse_date,
    quote_in_text,
    quotes,
)

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "calibration" / "cases").glob("*.toml"))
SEED = ROOT.parent / "shared" / "seeds" / "003_82bfe314a150c884.txt"


def _fig5() -> dict:
    return tomllib.loads((ROOT / "calibration/cases/fig5_voluntary_partnership.toml")
                         .read_text(encoding="utf-8"))


def test_bundled_cases_load_and_cover_the_required_cases():
    cases = load_cases(CASES)
    ids = {c.id for c in cases}
    assert {"fig5_voluntary_partnership", "voluntary_buddying", "imposed_buddying",
            "mandated_cross_sector_system", "aco_dissolved"} <= ids
    for c in cases:
        assert "published synthesis" in c.provenance and "illustrative" in c.provenance
        assert all(o.source.locator for o in c.observations)
        c.scenario()  # a valid scenario


@pytest.mark.skipif(not SEED.exists(), reason=f"source text {SEED} is not available")
def test_every_quote_occurs_verbatim_in_the_source_text():
    text = SEED.read_text(encoding="utf-8")
    missing = [(c.id, e, q) for c in load_cases(CASES) for e, q in quotes(c)
               if not quote_in_text(q, text)]
    assert not missing, missing


def test_quote_matching_normalises_line_breaks_and_typographic_quotes():
    text = "the ‘quick\nwins’ were imple-\nmented early"
    assert quote_in_text("the 'quick wins' were implemented early", text)
    assert not quote_in_text("the quick wins failed", text)


@pytest.mark.parametrize("mutate,entry,words", [
    (lambda d: d["observations"][0].update(variable="trustt"), "observation 1",
     "unknown variable 'trustt'"),
    (lambda d: d["observations"][1].update(level=6), "observation 2", "off the 'unit' scale"),
    (lambda d: d["observations"][1].update(level="huge"), "observation 2", "off the"),
    (lambda d: d["observations"][2].update(at=61), "observation 3", "beyond the horizon"),
    (lambda d: d["observations"][3].pop("source"), "observation 4", "missing source"),
    (lambda d: d["observations"][3]["source"].update(ref="nobody"), "observation 4",
     "not in [[sources]]"),
    (lambda d: d["events"][0].update(kind="merger"), "event 1", "event kind the model lacks"),
    (lambda d: d["events"][0].update(at=60), "event 1", "beyond the horizon"),
    (lambda d: d["context"].update(history_of_collaboration={"value": 2, "assumed": "x"}),
     "[context] history_of_collaboration", "out of range"),
    (lambda d: d["context"].update(history_of_collaboration=0.7),
     "[context] history_of_collaboration", "assumed"),
    (lambda d: d["case"].update(arrangement="mandated", id="Bad Id"), "[case] id",
     "lower-case"),
    (lambda d: d["observations"][0].update(confidence=1.5), "observation 1", "confidence"),
    (lambda d: d["observations"][0].update(variable="ambition_level"), "observation 1",
     "not codable"),
])
def test_bad_entries_are_rejected_with_file_entry_and_reason(mutate, entry, words):
    d = copy.deepcopy(_fig5())
    mutate(d)
    with pytest.raises(CaseError) as exc:
        parse_case(d, source="cases/x.toml")
    msg = str(exc.value)
    assert f"cases/x.toml: {entry}" in msg
    assert words in msg


def test_all_problems_are_reported_and_nothing_is_returned():
    d = copy.deepcopy(_fig5())
    d["observations"][0]["variable"] = "nonsense"
    d["events"][1]["kind"] = "party"
    with pytest.raises(CaseError) as exc:
        parse_case(d, source="f.toml")
    assert len(exc.value.problems) == 2


def test_duplicate_case_ids_are_rejected(tmp_path):
    a = tmp_path / "a.toml"
    b = tmp_path / "b.toml"
    text = CASES[0].read_text(encoding="utf-8")
    a.write_text(text, encoding="utf-8")
    b.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError, match="duplicate case id"):
        load_cases([a, b])


def test_invalid_toml_names_the_file(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text("[case\nid = 1", encoding="utf-8")
    with pytest.raises(CaseError, match="broken.toml: file: not valid TOML"):
        load_case(p)


def test_dates_become_months_since_start():
    assert months_between(parse_date("2012-01"), parse_date("2017-01")) == 60
    assert months_between(parse_date("2012-01"), parse_date("2013-06")) == 17
    case = load_case(ROOT / "calibration/cases/aco_dissolved.toml")
    active = [o for o in case.observations if o.variable == "active"][0]
    assert active.time == 60 and active.label == "dissolved"
    d = copy.deepcopy(case.to_dict())
    d["case"].pop("start_date")
    with pytest.raises(CaseError, match="needs \\[case\\] start_date"):
        parse_case(d)


def test_validate_case_command_reports_errors(tmp_path):
    d = _fig5()
    bad = (ROOT / "calibration/cases/fig5_voluntary_partnership.toml").read_text(
        encoding="utf-8").replace('kind = "staff_loss"', 'kind = "strike"')
    p = tmp_path / "bad.toml"
    p.write_text(bad, encoding="utf-8")
    assert d["events"][0]["kind"] == "staff_loss"
    r = subprocess.run([sys.executable, "-m", "iocdynamics.cli", "validate-case", str(p),
                        str(CASES[0])], capture_output=True, text=True)
    assert r.returncode == 2
    assert "bad.toml: event 1: kind = 'strike'" in r.stderr
    assert r.stdout.startswith("ok ")
