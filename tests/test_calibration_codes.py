"""The codebook's rules on observations, several coders, agreement and consensus."""

import copy
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from iocdynamics.calibration import load_config
from iocdynamics.calibration.agreement import disagreements, independence, reliability
from iocdynamics.calibration.codebook import ANCHORS, absolute_hits
from iocdynamics.calibration.evidence import (
    ASSUMED_TIME_MAX_CONFIDENCE,
    CaseError,
    parse_case,
    quotes_overlap,
)
from iocdynamics.calibration.problem import Problem

ROOT = Path(__file__).resolve().parents[1]
MODEL_DOI = "10.1186/s12913-021-06630-x"


def _obs(variable="trust", at=0, level="low", coder="A", quote="partners met monthly",
         **extra):
    o = {"variable": variable, "at": at, "level": level, "coder": coder, "confidence": 0.5,
         "source": {"ref": "study", "locator": "p. 3", "quote": quote},
         "claims": ["I3"], "evidence": "primary", "time_basis": "stated",
         "time_reason": "dated in the report", "rationale": "the text's wording"}
    o.update(extra)
    return o


def _case(observations, consensus=None, **context):
    d = {"case": {"id": "t", "title": "T", "collaboration_type": "partnership",
                  "country": "England", "sector": "acute care", "arrangement": "voluntary",
                  "horizon": 24, "provenance": "test"},
         "sources": [{"ref": "study", "citation": "A primary study"},
                     {"ref": "synth", "citation": "A synthesis", "doi": MODEL_DOI}],
         "context": context, "observations": observations}
    if consensus:
        d["case"]["consensus"] = consensus
    return d


def _problems(d) -> list[tuple[str, str]]:
    with pytest.raises(CaseError) as exc:
        parse_case(d, source="c.toml", claim_ids={"I3", "F5", "A2"})
    return exc.value.problems


# ------------------------------------------------------------------ required fields
def test_every_missing_or_wrong_field_is_reported_in_one_pass():
    bad = [_obs(claims=[]), _obs(at=1, claims=["Z9"]), _obs(at=2, evidence="rumour"),
           _obs(at=3, time_basis="guessed"), _obs(at=4, time_reason=" "),
           _obs(at=5, rationale="two\nlines"),
           _obs(at=6, evidence="secondary")]  # secondary without the study it reports
    probs = _problems(_case(bad))
    by_entry = {e.split(" (")[0]: r for e, r in probs}
    assert len(probs) == 7, probs
    assert "claims must list" in by_entry["observation 1"]
    assert "['Z9'] are not ids of the claims list" in by_entry["observation 2"]
    assert "evidence = 'rumour'" in by_entry["observation 3"]
    assert "time_basis = 'guessed'" in by_entry["observation 4"]
    assert "time_reason" in by_entry["observation 5"]
    assert "rationale must be one line" in by_entry["observation 6"]
    assert "names the primary study" in by_entry["observation 7"]


def test_an_assumed_time_caps_the_confidence():
    over = _obs(time_basis="assumed", confidence=ASSUMED_TIME_MAX_CONFIDENCE + 0.1)
    (entry, reason), = _problems(_case([over]))
    assert entry == "observation 1 (trust)" and "cap" in reason
    ok = _obs(time_basis="assumed", confidence=ASSUMED_TIME_MAX_CONFIDENCE)
    assert parse_case(_case([ok]), claim_ids={"I3"}).observations[0].time_basis == "assumed"


# ------------------------------------------------------------- quote used twice
def test_a_quote_that_sets_an_input_cannot_be_a_target():
    legacy = ("a legacy of challenges led to a break-down in trust and dialogue and an "
              "entrenchment of organisational 'fortress mentalities'")
    ctx = {"legacy_of_failures": {"value": 0.6, "source": {
        "ref": "study", "locator": "p. 2", "quote": legacy}}}
    target = _obs(quote="a legacy of challenges led to a break-down in trust and dialogue")
    (entry, reason), = _problems(_case([target], **ctx))
    assert entry == "observation 1 (trust)"
    assert "[context] legacy_of_failures" in reason


def test_quote_overlap_is_containment_or_a_shared_run_of_words():
    assert quotes_overlap("Replacement of leader",
                          "Replacement of leader causes a renewed shared vision")
    assert quotes_overlap("loss of staff causes some loss of faith",
                          "Faith and trust initially increase but loss of staff causes some "
                          "loss of faith")
    assert not quotes_overlap("does not involve many organisations",
                              "involve a significant number of large organisations")


