"""Faith: belief that the collaborative endeavour is worthwhile (I1, I2, A2, A4, A5)."""

from __future__ import annotations

from .builder import ModelBuilder
from .forms import wavg

SECTOR = "faith"


def faith_basis(b: ModelBuilder, progress, vision):
    """Weighted average of context, perceived progress, clarity of vision and legitimacy."""
    p, v = b.p, b.v
    return wavg((p("weight_faith_context"), v("contextual_faith")),
                (p("weight_faith_progress"), progress),
                (p("weight_faith_vision"), vision),
                (p("weight_faith_legitimacy"), v("legitimacy")))


def build(b: ModelBuilder) -> None:
    p, v = b.p, b.v
    F, C = v("faith"), v("conflict")
    damage = b.aux("conflict_damage_on_faith",
                   p("conflict_effect_on_trust") * p("conflict_faith_ratio") * C
                   * (1 - p("resolution_dampening") * p("conflict_resolution")), "Dmnl",
                   "Share of indicated faith lost to conflict (less than for trust), "
                   "dampened by conflict resolution.", ["A2", "A3"])
    faith_ind = b.aux("indicated_faith",
                      faith_basis(b, v("perceived_progress"), v("vision_clarity"))
                      * (1 - damage), "Dmnl",
                      "Faith that context, legitimacy, clarity of vision and perception of "
                      "progress sustain, less the damage of conflict.",
                      ["I1", "I2", "A4", "A5", "A2"])
    b.aux("carried_in_faith",
          faith_basis(b, p("initial_perceived_progress"), p("initial_vision")),
          "Dmnl", "Faith brought to the collaboration by its context and "
          "legitimacy.", ["I1", "I2"])
    b.flow("faith_adjustment", "faith", (faith_ind - F) / p("faith_adjustment_time"),
           "Goal-seeking adjustment of faith.", ["A5", "A2"])
    b.flow("faith_loss_from_staff_loss", "faith",
           b.event("staff_loss") * p("staff_loss_faith_effect") * F,
           "A loss of staff causes some loss of faith (Fig. 5, event 2).", ["A5"],
           direction="out")
    b.stock("faith", faith_ind, "Belief that the collaborative endeavour is worthwhile "
            "(0..1).", ["I1", "A5"])

    pol = b.polarity
    pol("A2", "indicated_faith", "conflict", -1)
    pol("A3", "conflict_damage_on_faith", "conflict_resolution", -1)
    pol("A4", "indicated_faith", "vision_clarity", +1)
    pol("A5", "indicated_faith", "perceived_progress", +1)
