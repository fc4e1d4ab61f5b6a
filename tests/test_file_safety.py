"""What is promised about files: outputs follow the umask, an overwritten file keeps
its permissions, a killed run's temporary files are cleaned on the next run in that
folder only, a result name is a plain name, and a result folder is replaced as a
whole (a failure or a kill while writing leaves the previous run intact) without
removing anything outside it."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iocdynamics.folders import FolderError, check_replaceable, new_sibling, recover, swap_in
from iocdynamics.io import (
    OutputError,
    atomic_write,
    atomic_write_text,
    plain_name_problem,
    temp_sibling,
)

from .conftest import bundled

ROOT = Path(__file__).resolve().parents[1]
IO_FILE = str(Path(atomic_write.__code__.co_filename))


@pytest.fixture
def umask():
    """``os.umask`` for one test; the previous umask is restored afterwards."""
    previous = os.umask(0o022)
    yield os.umask
    os.umask(previous)


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def dead_pid() -> int:
    """The id of a process that has exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ------------------------------------------------------------------ permissions
@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_new_file_follows_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    p = atomic_write_text(tmp_path / "out.csv", "a\n")
    assert mode(p) == expected


def test_an_overwritten_file_keeps_its_permissions(tmp_path, umask):
    umask(0o022)
    p = tmp_path / "shared.csv"
    p.write_text("old\n")
    os.chmod(p, 0o664)  # a group-writable file in a shared results folder
    atomic_write_text(p, "new\n")
    assert p.read_text() == "new\n" and mode(p) == 0o664
    os.chmod(p, 0o644)
    atomic_write(p, lambda q: q.write_bytes(b"newer\n"))
    assert mode(p) == 0o644


def test_a_result_folder_follows_the_umask(tmp_path, umask):
    umask(0o022)
    tmp = new_sibling(tmp_path / "result")
    (tmp / "fit.json").write_text("{}")
    swap_in(tmp, tmp_path / "result")
    assert mode(tmp_path / "result") == 0o755
    assert mode(tmp_path / "result" / "fit.json") == 0o644


# ------------------------------------------------------------------ stale temporaries
KILLED_WRITER = textwrap.dedent("""
    import importlib.util, os, signal, sys
    # iocdynamics.io alone (standard library only), without the package's heavy imports
    spec = importlib.util.spec_from_file_location("io_module", sys.argv[2])
    io_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(io_module)
    atomic_write = io_module.atomic_write

    def write(p):
        p.write_text("half")
        os.kill(os.getpid(), signal.SIGKILL)

    atomic_write(os.path.join(sys.argv[1], "table.csv"), write)
""")


def test_a_killed_writes_part_file_is_removed_by_the_next_write_in_that_folder_only(
        tmp_path):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    for folder in (here, there):
        proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(folder), IO_FILE])
        assert proc.returncode == -signal.SIGKILL
    left = {f: [p.name for p in f.iterdir()] for f in (here, there)}
    assert all(len(v) == 1 and v[0].startswith(".table.csv.") and v[0].endswith(".part")
               for v in left.values()), left
    atomic_write_text(here / "other.csv", "x\n")
    assert sorted(p.name for p in here.iterdir()) == ["other.csv"]
    assert [p.name for p in there.iterdir()] == left[there]  # another folder: untouched


def test_a_part_file_of_a_running_process_is_kept(tmp_path):
    mine = temp_sibling(tmp_path / "a.csv", "part")  # this (running) process
    mine.write_text("in progress")
    dead = tmp_path / mine.name.replace(f"-{os.getpid()}.", f"-{dead_pid()}.")
    dead.write_text("stale")
    unrelated = tmp_path / ".notes.txt.part"  # not a name this package makes
    unrelated.write_text("mine")
    atomic_write_text(tmp_path / "b.csv", "x\n")
    assert mine.exists() and unrelated.exists() and not dead.exists()


