"""Dissolution: below a critical trust or faith level for long enough, the
partnership dissolves (L3), an absorbing state."""

from __future__ import annotations

import sympy as sp

from .builder import ModelBuilder
from .forms import ifelse

SECTOR = "dissolution"


def build(b: ModelBuilder) -> None:
    p, v = b.p, b.v
    W = v("time_below_critical")
    below = b.aux("below_critical_level",
                  ifelse(sp.Or(v("trust") < p("critical_trust"),
                               v("faith") < p("critical_faith")), 1, 0),
                  "Dmnl", "1 while trust or faith is below its critical level.", ["L3"])
    dissolved = b.aux("dissolved", ifelse(W >= p("dissolution_dwell"), 1, 0), "Dmnl",
                      "1 once the partnership has dissolved (absorbing).", ["L3"])
    b.aux("active", 1 - dissolved, "Dmnl",
          "1 while the partnership exists, 0 once dissolved.", ["L3"])
    b.flow("dwell_accumulation", "time_below_critical", sp.Max(below, dissolved),
           "Time accumulates while below a critical level (and forever once dissolved).",
           ["L3"])
    b.flow("dwell_forgiveness", "time_below_critical",
           (1 - below) * (1 - dissolved) * W / p("dwell_recovery_time"),
           "Accumulated time below threshold is forgiven once trust and faith recover.",
           ["L3"], direction="out")
    b.stock("time_below_critical", 0, "Recent time spent below a critical "
            "trust or faith level.", ["L3"], lower=0.0, upper=None, units="Month")
