"""Shared fixtures: paths, the model, bundled scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "experiments" / "scenarios"
CLAIMS_FILE = ROOT / "src" / "iocdynamics" / "model" / "claims.md"


@pytest.fixture(scope="session")
def model():
    from iocdynamics.model import build_model

    return build_model()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def bundled(name: str) -> Path:
    """Path of a bundled scenario by stem."""
    return SCENARIOS / f"{name}.toml"