# ---------------------------------------------------------------- codebook anchors
def test_a_code_against_a_codebook_anchor_needs_a_reason():
    mistrust = "an inherent mistrust taking place in organisations"
    (entry, reason), = _problems(_case([_obs(level="moderate", quote=mistrust)]))
    assert "'inherent mistrust'" in reason and "level 2 ('low')" in reason
    assert parse_case(_case([_obs(level="low", quote=mistrust)]), claim_ids={"I3"})
    justified = _obs(level="moderate", quote=mistrust,
                     anchor_reason="the study reports the mistrust was overcome by month 0")
    assert parse_case(_case([justified]), claim_ids={"I3"})
    imposed = _obs(variable="legitimacy", level="moderate",
                   quote="arrangements seen to be imposed by regulatory bodies")
    (_, reason), = _problems(_case([imposed]))
    assert "'imposed'" in reason and "level 1" in reason


def test_rule_two_codes_a_change_from_the_previous_code():
    high = _obs(variable="faith", level="high", quote="people were committed")
    after = _obs(variable="faith", at=10, level="high",
                 quote="causing some loss of faith but a greater loss of trust")
    (entry, reason), = _problems(_case([high, after]))
    assert entry == "observation 2 (faith)" and "rule 2 gives 3 ('moderate')" in reason
    after["level"] = "moderate"
    assert parse_case(_case([high, after]), claim_ids={"I3"})
    # a change with nothing before it cannot be coded as a level
    (entry, reason), = _problems(_case([after]))
    assert "there is none earlier" in reason


def test_longer_anchor_wins_over_a_phrase_inside_it():
    hits = absolute_hits("task_complexity", "relatively simple to implement")
    assert [h.levels for h in hits] == [(2,)]


def _codebook_anchors() -> dict[str, dict[int, set[str]]]:
    """Quoted anchors per variable and level, read from CODEBOOK.md's bullets and tables."""
    text = (ROOT / "calibration" / "CODEBOOK.md").read_text(encoding="utf-8")
    out: dict[str, dict[int, set[str]]] = {}
    for block in re.split(r"\n- (?=\*\*)", text)[1:]:
        names = re.findall(r"\*\*(\w+)\*\*", block.split("(")[0])
        for m in re.finditer(r"(?:^|[;\n]\s*)(\d): (.*?)(?=(?:;|\n)\s*\d: |\Z)", block,
                             flags=re.S):
            for v in names:
                out.setdefault(v, {}).setdefault(int(m[1]), set()).update(
                    " ".join(q.split()) for q in re.findall(r'"([^"]+)"', m[2]))
    for var, heading in (("performance", "## Scale `relative`"),
                         ("active", "## Scale `status`")):
        section = text.split(heading)[1].split("\n## ")[0]
        for row in re.finditer(r"^\| (\d) \| [^|]+ \| (.+) \|$", section, flags=re.M):
            out.setdefault(var, {})[int(row[1])] = set(re.findall(r'"([^"]+)"', row[2]))
    return out


def test_anchor_table_matches_the_codebook():
    book = _codebook_anchors()
    for var, levels in ANCHORS.items():
        for level, phrases in levels.items():
            assert set(phrases) <= book[var][level], (var, level)


# ------------------------------------------------------------------ several coders
# Two coders, four units of trust. Coincidences: (1,1) (2,2) (3,3) twice each, (3,4) and
# (4,3) once; marginals n1=2, n2=2, n3=3, n4=1, n=8. Ordinal distances
# delta(c,k) = sum_{g=c..k} n_g - (n_c + n_k)/2: d12=2, d13=4.5, d14=6.5, d23=2.5, d24=4.5,
# d34=2. Observed: 2 * d34^2 = 8. Expected: 2 * sum_{c<k} n_c n_k d_ck^2 = 2 * 312 = 624.
# alpha = 1 - (n - 1) * 8 / 624 = 1 - 56/624 = 71/78.
HAND_ALPHA = 71 / 78
CODER_A = (1, 2, 3, 3)
CODER_B = (1, 2, 3, 4)


def _two_coder(consensus=None, agreed=None):
    obs = []
    for coder, levels in (("A", CODER_A), ("B", CODER_B)):
        for t, lv in zip((0, 6, 12, 18), levels):
            obs.append(_obs(at=t, level=lv, coder=coder, quote=f"trust, as month {t} shows"))
    if agreed is not None:
        obs.append(_obs(at=18, level=agreed, coder="agreed", quote="agreed after re-reading"))
    return _case(obs, consensus=consensus)


def test_two_coders_alpha_matches_the_hand_computed_value():
    case = parse_case(_two_coder("each_coder"), claim_ids={"I3"})
    alphas = {a.variable: a for a in reliability(case)}
    assert alphas["trust"].alpha == pytest.approx(HAND_ALPHA, abs=1e-12)
    assert alphas["trust"].units == 4 and alphas["trust"].coders == 2
    assert alphas["all"].alpha == pytest.approx(HAND_ALPHA, abs=1e-12)
    d, = disagreements(case)
    assert (d.variable, d.time, d.levels) == ("trust", 18, {"A": 3, "B": 4})


