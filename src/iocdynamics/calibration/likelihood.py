"""Ordinal likelihood: the probability of a coded level given a simulated value.

A coder who reads a case and writes "trust was high" is treated as observing a
noisy version of the model's latent value ``x`` through cut-points
``c_1 < ... < c_{K-1}`` (ordered probit or logit)::

    P(level = k | x) = F((c_k - x) / s) - F((c_{k-1} - x) / s),  c_0 = -inf, c_K = +inf

with ``F`` the standard normal (probit) or logistic (logit) distribution
function and ``s`` the spread. Codes are never treated as numbers: only their
order matters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

LINKS = ("probit", "logit")
_TINY = 1e-300


def _cdf(z: np.ndarray, link: str) -> np.ndarray:
    if link == "probit":
        return special.ndtr(z)
    if link == "logit":
        return special.expit(z)
    raise ValueError(f"link must be one of {LINKS}, not {link!r}")


def _logcdf(z: np.ndarray, link: str) -> np.ndarray:
    if link == "probit":
        return special.log_ndtr(z)
    if link == "logit":
        return special.log_expit(z)
    raise ValueError(f"link must be one of {LINKS}, not {link!r}")


def level_log_probability(x: np.ndarray, level: np.ndarray, cutpoints: Sequence[float],
                          spread: np.ndarray | float, link: str = "probit") -> np.ndarray:
    """Log-probability of each coded level given the latent values.

    Parameters
    ----------
    x : array
        Simulated latent values (any shape).
    level : int array
        1-based levels, broadcastable against ``x``.
    cutpoints : sequence of float
        Increasing cut-points ``c_1 .. c_{K-1}``.
    spread : float or array
        Spread ``s > 0`` of the link (broadcastable; e.g. inflated by low confidence).
    link : {"probit", "logit"}

    Returns
    -------
    array
        ``log P(level | x)``, finite (probabilities below 1e-300 are floored).
    """
    cuts = np.concatenate(([-np.inf], np.asarray(cutpoints, dtype=float), [np.inf]))
    level = np.asarray(level, dtype=int)
    if np.any(level < 1) or np.any(level > len(cuts) - 1):
        raise ValueError(f"levels must be 1..{len(cuts) - 1}")
    x = np.asarray(x, dtype=float)
    s = np.asarray(spread, dtype=float)
    a = (cuts[level - 1] - x) / s
    b = (cuts[level] - x) / s
    with np.errstate(invalid="ignore"):
        # lowest level: log F(b); highest: log(1 - F(a)) = log F(-a)
        first = _logcdf(b, link)
        last = _logcdf(-a, link)
        # interior: difference taken on the side away from the tail, for precision
        upper_tail = a > 0
        p_mid = np.where(upper_tail, _cdf(-a, link) - _cdf(-b, link),
                         _cdf(b, link) - _cdf(a, link))
        mid = np.log(np.maximum(p_mid, _TINY))
    out = np.where(np.isneginf(a), first, np.where(np.isposinf(b), last, mid))
    return np.maximum(out, np.log(_TINY))


def level_probabilities(x: np.ndarray, cutpoints: Sequence[float],
                        spread: np.ndarray | float, link: str = "probit") -> np.ndarray:
    """Probabilities of every level: shape ``x.shape + (K,)``, summing to 1."""
    x = np.asarray(x, dtype=float)
    k = len(cutpoints) + 1
    levels = np.arange(1, k + 1)
    return np.exp(level_log_probability(x[..., None], levels, cutpoints,
                                        np.asarray(spread, dtype=float)[..., None], link))


def cutpoints_from_increments(first: float, gaps: Sequence[float]) -> tuple[float, ...]:
    """Cut-points from the first one and positive gaps (order holds by construction)."""
    if any(g <= 0 for g in gaps):
        raise ValueError("cut-point gaps must be positive")
    return tuple(np.cumsum([first, *gaps]).tolist())
