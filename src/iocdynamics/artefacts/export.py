"""Write the generated model files (``models/ioc.mdl``, ``models/ioc.xmile``)."""

from __future__ import annotations

from pathlib import Path

from ..io import atomic_write_text
from ..model import build_model
from ..scenario import Scenario, load_scenario
from . import vensim, xmile
from .settings import FileSettings

MODEL_FILES = ("ioc.mdl", "ioc.xmile")


def repository_models_dir() -> Path | None:
    """The ``models/`` folder of a source checkout, if the package runs from one."""
    here = Path(__file__).resolve().parent
    cand = here.parents[2] / "models"
    return cand if cand.is_dir() else None


def model_texts(scenario: str | Path | dict | Scenario | None = None) -> dict[str, str]:
    """File name -> generated text, for every model file.

    Parameters
    ----------
    scenario : path, dict or Scenario, optional
        Write the scenario's clock, constants, events and lever changes into the
        files (see :class:`FileSettings`); default: registry defaults, no events.
    """
    model = build_model()
    settings = (FileSettings() if scenario is None
                else FileSettings.from_scenario(load_scenario(scenario)))
    return {"ioc.mdl": vensim.model_text(model, settings),
            "ioc.xmile": xmile.model_text(model, settings)}


def export_models(directory: str | Path | None = None,
                  scenario: str | Path | dict | Scenario | None = None) -> list[Path]:
    """Regenerate the model files from the sympy source.

    Parameters
    ----------
    directory : path, optional
        Target folder; defaults to the checkout's ``models/`` (only without a
        scenario: the committed files hold the defaults).
    scenario : path, dict or Scenario, optional
        Write files that reproduce this scenario in any SD tool.

    Returns
    -------
    list of Path
        The files written (atomically).
    """
    if directory is None and scenario is not None:
        raise ValueError("a scenario's model files need a target folder (-o/--output); "
                         "models/ holds the default files")
    target = Path(directory) if directory is not None else repository_models_dir()
    if target is None:
        raise FileNotFoundError("no models/ folder found; pass a directory")
    texts = model_texts(scenario)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        path = target / name
        atomic_write_text(path, text)
        written.append(path)
    return written
