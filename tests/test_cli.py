"""The ``iocdyn`` command line: run, export, claims; errors are messages, not tracebacks."""

from __future__ import annotations

import pandas as pd

from iocdynamics.cli import main

from .conftest import CLAIMS_FILE, ROOT, bundled


def test_run_writes_table_and_figure(tmp_path, capsys):
    out, fig = tmp_path / "out.csv", tmp_path / "out.png"
    code = main(["run", str(bundled("voluntary_buddying")), "-o", str(out), "--plot",
                 str(fig), "--engine", "fast"])
    assert code == 0
    df = pd.read_csv(out, index_col="time")
    for col in ("trust", "faith", "conflict", "perceived_progress", "risk_tolerance",
                "confidence", "collaborative_behaviour", "performance", "active"):
        assert col in df.columns
    assert df.index[0] == 0 and df.index[-1] == 60 and len(df) == 61
    assert fig.stat().st_size > 10_000


def test_run_is_reproducible(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for p in (a, b):
        assert main(["run", str(bundled("fig5_voluntary_partnership")), "-o", str(p),
                     "--engine", "fast"]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_bad_scenario_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[context]\nmandated = \"yes\"\n")
    code = main(["run", str(bad), "-o", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.toml" in err and "mandated" in err and "true or false" in err
    assert not (tmp_path / "x.csv").exists()


def test_export_writes_the_committed_files(tmp_path):
    assert main(["export", "-d", str(tmp_path)]) == 0
    for name in ("ioc.mdl", "ioc.xmile"):
        assert (tmp_path / name).read_bytes() == (ROOT / "models" / name).read_bytes()


def test_claims_lists_every_claim(capsys):
    assert main(["claims", "--claims-file", str(CLAIMS_FILE)]) == 0
    out = capsys.readouterr().out
    for cid in ("I1", "A2", "F3", "L3", "P5", "E1"):
        assert f"## {cid}" in out
