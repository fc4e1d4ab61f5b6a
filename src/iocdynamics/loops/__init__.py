"""Feedback loops of the model: enumeration, theory names, Loops That Matter, gains.

* :class:`LoopGraph` -- the variable dependency graph and its elementary loops;
* :func:`named_loops` -- the loops the theory names (``named.toml``);
* :func:`loop_scores` / :func:`ensemble_loop_scores` -- link, loop and relative
  loop scores over a run (Loops That Matter), with polarity along the run;
* :func:`equilibrium_loop_gains` / :func:`loop_gains_at` -- open-loop gains, the
  total open-loop gain and eigenvalue elasticities of the named loops at each
  equilibrium (or at a fold of a continuation);
* :func:`plot_dominance` -- behaviour above, relative loop scores beneath.
"""

from .figures import plot_dominance, plot_relative_scores
from .gains import EquilibriumGains, equilibrium_loop_gains, loop_gains_at, total_open_loop_gain
from .graph import Link, Loop, LoopGraph
from .named import NAMED_LOOPS_FILE, NamedLoop, NamedLoopError, load_named_loops
from .scores import LoopScores, ensemble_loop_scores, loop_scores, model_graph, named_loops

__all__ = [
    "NAMED_LOOPS_FILE",
    "EquilibriumGains",
    "Link",
    "Loop",
    "LoopGraph",
    "LoopScores",
    "NamedLoop",
    "NamedLoopError",
    "ensemble_loop_scores",
    "equilibrium_loop_gains",
    "load_named_loops",
    "loop_gains_at",
    "loop_scores",
    "model_graph",
    "named_loops",
    "plot_dominance",
    "plot_relative_scores",
    "total_open_loop_gain",
]
