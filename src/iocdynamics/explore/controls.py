"""Controls of the explorer, projected from the parameter registry.

Every registry parameter becomes one :class:`Control` (a slider, a whole-number
slider or a yes/no choice) with its range, units, meaning and claim ids; the two
contract indicators become one three-way choice. Controls are grouped by what the
value is (context of the collaboration, policy levers, initial levels, mechanism
constants) and, within each, by the model's sector whose equations first use the
parameter (the sectors of :mod:`iocdynamics.model`, in their order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from ..model import build_model
from ..registry import PARAMETERS, Parameter
from ..scenario import CONTRACTS

CONTRACT_LABELS = {"none": "no formal agreement", "mou": "memorandum of understanding",
                   "binding": "binding contract"}
"""How each value of the scenario's ``contract`` key reads on the page."""

GROUPS = (
    ("context", "Context of the collaboration",
     "The setting the partners start from: history, reputation, regime, size, culture."),
    ("lever", "Policy levers",
     "Choices the partners or a commissioner can make: formal agreement, evaluation, "
     "meetings, conflict handling, joint posts."),
    ("initial", "Initial levels",
     "Where the slower stocks start."),
    ("mechanism", "Mechanism constants (advanced)",
     "Behavioural constants of the theory and standard system-dynamics choices "
     "(adjustment times, weights, effect sizes)."),
)
"""Registry groups in page order: key, heading, one-line explanation."""

CONTRACT_CLAIMS = tuple(dict.fromkeys(PARAMETERS["contract_is_mou"].claims
                                      + PARAMETERS["contract_is_binding"].claims))


@dataclass(frozen=True)
class Control:
    """One control of the page.

    Attributes
    ----------
    name : str
        Registry name (``contract`` for the three-way contract choice).
    label : str
        Human-readable name.
    widget : {"slider", "int", "bool", "choice"}
    lower, upper, step : float
        Range of a slider and its step.
    units : str
        Units in Vensim notation (``Dmnl`` for dimensionless).
    description : str
        The registry's meaning of the value.
    claims : tuple of str
        Claim ids of ``CLAIMS.md`` the value bears on.
    group, sector : str
        Registry group and (if the registry gives one) sector.
    choices : tuple of str
        Allowed values of a ``choice``.
    """

    name: str
    label: str
    widget: str
    lower: float
    upper: float
    step: float
    units: str
    description: str
    claims: tuple[str, ...]
    group: str
    sector: str = ""
    choices: tuple[str, ...] = ()

    @property
    def help(self) -> str:
        """The help text: meaning, range with units, claim ids."""
        if self.widget == "choice":
            rng = "One of: " + "; ".join(f"{c} ({CONTRACT_LABELS.get(c, c)})"
                                         for c in self.choices) + "."
        elif self.widget == "bool":
            rng = "Yes or no."
        else:
            units = "" if self.units == "Dmnl" else f" {self.units}"
            whole = " (whole number)" if self.widget == "int" else ""
            rng = f"Range {_num(self.lower)} to {_num(self.upper)}{units}{whole}."
        claims = f" Claims: {', '.join(self.claims)}." if self.claims else ""
        return f"{self.description} {rng}{claims}"

    @property
    def units_label(self) -> str:
        """Units as shown beside the label ('' for dimensionless)."""
        return {"Dmnl": "", "Month": "months", "1/Month": "per month"}.get(self.units,
                                                                          self.units)


def _num(x: float) -> str:
    return f"{x:g}"


def nice_step(lower: float, upper: float) -> float:
    """A round slider step: 1, 2 or 5 times a power of ten, at most a hundredth of the
    range, on whose grid the lower bound lies (so the grid holds round values)."""
    span = upper - lower
    if span <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(span / 100))
    candidates = sorted({float(f"{m * power * 10**e:.12g}") for m in (1, 2, 5)
                         for e in range(-3, 2)}, reverse=True)
    for step in candidates:
        if step > span / 100 * 1.0001:
            continue
        if _on_grid(lower, step) and _on_grid(upper, step):
            return step
    return candidates[-1]  # pragma: no cover - the smallest candidate always divides


def _on_grid(x: float, step: float) -> bool:
    k = x / step
    return abs(k - round(k)) < 1e-6


