"""Calibrate the mechanism to the bundled vignettes (fast setting)."""

from __future__ import annotations

from pathlib import Path

ORDER = 40


def config_path() -> Path:
    """The fast demo config shipped in ``calibration/demo.toml``."""
    return Path(__file__).resolve().parents[3] / "calibration" / "demo.toml"


def run(out_dir: Path) -> None:
    from ..calibration import calibrate

    res = calibrate(config_path(), output_dir=out_dir / "calibration")
    print(f"   report -> {res.output / 'report.md'}")
