"""Equilibria, stability, phase portraits and bifurcations of the event-free model.

See :mod:`.autonomous` for how the autonomous vector field is defined from the
simulation model (no events, evaluation rounds averaged, no dissolution).
"""

from .autonomous import ASSUMPTIONS, VectorField, autonomous_system, initial_state, integrate
from .bifurcation import (
    BifurcationDiagram,
    continuation,
    hysteresis_sweep,
    plot_bifurcation,
)
from .equilibria import Equilibrium, equilibria_table, find_equilibria
from .phase import PhaseData, phase_data, phase_portrait, plot_phase
from .qss import QuasiSteadyState, reduced_jacobian
from .stability import Stability, classify
from .tipping import TippingData, plot_tipping, tipping_data

__all__ = [
    "ASSUMPTIONS",
    "BifurcationDiagram",
    "Equilibrium",
    "PhaseData",
    "QuasiSteadyState",
    "Stability",
    "TippingData",
    "VectorField",
    "autonomous_system",
    "classify",
    "continuation",
    "equilibria_table",
    "find_equilibria",
    "hysteresis_sweep",
    "initial_state",
    "integrate",
    "phase_data",
    "phase_portrait",
    "plot_bifurcation",
    "plot_phase",
    "plot_tipping",
    "reduced_jacobian",
    "tipping_data",
]
