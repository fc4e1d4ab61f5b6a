"""Trust: willingness to accept vulnerability to the partners (I3, L1, M1-M4, A2-A4,
F2, F4, F5), and the interpersonal communication that feeds it (M3)."""

from __future__ import annotations

from .builder import ModelBuilder
from .forms import ifelse, mean, wavg

SECTOR = "trust"


def build(b: ModelBuilder) -> None:
    p, v = b.p, b.v
    T, C = v("trust"), v("conflict")

    meet = b.aux("meeting_effect",
                 p("meeting_frequency") / (p("meeting_frequency") + p("meeting_half_saturation")),
                 "Dmnl", "Saturating benefit of collaboration-wide meetings.", ["M3"])
    comm = b.aux("communication",
                 mean(p("geographic_proximity") * (1 - p("proximity_conflict_sensitivity") * C),
                      1 - v("collaboration_scale"), p("it_compatibility"),
                      p("joint_appointments"), meet),
                 "Dmnl", "Interpersonal communication and information sharing.", ["M3"])

    damage = b.aux("conflict_damage_on_trust",
                   p("conflict_effect_on_trust") * C
                   * (1 - p("resolution_dampening") * p("conflict_resolution"))
                   * (1 - p("broker_shield") * p("external_broker")), "Dmnl",
                   "Share of indicated trust lost to conflict, dampened by conflict "
                   "resolution and an external broker.", ["A2", "A3"])
    # lived experience: the partnership's own record of joint success (L1)
    X = v("experienced_trustworthiness")
    failures = v("task_failures")
    b.flow("experience_adjustment", "experienced_trustworthiness",
           (v("task_success") - X) / p("experience_time"),
           "Experienced trustworthiness follows the record of success on joint tasks.",
           ["L1"])
    b.flow("experience_gain_from_quick_wins", "experienced_trustworthiness",
           b.event("quick_win") * p("quick_win_experience_effect") * (1 - X),
           "A quick win is remembered as evidence that the partner delivers.", ["M1", "L1"])
    b.flow("experience_loss_from_task_failure", "experienced_trustworthiness",
           failures * p("task_failure_experience_effect") * X,
           "A failed joint task is remembered against the partner.", ["L1"],
           direction="out")
    b.flow("experience_loss_from_conflict_incident", "experienced_trustworthiness",
           b.event("conflict_incident") * p("conflict_incident_experience_effect") * X,
           "Conflict incidents leave bad blood.", ["A1", "A2"], direction="out")
    b.stock("experienced_trustworthiness", v("pre_existing_trust"),
            "Trustworthiness the partners have shown each other in this collaboration "
            "(0..1); starts at the trust carried in from history and reputation.",
            ["L1", "I3"])

    basis = b.aux("trust_basis",
                  wavg((p("weight_trust_anchor"), v("pre_existing_trust")),
                       (p("weight_trust_experience"), X),
                       (p("weight_trust_communication"), comm),
                       (p("weight_trust_assimilation"), v("cultural_assimilation")),
                       (p("weight_trust_vision"), v("vision_sharedness")),
                       (p("weight_trust_leadership"),
                        1 - (1 - p("leadership_quality")) * (1 - p("joint_appointments")))),
                  "Dmnl", "Trust that relationships, communication, assimilation, "
                  "shared vision, leadership and secondments sustain.",
                  ["I3", "M2", "M3", "M4", "A4"])
    relational = b.aux("relational_trust",
                       basis + (1 - basis) * p("success_trust_boost") * v("task_success"),
                       "Dmnl", "Trust basis lifted by success on joint tasks (trust-building "
                       "loop).", ["L1"])
    mou = v("mou_assurance")
    trust_ind = b.aux("indicated_trust",
                      (relational + mou * (1 - relational)) * (1 - v("binding_misattribution"))
                      * v("relational_mistrust_factor") * (1 - damage), "Dmnl",
                      "Indicated trust after contracts, mandate, power and conflict.",
                      ["F2", "F4", "F5", "A2"])
    slow = b.aux("relationship_time_factor",
                 1 + p("distance_relationship_delay") * (1 - p("geographic_proximity"))
                 + p("scale_relationship_delay") * v("collaboration_scale"), "Dmnl",
                 "Relationship building takes longer with geographical distance and with "
                 "more and larger organisations.", ["M3", "T2"])
    trust_time = b.aux("trust_adjustment_time",
                       ifelse(trust_ind > T, p("trust_build_time") * slow,
                              p("trust_build_time") / p("trust_erosion_speedup")),
                       "Month", "Trust builds slowly (more slowly with distance and scale) "
                       "and erodes fast.", ["L1", "A2", "M3", "T2"])
    b.flow("trust_adjustment", "trust", (trust_ind - T) / trust_time,
           "Goal-seeking adjustment of trust (asymmetric).", ["L1", "A2"])
    b.flow("trust_gain_from_quick_wins", "trust",
           b.event("quick_win") * p("quick_win_trust_effect") * (1 - T),
           "Quick wins raise trust rapidly.", ["M1"])
    b.flow("trust_loss_from_task_failure", "trust",
           b.event("task_failure") * p("task_failure_trust_effect") * T,
           "A task failure event lowers trust at once (routine failures act through "
           "experienced trustworthiness and conflict).", ["L1"], direction="out")
    b.flow("trust_loss_from_leadership_change", "trust",
           b.event("leadership_change") * p("leadership_change_trust_effect") * T,
           "Leadership turnover restarts trust building.", ["A4"], direction="out")
    b.stock("trust", trust_ind, "Willingness to accept vulnerability to the partners "
            "(0..1).", ["I3", "L1"])

    pol = b.polarity
    pol("M1", "trust", "quick_win_input", +1)
    pol("M2", "indicated_trust", "joint_appointments", +1)
    pol("M2", "indicated_trust", "leadership_quality", +1)
    pol("M3", "indicated_trust", "communication", +1)
    pol("M3", "communication", "geographic_proximity", +1)
    pol("M3", "communication", "organisation_size", -1)
    pol("M3", "communication", "number_of_organisations", -1)
    pol("M3", "communication", "it_compatibility", +1)
    pol("M3", "communication", "joint_appointments", +1)
    pol("M3", "communication", "meeting_frequency", +1)
    pol("M3", "communication", "conflict", -1, "proximity helps less when conflict is high")
    pol("M4", "indicated_trust", "cultural_assimilation", +1)
    pol("A2", "indicated_trust", "conflict", -1)
    pol("A3", "conflict_damage_on_trust", "conflict_resolution", -1)
    pol("A3", "conflict_damage_on_trust", "external_broker", -1)
    pol("A4", "indicated_trust", "vision_sharedness", +1)
    pol("F2", "indicated_trust", "contract_is_binding", -1,
        "at formalisation > 0 in a voluntary, non-integrative arrangement")
    pol("F4", "indicated_trust", "contract_is_mou", +1,
        "at formalisation > 0 in a voluntary arrangement")
    pol("L1", "indicated_trust", "task_success", +1)
    pol("L1", "trust", "task_failure_input", -1)
    pol("L1", "indicated_trust", "experienced_trustworthiness", +1)
    pol("L1", "experienced_trustworthiness", "task_success", +1)
    pol("L1", "experienced_trustworthiness", "task_failure_input", -1)
    pol("M1", "experienced_trustworthiness", "quick_win_input", +1)
    pol("A1", "experienced_trustworthiness", "conflict_incident_input", -1)
    pol("M3", "relationship_time_factor", "geographic_proximity", -1)
    pol("M3", "relationship_time_factor", "number_of_organisations", +1)
    pol("T2", "relationship_time_factor", "organisation_size", +1)
    pol("E1", "indicated_trust", "leadership_quality", +1)
