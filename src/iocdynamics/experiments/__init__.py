"""Policy experiments: lever settings crossed with parameter uncertainty.

An experiment file (TOML, see :mod:`.spec`) declares a base scenario, the levers
to vary, the uncertainty to propagate, the ensemble size and seed, and the
outcome metrics. :func:`run_experiment` simulates the design on the fast engine
(through :func:`iocdynamics.ensembles.simulate_ensemble`) and writes the ensemble,
a summary table and figures; :mod:`.sensitivity` screens and decomposes the
variance of any output over the registry bounds with SALib; :mod:`.ema` exposes
the model to the EMA Workbench.
"""

from .metrics import METRICS, compute_metrics
from .spec import ExperimentError, ExperimentSpec, load_experiment

__all__ = [
    "METRICS",
    "ExperimentError",
    "ExperimentSpec",
    "compute_metrics",
    "load_experiment",
    "run_experiment",
]


def run_experiment(*args, **kwargs):
    """Run an experiment; see :func:`iocdynamics.experiments.runner.run_experiment`."""
    from .runner import run_experiment as _run

    return _run(*args, **kwargs)
