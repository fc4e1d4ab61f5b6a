"""The generated equations document lists every element and is up to date."""

from __future__ import annotations

from iocdynamics.artefacts import equations_markdown
from iocdynamics.model import build_model

from .conftest import ROOT


def test_equations_document_is_up_to_date():
    committed = (ROOT / "docs" / "equations.md").read_text(encoding="utf-8")
    assert committed == equations_markdown(), (
        "docs/equations.md is stale: run `iocdyn equations -o docs/equations.md`")


def test_every_element_is_documented():
    text = equations_markdown()
    m = build_model()
    for name in m.symbols:
        if name != "time":
            assert f"`{name}`" in text, name
