"""Long calibration searches: batched (bounded memory) without changing the result,
a progress bar, and Ctrl-C stopping them cleanly with nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import iocdynamics.calibration.fit as fit
from iocdynamics.calibration import calibrate, load_case, load_config
from iocdynamics.calibration.problem import Problem

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "calibration" / "cases" / "imposed_buddying.toml"


def config(tmp_path, **search):
    return {"name": "t", "seed": 3, "time_step": 0.25, "cases": [str(CASE)],
            "output_dir": str(tmp_path / "results"),
            "parameters": {"conflict_effect_on_trust": {"lower": 0, "upper": 1},
                           "mandate_mistrust": {"lower": 0, "upper": 1}},
            "search": {"method": "multistart", "n_starts": 40, "n_polish": 1,
                       "polish_max_nfev": 20, **search}}


@pytest.fixture(scope="module")
def problem():
    return Problem(load_config(config(Path("."))), [load_case(CASE)])


def test_multistart_batches_do_not_change_the_result(problem, monkeypatch):
    cfg = load_config(config(Path(".")))
    monkeypatch.setattr(fit, "BATCH", 7)  # 41 candidates: 5 full batches and a rest
    small = fit.fit_problem(problem, cfg.search, cfg.seed)
    monkeypatch.setattr(fit, "BATCH", 10**6)  # one call, as before batching
    whole = fit.fit_problem(problem, cfg.search, cfg.seed)
    assert small.nfev == whole.nfev
    np.testing.assert_array_equal(small.x, whole.x)
    assert small.objective == whole.objective


@pytest.mark.parametrize("method", ["multistart", "differential_evolution"])
def test_the_global_search_shows_progress(problem, capsys, method):
    cfg = load_config(config(Path("."), method=method, max_iterations=2, population=3))
    fit.fit_problem(problem, cfg.search, cfg.seed, progress=True)
    err = capsys.readouterr().err
    label = "multistart" if method == "multistart" else "differential evolution"
    assert label in err and "|" in err  # a tqdm bar on stderr
    fit.fit_problem(problem, cfg.search, cfg.seed, progress=False)
    assert label not in capsys.readouterr().err


def interrupt_after(monkeypatch, calls: int) -> list[int]:
    """Make the objective raise KeyboardInterrupt (Ctrl-C) on call number ``calls``."""
    seen = [0]
    original = Problem.objective

    def objective(self, rows):
        seen[0] += 1
        if seen[0] == calls:
            raise KeyboardInterrupt
        return original(self, rows)

    monkeypatch.setattr(Problem, "objective", objective)
    return seen


def test_ctrl_c_during_the_search_writes_nothing(tmp_path, monkeypatch):
    seen = interrupt_after(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        calibrate(config(tmp_path), verbose=False)
    assert seen[0] == 3
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_ctrl_c_on_the_command_line_exits_130_with_a_message(tmp_path, monkeypatch, capsys):
    import tomllib

    from iocdynamics.cli import main

    from .test_bad_inputs import toml

    path = tmp_path / "c.toml"
    path.write_text(toml(config(tmp_path)))
    assert tomllib.loads(path.read_text())["name"] == "t"
    interrupt_after(monkeypatch, 2)
    assert main(["calibrate", str(path), "--no-loo"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_differential_evolution_stops_after_max_iterations(problem):
    counts = {}
    for generations in (2, 4):
        cfg = load_config(config(Path("."), method="differential_evolution",
                                 max_iterations=generations, population=3))
        lines = []
        fit.fit_problem(problem, cfg.search, cfg.seed, log=lines.append)
        counts[generations] = int(lines[0].split(":")[1].split()[0])
        # scipy's population is popsize x parameters; one initial population, then
        # one of the same size per generation; lmfit evaluates the best point once more
        assert counts[generations] <= (generations + 1) * 3 * len(problem.names) + 1
    assert counts[4] > counts[2]
