"""Every bad input is refused before any work starts, with a message naming the file,
the key or flag, the value and the fix, and without writing anything.

One row per bad input: how to produce it, what is raised (an exception class, or the
exit code of ``iocdyn``) and words the message must contain. Every row runs with the
expensive entry points (fitting, simulating, continuation, sampling) replaced by a
function that fails the test, so a check made after the work has started fails too.
"""

from __future__ import annotations

import inspect
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from iocdynamics.analysis.autonomous import EXCLUDED_STOCKS
from iocdynamics.analysis.phase import phase_data
from iocdynamics.calibration import ConfigError, calibrate, load_case, load_config
from iocdynamics.calibration.evidence import CaseError
from iocdynamics.cli import main
from iocdynamics.experiments.runner import run_experiment
from iocdynamics.experiments.spec import MAX_MEMBERS, ExperimentError, load_experiment
from iocdynamics.model import EVENT_KINDS, build_model
from iocdynamics.registry import PARAMETERS
from iocdynamics.scenario import Scenario, ScenarioError

from .conftest import bundled

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "calibration" / "cases" / "imposed_buddying.toml"
BASE = bundled("voluntary_buddying")
EVENT = EVENT_KINDS[0]
LEVER = next(p for p in PARAMETERS.values() if p.group == "lever" and p.kind == "float")
MECH = next(p for p in PARAMETERS.values() if p.group == "mechanism" and p.kind == "float")
FLAG = next(p for p in PARAMETERS.values() if p.kind == "bool")
FREE = "conflict_effect_on_trust"  # the free parameter of the calibration configs
TWO_FREE = {"parameters": {FREE: {"lower": 0.0, "upper": 1.0},
                           "mandate_mistrust": {"lower": 0.0, "upper": 1.0}}}
AXES = tuple(inspect.signature(phase_data).parameters[k].default for k in ("x", "y"))
HELD = next(s for s in build_model().stocks if s.name not in AXES + EXCLUDED_STOCKS
            and s.lower is not None and s.upper is not None)


class WorkStarted(BaseException):  # noqa: N818 - not an error the code may catch
    """Raised by the expensive entry points: the check came too late."""


def _no_work(*args, **kwargs):
    raise WorkStarted("the input was accepted and work started")


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    import iocdynamics.analysis.bifurcation as bif
    import iocdynamics.analysis.equilibria as eq
    import iocdynamics.analysis.phase as phase
    import iocdynamics.calibration.api as api
    import iocdynamics.experiments.runner as runner
    import iocdynamics.experiments.sensitivity as sens
    import iocdynamics.loops as loops
    import iocdynamics.simulation as simulation

    for module, name in ((api, "fit_problem"), (runner, "simulate_design"),
                         (sens, "model_function"), (simulation, "simulate"),
                         (eq, "find_equilibria"), (phase, "find_equilibria"),
                         (phase, "initial_state"), (phase, "QuasiSteadyState"),
                         (bif, "continuation"), (loops, "loop_scores")):
        monkeypatch.setattr(module, name, _no_work)
    return Ctx(tmp_path, monkeypatch)


@dataclass
class Ctx:
    tmp: Path
    monkeypatch: pytest.MonkeyPatch

    def write(self, name: str, content: str | bytes) -> Path:
        p = self.tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return p


