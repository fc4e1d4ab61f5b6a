"""Case files: bundled cases load and are traceable; bad files give clear errors."""

import copy
import os
import re
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
    raw_sources,
)
from iocdynamics.calibration.sourcetext import check_against_text, page_bounds

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "calibration" / "cases").glob("*.toml"))
# the shared folder beside the checkout (IOCDYN_SHARED points elsewhere, e.g. from a worktree)
SHARED = Path(os.environ.get("IOCDYN_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seeds" / "003_82bfe314a150c884.txt"


def _fig5() -> dict:
    return tomllib.loads((ROOT / "calibration/cases/fig5_voluntary_partnership.toml")
                         .read_text(encoding="utf-8"))


def test_bundled_vignettes_load_and_say_what_they_rest_on():
    cases = {c.id: c for c in load_cases(CASES)}
    assert {"fig5_voluntary_partnership", "voluntary_buddying", "imposed_buddying",
            "mandated_cross_sector_system", "aco_dissolved"} <= set(cases)
    for c in cases.values():
        assert c.title.startswith("Vignette") and "published synthesis" in c.provenance
        assert "Single coder" in c.provenance and len(c.coder_names) == 1
        assert all(o.source.locator and o.source.quote for o in c.observations)
        assert all(o.claims and o.rationale and o.time_reason for o in c.observations)
        c.scenario()  # a valid scenario
    # which rest on a real study and which are sketches of a type
    assert cases["aco_dissolved"].basis == "case study"
    assert "real study" in cases["aco_dissolved"].provenance
    for cid in ("voluntary_buddying", "imposed_buddying", "mandated_cross_sector_system"):
        assert cases[cid].basis == "type sketch" and "type sketch" in cases[cid].provenance
    assert cases["fig5_voluntary_partnership"].basis == "illustrative example"


def test_primary_studies_behind_quotes_are_named_in_sources():
    cases = {c.id: c for c in load_cases(CASES)}
    cited = {"[42]": "murray2018", "[58]": "nhsproviders2018", "[44]": "ref44_buddying",
             "[43]": "ref43_mandated", "[12]": "ref12_set_up_for_failure"}
    refs = {r: c for c in cases.values() for r, c in c.sources.items()}
    for number, ref in cited.items():
        assert number in refs[ref], (ref, refs.get(ref))
    # every secondary code names the study it reports
    for c in cases.values():
        for o in c.observations:
            assert (o.evidence == "secondary") == bool(o.source.study), (c.id, o.entry)


def test_audited_codes_are_gone():
    cases = {c.id: c for c in load_cases(CASES)}
    m = cases["mandated_cross_sector_system"]
    assert not any("legacy of challenges" in o.source.quote for o in m.observations)
    imposed = {o.variable: o for o in cases["imposed_buddying"].observations}
    assert imposed["trust"].label == "low" and imposed["legitimacy"].label == "very low"
    vol = cases["voluntary_buddying"]
    assert all(o.time == 0 for o in vol.observations)
    assert not any("had been imposed" in o.source.quote for o in vol.observations)
    fig5 = cases["fig5_voluntary_partnership"]
    assert not any("some loss of faith" in o.source.quote for o in fig5.observations)
    aco = cases["aco_dissolved"]
    assert [o.variable for o in aco.observations] == ["active"]
    # no code rests on an assumed time with more than the capped confidence
    for c in cases.values():
        for o in c.observations:
            assert o.time_basis != "assumed" or o.confidence <= 0.5


@pytest.mark.skipif(not SEED.exists(), reason=f"source text {SEED} is not available")
def test_every_quote_occurs_verbatim_in_the_source_text():
    text = SEED.read_text(encoding="utf-8")
    missing = [(c.id, e, q) for c in load_cases(CASES) for e, q in quotes(c)
               if not quote_in_text(q, text)]
    assert not missing, missing


@pytest.mark.skipif(not SEED.exists(), reason=f"source text {SEED} is not available")
def test_no_sentence_sets_an_input_and_a_target():
    text = SEED.read_text(encoding="utf-8")
    problems = [(c.id, p) for c in load_cases(CASES)
                for p in check_against_text(c, "aunger2021", text)]
    assert not problems, problems


@pytest.mark.skipif(not SEED.exists(), reason=f"source text {SEED} is not available")
def test_locators_name_real_headings_and_the_pages_the_markers_allow():
    text = SEED.read_text(encoding="utf-8")
    flat = " ".join(text.split())
    for c in load_cases(CASES):
        for entry, src in raw_sources(c.raw):
            if src.get("ref") != "aunger2021":
                continue
            loc = src["locator"]
            for heading in re.findall(r"section '([^']+)'", loc):
                assert heading in flat, (c.id, entry, heading)
            m = re.match(r"pp?\. (\d+)(?:-(\d+))?, ", loc)
            assert m, (c.id, entry, loc)
            lo, hi = int(m[1]), int(m[2] or m[1])
            bounds = page_bounds(src["quote"], text)
            assert bounds and bounds[0] <= lo <= hi <= bounds[1], (c.id, entry, bounds)


def test_page_bounds_come_from_the_markers_around_a_quote():
    text = "intro words\nPage 3 of 9\nalpha beta gamma\nPage 5 of 9\ndelta epsilon"
    assert page_bounds("intro words", text) == (1, 2)
    assert page_bounds("beta gamma", text) == (3, 4)
    assert page_bounds("delta", text) == (5, 9)
    assert page_bounds("absent", text) is None


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
    (lambda d: d["observations"][2].pop("source"), "observation 3", "missing source"),
    (lambda d: d["observations"][2]["source"].update(ref="nobody"), "observation 3",
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


def test_a_misspelt_variable_and_a_bad_level_are_reported_in_one_pass():
    d = copy.deepcopy(_fig5())
    var = d["observations"][0]["variable"]
    d["observations"][0]["variable"] = var[:-1] + var[-1] * 2   # a typo of a real name
    d["observations"][0]["level"] = "enormous"
    with pytest.raises(CaseError) as exc:
        parse_case(d, source="f.toml")
    reasons = [r for _, r in exc.value.problems]
    assert any(f"did you mean {var!r}" in r for r in reasons)
    assert any("'enormous'" in r and f"scale of {var!r}" in r for r in reasons)


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
    assert active.time == 71 and active.label == "dissolved"
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
    assert "one coder" in r.stdout and "claim ids checked against" in r.stdout
