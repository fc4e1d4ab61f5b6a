"""The README's quickstart works when pasted: it is short, its install and activate
lines name what exists, and every iocdyn line in it runs."""

from __future__ import annotations

import re
import shlex

from iocdynamics.cli import main

from .conftest import ROOT


def _quickstart() -> tuple[str, list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines = [ln.split("#")[0].strip() for ln in block.splitlines()]
    return section, [ln for ln in lines if ln]


def test_the_quickstart_is_short_and_at_the_top():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section, lines = _quickstart()
    assert len(section.strip().splitlines()) < 20
    assert re.findall(r"^## (.+)$", text, flags=re.M)[0] == "Quickstart"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert lines[0] == "make install" and "\ninstall: $(STAMP)" in makefile
    assert lines[1].startswith(". .venv/bin/activate")  # the venv make install creates
    assert "VENV := .venv" in makefile


def test_every_quickstart_command_runs(tmp_path, monkeypatch, capsys):
    _, lines = _quickstart()
    monkeypatch.chdir(tmp_path)
    commands = [ln for ln in lines if ln.startswith("iocdyn ")]
    assert len(commands) >= 2
    for line in commands:
        argv = [str(ROOT / a) if a.startswith("experiments/") else a
                for a in shlex.split(line)[1:]]
        assert main(argv) == 0, line
    assert (tmp_path / "fig5.csv").stat().st_size > 0
    assert (tmp_path / "fig5.png").stat().st_size > 0
    assert "checks passed" in capsys.readouterr().out
