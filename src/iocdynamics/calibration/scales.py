"""Codebook scales: the ordinal levels a coder assigns, and where they sit on the model.

Each codable model output has a :class:`Scale`: ordered labels, the cut-points
that separate them on the model's latent scale (``CODEBOOK.md`` defines each
level with anchoring examples), and the width of a typical band, the unit in
which the spread of the ordinal link is expressed (so one spread serves every
scale).

* ``unit``: five levels on the 0..1 scale of trust, faith, conflict and the other
  bounded stocks (cut-points 0.2, 0.4, 0.6, 0.8).
* ``relative``: three levels of ``performance``, which is measured against the
  pre-collaboration baseline (0): below, at, or above baseline.
* ``status``: ``active`` -- dissolved or still collaborating.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Scale:
    """An ordinal coding scale.

    Attributes
    ----------
    name : str
        Identifier used in configs (``unit``, ``relative``, ``status``).
    labels : tuple of str
        Level labels, lowest first. Level ``k`` (1-based) is ``labels[k - 1]``.
    cutpoints : tuple of float
        ``len(labels) - 1`` increasing boundaries between levels on the model scale.
    band_width : float
        Typical width of one band, the unit of the ordinal spread.
    lower, upper : float
        Range of the variable drawn in figures (bands are clipped to it).
    description : str
    """

    name: str
    labels: tuple[str, ...]
    cutpoints: tuple[float, ...]
    band_width: float
    lower: float
    upper: float
    description: str = ""

    def __post_init__(self) -> None:
        if len(self.cutpoints) != len(self.labels) - 1:
            raise ValueError(f"scale {self.name}: need {len(self.labels) - 1} cut-points")
        if any(b <= a for a, b in zip(self.cutpoints, self.cutpoints[1:])):
            raise ValueError(f"scale {self.name}: cut-points must increase")

    @property
    def n_levels(self) -> int:
        return len(self.labels)

    def describe(self) -> str:
        """``1 = very low, 2 = low, ...`` for error messages."""
        return ", ".join(f"{k} = {lab!r}" for k, lab in enumerate(self.labels, start=1))

    def level(self, code: int | str) -> int:
        """The 1-based level of a code given as a number or a label.

        Raises
        ------
        ValueError
            If the code is not on the scale (the message lists the levels).
        """
        if isinstance(code, bool):
            raise ValueError(f"level {code!r} is not on the {self.name!r} scale "
                             f"({self.describe()})")
        if isinstance(code, str):
            key = code.strip().lower()
            for k, lab in enumerate(self.labels, start=1):
                if lab == key:
                    return k
        elif isinstance(code, (int, float)) and float(code) == int(code) \
                and 1 <= int(code) <= self.n_levels:
            return int(code)
        raise ValueError(f"level {code!r} is off the {self.name!r} scale; use one of "
                         f"{self.describe()}")

    def band(self, level: int, cutpoints: tuple[float, ...] | None = None
             ) -> tuple[float, float]:
        """Lower and upper edge of a level's band, clipped to the drawing range."""
        cuts = self.cutpoints if cutpoints is None else tuple(cutpoints)
        lo = self.lower if level == 1 else max(self.lower, cuts[level - 2])
        hi = self.upper if level == self.n_levels else min(self.upper, cuts[level - 1])
        return lo, hi


UNIT = Scale("unit", ("very low", "low", "moderate", "high", "very high"),
             (0.2, 0.4, 0.6, 0.8), 0.2, 0.0, 1.0,
             "Five levels of a quantity on the model's 0..1 scale.")
RELATIVE = Scale("relative", ("below baseline", "at baseline", "above baseline"),
                 (-0.025, 0.025), 0.05, -0.2, 0.35,
                 "Performance relative to the pre-collaboration baseline (0).")
STATUS = Scale("status", ("dissolved", "active"), (0.5,), 0.5, 0.0, 1.0,
               "Whether the partnership still exists.")

SCALES: Mapping[str, Scale] = MappingProxyType({s.name: s for s in (UNIT, RELATIVE, STATUS)})
"""Every codebook scale by name."""

_UNIT_VARIABLES = (
    # stocks on 0..1
    "trust", "faith", "conflict", "perceived_progress", "risk_tolerance", "confidence",
    "collaborative_behaviour", "capability", "vision_clarity", "vision_sharedness",
    "cultural_assimilation",
    # auxiliaries on 0..1 that case studies report
    "communication", "task_complexity", "legitimacy", "task_success",
)

VARIABLE_SCALES: Mapping[str, Scale] = MappingProxyType(
    {**{v: UNIT for v in _UNIT_VARIABLES}, "performance": RELATIVE, "active": STATUS})
"""The codable model outputs and their scales (see ``calibration/CODEBOOK.md``)."""

NOT_CODABLE = {
    "ambition_level": "it is a multiple of achievable progress, not a level a coder can "
                      "read from a case; code perceived_progress or task_success instead",
    "time_below_critical": "it is an internal dwell clock; code active (dissolved or not) "
                           "instead",
}


def scale_of(variable: str) -> Scale:
    """The codebook scale of a model output.

    Raises
    ------
    KeyError
        If the variable is not in the codebook (the message says what to code instead).
    """
    try:
        return VARIABLE_SCALES[variable]
    except KeyError:
        if variable in NOT_CODABLE:
            raise KeyError(f"variable {variable!r} is not codable: "
                           f"{NOT_CODABLE[variable]}") from None
        import difflib

        close = difflib.get_close_matches(variable, list(VARIABLE_SCALES), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown variable {variable!r}{hint} Codable variables: "
                       f"{', '.join(VARIABLE_SCALES)}") from None
