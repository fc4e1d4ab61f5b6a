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
    contract = b.aux("contract_strength",
                     p("formalisation") * (p("contract_is_binding")
                                           + (1 - p("contract_is_binding"))
                                           * (p("contract_is_mou") * p("mou_confidence_weight")
                                              + (1 - p("contract_is_mou"))
                                              * p("informal_confidence_weight"))),
                     "Dmnl", "Confidence that the formal agreement can give.",
                     ["F1", "F4"])
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
    risk_ind = b.aux("indicated_risk_tolerance", 1 - (1 - T) * (1 - substitution * K),
                     "Dmnl", "Risk tolerance that trust and confidence support; "
                     "confidence's marginal contribution shrinks as trust grows.",
                     ["L1", "F1", "F3"])
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