def test_consensus_each_coder_down_weights_every_code():
    case = parse_case(_two_coder("each_coder"), claim_ids={"I3"})
    assert len(case.codes) == 8 and len(case.observations) == 8
    assert {o.weight for o in case.observations} == {0.5}


def test_consensus_agreed_needs_the_agreed_level_where_coders_differ():
    probs = _problems(_two_coder("agreed"))
    assert len(probs) == 1 and "trust at month 18" in probs[0][1] \
        and "coder = \"agreed\"" in probs[0][1]
    case = parse_case(_two_coder("agreed", agreed=4), claim_ids={"I3"})
    levels = [(o.time, o.level, o.coder) for o in case.observations]
    assert levels == [(0, 1, "A"), (6, 2, "A"), (12, 3, "A"), (18, 4, "agreed")]
    assert all(o.weight == 1 for o in case.observations)
    # the agreed row is not a coder: agreement is over A and B only
    assert case.coder_names == ("A", "B")
    assert {a.variable: a.alpha for a in reliability(case)}["trust"] == \
        pytest.approx(HAND_ALPHA)


def test_two_agreeing_coders_weigh_in_the_fit_like_one():
    one = _case([_obs(at=t, level=lv, quote=f"trust, as month {t} shows")
                 for t, lv in zip((0, 6, 12, 18), CODER_A)])
    two = copy.deepcopy(one)
    two["case"]["consensus"] = "each_coder"
    two["observations"] += [dict(o, coder="B") for o in one["observations"]]
    cfg = load_config({"name": "t", "parameters": {"trust_build_time": {"lower": 2,
                                                                         "upper": 24}}})
    p1 = Problem(cfg, [parse_case(one, claim_ids={"I3"})])
    p2 = Problem(cfg, [parse_case(two, claim_ids={"I3"})])
    theta = np.array([[4.0], [12.0]])
    np.testing.assert_allclose(p2.objective(theta), p1.objective(theta), rtol=1e-12)


def test_independence_follows_evidence_and_source():
    obs = [_obs(), _obs(at=1, source={"ref": "synth", "locator": "p. 1", "quote": "x y z"},
                        evidence="hypothesis"),
           _obs(at=2, source={"ref": "synth", "locator": "p. 1", "quote": "u v w",
                              "study": "study"}, evidence="secondary")]
    case = parse_case(_case(obs), claim_ids={"I3"})
    assert independence([case])["t"] == {"independent": 1, "in-sample": 1, "circular": 1,
                                         "conjecture": 0, "synthetic": 0}


def test_validate_case_reports_alpha_and_disagreements(tmp_path):
    from iocdynamics.calibration.casefile import case_to_toml

    case = parse_case(_two_coder("each_coder"), claim_ids={"I3"})
    p = tmp_path / "two.toml"
    p.write_text(case_to_toml(case), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "iocdynamics.cli", "validate-case", str(p)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"Krippendorff's alpha (ordinal) trust: {HAND_ALPHA:.3f} over 4 units" in r.stdout
    assert "disagreement: trust at month 18: A 3, B 4" in r.stdout


# ----------------------------------------------------------------- reading the fit
def test_bundled_evidence_is_read_as_not_independent():
    from iocdynamics.calibration import load_cases
    from iocdynamics.calibration.agreement import evidence_summary, reading

    cases = load_cases(sorted((ROOT / "calibration" / "cases").glob("*.toml")))
    summary = evidence_summary(cases)
    t = summary["totals"]
    assert t["independent"] == 0 and t["circular"] > 0 and t["in-sample"] > 0
    assert sum(t.values()) == sum(len(c.observations) for c in cases)
    text = " ".join(reading(summary))
    assert "No code is independent of the model's source" in text
    assert f"{len(cases)} of {len(cases)} cases have a single coder" in text


def test_report_gives_agreement_and_reads_independent_evidence(tmp_path):
    from iocdynamics.calibration import calibrate

    case = parse_case(_two_coder("each_coder"), claim_ids={"I3"})
    cfg = {"name": "r", "seed": 1, "parameters": {"trust_build_time": {"lower": 2,
                                                                       "upper": 24}},
           "search": {"method": "multistart", "n_starts": 4, "n_polish": 1,
                      "polish_max_nfev": 20},
           "uncertainty": {"profile": []}}
    calibrate(cfg, cases=[case], output_dir=tmp_path, verbose=False, profiles=False)
    report = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "### Agreement between coders" in report
    assert f"| t | A, B | each_coder | trust | {HAND_ALPHA:.3f} | 4 |" in report
    assert "- t: trust at month 18: A 3, B 4" in report
    assert "8 of 8 codes are observations independent of the model's source" in report


def test_docs_list_the_spreadsheet_columns():
    from iocdynamics.calibration.spreadsheet import columns_markdown

    assert columns_markdown() in (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
