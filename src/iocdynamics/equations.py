"""The collaboration model, written once in sympy.

Every stock, flow and auxiliary carries the claim ids of ``CLAIMS.md`` that it
encodes. The structure follows the programme theory of Aunger et al. (2021),
Fig. 6 and Table 2:

* **trust** builds through communication, cultural assimilation, a shared vision,
  leadership and task success (the trust-building loop, L1), erodes faster than it
  builds, and is eroded by conflict (A2) -- softened by the approach to conflict
  resolution and an external broker (A3);
* **faith** follows perception of progress (A5), clarity of vision (A4), perceived
  legitimacy (I2) and the contextual base of initial faith (I1); conflict hits it
  less hard than trust (A2);
* **risk tolerance** follows trust and, in mandated or integrative arrangements,
  **confidence** built by formalisation, which stands in for trust (F1); its
  contribution shrinks as trust grows (F3);
* **collaborative behaviour** rises once risk tolerance and faith pass S-shaped
  thresholds (L1, P2), and takes the effort freed as relational work falls (P1);
* **performance** dips below baseline while the collaboration is being set up
  (transition cost, P3) before accrued **capability** lifts it (P2, L5);
* below a critical trust or faith level for long enough the partnership
  **dissolves** (L3): an absorbing state, with collaborative behaviour ceasing.

Where the theory names a relation but not its functional form the standard
system-dynamics formulations are used: first-order goal seeking toward an
indicated value, weighted averages of effects, normalised Hill (S-shaped)
thresholds, and discrete events as impulses moving a stock by a fraction of its
gap (upward) or of its level (downward). Each choice is a named, bounded
parameter of :mod:`iocdynamics.registry`. Every bounded stock stays in [0, 1] by
construction: its indicated value lies in [0, 1], its adjustment is a convex step
for any time step no longer than half its shortest adjustment time, and event
jumps move it by a fraction (at most 0.3 per unit size) of its distance to a bound.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .registry import PARAMETERS
from .structure import (
    TIME,
    Auxiliary,
    Flow,
    Input,
    Polarity,
    Stock,
    StockFlowModel,
)

EVENT_KINDS = (
    "quick_win",
    "task_failure",
    "conflict_incident",
    "leadership_change",
    "staff_loss",
    "vision_clarified",
)

STOCK_COLUMNS = (
    "trust",
    "faith",
    "conflict",
    "perceived_progress",
    "risk_tolerance",
    "confidence",
    "collaborative_behaviour",
    "performance",
)


def wavg(*pairs: tuple[sp.Expr, sp.Expr]) -> sp.Expr:
    """Weighted average ``sum(w*x)/sum(w)`` of ``(weight, value)`` pairs."""
    num = sp.Add(*[w * x for w, x in pairs])
    den = sp.Add(*[w for w, _ in pairs])
    return num / den


def mean(*values: sp.Expr) -> sp.Expr:
    """Equal-weight average, kept as ``(a + b + ...)/n`` for readable model files."""
    return sp.Mul(sp.Add(*values), sp.Pow(sp.Integer(len(values)), -1, evaluate=False),
                  evaluate=False)


def hill(x: sp.Expr, theta: sp.Expr, n: sp.Expr) -> sp.Expr:
    """Normalised Hill function: S-shaped on [0, 1], 0 at 0, 1 at 1, 1/2-ish at theta."""
    return x**n * (1 + theta**n) / (x**n + theta**n)


def ifelse(cond, a, b) -> sp.Expr:
    """``IF THEN ELSE`` as a sympy Piecewise."""
    return sp.Piecewise((a, cond), (b, True))


@lru_cache(maxsize=1)
def build_model() -> StockFlowModel:
    """Build the collaboration model.

    Returns
    -------
    StockFlowModel
        The one symbolic source from which every artefact is generated.
    """
    P = {name: sp.Symbol(name, real=True) for name in PARAMETERS}
    inp = {k: sp.Symbol(f"{k}_input", real=True) for k in EVENT_KINDS}
    names = ["trust", "faith", "conflict", "perceived_progress", "risk_tolerance",
             "confidence", "collaborative_behaviour", "performance", "capability",
             "vision_clarity", "vision_sharedness", "cultural_assimilation",
             "ambition_level", "time_below_critical"]
    S = {n: sp.Symbol(n, real=True) for n in names}
    A: dict[str, sp.Symbol] = {}
    auxes: list[Auxiliary] = []
    flows: list[Flow] = []
    stocks: list[Stock] = []

    def aux(name, expr, units, desc, claims=()):
        auxes.append(Auxiliary(name, expr, units, desc, tuple(claims)))
        A[name] = sp.Symbol(name, real=True)
        return A[name]

    def flow(name, stock, expr, desc, claims=(), direction="in", units=None):
        st_units = {"performance": "Dmnl", "ambition_level": "Dmnl",
                    "time_below_critical": "Month"}.get(stock, "Dmnl")
        u = units or ("Dmnl" if st_units == "Month" else f"{st_units}/Month")
        flows.append(Flow(name, expr, u, desc, tuple(claims), stock, direction))

    def stock(name, initial, desc, claims=(), lower=0.0, upper=1.0, units="Dmnl"):
        stocks.append(Stock(name, initial, units, desc, tuple(claims), lower, upper))

    T, F, C = S["trust"], S["faith"], S["conflict"]
    Pp, R, K = S["perceived_progress"], S["risk_tolerance"], S["confidence"]
    B, Y, Q = S["collaborative_behaviour"], S["performance"], S["capability"]
    Vc, Vs = S["vision_clarity"], S["vision_sharedness"]
    As, M, W = S["cultural_assimilation"], S["ambition_level"], S["time_below_critical"]

    # ------------------------------------------------------- context composites
    n_eff = aux("organisation_count_effect",
                (P["number_of_organisations"] - 2)
                / (P["number_of_organisations"] - 2 + P["organisation_count_half_saturation"]),
                "Dmnl", "Saturating effect of the number of partners beyond two.",
                ["I1", "M3"])
    scale = aux("collaboration_scale", mean(P["organisation_size"], n_eff), "Dmnl",
                "Size and number of the organisations involved.", ["I1", "M3", "T2"])
    complexity = aux("task_complexity", mean(scale, scale, P["cross_sector"]), "Dmnl",
                     "Perceived task complexity: larger and more organisations, "
                     "cross-sector working.", ["I1", "T2"])
    legitimacy = aux("legitimacy", mean(P["stakeholder_involvement"], 1 - P["mandated"],
                                        1 - P["professional_threat"]), "Dmnl",
                     "Perceived legitimacy: stakeholder involvement, voluntariness, "
                     "no professional threat.", ["I2", "T2"])
    ctx_faith = aux("contextual_faith",
                    mean(1 - P["financial_constraints"], P["regulatory_support"],
                         1 - complexity, 1 - P["cross_sector"], P["form_reputation"]),
                    "Dmnl", "Contextual base of faith: finance, regulation, task "
                    "complexity, sector, reputation of the form of collaboration.",
                    ["I1", "P4"])
    pre_trust = aux("pre_existing_trust",
                    mean(P["history_of_collaboration"], P["partner_reputation"],
                         1 - P["legacy_of_failures"]), "Dmnl",
                    "Trust carried in from history, reputations and the regional legacy.",
                    ["I3", "P4"])
    power_tension = aux("power_tension",
                        P["power_imbalance"] * (1 - P["balanced_governance"])
                        * (1 + P["integration"]) / 2, "Dmnl",
                        "Unmanaged power imbalance, magnified by integration (sense of "
                        "takeover).", ["A3", "F5"])
    mistrust = aux("relational_mistrust_factor",
                   (1 - P["mandate_mistrust"] * P["mandated"])
                   * (1 - P["power_mistrust"] * power_tension), "Dmnl",
                   "Share of trust surviving the inherent mistrust of mandated "
                   "partnerships and domination by powerful partners.", ["F5", "A3"])
    carried_trust = aux("carried_in_trust", pre_trust * mistrust, "Dmnl",
                        "Trust carried into the collaboration, after the mistrust of "
                        "mandate and power.", ["I3", "F5"])
    voluntariness = aux("voluntariness", (1 - P["mandated"]) * (1 - P["integration"]),
                        "Dmnl", "How voluntary and non-integrative the arrangement is.",
                        ["F1", "F2"])
    substitution = aux("confidence_substitution",
                       1 - (1 - P["confidence_weight_voluntary"]) * voluntariness, "Dmnl",
                       "Weight of confidence in risk tolerance: confidence stands in for "
                       "trust in mandated or integrative collaborations.", ["F1"])
    contract = aux("contract_strength",
                   P["formalisation"] * (P["contract_is_binding"]
                                         + (1 - P["contract_is_binding"])
                                         * (P["contract_is_mou"] * P["mou_confidence_weight"]
                                            + (1 - P["contract_is_mou"])
                                            * P["informal_confidence_weight"])),
                   "Dmnl", "Confidence that the formal agreement can give.",
                   ["F1", "F4"])
    binding_pen = aux("binding_misattribution",
                      P["binding_trust_penalty"] * P["contract_is_binding"]
                      * P["formalisation"] * voluntariness, "Dmnl",
                      "Share of trust lost because benevolent behaviour is attributed "
                      "to a binding contract.", ["F2"])
    mou = aux("mou_assurance",
              P["mou_trust_boost"] * P["contract_is_mou"] * P["formalisation"]
              * (1 - P["mandated"]), "Dmnl",
              "Share of the trust gap closed by a non-binding MoU in a voluntary "
              "arrangement.", ["F4"])
    forced = aux("forced_perception", P["mandated"] * (1 - P["stakeholder_involvement"]),
                 "Dmnl", "Extent to which staff feel the collaboration is forced on them.",
                 ["M4"])

    # ------------------------------------------------------- communication (M3)
    meet = aux("meeting_effect",
               P["meeting_frequency"] / (P["meeting_frequency"] + P["meeting_half_saturation"]),
               "Dmnl", "Saturating benefit of collaboration-wide meetings.", ["M3"])
    comm = aux("communication",
               mean(P["geographic_proximity"] * (1 - P["proximity_conflict_sensitivity"] * C),
                    1 - scale, P["it_compatibility"], P["joint_appointments"], meet),
               "Dmnl", "Interpersonal communication and information sharing.", ["M3"])

    # --------------------------------------------------------------- vision (A4)
    vis_c_ind = aux("indicated_vision_clarity",
                    mean(P["patient_public_engagement"], P["inclusive_decision_making"],
                         P["leadership_quality"], P["planning"]), "Dmnl",
                    "Clarity of vision the current practices sustain.", ["A4"])
    vis_s_ind = aux("indicated_vision_sharedness",
                    mean(P["patient_public_engagement"], P["inclusive_decision_making"],
                         P["leadership_quality"], P["stakeholder_involvement"]), "Dmnl",
                    "Sharedness of vision the current practices sustain.", ["A4"])
    for stock_sym, ind, label in ((Vc, vis_c_ind, "clarity"), (Vs, vis_s_ind, "sharedness")):
        flow(f"vision_{label}_adjustment", str(stock_sym),
             (ind - stock_sym) / P["vision_adjustment_time"],
             f"Goal-seeking adjustment of the {label} of vision.", ["A4"])
        flow(f"vision_{label}_gain_from_clarification", str(stock_sym),
             inp["vision_clarified"] * P["vision_clarified_effect"] * (1 - stock_sym),
             f"Jump in {label} of vision when the vision is clarified.", ["A4"])
        flow(f"vision_{label}_loss_from_leadership_change", str(stock_sym),
             inp["leadership_change"] * P["leadership_change_vision_effect"] * stock_sym,
             f"Loss of {label} of vision when leadership turns over.", ["A4"],
             direction="out")
        stock(str(stock_sym), P["initial_vision"], f"The {label} of the collaborative "
              "vision (0..1).", ["A4"])

    # ------------------------------------------------- cultural assimilation (M4)
    assim_ind = aux("indicated_assimilation",
                    mean(Vs, P["leadership_quality"], P["transition_support"],
                         P["joint_appointments"])
                    * (1 - P["distance_assimilation_penalty"] * P["cultural_distance"])
                    * (1 - P["forced_assimilation_penalty"] * forced), "Dmnl",
                    "Assimilation that shared vision, inspirational leadership, transition "
                    "support and joint teams can reach, given cultural distance and "
                    "forcing.", ["M4"])
    flow("assimilation_adjustment", "cultural_assimilation",
         (assim_ind - As) / P["assimilation_time"],
         "Goal-seeking adjustment of cultural assimilation.", ["M4"])
    stock("cultural_assimilation", P["initial_assimilation"] * (1 - P["cultural_distance"]),
          "Cultural assimilation between the partners (0..1).", ["M4"])

    # ------------------------------------------------- task success and progress
    success = aux("task_success",
                  B * (1 - P["complexity_drag"] * complexity * (1 - P["planning"])), "Dmnl",
                  "Rate of success on joint tasks: behaviour, held back by complexity "
                  "unless planned for.", ["L1", "A5", "I1"])
    half = M * P["progress_half_saturation"]
    signal = aux("progress_signal", success * (1 + half) / (success + half), "Dmnl",
                 "Progress relative to ambition (over-ambition lowers it).",
                 ["A5", "L2"])
    eval_active = aux(
        "evaluation_round_active",
        ifelse(sp.And(P["evaluation_interval"] > 0,
                      TIME >= P["evaluation_interval"],
                      sp.Mod(TIME,
                             sp.Max(P["evaluation_interval"], P["evaluation_round_duration"]))
                      < P["evaluation_round_duration"]),
               1, 0),
        "Dmnl", "1 during an evaluation-and-dissemination round, every "
        "evaluation_interval months after the start.", ["A5"])
    flow("informal_progress_perception", "perceived_progress",
         (P["informal_visibility"] * signal - Pp) / P["informal_perception_time"],
         "Slow perception of the part of progress visible without dissemination.", ["A5"])
    flow("progress_dissemination", "perceived_progress",
         eval_active * P["evaluation_effectiveness"] / P["evaluation_round_duration"]
         * (signal - Pp),
         "Evaluation and dissemination make staff aware of the progress made.", ["A5"])
    flow("quick_win_progress_boost", "perceived_progress",
         inp["quick_win"] * P["quick_win_progress_effect"] * (1 - Pp),
         "Quick wins raise the perception of progress.", ["M1", "A5"])
    flow("task_failure_progress_loss", "perceived_progress",
         inp["task_failure"] * P["task_failure_progress_effect"] * Pp,
         "Task failures lower the perception of progress.", ["L1", "A5"],
         direction="out")
    stock("perceived_progress", P["initial_perceived_progress"],
          "Perception of progress toward the collaboration's goals (0..1).", ["A5"])

    amb_ind = aux("indicated_ambition",
                  P["ambition"] * (1 + P["ambition_adjustment_range"] * (2 * Pp - 1)), "Dmnl",
                  "Ambition raised after perceived success and lowered after failure.",
                  ["L2"])
    flow("ambition_adjustment", "ambition_level", (amb_ind - M) / P["ambition_adjustment_time"],
         "Goal-seeking adjustment of ambition.", ["L2"], units="1/Month")
    stock("ambition_level", P["ambition"], "Current ambition: targeted over achievable "
          "progress.", ["L2", "A5"], lower=None, upper=None)

    # ------------------------------------------------------------ conflict (A1-A3)
    def conflict_potential_of(trust, faith, assim):
        return (wavg((P["weight_conflict_trust"], 1 - trust),
                     (P["weight_conflict_faith"], 1 - faith),
                     (P["weight_conflict_culture"], P["cultural_distance"] * (1 - assim)),
                     (P["weight_conflict_power"], power_tension))
                * (1 - P["leadership_conflict_reduction"] * P["leadership_quality"]))

    # ------------------------------------------------------------------ faith
    faith_damage = aux("conflict_damage_on_faith",
                       P["conflict_effect_on_trust"] * P["conflict_faith_ratio"] * C
                       * (1 - P["resolution_dampening"] * P["conflict_resolution"]), "Dmnl",
                       "Share of indicated faith lost to conflict (less than for trust), "
                       "dampened by conflict resolution.", ["A2", "A3"])

    def faith_basis_of(progress, vision):
        return wavg((P["weight_faith_context"], ctx_faith),
                    (P["weight_faith_progress"], progress),
                    (P["weight_faith_vision"], vision),
                    (P["weight_faith_legitimacy"], legitimacy))

    faith_ind = aux("indicated_faith", faith_basis_of(Pp, Vc) * (1 - faith_damage), "Dmnl",
                    "Faith that context, legitimacy, clarity of vision and perception of "
                    "progress sustain, less the damage of conflict.",
                    ["I1", "I2", "A4", "A5", "A2"])
    carried_faith = aux("carried_in_faith",
                        faith_basis_of(P["initial_perceived_progress"], P["initial_vision"]),
                        "Dmnl", "Faith brought to the collaboration by its context and "
                        "legitimacy.", ["I1", "I2"])
    flow("faith_adjustment", "faith", (faith_ind - F) / P["faith_adjustment_time"],
         "Goal-seeking adjustment of faith.", ["A5", "A2"])
    flow("faith_loss_from_staff_loss", "faith",
         inp["staff_loss"] * P["staff_loss_faith_effect"] * F,
         "A loss of staff causes some loss of faith (Fig. 5, event 2).", ["A5"],
         direction="out")
    stock("faith", faith_ind, "Belief that the collaborative endeavour is worthwhile "
          "(0..1).", ["I1", "A5"])

    # ------------------------------------------------------------------ trust
    trust_damage = aux("conflict_damage_on_trust",
                       P["conflict_effect_on_trust"] * C
                       * (1 - P["resolution_dampening"] * P["conflict_resolution"])
                       * (1 - P["broker_shield"] * P["external_broker"]), "Dmnl",
                       "Share of indicated trust lost to conflict, dampened by conflict "
                       "resolution and an external broker.", ["A2", "A3"])
    trust_basis = aux("trust_basis",
                      wavg((P["weight_trust_anchor"], pre_trust),
                           (P["weight_trust_communication"], comm),
                           (P["weight_trust_assimilation"], As),
                           (P["weight_trust_vision"], Vs),
                           (P["weight_trust_leadership"],
                            1 - (1 - P["leadership_quality"]) * (1 - P["joint_appointments"]))),
                      "Dmnl", "Trust that relationships, communication, assimilation, "
                      "shared vision, leadership and secondments sustain.",
                      ["I3", "M2", "M3", "M4", "A4"])
    relational = aux("relational_trust",
                     trust_basis + (1 - trust_basis) * P["success_trust_boost"] * success,
                     "Dmnl", "Trust basis lifted by success on joint tasks (trust-building "
                     "loop).", ["L1"])
    trust_ind = aux("indicated_trust",
                    (relational + mou * (1 - relational)) * (1 - binding_pen) * mistrust
                    * (1 - trust_damage), "Dmnl",
                    "Indicated trust after contracts, mandate, power and conflict.",
                    ["F2", "F4", "F5", "A2"])
    trust_time = aux("trust_adjustment_time",
                     ifelse(trust_ind > T, P["trust_build_time"],
                            P["trust_build_time"] / P["trust_erosion_speedup"]),
                     "Month", "Trust builds slowly and erodes fast.", ["L1", "A2"])
    flow("trust_adjustment", "trust", (trust_ind - T) / trust_time,
         "Goal-seeking adjustment of trust (asymmetric).", ["L1", "A2"])
    flow("trust_gain_from_quick_wins", "trust",
         inp["quick_win"] * P["quick_win_trust_effect"] * (1 - T),
         "Quick wins raise trust rapidly.", ["M1"])
    flow("trust_loss_from_task_failure", "trust",
         inp["task_failure"] * P["task_failure_trust_effect"] * T,
         "Task failure lowers trust.", ["L1"], direction="out")
    flow("trust_loss_from_leadership_change", "trust",
         inp["leadership_change"] * P["leadership_change_trust_effect"] * T,
         "Leadership turnover restarts trust building.", ["A4"], direction="out")
    stock("trust", trust_ind, "Willingness to accept vulnerability to the partners "
          "(0..1).", ["I3", "L1"])

    # ---------------------------------------------------------------- conflict
    c_pot = aux("conflict_potential", conflict_potential_of(T, F, As), "Dmnl",
                "Potential for conflict: low trust and faith, unassimilated culture, "
                "unbalanced power; reduced by constructive leadership.",
                ["A1", "A2", "L4", "M4", "A3"])
    init_assim = P["initial_assimilation"] * (1 - P["cultural_distance"])
    flow("conflict_adjustment", "conflict", (c_pot - C) / P["conflict_adjustment_time"],
         "Conflict follows its potential.", ["A1", "A2", "L4"])
    flow("conflict_from_incidents", "conflict",
         inp["conflict_incident"] * P["conflict_incident_effect"] * (1 - C),
         "Acute conflict incidents.", ["A1"])
    flow("conflict_from_task_failure", "conflict",
         inp["task_failure"] * P["task_failure_conflict_effect"] * (1 - C),
         "Failures on specific tasks raise conflict.", ["A1"])
    stock("conflict", conflict_potential_of(carried_trust, carried_faith, init_assim),
          "Perception by actors that they are in opposition to their partners (0..1).",
          ["A1", "A2"])

    # ------------------------------------------------ confidence and risk tolerance
    flow("confidence_building", "confidence", (contract - K) / P["confidence_adjustment_time"],
         "Confidence follows the strength of the formal agreement.", ["F1"])
    stock("confidence", sp.Integer(0), "Belief that partners will behave collaboratively "
          "because of contractual or other obligation (0..1).", ["F1"])
    risk_ind = aux("indicated_risk_tolerance", 1 - (1 - T) * (1 - substitution * K), "Dmnl",
                   "Risk tolerance that trust and confidence support; confidence's marginal "
                   "contribution shrinks as trust grows.", ["L1", "F1", "F3"])
    flow("risk_tolerance_adjustment", "risk_tolerance",
         (risk_ind - R) / P["risk_tolerance_adjustment_time"],
         "Risk tolerance adjusts to trust and confidence.", ["L1", "F1"])
    stock("risk_tolerance", T, "How much risk the organisations are willing to "
          "take with each other (0..1); set initially by initial trust.", ["I4", "L1"])

    # ---------------------------------------------------------------- dissolution
    below = aux("below_critical_level",
                ifelse(sp.Or(T < P["critical_trust"], F < P["critical_faith"]), 1, 0),
                "Dmnl", "1 while trust or faith is below its critical level.", ["L3"])
    dissolved = aux("dissolved", ifelse(W >= P["dissolution_dwell"], 1, 0), "Dmnl",
                    "1 once the partnership has dissolved (absorbing).", ["L3"])
    active = aux("active", 1 - dissolved, "Dmnl",
                 "1 while the partnership exists, 0 once dissolved.", ["L3"])
    flow("dwell_accumulation", "time_below_critical", sp.Max(below, dissolved),
         "Time accumulates while below a critical level (and forever once dissolved).",
         ["L3"])
    flow("dwell_forgiveness", "time_below_critical",
         (1 - below) * (1 - dissolved) * W / P["dwell_recovery_time"],
         "Accumulated time below threshold is forgiven once trust and faith recover.",
         ["L3"], direction="out")
    stock("time_below_critical", sp.Integer(0), "Recent time spent below a critical "
          "trust or faith level.", ["L3"], lower=0.0, upper=None, units="Month")

    # ------------------------------------------------------- collaborative behaviour
    strain = aux("relational_strain", 1 - T * F * (1 - C), "Dmnl",
                 "Need to manage conflict and build relationships; falls as trust and faith "
                 "rise.", ["P1"])
    willing = aux("risk_willingness",
                  hill(R, P["risk_threshold"], P["threshold_steepness"]), "Dmnl",
                  "S-shaped willingness to take risk once risk tolerance passes the risk "
                  "threshold.", ["L1"])
    engaged = aux("faith_engagement",
                  hill(F, P["faith_threshold"], P["threshold_steepness"]), "Dmnl",
                  "S-shaped motivation to work on the collaboration once faith passes its "
                  "threshold.", ["P2", "L1"])
    beh_ind = aux("indicated_collaborative_behaviour",
                  active * willing * engaged * (1 - P["relational_work_share"] * strain),
                  "Dmnl", "Collaborative (rather than competitive) behaviour that risk "
                  "tolerance, faith and freed effort allow; nil once dissolved.",
                  ["L1", "P1", "P2", "L3"])
    flow("behaviour_adjustment", "collaborative_behaviour",
         (beh_ind - B) / P["behaviour_adjustment_time"],
         "Behaviour follows its indicated level.", ["L1"])
    stock("collaborative_behaviour", P["initial_collaborative_behaviour"],
          "Collaborative rather than competitive behaviour (synergy vs inertia, 0..1).",
          ["L1", "P2"])

    # --------------------------------------------------- capability and performance
    flow("capability_accrual", "capability",
         P["capability_accrual_rate"] * B * (1 - Q),
         "Collaborative behaviour accrues shared skill, knowledge and resources.", ["P2"])
    flow("capability_loss", "capability",
         (P["capability_decay_rate"] + inp["staff_loss"] * P["staff_loss_capability_effect"])
         * Q, "Accrued capability decays and leaves with lost staff.", ["P2"],
         direction="out")
    stock("capability", sp.Integer(0), "Accrued joint skill, knowledge and resources "
          "(0..1).", ["P2"])
    perf_ind = aux("indicated_performance",
                   P["performance_gain"] * Q - P["transition_cost"] * active * strain,
                   "Dmnl", "Performance relative to the pre-collaboration baseline: accrued "
                   "capability minus the transition cost of relational work.",
                   ["P2", "P3", "L5"])
    flow("performance_adjustment", "performance", (perf_ind - Y) / P["performance_adjustment_time"],
         "Care-quality metrics follow with a delay.", ["L5", "P3"], units="1/Month")
    stock("performance", sp.Integer(0), "Collaborative effectiveness relative to the "
          "pre-collaboration baseline (0); negative is below it.", ["P2", "P3", "L5"],
          lower=None, upper=None)

    inputs = [
        Input("quick_win_input", "1/Month", "Quick wins (event size per month).", ("M1",)),
        Input("task_failure_input", "1/Month", "Failures on specific tasks (event size per "
              "month).", ("L1", "A1")),
        Input("conflict_incident_input", "1/Month", "Acute conflict incidents (event size "
              "per month).", ("A1",)),
        Input("leadership_change_input", "1/Month", "Leadership turnover (event size per "
              "month).", ("A4",)),
        Input("staff_loss_input", "1/Month", "Loss of staff (event size per month).",
              ("A5",)),
        Input("vision_clarified_input", "1/Month", "Clarification of the vision (event size "
              "per month).", ("A4",)),
    ]

    polarities = [
        Polarity("I1", "initial:faith", "financial_constraints", -1),
        Polarity("I1", "initial:faith", "regulatory_support", +1),
        Polarity("I1", "initial:faith", "organisation_size", -1),
        Polarity("I1", "initial:faith", "number_of_organisations", -1),
        Polarity("I1", "initial:faith", "cross_sector", -1),
        Polarity("I1", "initial:faith", "form_reputation", +1),
        Polarity("I2", "initial:faith", "stakeholder_involvement", +1),
        Polarity("I2", "initial:faith", "mandated", -1),
        Polarity("I2", "legitimacy", "mandated", -1),
        Polarity("I2", "legitimacy", "professional_threat", -1),
        Polarity("I3", "initial:trust", "history_of_collaboration", +1),
        Polarity("I3", "initial:trust", "partner_reputation", +1),
        Polarity("I3", "initial:trust", "legacy_of_failures", -1),
        Polarity("I4", "initial:risk_tolerance", "history_of_collaboration", +1),
        Polarity("I4", "indicated_risk_tolerance", "trust", +1),
        Polarity("M1", "trust", "quick_win_input", +1),
        Polarity("M1", "perceived_progress", "quick_win_input", +1),
        Polarity("M2", "indicated_trust", "joint_appointments", +1),
        Polarity("M2", "indicated_trust", "leadership_quality", +1),
        Polarity("M3", "indicated_trust", "communication", +1),
        Polarity("M3", "communication", "geographic_proximity", +1),
        Polarity("M3", "communication", "organisation_size", -1),
        Polarity("M3", "communication", "number_of_organisations", -1),
        Polarity("M3", "communication", "it_compatibility", +1),
        Polarity("M3", "communication", "joint_appointments", +1),
        Polarity("M3", "communication", "meeting_frequency", +1),
        Polarity("M3", "communication", "conflict", -1,
                 "proximity helps less when conflict is high"),
        Polarity("M4", "conflict_potential", "cultural_distance", +1),
        Polarity("M4", "indicated_trust", "cultural_assimilation", +1),
        Polarity("M4", "indicated_assimilation", "vision_sharedness", +1),
        Polarity("M4", "indicated_assimilation", "leadership_quality", +1),
        Polarity("M4", "indicated_assimilation", "transition_support", +1),
        Polarity("M4", "indicated_assimilation", "joint_appointments", +1),
        Polarity("M4", "indicated_assimilation", "cultural_distance", -1),
        Polarity("M4", "indicated_assimilation", "mandated", -1),
        Polarity("A1", "conflict_potential", "trust", -1),
        Polarity("A1", "conflict", "task_failure_input", +1),
        Polarity("A1", "conflict", "conflict_incident_input", +1),
        Polarity("A2", "indicated_trust", "conflict", -1),
        Polarity("A2", "indicated_faith", "conflict", -1),
        Polarity("A2", "conflict_potential", "faith", -1),
        Polarity("A3", "conflict_damage_on_trust", "conflict_resolution", -1),
        Polarity("A3", "conflict_damage_on_faith", "conflict_resolution", -1),
        Polarity("A3", "conflict_damage_on_trust", "external_broker", -1),
        Polarity("A3", "conflict_potential", "balanced_governance", -1),
        Polarity("A3", "conflict_potential", "leadership_quality", -1),
        Polarity("A3", "conflict_potential", "power_imbalance", +1),
        Polarity("A4", "indicated_faith", "vision_clarity", +1),
        Polarity("A4", "indicated_trust", "vision_sharedness", +1),
        Polarity("A4", "indicated_vision_clarity", "patient_public_engagement", +1),
        Polarity("A4", "indicated_vision_sharedness", "patient_public_engagement", +1),
        Polarity("A4", "indicated_vision_sharedness", "inclusive_decision_making", +1),
        Polarity("A4", "indicated_vision_clarity", "leadership_quality", +1),
        Polarity("A4", "vision_sharedness", "leadership_change_input", -1),
        Polarity("A5", "indicated_faith", "perceived_progress", +1),
        Polarity("A5", "progress_dissemination", "progress_signal", +1,
                 "during a round, perception moves toward actual progress"),
        Polarity("A5", "progress_signal", "ambition_level", -1),
        Polarity("A5", "task_success", "planning", +1),
        Polarity("P1", "indicated_collaborative_behaviour", "relational_strain", -1),
        Polarity("P1", "relational_strain", "trust", -1),
        Polarity("P1", "relational_strain", "faith", -1),
        Polarity("P2", "capability", "collaborative_behaviour", +1),
        Polarity("P2", "indicated_performance", "capability", +1),
        Polarity("P3", "indicated_performance", "relational_strain", -1),
        Polarity("F1", "indicated_risk_tolerance", "confidence", +1),
        Polarity("F1", "contract_strength", "formalisation", +1),
        Polarity("F1", "confidence_substitution", "mandated", +1),
        Polarity("F1", "confidence_substitution", "integration", +1),
        Polarity("F2", "indicated_trust", "contract_is_binding", -1,
                 "at formalisation > 0 in a voluntary, non-integrative arrangement"),
        Polarity("F4", "indicated_trust", "contract_is_mou", +1,
                 "at formalisation > 0 in a voluntary arrangement"),
        Polarity("F5", "carried_in_trust", "mandated", -1),
        Polarity("F5", "relational_mistrust_factor", "mandated", -1),
        Polarity("L1", "indicated_collaborative_behaviour", "risk_tolerance", +1),
        Polarity("L1", "indicated_trust", "task_success", +1),
        Polarity("L1", "task_success", "collaborative_behaviour", +1),
        Polarity("L1", "trust", "task_failure_input", -1),
        Polarity("L2", "indicated_ambition", "perceived_progress", +1),
        Polarity("L4", "conflict_potential", "faith", -1),
        Polarity("L5", "indicated_performance", "capability", +1),
        Polarity("E1", "indicated_trust", "leadership_quality", +1),
    ]

    omitted = {}
    model = StockFlowModel("ioc", list(PARAMETERS.values()), inputs, auxes, flows, stocks,
                           polarities, omitted)
    # Compute the lazily built views now, so that an inconsistency fails at build time.
    _ = (model.symbols, model.computation_order)
    return model
