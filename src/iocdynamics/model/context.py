"""Context: composites of the collaboration's setting (I1-I3, F1-F5, M4, T2).

Everything here is a function of registry constants only: task complexity,
legitimacy, the contextual base of faith, the trust carried in from history and
the mistrust of mandate and power, how voluntary the arrangement is.
"""

from __future__ import annotations

from .builder import ModelBuilder
from .forms import mean

SECTOR = "context"


def build(b: ModelBuilder) -> None:
    p = b.p
    n_eff = b.aux("organisation_count_effect",
                  (p("number_of_organisations") - 2)
                  / (p("number_of_organisations") - 2 + p("organisation_count_half_saturation")),
                  "Dmnl", "Saturating effect of the number of partners beyond two.",
                  ["I1", "M3"])
    scale = b.aux("collaboration_scale", mean(p("organisation_size"), n_eff), "Dmnl",
                  "Size and number of the organisations involved.", ["I1", "M3", "T2"])
    complexity = b.aux("task_complexity", mean(scale, scale, p("cross_sector")), "Dmnl",
                       "Perceived task complexity: larger and more organisations, "
                       "cross-sector working.", ["I1", "T2"])
    b.aux("legitimacy", mean(p("stakeholder_involvement"), 1 - p("mandated"),
                             1 - p("professional_threat")), "Dmnl",
          "Perceived legitimacy: stakeholder involvement, voluntariness, "
          "no professional threat.", ["I2", "T2"])
    b.aux("contextual_faith",
          mean(1 - p("financial_constraints"), p("regulatory_support"),
               1 - complexity, 1 - p("cross_sector"), p("form_reputation")),
          "Dmnl", "Contextual base of faith: finance, regulation, task "
          "complexity, sector, reputation of the form of collaboration.",
          ["I1", "P4"])
    pre_trust = b.aux("pre_existing_trust",
                      mean(p("history_of_collaboration"), p("partner_reputation"),
                           1 - p("legacy_of_failures")), "Dmnl",
                      "Trust carried in from history, reputations and the regional legacy.",
                      ["I3", "P4"])
    power_tension = b.aux("power_tension",
                          p("power_imbalance") * (1 - p("balanced_governance"))
                          * (1 + p("integration")) / 2, "Dmnl",
                          "Unmanaged power imbalance, magnified by integration (sense of "
                          "takeover).", ["A3", "F5"])
    mistrust = b.aux("relational_mistrust_factor",
                     (1 - p("mandate_mistrust") * p("mandated"))
                     * (1 - p("power_mistrust") * power_tension), "Dmnl",
                     "Share of trust surviving the inherent mistrust of mandated "
                     "partnerships and domination by powerful partners.", ["F5", "A3"])
    b.aux("carried_in_trust", pre_trust * mistrust, "Dmnl",
          "Trust carried into the collaboration, after the mistrust of "
          "mandate and power.", ["I3", "F5"])
    b.aux("voluntariness", (1 - p("mandated")) * (1 - p("integration")),
          "Dmnl", "How voluntary and non-integrative the arrangement is.",
          ["F1", "F2"])
    b.aux("forced_perception", p("mandated") * (1 - p("stakeholder_involvement")),
          "Dmnl", "Extent to which staff feel the collaboration is forced on them.",
          ["M4"])

    pol = b.polarity
    pol("I1", "initial:faith", "financial_constraints", -1)
    pol("I1", "initial:faith", "regulatory_support", +1)
    pol("I1", "initial:faith", "organisation_size", -1)
    pol("I1", "initial:faith", "number_of_organisations", -1)
    pol("I1", "initial:faith", "cross_sector", -1)
    pol("I1", "initial:faith", "form_reputation", +1)
    pol("I2", "initial:faith", "stakeholder_involvement", +1)
    pol("I2", "initial:faith", "mandated", -1)
    pol("I2", "legitimacy", "mandated", -1)
    pol("I2", "legitimacy", "professional_threat", -1)
    pol("I3", "initial:trust", "history_of_collaboration", +1)
    pol("I3", "initial:trust", "partner_reputation", +1)
    pol("I3", "initial:trust", "legacy_of_failures", -1)
    pol("I4", "initial:risk_tolerance", "history_of_collaboration", +1)
    pol("F5", "carried_in_trust", "mandated", -1)
    pol("F5", "relational_mistrust_factor", "mandated", -1)
