"""iocdynamics: a system-dynamics model of inter-organisational collaboration in healthcare.

The realist theory of Aunger et al. (2021) -- trust, faith, confidence, conflict,
perception of progress, risk tolerance, collaborative behaviour and performance --
written once in sympy and projected to Vensim/XMILE files (run by PySD), a fast
numpy engine, calibration, analysis and policy experiments.
"""

from . import analysis, calibration, experiments, loops
from .artefacts import export_models
from .calibration import calibrate
from .ensembles import sample_parameters, simulate_ensemble
from .experiments import ExperimentSpec, load_experiment, run_experiment
from .loops import ensemble_loop_scores, equilibrium_loop_gains, loop_scores
from .model import EVENT_KINDS, STOCK_COLUMNS, build_model
from .registry import PARAMETERS, Parameter, defaults, parameters
from .scenario import Event, LeverChange, Scenario, ScenarioError, load_scenario
from .simulation import simulate

__version__ = "0.1.0"

__all__ = [
    "EVENT_KINDS",
    "ExperimentSpec",
    "LeverChange",
    "analysis",
    "calibrate",
    "calibration",
    "ensemble_loop_scores",
    "equilibrium_loop_gains",
    "experiments",
    "loop_scores",
    "loops",
    "load_experiment",
    "run_experiment",
    "sample_parameters",
    "simulate_ensemble",
    "PARAMETERS",
    "STOCK_COLUMNS",
    "Event",
    "Parameter",
    "Scenario",
    "ScenarioError",
    "build_model",
    "defaults",
    "export_models",
    "load_scenario",
    "parameters",
    "simulate",
]