def test_writing_onto_a_folder_is_refused_and_the_folder_kept(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep.txt").write_text("keep")
    with pytest.raises(OutputError, match="is a folder"):
        atomic_write_text(tmp_path / "d", "x")
    assert (tmp_path / "d" / "keep.txt").read_text() == "keep"


# ------------------------------------------------------------------ names
@pytest.mark.parametrize("name", [".", "..", "", "a/b", "..\\x", ".hidden", "a\nb", 3])
def test_a_result_name_must_be_plain(name):
    assert plain_name_problem(name)


@given(st.text(min_size=1, max_size=20))
def test_an_accepted_result_name_is_a_direct_child_of_its_folder(name):
    parent = Path("/results")
    if plain_name_problem(name) is None:
        assert (parent / name).parent == parent and (parent / name).name == name


def test_calibration_name_dot_is_refused_and_a_sibling_result_survives(tmp_path):
    from iocdynamics.calibration import ConfigError, calibrate

    earlier = tmp_path / "results" / "earlier"
    earlier.mkdir(parents=True)
    (earlier / "fit.json").write_text('{"name": "earlier"}')
    before = tree(tmp_path / "results")
    cfg = {"name": ".", "output_dir": str(tmp_path / "results"), "time_step": 0.25,
           "cases": [str(ROOT / "calibration" / "cases" / "imposed_buddying.toml")],
           "parameters": {"conflict_effect_on_trust": {"lower": 0, "upper": 1}}}
    with pytest.raises(ConfigError, match="plain folder name"):
        calibrate(cfg, verbose=False)
    assert tree(tmp_path / "results") == before


# ------------------------------------------------------------------ whole-folder swaps
def test_a_swap_replaces_the_whole_folder_and_nothing_beside_it(tmp_path):
    out = tmp_path / "result"
    out.mkdir()
    (out / "old_only.png").write_text("old")
    (out / "fit.json").write_text("old")
    (tmp_path / "sibling").mkdir()
    (tmp_path / "sibling" / "fit.json").write_text("other result")
    (tmp_path / "notes.txt").write_text("mine")
    new = new_sibling(out)
    (new / "fit.json").write_text("new")
    swap_in(new, out)
    assert tree(out) == {"fit.json": b"new"}  # nothing of the old run left in it
    assert tree(tmp_path / "sibling") == {"fit.json": b"other result"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "result", "sibling"]


def test_a_folder_with_foreign_files_is_never_replaced(tmp_path):
    expected = ("fit.json", "report.md", "figures")
    (tmp_path / "fit.json").write_text("{}")
    (tmp_path / temp_sibling(tmp_path / "report.md", "part").name).write_text("")
    check_replaceable(tmp_path, expected, "calibration results")  # only its own files
    for name in ("cases", "draft.part"):
        (tmp_path / name).mkdir()
        with pytest.raises(FolderError, match=f"holds {name}"):
            check_replaceable(tmp_path, expected, "calibration results")
        (tmp_path / name).rmdir()


def test_a_previous_result_set_aside_by_an_interrupted_swap_is_moved_back(tmp_path):
    out = tmp_path / "result"
    aside = tmp_path / temp_sibling(out, "old").name.replace(f"-{os.getpid()}.",
                                                              f"-{dead_pid()}.")
    aside.mkdir()
    (aside / "fit.json").write_text("previous run")
    partial = tmp_path / aside.name.replace(".old", ".partial")
    partial.mkdir()
    (partial / "fit.json").write_text("unfinished")
    other = tmp_path / aside.name.replace(".result.", ".result.v2.")  # another result's
    other.mkdir()
    recover(out)
    assert tree(out) == {"fit.json": b"previous run"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, "result"])


# ------------------------------------------------------------------ experiment folders
EXPERIMENT = {
    "name": "safe", "base": str(bundled("voluntary_buddying")), "members": 2, "seed": 1,
    "levers": {"formalisation": [0.0, 1.0]},
    "uncertainty": {"parameters": {"trust_build_time": [4, 8]}},
    "figures": {"fan_stocks": ["trust"]},
}


