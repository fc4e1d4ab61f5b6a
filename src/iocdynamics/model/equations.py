"""The collaboration model, assembled from its sectors.

Each sector is one module, mirroring a view of the stock-and-flow diagram; every
stock, flow and auxiliary carries the claim ids it encodes. The structure follows
the programme theory of Aunger et al. (2021), Fig. 6 and Table 2; see
``docs/equations.md`` for the equations and the functional-form choices.
"""

from __future__ import annotations

from functools import lru_cache

from ..structure import StockFlowModel
from . import (
    behaviour_performance,
    conflict,
    context,
    contracts_risk,
    dissolution,
    events,
    faith,
    progress,
    trust,
    vision_culture,
)
from .builder import ModelBuilder
from .events import EVENT_KINDS

#: Sector modules in diagram order (each becomes a view of the Vensim sketch).
SECTORS = (context, vision_culture, trust, faith, conflict, progress, contracts_risk,
           behaviour_performance, dissolution)

#: The key stocks, in the order figures and summaries show them.
STOCK_COLUMNS = (
    "trust",
    "faith",
    "conflict",
    "perceived_progress",
    "risk_tolerance",
    "confidence",
    "collaborative_behaviour",
    "performance",
)


@lru_cache(maxsize=1)
def build_model() -> StockFlowModel:
    """Build the collaboration model.

    Returns
    -------
    StockFlowModel
        The one symbolic source from which every artefact is generated.
    """
    b = ModelBuilder(EVENT_KINDS)
    events.build(b)
    for sector in SECTORS:
        b.sector = sector.SECTOR
        sector.build(b)
    return b.finish("ioc")
