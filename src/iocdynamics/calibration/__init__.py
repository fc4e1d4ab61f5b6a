"""Calibration of the collaboration model to coded case-study evidence.

* :mod:`.evidence` -- case files (TOML), their schema check and loading;
* :mod:`.scales` -- the codebook scales of the ordinal codes;
* :mod:`.likelihood` -- ordered probit/logit probabilities of coded levels;
* :mod:`.config` -- calibration configs (free parameters, priors, settings);
* :mod:`.problem` -- the objective over many parameter vectors at once;
* :mod:`.fit` -- seeded global search and lmfit polish;
* :mod:`.uncertainty` -- Hessian, profiles, identifiability warnings, emcee posterior;
* :mod:`.validation` -- leave-one-case-out prediction;
* :mod:`.synthetic` -- synthetic cases from known parameter values;
* :mod:`.report`, :mod:`.figures` -- ``fit.json``, ``report.md`` and figures.
"""

from .api import CalibrationResult, calibrate
from .config import CalibrationConfig, ConfigError, load_config
from .evidence import Case, CaseError, Observation, load_case, load_cases, parse_case
from .scales import SCALES, VARIABLE_SCALES, Scale, scale_of
from .synthetic import synthetic_case, synthetic_cases, write_case

__all__ = [
    "SCALES",
    "VARIABLE_SCALES",
    "CalibrationConfig",
    "CalibrationResult",
    "Case",
    "CaseError",
    "ConfigError",
    "Observation",
    "Scale",
    "calibrate",
    "load_case",
    "load_cases",
    "load_config",
    "parse_case",
    "scale_of",
    "synthetic_case",
    "synthetic_cases",
    "write_case",
]
