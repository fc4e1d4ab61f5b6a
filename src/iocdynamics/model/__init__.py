"""The collaboration model: equations by sector, assembled in :mod:`.equations`."""

from .equations import EVENT_KINDS, SECTORS, STOCK_COLUMNS, build_model

__all__ = ["EVENT_KINDS", "SECTORS", "STOCK_COLUMNS", "build_model"]
