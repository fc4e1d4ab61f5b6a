"""Write the generated model files (``models/ioc.mdl``, ``models/ioc.xmile``)."""

from __future__ import annotations

from pathlib import Path

from . import vensim, xmile
from .model import build_model
from .io import atomic_write_text

MODEL_FILES = ("ioc.mdl", "ioc.xmile")


def repository_models_dir() -> Path | None:
    """The ``models/`` folder of a source checkout, if the package runs from one."""
    here = Path(__file__).resolve().parent
    cand = here.parent.parent / "models"
    return cand if cand.is_dir() else None


def model_texts() -> dict[str, str]:
    """File name -> generated text, for every model file."""
    model = build_model()
    return {"ioc.mdl": vensim.model_text(model), "ioc.xmile": xmile.model_text(model)}


def export_models(directory: str | Path | None = None) -> list[Path]:
    """Regenerate the model files from the sympy source.

    Parameters
    ----------
    directory : path, optional
        Target folder; defaults to the checkout's ``models/``.

    Returns
    -------
    list of Path
        The files written (atomically).
    """
    target = Path(directory) if directory is not None else repository_models_dir()
    if target is None:
        raise FileNotFoundError("no models/ folder found; pass a directory")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in model_texts().items():
        path = target / name
        atomic_write_text(path, text)
        written.append(path)
    return written
