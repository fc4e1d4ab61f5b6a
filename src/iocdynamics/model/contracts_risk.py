"""Contracts and risk: formalisation, confidence (F1-F4) and risk tolerance (I4, L1)."""

from __future__ import annotations

from .builder import ModelBuilder

SECTOR = "contracts and risk"


def build(b: ModelBuilder) -> None:
    p, v = b.p, b.v
    T, R, K = v("trust"), v("risk_tolerance"), v("confidence")
    voluntariness = v("voluntariness")
    substitution = b.aux("confidence_substitution",
                         1 - (1 - p("confidence_weight_voluntary")) * voluntariness, "Dmnl",
                         "Weight of confidence in risk tolerance: confidence stands in for "
                         "trust in mandated or integrative collaborations.", ["F1"])
    U = v("contract_relevance")
    b.flow("contract_ageing", "contract_relevance",
           (U - p("contract_relevance_floor")) / p("contract_obsolescence_time"),
           "Early agreements cannot anticipate every eventuality: their relevance fades.",
           ["F3"], direction="out")
    b.stock("contract_relevance", 1, "Share of the formal agreement still relevant to "
            "what the partners face (1 when drafted at the start).", ["F3"])
    contract = b.aux("contract_strength",
                     U * p("formalisation") * (p("contract_is_binding")
                                           + (1 - p("contract_is_binding"))
                                           * (p("contract_is_mou") * p("mou_confidence_weight")
                                              + (1 - p("contract_is_mou"))
                                              * p("informal_confidence_weight"))),
                     "Dmnl", "Confidence that the formal agreement can give, as far as it "
                     "is still relevant.", ["F1", "F3", "F4"])
    b.aux("binding_misattribution",
          p("binding_trust_penalty") * p("contract_is_binding")
          * p("formalisation") * voluntariness, "Dmnl",
          "Share of trust lost because benevolent behaviour is attributed "
          "to a binding contract.", ["F2"])
    b.aux("mou_assurance",
          p("mou_trust_boost") * p("contract_is_mou") * p("formalisation")
          * (1 - p("mandated")), "Dmnl",
          "Share of the trust gap closed by a non-binding MoU in a voluntary "
          "arrangement.", ["F4"])

    b.flow("confidence_building", "confidence",
           (contract - K) / p("confidence_adjustment_time"),
           "Confidence follows the strength of the formal agreement.", ["F1"])
    b.stock("confidence", 0, "Belief that partners will behave collaboratively "
            "because of contractual or other obligation (0..1).", ["F1"])
    stand_in = b.aux("confidence_contribution",
                     p("confidence_risk_share") * substitution * K * (1 - T), "Dmnl",
                     "Part of the gap between trust and full risk tolerance that confidence "
                     "closes: at most confidence_risk_share of it, less as trust grows.",
                     ["F1", "F3"])
    risk_ind = b.aux("indicated_risk_tolerance", T + stand_in,
                     "Dmnl", "Risk tolerance that trust and confidence support.",
                     ["L1", "F1", "F3"])
    b.aux("obligated_behaviour",
          p("obligation_share") * (1 - voluntariness) * K, "Dmnl",
          "Collaborative behaviour obliged by confidence in a mandated or integrative "
          "arrangement, bypassing the risk threshold (Fig. 6).", ["F1"])
    b.flow("risk_tolerance_adjustment", "risk_tolerance",
           (risk_ind - R) / p("risk_tolerance_adjustment_time"),
           "Risk tolerance adjusts to trust and confidence.", ["L1", "F1"])
    b.stock("risk_tolerance", T, "How much risk the organisations are willing to "
            "take with each other (0..1); set initially by initial trust.", ["I4", "L1"])

    pol = b.polarity
    pol("I4", "indicated_risk_tolerance", "trust", +1)
    pol("F1", "indicated_risk_tolerance", "confidence", +1)
    pol("F1", "contract_strength", "formalisation", +1)
    pol("F1", "confidence_substitution", "mandated", +1)
    pol("F1", "confidence_substitution", "integration", +1)
    pol("F1", "obligated_behaviour", "confidence", +1)
    pol("F1", "obligated_behaviour", "mandated", +1)
    pol("F1", "obligated_behaviour", "integration", +1)
    pol("F3", "confidence_contribution", "trust", -1, "at confidence > 0")
    pol("F3", "contract_strength", "contract_relevance", +1, "at formalisation > 0")