# ------------------------------------------------------------------ builders
def toml(d: dict, prefix: str = "") -> str:
    """A small TOML writer for the nested dicts of these rows."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (str, Path)):
            return json.dumps(str(v))
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in d.items() if not isinstance(v, dict)]
    for k, v in d.items():
        if isinstance(v, dict):
            lines += ["", f"[{prefix}{k}]", toml(v, f"{prefix}{k}.")]
    return "\n".join(lines)


def config(ctx: Ctx, file: str = "config.toml", **changes) -> Path:
    """A calibration config file in ``ctx.tmp`` (valid unless ``changes`` break it)."""
    d = {"name": "t", "cases": [str(CASE)], "seed": 7, "time_step": 0.25,
         "output_dir": "results",
         "parameters": {FREE: {"lower": 0.0, "upper": 1.0}},
         "search": {"method": "multistart", "n_starts": 16, "n_polish": 1}}
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(d.get(k), dict):
            d[k] = {**d[k], **v}
        else:
            d[k] = v
    return ctx.write(file, toml(d))


def case_with_event(ctx: Ctx, at_before_horizon: float) -> Path:
    """The bundled case with one more event ``at_before_horizon`` months before its
    horizon."""
    text = CASE.read_text(encoding="utf-8")
    horizon = tomllib.loads(text)["case"]["horizon"]
    ref = tomllib.loads(text)["sources"][0]["ref"]
    text += (f'\n[[events]]\nat = {horizon - at_before_horizon}\nkind = "{EVENT}"\n'
             f'size = 0.5\nsource = {{ref = "{ref}", locator = "p. 1"}}\n')
    return ctx.write("case.toml", text)


def scenario(ctx: Ctx, file: str = "s.toml", **tables) -> Path:
    d = {"simulation": {"final_time": 60, "time_step": 0.125}}
    d.update(tables)
    text = toml({k: v for k, v in d.items() if k not in ("events", "lever_changes")})
    for key in ("events", "lever_changes"):
        for item in d.get(key, []):
            text += f"\n\n[[{key}]]\n" + toml(item)
    return ctx.write(file, text)


def experiment(ctx: Ctx, file: str = "e.toml", **changes) -> Path:
    d = {"name": "e", "base": str(BASE), "members": 2, "seed": 1,
         "levers": {LEVER.name: [LEVER.lower, LEVER.upper]},
         "uncertainty": {"parameters": {MECH.name: [MECH.lower, MECH.upper]}}}
    d.update(changes)
    return ctx.write(file, toml({k: v for k, v in d.items() if v is not None}))


def call(fn, *args, **kwargs) -> Callable[[], object]:
    """``fn(*args, **kwargs)`` to be run later (the inputs are made now)."""
    return lambda: fn(*args, **kwargs)


def cli(*args) -> int:
    """``iocdyn ARGS``'s exit code (argparse exits with 2 on a refused flag)."""
    try:
        return main([str(a) for a in args])
    except SystemExit as exc:
        return int(exc.code)


def results_of(ctx: Ctx, experiment_name: str, parts_fingerprint: str | None) -> Path:
    """A results folder holding another run: a manifest and/or unfinished parts."""
    out = ctx.tmp / "out"
    (out / "parts").mkdir(parents=True)
    if parts_fingerprint is None:
        (out / "manifest.json").write_text(json.dumps(
            {"experiment": experiment_name, "source": "other.toml"}))
    else:
        (out / "parts" / "experiment.json").write_text(json.dumps(
            {"experiment": experiment_name, "fingerprint": parts_fingerprint}))
        (out / "parts" / "group_000.nc.parts").mkdir()
    return out


def mech_bounds() -> str:
    return f"allowed {MECH.lower:g} to {MECH.upper:g}"


# ------------------------------------------------------------------ the table
@dataclass
class Row:
    id: str
    produce: Callable[[Ctx], Callable[[], object]]
    expect: type[BaseException] | int
    words: tuple[str, ...] = field(default_factory=tuple)


