"""``iocdyn loops``: the table, the loop table and the figure; bad input first."""

from __future__ import annotations

import pandas as pd
import pytest

from iocdynamics.cli import main

from .test_loops_named import FIG5


def test_loops_command_writes_scores_table_and_figure(tmp_path, capsys):
    out, table, fig = tmp_path / "s.csv", tmp_path / "t.csv", tmp_path / "d.png"
    assert main(["loops", str(FIG5), "-o", str(out), "--table", str(table),
                 "--plot", str(fig)]) == 0
    scores = pd.read_csv(out, index_col="time")
    assert "trust-building" in scores.columns
    assert list(scores.index[:3]) == [0.0, 0.25, 0.5]          # the save interval
    # relative scores: every partition's absolute scores add up to at most 1
    assert (scores.abs().max() <= 1 + 1e-9).all()
    loops = pd.read_csv(table, index_col="loop")
    assert len(loops) > 10 and {"name", "polarity", "variables"} <= set(loops.columns)
    assert fig.stat().st_size > 10_000
    assert "feedback loops" in capsys.readouterr().out


def test_bad_figure_name_fails_before_any_work(tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["loops", str(FIG5), "-o", str(out), "--plot", str(tmp_path / "d.gif")]) == 2
    assert "--plot" in capsys.readouterr().err
    assert not out.exists()


def test_unknown_named_file_is_a_clear_error(tmp_path, capsys):
    assert main(["loops", str(FIG5), "-o", str(tmp_path / "s.csv"),
                 "--named", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["loops"], ["loops", str(FIG5)]])
def test_missing_arguments(argv):
    with pytest.raises(SystemExit):
        main(argv)
