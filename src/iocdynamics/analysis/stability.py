"""Linear stability of an equilibrium from the eigenvalues of its Jacobian(s)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TYPES = ("stable node", "stable focus", "saddle", "unstable node", "unstable focus",
         "non-hyperbolic")
"""Equilibrium types reported by :func:`classify`."""


@dataclass(frozen=True)
class Stability:
    """Classification of one equilibrium.

    Attributes
    ----------
    type : str
        One of :data:`TYPES`, or ``"switch-dependent"`` when the sides of a
        switched rate disagree on stability.
    stable : bool
        Every eigenvalue of every side has a negative real part.
    eigenvalues : numpy.ndarray
        Eigenvalues of the first Jacobian (for trust: the building side), sorted by
        decreasing real part.
    n_unstable : int
        Eigenvalues with a positive real part (first Jacobian).
    side_types : tuple of str
        Type for each Jacobian variant (one per side of each switch).
    unstable_direction : numpy.ndarray or None
        Real eigenvector of the largest positive real eigenvalue (unit norm), if any.
    """

    type: str
    stable: bool
    eigenvalues: np.ndarray
    n_unstable: int
    side_types: tuple[str, ...]
    unstable_direction: np.ndarray | None


def eigen_type(eigenvalues: np.ndarray, tol: float = 1e-9) -> str:
    """Type of a hyperbolic equilibrium from its eigenvalues.

    ``node`` or ``focus`` follows the dominant (slowest-decaying or
    fastest-growing) eigenvalue: a complex dominant pair makes trajectories spiral.
    """
    ev = np.asarray(eigenvalues, dtype=complex)
    re = ev.real
    scale = max(1.0, float(np.max(np.abs(ev)))) if ev.size else 1.0
    if np.any(np.abs(re) <= tol * scale):
        return "non-hyperbolic"
    pos, neg = int(np.sum(re > 0)), int(np.sum(re < 0))
    if pos and neg:
        return "saddle"
    if pos:
        lead = ev[np.argmin(re)]  # slowest growth leaves last: its shape is seen near x*
        return "unstable focus" if abs(lead.imag) > tol * scale else "unstable node"
    lead = ev[np.argmax(re)]
    return "stable focus" if abs(lead.imag) > tol * scale else "stable node"


def classify(jacobians: list[np.ndarray], tol: float = 1e-9) -> Stability:
    """Classify an equilibrium from the Jacobian of each side of its switches.

    Parameters
    ----------
    jacobians : list of (n, n) arrays
        For a smooth field a single Jacobian.
    tol : float
        Relative tolerance below which a real part counts as zero.

    Returns
    -------
    Stability
    """
    types, first = [], None
    stable_all = True
    for J in jacobians:
        ev, vec = np.linalg.eig(np.asarray(J, dtype=float))
        order = np.argsort(-ev.real)
        ev, vec = ev[order], vec[:, order]
        t = eigen_type(ev, tol)
        types.append(t)
        stable_all &= t.startswith("stable")
        if first is None:
            first = (ev, vec)
    ev, vec = first
    stabilities = {t.split()[0] if t != "saddle" else t for t in types}
    overall = types[0] if len(stabilities) == 1 else "switch-dependent"
    direction = None
    if ev.size and ev[0].real > 0 and abs(ev[0].imag) <= tol * max(1.0, abs(ev[0])):
        d = np.real(vec[:, 0])
        direction = d / np.linalg.norm(d)
    return Stability(type=overall, stable=bool(stable_all), eigenvalues=ev,
                     n_unstable=int(np.sum(ev.real > 0)), side_types=tuple(types),
                     unstable_direction=direction)
