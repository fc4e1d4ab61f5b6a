"""The claims table covers every claim of CLAIMS.md and points at tests that exist."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from iocdynamics.claims import BEHAVIOUR_TESTS, claims_markdown, claims_table, read_claims

from .conftest import CLAIMS_FILE, ROOT

pytestmark = pytest.mark.skipif(not CLAIMS_FILE.exists(),
                                reason=f"{CLAIMS_FILE} is absent (../shared beside the checkout)")


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
