"""Checks a modeller can run on their own scenario or edited model file:
units, extreme conditions (Reality Check), polarity of the signed claims and
integration error. ``iocdyn check`` runs them; the test suite calls the same
functions.
"""

from __future__ import annotations

from pathlib import Path

from .result import CheckResult

__all__ = ["CheckResult", "check_scenario", "check_model_file", "run_checks"]


def check_scenario(scenario=None, *, members: int = 256, seed: int = 20261125,
                   samples: int = 200) -> list[CheckResult]:
    """Units of the model, polarity of every signed claim at the scenario's
    constants, extreme conditions around the scenario and integration error.

    Parameters
    ----------
    scenario : path, dict or Scenario, optional
        Default: the registry defaults.
    members : int
        Members per extreme-condition ensemble.
    samples : int
        States sampled per signed claim.
    """
    from ..model import build_model
    from ..scenario import load_scenario
    from ..units import check_units
    from .extremes import extreme_condition_problems, integration_error
    from .polarity import check_polarity

    sc = load_scenario(scenario if scenario is not None else {})
    model = build_model()
    out = []
    unit_problems = check_units(model)
    out.append(CheckResult("units", not unit_problems,
                           "every equation is dimensionally consistent" if not unit_problems
                           else f"{len(unit_problems)} inconsistent equation(s)",
                           tuple(unit_problems)))
    outcomes = [check_polarity(model, p, samples, sc.values) for p in model.polarities]
    wrong = [o.describe() for o in outcomes if o.contradicted]
    zero = [o.describe() + " (switched off in this scenario)" for o in outcomes if o.zero]
    out.append(CheckResult("polarity", not wrong,
                           f"{len(outcomes)} signed claims at this scenario's constants, "
                           f"{len(outcomes) - len(wrong) - len(zero)} hold, {len(zero)} "
                           "have no effect here", tuple(wrong), tuple(zero)))
    problems = extreme_condition_problems(sc, members, seed)
    out.append(CheckResult("extreme conditions", not problems,
                           f"3 ensembles of up to {members} members: contexts and levers, "
                           "every constant at their bounds, every event at once",
                           tuple(problems)))
    err, where = integration_error(sc)
    out.append(CheckResult("integration error", err <= 0.02,
                           f"halving the time step moves no stock by more than {err:.3g} "
                           f"(largest: {where}; allowed 0.02)"))
    return out


def run_checks(target=None, scenario=None, **kw) -> list[CheckResult]:
    """``check_model_file`` for a ``.mdl``/``.xmile`` path, else ``check_scenario``."""
    from .modelfile import check_model_file

    if isinstance(target, (str, Path)) and Path(target).suffix.lower() in (".mdl", ".xmile",
                                                                          ".xml"):
        return check_model_file(target, scenario, **kw)
    return check_scenario(target if target is not None else scenario, **kw)


def check_model_file(*args, **kw):  # re-exported lazily (PySD and Simlin are heavy)
    """See :func:`iocdynamics.checks.modelfile.check_model_file`."""
    from .modelfile import check_model_file as f

    return f(*args, **kw)
