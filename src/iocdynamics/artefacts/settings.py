"""What a model file fixes besides the equations: the clock, the constants, the inputs.

The committed model files hold the registry defaults and inputs of 0. A scenario
(events, lever changes, other constants) becomes a model file of its own, so that
any SD tool reproduces it without this package: its constants are written as
numbers and every input that varies in time (an event's impulse, a lever changed
mid-run, a new leader's quality) as a step function of the clock, a chain of
IF THEN ELSE on ``Time`` whose thresholds lie half a time step between grid points
(so every reader, whatever its clock arithmetic, switches on the same step).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import sympy as sp

from ..scenario import Scenario
from ..structure import TIME


@dataclass(frozen=True)
class FileSettings:
    """Clock, constants and time-dependent inputs written into a model file.

    Attributes
    ----------
    final_time, time_step, save_interval : float
        Months (Euler integration from 0).
    values : mapping
        Constants by registry name; a constant not given takes its registry default.
    inputs : mapping
        Name -> sympy expression of ``time`` for inputs and constants that vary in
        time; an input not given is 0.
    """

    final_time: float = 60.0
    time_step: float = 0.125
    save_interval: float = 1.0
    values: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    inputs: Mapping[str, sp.Expr] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> FileSettings:
        """The settings that reproduce ``scenario`` (clock, constants, events, lever
        changes)."""
        grid = scenario.grid()
        inputs = {}
        for name, series in scenario.input_series().items():
            if np.any(series) or name in scenario.values:
                inputs[name] = step_function(grid, series)
        values = {k: v for k, v in scenario.constants().items() if k not in inputs}
        return cls(scenario.final_time, scenario.time_step, scenario.save_interval,
                   MappingProxyType(values), MappingProxyType(inputs))

    def value(self, name: str, default: float) -> float:
        """The constant ``name`` (``default`` unless set)."""
        return float(self.values.get(name, default))

    def expression(self, name: str, default: float = 0.0) -> sp.Expr:
        """What the file writes for the constant or input ``name``: its function of
        time when it varies, else its value."""
        if name in self.inputs:
            return self.inputs[name]
        return sp.Float(self.value(name, default))


def step_function(grid: np.ndarray, series: np.ndarray) -> sp.Expr:
    """The piecewise-constant function of ``time`` that takes ``series[k]`` at
    ``grid[k]``, switching half-way between grid points."""
    series = np.asarray(series, dtype=float)
    changes = [k for k in range(1, len(series)) if series[k] != series[k - 1]]
    if not changes:
        return sp.Float(float(series[0]))
    pieces = [(sp.Float(float(series[k - 1])), TIME < sp.Float(float(grid[k - 1] + grid[k]) / 2))
              for k in changes]
    return sp.Piecewise(*pieces, (sp.Float(float(series[-1])), True), evaluate=False)
