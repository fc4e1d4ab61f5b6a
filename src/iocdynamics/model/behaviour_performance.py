"""Behaviour and performance: task success, collaborative behaviour (synergy versus
inertia; L1, P1, P2), accrued capability and performance (P2, P3, L5)."""

from __future__ import annotations

from .builder import ModelBuilder
from .forms import hill, noisy_or

SECTOR = "behaviour and performance"


def build(b: ModelBuilder) -> None:
    p, v = b.p, b.v
    T, F, C = v("trust"), v("faith"), v("conflict")
    B, Q, Y = v("collaborative_behaviour"), v("capability"), v("performance")
    active = v("active")

    success = b.aux("task_success",
                    B * (1 - p("complexity_drag") * v("task_complexity") * (1 - p("planning"))),
                    "Dmnl", "Rate of success on joint tasks: behaviour, held back by "
                    "complexity unless planned for.", ["L1", "A5", "I1"])
    routine = b.aux("routine_task_failures",
                    p("competitive_failure_rate") * (1 - success) * active, "1/Month",
                    "Joint tasks that fail for want of collaborative behaviour (event sizes "
                    "per month).", ["L1", "A1"])
    b.aux("task_failures", b.event("task_failure") + routine, "1/Month",
          "Task failures: dated events plus routine failures.", ["L1", "A1"])
    strain = b.aux("relational_strain", 1 - T * F * (1 - C), "Dmnl",
                   "Need to manage conflict and build relationships; falls as trust and "
                   "faith rise.", ["P1"])
    willing = b.aux("risk_willingness",
                    hill(v("risk_tolerance"), p("risk_threshold"), p("threshold_steepness")),
                    "Dmnl", "S-shaped willingness to take risk once risk tolerance passes "
                    "the risk threshold.", ["L1"])
    engaged = b.aux("faith_engagement",
                    hill(F, p("faith_threshold"), p("threshold_steepness")), "Dmnl",
                    "S-shaped motivation to work on the collaboration once faith passes "
                    "its threshold.", ["P2", "L1"])
    beh_ind = b.aux("indicated_collaborative_behaviour",
                    active * (1 - p("relational_work_share") * strain)
                    * noisy_or(willing * engaged, v("obligated_behaviour")),
                    "Dmnl", "Collaborative (rather than competitive) behaviour that risk "
                    "tolerance and faith, or obligation, and freed effort allow; nil once "
                    "dissolved.", ["L1", "P1", "P2", "F1", "L3"])
    b.flow("behaviour_adjustment", "collaborative_behaviour",
           (beh_ind - B) / p("behaviour_adjustment_time"),
           "Behaviour follows its indicated level.", ["L1"])
    b.stock("collaborative_behaviour", p("initial_collaborative_behaviour"),
            "Collaborative rather than competitive behaviour (synergy vs inertia, 0..1).",
            ["L1", "P2"])

    b.flow("capability_accrual", "capability",
           p("capability_accrual_rate") * B * (1 - Q),
           "Collaborative behaviour accrues shared skill, knowledge and resources.", ["P2"])
    b.flow("capability_loss", "capability",
           (p("capability_decay_rate")
            + b.event("staff_loss") * p("staff_loss_capability_effect")) * Q,
           "Accrued capability decays and leaves with lost staff.", ["P2"],
           direction="out")
    b.stock("capability", 0, "Accrued joint skill, knowledge and resources "
            "(0..1).", ["P2"])
    perf_ind = b.aux("indicated_performance",
                     p("performance_gain") * Q - p("transition_cost") * active * strain,
                     "Dmnl", "Performance relative to the pre-collaboration baseline: "
                     "accrued capability minus the transition cost of relational work.",
                     ["P2", "P3", "L5"])
    b.flow("performance_adjustment", "performance",
           (perf_ind - Y) / p("performance_adjustment_time"),
           "Care-quality metrics follow with a delay.", ["L5", "P3"], units="1/Month")
    b.stock("performance", 0, "Collaborative effectiveness relative to the "
            "pre-collaboration baseline (0); negative is below it.", ["P2", "P3", "L5"],
            lower=None, upper=None)

    pol = b.polarity
    pol("A5", "task_success", "planning", +1)
    pol("P1", "indicated_collaborative_behaviour", "relational_strain", -1)
    pol("P1", "relational_strain", "trust", -1)
    pol("P1", "relational_strain", "faith", -1)
    pol("P2", "capability", "collaborative_behaviour", +1)
    pol("P2", "indicated_performance", "capability", +1)
    pol("P3", "indicated_performance", "relational_strain", -1)
    pol("L1", "indicated_collaborative_behaviour", "risk_tolerance", +1)
    pol("L1", "task_success", "collaborative_behaviour", +1)
    pol("L1", "routine_task_failures", "collaborative_behaviour", -1)
    pol("F1", "indicated_collaborative_behaviour", "obligated_behaviour", +1)
    pol("L5", "indicated_performance", "capability", +1)