def spec(**changes):
    from iocdynamics.experiments.spec import parse_experiment

    return parse_experiment({**EXPERIMENT, **changes}, source="safe.toml")


@pytest.fixture
def first_run(tmp_path):
    from iocdynamics.experiments.runner import run_experiment

    out = tmp_path / "results" / "safe"
    run_experiment(spec(), out)
    return out


def test_a_fresh_rerun_failing_while_drawing_figures_leaves_the_old_run_intact(
        first_run, monkeypatch):
    import iocdynamics.experiments.runner as runner

    out = first_run
    before = tree(out)
    assert "figures/fan_trust.png" in before and "manifest.json" in before
    drawn = []

    def failing_figures(result):
        drawn.append(runner.atomic_write(result.out_dir / "figures" / "fan_trust.png",
                                         lambda p: p.write_bytes(b"new figure")))
        raise RuntimeError("matplotlib failed half-way")

    monkeypatch.setattr(runner, "write_figures", failing_figures)
    with pytest.raises(RuntimeError, match="half-way"):
        runner.run_experiment(spec(seed=2), out, fresh=True)
    assert drawn, "the failure was not inside figure drawing"
    after = tree(out)
    assert {k: v for k, v in after.items() if not k.startswith("parts/")} == \
        {k: v for k, v in before.items() if not k.startswith("parts/")}
    assert sorted(p.name for p in out.parent.iterdir()) == ["safe"]  # no temporary left

    monkeypatch.undo()
    res = runner.run_experiment(spec(seed=2), out, fresh=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 2
    assert set(manifest["files"]) <= set(tree(out))  # every listed file is of this run
    assert tree(out)["summary.csv"] != before["summary.csv"]
    assert res.out_dir == out and all(f.exists() for f in res.files)


KILLED_RUN = textwrap.dedent("""
    import os, signal, sys
    import iocdynamics.experiments.runner as runner
    from iocdynamics.experiments.spec import parse_experiment

    def killed(result):
        runner.atomic_write(result.out_dir / "figures" / "fan_trust.png",
                            lambda p: p.write_bytes(b"new figure"))
        os.kill(os.getpid(), signal.SIGKILL)

    runner.write_figures = killed
    spec = parse_experiment(dict({data}, seed=2), source="safe.toml")
    runner.run_experiment(spec, sys.argv[1], fresh=True)
""")


def test_a_rerun_killed_while_drawing_figures_leaves_one_consistent_run(first_run):
    from iocdynamics.experiments.runner import run_experiment

    out = first_run
    before = {k: v for k, v in tree(out).items() if not k.startswith("parts/")}
    code = KILLED_RUN.replace("{data}", repr(EXPERIMENT))
    proc = subprocess.run([sys.executable, "-c", code, str(out)])
    assert proc.returncode == -signal.SIGKILL
    assert {k: v for k, v in tree(out).items() if not k.startswith("parts/")} == before
    stale = [p.name for p in out.parent.iterdir() if p.name != "safe"]
    assert stale and all(n.startswith(".safe.") and n.endswith(".partial") for n in stale)
    run_experiment(spec(seed=2), out, fresh=True, figures=False)
    assert sorted(p.name for p in out.parent.iterdir()) == ["safe"]
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert not (out / "figures").exists()  # the new run drew none: no old figure kept


def test_a_finished_runs_parts_do_not_block_a_rerun_with_other_inputs(first_run):
    from iocdynamics.experiments.runner import run_experiment
    from iocdynamics.experiments.spec import ExperimentError

    out = first_run
    assert (out / "parts" / "experiment.json").exists()
    run_experiment(spec(seed=3), out, figures=False)  # the old parts were the old run's
    assert json.loads((out / "manifest.json").read_text())["seed"] == 3
    # unfinished parts of yet other inputs (a killed run) are refused
    marker = out / "parts" / "experiment.json"
    marker.write_text(json.dumps({"experiment": "safe", "fingerprint": "f" * 64}))
    with pytest.raises(ExperimentError, match="--fresh"):
        run_experiment(spec(seed=4), out, figures=False)
