"""Progress and ambition: perception of progress (A5), evaluation and
dissemination rounds, quick wins (M1), ambition (L2)."""

from __future__ import annotations

import sympy as sp

from .builder import ModelBuilder
from .forms import ifelse

SECTOR = "progress and ambition"


def build(b: ModelBuilder) -> None:
    p, v = b.p, b.v
    Pp, M = v("perceived_progress"), v("ambition_level")
    success = v("task_success")
    half = M * p("progress_half_saturation")
    signal = b.aux("progress_signal", success * (1 + half) / (success + half), "Dmnl",
                   "Progress relative to ambition (over-ambition lowers it).",
                   ["A5", "L2"])
    eval_active = b.aux(
        "evaluation_round_active",
        ifelse(sp.And(p("evaluation_interval") > 0,
                      b.time >= p("evaluation_interval"),
                      sp.Mod(b.time,
                             sp.Max(p("evaluation_interval"), p("evaluation_round_duration")))
                      < p("evaluation_round_duration")),
               1, 0),
        "Dmnl", "1 during an evaluation-and-dissemination round, every "
        "evaluation_interval months after the start.", ["A5"])
    b.flow("informal_progress_perception", "perceived_progress",
           (p("informal_visibility") * signal - Pp) / p("informal_perception_time"),
           "Slow perception of the part of progress visible without dissemination.", ["A5"])
    b.flow("progress_dissemination", "perceived_progress",
           eval_active * p("evaluation_effectiveness") / p("evaluation_round_duration")
           * (signal - Pp),
           "Evaluation and dissemination make staff aware of the progress made.", ["A5"])
    b.flow("quick_win_progress_boost", "perceived_progress",
           b.event("quick_win") * p("quick_win_progress_effect") * (1 - Pp),
           "Quick wins raise the perception of progress.", ["M1", "A5"])
    b.flow("task_failure_progress_loss", "perceived_progress",
           v("task_failures") * p("task_failure_progress_effect") * Pp,
           "Task failures lower the perception of progress.", ["L1", "A5"],
           direction="out")
    b.stock("perceived_progress", p("initial_perceived_progress"),
            "Perception of progress toward the collaboration's goals (0..1).", ["A5"])

    amb_ind = b.aux("indicated_ambition",
                    p("ambition") * (1 + p("ambition_adjustment_range") * (2 * Pp - 1)),
                    "Dmnl", "Ambition raised after perceived success and lowered after "
                    "failure.", ["L2"])
    b.flow("ambition_adjustment", "ambition_level",
           (amb_ind - M) / p("ambition_adjustment_time"),
           "Goal-seeking adjustment of ambition.", ["L2"], units="1/Month")
    b.stock("ambition_level", p("ambition"), "Current ambition: targeted over achievable "
            "progress.", ["L2", "A5"], lower=None, upper=None)

    pol = b.polarity
    pol("M1", "perceived_progress", "quick_win_input", +1)
    pol("A5", "progress_dissemination", "progress_signal", +1,
        "during a round, perception moves toward actual progress")
    pol("A5", "progress_signal", "ambition_level", -1)
    pol("L2", "indicated_ambition", "perceived_progress", +1)
