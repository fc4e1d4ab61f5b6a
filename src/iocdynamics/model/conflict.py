"""Conflict: the perception by actors that they are in opposition to their partners
(A1-A3, L4, M4)."""

from __future__ import annotations

from .builder import ModelBuilder
from .forms import wavg
from .vision_culture import initial_assimilation

SECTOR = "conflict"


def conflict_potential(b: ModelBuilder, trust, faith, assim):
    """Potential for conflict: low trust and faith, unassimilated culture, unbalanced
    power; reduced by constructive leadership."""
    p = b.p
    return (wavg((p("weight_conflict_trust"), 1 - trust),
                 (p("weight_conflict_faith"), 1 - faith),
                 (p("weight_conflict_culture"), p("cultural_distance") * (1 - assim)),
                 (p("weight_conflict_power"), b.v("power_tension")))
            * (1 - p("leadership_conflict_reduction") * p("leadership_quality")))


def build(b: ModelBuilder) -> None:
    p, v = b.p, b.v
    C = v("conflict")
    c_pot = b.aux("conflict_potential",
                  conflict_potential(b, v("trust"), v("faith"), v("cultural_assimilation")),
                  "Dmnl", "Potential for conflict: low trust and faith, unassimilated "
                  "culture, unbalanced power; reduced by constructive leadership.",
                  ["A1", "A2", "L4", "M4", "A3"])
    b.flow("conflict_adjustment", "conflict", (c_pot - C) / p("conflict_adjustment_time"),
           "Conflict follows its potential.", ["A1", "A2", "L4"])
    b.flow("conflict_from_incidents", "conflict",
           b.event("conflict_incident") * p("conflict_incident_effect") * (1 - C),
           "Acute conflict incidents.", ["A1"])
    b.flow("conflict_from_task_failure", "conflict",
           v("task_failures") * p("task_failure_conflict_effect") * (1 - C),
           "Failures on specific tasks raise conflict.", ["A1"])
    b.stock("conflict",
            conflict_potential(b, v("carried_in_trust"), v("carried_in_faith"),
                               initial_assimilation(b)),
            "Perception by actors that they are in opposition to their partners (0..1).",
            ["A1", "A2"])

    pol = b.polarity
    pol("M4", "conflict_potential", "cultural_distance", +1)
    pol("A1", "conflict_potential", "trust", -1)
    pol("A1", "conflict", "task_failure_input", +1)
    pol("A1", "conflict", "conflict_incident_input", +1)
    pol("A2", "conflict_potential", "faith", -1)
    pol("A3", "conflict_potential", "balanced_governance", -1)
    pol("A3", "conflict_potential", "leadership_quality", -1)
    pol("A3", "conflict_potential", "power_imbalance", +1)
    pol("L4", "conflict_potential", "faith", -1)
