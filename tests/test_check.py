"""``iocdyn check``: the checks a modeller runs on a scenario or an edited model file,
shown to pass on the model as shipped and to catch planted errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from iocdynamics.cli import main
from iocdynamics.model import build_model

from .conftest import ROOT, bundled


def test_check_a_scenario_passes_and_writes_a_report(tmp_path, capsys):
    out = tmp_path / "check.md"
    assert main(["check", str(bundled("imposed_buddying")), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    for name in ("units", "polarity", "extreme conditions", "integration error"):
        assert f"ok   {name}:" in text
    assert "4 of 4 checks passed" in text
    assert "4 of 4 checks passed" in out.read_text()


def _edited(tmp_path: Path, edit) -> Path:
    text = (ROOT / "models" / "ioc.mdl").read_text(encoding="utf-8")
    path = tmp_path / "mine.mdl"
    path.write_text(edit(text), encoding="utf-8")
    return path


def _vensim(name: str) -> str:
    return name.replace("_", " ")


def test_check_the_model_file_as_shipped_passes(tmp_path, capsys):
    path = _edited(tmp_path, lambda t: t)
    assert main(["check", str(path), "--corners", "2"]) == 0
    text = capsys.readouterr().out
    assert "names: the same as the model's" in text
    assert "FAIL" not in text
    assert not list(tmp_path.glob("*.py")), "PySD's translation was written beside the file"


def test_check_an_edited_model_file_finds_units_names_and_polarity(tmp_path, capsys):
    """A time added to a level, a constant renamed and a claim's sign reversed."""
    m = build_model()
    # a signed claim whose cause is a constant and whose effect is an auxiliary
    pol = next(p for p in m.polarities
               if p.cause in {q.name for q in m.parameters}
               and p.effect in {a.name for a in m.auxiliaries} and p.sign > 0)
    time_const = next(q.name for q in m.parameters if q.units == "Month"
                      and q.name != pol.cause)
    renamed = next(q.name for q in m.parameters if q.group == "mechanism"
                   and q.name not in (pol.cause, time_const))

    def edit(text: str) -> str:
        lines = text.split("\n")
        head = f"{_vensim(pol.effect)}="
        i = lines.index(head)
        eq = lines[i + 1].strip()
        # reverse the claim: the effect now falls as the cause rises; add a time to it
        lines[i + 1] = (f"\t({eq}) - 2*{_vensim(pol.cause)}*({eq})"
                        f" + {_vensim(time_const)}")
        text = "\n".join(lines)
        return text.replace(_vensim(renamed), _vensim(renamed) + " x")

    path = _edited(tmp_path, edit)
    rc = main(["check", str(path), "--corners", "0"])
    text = capsys.readouterr().out
    assert rc == 1
    assert "FAIL model and units (Simlin)" in text and pol.effect in text
    assert f"{renamed} -> {renamed}_x" in text
    assert "FAIL polarity" in text and f"{pol.claim}: {pol.effect} moves down as " \
                                       f"{pol.cause} rises" in text


def test_check_refuses_a_scenario_flag_without_a_model_file(capsys):
    assert main(["check", str(bundled("imposed_buddying")), "--scenario",
                 str(bundled("voluntary_buddying"))]) == 2
    assert "--scenario goes with a model file" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["nope.mdl"])
def test_check_names_a_missing_model_file(bad, tmp_path, capsys):
    assert main(["check", str(tmp_path / bad)]) == 2
    assert "no such model file" in capsys.readouterr().err
