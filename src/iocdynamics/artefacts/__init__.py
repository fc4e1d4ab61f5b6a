"""Artefacts generated from the sympy model: the Vensim and XMILE files (equations and
one shared stock-and-flow layout) and the equations document."""

from .document import equations_markdown
from .export import MODEL_FILES, export_models, model_texts, repository_models_dir
from .settings import FileSettings

__all__ = ["MODEL_FILES", "FileSettings", "equations_markdown", "export_models", "model_texts",
           "repository_models_dir"]
