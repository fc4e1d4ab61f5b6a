"""What an experiment's numbers owe to the model's assumptions rather than to the
levers: settings that are the same model, uncertain parameters that cannot act in
some settings, and the terms through which a lever acts that a setting switches
off (for example, the mandate switching off the trust an MoU builds).

Read from the equations (:mod:`iocdynamics.assumptions`), before any simulation;
written to ``notes.md`` and, as the column ``same_model_as``, to ``summary.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..assumptions import (
    deciding_assumptions,
    describe_element,
    identical_settings,
    inactive_parameters,
    switched_off,
)
from ..scenario import Scenario
from .design import Design, registry_values
from .spec import ExperimentSpec


@dataclass
class ExperimentNotes:
    """The assumption notes of a design.

    Attributes
    ----------
    same_model_as : list of int
        Per setting, the first setting that is the same model (itself if none).
    lines : list of str
        Markdown lines for ``notes.md``.
    """

    same_model_as: list[int]
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def setting_scenarios(design: Design) -> list[Scenario]:
    """The scenario each setting runs (uncertain parameters at the base values)."""
    out: list[Scenario | None] = [None] * len(design.settings)
    for group in design.groups:
        for i in group.settings:
            row = design.values.iloc[i]
            vals = {k: float(v) for k, v in row.items() if pd.notna(v)}
            out[i] = group.base.with_values(**vals) if vals else group.base
    return out  # type: ignore[return-value]


def _lever_names(spec: ExperimentSpec) -> dict[str, list[str]]:
    """Lever axis -> the registry names its levels set (none for event plans)."""
    return {a.name: list(registry_values(a.name, a.levels[0].value))
            for a in spec.levers if a.events is None}


def _reasons(switch, scenario: Scenario) -> list[str]:
    """The scenario-file words of what switches a term off: one entry per constant
    that does it alone, or one entry for constants that do it together."""
    words = [d.words(scenario.values) for d in switch.deciders]
    if not words:
        return ["the setting's constants together"]
    return words if switch.each_alone else [" and ".join(words)]


def _tie_reasons(scenarios: list[Scenario], j: int, members: list[int],
                 keep: list[str]) -> list[str]:
    """Why settings ``members`` (first ``j``) are the same model, one line each."""
    why: dict[str, list[str]] = {}
    for i in members[1:]:
        for element, d in deciding_assumptions(scenarios[j], scenarios[i], keep):
            words = "" if d is None else d.words(scenarios[j].values)
            why.setdefault(words, []).append(element)
    out = []
    for words, elements in why.items():
        if words:
            names = ", ".join(describe_element(e, False) for e in dict.fromkeys(elements))
            out.append(f"decided by {words} (in {names})")
        else:
            names = "; ".join(describe_element(e) for e in dict.fromkeys(elements))
            out.append(f"decided by the form of {names}: the equation gives both the same "
                       "value whatever its constants (e.g. an equal-weight average)")
    return out


def _counts(reasons: dict[str, set[int]], total: int) -> str:
    return ", ".join(f"{w} ({'every setting' if len(i) == total else f'{len(i)} settings'})"
                     for w, i in reasons.items())


def experiment_notes(spec: ExperimentSpec, design: Design) -> ExperimentNotes:
    """The assumption notes of ``design`` (see the module docstring)."""
    scenarios = setting_scenarios(design)
    keep = list(design.samples.columns)
    n = len(scenarios)
    same = identical_settings(scenarios, keep)
    lines = [f"# Reading '{spec.name}': what the model decides by construction", ""]

    groups: dict[int, list[int]] = {}
    for i, j in enumerate(same):
        groups.setdefault(j, []).append(i)
    ties = {j: g for j, g in groups.items() if len(g) > 1}
    if ties:
        lines += ["## Settings that are the same model", "",
                  "Their equations coincide once the scenario's constants are in: their "
                  "results are equal by construction, not by finding.", ""]
        by_kind: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for j, members in ties.items():
            sub = design.settings.iloc[members]
            differ = [c for c in sub.columns if sub[c].nunique() > 1]
            fixed = [c for c in sub.columns if c not in differ]
            what = " = ".join(", ".join(f"{c}={sub.iloc[k][c]}" for c in differ)
                              for k in range(len(members)))
            why = tuple(_tie_reasons(scenarios, j, members, keep))
            rest = (", ".join(f"{c}={sub.iloc[0][c]}" for c in fixed)
                    or "the base scenario's settings")
            by_kind.setdefault((what, why), []).append(rest)
        for (what, why), where in by_kind.items():
            lines.append(f"- {what}: " + (f"with {where[0]}" if len(where) == 1 else
                                          f"in each of {len(where)} combinations of the "
                                          "other levers"))
            lines += [f"  - {w}" for w in why]
        lines.append("")

    if keep:
        # parameter -> settings where it cannot act; (parameter, element, why) -> settings
        off: dict[str, set[int]] = {}
        paths: dict[str, dict[str, dict[str, set[int]]]] = {}
        for i, sc in enumerate(scenarios):
            for x in inactive_parameters(sc, keep):
                off.setdefault(x.parameter, set()).add(i)
                for s in x.switches:
                    for words in _reasons(s, sc):
                        (paths.setdefault(x.parameter, {}).setdefault(s.element, {})
                         .setdefault(words, set()).add(i))
        if off:
            lines += ["## Uncertain parameters that cannot act", "",
                      "Sampled in every member, but the setting switches off every term "
                      "they enter: their spread adds nothing there.", ""]
            everywhere: dict[str, list[str]] = {}
            for name, idx in off.items():
                terms = paths.get(name, {})
                if len(idx) == n:
                    why = "; ".join(f"{describe_element(el, False)}: "
                                    + " or ".join(w for w in ws) for el, ws in terms.items())
                    everywhere.setdefault(why, []).append(name)
                    continue
                why = "; ".join(f"{describe_element(el, False)} off where "
                                + _counts(ws, n) for el, ws in terms.items())
                lines.append(f"- {name}, in {len(idx)} of {n} settings: {why}")
            for why, names in everywhere.items():
                lines.append(f"- {', '.join(names)}, in every setting ({why})")
            lines.append("")

    levers = _lever_names(spec)
    if levers:
        found: dict[str, dict[str, dict[str, set[int]]]] = {}
        for i, sc in enumerate(scenarios):
            for axis, names in levers.items():
                for s in switched_off(sc, names, keep):
                    for words in _reasons(s, sc):
                        (found.setdefault(axis, {}).setdefault(s.element, {})
                         .setdefault(words, set()).add(i))
        if found:
            lines += ["## Where the model switches off a path of a lever", "",
                      "Where a term is off, the lever acts only through its other terms: "
                      "there the comparison is decided by this assumption of the model.", ""]
            for axis, elements in found.items():
                lines.append(f"- **{axis}**:")
                for el, ws in elements.items():
                    lines.append(f"  - {describe_element(el)}: off where {_counts(ws, n)}")
            lines.append("")
    if len(lines) == 2:
        lines.append("Every setting is a distinct model and every lever and uncertain "
                     "parameter acts in every setting.")
    return ExperimentNotes(same, lines)
