"""Calibration of the collaboration model to coded case-study evidence.

* :mod:`.evidence` -- case files (TOML), their schema and codebook rules, loading;
* :mod:`.scales`, :mod:`.codebook` -- the codebook's scales and anchoring phrases;
* :mod:`.agreement` -- agreement between coders (Krippendorff's alpha), independence
  of the evidence from the model's source;
* :mod:`.sourcetext` -- checking a case against the text it quotes;
* :mod:`.spreadsheet`, :mod:`.casefile` -- coding spreadsheets in and out, case files
  written from data;
* :mod:`.likelihood` -- ordered probit/logit probabilities of coded levels;
* :mod:`.config` -- calibration configs (free parameters, priors, settings);
* :mod:`.problem` -- the objective over many parameter vectors at once;
* :mod:`.fit` -- seeded global search and lmfit polish;
* :mod:`.uncertainty` -- Hessian, profiles, identifiability warnings, emcee posterior;
* :mod:`.validation` -- leave-one-case-out prediction;
* :mod:`.synthetic` -- synthetic cases from known parameter values;
* :mod:`.report`, :mod:`.figures` -- ``fit.json``, ``report.md`` and figures.
"""

from .agreement import disagreements, evidence_summary, reliability
from .api import CalibrationResult, calibrate
from .config import CalibrationConfig, ConfigError, load_config
from .evidence import Case, CaseError, Observation, load_case, load_cases, parse_case
from .scales import SCALES, VARIABLE_SCALES, Scale, scale_of
from .spreadsheet import SheetError, export_codes, import_codes
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
    "SheetError",
    "calibrate",
    "disagreements",
    "evidence_summary",
    "export_codes",
    "import_codes",
    "load_case",
    "load_cases",
    "load_config",
    "parse_case",
    "reliability",
    "scale_of",
    "synthetic_case",
    "synthetic_cases",
    "write_case",
]