def label_of(name: str) -> str:
    """'history_of_collaboration' -> 'History of collaboration' (IT, MoU kept)."""
    words = name.split("_")
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    for raw, nice in ((" it ", " IT "), ("It ", "IT "), (" mou", " MoU")):
        text = text.replace(raw, nice)
    return text


def _elements() -> list[tuple[str, object]]:
    model = build_model()
    out = [(st.sector, st.initial) for st in model.stocks]
    out += [(a.sector, a.expr) for a in model.auxiliaries]
    out += [(f.sector, f.expr) for f in model.flows]
    return out


@lru_cache(maxsize=1)
def model_sectors() -> tuple[str, ...]:
    """The model's sectors, in the order of :data:`iocdynamics.model.SECTORS`."""
    from ..model import SECTORS

    return tuple(str(getattr(m, "SECTOR", "")) for m in SECTORS if getattr(m, "SECTOR", ""))


@lru_cache(maxsize=1)
def parameter_sectors() -> dict[str, str]:
    """Sector of every parameter the model uses: the sector with the most equations
    (and initial values) that refer to it; a tie goes to the earlier sector."""
    rank = {sector: i for i, sector in enumerate(model_sectors())}
    uses: dict[str, dict[str, int]] = {}
    for sector, expr in _elements():
        if not sector:
            continue
        for sym in getattr(expr, "free_symbols", ()):
            if sym.name in PARAMETERS:
                count = uses.setdefault(sym.name, {})
                count[sector] = count.get(sector, 0) + 1
    return {name: min(count, key=lambda sec: (-count[sec], rank.get(sec, len(rank))))
            for name, count in uses.items()}


def _control(p: Parameter) -> Control:
    widget = {"bool": "bool", "int": "int"}.get(p.kind, "slider")
    step = 1.0 if widget == "int" else nice_step(p.lower, p.upper)
    sector = str(getattr(p, "sector", "") or parameter_sectors().get(p.name, ""))
    return Control(p.name, label_of(p.name), widget, p.lower, p.upper, step, p.units,
                   p.description, p.claims, p.group, sector)


def contract_control() -> Control:
    """The three-way contract choice that stands for the two contract indicators."""
    return Control("contract", "Formal agreement (contract type)", "choice", 0.0, 0.0, 0.0,
                   "Dmnl", "Kind of formal agreement between the partners: a non-binding "
                   "memorandum of understanding builds trust in a voluntary arrangement; a "
                   "binding contract gives confidence.", CONTRACT_CLAIMS, "lever",
                   sector=parameter_sectors().get("contract_is_binding", ""),
                   choices=CONTRACTS)


def is_contract_indicator(name: str) -> bool:
    """True for the registry's contract indicators, shown as one contract choice."""
    return name in ("contract_is_mou", "contract_is_binding")


def controls() -> list[Control]:
    """Every control of the page, in registry order (the contract choice first among
    the levers)."""
    out: list[Control] = []
    for p in PARAMETERS.values():
        if is_contract_indicator(p.name):
            if p.name == "contract_is_mou":
                out.append(contract_control())
            continue
        out.append(_control(p))
    return out


def grouped_controls() -> list[tuple[str, str, str, list[tuple[str, list[Control]]]]]:
    """Controls by group, then by sector: ``[(group, heading, note, [(sector, [...])])]``.

    Groups without parameters are left out; within a group, sectors follow the model's
    order (parameters no equation uses last, under ``""``), and a group whose controls
    all share one sector has the single sector ``""`` (no sub-heading needed).
    """
    rank = {sector: i for i, sector in enumerate(model_sectors())}
    by_group: dict[str, dict[str, list[Control]]] = {}
    for c in controls():
        by_group.setdefault(c.group, {}).setdefault(c.sector, []).append(c)

    def sectors(d: dict[str, list[Control]]) -> list[tuple[str, list[Control]]]:
        if len(d) == 1:
            return [("", next(iter(d.values())))]
        return sorted(d.items(), key=lambda kv: (kv[0] == "", rank.get(kv[0], len(rank))))

    out = []
    for key, heading, note in GROUPS:
        if key in by_group:
            out.append((key, heading, note, sectors(by_group.pop(key))))
    for key, secs in by_group.items():  # a group the page does not know yet
        out.append((key, label_of(key), "", sectors(secs)))
    return out
