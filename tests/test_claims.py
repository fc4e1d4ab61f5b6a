"""The claims table covers every claim of the project's claims list and points at tests
that exist."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from iocdynamics.claims import (
    BEHAVIOUR_TESTS,
    claims_markdown,
    claims_table,
    default_claims_file,
    read_claims,
)

from .conftest import CLAIMS_FILE, ROOT


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_every_claim_is_in_the_table_and_encoded():
    claims = read_claims(CLAIMS_FILE)
    table = claims_table(claims)
    assert table.ids() == list(claims)
    assert len(claims) >= 30
    for row in table.rows:
        assert row.elements or row.omitted, row.id
        if not row.omitted:
            assert row.tests, f"claim {row.id} is encoded but no test checks it"


def test_referenced_tests_exist():
    behaviour = _test_functions(ROOT / "tests" / "test_behaviour.py")
    assert set(BEHAVIOUR_TESTS) <= behaviour
    polarity = _test_functions(ROOT / "tests" / "test_polarity.py")
    assert "test_polarity" in polarity


def test_claim_ids_in_the_model_exist():
    claims = read_claims(CLAIMS_FILE)
    from iocdynamics.model import build_model

    m = build_model()
    used = set(m.claim_index())
    assert used <= set(claims), sorted(used - set(claims))
    for cs in BEHAVIOUR_TESTS.values():
        assert set(cs) <= set(claims)


def test_generated_claims_document_is_up_to_date():
    text = claims_markdown(claims_table(read_claims(CLAIMS_FILE)))
    committed = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    assert committed == text, "docs/claims.md is stale: run `iocdyn claims -o docs/claims.md`"


def test_the_claims_list_lives_in_the_package_and_cites_its_sources():
    assert default_claims_file().resolve() == CLAIMS_FILE.resolve()
    assert read_claims() == read_claims(CLAIMS_FILE)
    text = CLAIMS_FILE.read_text(encoding="utf-8")
    assert "BMC Health Services" in text and "21:602" in text
    assert "10.1186/s12913-021-06630-x" in text and "e0266899" in text
    # shipped with the package, not only present in a checkout
    import tomllib

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = cfg["tool"]["setuptools"]["package-data"]["iocdynamics"]
    assert "model/claims.md" in data


def test_every_claim_id_cited_by_scenarios_and_cases_exists():
    import re
    import tomllib

    known = set(read_claims())
    files = sorted((ROOT / "experiments").rglob("*.toml")) + \
        sorted((ROOT / "calibration").rglob("*.toml"))
    cited: dict[str, set[str]] = {}
    for f in files:
        data = tomllib.loads(f.read_text(encoding="utf-8"))
        ids = set(data.get("claims", []))
        for obs in data.get("observations", []):
            ids |= set(obs.get("claims", []))
        for cid in ids:
            assert re.fullmatch(r"[A-Z]\d+", cid), (f, cid)
        cited[str(f)] = ids
    bad = {f: sorted(ids - known) for f, ids in cited.items() if ids - known}
    assert not bad, bad
    assert any(cited.values())


PAPER = Path(os.environ.get("IOCDYN_SHARED", ROOT.parent / "shared")) / "seeds" / \
    "003_82bfe314a150c884.txt"


@pytest.mark.skipif(not PAPER.exists(),
                    reason=f"the paper's text ({PAPER}) is not available: set IOCDYN_SHARED to "
                           "the folder holding seeds/003_82bfe314a150c884.txt to check the "
                           "section headings the claims list quotes")
def test_section_headings_quoted_by_the_claims_list_are_the_papers():
    import re

    paper = " ".join(PAPER.read_text(encoding="utf-8").split())
    headings = re.findall(r'^## .*\("([^"]+)"\)', CLAIMS_FILE.read_text(encoding="utf-8"),
                          flags=re.M)
    assert len(headings) >= 6
    for h in headings:
        assert h in paper, h
