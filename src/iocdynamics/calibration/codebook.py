"""The codebook's anchoring phrases, as data: which wording fixes which level.

``calibration/CODEBOOK.md`` defines every level of every codable variable with
anchoring examples; the quoted ones are listed here so that a case file can be
checked against them (``tests/test_calibration_codebook.py`` keeps the two in step).

* :data:`ANCHORS` -- absolute anchors: a quote containing the phrase codes the
  variable at that level (``"inherent mistrust"`` is trust level 2, ``"imposed"``
  legitimacy level 1).
* :data:`CHANGES` -- rule 2 of the codebook, "code the state, not the change": a
  quote that only reports a change is coded relative to the same coder's previous
  code of the variable (``"some loss of faith"`` is one level below it).

A code that contradicts an anchor is refused unless the observation states why
(``anchor_reason``), e.g. when the text negates the phrase.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

_A: dict[str, dict[int, tuple[str, ...]]] = {
    "trust": {1: ("fortress mentalities", "open hostility", "refused to share data"),
              2: ("a break-down in trust", "them and us", "inherent mistrust"),
              3: ("cautious",),
              4: ("good relationships", "partners trusted each other"),
              5: ("complete trust",)},
    "faith": {1: ("no one believed it would work",),
              2: ("scepticism", "seen as a threat"),
              3: ("wait and see",),
              4: ("committed", "enthusiasm"),
              5: ("a shared mission people believed in",)},
    "conflict": {1: ("harmonious",), 4: ("serious conflict",)},
    "perceived_progress": {1: ("nothing has changed", "collaborative inertia"),
                           2: ("slow",),
                           4: ("momentum", "quick wins were visible"),
                           5: ("a drumbeat going",)},
    "risk_tolerance": {5: ("risky innovations together",)},
    "confidence": {3: ("formalisation as risk management",)},
    "collaborative_behaviour": {1: ("dissolved", "ceased"),
                                2: ("insurmountably difficult to build the relationships",),
                                4: ("synergy",)},
    "vision_clarity": {4: ("a clear vision", "shared by partners")},
    "vision_sharedness": {4: ("a clear vision", "shared by partners")},
    "cultural_assimilation": {1: ("cultural divide",), 4: ("bridges built",)},
    "communication": {2: ("difficulty of effective communication",)},
    "task_complexity": {1: ("simple",), 2: ("relatively simple to implement",),
                        5: ("drastically increases task complexity",)},
    "legitimacy": {1: ("imposed", "a vehicle of privatisation"),
                   2: ("seen as a threat by staff",),
                   4: ("staff involved in shaping it",)},
    "performance": {1: ("performance dropped", "waiting times rose during the set-up"),
                    2: ("no measurable change", "least successful"),
                    3: ("improved care quality",)},
    "active": {1: ("ended in dissolution", "the partnership was wound up", "withdrew")},
}

ANCHORS: Mapping[str, Mapping[int, tuple[str, ...]]] = MappingProxyType(
    {v: MappingProxyType(d) for v, d in _A.items()})
"""Variable -> level -> anchoring phrases (``CODEBOOK.md``)."""

#: How each variable is named in text, for the change phrases of rule 2.
_WORDS = {"trust": "trust", "faith": "faith", "perceived_progress": "perception of progress"}

CHANGES: Mapping[str, tuple[int, ...]] = MappingProxyType({
    "some loss of {}": (-1,),
    "a greater loss of {}": (-2, -1),
    "increased {}": (1, 2),
    "increasing {}": (1, 2),
})
"""Change phrase (``{}`` is the variable's word) -> allowed level steps from the
same coder's previous code of the variable (codebook rule 2)."""


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("-", " "))) + " "


@dataclass(frozen=True)
class AnchorHit:
    """An anchoring phrase found in a quote and the level(s) it implies."""

    phrase: str
    levels: tuple[int, ...]  # levels, or steps from the previous code if ``relative``
    relative: bool = False


def absolute_hits(variable: str, quote: str) -> list[AnchorHit]:
    """Absolute anchors of ``variable`` whose phrase occurs in ``quote``.

    A phrase contained in a longer matching phrase (``"simple"`` inside
    ``"relatively simple to implement"``) gives way to the longer one.
    """
    q = _words(quote)
    hits = [(p, lvl) for lvl, ps in ANCHORS.get(variable, {}).items() for p in ps
            if _words(p) in q]
    keep = [(p, lvl) for p, lvl in hits
            if not any(p != o and _words(p) in _words(o) for o, _ in hits)]
    return [AnchorHit(p, (lvl,)) for p, lvl in keep]


def change_hits(variable: str, quote: str) -> list[AnchorHit]:
    """Rule-2 change phrases about ``variable`` in ``quote`` (steps, not levels)."""
    word = _WORDS.get(variable)
    if word is None:
        return []
    q = _words(quote)
    hits = [(pat.format(word), steps) for pat, steps in CHANGES.items()
            if _words(pat.format(word)) in q]
    keep = [(p, s) for p, s in hits
            if not any(p != o and _words(p) in _words(o) for o, _ in hits)]
    return [AnchorHit(p, s, relative=True) for p, s in keep]


def check_level(variable: str, quote: str, level: int, previous: int | None,
                labels: Sequence[str]) -> list[str]:
    """Reasons why ``level`` contradicts the codebook's anchors for this quote.

    Parameters
    ----------
    variable, quote, level
        The code.
    previous : int or None
        The same coder's latest earlier level of the variable in the case.
    labels : sequence of str
        The labels of the variable's scale (for messages).

    Returns
    -------
    list of str
        Empty when the code agrees with every anchor the quote contains.
    """
    out = []
    hits = absolute_hits(variable, quote)
    if hits and level not in {lv for h in hits for lv in h.levels}:
        h = hits[0]
        out.append(f"the quote contains {h.phrase!r}, which CODEBOOK.md anchors at "
                   f"{variable} level {h.levels[0]} ({labels[h.levels[0] - 1]!r}), not "
                   f"{level} ({labels[level - 1]!r})")
    for h in change_hits(variable, quote):
        if previous is None:
            out.append(f"the quote reports a change ({h.phrase!r}); codebook rule 2 codes "
                       f"it relative to the coder's previous code of {variable}, and there "
                       "is none earlier in this case")
            continue
        allowed = sorted({min(len(labels), max(1, previous + s)) for s in h.levels})
        if level not in allowed:
            names = " or ".join(f"{a} ({labels[a - 1]!r})" for a in allowed)
            out.append(f"the quote reports a change ({h.phrase!r}) from the previous code "
                       f"{previous} ({labels[previous - 1]!r}); codebook rule 2 gives "
                       f"{names}, not {level} ({labels[level - 1]!r})")
    return out
