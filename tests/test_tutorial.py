"""The tutorial (docs/tutorial.md) as a notebook, executed cell by cell: every command
of it runs, so it cannot go stale; and what its text says the outputs show, they show."""

from __future__ import annotations

import importlib.util
import os
import warnings

import pytest

from .conftest import ROOT

TOOL = ROOT / "tools" / "tutorial_notebook.py"


def _tool():
    spec = importlib.util.spec_from_file_location("tutorial_notebook", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_notebook_is_the_tutorial():
    """docs/tutorial.ipynb is generated from docs/tutorial.md: every command of the
    Markdown is a cell of the notebook (regenerate with python tools/tutorial_notebook.py)."""
    tool = _tool()
    committed = (ROOT / "docs" / "tutorial.ipynb").read_text(encoding="utf-8")
    assert committed == tool.notebook_text(), "run python tools/tutorial_notebook.py"
    md = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    for block in tool._FENCE.finditer(md):
        if block.group(1) == "sh":
            for cmd in tool.commands(block.group(2)):
                if cmd.startswith("iocdyn "):
                    assert repr(cmd[len("iocdyn "):]) in committed, cmd


def test_the_converter_refuses_a_command_it_cannot_run():
    with pytest.raises(ValueError, match="iocdyn and mkdir -p only"):
        _tool().shell_cell("cat my_merger/run.csv\n")


def test_the_tutorial_runs_from_an_empty_folder(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.reads(_tool().notebook_text(), as_version=4)
    with warnings.catch_warnings():
        # jupyter_client's own notices while starting the kernel (third party)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        client = NotebookClient(nb, timeout=900, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}})
        client.execute(cwd=str(tmp_path), env=dict(os.environ))
    d = tmp_path / "my_merger"
    for name in ("run.csv", "run.png", "run.xlsx", "phase.png",
                 "results/merger_contracts/summary.csv",
                 "results/merger_contracts/figures/fan_collaborative_behaviour.png",
                 "results/merger/report.md"):
        assert (d / name).stat().st_size > 0, name
    # what the text says notes.md shows: the mandate switches off the MoU's trust term
    notes = (d / "results" / "merger_contracts" / "notes.md").read_text()
    mou = [line for line in notes.splitlines() if line.strip().startswith("- mou_assurance")]
    assert mou and all("mandated = true" in line for line in mou)
    report = (d / "results" / "merger" / "report.md").read_text()
    assert report.splitlines()[2].startswith("Fit of 1 free parameter (mandate_mistrust) "
                                              "to 1 case (merger)")
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))
    assert "4 of 4 checks passed" in outputs