ROWS = [
    # ------------------------------------------------ calibration configs
    Row("config name '.'", lambda c: call(load_config, config(c, name=".")),
        ConfigError, ("config.toml", "name", "'.'", "plain folder name")),
    Row("config name '..'", lambda c: call(load_config, config(c, name="..")),
        ConfigError, ("config.toml", "name", "'..'", "plain folder name")),
    Row("config name with a separator", lambda c: call(load_config, config(c, name="a/b")),
        ConfigError, ("config.toml", "name", "'a/b'", "without /")),
    Row("posterior enabled = 'no'",
        lambda c: call(load_config, config(c, posterior={"enabled": "no"})),
        ConfigError, ("config.toml", "[posterior] enabled", "'no'", "true or false")),
    Row("leave_one_out = 'false'",
        lambda c: call(load_config, config(c, validation={"leave_one_out": "false"})),
        ConfigError, ("config.toml", "[validation] leave_one_out", "'false'", "true or false")),
    Row("estimate_spread = 1",
        lambda c: call(load_config, config(c, likelihood={"estimate_spread": 1})),
        ConfigError, ("config.toml", "[likelihood] estimate_spread", "1", "true or false")),
    Row("likelihood = 5", lambda c: call(load_config, config(c, likelihood=5)),
        ConfigError, ("config.toml", "likelihood", "5", "must be a table")),
    Row("search = 'fast'", lambda c: call(load_config, config(c, search="fast")),
        ConfigError, ("config.toml", "search", "'fast'", "must be a table")),
    Row("spread_bounds = ['a', 3]",
        lambda c: call(load_config, config(c, likelihood={"spread_bounds": ["a", 3]})),
        ConfigError, ("config.toml", "spread_bounds", "['a', 3]", "0 < lower < upper")),
    Row("output_dir is a file",
        lambda c: (c.write("afile", "x"),
                   call(load_config, config(c, output_dir="afile")))[1],
        ConfigError, ("config.toml", "output_dir", "afile", "is a file")),
    Row("output_dir below a file",
        lambda c: (c.write("afile", "x"),
                   call(load_config, config(c, output_dir="afile/sub")))[1],
        ConfigError, ("config.toml", "output_dir", "afile", "is a file")),
    Row("n_starts = 1000000",
        lambda c: call(load_config, config(c, search={"n_starts": 1_000_000})),
        ConfigError, ("config.toml", "[search] n_starts", "1000000", "100000")),
    Row("emcee walkers < 2 x parameters",
        lambda c: call(calibrate, config(c, posterior={"enabled": True, "walkers": 2,
                                                        "steps": 20, "burn": 5},
                                         **TWO_FREE),
                                    verbose=False),
        ConfigError, ("config.toml", "[posterior] walkers = 2", "at least two walkers",
                      "walkers = 4")),
    Row("--posterior with walkers < 2 x parameters",
        lambda c: call(cli, "calibrate", config(c, posterior={"walkers": 2}, **TWO_FREE),
                              "--posterior"),
        2, ("config.toml", "[posterior] walkers = 2", "at least two walkers")),
    Row("results folder holds other files",
        lambda c: (c.write("results/t/notes.txt", "mine"),
                   call(calibrate, config(c), verbose=False))[1],
        ConfigError, ("config.toml", "name = 't'", "notes.txt", "choose an empty or new")),
    Row("--output is a file",
        lambda c: (c.write("afile", "x"),
                   call(cli, "calibrate", config(c), "--output", c.tmp / "afile"))[1],
        2, ("--output", "afile", "is a file")),
    Row("config not UTF-8",
        lambda c: call(load_config, c.write("latin.toml", b'name = "caf\xe9"\n')),
        ConfigError, ("latin.toml", "line 1", "not UTF-8", "save the file with UTF-8")),
    # ------------------------------------------------ scenarios
    Row("event on the last time step",
        lambda c: call(Scenario.from_file, scenario(c, events=[
            {"at": 59.97, "kind": EVENT}])),
        ScenarioError, ("s.toml", "event 1", "at = 59.97", "59.9375", "no effect")),
    Row("event at final_time - time_step/2",
        lambda c: call(Scenario.from_file, scenario(c, events=[
            {"at": 59.9375, "kind": EVENT}])),
        ScenarioError, ("s.toml", "event 1", "at = 59.9375", "no effect")),
    Row("lever change on the last time step",
        lambda c: call(Scenario.from_file, scenario(c, lever_changes=[
            {"at": 59.95, "lever": LEVER.name, "value": LEVER.upper}])),
        ScenarioError, ("s.toml", "lever change 1", "at = 59.95", "no effect")),
    Row("time step off the save grid",
        lambda c: call(Scenario.from_file, scenario(c, simulation={
            "final_time": 60, "time_step": 0.01})),
        ScenarioError, ("s.toml", "[simulation] time_step = 0.01", "power of two",
                        "0.0078125")),
    Row("scenario not UTF-8",
        lambda c: call(Scenario.from_file, c.write("latin.toml", b'name = "caf\xe9"\n')),
        ScenarioError, ("latin.toml", "line 1, column 12", "0xe9", "not UTF-8")),
    Row("run with a time step off the grid",
        lambda c: call(cli, "run", scenario(c, simulation={"final_time": 60,
                                                             "time_step": 0.01}),
                              "-o", c.tmp / "x.csv"),
        2, ("s.toml", "time_step = 0.01", "power of two")),
    # ------------------------------------------------ case files
    Row("case event on the horizon's time step",
        lambda c: call(load_case, case_with_event(c, 0.03)),
        CaseError, ("case.toml", "event 1", "horizon", "no effect")),
    Row("case event too late for the calibration's time step",
        lambda c: call(calibrate, config(c, cases=[str(case_with_event(c, 0.1))]),
                                    verbose=False),
        CaseError, ("case.toml", "event 1", "time step 0.25", "no effect")),
    Row("case file not UTF-8",
        lambda c: call(load_case, c.write("latin_case.toml", b'[case]\nid = "caf\xe9"\n')),
        CaseError, ("latin_case.toml", "line 2", "not UTF-8")),
    # ------------------------------------------------ experiment files
    Row("--members 100000000",
        lambda c: call(cli, "experiment", experiment(c), "--members", 100_000_000,
                              "-o", c.tmp / "out"),
        2, ("e.toml", "--members", "100000000", str(MAX_MEMBERS))),
    Row("--members beyond the memory budget",
        lambda c: (c.monkeypatch.setattr("iocdynamics.limits.memory_budget",
                                         lambda: 10 * 2**20),
                   call(cli, "experiment", experiment(c), "--members", 100_000,
                               "-o", c.tmp / "out"))[1],
        2, ("e.toml", "--members 100000", "too many for this machine", "use at most")),
    Row("members in the file beyond the memory budget",
        lambda c: (c.monkeypatch.setattr("iocdynamics.limits.memory_budget",
                                         lambda: 10 * 2**20),
                   call(load_experiment, experiment(c, members=100_000)))[1],
        ExperimentError, ("e.toml", "members = 100000", "use at most")),
    Row("empty experiment file",
        lambda c: call(cli, "experiment", c.write("empty.toml", ""), "-o", c.tmp / "out"),
        2, ("empty.toml", "varies nothing", "[levers]", "[uncertainty]")),
    Row("experiment name '.'",
        lambda c: call(load_experiment, experiment(c, name=".")),
        ExperimentError, ("e.toml", "name = '.'", "plain folder name")),
    Row("experiment file not UTF-8",
        lambda c: call(load_experiment, c.write("latin.toml", b'name = "caf\xe9"\n')),
        ExperimentError, ("latin.toml", "line 1", "not UTF-8")),
    Row("base scenario not UTF-8",
        lambda c: call(load_experiment, experiment(
            c, base=str(c.write("latin.toml", b'name = "caf\xe9"\n')))),
        ExperimentError, ("e.toml", "base", "latin.toml", "not UTF-8")),
    Row("timed lever on the last time step",
        lambda c: call(load_experiment, experiment(c, levers={LEVER.name: {
            "values": [LEVER.lower, LEVER.upper], "at": 59.97}})),
        ExperimentError, ("e.toml", f"[levers] {LEVER.name}", "at = 59.97", "no effect")),
    Row("folder holds another experiment's parts",
        lambda c: (results_of(c, "other", "0" * 64),
                   call(cli, "experiment", experiment(c), "-o", c.tmp / "out"))[1],
        2, ("e.toml", "parts", "'other'", "--fresh")),
    Row("folder holds another experiment's results",
        lambda c: (results_of(c, "other", None),
                   call(cli, "experiment", experiment(c), "-o", c.tmp / "out"))[1],
        2, ("e.toml", "'other'", "--fresh")),
    Row("folder holds other files",
        lambda c: (c.write("out/notes.txt", "mine"),
                   call(run_experiment, experiment(c), c.tmp / "out", fresh=True))[1],
        ExperimentError, ("e.toml", "notes.txt", "choose an empty or new folder")),
    Row("experiment -o is a file",
        lambda c: (c.write("afile", "x"),
                   call(cli, "experiment", experiment(c), "-o", c.tmp / "afile"))[1],
        2, ("afile", "is a file")),
    Row("--workers 0",
        lambda c: call(cli, "experiment", experiment(c), "--workers", 0),
        2, ("--workers", "0", "allowed 1")),
    # ------------------------------------------------ command-line flags
    Row("sensitivity -n 0",
        lambda c: call(cli, "sensitivity", BASE, "-n", 0, "-o", c.tmp / "out"),
        2, ("n = 0", "-n", "at least 4")),
    Row("sobol -n 3",
        lambda c: call(cli, "sensitivity", BASE, "--method", "sobol", "-n", 3,
                              "-o", c.tmp / "out"),
        2, ("n = 3", "-n", "at least 64")),
    Row("sobol -n 100 (not a power of two)",
        lambda c: call(cli, "sensitivity", BASE, "--method", "sobol", "-n", 100,
                              "-o", c.tmp / "out"),
        2, ("n = 100", "power of two", "use 64 or 128")),
    Row("sensitivity beyond the memory budget",
        lambda c: (c.monkeypatch.setattr("iocdynamics.limits.memory_budget",
                                         lambda: 2**20),
                   call(cli, "sensitivity", BASE, "--method", "sobol", "-n", 2**16,
                               "-o", c.tmp / "out"))[1],
        2, ("n = 65536", "model runs", "use at most n =")),
    Row("phase --fix out of the stock's range",
        lambda c: call(cli, "phase", BASE, "--mode", "fixed", "--fix", HELD.name, HELD.upper + 4,
                              "-o", c.tmp / "p.png"),
        2, (f"--fix {HELD.name} {HELD.upper + 4:g}", "out of range",
            f"between {HELD.lower:g} and {HELD.upper:g}")),
    Row("phase --fix without --mode fixed",
        lambda c: call(cli, "phase", BASE, "--fix", HELD.name, HELD.lower,
                              "-o", c.tmp / "p.png"),
        2, (f"--fix {HELD.name}", "--mode fixed")),
    Row("phase --fix of a stock on an axis",
        lambda c: call(cli, "phase", BASE, "--mode", "fixed", "--fix", AXES[0], 0.5,
                              "-o", c.tmp / "p.png"),
        2, (f"--fix {AXES[0]}", "axis")),
    Row("phase --set out of the registry bounds",
        lambda c: call(cli, "phase", BASE, "--set", MECH.name, MECH.upper * 10 + 1,
                              "-o", c.tmp / "p.png"),
        2, (f"--set {MECH.name}", "out of range", mech_bounds())),
    Row("equilibria --set unknown name",
        lambda c: call(cli, "equilibria", BASE, "--set", MECH.name + "x", 1),
        2, ("--set", MECH.name + "x", "not a registry parameter", "did you mean")),
    Row("equilibria --set true/false parameter to 0.5",
        lambda c: call(cli, "equilibria", BASE, "--set", FLAG.name, 0.5),
        2, (f"--set {FLAG.name} 0.5", "true/false")),
    Row("equilibria --starts 0",
        lambda c: call(cli, "equilibria", BASE, "--starts", 0),
        2, ("--starts", "0", "allowed 1")),
    Row("bifurcation --set out of bounds",
        lambda c: call(cli, "bifurcation", BASE, "--param", LEVER.name, "--range", 0, 1,
                              "--set", MECH.name, -1e9, "-o", c.tmp / "b.png"),
        2, (f"--set {MECH.name}", "out of range")),
    Row("run -o DIR/",
        lambda c: call(cli, "run", BASE, "-o", f"{c.tmp}/"),
        2, ("-o", "is a folder", "give a file name")),
    Row("run -o existing folder",
        lambda c: call(cli, "run", BASE, "-o", c.tmp),
        2, ("-o", "is a folder")),
    Row("loops -o DIR/",
        lambda c: call(cli, "loops", BASE, "-o", f"{c.tmp}/"),
        2, ("-o", "is a folder")),
    Row("loops --set out of the registry bounds",
        lambda c: call(cli, "loops", BASE, "-o", c.tmp / "l.csv", "--set", MECH.name,
                       MECH.upper * 10 + 1),
        2, (f"--set {MECH.name}", "out of range", mech_bounds())),
    Row("import-codes -o DIR/",
        lambda c: call(cli, "import-codes", c.write("codes.csv", "case\n"), "--case", "x",
                       "-o", f"{c.tmp}/"),
        2, ("-o", "is a folder")),
    Row("run --plot without a figure suffix",
        lambda c: call(cli, "run", BASE, "-o", c.tmp / "x.csv", "--plot", c.tmp / "x.txt"),
        2, ("--plot", "x.txt", ".png")),
]


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")}


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_bad_input_is_refused_before_any_work(row, ctx, capsys):
    thunk = row.produce(ctx)
    before = _tree(ctx.tmp)
    capsys.readouterr()
    if isinstance(row.expect, int):
        assert thunk() == row.expect
        message = capsys.readouterr().err
    else:
        with pytest.raises(row.expect) as info:
            thunk()
        message = str(info.value)
    for w in row.words:
        assert w in message, f"{w!r} missing from: {message}"
    assert _tree(ctx.tmp) == before, "a refused input wrote or changed files"
