"""Vision and culture: clarity and sharedness of vision (A4), cultural
assimilation (M4)."""

from __future__ import annotations

from .builder import ModelBuilder
from .forms import mean

SECTOR = "vision and culture"


def build(b: ModelBuilder) -> None:
    p, v = b.p, b.v
    vis_c_ind = b.aux("indicated_vision_clarity",
                      mean(p("patient_public_engagement"), p("inclusive_decision_making"),
                           p("leadership_quality"), p("planning")), "Dmnl",
                      "Clarity of vision the current practices sustain.", ["A4"])
    vis_s_ind = b.aux("indicated_vision_sharedness",
                      mean(p("patient_public_engagement"), p("inclusive_decision_making"),
                           p("leadership_quality"), p("stakeholder_involvement")), "Dmnl",
                      "Sharedness of vision the current practices sustain.", ["A4"])
    for name, ind, label in (("vision_clarity", vis_c_ind, "clarity"),
                             ("vision_sharedness", vis_s_ind, "sharedness")):
        x = v(name)
        b.flow(f"vision_{label}_adjustment", name,
               (ind - x) / p("vision_adjustment_time"),
               f"Goal-seeking adjustment of the {label} of vision.", ["A4"])
        b.flow(f"vision_{label}_gain_from_clarification", name,
               b.event("vision_clarified") * p("vision_clarified_effect") * (1 - x),
               f"Jump in {label} of vision when the vision is clarified.", ["A4"])
        b.flow(f"vision_{label}_loss_from_leadership_change", name,
               b.event("leadership_change") * p("leadership_change_vision_effect") * x,
               f"Loss of {label} of vision when leadership turns over.", ["A4"],
               direction="out")
        b.stock(name, p("initial_vision"), f"The {label} of the collaborative "
                "vision (0..1).", ["A4"])

    As = v("cultural_assimilation")
    assim_ind = b.aux("indicated_assimilation",
                      mean(v("vision_sharedness"), p("leadership_quality"),
                           p("transition_support"), p("joint_appointments"))
                      * (1 - p("distance_assimilation_penalty") * p("cultural_distance"))
                      * (1 - p("forced_assimilation_penalty") * v("forced_perception")),
                      "Dmnl",
                      "Assimilation that shared vision, inspirational leadership, transition "
                      "support and joint teams can reach, given cultural distance and "
                      "forcing.", ["M4"])
    b.flow("assimilation_adjustment", "cultural_assimilation",
           (assim_ind - As) / p("assimilation_time"),
           "Goal-seeking adjustment of cultural assimilation.", ["M4"])
    b.stock("cultural_assimilation", initial_assimilation(b),
            "Cultural assimilation between the partners (0..1).", ["M4"])

    pol = b.polarity
    pol("M4", "indicated_assimilation", "vision_sharedness", +1)
    pol("M4", "indicated_assimilation", "leadership_quality", +1)
    pol("M4", "indicated_assimilation", "transition_support", +1)
    pol("M4", "indicated_assimilation", "joint_appointments", +1)
    pol("M4", "indicated_assimilation", "cultural_distance", -1)
    pol("M4", "indicated_assimilation", "mandated", -1)
    pol("A4", "indicated_vision_clarity", "patient_public_engagement", +1)
    pol("A4", "indicated_vision_sharedness", "patient_public_engagement", +1)
    pol("A4", "indicated_vision_sharedness", "inclusive_decision_making", +1)
    pol("A4", "indicated_vision_clarity", "leadership_quality", +1)
    pol("A4", "vision_sharedness", "leadership_change_input", -1)


def initial_assimilation(b: ModelBuilder):
    """Assimilation at the start: a share of the cultural closeness."""
    return b.p("initial_assimilation") * (1 - b.p("cultural_distance"))
