"""The claims table: which equation terms encode each claim of the theory (the
project's claims list, ``iocdynamics/model/claims.md``), with their signs, and which
tests check them.

Signed claims are checked exactly on the symbolic equations (the polarity of a
partial derivative at many sampled states, ``tests/test_polarity.py``); claims
about patterns over time are checked by simulating the bundled scenarios
(``tests/test_behaviour.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .model import build_model
from .structure import StockFlowModel

#: Behavioural tests (``tests/test_behaviour.py``) by the claims they check.
BEHAVIOUR_TESTS: dict[str, tuple[str, ...]] = {
    "test_voluntary_beats_imposed_buddying": ("P5", "T1", "I2", "F5"),
    "test_fig5_staff_loss_costs_faith": ("A5",),
    "test_fig5_clearer_vision_raises_faith_and_trust": ("A4",),
    "test_fig5_quick_wins_raise_trust_and_progress": ("M1", "A5"),
    "test_fig5_unresolved_conflict_costs_more_trust_than_faith": ("A2",),
    "test_fig5_new_leader_restores_trust": ("A3", "A4", "E1"),
    "test_fig5_ends_in_synergy": ("L1", "P2"),
    "test_performance_dips_before_improving": ("P3", "L5", "P2"),
    "test_mandated_system_is_set_up_for_failure": ("P4", "T2", "I1", "I3"),
    "test_dissolution_is_absorbing": ("L3",),
    "test_evaluation_makes_progress_visible": ("A5",),
    "test_binding_contract_undermines_trust_when_voluntary": ("F2",),
    "test_mou_builds_trust_when_voluntary": ("F4",),
    "test_confidence_stands_in_for_trust_when_mandated": ("F1", "F5"),
    "test_contract_contributes_less_once_trust_has_grown": ("F3",),
    "test_conflict_resolution_and_broker_protect_trust": ("A3",),
    "test_over_ambition_lowers_perceived_progress": ("A5", "L2"),
    "test_trust_erodes_faster_than_it_builds": ("L1", "A2"),
    "test_initial_trust_sets_initial_risk_tolerance": ("I4",),
    "test_low_trust_and_faith_raise_conflict": ("L4", "A2"),
    "test_more_partners_and_size_slow_communication": ("M3", "I1"),
    "test_task_failure_lowers_trust_and_risk_tolerance": ("L1", "A1"),
}

#: Claims the equations encode only in part, with what is left out.
PARTIAL: dict[str, str] = {
    "E1": "Leadership quality is one context variable; the specific behaviours "
          "(vulnerability, persuasiveness) are not distinguished.",
    "M2": "Seconding staff is represented by the joint_appointments lever (shared with "
          "joint appointments and joint teams).",
    "T2": "'Rapid timelines' enter only through ambition; there is no separate deadline.",
    "P2": "The ultimate outcomes (innovation, pooled resources, less duplication) are "
          "aggregated into one capability stock.",
}


@dataclass(frozen=True)
class ClaimRow:
    """One claim: its text, the encoding elements and signed terms, the tests."""

    id: str
    text: str
    elements: tuple[str, ...]
    signed_terms: tuple[str, ...]
    tests: tuple[str, ...]
    note: str = ""
    omitted: str = ""


@dataclass
class ClaimsTable:
    rows: list[ClaimRow] = field(default_factory=list)

    def ids(self) -> list[str]:
        return [r.id for r in self.rows]


def default_claims_file() -> Path:
    """The project's claims list, ``model/claims.md`` inside the package.

    It states the causal claims of Aunger et al. (2021), BMC Health Services
    Research 21:602, and of the 2022 realist evaluation (PLoS ONE 17(4): e0266899),
    each with the identifier the equations, tests and case files cite.
    """
    return Path(str(resources.files("iocdynamics.model").joinpath("claims.md")))


def read_claims(path: str | Path | None = None) -> dict[str, str]:
    """Claim id -> statement, parsed from a claims list (default: the project's).

    Parameters
    ----------
    path : path, optional
        A Markdown file with one ``- ID statement`` line per claim (default:
        :func:`default_claims_file`).
    """
    path = Path(path) if path else default_claims_file()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileNotFoundError(f"{path}: cannot read the claims file ({exc.strerror}); pass "
                                "--claims-file") from exc
    out = {}
    for m in re.finditer(r"^- ([A-Z]\d+) (.+)$", text, flags=re.M):
        out[m.group(1)] = m.group(2).strip()
    if not out:
        raise ValueError(f"{path}: no claims found (expected lines '- ID statement')")
    return out


def _sign(s: int) -> str:
    return "+" if s > 0 else "−"


def claims_table(claims: dict[str, str] | None = None,
                 model: StockFlowModel | None = None) -> ClaimsTable:
    """Build the claims table.

    Parameters
    ----------
    claims : dict, optional
        Claim id -> statement (default: the project's claims list).
    model : StockFlowModel, optional
    """
    model = model or build_model()
    claims = claims if claims is not None else read_claims()
    index = model.claim_index()
    table = ClaimsTable()
    for cid, text in claims.items():
        elements = tuple(index.get(cid, ()))
        pol = [p for p in model.polarities if p.claim == cid]
        signed = tuple(f"∂{p.effect}/∂{p.cause} ({_sign(p.sign)})"
                       + (f" [{p.note}]" if p.note else "") for p in pol)
        tests = [f"tests/test_polarity.py::test_polarity[{cid}-{p.effect}-{p.cause}]"
                 for p in pol]
        tests += [f"tests/test_behaviour.py::{name}" for name, cs in BEHAVIOUR_TESTS.items()
                  if cid in cs]
        omitted = ""
        if not elements and not pol:
            omitted = model.omitted_claims.get(cid, "not encoded")
        table.rows.append(ClaimRow(cid, text, elements, signed, tuple(tests),
                                   PARTIAL.get(cid, ""), omitted))
    return table


def claims_markdown(table: ClaimsTable) -> str:
    """The claims table as a Markdown document."""
    lines = [
        "# Claims table",
        "",
        "Generated by `iocdyn claims` from the sympy model and the claims list",
        "(`src/iocdynamics/model/claims.md`, citing Aunger et al. 2021, BMC Health Serv Res",
        "21:602, and the 2022 realist evaluation); do not edit.",
        "For each claim: the model elements whose equations encode it, the signed terms",
        "checked exactly on the symbolic equations (the sign of a partial derivative at",
        "sampled states within the declared bounds), and the tests that check it.",
        "",
    ]
    for r in table.rows:
        lines.append(f"## {r.id}")
        lines.append("")
        lines.append(f"> {r.text}")
        lines.append("")
        if r.omitted:
            lines.append(f"**Not encoded:** {r.omitted}")
            lines.append("")
            continue
        lines.append("- Encoded in: " + ", ".join(f"`{e}`" for e in r.elements))
        if r.signed_terms:
            lines.append("- Signed terms: " + "; ".join(r.signed_terms))
        if r.note:
            lines.append(f"- Partial: {r.note}")
        lines.append("- Checked by: " + ("; ".join(f"`{t}`" for t in r.tests)
                                         if r.tests else "(structure only)"))
        lines.append("")
    omitted = [r for r in table.rows if r.omitted]
    lines.append("## Claims left out")
    lines.append("")
    if omitted:
        for r in omitted:
            lines.append(f"- {r.id}: {r.omitted}")
    else:
        lines.append("None: every claim of the claims list is encoded (see 'Partial' notes "
                     "above).")
    lines.append("")
    return "\n".join(lines)
